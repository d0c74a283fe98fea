//! Key material and signatures from outside: `Identity::from_libsodium_secret_key`,
//! `parse_hex_key`, `verify_ed25519` with a fuzzer-chosen key, signature and message, and
//! `SessionId`'s serde `Deserialize` through serde_json. No panics, and each accepts exactly
//! what it documents.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::Ed25519Public;
use session_protocol::{Identity, KeyError, SessionId, parse_hex_key, verify_ed25519};

/// L, the order of the prime subgroup, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Whether the little-endian `s` is below L.
fn below_l(s: &[u8]) -> bool {
    for (a, b) in s.iter().rev().zip(L.iter().rev()) {
        if a != b {
            return a < b;
        }
    }
    false
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn run(data: &[u8]) {
    // libsodium secret keys: accepted exactly when the second half is the seed's public key.
    if let Some(sk) = data.first_chunk::<64>() {
        let seed: [u8; 32] = sk[..32].try_into().unwrap();
        let public = Identity::from_seed(&seed).ed25519_public();
        match Identity::from_libsodium_secret_key(sk) {
            Ok(me) => {
                assert_eq!(sk[32..], public.as_bytes()[..]);
                assert_eq!(me.libsodium_secret_key()[..], sk[..]);
            }
            Err(e) => {
                assert_eq!(e, KeyError::SecretKeyMismatch);
                assert_ne!(sk[32..], public.as_bytes()[..]);
            }
        }
    }

    // verify_ed25519 on a fuzzer-chosen key, signature and message.
    if let Some((key, rest)) = data.split_first_chunk::<32>()
        && let Some((sig, msg)) = rest.split_first_chunk::<64>()
    {
        if verify_ed25519(&Ed25519Public::from_bytes(*key), msg, sig).is_ok() {
            assert!(below_l(&sig[32..]), "a verified S is canonical");
        }
        // A genuine signature under the fuzzer's seed verifies, and one bit off does not.
        let me = Identity::from_seed(key);
        let mut good = me.sign(msg);
        assert_eq!(verify_ed25519(&me.ed25519_public(), msg, &good), Ok(()));
        good[usize::from(sig[0] % 64)] ^= 1 << (sig[1] % 8);
        assert!(verify_ed25519(&me.ed25519_public(), msg, &good).is_err());
    }

    // SessionId through serde_json, from arbitrary (not necessarily UTF-8) bytes.
    if let Ok(id) = serde_json::from_slice::<SessionId>(data) {
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<SessionId>(&json).unwrap(), id);
    }

    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    // 64 hex digits of either case, nothing else.
    match parse_hex_key(text) {
        Ok(k) => assert_eq!(hex(&k), text.to_ascii_lowercase()),
        Err(_) => assert!(text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit())),
    }
    // As a JSON string, a Session ID parses exactly as `FromStr` parses it.
    let quoted = serde_json::to_string(text).unwrap();
    assert_eq!(
        serde_json::from_str::<SessionId>(&quoted).ok(),
        text.parse::<SessionId>().ok()
    );
}
