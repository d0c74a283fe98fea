//! One message encrypted for many recipients (group key distribution and similar): each copy
//! under `BLAKE2b-256(X25519(a, B) || A || B, key = domain)` with XChaCha20-Poly1305 and a
//! nonce shared by all copies. The sender's key comes first on both sides.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::bencode::{Value, put_bytes, read_value, walk_dict};
use crate::crypto::{self, AeadKey, HopCipher, TAG_LEN};
use crate::identity::{Identity, X25519Public};
use crate::wire::{BencodeKind, BencodeReader, Count, Sink};

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

type PairKey = Zeroizing<[u8; 32]>;

fn pair_key(
    secret: &[u8; 32],
    mine: &X25519Public,
    theirs: &X25519Public,
    sender_first: bool,
    domain: &[u8],
) -> Result<PairKey, MultiError> {
    let shared = crypto::x25519(secret, theirs.as_bytes()).ok_or(MultiError::InvalidKey)?;
    let (a, b) = if sender_first {
        (mine, theirs)
    } else {
        (theirs, mine)
    };
    let domain = domain.get(..64).unwrap_or(domain);
    crypto::blake2b_256_keyed_dyn(domain, &[&shared[..], a.as_bytes(), b.as_bytes()])
        .ok_or(MultiError::InvalidKey)
}

fn aead(key: &[u8; 32]) -> AeadKey {
    AeadKey::from_raw(HopCipher::XChaCha20, key)
}

/// The copy of `msg` for one recipient X25519 key: `ciphertext || tag` (no nonce).
///
/// # Errors
/// [`MultiError::InvalidKey`] for a small-order recipient key.
#[doc(alias = "encrypt_for")]
#[doc(alias = "multi_encrypt")]
pub fn seal_for(
    sender: &Identity,
    recipient: &X25519Public,
    domain: &[u8],
    nonce: &[u8; 24],
    msg: &[u8],
) -> Result<Vec<u8>, MultiError> {
    let key = pair_key(
        sender.x25519_secret(),
        &sender.x25519_public(),
        recipient,
        true,
        domain,
    )?;
    let mut out = Vec::with_capacity(msg.len().saturating_add(TAG_LEN));
    out.extend_from_slice(msg);
    let tag = aead(&key)
        .seal_in_place(nonce, &mut out)
        .ok_or(MultiError::InvalidKey)?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens one copy sent by `sender`.
///
/// # Errors
/// [`MultiError::Decrypt`] when it does not authenticate; [`MultiError::InvalidKey`] for a
/// small-order sender key.
#[doc(alias = "decrypt_from")]
pub fn open_from(
    me: &Identity,
    sender: &X25519Public,
    domain: &[u8],
    nonce: &[u8; 24],
    copy: &[u8],
) -> Result<Zeroizing<Vec<u8>>, MultiError> {
    let key = aead(&*receive_key(me, sender, domain)?);
    let mut buf = Zeroizing::new(Vec::new());
    let len = open_copy(&key, nonce, copy, &mut buf)
        .ok_or(MultiError::Decrypt)?
        .len();
    // The plaintext sits after the nonce in the (wiped) buffer.
    buf.drain(..24);
    buf.truncate(len);
    Ok(buf)
}

/// The key for copies from `sender` to `me` (own public key from the cached value: no
/// base-point multiplication).
fn receive_key(me: &Identity, sender: &X25519Public, domain: &[u8]) -> Result<PairKey, MultiError> {
    pair_key(
        me.x25519_secret(),
        &me.x25519_public(),
        sender,
        false,
        domain,
    )
}

/// Opens one copy into `buf` (reused between copies); `None` if it is shorter than the tag or
/// does not authenticate.
fn open_copy<'b>(
    key: &AeadKey,
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

/// The "simple" encoding of a multi-recipient message, both ways: bencoded
/// `{"#": nonce, "e": [copy, …]}`.
///
/// Decoding checks the whole input (canonical bencode, a 24-byte nonce, a list of entries)
/// without building a tree or allocating; [`SimpleEncoding::copies`] then walks the list
/// again, yielding the byte-string entries (other entries are skipped, as libsession skips
/// them).
///
/// ```
/// use session_protocol::envelope::multi::SimpleEncoding;
///
/// let encoded = SimpleEncoding::encode(&[7; 24], &[b"one".to_vec(), b"two".to_vec()]);
/// let decoded = SimpleEncoding::decode(&encoded)?;
/// assert_eq!(decoded.nonce(), &[7; 24]);
/// assert_eq!(decoded.copies().collect::<Vec<_>>(), [&b"one"[..], b"two"]);
/// # Ok::<(), session_protocol::envelope::multi::MultiError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimpleEncoding<'a> {
    encoded: &'a [u8],
    nonce: [u8; 24],
}

impl<'a> SimpleEncoding<'a> {
    /// Encodes `nonce` and `copies`.
    pub fn encode<C: AsRef<[u8]>>(nonce: &[u8; 24], copies: &[C]) -> Vec<u8> {
        let mut out = Vec::new();
        Self::encode_into(&mut out, nonce, copies);
        out
    }

