//! Lexical recognition: which skills' labels appear in a clause.
//!
//! The text is the document and each label a short query, so a skill is
//! found when most of one of its labels is in the clause. A label's score:
//!
//! - coverage: the share of the label's information found in the clause,
//!   each word weighted by its inverse document frequency over all skills'
//!   labels (so "prepare food" found as "food" alone counts for less than
//!   "prepare" and "food" together, and a rare word like "bookkeeping"
//!   counts for more than "manage"), raised to a power (below 1 when
//!   matching alone, where partial matches are the only way to reach a
//!   paraphrase; 1 beside the model);
//! - a phrase factor: the label's words close together and in order in the
//!   text, rather than scattered across it;
//! - saturation in the matched information: a whole rare label is stronger
//!   evidence than a whole common one ("plan" alone);
//! - the field: the preferred label counts a little more than alternative
//!   labels; a part in parentheses ("Java (computer programming)") only
//!   qualifies the label and weighs less.
//!
//! A skill's score is its best label's, plus a small BM25 share from its
//! definition (which catches the skills whose labels use other words). A
//! small layer of general-English synonyms (`lexical/synonyms.rs`) lets
//! "cook" find "prepare food" and "kids" find "children".
//!
//! Matching reads, for each distinct word of the clause, the postings of
//! the labels that have it, each carrying its share of that label's
//! information; only labels covered enough are then looked at, so a clause
//! costs a fraction of a millisecond over all of ESCO.

mod synonyms;

use std::ops::Range;

use crate::text;
use crate::text::fxhash::FxMap;
use crate::Taxonomy;

/// Tuning knobs, chosen on the benchmark's dev file: [`Params::default`]
/// when lexical matching works alone, [`Params::with_model`] beside the
/// semantic model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Weight of an alternative label relative to the preferred one.
    pub alt_weight: f32,
    /// Weight of words in parentheses within a label.
    pub qualifier_weight: f32,
    /// Coverage is raised to this power.
    pub coverage_power: f32,
    /// Labels covered less than this are not candidates.
    pub min_coverage: f32,
    /// Factor for a label whose words are scattered across the clause.
    pub scattered: f32,
    /// Half-saturation point of the matched information (in idf units).
    pub saturation: f32,
    /// Weight of the definition's BM25 share.
    pub definition_weight: f32,
}

impl Default for Params {
    /// Alone, partial matches are the only way to reach a skill whose label
    /// the person did not say in full, so coverage is judged gently.
    fn default() -> Self {
        Self {
            alt_weight: 0.8,
            qualifier_weight: 0.3,
            coverage_power: 0.5,
            min_coverage: 0.3,
            scattered: 0.6,
            saturation: 6.0,
            definition_weight: 0.1,
        }
    }
}

impl Params {
    /// Beside the model, which finds the paraphrases, lexical matching is
    /// worth most when precise: whole labels, and more of them matched.
    pub fn with_model() -> Self {
        Self {
            coverage_power: 1.0,
            saturation: 8.0,
            ..Self::default()
        }
    }
}

/// A skill found in a clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Position in the taxonomy's [`Taxonomy::skills`].
    pub skill: usize,
    /// 0..=1.
    pub score: f32,
    /// The words of the text that triggered it ("cook", or "accounts …
    /// allotment" when they are apart).
    pub evidence: String,
    /// Byte range in the text from the first to the last evidence word.
    pub span: Range<usize>,
}

/// One label of one skill, as term ids.
struct Unit {
    skill: u32,
    preferred: bool,
    terms: Box<[u32]>,
    weights: Box<[f32]>,
    /// Sum of weight × idf over the terms: what full coverage is worth.
    mass: f32,
}

/// A term's occurrence in a unit, with the share of the unit's information
/// it carries: matching reads only the postings until a unit is covered
/// enough to be worth looking at (units are many and scattered in memory).
#[derive(Debug, Clone, Copy)]
struct Posting {
    unit: u32,
    position: u8,
    share: f32,
}

