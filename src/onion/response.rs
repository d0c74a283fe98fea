//! Client side: opening the response to a request.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::v4;
use crate::crypto::AeadKey;
use crate::wire;

/// What kind of destination answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    /// A service node: base64 (possibly inside `{"result": …}`) of the encrypted
    /// `{"status", "body"}` JSON.
    Node,
    /// An HTTP server: binary encryption of a v4 response.
    Server,
}

/// Opens the response to one request. Kept by the client from [`super::build_request`].
pub struct ResponseKey {
    primary: AeadKey,
    fallback: Option<AeadKey>,
    kind: ResponseKind,
}

/// A decrypted response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The status the destination reported (the storage RPC status, or the v4 `code`).
    pub status: u16,
    /// Headers (v4 responses; lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body: the RPC result text, or the v4 body bytes.
    pub body: Vec<u8>,
}

/// Why a response could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Too short, not from this request's destination, or altered.
    #[error("onion response failed authentication")]
    Decrypt,
    /// It decrypted but is not a response of the expected form.
    #[error("onion response malformed")]
    Malformed,
    /// Larger than 10 MiB.
    #[error("onion response too large")]
    TooLarge,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    result: Cow<'a, str>,
}

#[derive(Deserialize)]
struct NodeAnswer<'a> {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    status_code: Option<u16>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

// Wiped on drop by its `AeadKey`s' `Zeroizing` keys.
impl zeroize::ZeroizeOnDrop for ResponseKey {}

impl ResponseKey {
    pub(crate) fn new(primary: AeadKey, fallback: Option<AeadKey>, kind: ResponseKind) -> Self {
        Self {
            primary,
            fallback,
            kind,
        }
    }

    /// Stops trying AES-GCM when an XChaCha20 response fails to open (see [`ResponseKey::open`]):
    /// for clients that talk only to servers known to answer in the request's cipher.
    pub fn disable_aes_gcm_fallback(&mut self) {
        self.fallback = None;
    }

    /// Whether a failed XChaCha20 response is retried as AES-GCM: on by default for
    /// XChaCha20 requests (never for AES-GCM ones).
    pub fn aes_gcm_fallback(&self) -> bool {
        self.fallback.is_some()
    }

    /// Opens what came back for the request.
    ///
    /// From a node: `body` is base64 text (possibly the string `result` of a JSON object) of
    /// the encrypted `{"status", "body"}` JSON. From a server: the encrypted v4 response.
    /// An XChaCha20 response that fails is retried as AES-GCM (key `HMAC-SHA256("LOKI",
    /// shared)` of the same key agreement), as libsession does for legacy servers, unless
    /// [`ResponseKey::disable_aes_gcm_fallback`] was called.
    ///
    /// Allocates one buffer for the plaintext (smaller than `body`), which becomes the returned
    /// body of a v4 response; nothing else in proportion to the input.
    ///
    /// # Errors
    /// [`ResponseError::TooLarge`] over 10 MiB, [`ResponseError::Decrypt`] when it does not
    /// authenticate, [`ResponseError::Malformed`] when the plaintext is not a response.
    pub fn open(&self, body: &[u8]) -> Result<Response, ResponseError> {
        if body.len() > wire::MAX_PACKET {
            return Err(ResponseError::TooLarge);
        }
        match self.kind {
            ResponseKind::Server => {
                let plain = self.decrypt_from(body)?;
                v4::decode_response_owned(plain).map_err(|_| ResponseError::Malformed)
            }
            ResponseKind::Node => {
                let text: Cow<'_, [u8]> = match wire::from_json_object::<Wrapped<'_>>(body) {
                    Some(Wrapped {
                        result: Cow::Borrowed(r),
                    }) => Cow::Borrowed(r.as_bytes()),
                    Some(Wrapped {
                        result: Cow::Owned(r),
                    }) => Cow::Owned(r.into_bytes()),
                    None => Cow::Borrowed(body),
                };
                let plain = match wire::base64_decode(&text) {
                    Some(mut sealed) => {
                        let range = self.decrypt_in_place(&mut sealed)?;
                        sealed.get(range).map(parse_node_answer)
                    }
                    // Raw (not base64) binary: an answer sealed with `"base64": false`.
                    None => Some(parse_node_answer(&self.decrypt_from(&text)?)),
                };
                plain.ok_or(ResponseError::Decrypt)?
            }
        }
    }

    fn keys(&self) -> impl Iterator<Item = &AeadKey> {
        core::iter::once(&self.primary).chain(self.fallback.as_ref())
    }

