//! `SessionId` with the `serde` feature: a string in human-readable formats, 33 raw bytes
//! otherwise, and no invalid id ever deserializes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use serde_test::{Configure, Token, assert_de_tokens_error, assert_tokens};
use session_protocol::{IdPrefix, SessionId};

const ID: &str = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";

#[test]
fn readable_is_the_hex_string_and_compact_is_the_bytes() {
    let id: SessionId = ID.parse().unwrap();
    assert_tokens(&id.readable(), &[Token::Str(ID)]);
    let bytes: &'static [u8] = Box::leak(Box::new(id.to_bytes()));
    assert_tokens(&id.compact(), &[Token::Bytes(bytes)]);
}

#[test]
fn invalid_ids_do_not_deserialize() {
    assert_de_tokens_error::<serde_test::Readable<SessionId>>(
        &[Token::Str(&ID[..64])],
        "a session id is 66 hex characters or 33 bytes, got 64",
    );
    assert_de_tokens_error::<serde_test::Readable<SessionId>>(
        &[Token::Str(
            "ff00000000000000000000000000000000000000000000000000000000000000aa",
        )],
        "unknown session id prefix 0xff",
    );
    assert_de_tokens_error::<serde_test::Compact<SessionId>>(
        &[Token::Bytes(&[5; 32])],
        "a session id is 66 hex characters or 33 bytes, got 32",
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn json_round_trip(key in any::<[u8; 32]>()) {
        let id = SessionId::new(IdPrefix::Group, key);
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(&json, &format!("\"{id}\""));
        prop_assert_eq!(serde_json::from_str::<SessionId>(&json).unwrap(), id);
    }
}