/// What gave a skill its score in a clause: one of its labels, or (only)
/// its definition, through the query term given.
#[derive(Debug, Clone, Copy)]
enum Source {
    Unit(u32),
    Definition(u16),
}

/// A rule of the synonym layer, compiled to term ids.
struct Rule {
    /// Stems the text must have, word for word.
    source: Box<[String]>,
    /// Term ids the match stands for, with closeness.
    targets: Vec<(Box<[u32]>, f32)>,
}

/// The index over every skill's labels and definition.
pub struct Index {
    terms: FxMap<String, u32>,
    units: Vec<Unit>,
    /// Per term: the units (labels) that have it.
    unit_postings: Vec<Vec<Posting>>,
    /// Per term: (skill, term frequency in its definition).
    def_postings: Vec<Vec<(u32, u16)>>,
    def_idf: Vec<f32>,
    def_len: Vec<u16>,
    avg_def_len: f32,
    /// Synonym rules by the first stem of their source.
    rules: FxMap<String, Vec<Rule>>,
    params: Params,
}

/// A word of the clause as the matcher sees it: a term, how much it is
/// worth (1 for the word itself, less for a synonym), where it stands among
/// the clause's content words, and which tokens it came from.
#[derive(Debug, Clone, Copy)]
struct QueryTerm {
    term: u32,
    weight: f32,
    pos: u16,
    tokens: (u16, u16),
}

/// Longest label kept (in content words): beyond this a label is a
/// description, and positions must fit the postings' u8.
const MAX_UNIT_TERMS: usize = 24;

impl Index {
    pub fn build(taxonomy: &Taxonomy) -> Self {
        Self::with_params(taxonomy, Params::default())
    }

    pub fn with_params(taxonomy: &Taxonomy, params: Params) -> Self {
        let mut b = Builder::default();
        let skills = taxonomy.skills();
        let mut def_postings: Vec<Vec<(u32, u16)>> = Vec::new();
        let mut def_len = Vec::with_capacity(skills.len());
        let mut units = Vec::new();
        let mut label_df: Vec<u32> = Vec::new();
        for (i, skill) in skills.iter().enumerate() {
            let mut seen_in_labels: Vec<u32> = Vec::new();
            let labels = std::iter::once((true, &skill.label))
                .chain(skill.alt_labels.iter().map(|l| (false, l)));
            for (preferred, label) in labels {
                let mut terms = Vec::new();
                let mut weights = Vec::new();
                let mut depth = 0usize;
                let mut last_end = 0;
                text::for_each_word(label, |start, end, w| {
                    let between = &label[last_end..start];
                    depth += between.matches('(').count();
                    depth = depth.saturating_sub(between.matches(')').count());
                    last_end = end;
                    if text::is_stopword(w) {
                        return;
                    }
                    let t = b.term(w);
                    if !terms.contains(&t) && terms.len() < MAX_UNIT_TERMS {
                        terms.push(t);
                        weights.push(if depth > 0 {
                            params.qualifier_weight
                        } else {
                            1.0
                        });
                    }
                });
                if terms.is_empty() {
                    continue;
                }
                for &t in &terms {
                    if !seen_in_labels.contains(&t) {
                        seen_in_labels.push(t);
                    }
                }
                units.push(Unit {
                    skill: i as u32,
                    preferred,
                    terms: terms.into(),
                    weights: weights.into(),
                    mass: 0.0,
                });
            }
            for t in seen_in_labels {
                grow(&mut label_df, t as usize + 1);
                label_df[t as usize] += 1;
            }
            let mut counts: FxMap<u32, u16> = FxMap::default();
            let mut len = 0u16;
            text::for_each_word(&skill.description, |_, _, w| {
                if text::is_stopword(w) {
                    return;
                }
                let t = b.term(w);
                *counts.entry(t).or_default() += 1;
                len = len.saturating_add(1);
            });
            def_len.push(len);
            for (t, tf) in counts {
                grow(&mut def_postings, t as usize + 1);
                def_postings[t as usize].push((i as u32, tf));
            }
        }
        let n_terms = b.terms.len();
        grow(&mut label_df, n_terms);
        grow(&mut def_postings, n_terms);
        let n = skills.len().max(1) as f32;
        let idf = |df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let label_idf: Vec<f32> = label_df.iter().map(|&df| idf(df as f32)).collect();
        let def_idf: Vec<f32> = def_postings.iter().map(|p| idf(p.len() as f32)).collect();
        let mut unit_postings: Vec<Vec<Posting>> = vec![Vec::new(); n_terms];
        for (u, unit) in units.iter_mut().enumerate() {
            unit.mass = unit
                .terms
                .iter()
                .zip(unit.weights.iter())
                .map(|(&t, &w)| w * label_idf[t as usize])
                .sum();
            for (j, &t) in unit.terms.iter().enumerate() {
                let share = if unit.mass > 0.0 {
                    unit.weights[j] * label_idf[t as usize] / unit.mass
                } else {
                    0.0
                };
                unit_postings[t as usize].push(Posting {
                    unit: u as u32,
                    position: j as u8,
                    share,
                });
            }
        }
        let avg_def_len = def_len.iter().map(|&l| l as f32).sum::<f32>() / n;
        let rules = compile_rules(&mut b);
        Index {
            terms: b.terms,
            units,
            unit_postings,
            def_postings,
            def_idf,
            def_len,
            avg_def_len,
            rules,
            params,
        }
    }

