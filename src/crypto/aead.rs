//! The two AEADs of the protocol, their key derivation for onion layers, and encryption in place.
//!
//! [`AeadKey`] keys every symmetric encryption of the crate: onion layers and their responses,
//! push notifications, ONS records, blinded and group messages.
//!
//! * `xchacha20`: key `BLAKE2b-256(shared || client_pub || node_pub)`, wire
//!   `nonce(24) || ciphertext || tag(16)`.
//! * `aes-gcm`: key `HMAC-SHA256(key = "LOKI", shared)`, wire `iv(12) || ciphertext || tag(16)`.
//!
//! Neither uses associated data. A response uses the key of the request layer it answers.

use aes_gcm::Aes256Gcm;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::blake2b_256;

/// The authentication tag length of both ciphers.
pub(crate) const TAG_LEN: usize = 16;

/// The AEAD protecting an onion layer (`enc_type` on the wire) and its response.
///
/// Re-exported as `onion::HopCipher`; the crate also uses it for the other formats that
/// encrypt with XChaCha20-Poly1305.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum HopCipher {
    /// `"xchacha20"` (alias `"xchacha20-poly1305"`): XChaCha20-Poly1305, key
    /// `BLAKE2b-256(shared || client_pub || node_pub)`. What libsession sends.
    #[default]
    XChaCha20,
    /// `"aes-gcm"` (alias `"gcm"`): AES-256-GCM, key `HMAC-SHA256("LOKI", shared)`. The
    /// default when `enc_type` is absent, and what the desktop client sends.
    Aes256Gcm,
}

impl HopCipher {
    /// The name written in `enc_type`.
    pub const fn wire_name(self) -> &'static str {
        match self {
            Self::XChaCha20 => "xchacha20",
            Self::Aes256Gcm => "aes-gcm",
        }
    }

    /// The cipher named by an `enc_type` value. `aes-cbc` / `cbc`, which the storage server
    /// also accepts but no client sends, is refused.
    pub fn from_wire_name(name: &str) -> Option<Self> {
        match name {
            "xchacha20" | "xchacha20-poly1305" => Some(Self::XChaCha20),
            "aes-gcm" | "gcm" => Some(Self::Aes256Gcm),
            _ => None,
        }
    }

    /// Nonce (IV) length on the wire: 24 for XChaCha20, 12 for AES-GCM.
    pub const fn nonce_len(self) -> usize {
        match self {
            Self::XChaCha20 => 24,
            Self::Aes256Gcm => 12,
        }
    }

    /// Bytes each layer adds (nonce and tag): 40 for XChaCha20, 28 for AES-GCM.
    pub const fn overhead(self) -> usize {
        self.nonce_len().saturating_add(TAG_LEN)
    }
}

/// A symmetric AEAD key and the cipher it is for. Not `Clone` (see [`AeadKey::duplicate`]);
/// wiped on drop.
pub(crate) struct AeadKey {
    cipher: HopCipher,
    key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadKey")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// The AEAD rejected the ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unauthentic;

impl AeadKey {
    /// Derives the key from the X25519 shared secret. `client` is the ephemeral public key,
    /// `node` the node's: this order on both sides and in both directions.
    pub(crate) fn derive(
        cipher: HopCipher,
        shared: &[u8; 32],
        client: &[u8; 32],
        node: &[u8; 32],
    ) -> Self {
        let key = match cipher {
            HopCipher::XChaCha20 => Zeroizing::new(blake2b_256(&[shared, client, node])),
            HopCipher::Aes256Gcm => {
                let mut key = Zeroizing::new([0u8; 32]);
                // HMAC accepts keys of any length: `new_from_slice` cannot fail here.
                if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(b"LOKI") {
                    mac.update(shared);
                    key.copy_from_slice(&mac.finalize().into_bytes());
                }
                key
            }
        };
        Self { cipher, key }
    }

    /// A key used as is (for formats that derive it themselves).
    pub(crate) fn from_raw(cipher: HopCipher, key: &[u8; 32]) -> Self {
        Self {
            cipher,
            key: Zeroizing::new(*key),
        }
    }

    /// A second handle on the same key (not `Clone`, so every copy is deliberate).
    pub(crate) fn duplicate(&self) -> Self {
        Self::from_raw(self.cipher, &self.key)
    }

    pub(crate) fn cipher(&self) -> HopCipher {
        self.cipher
    }

