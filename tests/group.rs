//! Closed groups v2: round trips with and without compression, key lists, padding, tampering,
//! and malformed plaintexts crafted with the group key.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{
    GroupError, ProSignature, decrypt_group_message, encrypt_for_group,
};

const GROUP_KEY: [u8; 32] = [0x4b; 32];

fn group() -> Identity {
    Identity::from_seed(&[0x33; 32])
}

/// Encrypts an arbitrary plaintext (padded to 256) with the group key, as a sender would.
fn seal_raw(plain: &[u8]) -> Vec<u8> {
    let mut buf = plain.to_vec();
    let total = (24 + buf.len() + 16).div_ceil(256) * 256;
    buf.resize(total - 40, 0);
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&GROUP_KEY.into());
    let nonce = [5u8; 24];
    let tag = aead
        .encrypt_inout_detached(&nonce.into(), &[], buf.as_mut_slice().into())
        .unwrap();
    [&nonce[..], &buf, tag.as_slice()].concat()
}

fn bytes(b: &[u8]) -> Vec<u8> {
    [format!("{}:", b.len()).as_bytes(), b].concat()
}

/// A signed dict over `body` (as "d" or "z") by `sender`.
fn dict(sender: &Identity, version: &str, key: &str, body: &[u8], group_pk: &[u8; 32]) -> Vec<u8> {
    let sig = sender.sign(&[body, &group_pk[..]].concat());
    let mut d = b"d".to_vec();
    d.extend(bytes(b""));
    d.extend(version.as_bytes());
    d.extend(bytes(b"a"));
    d.extend(bytes(&sender.ed25519_public()));
    if key == "d" {
        d.extend(bytes(b"d"));
        d.extend(bytes(body));
        d.extend(bytes(b"s"));
        d.extend(bytes(&sig));
    } else {
        d.extend(bytes(b"s"));
        d.extend(bytes(&sig));
        d.extend(bytes(b"z"));
        d.extend(bytes(body));
    }
    d.push(b'e');
    d
}

/// `Envelope{type = 7, timestamp = 9, sourceDevice = 1, content}`.
fn envelope(content: &[u8]) -> Vec<u8> {
    let mut e = vec![0x08, 0x07, 0x28, 0x09, 0x38, 0x01, 0x42];
    e.push(content.len() as u8);
    e.extend_from_slice(content);
    e
}

