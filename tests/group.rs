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
use session_protocol::envelope::{
    GroupError, ProSignature, open_group_message, seal_group_message,
};
use session_protocol::{Ed25519Public, Identity, SymmetricKey};

const GROUP_KEY: [u8; 32] = [0x4b; 32];

fn gkey() -> SymmetricKey {
    SymmetricKey::from_bytes(GROUP_KEY)
}

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
fn dict(
    sender: &Identity,
    version: &str,
    key: &str,
    body: &[u8],
    group_pk: &Ed25519Public,
) -> Vec<u8> {
    let sig = sender.sign(&[body, group_pk.as_bytes()].concat());
    dict_raw(version, sender.ed25519_public().as_bytes(), &sig, key, body)
}

/// A dict with any sender key and signature.
fn dict_raw(version: &str, a: &[u8; 32], sig: &[u8; 64], key: &str, body: &[u8]) -> Vec<u8> {
    let mut d = b"d".to_vec();
    d.extend(bytes(b""));
    d.extend(version.as_bytes());
    d.extend(bytes(b"a"));
    d.extend(bytes(a));
    if key == "d" {
        d.extend(bytes(b"d"));
        d.extend(bytes(body));
        d.extend(bytes(b"s"));
        d.extend(bytes(sig));
    } else {
        d.extend(bytes(b"s"));
        d.extend(bytes(sig));
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
        let wire = seal_group_message(
            &alice,
            &gpk,
            &gkey(),
            content,
            77,
            ProSignature::Decoy,
            &mut rng,
        )
        .unwrap();
        assert_eq!(wire.len() % 256, 0);
        let keys = [SymmetricKey::from_bytes([1u8; 32]), gkey()];
        let m = open_group_message(&keys, &gpk, &wire).unwrap();
        assert_eq!(
            (&m.content[..], m.sender, m.timestamp_ms, m.key_index),
            (content, alice.session_id(), 77, 1)
        );
    }
    // The repetitive content compresses: its wire form is smaller than its length.
    let wire = seal_group_message(
        &alice,
        &gpk,
        &gkey(),
        &repetitive,
        1,
        ProSignature::Omit,
        &mut rng,
    )
    .unwrap();
    assert!(wire.len() < repetitive.len());
    assert_eq!(
        open_group_message(&[SymmetricKey::from_bytes([9; 32])], &gpk, &wire).unwrap_err(),
        GroupError::Decrypt
    );
    assert_eq!(
        open_group_message(&[], &gpk, &wire).unwrap_err(),
        GroupError::Decrypt
    );
    assert_eq!(
        open_group_message(&[gkey()], &gpk, &wire[..39]).unwrap_err(),
        GroupError::TooShort
    );
    // The signature covers the group key: another group's key does not verify.
    assert_eq!(
        open_group_message(&[gkey()], &Ed25519Public::from_bytes([7; 32]), &wire).unwrap_err(),
        GroupError::BadSignature
    );
    for i in 0..wire.len() {
        let mut bad = wire.clone();
        bad[i] ^= 1;
        assert_eq!(
            open_group_message(&[gkey()], &gpk, &bad).unwrap_err(),
            GroupError::Decrypt,
            "byte {i}"
        );
    }
    let big = vec![0u8; 1_000_001];
    assert_eq!(
        seal_group_message(&alice, &gpk, &gkey(), &big, 1, ProSignature::Omit, &mut rng)
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
        &open_group_message(&[gkey()], &gpk, &seal_raw(&ok))
            .unwrap()
            .content[..],
        b"hi"
    );
    let mut forged = dict(&mallory, "i1e", "d", &env, &gpk);
    let a_at = forged.windows(3).position(|w| w == b"32:").unwrap() + 3;
    forged[a_at..a_at + 32].copy_from_slice(alice.ed25519_public().as_bytes());
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
            open_group_message(&[gkey()], &gpk, &seal_raw(&plain)).unwrap_err(),
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
        let wire = seal_group_message(&alice, &gpk, &gkey(), &content, 5, ProSignature::Omit, &mut ChaCha20Rng::from_seed(seed)).unwrap();
        prop_assert_eq!(wire.len() % 256, 0);
        let m = open_group_message(&[gkey()], &gpk, &wire).unwrap();
        prop_assert_eq!(&m.content[..], &content[..]);
        prop_assert_eq!(m.sender, alice.session_id());
    }
}

