//! A small deterministic random number generator (SplitMix64). The demo data
//! must come out the same for the same seed on every machine and every build,
//! so it uses its own generator rather than one whose algorithm may change
//! between versions of a crate.

/// SplitMix64: 64 bits of state, passes BigCrush, and is trivially portable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for one part of the data. Each stage draws from
    /// its own fork, so that adding draws to one stage (or a new stage) leaves
    /// the data of every other stage as it was.
    pub fn fork(&self, label: &str) -> Self {
        let mut mixer = Self::new(self.state ^ fnv1a(label));
        Self::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`, without the bias of a plain modulo (Lemire's
    /// method, with rejection). Returns 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// An index into a slice of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `low..=high`; `low` when the range is empty.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = high.abs_diff(low) + 1;
        low.wrapping_add(self.below(span) as i64)
    }

    /// A float in `[0, 1)` with 53 bits of precision.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index chosen with the given weights; an all-zero list gives 0.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut left = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if left < w {
                return i;
            }
            left -= w;
        }
        0
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// Bytes for a salt or similar.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

fn fnv1a(label: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in label.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference outputs of Vigna's splitmix64.c for seed 1234567: if
    /// these change, every demo database changes with them.
    #[test]
    fn matches_the_reference_splitmix64() {
        let mut rng = Rng::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            got,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_stream_and_forks_differ() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..100).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..100).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        let root = Rng::new(42);
        let mut people = root.fork("people");
        let mut projects = root.fork("projects");
        assert_eq!(root.fork("people"), people);
        assert_ne!(people.next_u64(), projects.next_u64());
        assert_ne!(Rng::new(43).fork("people"), root.fork("people"));
    }

    #[test]
    fn below_stays_in_range_and_reaches_every_value() {
        let mut rng = Rng::new(7);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            let n = rng.below(7);
            assert!(n < 7);
            seen[n as usize] += 1;
        }
        // Each value should turn up about 1,000 times.
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn between_is_inclusive_and_handles_negative_ranges() {
        let mut rng = Rng::new(9);
        let mut lowest = i64::MAX;
        let mut highest = i64::MIN;
        for _ in 0..2_000 {
            let n = rng.between(-3, 3);
            assert!((-3..=3).contains(&n));
            lowest = lowest.min(n);
            highest = highest.max(n);
        }
        assert_eq!((lowest, highest), (-3, 3));
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.between(5, 1), 5);
    }

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let mut rng = Rng::new(11);
        for _ in 0..1_000 {
            assert_ne!(rng.weighted(&[3, 0, 1]), 1);
        }
        assert_eq!(rng.weighted(&[0, 0]), 0);
    }

    #[test]
    fn shuffle_is_a_permutation_and_unit_is_below_one() {
        let mut rng = Rng::new(13);
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
        for _ in 0..1_000 {
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        let mut salt = [0u8; 13];
        rng.fill(&mut salt);
        assert!(salt.iter().any(|b| *b != 0));
    }
}