    /// Appends the encoding of `nonce` and `copies` to `out`, with one reservation.
    pub fn encode_into<C: AsRef<[u8]>>(out: &mut Vec<u8>, nonce: &[u8; 24], copies: &[C]) {
        let mut n = Count::default();
        put_simple(&mut n, nonce, copies, &[], 0);
        out.reserve(n.0);
        put_simple(out, nonce, copies, &[], 0);
    }

    /// Decodes and checks an encoded message.
    ///
    /// # Errors
    /// [`MultiError::Decrypt`] (the error every malformed input has always had, so that a
    /// caller cannot tell a broken encoding from one with no copy for it) when the input is
    /// not canonical bencode, has no 24-byte `#` nonce, or no `e` list.
    pub fn decode(encoded: &'a [u8]) -> Result<Self, MultiError> {
        let mut nonce = None;
        let mut list = false;
        walk_dict(encoded, |key, r| match key {
            b"#" => {
                nonce = match read_value(r)? {
                    Value::Bytes(range) => encoded
                        .get(range)
                        .and_then(|n| <[u8; 24]>::try_from(n).ok()),
                    _ => None,
                };
                Ok(true)
            }
            b"e" => {
                list = r.kind()? == BencodeKind::List;
                Ok(false)
            }
            _ => Ok(false),
        })
        .map_err(|_| MultiError::Decrypt)?;
        match (nonce, list) {
            (Some(nonce), true) => Ok(Self { encoded, nonce }),
            _ => Err(MultiError::Decrypt),
        }
    }

    /// The nonce shared by every copy.
    pub fn nonce(&self) -> &[u8; 24] {
        &self.nonce
    }

    /// The byte-string entries of the list, in order.
    pub fn copies(&self) -> Copies<'a> {
        Copies {
            input: self.encoded,
            reader: list_reader(self.encoded),
        }
    }

    /// Tries every copy for `me` (from `sender`, under `domain`) and returns the first that
    /// opens.
    ///
    /// The pair key is derived once (one X25519), so each further copy costs one AEAD
    /// attempt; copies shorter than the tag are skipped without any crypto.
    ///
    /// # Errors
    /// [`MultiError::Decrypt`] when no copy opens, or for a small-order sender key (refused
    /// once, before any copy is tried).
    pub fn open(
        &self,
        me: &Identity,
        sender: &X25519Public,
        domain: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, MultiError> {
        let key = aead(&*receive_key(me, sender, domain).map_err(|_| MultiError::Decrypt)?);
        let mut buf = Zeroizing::new(Vec::new());
        let len = self
            .copies()
            .find_map(|c| open_copy(&key, &self.nonce, c, &mut buf).map(<[u8]>::len))
            .ok_or(MultiError::Decrypt)?;
        buf.drain(..24);
        buf.truncate(len);
        Ok(buf)
    }
}

/// The byte-string entries of a [`SimpleEncoding`]'s list.
#[derive(Debug)]
pub struct Copies<'a> {
    input: &'a [u8],
    reader: Option<BencodeReader<'a>>,
}

impl<'a> Iterator for Copies<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let r = self.reader.as_mut()?;
            // The input was validated by `decode`: an error here cannot happen, and ends the
            // walk if it did.
            let step = match r.end_of_container() {
                Ok(false) => match r.kind() {
                    Ok(BencodeKind::Bytes) => r.bytes().map(Some),
                    Ok(_) => r.skip(2).map(|()| None),
                    Err(e) => Err(e),
                },
                Ok(true) | Err(_) => {
                    self.reader = None;
                    return None;
                }
            };
            match step {
                Ok(Some(range)) => return self.input.get(range),
                Ok(None) => {}
                Err(_) => {
                    self.reader = None;
                    return None;
                }
            }
        }
    }
}

/// A reader positioned inside the `e` list of a validated encoding.
fn list_reader(input: &[u8]) -> Option<BencodeReader<'_>> {
    let mut r = BencodeReader::new(input);
    r.enter(BencodeKind::Dict).ok()?;
    let mut last = None;
    while let Some(key) = r.dict_key(&mut last).ok()? {
        if input.get(key)? == b"e" {
            r.enter(BencodeKind::List).ok()?;
            return Some(r);
        }
        r.skip(1).ok()?;
    }
    None
}

/// Puts the encoding with `junk_count` copies of `junk` after the real copies.
fn put_simple<S: Sink, C: AsRef<[u8]>>(
    out: &mut S,
    nonce: &[u8; 24],
    copies: &[C],
    junk: &[u8],
    junk_count: usize,
) {
    out.put(b"d");
    put_bytes(out, b"#");
    put_bytes(out, nonce);
    put_bytes(out, b"e");
    out.put(b"l");
    for c in copies {
        put_bytes(out, c.as_ref());
    }
    for _ in 0..junk_count {
        put_bytes(out, junk);
    }
    out.put(b"ee");
}

/// The "simple" encoding: bencoded `{"#": nonce, "e": [copy, …]}` ([`SimpleEncoding::encode`]).
pub fn encode_simple<C: AsRef<[u8]>>(nonce: &[u8; 24], copies: &[C]) -> Vec<u8> {
    SimpleEncoding::encode(nonce, copies)
}

