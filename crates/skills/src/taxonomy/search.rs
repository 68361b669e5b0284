//! Finding skills by label, for a person adding one by hand.

use std::collections::HashMap;

use super::Skill;
use crate::text;

struct Label {
    skill: u32,
    preferred: bool,
    /// Content words (ids into `words`) and their stems (ids into `stems`).
    words: Box<[u32]>,
    stems: Box<[u32]>,
}

pub(super) struct Index {
    labels: Vec<Label>,
    words: Vec<String>,
    stems: HashMap<String, u32>,
}

impl Index {
    pub fn build(skills: &[Skill]) -> Self {
        let mut word_ids: HashMap<String, (u32, u32)> = HashMap::new();
        let mut index = Index {
            labels: Vec::new(),
            words: Vec::new(),
            stems: HashMap::new(),
        };
        for (i, skill) in skills.iter().enumerate() {
            let all = std::iter::once((true, &skill.label))
                .chain(skill.alt_labels.iter().map(|l| (false, l)));
            for (preferred, label) in all {
                let mut words = Vec::new();
                let mut stems = Vec::new();
                text::for_each_word(label, |_, _, w| {
                    if text::is_stopword(w) {
                        return;
                    }
                    let (wid, sid) = *word_ids.entry(w.to_owned()).or_insert_with(|| {
                        let wid = index.words.len() as u32;
                        index.words.push(w.to_owned());
                        let next = index.stems.len() as u32;
                        let sid = *index.stems.entry(text::stem(w)).or_insert(next);
                        (wid, sid)
                    });
                    words.push(wid);
                    stems.push(sid);
                });
                if !words.is_empty() {
                    index.labels.push(Label {
                        skill: i as u32,
                        preferred,
                        words: words.into(),
                        stems: stems.into(),
                    });
                }
            }
        }
        index
    }

    /// Positions of the best-matching skills.
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        let toks: Vec<text::Token> = text::tokens(query)
            .into_iter()
            .filter(|t| !t.is_stopword())
            .collect();
        let Some(last) = toks.last() else {
            return Vec::new();
        };
        // Each query word is a set of acceptable stems; an unknown stem
        // matches nothing, and so neither does the query.
        let mut wanted: Vec<Option<u32>> = toks
            .iter()
            .map(|t| self.stems.get(&t.stem).copied())
            .collect();
        // The last word may be unfinished: any label word it begins.
        let prefix_words: Vec<u32> = if last.word.chars().count() >= 2 {
            (0..self.words.len() as u32)
                .filter(|&w| self.words[w as usize].starts_with(&last.word))
                .collect()
        } else {
            Vec::new()
        };
        let last_i = toks.len() - 1;
        if wanted[last_i].is_none() && prefix_words.is_empty() {
            return Vec::new();
        }
        if wanted[..last_i].iter().any(Option::is_none) {
            return Vec::new();
        }
        let last_stem = wanted.pop().flatten();

        let mut best: HashMap<u32, (f32, usize)> = HashMap::new();
        for label in &self.labels {
            let all_earlier = wanted.iter().flatten().all(|s| label.stems.contains(s));
            if !all_earlier {
                continue;
            }
            let last_hit = last_stem.is_some_and(|s| label.stems.contains(&s))
                || label
                    .words
                    .iter()
                    .any(|w| prefix_words.binary_search(w).is_ok());
            if !last_hit {
                continue;
            }
            let covered = toks.len().min(label.words.len()) as f32 / label.words.len() as f32;
            let first_word_leads = label.stems.first()
                == wanted.first().copied().flatten().as_ref()
                || (toks.len() == 1
                    && label
                        .words
                        .first()
                        .is_some_and(|w| prefix_words.binary_search(w).is_ok()));
            let score = if label.preferred { 1.0 } else { 0.6 }
                + covered
                + if first_word_leads { 0.3 } else { 0.0 };
            let entry = best.entry(label.skill).or_insert((f32::MIN, usize::MAX));
            if score > entry.0 {
                *entry = (score, label.words.len());
            }
        }
        let mut ranked: Vec<(u32, f32, usize)> = best
            .into_iter()
            .map(|(s, (score, len))| (s, score, len))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(s, _, _)| s as usize)
            .collect()
    }
}
