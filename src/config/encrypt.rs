//! Config encryption: XChaCha20-Poly1305 under a key and nonce hashed from the content, with
//! zero padding in front and optional zstd compression.

use alloc::vec::Vec;

use blake2::Blake2bMac;
use blake2::digest::consts::U24;
use blake2::digest::{KeyInit, Mac};
use chacha20poly1305::XChaCha20Poly1305;
use zeroize::Zeroizing;

use super::ConfigError;
use crate::crypto::aead::{open_with, seal_with};
use crate::crypto::blake2b_256;

/// Bytes encryption adds: the 16-byte tag and the 24-byte nonce, after the ciphertext.
pub const OVERHEAD: usize = 40;
/// The longest domain string.
pub const MAX_DOMAIN: usize = 24;
/// The largest config push the network stores.
pub const MAX_PUSH: usize = 76_800;
/// The largest decompressed config accepted: 8 MiB. Libsession sets no limit, and its clients
/// push configs that decompress to more than 1 MiB (10 000 contacts are 1.3 MB); the bound
/// keeps a small hostile frame from claiming unbounded memory.
pub const MAX_DECOMPRESSED: usize = 8 * 1024 * 1024;

const NONCE_KEY_PREFIX: &[u8; 32] = b"libsessionutil-config-encrypted-";

/// The size `len` bytes are padded to so that, with `overhead` more, the total is a multiple of
/// 256 bytes (below 5,120), 1,024 (below 20,480), 2,048 (below 40,960), else 5,120.
pub fn padded_size(len: usize, overhead: usize) -> usize {
    let total = len.saturating_add(overhead);
    let chunk = match total {
        t if t < 5_120 => 256,
        t if t < 20_480 => 1_024,
        t if t < 40_960 => 2_048,
        _ => 5_120,
    };
    total
        .div_ceil(chunk)
        .saturating_mul(chunk)
        .saturating_sub(overhead)
}

/// `message` with zero bytes in front up to [`padded_size`] (with [`OVERHEAD`]). Readers strip
/// leading zeros: a config starts with `d` (or `z` when compressed).
pub fn pad(message: &[u8]) -> Vec<u8> {
    let size = padded_size(message.len(), OVERHEAD);
    let mut out = Vec::with_capacity(size);
    out.resize(size.saturating_sub(message.len()), 0);
    out.extend_from_slice(message);
    out
}

fn check_domain(domain: &str) -> Result<(), ConfigError> {
    if domain.is_empty() || domain.len() > MAX_DOMAIN {
        return Err(ConfigError::Domain);
    }
    Ok(())
}

fn key_for(key_base: &[u8; 32], len: usize, domain: &str) -> Zeroizing<[u8; 32]> {
    let len = u64::try_from(len).unwrap_or(u64::MAX).to_be_bytes();
    Zeroizing::new(blake2b_256(&[key_base, &len, domain.as_bytes()]))
}

fn nonce_for(plaintext: &[u8], domain: &str) -> Option<[u8; 24]> {
    let mut key = Vec::with_capacity(NONCE_KEY_PREFIX.len().saturating_add(domain.len()));
    key.extend_from_slice(NONCE_KEY_PREFIX);
    key.extend_from_slice(domain.as_bytes());
    let mut mac = <Blake2bMac<U24> as KeyInit>::new_from_slice(&key).ok()?;
    Mac::update(&mut mac, plaintext);
    mac.finalize().into_bytes().as_slice().try_into().ok()
}

/// Encrypts `plaintext` (already padded, or not: it is encrypted as given) for `domain`:
/// `ciphertext || tag || nonce`. The key is BLAKE2b-256 of `key_base`, the plaintext length
/// (64-bit big-endian) and the domain; the nonce is BLAKE2b-192 of the plaintext keyed with
/// `"libsessionutil-config-encrypted-"` and the domain, so equal configs encrypt to equal
/// bytes.
///
/// # Errors
/// [`ConfigError::Domain`] for a domain of 0 or more than 24 bytes.
pub fn encrypt(
    key_base: &[u8; 32],
    domain: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, ConfigError> {
    check_domain(domain)?;
    let key = key_for(key_base, plaintext.len(), domain);
    let nonce = nonce_for(plaintext, domain).ok_or(ConfigError::Domain)?;
    let mut out = Vec::with_capacity(plaintext.len().saturating_add(OVERHEAD));
    out.extend_from_slice(plaintext);
    let tag = seal_with::<XChaCha20Poly1305>(&key, &nonce, &mut out).ok_or(ConfigError::Domain)?;
    out.extend_from_slice(&tag);
    out.extend_from_slice(&nonce);
    Ok(out)
}

/// Decrypts [`encrypt`]'s output.
///
/// # Errors
/// [`ConfigError::Domain`] for a bad domain, [`ConfigError::Decrypt`] when the bytes do not
/// open under this key and domain.
pub fn decrypt(key_base: &[u8; 32], domain: &str, sealed: &[u8]) -> Result<Vec<u8>, ConfigError> {
    check_domain(domain)?;
    let len = sealed
        .len()
        .checked_sub(OVERHEAD)
        .ok_or(ConfigError::Decrypt)?;
    let (body, rest) = sealed.split_at_checked(len).ok_or(ConfigError::Decrypt)?;
    let (tag, nonce) = rest.split_at_checked(16).ok_or(ConfigError::Decrypt)?;
    let key = key_for(key_base, len, domain);
    let mut out = body.to_vec();
    if open_with::<XChaCha20Poly1305>(&key, nonce, &mut out, tag) {
        Ok(out)
    } else {
        Err(ConfigError::Decrypt)
    }
}

/// `z` and the zstd compression of `message`, if that is shorter; else `message`.
pub fn compress(message: &[u8]) -> Vec<u8> {
    let frame = crate::wire::zstd::compress(message);
    if frame.len() < message.len() {
        let mut z = Vec::with_capacity(frame.len().saturating_add(1));
        z.push(b'z');
        z.extend_from_slice(&frame);
        z
    } else {
        message.to_vec()
    }
}

/// The config inside a decrypted payload: leading zero padding removed, decompressed when it
/// starts with `z` (to at most [`MAX_DECOMPRESSED`] bytes).
///
/// # Errors
/// [`ConfigError::Decompress`] when nothing is left, or the zstd frame is bad or too large.
pub fn unwrap_plaintext(padded: &[u8]) -> Result<Vec<u8>, ConfigError> {
    let start = padded
        .iter()
        .position(|&b| b != 0)
        .ok_or(ConfigError::Decompress)?;
    let body = padded.get(start..).ok_or(ConfigError::Decompress)?;
    match body.split_first() {
        Some((b'z', frame)) => crate::wire::zstd::decompress(frame, MAX_DECOMPRESSED)
            .ok()
            .filter(|out| !out.is_empty())
            .ok_or(ConfigError::Decompress),
        _ => Ok(body.to_vec()),
    }
}
