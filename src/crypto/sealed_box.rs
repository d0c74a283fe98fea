//! libsodium's `crypto_box_seal`, written on `salsa20` + `poly1305` + `blake2`.
//!
//! `seal(m, R)` = `E || mac || c` where `(e, E)` is an ephemeral X25519 pair,
//! `nonce = BLAKE2b-192(E || R)`, `k = HSalsa20(X25519(e, R), 0^16)`, and `(mac, c)` is
//! XSalsa20-Poly1305 (`crypto_secretbox`) of `m` under `(k, nonce)`: the first 32 bytes of the
//! XSalsa20 keystream key Poly1305, the rest encrypts, and the tag covers the ciphertext.

use alloc::vec::Vec;

use blake2::digest::Digest;
use blake2::digest::consts::{U10, U24};
use poly1305::Poly1305;
use poly1305::universal_hash::KeyInit;
use salsa20::XSalsa20;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

#[cfg(any(test, feature = "hazmat"))]
use super::Keypair;
use super::{Unauthentic, x25519};

/// Bytes a sealed box adds: the ephemeral key and the tag.
pub(crate) const SEAL_OVERHEAD: usize = 32 + 16;

/// `crypto_box_seal` nonce: BLAKE2b-192(E || R).
fn seal_nonce(ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 24] {
    let mut h = blake2::Blake2b::<U24>::new();
    h.update(ephemeral);
    h.update(recipient);
    h.finalize().into()
}

/// `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret. `None` for an all-zero
/// shared secret (a small-order peer key), as libsodium refuses.
fn box_key(secret: &[u8; 32], public: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
    let shared = x25519(secret, public)?;
    let k = salsa20::hsalsa::<U10>(&(*shared).into(), &[0u8; 16].into());
    Some(Zeroizing::new(k.into()))
}

/// Seals `msg` to `recipient` with the ephemeral pair `eph` (`crypto_box_seal` when `eph` is
/// fresh; the deterministic variant when it is derived).
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn seal(eph: &Keypair, recipient: &[u8; 32], msg: &[u8]) -> Option<Vec<u8>> {
    let shared = x25519(&eph.secret, recipient)?;
    seal_shared(&eph.public, &shared, recipient, msg)
}

/// [`seal`] from the ephemeral public key and the X25519 shared secret with `recipient`,
/// computed by the caller (e.g. both at once with one shared inversion). `None` for an
/// all-zero shared secret, as [`seal`] refuses it.
pub(crate) fn seal_shared(
    eph_public: &[u8; 32],
    shared: &[u8; 32],
    recipient: &[u8; 32],
    msg: &[u8],
) -> Option<Vec<u8>> {
    if bool::from(shared.ct_eq(&[0u8; 32])) {
        return None;
    }
    let nonce = seal_nonce(eph_public, recipient);
    let key = Zeroizing::new(<[u8; 32]>::from(salsa20::hsalsa::<U10>(
        &(*shared).into(),
        &[0u8; 16].into(),
    )));
    let eph = eph_public;
    let mut out = Vec::with_capacity(msg.len().checked_add(SEAL_OVERHEAD)?);
    out.extend_from_slice(eph);
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(msg);
    let (head, body) = out.split_at_mut(32 + 16);
    let tag = secretbox_seal(&key, &nonce, body);
    head.get_mut(32..)?.copy_from_slice(&tag);
    Some(out)
}

/// `crypto_box_seal_open` with the recipient's key pair; returns the plaintext.
pub(crate) fn open(
    secret: &[u8; 32],
    public: &[u8; 32],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Unauthentic> {
    let (eph, rest) = sealed.split_first_chunk::<32>().ok_or(Unauthentic)?;
    let (tag, ct) = rest.split_first_chunk::<16>().ok_or(Unauthentic)?;
    let nonce = seal_nonce(eph, public);
    let key = box_key(secret, eph).ok_or(Unauthentic)?;
    let mut buf = Zeroizing::new(ct.to_vec());
    secretbox_open(&key, &nonce, tag, &mut buf)?;
    Ok(buf)
}

fn keystream(key: &[u8; 32], nonce: &[u8; 24]) -> (XSalsa20, Zeroizing<[u8; 32]>) {
    let mut cipher = XSalsa20::new(key.into(), nonce.into());
    let mut poly_key = Zeroizing::new([0u8; 32]);
    cipher.apply_keystream(&mut poly_key[..]);
    (cipher, poly_key)
}

/// XSalsa20-Poly1305 in place; returns the tag.
fn secretbox_seal(key: &[u8; 32], nonce: &[u8; 24], buf: &mut [u8]) -> [u8; 16] {
    let (mut cipher, poly_key) = keystream(key, nonce);
    cipher.apply_keystream(buf);
    Poly1305::new((&*poly_key).into())
        .compute_unpadded(buf)
        .into()
}

/// Checks the tag, then decrypts in place.
fn secretbox_open(
    key: &[u8; 32],
    nonce: &[u8; 24],
    tag: &[u8; 16],
    buf: &mut [u8],
) -> Result<(), Unauthentic> {
    let (mut cipher, poly_key) = keystream(key, nonce);
    let expected: [u8; 16] = Poly1305::new((&*poly_key).into())
        .compute_unpadded(buf)
        .into();
    if !bool::from(expected.ct_eq(tag)) {
        return Err(Unauthentic);
    }
    cipher.apply_keystream(buf);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tampering() {
        let recipient = Keypair::from_secret([3; 32]);
        let eph = Keypair::from_secret([4; 32]);
        let sealed = seal(&eph, &recipient.public, b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + SEAL_OVERHEAD);
        assert_eq!(
            &open(&recipient.secret, &recipient.public, &sealed).unwrap()[..],
            b"hello"
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(
                open(&recipient.secret, &recipient.public, &bad).is_err(),
                "byte {i}"
            );
        }
        assert!(open(&recipient.secret, &recipient.public, &sealed[..47]).is_err());
        let other = Keypair::from_secret([5; 32]);
        assert!(open(&other.secret, &other.public, &sealed).is_err());
        // A small-order ephemeral key is refused before any decryption.
        let mut low = sealed.clone();
        low[..32].fill(0);
        assert!(open(&recipient.secret, &recipient.public, &low).is_err());
    }
}
