//! Replays `fuzz/corpus/<target>/*` and `fuzz/regressions/<target>/*` through the entry points
//! each fuzz target exercises, asserting the same invariants without a fuzzing engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{
    decode_envelope, decrypt_blinded_dm, decrypt_group_message, decrypt_incoming, seal_to,
};
use session_protocol::identity::mnemonic::decode_words;
use session_protocol::onion::{
    HopCipher, HopDraw, NodeSecret, decode_relay, parse_entry, peel, seal_layer,
};
use session_protocol::swarm::{decode_service_nodes, decode_swarm_response};
use session_protocol::{Blinding, Identity, SessionId};

fn replay(target: &str, data: &[u8]) {
    let node = NodeSecret::from_x25519_secret([0x21; 32]);
    match target {
        "session_id_str" => {
            if let Ok(text) = core::str::from_utf8(data)
                && let Ok(id) = text.parse::<SessionId>()
            {
                assert_eq!(id.to_string(), text.to_ascii_lowercase());
            }
            let _ = SessionId::from_slice(data);
        }
        "mnemonic_decode" => {
            if let Ok(text) = core::str::from_utf8(data) {
                let _ = decode_words(text.split_whitespace(), false);
                if let Ok(me) = Identity::from_mnemonic(text) {
                    assert_eq!(
                        *Identity::from_mnemonic(&me.mnemonic()).unwrap().seed(),
                        *me.seed()
                    );
                }
            }
        }
        "node_list_decode" => {
            let _ = decode_swarm_response(data);
            let _ = decode_service_nodes(data);
        }
        "onion_entry" => {
            let mut buf = data.to_vec();
            if let Ok(layer) = parse_entry(&mut buf) {
                let _ = peel(&node, layer);
            }
        }
        "onion_relay" => {
            let mut buf = data.to_vec();
            let _ = decode_relay(&mut buf);
        }
        "onion_peel" => {
            let Some((&flags, plaintext)) = data.split_first() else {
                return;
            };
            let cipher = if flags & 1 == 0 {
                HopCipher::XChaCha20
            } else {
                HopCipher::Aes256Gcm
            };
            let mut packet = seal_layer(
                &node.public(),
                plaintext,
                cipher,
                HopDraw::from_rng(&mut ChaCha20Rng::from_seed([flags; 32])),
            )
            .unwrap();
            let layer = parse_entry(&mut packet).unwrap();
            peel(&node, layer).expect("an authentic layer always peels");
        }
        "onion_response" => {}
        "envelope_decrypt" => {
            let bob = Identity::from_seed(&[2; 32]);
            let _ = decrypt_incoming(&bob, data);
            let sealed = seal_to(
                &bob.x25519_public(),
                data,
                &mut ChaCha20Rng::from_seed([9; 32]),
            )
            .unwrap();
            if let Ok(m) = decrypt_incoming(&bob, &sealed) {
                assert_eq!(m.message.len() + 96, data.len());
            }
        }
        "envelope_decode" => {
            let _ = decode_envelope(&Identity::from_seed(&[2; 32]), data);
        }
        "blinded_decrypt" => {
            use session_protocol::envelope::{BlindedDmError, seal_blinded_dm};
            let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
            let server = [0x1d; 32];
            for scheme in [Blinding::Blind15, Blinding::Blind25] {
                let a = alice.blinded_keypair(scheme, &server).unwrap().id();
                let b = bob.blinded_keypair(scheme, &server).unwrap().id();
                if let Ok(m) = decrypt_blinded_dm(&bob, &a, &b, &server, data) {
                    assert_eq!(m.sender, alice.session_id());
                }
            }
            // As the target: an authentic DM around the file's inner plaintext.
            let Some((&flags, inner)) = data.split_first() else {
                return;
            };
            let scheme = if flags & 1 == 0 {
                Blinding::Blind15
            } else {
                Blinding::Blind25
            };
            let reader = if flags & 2 == 0 { &bob } else { &alice };
            let a = alice.blinded_keypair(scheme, &server).unwrap().id();
            let b = bob.blinded_keypair(scheme, &server).unwrap().id();
            let ct = seal_blinded_dm(
                &alice,
                &b,
                &server,
                inner,
                &mut ChaCha20Rng::from_seed([flags; 32]),
            )
            .unwrap();
            match decrypt_blinded_dm(reader, &a, &b, &server, &ct) {
                Ok(m) => {
                    assert_eq!(m.sender, alice.session_id());
                    assert_eq!(m.message.len() + 32, inner.len());
                }
                Err(e) => assert_ne!(e, BlindedDmError::Decrypt),
            }
        }
        "group_decrypt" => {
            use chacha20poly1305::aead::{AeadInOut, KeyInit};
            use session_protocol::envelope::{GroupError, MAX_GROUP_PLAINTEXT};
            const KEY: [u8; 32] = [0x4b; 32];
            const GROUP_PK: [u8; 32] = [0x21; 32];
            let _ = decrypt_group_message(&[KEY], &GROUP_PK, data);
            // As the target: the first byte picks "d" or "z", the rest is the signed body.
            let Some((&flags, body)) = data.split_first() else {
                return;
            };
            let sender = Identity::from_seed(&[0x31; 32]);
            let sig = sender.sign(&[body, &GROUP_PK[..]].concat());
            let bencode = |b: &[u8]| [format!("{}:", b.len()).as_bytes(), b].concat();
            // A dict entry: key, value.
            type Entry<'a> = (&'a [u8], &'a [u8]);
            let (first, second): (Entry<'_>, Entry<'_>) = if flags & 1 == 1 {
                ((b"s", &sig), (b"z", body))
            } else {
                ((b"d", body), (b"s", &sig))
            };
            let mut dict = [
                &b"d"[..],
                &bencode(b""),
                b"i1e",
                &bencode(b"a"),
                &bencode(&sender.ed25519_public()),
                &bencode(first.0),
                &bencode(first.1),
                &bencode(second.0),
                &bencode(second.1),
                b"e",
            ]
            .concat();
            dict.resize((24 + dict.len() + 16).div_ceil(256) * 256 - 40, 0);
            let nonce = [1u8; 24];
            let tag = chacha20poly1305::XChaCha20Poly1305::new(&KEY.into())
                .encrypt_inout_detached(&nonce.into(), &[], dict.as_mut_slice().into())
                .unwrap();
            let wire = [&nonce[..], &dict, tag.as_slice()].concat();
            match decrypt_group_message(&[[0; 32], KEY], &GROUP_PK, &wire) {
                Ok(m) => {
                    assert_eq!((m.key_index, m.sender), (1, sender.session_id()));
                    assert!(m.content.len() <= MAX_GROUP_PLAINTEXT);
                }
                Err(e) => assert!(
                    !matches!(
                        e,
                        GroupError::Decrypt | GroupError::BadSignature | GroupError::InvalidSender
                    ),
                    "{e:?}"
                ),
            }
        }
        other => panic!("no replay for fuzz target {other}: add it here"),
    }
}

#[test]
fn replay_corpora_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(targets) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        for target in targets.flatten().filter(|e| e.path().is_dir()) {
            let name = target.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(target.path()).unwrap().flatten() {
                let data = std::fs::read(file.path()).unwrap();
                replay(&name, &data);
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 20,
        "the seed corpora were found ({replayed} files)"
    );
}
