//! The small formats a client decrypts or decodes: `Content::from_bytes`, push-notification
//! payloads, ONS answers and multi-recipient messages (`multi::open_from`,
//! `multi::open_simple`). Each on arbitrary bytes (typed errors, no panics, nothing forged
//! opens) and, for the encrypted ones, on fuzzer-chosen plaintexts encrypted honestly, which
//! must come back exactly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use blake2::digest::consts::U32;
use blake2::digest::{Digest, KeyInit, Mac};
use chacha20poly1305::aead::{AeadInOut, KeyInit as AeadKeyInit};
use session_protocol::envelope::multi::{self, MultiError};
use session_protocol::envelope::{
    Content, SmallFormatError, open_ons_response, open_push_notification,
};
use session_protocol::{Identity, SessionId, SymmetricKey};

fn xchacha_seal(key: &[u8; 32], nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
    let aead = <chacha20poly1305::XChaCha20Poly1305 as AeadKeyInit>::new(&(*key).into());
    let mut buf = plaintext.to_vec();
    let tag = aead
        .encrypt_inout_detached(&(*nonce).into(), &[], buf.as_mut_slice().into())
        .expect("small input");
    [&buf[..], tag.as_slice()].concat()
}

pub(crate) fn run(data: &[u8]) {
    // Content: what decodes re-encodes to bytes that decode to the same value.
    if let Ok(c) = Content::from_bytes(data) {
        assert_eq!(Content::from_bytes(&c.to_bytes()), Ok(c));
    }

    // Push notifications.
    let push_key = [0x50u8; 32];
    let forged = open_push_notification(&SymmetricKey::from_bytes(push_key), data);
    let short = data.len() < 24 + 16;
    assert_eq!(
        forged,
        Err(if short {
            SmallFormatError::TooShort
        } else {
            SmallFormatError::Decrypt
        })
    );
    let nonce = [0x11u8; 24];
    let payload = [&nonce[..], &xchacha_seal(&push_key, &nonce, data)].concat();
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    assert_eq!(
        open_push_notification(&SymmetricKey::from_bytes(push_key), &payload)
            .as_ref()
            .map(|p| &p[..]),
        Ok(&data[..end]),
        "the payload comes back without its zero padding"
    );

    // ONS answers: key = BLAKE2b-256(name, key = BLAKE2b-256(name)).
    let name = "fuzz.loki";
    let forged = open_ons_response(name, data, &nonce);
    assert_eq!(
        forged,
        Err(if data.len() < 16 {
            SmallFormatError::TooShort
        } else {
            SmallFormatError::Decrypt
        })
    );
    let name_hash: [u8; 32] = blake2::Blake2b::<U32>::digest(name.as_bytes()).into();
    let mut mac = <blake2::Blake2bMac<U32> as KeyInit>::new_from_slice(&name_hash).unwrap();
    Mac::update(&mut mac, name.as_bytes());
    let ons_key: [u8; 32] = mac.finalize().into_bytes().into();
    let answer = xchacha_seal(&ons_key, &nonce, data);
    let expected = SessionId::from_slice(data).map_err(|_| SmallFormatError::NotSessionId);
    assert_eq!(open_ons_response(name, &answer, &nonce), expected);

    // Multi-recipient messages.
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let domain = b"SessionGroupKickedMessage";
    let from = alice.x25519_public();
    assert_eq!(
        multi::open_from(&bob, &from, domain, &nonce, data),
        Err(MultiError::Decrypt)
    );
    assert_eq!(
        multi::open_simple(&bob, &from, domain, data),
        Err(MultiError::Decrypt)
    );
    let copy = multi::seal_for(&alice, &bob.x25519_public(), domain, &nonce, data)
        .expect("valid recipient");
    assert_eq!(
        multi::open_from(&bob, &from, domain, &nonce, &copy)
            .as_ref()
            .map(|p| &p[..]),
        Ok(data)
    );
    let encoded = multi::encode_simple(&nonce, &[data.to_vec(), copy]);
    assert_eq!(
        multi::open_simple(&bob, &from, domain, &encoded)
            .as_ref()
            .map(|p| &p[..]),
        Ok(data)
    );
    // Not for alice herself (her key agreement with alice differs).
    assert_eq!(
        multi::open_simple(&alice, &from, domain, &encoded),
        Err(MultiError::Decrypt)
    );
}
