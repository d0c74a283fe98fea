//! An onion layer built without the crate, for tests that check the crate against it.
#![allow(dead_code, clippy::unwrap_used)]

/// Encrypts `plaintext` as one xchacha20 layer to `node_x`, independently of the crate (ladder
/// X25519, BLAKE2b and XChaCha20-Poly1305 straight from their crates), and frames it as an
/// entry packet: `u32_le(len) || nonce || ciphertext || {"ephemeral_key", "enc_type"}`.
pub(crate) fn independent_layer(node_x: &[u8; 32], plaintext: &[u8], seed: u8) -> Vec<u8> {
    use blake2::digest::Digest;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let secret = [seed; 32];
    let public = curve25519_dalek::MontgomeryPoint::mul_base_clamped(secret).to_bytes();
    let shared = curve25519_dalek::MontgomeryPoint(*node_x)
        .mul_clamped(secret)
        .to_bytes();
    let key: [u8; 32] = blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(public)
        .chain_update(node_x)
        .finalize()
        .into();
    let nonce = [seed.wrapping_add(1); 24];
    let mut blob = nonce.to_vec();
    blob.extend(
        chacha20poly1305::XChaCha20Poly1305::new(&key.into())
            .encrypt(&nonce.into(), plaintext)
            .unwrap(),
    );
    let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = u32::try_from(blob.len()).unwrap().to_le_bytes().to_vec();
    out.extend_from_slice(&blob);
    out.extend_from_slice(
        format!(r#"{{"ephemeral_key":"{hex}","enc_type":"xchacha20"}}"#).as_bytes(),
    );
    out
}
