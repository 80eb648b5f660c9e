//! The one seeded random generator of every generator here: the demo's histories, the
//! national dataset, the search corpus, the harvest corpus and the benches' request
//! sequences. ChaCha8 (`rand_chacha`) gives the same numbers for the same seed on every
//! machine and in every version of `rand_chacha` 0.9, which is what makes a generated
//! dataset, history or request sequence the same from one run to the next.
//!
//! The methods are the few shapes of draw the generators need, named for what they do, over
//! `rand`'s own ranges, choices and shuffles.

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution as _;
use rand::seq::{IndexedRandom as _, SliceRandom as _};
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone)]
pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A generator named by words (a software's slug and what is drawn for it), so that
    /// drawing more of one concern does not reshuffle another's, and renaming nothing keeps
    /// every draw.
    pub fn keyed(words: &[&str]) -> Rng {
        let mut hash = Sha256::new();
        for word in words {
            // The length first, so that ("ab", "c") and ("a", "bc") are two keys.
            hash.update((word.len() as u64).to_le_bytes());
            hash.update(word.as_bytes());
        }
        Rng(ChaCha8Rng::from_seed(hash.finalize().into()))
    }

    /// A generator for a sub-task, independent of the parent's later draws.
    pub fn fork(&mut self, salt: u64) -> Rng {
        let mut seed = [0u8; 32];
        self.0.fill_bytes(&mut seed);
        seed[..8].iter_mut().zip(salt.to_le_bytes()).for_each(|(byte, salt)| *byte ^= salt);
        Rng(ChaCha8Rng::from_seed(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A whole number in `0..n`; `n` must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// A whole number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        self.0.random_range(lo..=hi)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p` (none below 0, always above 1).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, which must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.0).expect("a choice among no items")
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(&mut self.0);
    }
}

/// Draws indices in proportion to integer weights.
#[derive(Debug, Clone)]
pub struct Weighted(WeightedIndex<u64>);

impl Weighted {
    /// `weights` must not all be zero.
    pub fn new(weights: impl IntoIterator<Item = u64>) -> Weighted {
        Weighted(WeightedIndex::new(weights).expect("weights that are not all zero"))
    }

    pub fn draw(&self, rng: &mut Rng) -> usize {
        self.0.sample(&mut rng.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_other_seed_others() {
        let draws = |seed| {
            let mut r = Rng::new(seed);
            (0..100).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            assert!(r.below(13) < 13);
            assert!((5..=9).contains(&r.between(5, 9)));
            assert!((0.0..1.0).contains(&r.unit()));
        }
    }

    #[test]
    fn keys_are_words_not_their_concatenation() {
        let draw = |words: &[&str]| Rng::keyed(words).next_u64();
        assert_eq!(draw(&["lizmap", "authors"]), draw(&["lizmap", "authors"]));
        assert_ne!(draw(&["lizmap", "authors"]), draw(&["lizmap", "releases"]));
        assert_ne!(draw(&["ab", "c"]), draw(&["a", "bc"]));
    }

    #[test]
    fn forks_differ_by_salt_and_from_their_parent() {
        let mut parent = Rng::new(3);
        let (mut one, mut two) = (parent.clone().fork(1), parent.clone().fork(2));
        assert_ne!(one.next_u64(), two.next_u64());
        let mut child = parent.fork(1);
        assert_ne!(child.next_u64(), parent.next_u64());
    }

    #[test]
    fn chance_keeps_to_its_bounds() {
        let mut r = Rng::new(5);
        assert!((0..1000).all(|_| !r.chance(0.0)));
        assert!((0..1000).all(|_| r.chance(1.0)));
        let hits = (0..20_000).filter(|_| r.chance(0.25)).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
    }

    #[test]
    fn weighted_draws_follow_the_weights() {
        let w = Weighted::new([0, 1, 3, 0]);
        let mut r = Rng::new(3);
        let mut seen = [0usize; 4];
        for _ in 0..40_000 {
            seen[w.draw(&mut r)] += 1;
        }
        assert_eq!(seen[0], 0);
        assert_eq!(seen[3], 0);
        assert!((seen[2] as f64 / seen[1] as f64 - 3.0).abs() < 0.2, "{seen:?}");
    }
}
