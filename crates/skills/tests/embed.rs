//! The Rust embedder against sentence-transformers' own output for the same
//! model (fixtures/embed/reference.json, made by make_reference.py beside
//! it). Needs the model's files (scripts/fetch-models): without them each
//! test says so and passes, unless COPRODUCE_REQUIRE_MODEL=1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::sync::OnceLock;

use coproduce_skills::embed::Embedder;

fn models_dir() -> PathBuf {
    std::env::var_os("COPRODUCE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// The embedder, loaded once for all tests, or None (with a notice) when
/// the model is absent and not required.
fn embedder() -> Option<&'static Embedder> {
    static EMBEDDER: OnceLock<Option<Embedder>> = OnceLock::new();
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
            Some(Embedder::load(&dir).unwrap())
        })
        .as_ref()
}

#[derive(serde::Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

fn reference() -> Reference {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/embed/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn token_ids_equal_the_reference_tokenizer() {
    let Some(e) = embedder() else { return };
    for case in reference().cases {
        assert_eq!(
            e.tokenizer().encode(&case.text),
            case.ids,
            "text {:?}",
            case.text
        );
    }
}

#[test]
fn embeddings_match_sentence_transformers() {
    let Some(e) = embedder() else { return };
    let reference = reference();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    let got = e.embed(&texts).unwrap();
    for (case, emb) in reference.cases.iter().zip(&got) {
        let cos = cosine(emb, &case.embedding);
        assert!(cos >= 0.9999, "cosine {cos} for {:?}", case.text);
        let norm: f32 = emb.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    }
}

#[test]
fn a_batch_gives_what_each_text_alone_gives() {
    let Some(e) = embedder() else { return };
    let reference = reference();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    let batch = e.embed(&texts).unwrap();
    let parallel = e.embed_parallel(&texts, 2).unwrap();
    for (i, text) in texts.iter().enumerate() {
        let alone = e.embed(&[text]).unwrap();
        assert_eq!(alone[0], batch[i], "text {text:?}");
        assert_eq!(parallel[i], batch[i], "text {text:?}");
    }
    assert!(e.embed(&[]).unwrap().is_empty());
}

#[test]
fn a_missing_model_is_an_error_that_says_what_to_do() {
    let err = Embedder::load(&PathBuf::from("/nonexistent/all-MiniLM-L6-v2")).unwrap_err();
    assert!(err.to_string().contains("scripts/fetch-models"), "{err}");
}
