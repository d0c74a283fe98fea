//! Randomness: every operation that needs it takes `&mut impl CryptoRng`.
//!
//! The traits are [`rand_core`] 0.10's (re-exported as [`crate::rand_core`]). Any generator
//! implementing `rand_core` 0.10's `CryptoRng` composes: `rand_chacha` 0.10, `rand` 0.10's
//! `rngs`, `getrandom` 0.4's `SysRng` through `rand_core::UnwrapErr`. Generators built on
//! `rand_core` 0.6 or 0.9 (`rand` 0.8 / 0.9) implement other traits and do not.
//!
//! With the `getrandom` feature, [`OsRng`] is ready to use: the operating system's generator.
//! Use it in applications; a seeded generator such as `rand_chacha::ChaCha20Rng::from_seed` is
//! for tests and reproducible examples only.

/// The operating system's random number generator (`getrandom` 0.4's `SysRng`) as a
/// `rand_core` 0.10 `CryptoRng`.
///
/// A zero-sized value: make one wherever it is needed with [`os_rng()`] or `OsRng::default()`.
/// If the operating system cannot provide randomness, which on supported platforms happens only
/// before the system generator is seeded at boot or in a broken sandbox, drawing from it panics
/// rather than return predictable bytes.
///
/// ```
/// use session_protocol::{Identity, rng::os_rng};
///
/// let me = Identity::generate(&mut os_rng());
/// assert_eq!(me.mnemonic().split(' ').count(), 13);
/// ```
#[cfg(feature = "getrandom")]
#[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
pub type OsRng = rand_core::UnwrapErr<getrandom::SysRng>;

/// A new [`OsRng`].
#[cfg(feature = "getrandom")]
#[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
pub const fn os_rng() -> OsRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

#[cfg(all(test, feature = "getrandom"))]
mod tests {
    use rand_core::Rng;

    #[test]
    fn os_rng_draws_distinct_values() {
        let mut rng = super::os_rng();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        rng.fill_bytes(&mut a);
        rng.fill_bytes(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }
}
