//! Recognition end to end: lexical-only against the starter taxonomy (what
//! runs when the model's files are missing), and fused with a stand-in for
//! the model.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::{Arc, Mutex};

use coproduce_skills::recognise::{LexicalOnlyReason, Mode, Recognition};
use coproduce_skills::{text, Error, Nearest, Recogniser, Skill, Suggestion, Taxonomy};

fn starter() -> Recogniser {
    Recogniser::new(Arc::new(Taxonomy::starter()), None)
}

fn shown(r: &Recognition) -> String {
    r.suggestions
        .iter()
        .map(|s| format!("{:.2} {} [{}]", s.score, s.label, s.evidence))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first of the top five whose label is one of `labels`.
fn in_top5<'a>(r: &'a Recognition, labels: &[&str]) -> &'a Suggestion {
    r.suggestions
        .iter()
        .take(5)
        .find(|s| labels.contains(&s.label.as_str()))
        .unwrap_or_else(|| panic!("none of {labels:?} in the top 5:\n{}", shown(r)))
}

#[test]
fn plain_sentences_find_the_obvious_skills_lexical_only() {
    let r = starter();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "I cook for the lunch club every week",
            &[
                "use cooking techniques",
                "cook vegetable products",
                "cook meat dishes",
                "cook fish",
            ],
            "cook",
        ),
        (
            "I fix bikes for the youth club",
            &["perform repairs on bicycles"],
            "fix bikes",
        ),
        (
            "I do first aid at the football club",
            &["first aid", "provide first aid"],
            "first aid",
        ),
        (
            "I drive the community minibus",
            &["drive vehicles"],
            "drive",
        ),
        (
            "I organised the street party",
            &["plan events", "coordinate events", "arrange special events"],
            "organised",
        ),
        (
            "and raised money for the hospice",
            &[
                "perform fundraising activities",
                "manage fundraising activities",
            ],
            "raised money",
        ),
        (
            "I look after my neighbour's kids after school",
            &["supervise children", "babysitting"],
            "look",
        ),
        (
            "I help out in the garden and grow vegetables",
            &["grow plants"],
            "grow",
        ),
        (
            "I teach English to refugees",
            &["teach languages", "language teaching methods"],
            "teach",
        ),
    ];
    for (text, labels, evidence) in cases {
        let got = r.recognise(text, 5);
        let hit = in_top5(&got, labels);
        assert!(
            hit.evidence.contains(evidence),
            "{text}: evidence {:?} should contain {evidence:?}",
            hit.evidence
        );
        assert!((0.0..=1.0).contains(&hit.score));
    }
}

#[test]
fn each_activity_of_a_sentence_yields_its_own_skills() {
    let r = starter();
    let text =
        "I run the choir, do the accounts for the allotment society and cook for the lunch club";
    let got = r.recognise(text, 10);
    let sing = in_top5(
        &got,
        &["practise singing", "sing", "perform music in ensemble"],
    );
    assert_eq!(sing.evidence, "choir");
    let cook = got
        .suggestions
        .iter()
        .find(|s| s.label.starts_with("cook") || s.label == "use cooking techniques")
        .unwrap_or_else(|| panic!("no cooking skill:\n{}", shown(&got)));
    assert_eq!(cook.evidence, "cook");
    let money = got
        .suggestions
        .iter()
        .find(|s| {
            [
                "maintain financial records",
                "manage accounts",
                "check accounting records",
            ]
            .contains(&s.label.as_str())
        })
        .unwrap_or_else(|| panic!("no accounts skill:\n{}", shown(&got)));
    assert_eq!(money.evidence, "accounts");
}

