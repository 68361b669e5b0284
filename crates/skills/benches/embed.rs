//! Embedding and semantic search speed: one short text, a three-sentence
//! text, a batch of eight clauses, the nearest skills over the full ESCO
//! taxonomy, and the loads of the model and of the cached skill index.
//!
//! Needs scripts/fetch-models (without the model it says so and measures
//! nothing). The first run embeds all 13,939 skills into
//! models/cache/skills.emb, which takes minutes; later runs load it.
//!
//! `cargo bench -p coproduce-skills --bench embed`

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use coproduce_skills::embed::Embedder;
use coproduce_skills::semantic::Index;
use coproduce_skills::{Nearest, Taxonomy};
use criterion::{criterion_group, criterion_main, Criterion};

const SHORT: &str = "I have run the scouts' summer camp for years.";
const THREE: &str = "I volunteer at the food bank every Saturday. I sort donations and train \
                     new volunteers. Last year I also organised a fundraising dinner.";
const CLAUSES: [&str; 8] = [
    "I have run the scouts' summer camp for years",
    "I sort donations at the food bank",
    "I train new volunteers",
    "I organised a fundraising dinner",
    "I can fix bikes and small engines",
    "I speak Polish and some Spanish",
    "I look after my neighbour's garden",
    "I keep the accounts for our tenants' association",
];

fn models_dir() -> PathBuf {
    std::env::var_os("COPRODUCE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn bench(c: &mut Criterion) {
    let models = models_dir();
    let dir = models.join("all-MiniLM-L6-v2");
    if !dir.join("model.safetensors").exists() {
        eprintln!(
            "skipped: no model in {} (run scripts/fetch-models)",
            dir.display()
        );
        return;
    }
    let embedder = Arc::new(Embedder::load(&dir).unwrap());
    let tokens = |t: &str| embedder.tokenizer().encode(t).len();
    eprintln!(
        "kernels: {}; tokens: short {}, three sentences {}, clauses {}",
        embedder.isa(),
        tokens(SHORT),
        tokens(THREE),
        CLAUSES.iter().map(|c| tokens(c)).sum::<usize>()
    );
    let mut g = c.benchmark_group("embed");
    g.bench_function("short text", |b| {
        b.iter(|| embedder.embed(black_box(&[SHORT])).unwrap())
    });
    g.bench_function("three sentences", |b| {
        b.iter(|| embedder.embed(black_box(&[THREE])).unwrap())
    });
    g.bench_function("batch of 8 clauses", |b| {
        b.iter(|| embedder.embed(black_box(&CLAUSES)).unwrap())
    });
    g.finish();

    let esco = models.join("esco/skills.csv");
    let index = if esco.exists() {
        let taxonomy = Taxonomy::load_esco(&esco, |_, _| {}).unwrap();
        let cache = models.join("cache");
        let started = Instant::now();
        let index = Index::load_or_build(&taxonomy, embedder.clone(), &cache, |done, total| {
            if done % 1024 < 64 || done == total {
                eprint!("\rembedding the skills (once, then cached): {done}/{total}");
            }
        })
        .unwrap();
        eprintln!(
            "\nskill index ready in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        let mut g = c.benchmark_group("semantic");
        g.bench_function("nearest 10 of 13,939 skills, one clause", |b| {
            b.iter(|| index.nearest(black_box(&CLAUSES[..1]), 10).unwrap())
        });
        g.bench_function("nearest 10 of 13,939 skills, 8 clauses", |b| {
            b.iter(|| index.nearest(black_box(&CLAUSES), 10).unwrap())
        });
        let queries = embedder.embed(&CLAUSES).unwrap();
        g.bench_function("search only, 8 embedded clauses", |b| {
            b.iter(|| index.nearest_embedded(black_box(&queries), 10))
        });
        g.sample_size(10);
        g.bench_function("load the cached index", |b| {
            b.iter(|| {
                Index::load_or_build(&taxonomy, embedder.clone(), &cache, |_, _| {
                    panic!("the cache should have been used")
                })
                .unwrap()
            })
        });
        g.finish();
        Some(index)
    } else {
        eprintln!("no {}: skipping the skill index", esco.display());
        None
    };
    drop(index);

    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("model", |b| {
        b.iter(|| Embedder::load(black_box(&dir)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