    /// Decrypts in place; returns the plaintext's range. A failed attempt leaves the buffer
    /// unchanged (the AEADs check the tag first), so the fallback key needs no copy.
    fn decrypt_in_place(&self, sealed: &mut [u8]) -> Result<Range<usize>, ResponseError> {
        for key in self.keys() {
            if key.open_in_place(sealed).is_ok() {
                let start = key.cipher().nonce_len();
                let end = sealed.len().saturating_sub(crate::crypto::TAG_LEN);
                return Ok(start..end);
            }
        }
        Err(ResponseError::Decrypt)
    }

    /// Decrypts `sealed` into a new buffer of the plaintext's size.
    fn decrypt_from(&self, sealed: &[u8]) -> Result<Vec<u8>, ResponseError> {
        let len = |key: &AeadKey| sealed.len().checked_sub(key.cipher().overhead());
        let cap = self
            .keys()
            .filter_map(len)
            .max()
            .ok_or(ResponseError::Decrypt)?;
        let mut out = alloc::vec![0u8; cap];
        for key in self.keys() {
            if let Some(n) = len(key)
                && let Some(dst) = out.get_mut(..n)
                && key.open_into(sealed, dst).is_ok()
            {
                out.truncate(n);
                return Ok(out);
            }
        }
        Err(ResponseError::Decrypt)
    }
}

fn parse_node_answer(plain: &[u8]) -> Result<Response, ResponseError> {
    let answer: NodeAnswer<'_> = wire::from_json_object(plain).ok_or(ResponseError::Malformed)?;
    let status = answer
        .status
        .or(answer.status_code)
        .ok_or(ResponseError::Malformed)?;
    let body = match answer.body {
        None => Vec::new(),
        Some(raw) => match serde_json::from_str::<Cow<'_, str>>(raw.get()) {
            Ok(text) => text.into_owned().into_bytes(),
            // Not a string: the raw JSON value (the client asked for `"json": true`).
            Err(_) => raw.get().as_bytes().to_vec(),
        },
    };
    Ok(Response {
        status,
        headers: Vec::new(),
        body,
    })
}

impl fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HopCipher as Cipher;

    fn sealed_with(key: &AeadKey, plaintext: &[u8]) -> Vec<u8> {
        let nl = key.cipher().nonce_len();
        let mut out = alloc::vec![7u8; nl];
        out.extend_from_slice(plaintext);
        let (nonce, body) = out.split_at_mut(nl);
        let tag = key.seal_in_place(nonce, body).unwrap();
        out.extend_from_slice(&tag);
        out
    }

    #[test]
    fn xchacha_requests_accept_aes_gcm_answers_as_libsession_does() {
        let (ss, a, b) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let key = |c| AeadKey::derive(c, &ss, &a, &b);
        let rk = ResponseKey::new(
            key(Cipher::XChaCha20),
            Some(key(Cipher::Aes256Gcm)),
            ResponseKind::Node,
        );
        let body = br#"{"status":200,"body":"hi"}"#;
        for c in [Cipher::XChaCha20, Cipher::Aes256Gcm] {
            let answer = wire::base64_encode(&sealed_with(&key(c), body));
            let r = rk.open(&answer).unwrap();
            assert_eq!((r.status, r.body.as_slice()), (200, &b"hi"[..]), "{c:?}");
        }
        // Without the fallback (an aes-gcm request), an xchacha answer is refused.
        let gcm_only = ResponseKey::new(key(Cipher::Aes256Gcm), None, ResponseKind::Node);
        let answer = wire::base64_encode(&sealed_with(&key(Cipher::XChaCha20), body));
        assert_eq!(gcm_only.open(&answer), Err(ResponseError::Decrypt));
    }

    #[test]
    fn node_answers_status_variants_and_malformed_plaintexts() {
        let key = || AeadKey::derive(Cipher::XChaCha20, &[4; 32], &[5; 32], &[6; 32]);
        let rk = ResponseKey::new(key(), None, ResponseKind::Node);
        let open = |plain: &[u8]| rk.open(&wire::base64_encode(&sealed_with(&key(), plain)));
        assert_eq!(
            open(br#"{"status_code":421,"body":"x"}"#).unwrap().status,
            421
        );
        assert_eq!(
            open(br#"{"status":200,"body":{"a":[1]}}"#).unwrap().body,
            br#"{"a":[1]}"#
        );
        assert_eq!(open(br#"{"status":200}"#).unwrap().body, b"");
        assert_eq!(
            open(br#"{"body":"no status"}"#),
            Err(ResponseError::Malformed)
        );
        assert_eq!(open(b"not json"), Err(ResponseError::Malformed));
        assert_eq!(
            open(br#"{"status":70000,"body":""}"#),
            Err(ResponseError::Malformed)
        );
        // Raw (not base64) binary answers, as with `"base64": false`, open too.
        let raw = sealed_with(&key(), br#"{"status":204}"#);
        assert_eq!(rk.open(&raw).unwrap().status, 204);
    }
}
