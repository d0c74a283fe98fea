//! Accounts: key pairs, Session IDs, community blinding, recovery phrases.

mod blinding;
mod key_types;
mod keys;
pub mod mnemonic;
mod session_id;

pub use blinding::{
    BlindedKeypair, Blinding, BlindingError, Platform, VersionKey, blind15_ids, blind25_id,
    blinded_id_from_ed25519, session_id_matches_blinded,
};
pub use key_types::{Ed25519Public, SymmetricKey, X25519Public};
pub(crate) use keys::verify_ed25519_point;
pub use keys::{
    Identity, KeyError, SignatureError, ed25519_to_x25519, parse_hex_key, verify_ed25519,
    x25519_to_ed25519,
};
pub use mnemonic::MnemonicError;
pub use session_id::{IdPrefix, SessionId, SessionIdError};
