#![doc = include_str!("lib.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The library is no_std; tests, benches and examples may use std freely.
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]
// The whole library handles untrusted bytes: no panics, no unchecked arithmetic or indexing.
#![deny(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

// One-way dependencies, bottom to top: `wire` (codecs, no keys) and `crypto` (primitives, no
// parsing) are private; `identity` uses both; `swarm`, `onion`, `envelope` and `storage` use
// those below them and never each other, except `onion` using `swarm` records for paths.
pub mod client;
pub mod config;
mod crypto;
pub mod envelope;
pub mod identity;
pub mod onion;
pub mod rng;
pub mod storage;
pub mod swarm;
mod wire;

pub use identity::{
    BlindedKeypair, Blinding, BlindingError, Ed25519Public, IdPrefix, Identity, KeyError,
    MnemonicError, Platform, SessionId, SessionIdError, SignatureError, SymmetricKey, VersionKey,
    X25519Public, blind15_ids, blind25_id, blinded_id_from_ed25519, ed25519_to_x25519,
    parse_hex_key, session_id_matches_blinded, verify_ed25519, x25519_to_ed25519,
};
pub use wire::HexError;

/// The `rand_core` this crate's randomness parameters are generic over.
pub use rand_core;

// The README's Rust code runs as doctests too (it is not part of the crate's documentation).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
