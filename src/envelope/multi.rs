//! One message encrypted for many recipients (group key distribution and similar): each copy
//! under `BLAKE2b-256(X25519(a, B) || A || B, key = domain)` with XChaCha20-Poly1305 and a
//! nonce shared by all copies. The sender's key comes first on both sides.

use alloc::vec::Vec;

use crate::crypto::{self, Cipher, HopKey, Keypair};
use crate::identity::Identity;
use crate::wire::{self, Bencode};

/// Why a multi-recipient operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultiError {
    /// A key of small order.
    #[error("unusable X25519 key")]
    InvalidKey,
    /// No copy decrypts for this recipient (or the encoding is malformed).
    #[error("no copy decrypts")]
    Decrypt,
}

fn pair_key(
    secret: &[u8; 32],
    mine: &[u8; 32],
    theirs: &[u8; 32],
    sender_first: bool,
    domain: &[u8],
) -> Result<HopKeyBytes, MultiError> {
    let shared = crypto::x25519(secret, theirs).ok_or(MultiError::InvalidKey)?;
    let (a, b) = if sender_first {
        (mine, theirs)
    } else {
        (theirs, mine)
    };
    let domain = domain.get(..64).unwrap_or(domain);
    crypto::blake2b_256_keyed_dyn(domain, &[&shared[..], a, b]).ok_or(MultiError::InvalidKey)
}

type HopKeyBytes = zeroize::Zeroizing<[u8; 32]>;

fn aead(key: &[u8; 32]) -> HopKey {
    HopKey::from_raw(Cipher::XChaCha20, key)
}

/// The copy of `msg` for one recipient X25519 key: `ciphertext || tag` (no nonce).
///
/// # Errors
/// [`MultiError::InvalidKey`] for a small-order recipient key.
pub fn encrypt_for(
    sender: &Identity,
    recipient_x25519: &[u8; 32],
    domain: &[u8],
    nonce: &[u8; 24],
    msg: &[u8],
) -> Result<Vec<u8>, MultiError> {
    let kp = Keypair::from_secret(**sender.x25519_secret());
    let key = pair_key(&kp.secret, &kp.public, recipient_x25519, true, domain)?;
    let mut out = msg.to_vec();
    let tag = aead(&key)
        .seal_in_place(nonce, &mut out)
        .ok_or(MultiError::InvalidKey)?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens one copy sent by `sender_x25519`.
///
/// # Errors
/// [`MultiError::Decrypt`] when it does not authenticate.
pub fn decrypt_from(
    me: &Identity,
    sender_x25519: &[u8; 32],
    domain: &[u8],
    nonce: &[u8; 24],
    copy: &[u8],
) -> Result<Vec<u8>, MultiError> {
    let kp = Keypair::from_secret(**me.x25519_secret());
    let key = pair_key(&kp.secret, &kp.public, sender_x25519, false, domain)?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(copy);
    let plain = aead(&key)
        .open_in_place(&mut sealed)
        .map_err(|_| MultiError::Decrypt)?;
    Ok(plain.to_vec())
}

/// The "simple" encoding: bencoded `{"#": nonce, "e": [copy, …]}`.
pub fn encode_simple(nonce: &[u8; 24], copies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(b'd');
    wire::bencode_bytes(&mut out, b"#");
    wire::bencode_bytes(&mut out, nonce);
    wire::bencode_bytes(&mut out, b"e");
    out.push(b'l');
    for c in copies {
        wire::bencode_bytes(&mut out, c);
    }
    out.extend_from_slice(b"ee");
    out
}

/// Decodes the "simple" encoding and tries every copy for `me`.
///
/// # Errors
/// [`MultiError::Decrypt`] for a malformed encoding or when no copy decrypts.
pub fn decrypt_simple(
    me: &Identity,
    sender_x25519: &[u8; 32],
    domain: &[u8],
    encoded: &[u8],
) -> Result<Vec<u8>, MultiError> {
    let dict = Bencode::decode(encoded).map_err(|_| MultiError::Decrypt)?;
    let Some(Bencode::Bytes(n)) = dict.get(encoded, b"#") else {
        return Err(MultiError::Decrypt);
    };
    let nonce: [u8; 24] = encoded
        .get(n.clone())
        .and_then(|b| b.try_into().ok())
        .ok_or(MultiError::Decrypt)?;
    let Some(Bencode::List(copies)) = dict.get(encoded, b"e") else {
        return Err(MultiError::Decrypt);
    };
    copies
        .iter()
        .filter_map(|c| match c {
            Bencode::Bytes(r) => encoded.get(r.clone()),
            _ => None,
        })
        .find_map(|c| decrypt_from(me, sender_x25519, domain, &nonce, c).ok())
        .ok_or(MultiError::Decrypt)
}
