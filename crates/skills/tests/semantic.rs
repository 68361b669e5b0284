//! The semantic index on a small taxonomy: its disk cache (written,
//! reloaded, rebuilt when a skill's text changes) and nearest skills. Needs
//! the model's files (scripts/fetch-models): without them each test says so
//! and passes, unless COPRODUCE_REQUIRE_MODEL=1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use coproduce_skills::embed::Embedder;
use coproduce_skills::semantic::{Index, CACHE_FILE};
use coproduce_skills::{Nearest, Skill, Taxonomy};

fn models_dir() -> PathBuf {
    std::env::var_os("COPRODUCE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn embedder() -> Option<Arc<Embedder>> {
    static EMBEDDER: OnceLock<Option<Arc<Embedder>>> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            let dir = models_dir().join("all-MiniLM-L6-v2");
            if !dir.join("model.safetensors").exists() {
                assert!(
                    std::env::var("COPRODUCE_REQUIRE_MODEL").as_deref() != Ok("1"),
                    "COPRODUCE_REQUIRE_MODEL=1 but {} has no model: run scripts/fetch-models",
                    dir.display()
                );
                eprintln!(
                    "skipped: no model in {} (run scripts/fetch-models)",
                    dir.display()
                );
                return None;
            }
            Some(Arc::new(Embedder::load(&dir).unwrap()))
        })
        .clone()
}

fn skill(n: u32, label: &str, description: &str) -> Skill {
    Skill {
        uri: format!("http://data.europa.eu/esco/skill/test-{n}"),
        label: label.into(),
        alt_labels: Vec::new(),
        description: description.into(),
    }
}

fn taxonomy() -> Vec<Skill> {
    vec![
        skill(
            0,
            "bake bread",
            "Make loaves, rolls and other bread products.",
        ),
        skill(
            1,
            "repair bicycles",
            "Fix bicycles: brakes, gears, wheels and punctures.",
        ),
        skill(2, "speak Spanish", "Communicate orally in Spanish."),
        skill(
            3,
            "manage budgets",
            "Plan, monitor and report on the budget.",
        ),
        skill(
            4,
            "plan events",
            "Organise the logistics of events such as parties or fairs.",
        ),
        skill(
            5,
            "care for the elderly",
            "Look after older people in their daily lives.",
        ),
    ]
}

#[test]
fn the_cache_is_written_reloaded_and_rebuilt_when_a_label_changes() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let skills = taxonomy();
    let mut calls = 0;
    let built = Index::load_or_build(
        &Taxonomy::new(skills.clone()),
        embedder.clone(),
        dir.path(),
        |_, _| calls += 1,
    )
    .unwrap();
    assert!(calls > 0, "built, so progress was reported");
    assert_eq!(built.len(), skills.len());
    assert!(built.cache_warning().is_none());
    let file = dir.path().join(CACHE_FILE);
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "no temporary file left"
    );

    let mut calls = 0;
    let reloaded = Index::load_or_build(
        &Taxonomy::new(skills.clone()),
        embedder.clone(),
        dir.path(),
        |_, _| calls += 1,
    )
    .unwrap();
    assert_eq!(calls, 0, "loaded from the cache, nothing embedded");
    let queries = ["I bake sourdough loaves", "fixing punctures"];
    assert_eq!(
        built.nearest(&queries, 3).unwrap(),
        reloaded.nearest(&queries, 3).unwrap()
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        written
    );

    let mut changed = skills.clone();
    changed[2].label = "speak Portuguese".into();
    let mut calls = 0;
    let rebuilt = Index::load_or_build(
        &Taxonomy::new(changed.clone()),
        embedder.clone(),
        dir.path(),
        |_, _| calls += 1,
    )
    .unwrap();
    assert!(calls > 0, "a changed label means the cache is stale");
    let portuguese = rebuilt
        .nearest(&["I speak Portuguese fluently"], 1)
        .unwrap();
    assert_eq!(portuguese[0][0].0, 2);

    // A damaged cache is rebuilt, not trusted.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let mut calls = 0;
    Index::load_or_build(&Taxonomy::new(changed), embedder, dir.path(), |_, _| {
        calls += 1
    })
    .unwrap();
    assert!(calls > 0);
    assert_eq!(std::fs::read(&file).unwrap().len(), bytes.len());
}

#[test]
fn nearest_finds_the_obvious_skill() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let index =
        Index::load_or_build(&Taxonomy::new(taxonomy()), embedder, dir.path(), |_, _| {}).unwrap();
    let texts = [
        "Every weekend I make sourdough loaves for the neighbours.",
        "I fix punctures and adjust gears on my friends' bikes.",
        "Hablo español: I lived in Madrid for years.",
        "I kept the accounts and the budget of our tenants' association.",
        "I organised the street party and the summer fair.",
        "I look after my grandmother every day.",
    ];
    let found = index.nearest(&texts, 2).unwrap();
    for (i, (text, best)) in texts.iter().zip(&found).enumerate() {
        assert_eq!(best.len(), 2);
        assert_eq!(best[0].0, i, "{text}: {best:?}");
        assert!(best[0].1 > best[1].1 && best[0].1 <= 1.0, "{best:?}");
    }
    assert!(index.nearest(&[], 3).unwrap().is_empty());
    assert_eq!(index.nearest(&["anything"], 100).unwrap()[0].len(), 6);
}

#[test]
fn an_unwritable_cache_is_a_warning_not_a_failure() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A file where the cache folder should be.
    let blocked = dir.path().join("cache");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let index =
        Index::load_or_build(&Taxonomy::new(taxonomy()), embedder, &blocked, |_, _| {}).unwrap();
    assert_eq!(index.len(), 6);
    assert!(index.cache_warning().is_some());
}
