//! Envelopes: round trips, tampering, forged senders, malformed protobuf, blinded DMs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::rng::rng;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{
    BlindedDmError, DM_OVERHEAD, DecryptError, EncryptError, EnvelopeError, ProSignature, multi,
    open_1o1, open_blinded_dm, open_incoming, pad, seal_1o1, seal_blinded_dm, seal_for_recipient,
    seal_for_recipient_deterministic, unpad,
};
use session_protocol::{Blinding, Ed25519Public, IdPrefix, Identity, SessionId, X25519Public};

#[test]
fn one_to_one_round_trip_and_every_flipped_byte_fails() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let ct = seal_for_recipient(&alice, &bob.session_id(), b"hello bob", &mut rng(1)).unwrap();
    assert_eq!(ct.len(), 9 + DM_OVERHEAD);
    let got = open_incoming(&bob, &ct).unwrap();
    assert_eq!(
        (&got.message[..], got.sender().unwrap()),
        (&b"hello bob"[..], alice.session_id())
    );
    assert_eq!(got.sender_ed25519, alice.ed25519_public());
    for i in 0..ct.len() {
        let mut bad = ct.clone();
        bad[i] ^= 0x20;
        assert_eq!(
            open_incoming(&bob, &bad).unwrap_err(),
            DecryptError::Decrypt,
            "byte {i}"
        );
    }
    assert_eq!(
        open_incoming(&alice, &ct).unwrap_err(),
        DecryptError::Decrypt,
        "not for the sender"
    );
    assert_eq!(
        open_incoming(&bob, &ct[..DM_OVERHEAD - 1]).unwrap_err(),
        DecryptError::TooShort
    );
    assert_eq!(
        open_incoming(&bob, &[]).unwrap_err(),
        DecryptError::TooShort
    );
    // Deterministic: equal inputs, equal outputs; still decrypts normally.
    let d1 = seal_for_recipient_deterministic(&alice, &bob.session_id(), b"x").unwrap();
    assert_eq!(
        d1,
        seal_for_recipient_deterministic(&alice, &bob.session_id(), b"x").unwrap()
    );
    assert_eq!(&open_incoming(&bob, &d1).unwrap().message[..], b"x");
}

#[test]
fn recipients_must_be_usable_standard_ids() {
    let alice = Identity::from_seed(&[1; 32]);
    let group = SessionId::new(IdPrefix::Group, [9; 32]);
    assert_eq!(
        seal_for_recipient(&alice, &group, b"", &mut rng(0)).unwrap_err(),
        EncryptError::NotStandardId
    );
    let small = SessionId::new(IdPrefix::Standard, [0; 32]);
    assert_eq!(
        seal_for_recipient(&alice, &small, b"", &mut rng(0)).unwrap_err(),
        EncryptError::InvalidRecipient
    );
}

#[test]
fn forged_and_odd_sender_keys_are_refused_after_decryption() {
    use session_protocol::envelope::seal_for_recipient_raw;
    let (alice, mallory, bob) = (
        Identity::from_seed(&[1; 32]),
        Identity::from_seed(&[6; 32]),
        Identity::from_seed(&[2; 32]),
    );
    let inner = |m: &[u8], a: Ed25519Public, sig: [u8; 64]| [m, a.as_bytes(), &sig[..]].concat();
    let signed = |by: &Identity, m: &[u8], a: Ed25519Public| {
        by.sign(&[m, a.as_bytes(), bob.x25519_public().as_bytes()].concat())
    };
    // Signed by Mallory but claiming Alice's key.
    let forged = inner(
        b"m",
        alice.ed25519_public(),
        signed(&mallory, b"m", alice.ed25519_public()),
    );
    let ct = seal_for_recipient_raw(&bob.x25519_public(), &forged, &mut rng(3)).unwrap();
    assert_eq!(
        open_incoming(&bob, &ct).unwrap_err(),
        DecryptError::BadSignature
    );
    // Signed for someone else (the recipient key is part of the signed data).
    let other = alice.sign(
        &[
            &b"m"[..],
            alice.ed25519_public().as_bytes(),
            mallory.x25519_public().as_bytes(),
        ]
        .concat(),
    );
    let ct = seal_for_recipient_raw(
        &bob.x25519_public(),
        &inner(b"m", alice.ed25519_public(), other),
        &mut rng(3),
    )
    .unwrap();
    assert_eq!(
        open_incoming(&bob, &ct).unwrap_err(),
        DecryptError::BadSignature
    );
    // Identity-point key with the trivial forgery (R = identity, S = 0): refused.
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    let mut trivial = [0u8; 64];
    trivial[0] = 1;
    let ct = seal_for_recipient_raw(
        &bob.x25519_public(),
        &inner(b"m", Ed25519Public::from_bytes(identity_point), trivial),
        &mut rng(3),
    )
    .unwrap();
    assert_eq!(
        open_incoming(&bob, &ct).unwrap_err(),
        DecryptError::BadSignature
    );
    // A sealed payload shorter than key + signature.
    let ct = seal_for_recipient_raw(&bob.x25519_public(), &[0u8; 95], &mut rng(3)).unwrap();
    assert!(matches!(
        open_incoming(&bob, &ct).unwrap_err(),
        DecryptError::TooShort | DecryptError::Decrypt
    ));
}

#[test]
fn envelopes_round_trip_with_each_pro_signature_choice() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let pro = Identity::from_seed(&[8; 32]);
    for choice in [
        ProSignature::Omit,
        ProSignature::Decoy,
        ProSignature::Key(&pro),
    ] {
        let stored = seal_1o1(
            &alice,
            &bob.session_id(),
            b"\x0a\x02hi",
            1_700_000_000_123,
            choice,
            &mut rng(4),
        )
        .unwrap();
        let msg = open_1o1(&bob, &stored).unwrap();
        assert_eq!(&msg.content[..], b"\x0a\x02hi");
        assert_eq!(
            (msg.sender, msg.timestamp_ms),
            (alice.session_id(), 1_700_000_000_123)
        );
        match choice {
            ProSignature::Omit => assert!(msg.pro_sig.is_none()),
            _ => assert_eq!(msg.pro_sig.as_ref().map(Vec::len), Some(64)),
        }
    }
    // Pinned prefix of the encoding: WebSocketMessage{type=1, request{verb="", path="", body, requestId=0}}.
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        b"",
        1,
        ProSignature::Omit,
        &mut rng(4),
    )
    .unwrap();
    assert_eq!(&stored[..2], &[0x08, 0x01]);
    assert_eq!(stored[2], 0x12);
    let body_at = stored.iter().position(|&b| b == 0x1a).unwrap();
    assert!(
        stored[..body_at].ends_with(&[0x0a, 0x00, 0x12, 0x00]),
        "empty verb and path are present"
    );
    assert!(stored.ends_with(&[0x20, 0x00]), "requestId 0 is present");
}