/// [`encode_simple`] followed by random junk entries until the number of entries is a multiple
/// of `pad` (no junk when `pad` is 0 or 1, or the first message is empty), so that the list does not
/// reveal the number of recipients exactly. As libsession does, each junk entry has the length
/// of the first *message*, i.e. the first copy minus its 16-byte tag; each is drawn afresh from
/// `rng`.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::multi;
///
/// let (sender, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let nonce = [7; 24];
/// let copy = multi::seal_for(&sender, &bob.x25519_public(), b"dom", &nonce, b"key")?;
/// let encoded = multi::encode_simple_padded(&nonce, &[copy], 4, &mut ChaCha20Rng::from_seed([0; 32]));
/// assert_eq!(&multi::open_simple(&bob, &sender.x25519_public(), b"dom", &encoded)?[..], b"key");
/// # Ok::<(), multi::MultiError>(())
/// ```
pub fn encode_simple_padded<C: AsRef<[u8]>, R: CryptoRng + ?Sized>(
    nonce: &[u8; 24],
    copies: &[C],
    pad: usize,
    rng: &mut R,
) -> Vec<u8> {
    let junk_len = copies
        .first()
        .map_or(0, |c| c.as_ref().len().saturating_sub(TAG_LEN));
    let junk_count = match copies.len().checked_rem(pad) {
        Some(r) if pad > 1 && r > 0 && junk_len > 0 => pad.saturating_sub(r),
        _ => 0,
    };
    let mut out = Vec::new();
    SimpleEncoding::encode_into(&mut out, nonce, copies);
    if junk_count == 0 {
        return out;
    }
    // Drop the closing "ee", append the junk, close again.
    out.truncate(out.len().saturating_sub(2));
    let mut junk = alloc::vec![0u8; junk_len];
    for _ in 0..junk_count {
        rng.fill_bytes(&mut junk);
        put_bytes(&mut out, &junk);
    }
    out.put(b"ee");
    out
}

/// Decodes the "simple" encoding and tries every copy for `me`
/// ([`SimpleEncoding::decode`], then [`SimpleEncoding::open`]).
///
/// # Errors
/// [`MultiError::Decrypt`] for a malformed encoding, a small-order sender key, or when no copy
/// decrypts.
#[doc(alias = "decrypt_simple")]
pub fn open_simple(
    me: &Identity,
    sender: &X25519Public,
    domain: &[u8],
    encoded: &[u8],
) -> Result<Zeroizing<Vec<u8>>, MultiError> {
    SimpleEncoding::decode(encoded)?.open(me, sender, domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn simple_encoding_round_trips(
            nonce in any::<[u8; 24]>(),
            copies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..6),
        ) {
            let encoded = SimpleEncoding::encode(&nonce, &copies);
            let mut n = Count::default();
            put_simple(&mut n, &nonce, &copies, &[], 0);
            prop_assert_eq!(n.0, encoded.len());
            let decoded = SimpleEncoding::decode(&encoded).unwrap();
            prop_assert_eq!(decoded.nonce(), &nonce);
            let back: Vec<&[u8]> = decoded.copies().collect();
            let want: Vec<&[u8]> = copies.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(back, want);
        }

        #[test]
        fn simple_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(d) = SimpleEncoding::decode(&bytes) {
                prop_assert!(d.copies().map(<[u8]>::len).sum::<usize>() <= bytes.len());
            }
        }
    }

    #[test]
    fn simple_encoding_pinned_and_refused() {
        let encoded = SimpleEncoding::encode(&[1; 24], &[b"ab".to_vec()]);
        assert_eq!(encoded, [&b"d1:#24:"[..], &[1; 24], b"1:el2:abee"].concat());
        let nonce = [&b"d1:#24:"[..], &[1; 24]].concat();
        // Non-string entries are validated and skipped.
        let mixed = [&nonce[..], b"1:eli7e2:abli1ee1:cee"].concat();
        let d = SimpleEncoding::decode(&mixed).unwrap();
        assert_eq!(d.copies().collect::<Vec<_>>(), [&b"ab"[..], b"c"]);
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"de".to_vec(),
            b"le".to_vec(),
            [&nonce[..], b"e"].concat(),                     // no list
            [&nonce[..], b"1:e2:abe"].concat(),              // "e" not a list
            [&nonce[..], b"1:eli01eee"].concat(),            // non-canonical entry
            [&nonce[..], b"1:elee"].concat()[1..].to_vec(),  // not a dict
            [&nonce[..], b"1:elee!"].concat(),               // trailing bytes
            [&b"d1:#23:"[..], &[1; 23], b"1:elee"].concat(), // short nonce
            b"d1:#i1e1:elee".to_vec(),                       // nonce not bytes
            [&b"d1:ele1:#24:"[..], &[1; 24], b"e"].concat(), // keys out of order
        ];
        for bad in cases {
            assert_eq!(
                SimpleEncoding::decode(&bad),
                Err(MultiError::Decrypt),
                "{bad:?}"
            );
        }
    }
}