#[test]
fn push_notifications_strip_padding_and_authenticate() {
    use session_protocol::envelope::{SmallFormatError, open_push_notification};
    let key = [9u8; 32];
    let mut body = b"notify".to_vec();
    body.resize(64, 0);
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&key.into());
    let nonce = [2u8; 24];
    let tag = aead
        .encrypt_inout_detached(&nonce.into(), &[], body.as_mut_slice().into())
        .unwrap();
    let payload = [&nonce[..], &body, tag.as_slice()].concat();
    let key = SymmetricKey::from_bytes(key);
    assert_eq!(
        &open_push_notification(&key, &payload).unwrap()[..],
        b"notify"
    );
    // All zeros is all padding: an empty notification.
    let mut zeros = [0u8; 16];
    let tag = aead
        .encrypt_inout_detached(&nonce.into(), &[], zeros.as_mut_slice().into())
        .unwrap();
    let empty = [&nonce[..], &zeros, tag.as_slice()].concat();
    assert!(open_push_notification(&key, &empty).unwrap().is_empty());
    let other = SymmetricKey::from_bytes([8; 32]);
    assert_eq!(
        open_push_notification(&other, &payload),
        Err(SmallFormatError::Decrypt)
    );
    let mut bad = payload.clone();
    bad[30] ^= 1;
    assert_eq!(
        open_push_notification(&key, &bad),
        Err(SmallFormatError::Decrypt)
    );
    assert_eq!(
        open_push_notification(&key, &payload[..39]),
        Err(SmallFormatError::TooShort)
    );
}

/// A zstd frame header: magic, descriptor, then `rest` (window descriptor, content size...).
fn zstd_header(descriptor: u8, rest: &[u8]) -> Vec<u8> {
    [&[0x28, 0xb5, 0x2f, 0xfd, descriptor][..], rest].concat()
}

/// `n` RLE blocks of 128 KiB of 0xff each (the last one flagged last): 4 bytes per block
/// that a decoder with an 8 MiB window would buffer in full before yielding anything.
fn rle_blocks(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let last = u32::from(i + 1 == n);
        let header = last | (1 << 1) | ((128 * 1024) << 3);
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.push(0xff); // a run of 0xff is no protobuf: an over-long varint
    }
    out
}

#[test]
fn zstd_windows_and_declared_sizes_above_the_limit_are_refused_before_decoding() {
    let (alice, gpk) = (Identity::from_seed(&[1; 32]), group().ed25519_public());
    let open = |frame: &[u8]| {
        open_group_message(
            &[gkey()],
            &gpk,
            &seal_raw(&dict(&alice, "i1e", "z", frame, &gpk)),
        )
    };
    // Window descriptor 0x68: exponent 13, mantissa 0, i.e. 2^(10+13) = 8 MiB.
    let eight_mib_window = [zstd_header(0x00, &[0x68]), rle_blocks(70)].concat();
    assert_eq!(open(&eight_mib_window).unwrap_err(), GroupError::TooLarge);
    // Single segment: the window is the declared content size, 8 MiB (4-byte size field).
    let single_segment = [
        zstd_header(0xa0, &(8u32 << 20).to_le_bytes()),
        rle_blocks(1),
    ]
    .concat();
    assert_eq!(open(&single_segment).unwrap_err(), GroupError::TooLarge);
    // A 512 KiB window (0x48) but a declared content size of 2 000 000 bytes.
    let declared = [
        zstd_header(0x80, &[&[0x48][..], &2_000_000u32.to_le_bytes()].concat()),
        rle_blocks(1),
    ]
    .concat();
    assert_eq!(open(&declared).unwrap_err(), GroupError::TooLarge);
    // Within the limits the same hand-made blocks decode (and then fail as an Envelope): the
    // header checks are what refused the frames above. Window 512 KiB, four 128 KiB blocks.
    let fine = [zstd_header(0x00, &[0x48]), rle_blocks(4)].concat();
    assert_eq!(open(&fine).unwrap_err(), GroupError::Malformed("Envelope"));
    // A window exactly at 1 MiB (0x50) is over 1 000 000 bytes: refused too.
    let one_mib = [zstd_header(0x00, &[0x50]), rle_blocks(1)].concat();
    assert_eq!(open(&one_mib).unwrap_err(), GroupError::TooLarge);
    // The largest legitimate plaintext still round trips compressed.
    let content = vec![b'a'; 999_000];
    let wire = seal_group_message(
        &alice,
        &gpk,
        &gkey(),
        &content,
        3,
        ProSignature::Omit,
        &mut ChaCha20Rng::from_seed([3; 32]),
    )
    .unwrap();
    assert!(wire.len() < 10_000, "compressed");
    let m = open_group_message(&[gkey()], &gpk, &wire).unwrap();
    assert_eq!(m.content.len(), content.len());
}