#[test]
fn results_are_ranked_scored_and_unique() {
    let r = starter();
    let got = r.recognise("I plan events, plan events and manage volunteers", 10);
    assert_eq!(
        got.mode,
        Mode::LexicalOnly {
            reason: LexicalOnlyReason::NoModel
        }
    );
    assert!(got.suggestions.len() <= 10);
    assert!(got.suggestions.windows(2).all(|w| w[0].score >= w[1].score));
    let mut uris: Vec<&str> = got.suggestions.iter().map(|s| s.uri.as_str()).collect();
    uris.sort_unstable();
    uris.dedup();
    assert_eq!(
        uris.len(),
        got.suggestions.len(),
        "a skill found twice is listed once"
    );
    let top2: Vec<&str> = got
        .suggestions
        .iter()
        .take(2)
        .map(|s| s.label.as_str())
        .collect();
    assert!(
        top2.contains(&"plan events") && top2.contains(&"manage volunteers"),
        "{}",
        shown(&got)
    );
    assert!(r.recognise("", 5).suggestions.is_empty());
    assert!(r.recognise("the and of", 5).suggestions.is_empty());
    assert!(r.recognise("I cook", 0).suggestions.is_empty());
}

#[test]
fn clauses_split_separate_activities() {
    let text =
        "I run the choir, do the accounts for the allotment society and cook for the lunch club";
    let clauses: Vec<&str> = text::clauses(text).into_iter().map(|c| &text[c]).collect();
    assert_eq!(
        clauses,
        [
            "I run the choir",
            "do the accounts for the allotment society",
            "cook for the lunch club"
        ]
    );
}

/// Stands in for the model: fixed similarities per text, and a record of
/// the calls.
struct Fake {
    answers: Vec<(&'static str, Vec<(usize, f32)>)>,
    calls: Mutex<Vec<Vec<String>>>,
}

impl Nearest for Fake {
    fn nearest(&self, texts: &[&str], k: usize) -> Result<Vec<Vec<(usize, f32)>>, Error> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(texts.iter().map(|t| t.to_string()).collect());
        }
        Ok(texts
            .iter()
            .map(|t| {
                self.answers
                    .iter()
                    .find(|(key, _)| t.contains(key))
                    .map(|(_, hits)| hits.iter().copied().take(k).collect())
                    .unwrap_or_default()
            })
            .collect())
    }
}

fn skill(id: &str, label: &str, description: &str) -> Skill {
    Skill {
        uri: format!("http://data.europa.eu/esco/skill/{id}"),
        label: label.into(),
        alt_labels: Vec::new(),
        description: description.into(),
    }
}

#[test]
fn fusion_ranks_agreement_first_and_quotes_the_clause_for_semantic_hits() {
    let taxonomy = Arc::new(Taxonomy::new(vec![
        skill("0", "plan events", "Plan programmes of an event."),
        skill("1", "manage budgets", "Plan and monitor the budget."),
        skill("2", "coordinate volunteers", "Direct volunteers."),
        skill("3", "perform fundraising activities", "Raise funds."),
    ]));
    let fake = Arc::new(Fake {
        answers: vec![
            // The model sees the camp as events and budgets; the words
            // "summer camp" name neither.
            ("summer camp", vec![(0, 0.72), (1, 0.55), (2, 0.15)]),
            ("plan events", vec![(0, 0.80)]),
        ],
        calls: Mutex::new(Vec::new()),
    });
    let r = Recogniser::new(taxonomy, Some(fake.clone()));
    let got = r.recognise(
        "I took charge of the scouts' summer camp for years. I plan events",
        5,
    );
    assert_eq!(got.mode, Mode::Fused);

    // One batched call: both clauses (and the whole text).
    let calls = fake.calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    assert!(calls[0].contains(&"I plan events".to_owned()), "{calls:?}");

    // Found by both sides: first, with the words as evidence.
    assert_eq!(got.suggestions[0].label, "plan events");
    assert_eq!(got.suggestions[0].evidence, "plan events");
    // Found only by the model: the clause is the evidence.
    let budgets = got
        .suggestions
        .iter()
        .find(|s| s.label == "manage budgets")
        .unwrap_or_else(|| panic!("{}", shown(&got)));
    assert_eq!(
        budgets.evidence,
        "I took charge of the scouts' summer camp for years"
    );
    assert!(budgets.score < got.suggestions[0].score);
    // Below the similarity floor: not suggested.
    assert!(
        got.suggestions
            .iter()
            .all(|s| s.label != "coordinate volunteers"),
        "{}",
        shown(&got)
    );
    assert!(got
        .suggestions
        .iter()
        .all(|s| (0.0..=1.0).contains(&s.score)));
}
