//! (being written)

/// A recognised skill, as the CLI's JSON lines and the pages show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub uri: String,
    pub label: String,
    pub score: f32,
    /// The words of the text that triggered it.
    pub evidence: String,
}

/// Turns plain words into ranked skills.
pub struct Recogniser;
