//! Group decryption on arbitrary bytes, and on honestly built group messages whose signed body
//! is the fuzzer's: the first byte picks `d` (a serialized Envelope) or `z` (a zstd frame),
//! the rest is the body, signed by a fixed member key and sealed with the group key, so the
//! zstd and Envelope parsing behind the signature check are reached.
#![allow(clippy::expect_used, clippy::panic)]

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use session_protocol::envelope::{MAX_GROUP_PLAINTEXT, open_group_message};
use session_protocol::{Ed25519Public, Identity, SymmetricKey};

const KEY: [u8; 32] = [0x4b; 32];
const GROUP_PK: [u8; 32] = [0x21; 32];

fn bencode(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

/// `nonce || XChaCha20-Poly1305(KEY, dict || zeros)`, padded to 256, with `body` signed by
/// `sender` over `body || GROUP_PK`.
fn signed_message(sender: &Identity, compressed: bool, body: &[u8]) -> Vec<u8> {
    let sig = sender.sign(&[body, &GROUP_PK[..]].concat());
    let mut dict = b"d".to_vec();
    bencode(&mut dict, b"");
    dict.extend_from_slice(b"i1e");
    bencode(&mut dict, b"a");
    bencode(&mut dict, sender.ed25519_public().as_bytes());
    if compressed {
        bencode(&mut dict, b"s");
        bencode(&mut dict, &sig);
        bencode(&mut dict, b"z");
        bencode(&mut dict, body);
    } else {
        bencode(&mut dict, b"d");
        bencode(&mut dict, body);
        bencode(&mut dict, b"s");
        bencode(&mut dict, &sig);
    }
    dict.push(b'e');
    dict.resize((24 + dict.len() + 16).div_ceil(256) * 256 - 40, 0);
    let nonce = [1u8; 24];
    let tag = chacha20poly1305::XChaCha20Poly1305::new(&KEY.into())
        .encrypt_inout_detached(&nonce.into(), &[], dict.as_mut_slice().into())
        .expect("small input");
    [&nonce[..], &dict, tag.as_slice()].concat()
}

pub(crate) fn run(data: &[u8]) {
    let group = Ed25519Public::from_bytes(GROUP_PK);
    let _ = open_group_message(&[SymmetricKey::from_bytes(KEY)], &group, data);
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let sender = Identity::from_seed(&[0x31; 32]);
    let wire = signed_message(&sender, flags & 1 == 1, body);
    let keys = [
        SymmetricKey::from_bytes([0; 32]),
        SymmetricKey::from_bytes(KEY),
    ];
    match open_group_message(&keys, &group, &wire) {
        Ok(m) => {
            assert_eq!(m.key_index, 1);
            assert_eq!(m.sender, sender.session_id());
            assert!(m.content.len() <= MAX_GROUP_PLAINTEXT);
        }
        Err(e) => assert!(
            !matches!(
                e,
                session_protocol::envelope::GroupError::Decrypt
                    | session_protocol::envelope::GroupError::BadSignature
                    | session_protocol::envelope::GroupError::InvalidSender
            ),
            "an honest message got past the key and signature: {e:?}"
        ),
    }
}