    #[cfg(test)]
    pub(crate) fn key_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// Encrypts `buf` in place under `nonce` (of [`HopCipher::nonce_len`] bytes) and returns the
    /// tag.
    pub(crate) fn seal_in_place(&self, nonce: &[u8], buf: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        match self.cipher {
            HopCipher::XChaCha20 => seal_with::<XChaCha20Poly1305>(&self.key, nonce, buf),
            HopCipher::Aes256Gcm => seal_with::<Aes256Gcm>(&self.key, nonce, buf),
        }
    }

    /// Decrypts `sealed = nonce || ciphertext || tag` in place and returns the plaintext, a
    /// sub-slice of `sealed`. Both AEADs check the tag before decrypting, so on failure
    /// `sealed` is unchanged and can be retried under another key.
    pub(crate) fn open_in_place<'a>(
        &self,
        sealed: &'a mut [u8],
    ) -> Result<&'a mut [u8], Unauthentic> {
        let (nonce, rest) = sealed
            .split_at_mut_checked(self.cipher.nonce_len())
            .ok_or(Unauthentic)?;
        let body_len = rest.len().checked_sub(TAG_LEN).ok_or(Unauthentic)?;
        let (body, tag) = rest.split_at_mut(body_len);
        let ok = match self.cipher {
            HopCipher::XChaCha20 => {
                open_with::<XChaCha20Poly1305>(&self.key, nonce, &mut *body, tag)
            }
            HopCipher::Aes256Gcm => open_with::<Aes256Gcm>(&self.key, nonce, &mut *body, tag),
        };
        if ok { Ok(body) } else { Err(Unauthentic) }
    }
}

impl AeadKey {
    /// Decrypts `sealed = nonce || ciphertext || tag` into `out`, which must be exactly
    /// `sealed.len() - overhead` bytes. `sealed` is not modified; `out` is written only when
    /// authentication succeeds.
    pub(crate) fn open_into(&self, sealed: &[u8], out: &mut [u8]) -> Result<(), Unauthentic> {
        let (nonce, rest) = sealed
            .split_at_checked(self.cipher.nonce_len())
            .ok_or(Unauthentic)?;
        let body_len = rest.len().checked_sub(TAG_LEN).ok_or(Unauthentic)?;
        let (body, tag) = rest.split_at(body_len);
        let Ok(buf) = InOutBuf::new(body, out) else {
            return Err(Unauthentic);
        };
        let ok = match self.cipher {
            HopCipher::XChaCha20 => open_inout::<XChaCha20Poly1305>(&self.key, nonce, buf, tag),
            HopCipher::Aes256Gcm => open_inout::<Aes256Gcm>(&self.key, nonce, buf, tag),
        };
        if ok { Ok(()) } else { Err(Unauthentic) }
    }
}

fn open_inout<A: AeadInOut + KeyInit>(
    key: &[u8; 32],
    nonce: &[u8],
    buf: InOutBuf<'_, '_, u8>,
    tag: &[u8],
) -> bool {
    let Ok(aead) = A::new_from_slice(key) else {
        return false;
    };
    let (Ok(nonce), Ok(tag)) = (nonce.try_into(), tag.try_into()) else {
        return false;
    };
    aead.decrypt_inout_detached(nonce, &[], buf, tag).is_ok()
}

pub(crate) fn seal_with<A: AeadInOut + KeyInit>(
    key: &[u8; 32],
    nonce: &[u8],
    buf: &mut [u8],
) -> Option<[u8; TAG_LEN]> {
    let aead = A::new_from_slice(key).ok()?;
    let nonce = nonce.try_into().ok()?;
    let tag = aead.encrypt_inout_detached(nonce, &[], buf.into()).ok()?;
    tag.as_slice().try_into().ok()
}