    pub fn params(&self) -> Params {
        self.params
    }

    /// How many distinct stems the index knows.
    pub fn vocabulary(&self) -> usize {
        self.terms.len()
    }

    /// Skills found in `text[range]`, best first, at most `limit`.
    /// Evidence and spans refer to `text`.
    pub fn match_clause(&self, text: &str, range: Range<usize>, limit: usize) -> Vec<Match> {
        let clause = &text[range.clone()];
        let mut tokens = text::tokens(clause);
        for t in &mut tokens {
            t.start += range.start;
            t.end += range.start;
        }
        let query = self.query(&tokens);
        if query.is_empty() {
            return Vec::new();
        }
        let p = &self.params;

        // Each distinct term once, standing for its best query term.
        let mut reps: FxMap<u32, u16> = FxMap::default();
        for (qi, q) in query.iter().enumerate() {
            reps.entry(q.term)
                .and_modify(|r| {
                    if query[*r as usize].weight < q.weight {
                        *r = qi as u16;
                    }
                })
                .or_insert(qi as u16);
        }

        // Label matches, grouped by unit.
        let mut hits: Vec<(u32, u8, u16, f32)> = Vec::new();
        for (&term, &qi) in &reps {
            let weight = query[qi as usize].weight;
            for posting in &self.unit_postings[term as usize] {
                hits.push((posting.unit, posting.position, qi, posting.share * weight));
            }
        }
        hits.sort_unstable_by_key(|h| h.0);
        // Per skill: the best score and where it came from.
        let mut best: FxMap<u32, (f32, Source)> = FxMap::default();
        let mut slots: Vec<Option<u16>> = Vec::new();
        for unit_hits in hits.chunk_by(|a, b| a.0 == b.0) {
            let coverage: f32 = unit_hits.iter().map(|h| h.3).sum();
            if coverage < p.min_coverage {
                continue;
            }
            let unit_id = unit_hits[0].0;
            let unit = &self.units[unit_id as usize];
            slots.clear();
            slots.resize(unit.terms.len(), None);
            for &(_, j, qi, _) in unit_hits {
                slots[j as usize] = Some(qi);
            }
            let matched = coverage * unit.mass;
            let phrase = phrase_factor(&slots, &query, p.scattered);
            let field = if unit.preferred { 1.0 } else { p.alt_weight };
            let saturation = matched / (matched + p.saturation);
            let score = field * coverage.powf(p.coverage_power) * phrase * saturation;
            let entry = best
                .entry(unit.skill)
                .or_insert((0.0, Source::Unit(unit_id)));
            if score > entry.0 {
                *entry = (score, Source::Unit(unit_id));
            }
        }

        // Definitions: BM25 with the clause as the query.
        if p.definition_weight > 0.0 {
            let (k1, b) = (1.2f32, 0.75f32);
            let mut distinct: FxMap<u32, (f32, u16)> = FxMap::default();
            // Words in a tenth of all definitions say next to nothing and
            // would cost the most to score.
            let common = self.def_len.len() / 10;
            for (qi, q) in query.iter().enumerate() {
                if self.def_postings[q.term as usize].len() > common {
                    continue;
                }
                let e = distinct.entry(q.term).or_insert((0.0, qi as u16));
                if q.weight > e.0 {
                    *e = (q.weight, qi as u16);
                }
            }
            let most: f32 = distinct
                .iter()
                .map(|(&t, &(w, _))| w * self.def_idf[t as usize])
                .sum::<f32>()
                .max(1e-6);
            let mut defs: FxMap<u32, (f32, u16, f32)> = FxMap::default();
            for (&t, &(w, qi)) in &distinct {
                let idf = self.def_idf[t as usize];
                for &(skill, tf) in &self.def_postings[t as usize] {
                    let len = self.def_len[skill as usize] as f32;
                    let tf = tf as f32;
                    let part = w * idf * tf * (k1 + 1.0)
                        / (tf + k1 * (1.0 - b + b * len / self.avg_def_len.max(1.0)))
                        / (k1 + 1.0);
                    let e = defs.entry(skill).or_insert((0.0, qi, 0.0));
                    e.0 += part;
                    if part > e.2 {
                        e.1 = qi;
                        e.2 = part;
                    }
                }
            }
            for (skill, (sum, qi, _)) in defs {
                let share = p.definition_weight * (sum / most).min(1.0);
                let entry = best.entry(skill).or_insert((0.0, Source::Definition(qi)));
                entry.0 += share;
            }
        }

        let mut ranked: Vec<(u32, f32, Source)> = best
            .into_iter()
            .map(|(s, (score, source))| (s, score, source))
            .collect();
        let order = |a: &(u32, f32, Source), b: &(u32, f32, Source)| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        };
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, order);
        }
        ranked.truncate(limit);
        ranked.sort_by(order);
        ranked
            .into_iter()
            .map(|(skill, score, source)| {
                let qis: Vec<u16> = match source {
                    Source::Unit(u) => self.units[u as usize]
                        .terms
                        .iter()
                        .filter_map(|t| reps.get(t).copied())
                        .collect(),
                    Source::Definition(qi) => vec![qi],
                };
                let (evidence, span) = evidence(text, &tokens, &query, &qis);
                Match {
                    skill: skill as usize,
                    score: score.min(1.0),
                    evidence,
                    span,
                }
            })
            .collect()
    }

    /// The clause's content words as query terms, with their synonyms and
    /// derivations.
    fn query(&self, tokens: &[text::Token]) -> Vec<QueryTerm> {
        // Each token's position among the content words (a function word
        // shares the position of the content word after it).
        let mut content_pos = vec![0u16; tokens.len()];
        let mut next = 0u16;
        for (i, t) in tokens.iter().enumerate() {
            content_pos[i] = next;
            if !t.is_stopword() {
                next += 1;
            }
        }
        let mut out = Vec::new();
        for (ti, tok) in tokens.iter().enumerate() {
            let pos = content_pos[ti];
            let here = (ti as u16, ti as u16);
            let mut push = |term: u32, weight: f32, tokens: (u16, u16)| {
                out.push(QueryTerm {
                    term,
                    weight,
                    pos,
                    tokens,
                })
            };
            if !tok.is_stopword() {
                if let Some(&t) = self.terms.get(&tok.stem) {
                    push(t, 1.0, here);
                }
                for &(suffix, add, weight) in synonyms::DERIVATIONS {
                    if let Some(base) = tok.stem.strip_suffix(suffix) {
                        if base.len() >= 3 {
                            let candidate = format!("{base}{add}");
                            if let Some(&t) = self.terms.get(&candidate) {
                                push(t, weight, here);
                            }
                        }
                    }
                }
            }
            // Phrases of the synonym layer starting here, matched word for
            // word, function words included ("in charge of" is not "charge").
            if let Some(rules) = self.rules.get(&tok.stem) {
                for rule in rules {
                    let n = rule.source.len();
                    let matches = ti + n <= tokens.len()
                        && tokens[ti..ti + n]
                            .iter()
                            .zip(rule.source.iter())
                            .all(|(t, s)| t.stem == *s);
                    if !matches {
                        continue;
                    }
                    let span = (ti as u16, (ti + n - 1) as u16);
                    for (targets, weight) in &rule.targets {
                        for &t in targets.iter() {
                            push(t, *weight, span);
                        }
                    }
                }
            }
        }
        out
    }
}