#[test]
fn malformed_envelopes_get_specific_errors() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let good = seal_1o1(
        &alice,
        &bob.session_id(),
        b"x",
        5,
        ProSignature::Omit,
        &mut rng(5),
    )
    .unwrap();
    let cases: Vec<(Vec<u8>, EnvelopeError)> = vec![
        (vec![0x08], EnvelopeError::Malformed("WebSocketMessage")), // truncated varint
        (
            vec![0x08, 0x80],
            EnvelopeError::Malformed("WebSocketMessage"),
        ),
        (
            vec![0x0a, 0x01, 0x00],
            EnvelopeError::Malformed("WebSocketMessage"),
        ), // type as wrong wire type
        (
            vec![0x12, 0xff, 0xff, 0xff, 0xff, 0x0f],
            EnvelopeError::Malformed("WebSocketMessage"),
        ), // huge length
        (
            vec![0x08, 0x02],
            EnvelopeError::WrongType("WebSocketMessage"),
        ),
        (vec![], EnvelopeError::WrongType("WebSocketMessage")),
        (vec![0x08, 0x01], EnvelopeError::Missing("request.body")),
        (
            vec![0x08, 0x01, 0x12, 0x02, 0x1a, 0x00],
            EnvelopeError::Missing("Envelope.type"),
        ),
        (
            vec![0x08, 0x01, 0x12, 0x04, 0x1a, 0x02, 0x08, 0x07],
            EnvelopeError::WrongType("Envelope"),
        ),
        (
            vec![0x08, 0x01, 0x12, 0x04, 0x1a, 0x02, 0x08, 0x06],
            EnvelopeError::Missing("Envelope.timestamp"),
        ),
        (
            vec![0x08, 0x01, 0x12, 0x06, 0x1a, 0x04, 0x08, 0x06, 0x28, 0x01],
            EnvelopeError::Missing("Envelope.content"),
        ),
        (
            vec![0x08, 0x01, 0x12, 0x03, 0x1a, 0x01, 0x08],
            EnvelopeError::Malformed("Envelope"),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(open_1o1(&bob, &bytes).unwrap_err(), want, "{bytes:02x?}");
    }
    assert!(matches!(
        open_1o1(&alice, &good).unwrap_err(),
        EnvelopeError::Decrypt(DecryptError::Decrypt)
    ));
    for cut in [1, good.len() / 2, good.len() - 1] {
        assert!(open_1o1(&bob, &good[..cut]).is_err(), "truncated at {cut}");
    }
}

#[test]
fn blinded_dms_both_schemes_both_directions() {
    let (alice, bob, eve) = (
        Identity::from_seed(&[1; 32]),
        Identity::from_seed(&[2; 32]),
        Identity::from_seed(&[3; 32]),
    );
    let server = [0x1d; 32];
    for scheme in [Blinding::Blind15, Blinding::Blind25] {
        let a_id = alice.blinded_keypair(scheme, &server).unwrap().id();
        let b_id = bob.blinded_keypair(scheme, &server).unwrap().id();
        let ct = seal_blinded_dm(&alice, &b_id, &server, b"psst", &mut rng(6)).unwrap();
        assert_eq!(ct[0], 0);
        for reader in [&bob, &alice] {
            let got = open_blinded_dm(reader, &a_id, &b_id, &server, &ct).unwrap();
            assert_eq!(
                (&got.message[..], got.sender),
                (&b"psst"[..], alice.session_id()),
                "{scheme:?}"
            );
        }
        assert_eq!(
            open_blinded_dm(&eve, &a_id, &b_id, &server, &ct).unwrap_err(),
            BlindedDmError::NotParticipant
        );
        // The server claims another sender: the key inside does not match.
        let e_id = eve.blinded_keypair(scheme, &server).unwrap().id();
        assert!(matches!(
            open_blinded_dm(&bob, &e_id, &b_id, &server, &ct).unwrap_err(),
            BlindedDmError::Decrypt | BlindedDmError::SenderMismatch
        ));
        let mut bad = ct.clone();
        bad[0] = 1;
        assert_eq!(
            open_blinded_dm(&bob, &a_id, &b_id, &server, &bad).unwrap_err(),
            BlindedDmError::Malformed
        );
        assert_eq!(
            open_blinded_dm(&bob, &a_id, &b_id, &server, &ct[..72]).unwrap_err(),
            BlindedDmError::Malformed
        );
        for i in 1..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 1;
            assert_eq!(
                open_blinded_dm(&bob, &a_id, &b_id, &server, &bad).unwrap_err(),
                BlindedDmError::Decrypt,
                "byte {i}"
            );
        }
        // Wrong server key: different blinded ids, so the reader is not a participant.
        assert!(open_blinded_dm(&bob, &a_id, &b_id, &[0x1e; 32], &ct).is_err());
    }
    let std = alice.session_id();
    assert_eq!(
        seal_blinded_dm(&alice, &std, &server, b"", &mut rng(0)).unwrap_err(),
        BlindedDmError::NotBlinded
    );
}

