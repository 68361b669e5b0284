//! Skill recognition: the ESCO taxonomy, plain words turned into ranked
//! skills with the evidence that triggered each, and the indexes that
//! matching draws on.
//!
//! Two ways of recognising, fused into one ranking ([`recognise`]):
//! lexical ([`lexical`]: normalised, stemmed labels found in the text) and
//! semantic ([`semantic`]: the text's sentence embedding against every
//! skill's, from all-MiniLM-L6-v2 run in Rust by [`embed`]). Without the
//! model's files the recogniser runs lexical only and says so.

pub mod embed;
pub mod engine;
pub mod lexical;
pub mod recognise;
pub mod semantic;
pub mod taxonomy;
pub mod text;

pub use recognise::{Recogniser, Suggestion};
pub use taxonomy::{Skill, Taxonomy};

/// The semantic half of recognition, as the recogniser sees it: the skills
/// nearest to each of several texts. Implemented by [`semantic::Index`];
/// a trait so that the recogniser's fusion can be tested without the model.
pub trait Nearest: Send + Sync {
    /// For each text, up to `k` skills by cosine similarity, best first, as
    /// (position in the taxonomy's [`Taxonomy::skills`], similarity in -1..=1).
    fn nearest(&self, texts: &[&str], k: usize) -> Result<Vec<Vec<(usize, f32)>>, Error>;
}

/// Why recognition or loading failed, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A file is not what it should be: the message says which and why.
    #[error("{0}")]
    Invalid(String),
}