#[derive(Default)]
struct Builder {
    /// Normalised word → (stem, term id); stems share ids.
    words: FxMap<String, u32>,
    /// Stem → term id.
    terms: FxMap<String, u32>,
}

impl Builder {
    /// The term id of a normalised word, stemming each distinct word once.
    fn term(&mut self, word: &str) -> u32 {
        if let Some(&t) = self.words.get(word) {
            return t;
        }
        let t = self.stem_term(&text::stem(word));
        self.words.insert(word.to_owned(), t);
        t
    }

    fn stem_term(&mut self, stem: &str) -> u32 {
        let next = self.terms.len() as u32;
        *self.terms.entry(stem.to_owned()).or_insert(next)
    }
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

/// Compiles the synonym layer, keeping only targets the taxonomy uses.
fn compile_rules(b: &mut Builder) -> FxMap<String, Vec<Rule>> {
    let content_stems = |phrase: &str| -> Vec<String> {
        text::tokens(phrase)
            .into_iter()
            .filter(|t| !t.is_stopword())
            .map(|t| t.stem)
            .collect()
    };
    let mut rules: FxMap<String, Vec<Rule>> = FxMap::default();
    for (source, targets) in synonyms::SYNONYMS {
        let source: Vec<String> = text::tokens(source).into_iter().map(|t| t.stem).collect();
        let Some(first) = source.first().cloned() else {
            continue;
        };
        let targets: Vec<(Box<[u32]>, f32)> = targets
            .iter()
            .filter_map(|(phrase, weight)| {
                let ids: Option<Vec<u32>> = content_stems(phrase)
                    .iter()
                    .map(|s| b.terms.get(s.as_str()).copied())
                    .collect();
                let ids = ids.filter(|ids| !ids.is_empty())?;
                Some((ids.into_boxed_slice(), *weight))
            })
            .collect();
        if !targets.is_empty() {
            rules.entry(first).or_default().push(Rule {
                source: source.into(),
                targets,
            });
        }
    }
    rules
}

/// 1 when the matched words stand together in the label's order (at most
/// one word between neighbours), a little less out of order, `scattered`
/// when spread across the clause.
fn phrase_factor(slots: &[Option<u16>], query: &[QueryTerm], scattered: f32) -> f32 {
    // Units have at most MAX_UNIT_TERMS terms: a stack buffer, no allocation.
    let mut positions = [0u16; MAX_UNIT_TERMS];
    let mut n = 0;
    for qi in slots.iter().flatten() {
        positions[n] = query[*qi as usize].pos;
        n += 1;
    }
    if n < 2 {
        return 1.0;
    }
    let in_label_order = &positions[..n];
    let in_order = in_label_order.windows(2).all(|w| w[0] <= w[1]);
    let mut sorted = positions;
    let sorted = &mut sorted[..n];
    sorted.sort_unstable();
    let distinct = 1 + sorted.windows(2).filter(|w| w[0] != w[1]).count() as u16;
    let compact = sorted[n - 1] - sorted[0] < distinct + 1;
    match (compact, in_order) {
        (true, true) => 1.0,
        (true, false) => 0.9,
        _ => scattered,
    }
}

/// The words of `text` behind the query terms `qis`: one quoted run when
/// they are near each other, runs joined by " … " when apart.
fn evidence(
    text: &str,
    tokens: &[text::Token],
    query: &[QueryTerm],
    qis: &[u16],
) -> (String, Range<usize>) {
    let mut toks: Vec<u16> = Vec::new();
    for &qi in qis {
        let (a, b) = query[qi as usize].tokens;
        toks.extend(a..=b);
    }
    toks.sort_unstable();
    toks.dedup();
    let (Some(&first), Some(&last)) = (toks.first(), toks.last()) else {
        return (String::new(), 0..0);
    };
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for &t in &toks {
        match runs.last_mut() {
            Some(run) if t <= run.1 + 2 => run.1 = t,
            _ => runs.push((t, t)),
        }
    }
    let pieces: Vec<&str> = runs
        .iter()
        .map(|&(a, b)| &text[tokens[a as usize].start..tokens[b as usize].end])
        .collect();
    (
        pieces.join(" … "),
        tokens[first as usize].start..tokens[last as usize].end,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Skill;

    fn skill(uri: &str, label: &str, alts: &[&str], description: &str) -> Skill {
        Skill {
            uri: format!("http://data.europa.eu/esco/skill/{uri}"),
            label: label.into(),
            alt_labels: alts.iter().map(|s| s.to_string()).collect(),
            description: description.into(),
        }
    }

    fn taxonomy() -> Taxonomy {
        Taxonomy::new(vec![
            skill(
                "1",
                "prepare food",
                &["cook food", "cooking"],
                "Prepare meals for people.",
            ),
            skill(
                "2",
                "manage budgets",
                &["budget management"],
                "Plan, monitor and report on the budget.",
            ),
            skill(
                "3",
                "perform bookkeeping",
                &["keep accounts"],
                "Record financial transactions.",
            ),
            skill(
                "4",
                "repair bicycles",
                &["fix bicycles"],
                "Mend bicycles and their parts.",
            ),
            skill(
                "5",
                "Java (computer programming)",
                &[],
                "Programming in Java.",
            ),
            skill("6", "plan", &[], "Plan things."),
        ])
    }

    fn top(index: &Index, text: &str) -> Vec<(usize, String)> {
        index
            .match_clause(text, 0..text.len(), 3)
            .into_iter()
            .map(|m| (m.skill, m.evidence))
            .collect()
    }

    #[test]
    fn whole_labels_are_found_with_their_evidence() {
        let index = Index::build(&taxonomy());
        let found = top(&index, "I cook for the lunch club");
        assert_eq!(found[0], (0, "cook".to_owned()));
        let found = top(&index, "I fixed bikes for the youth club");
        assert_eq!(found[0], (3, "fixed bikes".to_owned()));
    }

    #[test]
    fn qualifiers_in_parentheses_weigh_less() {
        let index = Index::build(&taxonomy());
        let m = index.match_clause("java", 0..4, 1);
        assert_eq!(m[0].skill, 4);
        let full = index.match_clause("java computer programming", 0..25, 1);
        assert_eq!(full[0].skill, 4);
        // The qualifier adds little: "java" alone is most of the label.
        assert!(
            m[0].score > 0.5 * full[0].score,
            "{} {}",
            m[0].score,
            full[0].score
        );
    }

    #[test]
    fn synonyms_reach_formal_labels() {
        let index = Index::build(&taxonomy());
        let found = top(&index, "I do the accounts for the allotment society");
        assert_eq!(found[0], (2, "accounts".to_owned()));
    }

    #[test]
    fn scattered_words_score_below_a_phrase() {
        let index = Index::build(&taxonomy());
        let together = index.match_clause("managing budgets", 0.."managing budgets".len(), 1);
        let text = "budgets were a worry so I started managing things";
        let apart = index.match_clause(text, 0..text.len(), 1);
        assert_eq!(together[0].skill, 1);
        assert_eq!(apart[0].skill, 1);
        assert!(together[0].score > apart[0].score);
        assert_eq!(apart[0].evidence, "budgets … managing");
    }

    #[test]
    fn evidence_spans_refer_to_the_whole_text() {
        let index = Index::build(&taxonomy());
        let text = "Hello there. I cook";
        let m = index.match_clause(text, 13..text.len(), 1);
        assert_eq!(&text[m[0].span.clone()], "cook");
    }
}
