#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

// One-way dependencies, top to bottom: a module uses only those above it.
mod crypto; //   private primitives (no parsing)
mod envelope; // message envelopes (planned)
pub mod identity;
pub mod onion;
mod storage;
pub mod swarm;
mod wire; //     framing, hex and codecs (no keys) //  storage-server request helpers (planned)

pub use identity::{
    BlindedKeypair, Blinding, BlindingError, IdPrefix, Identity, KeyError, MnemonicError, Platform,
    SessionId, SessionIdError, SignatureError, VersionKey, blind15_ids, blind25_id,
    blinded_id_from_ed25519, ed25519_to_x25519, session_id_matches_blinded, verify_ed25519,
    x25519_to_ed25519,
};
pub use wire::HexError;

/// The `rand_core` this crate's randomness parameters are generic over.
pub use rand_core;

/// Decodes a 32-byte key (a community server key, a node key) from 64 hex characters of
/// either case.
///
/// # Errors
/// [`HexError`] for the wrong length or a non-hex character.
pub fn parse_hex_key(s: &str) -> Result<[u8; 32], HexError> {
    wire::decode_hex(s)
}
