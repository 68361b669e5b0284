//! Plain words in, ranked skills out: the text is split into clauses (one
//! activity each), each clause is matched lexically and, when the model is
//! there, semantically (one batched call for the whole text), the two are
//! fused per clause, and the clauses merged: a skill found in several keeps
//! its best score and that clause's evidence.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::{lexical, text, Nearest, Taxonomy};

/// A recognised skill, as the CLI's JSON lines and the pages show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub uri: String,
    pub label: String,
    pub score: f32,
    /// The words of the text that triggered it.
    pub evidence: String,
}

/// How the suggestions were found, so a caller can say when the model is
/// missing rather than quietly give weaker suggestions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// Lexical and semantic, fused.
    Fused,
    /// Labels found in the text only.
    LexicalOnly { reason: LexicalOnlyReason },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "why", content = "detail", rename_all = "snake_case")]
pub enum LexicalOnlyReason {
    /// The recogniser was built without a semantic index (the model's
    /// files are missing, or it was not asked for).
    NoModel,
    /// The model failed on this text; the message says why.
    ModelFailed(String),
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::Fused => f.write_str("lexical and semantic"),
            Mode::LexicalOnly {
                reason: LexicalOnlyReason::NoModel,
            } => f.write_str("lexical only: the semantic model is not loaded"),
            Mode::LexicalOnly {
                reason: LexicalOnlyReason::ModelFailed(why),
            } => write!(f, "lexical only: the semantic model failed ({why})"),
        }
    }
}

/// What [`Recogniser::recognise`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Recognition {
    /// Best first, scores in 0..=1.
    pub suggestions: Vec<Suggestion>,
    pub mode: Mode,
}

/// How lexical and semantic evidence are weighed; the defaults were chosen
/// on the benchmark's dev file (with the model embedding each skill's
/// preferred label).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// Weight of the lexical score (0..=1).
    pub lexical: f32,
    /// Weight of the semantic score (0..=1); the two add up to at most 1.
    pub semantic: f32,
    /// Cosine similarity at or below which a skill gets no semantic score.
    pub floor: f32,
    /// Cosine similarity at or above which it gets the full score.
    pub ceiling: f32,
    /// Weight of the whole text's similarity against a clause's, when the
    /// text has several clauses (the whole says what a fragment may not).
    pub whole_text: f32,
    /// Candidates taken from each side per clause.
    pub candidates: usize,
}

impl Default for Fusion {
    fn default() -> Self {
        Self {
            lexical: 0.6,
            semantic: 0.4,
            floor: 0.35,
            ceiling: 0.8,
            whole_text: 1.0,
            candidates: 50,
        }
    }
}

/// Turns plain words into ranked skills.
pub struct Recogniser {
    taxonomy: Arc<Taxonomy>,
    lexical: lexical::Index,
    semantic: Option<Arc<dyn Nearest>>,
    fusion: Fusion,
}

impl std::fmt::Debug for Recogniser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recogniser")
            .field("skills", &self.taxonomy.len())
            .field("semantic", &self.semantic.is_some())
            .field("fusion", &self.fusion)
            .finish_non_exhaustive()
    }
}

/// The best a clause gave one skill.
#[derive(Debug, Clone)]
struct Candidate {
    score: f32,
    evidence: String,
}

impl Recogniser {
    /// Builds the lexical index (a fraction of a second for all of ESCO).
    /// `semantic` must index the same taxonomy, in the same order.
    pub fn new(taxonomy: Arc<Taxonomy>, semantic: Option<Arc<dyn Nearest>>) -> Self {
        // Beside the model the lexical side is tuned for precision.
        let lexical = match semantic {
            Some(_) => lexical::Params::with_model(),
            None => lexical::Params::default(),
        };
        Self::with_params(taxonomy, semantic, lexical, Fusion::default())
    }