#[test]
fn multi_encrypt_simple_encoding() {
    let sender = Identity::from_seed(&[1; 32]);
    let rcpts: Vec<Identity> = (2..6u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let nonce = [7u8; 24];
    let copies: Vec<Vec<u8>> = rcpts
        .iter()
        .map(|r| multi::seal_for(&sender, &r.x25519_public(), b"dom", &nonce, b"key!").unwrap())
        .collect();
    let encoded = multi::encode_simple(&nonce, &copies);
    for r in &rcpts {
        assert_eq!(
            &multi::open_simple(r, &sender.x25519_public(), b"dom", &encoded).unwrap()[..],
            b"key!"
        );
    }
    let outsider = Identity::from_seed(&[9; 32]);
    assert_eq!(
        multi::open_simple(&outsider, &sender.x25519_public(), b"dom", &encoded),
        Err(multi::MultiError::Decrypt)
    );
    assert_eq!(
        multi::open_simple(&rcpts[0], &sender.x25519_public(), b"dom", b"de"),
        Err(multi::MultiError::Decrypt)
    );
}

#[test]
fn content_types_round_trip_keep_raw_submessages_and_check_required_fields() {
    use session_protocol::envelope::content::{AttachmentPointer, DataMessage, TypingMessage};
    use session_protocol::envelope::{Content, ContentError};
    let c = Content::text("hi", 1_700_000_000_000);
    let bytes = c.to_bytes();
    assert_eq!(Content::from_bytes(&bytes).unwrap(), c);
    // Explicitly set empty strings are emitted: DataMessage { body: "" } = 0a 02 0a 00.
    let empty = Content {
        data_message: Some(DataMessage {
            body: Some(String::new()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(empty.to_bytes(), [0x0a, 0x02, 0x0a, 0x00]);
    // A quote (field 8, a message this crate keeps raw) survives decode and re-encode.
    let with_quote = [0x0a, 0x06, 0x42, 0x04, 0x08, 0x07, 0x12, 0x00];
    let parsed = Content::from_bytes(&with_quote).unwrap();
    assert_eq!(
        parsed.data_message.as_ref().unwrap().quote.as_deref(),
        Some(&[0x08, 0x07, 0x12, 0x00][..])
    );
    assert_eq!(parsed.to_bytes(), with_quote);
    // Required fields.
    let typing = Content {
        typing_message: Some(TypingMessage {
            timestamp: Some(1),
            action: None,
        }),
        ..Default::default()
    };
    assert_eq!(
        Content::from_bytes(&typing.to_bytes()),
        Err(ContentError::Missing("TypingMessage.action"))
    );
    let attach = Content {
        data_message: Some(DataMessage {
            attachments: vec![AttachmentPointer::default()],
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        Content::from_bytes(&attach.to_bytes()),
        Err(ContentError::Missing("AttachmentPointer.id"))
    );
    assert_eq!(
        Content::from_bytes(&[0x0a, 0x05, 0x00]),
        Err(ContentError::Malformed)
    );
    // End to end through an envelope.
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        &c.to_bytes(),
        1_700_000_000_000,
        ProSignature::Omit,
        &mut rng(9),
    )
    .unwrap();
    let msg = open_1o1(&bob, &stored).unwrap();
    let back = Content::from_bytes(&msg.content).unwrap();
    assert_eq!(back.data_message.unwrap().body.as_deref(), Some("hi"));
    assert_eq!(back.sig_timestamp, Some(msg.timestamp_ms));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn encrypt_decrypt_round_trips(seed in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let (alice, bob) = (Identity::from_seed(&seed), Identity::from_seed(&[2; 32]));
        let ct = seal_for_recipient(&alice, &bob.session_id(), &msg, &mut ChaCha20Rng::from_seed(seed)).unwrap();
        let got = open_incoming(&bob, &ct).unwrap();
        prop_assert_eq!(&got.message[..], &msg[..]);
        prop_assert_eq!(got.sender().unwrap(), alice.session_id());
    }

    #[test]
    fn encode_decode_round_trips(seed in any::<[u8; 32]>(), content in proptest::collection::vec(any::<u8>(), 0..1200), ts in any::<u64>()) {
        let (alice, bob) = (Identity::from_seed(&seed), Identity::from_seed(&[2; 32]));
        let stored = seal_1o1(&alice, &bob.session_id(), &content, ts, ProSignature::Decoy, &mut ChaCha20Rng::from_seed(seed)).unwrap();
        let msg = open_1o1(&bob, &stored).unwrap();
        prop_assert_eq!(&msg.content[..], &content[..]);
        prop_assert_eq!(msg.timestamp_ms, ts);
    }

    #[test]
    fn blinded_round_trips(seed in any::<[u8; 32]>(), server in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..500), b25 in any::<bool>()) {
        let scheme = if b25 { Blinding::Blind25 } else { Blinding::Blind15 };
        let (alice, bob) = (Identity::from_seed(&seed), Identity::from_seed(&[2; 32]));
        let a_id = alice.blinded_keypair(scheme, &server).unwrap().id();
        let b_id = bob.blinded_keypair(scheme, &server).unwrap().id();
        let ct = seal_blinded_dm(&alice, &b_id, &server, &msg, &mut ChaCha20Rng::from_seed(seed)).unwrap();
        let got = open_blinded_dm(&bob, &a_id, &b_id, &server, &ct).unwrap();
        prop_assert_eq!(&got.message[..], &msg[..]);
        prop_assert_eq!(got.sender, alice.session_id());
    }

    #[test]
    fn pad_unpad(content in proptest::collection::vec(any::<u8>(), 0..1000)) {
        let p = pad(&content);
        prop_assert_eq!(p.len() % 160, 0);
        prop_assert_eq!(unpad(&p), &content[..]);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let bob = Identity::from_seed(&[2; 32]);
        let _ = open_1o1(&bob, &bytes);
        let _ = open_incoming(&bob, &bytes);
        let id = SessionId::new(IdPrefix::Blinded25, [9; 32]);
        let _ = open_blinded_dm(&bob, &id, &id, &[1; 32], &bytes);
        let _ = unpad(&bytes);
    }
}

#[test]
fn blinded_fuzz_seeds_get_past_the_authentication() {
    use session_protocol::envelope::seal_blinded_dm_raw;
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let server = [0x1d; 32];
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus/blinded_decrypt");
    // As the blinded_decrypt target: bit 0 picks the scheme, bit 1 the reader.
    let open = |name: &str| {
        let seed = std::fs::read(dir.join(name)).unwrap();
        let scheme = if seed[0] & 1 == 0 {
            Blinding::Blind15
        } else {
            Blinding::Blind25
        };
        let reader = if seed[0] & 2 == 0 { &bob } else { &alice };
        let a = alice.blinded_keypair(scheme, &server).unwrap().id();
        let b = bob.blinded_keypair(scheme, &server).unwrap().id();
        let ct = seal_blinded_dm_raw(&alice, &b, &server, &seed[1..], &mut rng(seed[0])).unwrap();
        open_blinded_dm(reader, &a, &b, &server, &ct)
    };
    for name in ["b15_to_bob", "b25_outbox"] {
        let m = open(name).unwrap();
        assert_eq!(
            (&m.message[..], m.sender),
            (&b"psst"[..], alice.session_id())
        );
    }
    assert_eq!(
        open("b25_small_order_sender").unwrap_err(),
        BlindedDmError::SenderMismatch
    );
    assert_eq!(
        open("b15_short_inner").unwrap_err(),
        BlindedDmError::Malformed
    );
}

#[path = "common/torsion.rs"]
mod torsion;

#[test]
fn torsioned_and_non_canonical_sender_keys_through_decrypt_incoming() {
    use session_protocol::envelope::seal_for_recipient_raw;
    let bob = Identity::from_seed(&[2; 32]);
    let signed_for_bob = |pk: &[u8; 32]| [&b"m"[..], pk, bob.x25519_public().as_bytes()].concat();
    // Mixed order: the signature verifies (libsodium accepts torsion here), the key has no
    // X25519 form in the prime-order subgroup, so there is no Session ID: InvalidSender.
    let (a, pk) = torsion::mixed_order_key(4);
    let sig = torsion::sign(&a, &pk, &signed_for_bob(&pk));
    assert!(
        ed25519_dalek::VerifyingKey::from_bytes(&pk)
            .unwrap()
            .verify_strict(
                &signed_for_bob(&pk),
                &ed25519_dalek::Signature::from_bytes(&sig)
            )
            .is_ok()
    );
    let ct = seal_for_recipient_raw(
        &bob.x25519_public(),
        &[&b"m"[..], &pk, &sig].concat(),
        &mut rng(7),
    )
    .unwrap();
    // The message opens and its signature verifies; the Session ID is what does not exist.
    let got = open_incoming(&bob, &ct).unwrap();
    assert_eq!(got.sender_ed25519.to_bytes(), pk);
    assert_eq!(got.sender().unwrap_err(), DecryptError::InvalidSender);
    // Non-canonical encoding (y >= p): refused by the verification, as libsodium refuses it.
    let nc = torsion::non_canonical_key();
    let ct = seal_for_recipient_raw(
        &bob.x25519_public(),
        &[&b"m"[..], &nc, &[9; 64]].concat(),
        &mut rng(7),
    )
    .unwrap();
    assert_eq!(
        open_incoming(&bob, &ct).unwrap_err(),
        DecryptError::BadSignature
    );
}

#[test]
fn decode_envelope_tolerates_a_non_empty_source_and_ignores_it() {
    fn varint(out: &mut Vec<u8>, mut n: usize) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    fn field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
        out.push(tag);
        varint(out, bytes.len());
        out.extend_from_slice(bytes);
    }
    let (alice, bob, eve) = (
        Identity::from_seed(&[1; 32]),
        Identity::from_seed(&[2; 32]),
        Identity::from_seed(&[3; 32]),
    );
    let ct = seal_for_recipient(&alice, &bob.session_id(), &pad(b"\x0a\x00"), &mut rng(8)).unwrap();
    for source in [String::new(), eve.session_id().to_string()] {
        let mut env = vec![0x08, 0x06];
        field(&mut env, 0x12, source.as_bytes()); // source (2): empty, or someone else
        env.extend_from_slice(&[0x28, 0x05, 0x38, 0x01]);
        field(&mut env, 0x42, &ct);
        let mut req = Vec::new();
        field(&mut req, 0x0a, b"PUT");
        field(&mut req, 0x12, b"/api/v1/message");
        field(&mut req, 0x1a, &env);
        req.extend_from_slice(&[0x20, 0x2a]);
        let mut ws = vec![0x08, 0x01];
        field(&mut ws, 0x12, &req);
        let msg = open_1o1(&bob, &ws).unwrap();
        assert_eq!(
            (msg.sender, msg.timestamp_ms, &msg.content[..]),
            (alice.session_id(), 5, &b"\x0a\x00"[..]),
            "source {source:?}"
        );
    }
}

#[test]
fn multi_decrypt_simple_with_many_hostile_copies() {
    let sender = Identity::from_seed(&[1; 32]);
    let bob = Identity::from_seed(&[2; 32]);
    let nonce = [3u8; 24];
    let real = multi::seal_for(&sender, &bob.x25519_public(), b"d", &nonce, b"secret").unwrap();
    // 76 800 bytes of the smallest entries: 4 000 tag-sized junk copies ("16:" + 16 bytes),
    // shorter-than-tag copies, and non-string entries, the real copy last.
    let mut encoded = b"d1:#24:".to_vec();
    encoded.extend_from_slice(&nonce);
    encoded.extend_from_slice(b"1:el");
    for i in 0..4000u32 {
        encoded.extend_from_slice(b"16:");
        encoded.extend_from_slice(&[i as u8; 16]);
    }
    for _ in 0..500 {
        encoded.extend_from_slice(b"3:abci7eli1ee");
    }
    encoded.extend_from_slice(format!("{}:", real.len()).as_bytes());
    encoded.extend_from_slice(&real);
    encoded.extend_from_slice(b"ee");
    assert!(encoded.len() > 76_800);
    assert_eq!(
        &multi::open_simple(&bob, &sender.x25519_public(), b"d", &encoded).unwrap()[..],
        b"secret"
    );
    // Without the real copy nothing opens, for any reader.
    let junk_only = [&encoded[..encoded.len() - real.len() - 5], b"ee"].concat();
    assert_eq!(
        multi::open_simple(&bob, &sender.x25519_public(), b"d", &junk_only),
        Err(multi::MultiError::Decrypt)
    );
    // A small-order sender key is refused once, not per copy.
    assert_eq!(
        multi::open_simple(&bob, &X25519Public::from_bytes([0; 32]), b"d", &encoded),
        Err(multi::MultiError::Decrypt)
    );
    assert_eq!(
        multi::open_from(
            &bob,
            &X25519Public::from_bytes([0; 32]),
            b"d",
            &nonce,
            &real
        ),
        Err(multi::MultiError::InvalidKey)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn deterministic_encryption_round_trips_and_repeats(seed in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..800), other in any::<u8>()) {
        let (alice, bob) = (Identity::from_seed(&seed), Identity::from_seed(&[2; 32]));
        let ct = seal_for_recipient_deterministic(&alice, &bob.session_id(), &msg).unwrap();
        prop_assert_eq!(ct.len(), msg.len() + DM_OVERHEAD);
        prop_assert_eq!(&ct, &seal_for_recipient_deterministic(&alice, &bob.session_id(), &msg).unwrap());
        let got = open_incoming(&bob, &ct).unwrap();
        prop_assert_eq!(&got.message[..], &msg[..]);
        prop_assert_eq!(got.sender().unwrap(), alice.session_id());
        let changed = [&msg[..], &[other]].concat();
        prop_assert_ne!(&ct[..32], &seal_for_recipient_deterministic(&alice, &bob.session_id(), &changed).unwrap()[..32]);
    }

    #[test]
    fn multi_round_trips(seed in any::<u8>(), n in 1u8..6, msg in proptest::collection::vec(any::<u8>(), 0..200), domain in proptest::collection::vec(any::<u8>(), 0..80), nonce in any::<[u8; 24]>(), pad_to in 0usize..5) {
        let sender = Identity::from_seed(&[seed; 32]);
        let rcpts: Vec<Identity> = (0..n).map(|i| Identity::from_seed(&[seed ^ (i + 1); 32])).collect();
        let copies: Vec<Vec<u8>> = rcpts.iter().map(|r| multi::seal_for(&sender, &r.x25519_public(), &domain, &nonce, &msg).unwrap()).collect();
        for (r, c) in rcpts.iter().zip(&copies) {
            prop_assert_eq!(c.len(), msg.len() + 16);
            prop_assert_eq!(&multi::open_from(r, &sender.x25519_public(), &domain, &nonce, c).unwrap()[..], &msg[..]);
        }
        let plain = multi::encode_simple(&nonce, &copies);
        let padded = multi::encode_simple_padded(&nonce, &copies, pad_to, &mut ChaCha20Rng::from_seed([seed; 32]));
        for encoded in [&plain, &padded] {
            for r in &rcpts {
                prop_assert_eq!(&multi::open_simple(r, &sender.x25519_public(), &domain, encoded).unwrap()[..], &msg[..]);
            }
            // seed ^ 0x80 is neither the sender's seed nor any recipient's (seed ^ 1..=5).
            let outsider = Identity::from_seed(&[seed ^ 0x80; 32]);
            prop_assert_eq!(multi::open_simple(&outsider, &sender.x25519_public(), &domain, encoded), Err(multi::MultiError::Decrypt));
        }
        // Padding: entries a multiple of pad (when there is junk to add), each junk entry the
        // first message's length.
        let entries = copies.len() + (padded.len() - plain.len()) / (msg.len() + format!("{}:", msg.len()).len()).max(1);
        if pad_to > 1 && !msg.is_empty() {
            prop_assert_eq!(entries % pad_to, 0);
        } else {
            prop_assert_eq!(&padded, &plain);
        }
    }

    #[test]
    fn blinded_dms_open_from_the_outbox(seed in any::<[u8; 32]>(), server in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (alice, bob) = (Identity::from_seed(&seed), Identity::from_seed(&[2; 32]));
        for scheme in [Blinding::Blind15, Blinding::Blind25] {
            let a_id = alice.blinded_keypair(scheme, &server).unwrap().id();
            let b_id = bob.blinded_keypair(scheme, &server).unwrap().id();
            let ct = seal_blinded_dm(&alice, &b_id, &server, &msg, &mut ChaCha20Rng::from_seed(seed)).unwrap();
            for reader in [&alice, &bob] {
                let got = open_blinded_dm(reader, &a_id, &b_id, &server, &ct).unwrap();
                prop_assert_eq!(&got.message[..], &msg[..]);
                prop_assert_eq!(got.sender, alice.session_id());
                prop_assert_eq!(got.sender_ed25519, alice.ed25519_public());
            }
        }
    }
}

#[test]
fn small_order_and_foreign_sender_keys_inside_blinded_dms() {
    use session_protocol::envelope::seal_blinded_dm_raw;
    let (alice, bob, eve) = (
        Identity::from_seed(&[1; 32]),
        Identity::from_seed(&[2; 32]),
        Identity::from_seed(&[3; 32]),
    );
    let server = [0x1d; 32];
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let order_two = curve25519_dalek::constants::EIGHT_TORSION[4]
        .compress()
        .to_bytes();
    let (_, torsioned) = torsion::mixed_order_key(5);
    for scheme in [Blinding::Blind15, Blinding::Blind25] {
        let a_id = alice.blinded_keypair(scheme, &server).unwrap().id();
        let b_id = bob.blinded_keypair(scheme, &server).unwrap().id();
        for key in [
            identity,
            order_two,
            torsioned,
            eve.ed25519_public().to_bytes(),
            [0xff; 32],
        ] {
            let ct = seal_blinded_dm_raw(
                &alice,
                &b_id,
                &server,
                &[&b"m"[..], &key].concat(),
                &mut rng(1),
            )
            .unwrap();
            for reader in [&bob, &alice] {
                assert_eq!(
                    open_blinded_dm(reader, &a_id, &b_id, &server, &ct).unwrap_err(),
                    BlindedDmError::SenderMismatch,
                    "{scheme:?} {key:02x?}"
                );
            }
        }
    }
}

#[test]
fn legacy_raw_fields_survive_and_unknown_fields_are_dropped() {
    use session_protocol::envelope::Content;
    // Content { configurationMessage (7) = raw 08 01, dataMessage (1) { closedGroupControlMessage
    // (104) = raw 08 02 } } in ascending order.
    let bytes = [
        0x0a, 0x05, 0xc2, 0x06, 0x02, 0x08, 0x02, // dataMessage { 104: 08 02 }
        0x3a, 0x02, 0x08, 0x01, // configurationMessage: 08 01
    ];
    let c = Content::from_bytes(&bytes).unwrap();
    assert_eq!(c.configuration_message.as_deref(), Some(&[0x08, 0x01][..]));
    assert_eq!(
        c.data_message
            .as_ref()
            .unwrap()
            .closed_group_control_message
            .as_deref(),
        Some(&[0x08, 0x02][..])
    );
    assert_eq!(c.to_bytes(), bytes);
    // An undeclared tag (14, varint) is dropped on re-encoding, as the module docs say.
    let with_unknown = [&bytes[..], &[0x70, 0x01]].concat();
    assert_eq!(
        Content::from_bytes(&with_unknown).unwrap().to_bytes(),
        bytes
    );
    // sigTimestamp is exposed for the caller's check against the envelope timestamp.
    let text = Content::text("x", 7);
    assert_eq!(text.sig_timestamp_matches(7), Some(true));
    assert_eq!(text.sig_timestamp_matches(8), Some(false));
    assert_eq!(Content::default().sig_timestamp_matches(7), None);
}

// ---------------------------------------------------------------------------------------------
// The shared error core, decode_stored, the `_into` writers, ONS keys, redacted Debug output.

use session_protocol::envelope::{
    Decoded, EnvelopeType, ErrorKind, GroupError, SmallFormatError, StoredContext, StoredError,
    decode_stored, ons_key, open_group_message, open_ons_response, open_ons_response_with_key,
    seal_1o1_into, seal_group_message,
};
use session_protocol::storage::Namespace;
use session_protocol::{Ed25519Public as GroupPk, SymmetricKey};

#[test]
fn every_error_variant_has_its_kind() {
    use session_protocol::envelope::ContentError;
    use session_protocol::envelope::multi::MultiError;
    let cases: Vec<(ErrorKind, ErrorKind)> = vec![
        (
            EncryptError::NotStandardId.kind(),
            ErrorKind::InvalidArgument,
        ),
        (
            EncryptError::InvalidRecipient.kind(),
            ErrorKind::InvalidArgument,
        ),
        (EncryptError::TooLarge.kind(), ErrorKind::TooLarge),
        (DecryptError::TooShort.kind(), ErrorKind::Malformed),
        (DecryptError::Decrypt.kind(), ErrorKind::Decrypt),
        (DecryptError::BadSignature.kind(), ErrorKind::BadSignature),
        (DecryptError::InvalidSender.kind(), ErrorKind::InvalidSender),
        (EnvelopeError::Malformed("x").kind(), ErrorKind::Malformed),
        (EnvelopeError::Missing("x").kind(), ErrorKind::Malformed),
        (EnvelopeError::WrongType("x").kind(), ErrorKind::WrongType),
        (
            EnvelopeError::Decrypt(DecryptError::BadSignature).kind(),
            ErrorKind::BadSignature,
        ),
        (GroupError::TooLarge.kind(), ErrorKind::TooLarge),
        (GroupError::TooShort.kind(), ErrorKind::Malformed),
        (GroupError::Decrypt.kind(), ErrorKind::Decrypt),
        (GroupError::Malformed("x").kind(), ErrorKind::Malformed),
        (GroupError::BadSignature.kind(), ErrorKind::BadSignature),
        (GroupError::InvalidSender.kind(), ErrorKind::InvalidSender),
        (
            BlindedDmError::NotBlinded.kind(),
            ErrorKind::InvalidArgument,
        ),
        (
            BlindedDmError::NotParticipant.kind(),
            ErrorKind::InvalidArgument,
        ),
        (
            BlindedDmError::InvalidKey.kind(),
            ErrorKind::InvalidArgument,
        ),
        (BlindedDmError::Malformed.kind(), ErrorKind::Malformed),
        (BlindedDmError::Decrypt.kind(), ErrorKind::Decrypt),
        (
            BlindedDmError::SenderMismatch.kind(),
            ErrorKind::InvalidSender,
        ),
        (SmallFormatError::TooShort.kind(), ErrorKind::Malformed),
        (SmallFormatError::Decrypt.kind(), ErrorKind::Decrypt),
        (SmallFormatError::NotSessionId.kind(), ErrorKind::Malformed),
        (MultiError::InvalidKey.kind(), ErrorKind::InvalidArgument),
        (MultiError::Decrypt.kind(), ErrorKind::Decrypt),
        (ContentError::Malformed.kind(), ErrorKind::Malformed),
        (ContentError::Missing("x").kind(), ErrorKind::Malformed),
        (
            StoredError::GroupMessage(GroupError::Decrypt).kind(),
            ErrorKind::Decrypt,
        ),
        (
            StoredError::from(BlindedDmError::SenderMismatch).kind(),
            ErrorKind::InvalidSender,
        ),
    ];
    for (i, (got, want)) in cases.into_iter().enumerate() {
        assert_eq!(got, want, "case {i}");
    }
    // From, by value and by reference, and Display without payloads.
    assert_eq!(ErrorKind::from(GroupError::TooLarge), ErrorKind::TooLarge);
    assert_eq!(ErrorKind::from(&DecryptError::Decrypt), ErrorKind::Decrypt);
    assert_eq!(
        ErrorKind::from(StoredError::OneToOne(EnvelopeError::WrongType("Envelope"))),
        ErrorKind::WrongType
    );
    assert_eq!(ErrorKind::BadSignature.to_string(), "bad signature");
    assert_eq!(
        StoredError::from(GroupError::Decrypt).to_string(),
        GroupError::Decrypt.to_string()
    );
}

#[test]
fn envelope_types_and_namespaces() {
    assert_eq!(EnvelopeType::OneToOne.namespace(), Some(Namespace::DEFAULT));
    assert_eq!(
        EnvelopeType::GroupMessage.namespace(),
        Some(Namespace::GROUP_MESSAGES)
    );
    assert_eq!(EnvelopeType::BlindedDm.namespace(), None);
    for t in [EnvelopeType::OneToOne, EnvelopeType::GroupMessage] {
        assert_eq!(
            EnvelopeType::from_namespace(t.namespace().unwrap()),
            Some(t)
        );
    }
    for ns in [Namespace::CONTACTS, Namespace::GROUP_KEYS, Namespace(-10)] {
        assert_eq!(EnvelopeType::from_namespace(ns), None, "{ns}");
    }
    assert_eq!(EnvelopeType::BlindedDm.to_string(), "blinded DM");
}

#[test]
fn decode_stored_dispatches_each_type_and_refuses_the_wrong_one() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let mut r = rng(40);
    // 1:1.
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        b"\x0a\x00",
        9,
        ProSignature::Omit,
        &mut r,
    )
    .unwrap();
    let one = StoredContext::OneToOne { me: &bob };
    assert_eq!(one.envelope_type(), EnvelopeType::OneToOne);
    let d = decode_stored(&one, &stored).unwrap();
    assert_eq!(d.envelope_type(), EnvelopeType::OneToOne);
    assert_eq!(
        (d.sender(), d.sender_ed25519(), d.payload()),
        (
            &alice.session_id(),
            &alice.ed25519_public(),
            &b"\x0a\x00"[..]
        )
    );
    assert!(matches!(d, Decoded::OneToOne(ref m) if m.timestamp_ms == 9));
    // Group.
    let group = GroupPk::from_bytes([0x21; 32]);
    let keys = [SymmetricKey::from_bytes([5; 32])];
    let wire = seal_group_message(
        &alice,
        &group,
        &keys[0],
        b"g",
        10,
        ProSignature::Omit,
        &mut r,
    )
    .unwrap();
    let grp = StoredContext::GroupMessage {
        keys: &keys,
        group: &group,
    };
    let d = decode_stored(&grp, &wire).unwrap();
    assert_eq!(d.envelope_type(), EnvelopeType::GroupMessage);
    assert_eq!((d.sender(), d.payload()), (&alice.session_id(), &b"g"[..]));
    // Blinded.
    let server = [0x1d; 32];
    let a = alice
        .blinded_keypair(Blinding::Blind25, &server)
        .unwrap()
        .id();
    let b = bob
        .blinded_keypair(Blinding::Blind25, &server)
        .unwrap()
        .id();
    let dm = seal_blinded_dm(&alice, &b, &server, b"psst", &mut r).unwrap();
    let bl = StoredContext::BlindedDm {
        me: &bob,
        sender: &a,
        recipient: &b,
        server: &server,
    };
    assert_eq!(bl.envelope_type().namespace(), None);
    let d = decode_stored(&bl, &dm).unwrap();
    assert_eq!(d.envelope_type(), EnvelopeType::BlindedDm);
    assert_eq!(
        (d.sender(), d.payload()),
        (&alice.session_id(), &b"psst"[..])
    );

    // Wrong types: each context on the others' bytes.
    let err = |ctx: &StoredContext<'_>, bytes: &[u8]| decode_stored(ctx, bytes).unwrap_err();
    assert_eq!(
        err(&one, &wire),
        StoredError::OneToOne(EnvelopeError::Malformed("WebSocketMessage"))
    );
    assert_eq!(err(&one, &dm).kind(), ErrorKind::Malformed);
    assert_eq!(
        err(&grp, &stored),
        StoredError::GroupMessage(GroupError::Decrypt)
    );
    assert_eq!(
        err(&grp, &dm),
        StoredError::GroupMessage(GroupError::Decrypt)
    );
    assert_eq!(err(&bl, &stored).kind(), ErrorKind::Malformed);
    assert_eq!(err(&bl, &wire).kind(), ErrorKind::Malformed);
    // A well-formed closed-group Envelope inside a WebSocketMessage: the type is wrong.
    let closed_group = [
        &[0x08, 0x01, 0x12, 0x08, 0x1a, 0x06][..],
        &[0x08, 0x07, 0x28, 0x01, 0x42, 0x00],
    ]
    .concat();
    assert_eq!(
        err(&one, &closed_group),
        StoredError::OneToOne(EnvelopeError::WrongType("Envelope"))
    );
    assert_eq!(err(&one, &closed_group).kind(), ErrorKind::WrongType);
}

#[test]
fn seal_1o1_into_appends_and_leaves_the_buffer_alone_on_error() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let mut out = b"prefix".to_vec();
    seal_1o1_into(
        &mut out,
        &alice,
        &bob.session_id(),
        b"a",
        1,
        ProSignature::Omit,
        &mut rng(41),
    )
    .unwrap();
    let first = out.len();
    let alone = seal_1o1(
        &alice,
        &bob.session_id(),
        b"a",
        1,
        ProSignature::Omit,
        &mut rng(41),
    )
    .unwrap();
    assert_eq!(&out[..6], b"prefix");
    assert_eq!(&out[6..], &alone[..], "same draws, same bytes");
    seal_1o1_into(
        &mut out,
        &alice,
        &bob.session_id(),
        b"b",
        2,
        ProSignature::Omit,
        &mut rng(42),
    )
    .unwrap();
    assert_eq!(open_1o1(&bob, &out[first..]).unwrap().timestamp_ms, 2);
    let before = out.clone();
    let group_id = SessionId::new(IdPrefix::Group, [9; 32]);
    assert_eq!(
        seal_1o1_into(
            &mut out,
            &alice,
            &group_id,
            b"c",
            3,
            ProSignature::Omit,
            &mut rng(43)
        ),
        Err(EncryptError::NotStandardId)
    );
    assert_eq!(out, before);
}

#[test]
fn ons_answers_with_the_key_or_the_name() {
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    let name = "session.loki";
    let key = ons_key(name);
    assert_ne!(key, ons_key("other"));
    let nonce = [3u8; 24];
    let seal = |plain: &[u8]| {
        let mut buf = plain.to_vec();
        let tag = chacha20poly1305::XChaCha20Poly1305::new(key.as_bytes().into())
            .encrypt_inout_detached(&nonce.into(), &[], buf.as_mut_slice().into())
            .unwrap();
        [&buf[..], tag.as_slice()].concat()
    };
    let id = Identity::from_seed(&[4; 32]).session_id();
    let ct = seal(&id.to_bytes());
    assert_eq!(open_ons_response(name, &ct, &nonce), Ok(id));
    assert_eq!(open_ons_response_with_key(&key, &ct, &nonce), Ok(id));
    assert_eq!(
        open_ons_response_with_key(&ons_key("other"), &ct, &nonce),
        Err(SmallFormatError::Decrypt)
    );
    assert_eq!(
        open_ons_response_with_key(&key, &ct[..15], &nonce),
        Err(SmallFormatError::TooShort)
    );
    assert_eq!(
        open_ons_response(name, &seal(b"not a session id"), &nonce),
        Err(SmallFormatError::NotSessionId)
    );
    assert_eq!(
        open_ons_response(name, &ct, &[4; 24]),
        Err(SmallFormatError::Decrypt)
    );
}

#[test]
fn simple_encoding_public_codec() {
    use session_protocol::envelope::multi::{MultiError, SimpleEncoding};
    let sender = Identity::from_seed(&[1; 32]);
    let bob = Identity::from_seed(&[2; 32]);
    let nonce = [8u8; 24];
    let copy = multi::seal_for(&sender, &bob.x25519_public(), b"d", &nonce, b"k").unwrap();
    let mut out = b"x".to_vec();
    SimpleEncoding::encode_into(&mut out, &nonce, &[&copy[..], b"junk"]);
    assert_eq!(
        &out[1..],
        &multi::encode_simple(&nonce, &[copy.clone(), b"junk".to_vec()])[..]
    );
    let decoded = SimpleEncoding::decode(&out[1..]).unwrap();
    assert_eq!(decoded.nonce(), &nonce);
    assert_eq!(decoded.copies().count(), 2);
    assert_eq!(
        &decoded.open(&bob, &sender.x25519_public(), b"d").unwrap()[..],
        b"k"
    );
    assert_eq!(
        decoded.open(&bob, &sender.x25519_public(), b"other domain"),
        Err(MultiError::Decrypt)
    );
    assert_eq!(
        SimpleEncoding::decode(&out),
        Err(MultiError::Decrypt),
        "bytes before the dictionary"
    );
}

#[test]
fn decrypted_messages_print_no_content() {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let secret = b"SECRET-CONTENT-SECRET";
    let secret_hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let check = |dbg: String, name: &str| {
        assert!(dbg.starts_with(name), "{dbg}");
        assert!(dbg.contains(".."), "non-exhaustive marker: {dbg}");
        assert!(!dbg.contains("SECRET"), "{dbg}");
        assert!(!dbg.contains(&secret_hex), "{dbg}");
        assert!(!dbg.contains("83, 69, 67"), "{dbg}"); // b"SEC" as decimal bytes
    };
    let ct = seal_for_recipient(&alice, &bob.session_id(), secret, &mut rng(50)).unwrap();
    check(
        format!("{:?}", open_incoming(&bob, &ct).unwrap()),
        "Incoming",
    );
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        secret,
        1,
        ProSignature::Omit,
        &mut rng(51),
    )
    .unwrap();
    check(format!("{:?}", open_1o1(&bob, &stored).unwrap()), "Message");
    let d = decode_stored(&StoredContext::OneToOne { me: &bob }, &stored).unwrap();
    check(format!("{d:?}"), "OneToOne(Message");
    let group = GroupPk::from_bytes([0x21; 32]);
    let key = SymmetricKey::from_bytes([0x4b; 32]);
    let wire = seal_group_message(
        &alice,
        &group,
        &key,
        secret,
        1,
        ProSignature::Omit,
        &mut rng(52),
    )
    .unwrap();
    check(
        format!(
            "{:?}",
            open_group_message(std::slice::from_ref(&key), &group, &wire).unwrap()
        ),
        "GroupMessage",
    );
    let server = [0x1d; 32];
    let a = alice
        .blinded_keypair(Blinding::Blind15, &server)
        .unwrap()
        .id();
    let b = bob
        .blinded_keypair(Blinding::Blind15, &server)
        .unwrap()
        .id();
    let dm = seal_blinded_dm(&alice, &b, &server, secret, &mut rng(53)).unwrap();
    check(
        format!("{:?}", open_blinded_dm(&bob, &a, &b, &server, &dm).unwrap()),
        "BlindedIncoming",
    );
    // A context holding a group key prints the key's redaction marker, never its bytes.
    let keys = [key];
    let ctx = format!(
        "{:?}",
        StoredContext::GroupMessage {
            keys: &keys,
            group: &group
        }
    );
    assert!(ctx.contains("SymmetricKey(<redacted>)"), "{ctx}");
    assert!(!ctx.contains(&"4b".repeat(32)), "{ctx}");
    assert!(!ctx.contains("75, 75"), "{ctx}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn decode_stored_never_panics_and_errors_have_kinds(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let bob = Identity::from_seed(&[2; 32]);
        let group = GroupPk::from_bytes([0x21; 32]);
        let keys = [SymmetricKey::from_bytes([5; 32])];
        let id = SessionId::new(IdPrefix::Blinded25, [9; 32]);
        for ctx in [
            StoredContext::OneToOne { me: &bob },
            StoredContext::GroupMessage { keys: &keys, group: &group },
            StoredContext::BlindedDm { me: &bob, sender: &id, recipient: &id, server: &[1; 32] },
        ] {
            if let Err(e) = decode_stored(&ctx, &bytes) {
                // Random bytes never get past authentication.
                prop_assert!(matches!(
                    e.kind(),
                    ErrorKind::Malformed | ErrorKind::WrongType | ErrorKind::Decrypt | ErrorKind::InvalidArgument
                ), "{e:?}");
            }
        }
    }
}