#[path = "common/torsion.rs"]
mod torsion;

#[test]
fn unusable_sender_keys_get_invalid_sender_not_bad_signature() {
    let gpk = group().ed25519_public();
    let env = envelope(b"hi");
    let signed = [&env[..], gpk.as_bytes()].concat();
    let open = |plain: &[u8]| open_group_message(&[gkey()], &gpk, &seal_raw(plain));
    // Mixed order: the signature verifies (as libsodium would accept it), but the key has a
    // torsion component and so no Session ID.
    let (a, pk) = torsion::mixed_order_key(7);
    let sig = torsion::sign(&a, &pk, &signed);
    let cofactorless = ed25519_dalek::VerifyingKey::from_bytes(&pk)
        .unwrap()
        .verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&sig));
    assert!(cofactorless.is_ok(), "the crafted signature is valid");
    assert_eq!(
        open(&dict_raw("i1e", &pk, &sig, "d", &env)).unwrap_err(),
        GroupError::InvalidSender
    );
    // Small order (the identity, with the trivial forgery R = identity, S = 0).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut trivial = [0u8; 64];
    trivial[0] = 1;
    assert_eq!(
        open(&dict_raw("i1e", &identity, &trivial, "d", &env)).unwrap_err(),
        GroupError::InvalidSender
    );
    // The order-2 point itself, and bytes that are no point at all (y = 2 has no x).
    let order_two = curve25519_dalek::constants::EIGHT_TORSION[4]
        .compress()
        .to_bytes();
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert!(
        curve25519_dalek::edwards::CompressedEdwardsY(not_a_point)
            .decompress()
            .is_none()
    );
    for key in [order_two, not_a_point, torsion::non_canonical_key()] {
        assert_eq!(
            open(&dict_raw("i1e", &key, &[3; 64], "d", &env)).unwrap_err(),
            GroupError::InvalidSender,
            "{key:02x?}"
        );
    }
    // A good key with a bad signature is still a bad signature.
    let alice = Identity::from_seed(&[1; 32]);
    assert_eq!(
        open(&dict_raw(
            "i1e",
            alice.ed25519_public().as_bytes(),
            &[3; 64],
            "d",
            &env
        ))
        .unwrap_err(),
        GroupError::BadSignature
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn group_key_lists_and_rotation(
        content in proptest::collection::vec(any::<u8>(), 0..600),
        seed in any::<[u8; 32]>(),
        n_keys in 1usize..5,
        pick in any::<prop::sample::Index>(),
        pro in any::<bool>(),
    ) {
        let (alice, gpk) = (Identity::from_seed(&seed), group().ed25519_public());
        let pro_key = Identity::from_seed(&[0x50; 32]);
        let raw: Vec<[u8; 32]> = (0..n_keys).map(|i| [i as u8 ^ seed[0]; 32]).collect();
        let keys: Vec<SymmetricKey> = raw.iter().map(|k| SymmetricKey::from_bytes(*k)).collect();
        let used = pick.index(n_keys);
        let choice = if pro { ProSignature::Key(&pro_key) } else { ProSignature::Decoy };
        let mut rng = ChaCha20Rng::from_seed(seed);
        let wire = seal_group_message(&alice, &gpk, &keys[used], &content, 11, choice, &mut rng).unwrap();
        // Any position in the list opens it and reports that position.
        let m = open_group_message(&keys, &gpk, &wire).unwrap();
        prop_assert_eq!(m.key_index, keys.iter().position(|k| *k == keys[used]).unwrap());
        prop_assert_eq!(&m.content[..], &content[..]);
        prop_assert_eq!((m.sender, m.timestamp_ms), (alice.session_id(), 11));
        let sig: [u8; 64] = m.pro_sig.as_deref().unwrap().try_into().unwrap();
        let verifies = session_protocol::verify_ed25519(&pro_key.ed25519_public(), &content, &sig).is_ok();
        prop_assert_eq!(verifies, pro);
        // Rotation: after the key is dropped from the list, the message no longer opens; a
        // message under the new key opens with the new list.
        let rotated: Vec<[u8; 32]> = raw.iter().filter(|k| **k != raw[used]).copied().collect();
        let rotated_keys: Vec<SymmetricKey> = rotated.iter().map(|k| SymmetricKey::from_bytes(*k)).collect();
        prop_assert_eq!(open_group_message(&rotated_keys, &gpk, &wire).unwrap_err(), GroupError::Decrypt);
        let new_key = SymmetricKey::from_bytes([0xee; 32]);
        let newer: Vec<SymmetricKey> = [&[[0xee; 32]][..], &rotated].concat().into_iter().map(SymmetricKey::from_bytes).collect();
        let wire2 = seal_group_message(&alice, &gpk, &new_key, &content, 12, ProSignature::Omit, &mut rng).unwrap();
        let m2 = open_group_message(&newer, &gpk, &wire2).unwrap();
        prop_assert_eq!((m2.key_index, &m2.content[..]), (0, &content[..]));
        prop_assert!(m2.pro_sig.is_none());
    }
}

