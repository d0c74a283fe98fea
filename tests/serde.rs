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

mod common;
use common::hex::{hex, unhex};

use proptest::prelude::*;
use serde_test::{Configure, Token, assert_de_tokens, assert_de_tokens_error, assert_tokens};
use session_protocol::{IdPrefix, SessionId};

const ID: &str = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";

#[test]
fn readable_is_the_hex_string_and_compact_is_the_bytes() {
    let id: SessionId = ID.parse().unwrap();
    assert_eq!(hex(&id.to_bytes()), ID);
    assert_tokens(&id.readable(), &[Token::Str(ID)]);
    let bytes: &'static [u8] = Box::leak(Box::new(id.to_bytes()));
    assert_eq!(bytes, unhex(ID));
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

fn prefix() -> impl Strategy<Value = IdPrefix> {
    prop_oneof![
        Just(IdPrefix::Standard),
        Just(IdPrefix::Group),
        Just(IdPrefix::Blinded15),
        Just(IdPrefix::Blinded25),
        Just(IdPrefix::Unblinded),
        Just(IdPrefix::Version),
    ]
}

proptest! {
    /// Every prefix, human-readable: the lowercase hex string, through serde_json and through
    /// serde's token stream (uppercase input accepted).
    #[test]
    fn readable_round_trip(p in prefix(), key in any::<[u8; 32]>()) {
        let id = SessionId::new(p, key);
        let text = format!("{id}");
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(&json, &format!("\"{text}\""));
        prop_assert_eq!(serde_json::from_str::<SessionId>(&json).unwrap(), id);
        let text: &'static str = Box::leak(text.into_boxed_str());
        assert_tokens(&id.readable(), &[Token::Str(text)]);
        let upper: &'static str = Box::leak(text.to_uppercase().into_boxed_str());
        assert_de_tokens(&id.readable(), &[Token::Str(upper)]);
    }

    /// Every prefix, compact: the 33 raw bytes, also accepted as a sequence of 33 integers
    /// (what formats without a bytes type produce); any other length is refused.
    #[test]
    fn compact_round_trip(p in prefix(), key in any::<[u8; 32]>(), cut in 0usize..33) {
        let id = SessionId::new(p, key);
        let raw = id.to_bytes();
        prop_assert_eq!(raw[0], p.byte());
        let bytes: &'static [u8] = Box::leak(Box::new(raw));
        assert_tokens(&id.compact(), &[Token::Bytes(bytes)]);
        let mut seq = vec![Token::Seq { len: Some(33) }];
        seq.extend(raw.iter().map(|&b| Token::U8(b)));
        seq.push(Token::SeqEnd);
        assert_de_tokens(&id.compact(), &seq);
        assert_de_tokens_error::<serde_test::Compact<SessionId>>(
            &[Token::Bytes(&bytes[..cut])],
            &format!("a session id is 66 hex characters or 33 bytes, got {cut}"),
        );
    }
}
