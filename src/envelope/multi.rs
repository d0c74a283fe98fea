//! One message encrypted for many recipients (group key distribution and similar): each copy
//! under `BLAKE2b-256(X25519(a, B) || A || B, key = domain)` with XChaCha20-Poly1305 and a
//! nonce shared by all copies. The sender's key comes first on both sides.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, Cipher, HopKey, TAG_LEN};
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

type HopKeyBytes = Zeroizing<[u8; 32]>;

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
    let key = pair_key(
        sender.x25519_secret(),
        sender.x25519_public().as_bytes(),
        recipient_x25519,
        true,
        domain,
    )?;
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
/// [`MultiError::Decrypt`] when it does not authenticate; [`MultiError::InvalidKey`] for a
/// small-order sender key.
pub fn decrypt_from(
    me: &Identity,
    sender_x25519: &[u8; 32],
    domain: &[u8],
    nonce: &[u8; 24],
    copy: &[u8],
) -> Result<Vec<u8>, MultiError> {
    let key = aead(&*receive_key(me, sender_x25519, domain)?);
    let mut buf = Zeroizing::new(Vec::new());
    open_copy(&key, nonce, copy, &mut buf)
        .map(<[u8]>::to_vec)
        .ok_or(MultiError::Decrypt)
}

/// The key for copies from `sender_x25519` to `me` (own public key from the cached value: no
/// base-point multiplication).
fn receive_key(
    me: &Identity,
    sender_x25519: &[u8; 32],
    domain: &[u8],
) -> Result<HopKeyBytes, MultiError> {
    pair_key(
        me.x25519_secret(),
        me.x25519_public().as_bytes(),
        sender_x25519,
        false,
        domain,
    )
}

/// Opens one copy into `buf` (reused between copies); `None` if it is shorter than the tag or
/// does not authenticate.
fn open_copy<'b>(
    key: &HopKey,
    nonce: &[u8; 24],
    copy: &[u8],
    buf: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    if copy.len() < TAG_LEN {
        return None;
    }
    buf.clear();
    buf.extend_from_slice(nonce);
    buf.extend_from_slice(copy);
    key.open_in_place(buf).ok().map(|p| &*p)
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

/// [`encode_simple`] followed by random junk entries until the number of entries is a multiple
/// of `pad` (no junk when `pad` is 0 or 1, or the first message is empty), so that the list does not
/// reveal the number of recipients exactly. As libsession does, each junk entry has the length
/// of the first *message*, i.e. the first copy minus its 16-byte tag.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::multi;
///
/// let (sender, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let nonce = [7; 24];
/// let copy = multi::encrypt_for(&sender, &bob.x25519_public(), b"dom", &nonce, b"key")?;
/// let encoded = multi::encode_simple_padded(&nonce, &[copy], 4, &mut ChaCha20Rng::from_seed([0; 32]));
/// assert_eq!(multi::decrypt_simple(&bob, &sender.x25519_public(), b"dom", &encoded)?, b"key");
/// # Ok::<(), multi::MultiError>(())
/// ```
pub fn encode_simple_padded<R: CryptoRng + ?Sized>(
    nonce: &[u8; 24],
    copies: &[Vec<u8>],
    pad: usize,
    rng: &mut R,
) -> Vec<u8> {
    let junk_len = copies
        .first()
        .map_or(0, |c| c.len().saturating_sub(TAG_LEN));
    let junk_count = match copies.len().checked_rem(pad) {
        Some(r) if pad > 1 && r > 0 => pad.saturating_sub(r),
        _ => 0,
    };
    if junk_len == 0 || junk_count == 0 {
        return encode_simple(nonce, copies);
    }
    let mut out = encode_simple(nonce, copies);
    // Drop the closing "ee", append the junk, close again.
    out.truncate(out.len().saturating_sub(2));
    let mut junk = alloc::vec![0u8; junk_len];
    for _ in 0..junk_count {
        rng.fill_bytes(&mut junk);
        wire::bencode_bytes(&mut out, &junk);
    }
    out.extend_from_slice(b"ee");
    out
}

/// Decodes the "simple" encoding and tries every copy for `me`.
///
/// The pair key is derived once per call (one X25519), so each further copy costs one AEAD
/// attempt; copies shorter than the tag, and list entries that are not byte strings, are
/// skipped without any crypto.
///
/// # Errors
/// [`MultiError::Decrypt`] for a malformed encoding, a small-order sender key, or when no copy
/// decrypts.
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
    let key = aead(&*receive_key(me, sender_x25519, domain).map_err(|_| MultiError::Decrypt)?);
    let mut buf = Zeroizing::new(Vec::new());
    copies
        .iter()
        .filter_map(|c| match c {
            Bencode::Bytes(r) => encoded.get(r.clone()),
            _ => None,
        })
        .find_map(|c| open_copy(&key, &nonce, c, &mut buf).map(<[u8]>::to_vec))
        .ok_or(MultiError::Decrypt)
}