#[test]
fn group_fuzz_seeds_get_past_the_signature() {
    // The group_decrypt target signs `body` (the seed without its first byte) with this key.
    let sender = Identity::from_seed(&[0x31; 32]);
    let gpk = Ed25519Public::from_bytes([0x21; 32]);
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus/group_decrypt");
    let open = |name: &str| {
        let seed = std::fs::read(dir.join(name)).unwrap();
        let key = if seed[0] & 1 == 1 { "z" } else { "d" };
        open_group_message(
            &[gkey()],
            &gpk,
            &seal_raw(&dict(&sender, "i1e", key, &seed[1..], &gpk)),
        )
    };
    for name in ["envelope_d", "envelope_zstd_raw_block"] {
        let m = open(name).unwrap();
        assert_eq!((&m.content[..], m.timestamp_ms), (&b"hi"[..], 9), "{name}");
    }
    assert_eq!(open("window_8mib").unwrap_err(), GroupError::TooLarge);
}

#[test]
fn seal_group_message_into_appends_and_leaves_the_buffer_alone_on_error() {
    use session_protocol::envelope::seal_group_message_into;
    let (alice, gpk) = (Identity::from_seed(&[1; 32]), group().ed25519_public());
    let mut out = b"head".to_vec();
    seal_group_message_into(
        &mut out,
        &alice,
        &gpk,
        &gkey(),
        b"first",
        1,
        ProSignature::Omit,
        &mut ChaCha20Rng::from_seed([7; 32]),
    )
    .unwrap();
    let alone = seal_group_message(
        &alice,
        &gpk,
        &gkey(),
        b"first",
        1,
        ProSignature::Omit,
        &mut ChaCha20Rng::from_seed([7; 32]),
    )
    .unwrap();
    assert_eq!((&out[..4], &out[4..]), (&b"head"[..], &alone[..]));
    assert_eq!((out.len() - 4) % 256, 0);
    let before = out.clone();
    assert_eq!(
        seal_group_message_into(
            &mut out,
            &alice,
            &gpk,
            &gkey(),
            &vec![0; 1_000_001],
            1,
            ProSignature::Omit,
            &mut ChaCha20Rng::from_seed([7; 32]),
        ),
        Err(GroupError::TooLarge)
    );
    assert_eq!(out, before);
    let m = open_group_message(&[gkey()], &gpk, &out[4..]).unwrap();
    assert_eq!(&m.content[..], b"first");
    assert_eq!(m.sender_ed25519, alice.ed25519_public());
}