pub(crate) fn open_with<A: AeadInOut + KeyInit>(
    key: &[u8; 32],
    nonce: &[u8],
    body: &mut [u8],
    tag: &[u8],
) -> bool {
    let Ok(aead) = A::new_from_slice(key) else {
        return false;
    };
    let (Ok(nonce), Ok(tag)) = (nonce.try_into(), tag.try_into()) else {
        return false;
    };
    aead.decrypt_inout_detached(nonce, &[], body.into(), tag)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::x25519;

    fn vector(id: &str) -> serde_json::Value {
        let all: alloc::vec::Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../tests/vectors/session-vectors.json")).unwrap();
        all.into_iter().find(|v| v["id"] == id).unwrap()
    }

    fn hex32(v: &serde_json::Value, section: &str, key: &str) -> [u8; 32] {
        crate::wire::decode_hex(v[section][key].as_str().unwrap()).unwrap()
    }

    #[test]
    fn key_derivations_match_the_vectors() {
        let v = vector("onion-kdf-alice-bob");
        let (a_pub, a_sec) = (
            hex32(&v, "inputs", "alice_x25519_pubkey_hex"),
            hex32(&v, "inputs", "alice_x25519_secret_hex"),
        );
        let (b_pub, b_sec) = (
            hex32(&v, "inputs", "bob_x25519_pubkey_hex"),
            hex32(&v, "inputs", "bob_x25519_secret_hex"),
        );
        let ss = x25519(&a_sec, &b_pub).unwrap();
        assert_eq!(*ss, hex32(&v, "expected", "shared_secret_hex"));
        assert_eq!(*x25519(&b_sec, &a_pub).unwrap(), *ss);
        let gcm = AeadKey::derive(HopCipher::Aes256Gcm, &ss, &a_pub, &b_pub);
        assert_eq!(gcm.key_bytes(), &hex32(&v, "expected", "aes_gcm_key_hex"));
        let ab = AeadKey::derive(HopCipher::XChaCha20, &ss, &a_pub, &b_pub);
        assert_eq!(
            ab.key_bytes(),
            &hex32(
                &v,
                "expected",
                "xchacha20_key_alice_client_to_bob_server_hex"
            )
        );
        let ba = AeadKey::derive(HopCipher::XChaCha20, &ss, &b_pub, &a_pub);
        assert_eq!(
            ba.key_bytes(),
            &hex32(
                &v,
                "expected",
                "xchacha20_key_bob_client_to_alice_server_hex"
            )
        );
        let pt_len = v["inputs"]["plaintext_utf8"].as_str().unwrap().len();
        assert_eq!(
            pt_len + HopCipher::Aes256Gcm.overhead(),
            v["expected"]["ciphertext_len"]["aes-gcm"]
        );
        assert_eq!(
            pt_len + HopCipher::XChaCha20.overhead(),
            v["expected"]["ciphertext_len"]["xchacha20"]
        );

        let v = vector("onion-hop-xchacha-ok");
        let ss = x25519(
            &hex32(&v, "inputs", "server_x25519_secret_hex"),
            &hex32(&v, "inputs", "client_ephemeral_pubkey_hex"),
        )
        .unwrap();
        let key = AeadKey::derive(
            HopCipher::XChaCha20,
            &ss,
            &hex32(&v, "inputs", "client_ephemeral_pubkey_hex"),
            &hex32(&v, "inputs", "server_x25519_pubkey_hex"),
        );
        assert_eq!(key.key_bytes(), &hex32(&v, "expected", "derived_key_hex"));
        // The client side derives the same key from its secret.
        let ss2 = x25519(
            &hex32(&v, "inputs", "client_ephemeral_secret_hex"),
            &hex32(&v, "inputs", "server_x25519_pubkey_hex"),
        )
        .unwrap();
        assert_eq!(*ss2, *ss);
    }

    #[test]
    fn seal_then_open_and_tampering_fails() {
        for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
            let key = AeadKey::derive(cipher, &[1; 32], &[2; 32], &[3; 32]);
            let mut buf = alloc::vec![0u8; cipher.nonce_len()];
            buf.extend_from_slice(b"hello");
            let n = cipher.nonce_len();
            let tag = key.seal_in_place(&[9u8; 24][..n], &mut buf[n..]).unwrap();
            buf[..n].copy_from_slice(&[9u8; 24][..n]);
            buf.extend_from_slice(&tag);
            let mut copy = buf.clone();
            assert_eq!(key.open_in_place(&mut copy).unwrap(), b"hello");
            for i in 0..buf.len() {
                let mut bad = buf.clone();
                bad[i] ^= 1;
                assert_eq!(
                    key.open_in_place(&mut bad),
                    Err(Unauthentic),
                    "{cipher:?} byte {i}"
                );
            }
            assert_eq!(key.open_in_place(&mut buf[..n + 15]), Err(Unauthentic));
            let mut out = alloc::vec![0u8; 5];
            key.open_into(&buf, &mut out).unwrap();
            assert_eq!(out, b"hello");
            for i in 0..buf.len() {
                let mut bad = buf.clone();
                bad[i] ^= 1;
                let mut out = [0xaau8; 5];
                assert_eq!(key.open_into(&bad, &mut out), Err(Unauthentic));
                assert_eq!(out, [0xaa; 5], "output untouched on failure");
                // In place, a failed open leaves the input as it was (the fallback relies on it).
                let before = bad.clone();
                assert_eq!(key.open_in_place(&mut bad), Err(Unauthentic));
                assert_eq!(
                    bad, before,
                    "{cipher:?} byte {i}: input untouched on failure"
                );
            }
            assert_eq!(
                key.open_into(&buf, &mut [0u8; 4]),
                Err(Unauthentic),
                "wrong output length"
            );
        }
    }
}
