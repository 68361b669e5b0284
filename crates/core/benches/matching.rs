//! How fast the matching pool ranks people for a project's needs, at
//! borough scale (20,000 people) and city scale (300,000). Run with
//! `cargo bench -p coproduce-core --bench matching`; BENCHMARKS.md records
//! the figures with the machine.
//!
//! The people are synthetic: everyone in the pool agreed to be matched and
//! holds two to five skills, drawn from 600 everyday skills with a skewed
//! (Zipf-like) popularity, so the common skills have thousands of holders:
//! the hard case for ranking. A project has five needs, each asking for one
//! skill and eight related ones, taken from the popular end. This measures
//! the ranking itself; the store adds a handful of indexed reads per
//! project around it (the needs, who to leave out, the final consent
//! check), measured by the store's tests, not here.
//!
//! `cargo test --benches` runs each benchmark once on a small pool.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::hint::black_box;

use coproduce_core::matching::{Availability, Member, NeedQuery, Pool, Slot, Wanted};
use criterion::{criterion_group, criterion_main, Criterion};

/// A small deterministic generator, so every run ranks the same pool.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Skewed towards small values: skill 0 is the most common.
    fn skewed(&mut self, n: u64) -> u64 {
        let u = (self.below(1_000_000) as f64 + 1.0) / 1_000_001.0;
        ((n as f64).powf(u) - 1.0) as u64
    }
}

const SKILLS: u64 = 600;
const WARDS: u64 = 25;

fn pool(people: usize) -> Pool {
    let mut rng = Lcg(42);
    let mut pool = Pool::new();
    for id in 0..people as i64 {
        let n = 2 + rng.below(4);
        let skills: Vec<i64> = (0..n).map(|_| rng.skewed(SKILLS) as i64).collect();
        let slots: Vec<Slot> = Slot::ALL
            .into_iter()
            .filter(|_| rng.below(2) == 0)
            .collect();
        let hours = (rng.below(3) > 0).then(|| 1 + rng.below(8) as u8);
        pool.upsert(Member {
            person_id: id,
            ward_id: Some(rng.below(WARDS) as i64),
            availability: Availability::new(&slots, hours),
            skills,
        });
    }
    pool
}

fn needs() -> Vec<NeedQuery> {
    (0..5)
        .map(|i| NeedQuery {
            wanted: (0..9)
                .map(|j| Wanted {
                    skill_id: i * 9 + j,
                    weight: if j == 0 { 1.0 } else { 0.7 - j as f32 * 0.03 },
                })
                .collect(),
            ward_id: Some(i % WARDS as i64),
            hours_per_week: Some(3),
        })
        .collect()
}

fn ranking(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full { &[20_000, 300_000] } else { &[2_000] };
    let needs = needs();
    let exclude: HashSet<i64> = (0..10).collect();
    for &people in sizes {
        let pool = pool(people);
        let touched: usize = needs
            .iter()
            .flat_map(|n| n.wanted.iter())
            .map(|w| pool.holders(w.skill_id))
            .sum();
        eprintln!("{people} people: the five needs' skills have {touched} holdings between them");
        c.bench_function(
            &format!("rank 5 needs, 8 people each, {people} people"),
            |b| {
                b.iter(|| {
                    for need in &needs {
                        black_box(pool.rank(black_box(need), &exclude, 8));
                    }
                })
            },
        );
    }
}

criterion_group!(benches, ranking);
criterion_main!(benches);
