//! Group decryption on arbitrary bytes, and on arbitrary plaintexts sealed with the group key
//! (so the bencode, signature, zstd and protobuf handling behind the AEAD are reached).
#![no_main]

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use libfuzzer_sys::fuzz_target;
use session_protocol::envelope::{MAX_GROUP_PLAINTEXT, decrypt_group_message};

const KEY: [u8; 32] = [0x4b; 32];

fuzz_target!(|data: &[u8]| {
    let gpk = [0x21; 32];
    let _ = decrypt_group_message(&[KEY], &gpk, data);
    let mut buf = data.to_vec();
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&KEY.into());
    let nonce = [1u8; 24];
    let tag = aead
        .encrypt_inout_detached(&nonce.into(), &[], buf.as_mut_slice().into())
        .expect("small input");
    let wire = [&nonce[..], &buf, tag.as_slice()].concat();
    if let Ok(m) = decrypt_group_message(&[[0; 32], KEY], &gpk, &wire) {
        assert_eq!(m.key_index, 1);
        assert!(m.content.len() <= MAX_GROUP_PLAINTEXT);
    }
});
