//! Exports of the fund holders' books in open formats: 360Giving, Beancount
//! and a flat CSV of postings.
