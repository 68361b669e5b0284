//! The server's recogniser: built from the database's taxonomy on first
//! use (the starter set until ESCO is imported), lexical at once, and
//! swapped for the fused one when the model has loaded in the background.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use coproduce_skills::{engine, Recogniser, Taxonomy};
use coproduce_store::{skills, Db};
use tokio::sync::OnceCell;

use crate::error::{Error, Result};

/// What recognition runs with now.
pub struct Current {
    pub recogniser: Recogniser,
    /// Why it is lexical-only, in words for the page; None when fused.
    pub lexical_only: Option<String>,
}

pub struct Engine {
    /// None: the model is not wanted (tests), so lexical-only for good.
    models_dir: Option<PathBuf>,
    current: RwLock<Option<Arc<Current>>>,
    started: OnceCell<()>,
}

impl Engine {
    pub fn new(models_dir: Option<PathBuf>) -> Self {
        Self {
            models_dir,
            current: RwLock::new(None),
            started: OnceCell::new(),
        }
    }

    fn set(&self, current: Current) {
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(Arc::new(current));
        }
    }

    /// The recogniser, built on first call.
    pub async fn get(
        self: &Arc<Self>,
        db: &Db,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Arc<Current>> {
        self.started
            .get_or_try_init(|| async {
                skills::ensure_starter(db, &Taxonomy::starter(), now).await?;
                let taxonomy = Arc::new(skills::taxonomy(db).await?);
                let waiting = match &self.models_dir {
                    None => {
                        "the sentence-embedding model is not configured for this server".to_owned()
                    }
                    Some(_) => "the sentence-embedding model is still loading".to_owned(),
                };
                self.set(Current {
                    recogniser: Recogniser::new(taxonomy.clone(), None),
                    lexical_only: Some(waiting),
                });
                if let Some(dir) = self.models_dir.clone() {
                    let me = Arc::clone(self);
                    // A plain thread, not spawn_blocking: the runtime waits for
                    // its blocking tasks when it shuts down, and a shutdown must
                    // not wait for the skills' embeddings to be computed.
                    std::thread::spawn(move || {
                        let loaded = engine::load(taxonomy, &dir, |_, _| {});
                        if let Some(why) = &loaded.lexical_only {
                            tracing::warn!("skill recognition is lexical-only: {why}");
                        }
                        if let Some(why) = &loaded.cache_warning {
                            tracing::warn!("{why}");
                        }
                        me.set(Current {
                            recogniser: loaded.recogniser,
                            lexical_only: loaded.lexical_only,
                        });
                    });
                }
                Ok::<(), Error>(())
            })
            .await?;
        self.current
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| Error::Internal("skill recognition did not start".to_owned()))
    }
}
