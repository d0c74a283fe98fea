//! Seeded, reproducible RNGs.
#![allow(dead_code)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// A ChaCha20 RNG seeded with 32 copies of `seed`: the same stream for the same seed, on every
/// platform.
pub(crate) fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}