#[test]
fn round_trips_compressed_and_not_with_key_lists() {
    let (alice, g) = (Identity::from_seed(&[1; 32]), group());
    let gpk = g.ed25519_public();
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let repetitive = b"the same words again and again ".repeat(40);
    let random: Vec<u8> = (0..700u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for content in [&repetitive[..], &random[..], b""] {
        let wire = encrypt_for_group(
            &alice,
            &gpk,
            &GROUP_KEY,
            content,
            77,
            ProSignature::Decoy,
            &mut rng,
        )
        .unwrap();
        assert_eq!(wire.len() % 256, 0);
        let keys = [[1u8; 32], GROUP_KEY];
        let m = decrypt_group_message(&keys, &gpk, &wire).unwrap();
        assert_eq!(
            (&m.content[..], m.sender, m.timestamp_ms, m.key_index),
            (content, alice.session_id(), 77, 1)
        );
    }
    // The repetitive content compresses: its wire form is smaller than its length.
    let wire = encrypt_for_group(
        &alice,
        &gpk,
        &GROUP_KEY,
        &repetitive,
        1,
        ProSignature::Omit,
        &mut rng,
    )
    .unwrap();
    assert!(wire.len() < repetitive.len());
    assert_eq!(
        decrypt_group_message(&[[9; 32]], &gpk, &wire).unwrap_err(),
        GroupError::Decrypt
    );
    assert_eq!(
        decrypt_group_message(&[], &gpk, &wire).unwrap_err(),
        GroupError::Decrypt
    );
    assert_eq!(
        decrypt_group_message(&[GROUP_KEY], &gpk, &wire[..39]).unwrap_err(),
        GroupError::TooShort
    );
    // The signature covers the group key: another group's key does not verify.
    assert_eq!(
        decrypt_group_message(&[GROUP_KEY], &[7; 32], &wire).unwrap_err(),
        GroupError::BadSignature
    );
    for i in (0..wire.len()).step_by(5) {
        let mut bad = wire.clone();
        bad[i] ^= 1;
        assert_eq!(
            decrypt_group_message(&[GROUP_KEY], &gpk, &bad).unwrap_err(),
            GroupError::Decrypt,
            "byte {i}"
        );
    }
    let big = vec![0u8; 1_000_001];
    assert_eq!(
        encrypt_for_group(
            &alice,
            &gpk,
            &GROUP_KEY,
            &big,
            1,
            ProSignature::Omit,
            &mut rng
        )
        .unwrap_err(),
        GroupError::TooLarge
    );
}

#[test]
fn malformed_plaintexts_get_specific_errors() {
    let (alice, mallory, gpk) = (
        Identity::from_seed(&[1; 32]),
        Identity::from_seed(&[6; 32]),
        group().ed25519_public(),
    );
    let env = envelope(b"hi");
    let ok = dict(&alice, "i1e", "d", &env, &gpk);
    assert_eq!(
        &decrypt_group_message(&[GROUP_KEY], &gpk, &seal_raw(&ok))
            .unwrap()
            .content[..],
        b"hi"
    );
    let mut forged = dict(&mallory, "i1e", "d", &env, &gpk);
    let a_at = forged.windows(3).position(|w| w == b"32:").unwrap() + 3;
    forged[a_at..a_at + 32].copy_from_slice(&alice.ed25519_public());
    let unsorted = [&ok[..ok.len() - 1], b"1:b0:e"].concat(); // "b" after "s": keys out of order
    let both = {
        let mut d = dict(&alice, "i1e", "d", &env, &gpk);
        d.pop();
        d.extend(bytes(b"z"));
        d.extend(bytes(b"x"));
        d.push(b'e');
        d
    };
    let bomb = ruzstd::encoding::compress_to_vec(
        &vec![0u8; 2_000_000][..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let cases: Vec<(Vec<u8>, GroupError)> = vec![
        (
            dict(&alice, "i2e", "d", &env, &gpk),
            GroupError::Malformed("version"),
        ),
        (b"le".to_vec(), GroupError::Malformed("version")),
        (b"not bencode".to_vec(), GroupError::Malformed("bencode")),
        (forged, GroupError::BadSignature),
        (unsorted, GroupError::Malformed("bencode")),
        (both, GroupError::Malformed("d/z")),
        (
            dict(&alice, "i1e", "z", b"not zstd", &gpk),
            GroupError::Malformed("zstd"),
        ),
        (dict(&alice, "i1e", "z", &bomb, &gpk), GroupError::TooLarge),
        (
            dict(&alice, "i1e", "d", b"\xff", &gpk),
            GroupError::Malformed("Envelope"),
        ),
        (
            dict(&alice, "i1e", "d", &[0x08, 0x06, 0x28, 0x01], &gpk),
            GroupError::Malformed("Envelope.type"),
        ),
        (
            dict(&alice, "i1e", "d", &[0x08, 0x07, 0x28, 0x01], &gpk),
            GroupError::Malformed("Envelope.content"),
        ),
    ];
    for (plain, want) in cases {
        assert_eq!(
            decrypt_group_message(&[GROUP_KEY], &gpk, &seal_raw(&plain)).unwrap_err(),
            want,
            "{}",
            String::from_utf8_lossy(&plain[..plain.len().min(40)])
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn group_round_trip(content in proptest::collection::vec(any::<u8>(), 0..3000), repeat in 1usize..4, seed in any::<[u8; 32]>()) {
        let (alice, gpk) = (Identity::from_seed(&seed), group().ed25519_public());
        let content = content.repeat(repeat);
        let wire = encrypt_for_group(&alice, &gpk, &GROUP_KEY, &content, 5, ProSignature::Omit, &mut ChaCha20Rng::from_seed(seed)).unwrap();
        prop_assert_eq!(wire.len() % 256, 0);
        let m = decrypt_group_message(&[GROUP_KEY], &gpk, &wire).unwrap();
        prop_assert_eq!(&m.content[..], &content[..]);
        prop_assert_eq!(m.sender, alice.session_id());
    }
}

#[test]
fn push_notifications_strip_padding_and_authenticate() {
    use session_protocol::envelope::{SmallFormatError, decrypt_push_notification};
    let key = [9u8; 32];
    let mut body = b"notify".to_vec();
    body.resize(64, 0);
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&key.into());
    let nonce = [2u8; 24];
    let tag = aead
        .encrypt_inout_detached(&nonce.into(), &[], body.as_mut_slice().into())
        .unwrap();
    let payload = [&nonce[..], &body, tag.as_slice()].concat();
    assert_eq!(
        decrypt_push_notification(&key, &payload).unwrap(),
        b"notify"
    );
    let mut bad = payload.clone();
    bad[30] ^= 1;
    assert_eq!(
        decrypt_push_notification(&key, &bad),
        Err(SmallFormatError::Decrypt)
    );
    assert_eq!(
        decrypt_push_notification(&key, &payload[..39]),
        Err(SmallFormatError::TooShort)
    );
}