#[test]
fn group_dict_fields_of_the_wrong_kind_get_specific_errors() {
    let (alice, gpk) = (Identity::from_seed(&[1; 32]), group().ed25519_public());
    let env = envelope(b"hi");
    let sig = alice.sign(&[&env[..], gpk.as_bytes()].concat());
    let a = alice.ed25519_public();
    let open = |plain: &[u8]| open_group_message(&[gkey()], &gpk, &seal_raw(plain)).unwrap_err();
    let entries = |parts: &[&[u8]]| [&b"d"[..], &parts.concat(), b"e"].concat();
    let cases: Vec<(Vec<u8>, GroupError)> = vec![
        // No version at all, a version that is a string.
        (
            entries(&[&bytes(b"a"), &bytes(a.as_bytes())]),
            GroupError::Malformed("version"),
        ),
        (
            entries(&[&bytes(b""), &bytes(b"1")]),
            GroupError::Malformed("version"),
        ),
        // `a` missing, of the wrong length, or a list.
        (entries(&[&bytes(b""), b"i1e"]), GroupError::Malformed("a")),
        (
            entries(&[&bytes(b""), b"i1e", &bytes(b"a"), &bytes(&[1; 31])]),
            GroupError::Malformed("a"),
        ),
        (
            entries(&[&bytes(b""), b"i1e", &bytes(b"a"), b"le"]),
            GroupError::Malformed("a"),
        ),
        // `s` of the wrong length.
        (
            entries(&[
                &bytes(b""),
                b"i1e",
                &bytes(b"a"),
                &bytes(a.as_bytes()),
                &bytes(b"d"),
                &bytes(&env),
                &bytes(b"s"),
                &bytes(&sig[..63]),
            ]),
            GroupError::Malformed("s"),
        ),
        // Neither `d` nor `z`, or `d` as an integer.
        (
            entries(&[
                &bytes(b""),
                b"i1e",
                &bytes(b"a"),
                &bytes(a.as_bytes()),
                &bytes(b"s"),
                &bytes(&sig),
            ]),
            GroupError::Malformed("d/z"),
        ),
        (
            entries(&[
                &bytes(b""),
                b"i1e",
                &bytes(b"a"),
                &bytes(a.as_bytes()),
                &bytes(b"d"),
                b"i5e",
                &bytes(b"s"),
                &bytes(&sig),
            ]),
            GroupError::Malformed("d/z"),
        ),
        // A structural error after the fields is still a bencode error.
        (
            [&dict(&alice, "i1e", "d", &env, &gpk)[..], b"x"].concat(),
            GroupError::Malformed("bencode"),
        ),
    ];
    for (plain, want) in cases {
        assert_eq!(
            open(&plain),
            want,
            "{}",
            String::from_utf8_lossy(&plain[..plain.len().min(40)])
        );
    }
    // Unknown keys are ignored, as before.
    let mut extra = dict(&alice, "i1e", "d", &env, &gpk);
    extra.pop();
    extra.extend(bytes(b"zz"));
    extra.extend(b"li1ee");
    extra.push(b'e');
    assert_eq!(
        &open_group_message(&[gkey()], &gpk, &seal_raw(&extra))
            .unwrap()
            .content[..],
        b"hi"
    );
}
