//! What the public sees of the fund holders' books: read-only queries for
//! the transparency pages and the borough's fund flows.