    pub fn with_params(
        taxonomy: Arc<Taxonomy>,
        semantic: Option<Arc<dyn Nearest>>,
        lexical: lexical::Params,
        fusion: Fusion,
    ) -> Self {
        let lexical = lexical::Index::with_params(&taxonomy, lexical);
        Self {
            taxonomy,
            lexical,
            semantic,
            fusion,
        }
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The mode recognition runs in unless the model fails on a text.
    pub fn mode(&self) -> Mode {
        match self.semantic {
            Some(_) => Mode::Fused,
            None => Mode::LexicalOnly {
                reason: LexicalOnlyReason::NoModel,
            },
        }
    }

    /// Up to `top` skills for `text`, best first.
    pub fn recognise(&self, text: &str, top: usize) -> Recognition {
        let clauses = text::clauses(text);
        if clauses.is_empty() || top == 0 {
            return Recognition {
                suggestions: Vec::new(),
                mode: self.mode(),
            };
        }
        let f = &self.fusion;
        let mut mode = self.mode();
        let semantic = match &self.semantic {
            None => None,
            Some(model) => match self.nearest(model.as_ref(), text, &clauses) {
                Ok(s) => Some(s),
                Err(e) => {
                    mode = Mode::LexicalOnly {
                        reason: LexicalOnlyReason::ModelFailed(e.to_string()),
                    };
                    None
                }
            },
        };

        let mut merged: HashMap<usize, Candidate> = HashMap::new();
        for (ci, clause) in clauses.iter().enumerate() {
            // Alone, a clause's own top `top` is all that can reach the
            // merged top `top` (a skill keeps its best clause's score).
            let wanted = if semantic.is_some() {
                f.candidates
            } else {
                top
            };
            let lexical = self.lexical.match_clause(text, clause.clone(), wanted);
            let mut fused: HashMap<usize, Candidate> = HashMap::new();
            let lexical_weight = if semantic.is_some() { f.lexical } else { 1.0 };
            for m in lexical {
                fused.insert(
                    m.skill,
                    Candidate {
                        score: lexical_weight * m.score,
                        evidence: m.evidence,
                    },
                );
            }
            if let Some(similar) = semantic.as_ref().and_then(|s| s.get(ci)) {
                let clause_text = text[clause.clone()].trim();
                for (&skill, &sim) in similar {
                    let part = f.semantic * self.calibrate(sim);
                    if part <= 0.0 {
                        continue;
                    }
                    fused
                        .entry(skill)
                        .and_modify(|c| c.score += part)
                        .or_insert_with(|| Candidate {
                            score: part,
                            evidence: clause_text.to_owned(),
                        });
                }
            }
            for (skill, c) in fused {
                match merged.get(&skill) {
                    Some(old) if old.score >= c.score => {}
                    _ => {
                        merged.insert(skill, c);
                    }
                }
            }
        }

        let mut ranked: Vec<(usize, Candidate)> = merged.into_iter().collect();
        ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let skills = self.taxonomy.skills();
        let suggestions = ranked
            .into_iter()
            .filter(|(i, c)| *i < skills.len() && c.score > 0.0)
            .take(top)
            .map(|(i, c)| Suggestion {
                uri: skills[i].uri.clone(),
                label: skills[i].label.clone(),
                score: c.score.clamp(0.0, 1.0),
                evidence: c.evidence,
            })
            .collect();
        Recognition { suggestions, mode }
    }

    /// Per clause, each nearby skill's best similarity: the clause's own,
    /// or the whole text's (down-weighted) when the text has several
    /// clauses. One batched call to the model.
    fn nearest(
        &self,
        model: &dyn Nearest,
        text: &str,
        clauses: &[Range<usize>],
    ) -> Result<Vec<HashMap<usize, f32>>, crate::Error> {
        let f = &self.fusion;
        let mut texts: Vec<&str> = clauses.iter().map(|c| text[c.clone()].trim()).collect();
        let with_whole = clauses.len() > 1 && f.whole_text > 0.0;
        if with_whole {
            texts.push(text.trim());
        }
        let mut found = model.nearest(&texts, f.candidates)?;
        let whole: Vec<(usize, f32)> = if with_whole {
            found.pop().unwrap_or_default()
        } else {
            Vec::new()
        };
        let n = self.taxonomy.len();
        Ok((0..clauses.len())
            .map(|ci| {
                let mut best: HashMap<usize, f32> = HashMap::new();
                let own = found.get(ci).map(Vec::as_slice).unwrap_or(&[]);
                let scaled = whole.iter().map(|&(s, sim)| (s, sim * f.whole_text));
                for (skill, sim) in own.iter().copied().chain(scaled) {
                    if skill < n {
                        let e = best.entry(skill).or_insert(f32::MIN);
                        *e = e.max(sim);
                    }
                }
                best
            })
            .collect())
    }

    /// Cosine similarity to 0..=1 between the floor and the ceiling.
    fn calibrate(&self, sim: f32) -> f32 {
        let f = &self.fusion;
        ((sim - f.floor) / (f.ceiling - f.floor).max(1e-6)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, Skill};

    fn skill(id: &str, label: &str) -> Skill {
        Skill {
            uri: format!("http://data.europa.eu/esco/skill/{id}"),
            label: label.into(),
            alt_labels: Vec::new(),
            description: String::new(),
        }
    }

    struct Fixed(Vec<(usize, f32)>);

    impl Nearest for Fixed {
        fn nearest(&self, texts: &[&str], k: usize) -> Result<Vec<Vec<(usize, f32)>>, Error> {
            Ok(texts
                .iter()
                .map(|_| self.0.iter().copied().take(k).collect())
                .collect())
        }
    }

    struct Broken;

    impl Nearest for Broken {
        fn nearest(&self, _: &[&str], _: usize) -> Result<Vec<Vec<(usize, f32)>>, Error> {
            Err(Error::Invalid("weights missing".into()))
        }
    }

    #[test]
    fn calibration_maps_the_floor_to_zero_and_the_ceiling_to_one() {
        let t = Arc::new(Taxonomy::new(vec![skill("a", "cook")]));
        let r = Recogniser::new(t, None);
        assert_eq!(r.calibrate(0.1), 0.0);
        assert_eq!(r.calibrate(0.9), 1.0);
        let mid = (Fusion::default().floor + Fusion::default().ceiling) / 2.0;
        assert!((r.calibrate(mid) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn a_failing_model_falls_back_to_lexical_and_says_why() {
        let t = Arc::new(Taxonomy::new(vec![skill("a", "cook")]));
        let r = Recogniser::new(t, Some(Arc::new(Broken)));
        let got = r.recognise("I cook", 5);
        assert_eq!(got.suggestions[0].label, "cook");
        assert!(matches!(
            got.mode,
            Mode::LexicalOnly {
                reason: LexicalOnlyReason::ModelFailed(_)
            }
        ));
    }

    #[test]
    fn out_of_range_positions_from_the_model_are_ignored() {
        let t = Arc::new(Taxonomy::new(vec![skill("a", "cook")]));
        let r = Recogniser::new(t, Some(Arc::new(Fixed(vec![(7, 0.9)]))));
        let got = r.recognise("I cook", 5);
        assert_eq!(got.suggestions.len(), 1);
        assert_eq!(got.mode, Mode::Fused);
    }
}
