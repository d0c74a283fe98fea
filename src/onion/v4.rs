//! The v4 request and response encoding used with HTTP servers (community servers, the file
//! server) behind onion requests: a bencoded list of a JSON object and an optional body.
//!
//! ```
//! use session_protocol::onion::v4;
//!
//! let req = v4::encode_request("POST", "/room/general/message", &[], Some(b"{}"));
//! let parsed = v4::decode_request(&req)?;
//! assert_eq!(parsed.method, "POST");
//! assert_eq!(parsed.headers, [("Content-Type".to_owned(), "application/json".to_owned())]);
//! assert_eq!(parsed.body, Some(&b"{}"[..]));
//! # Ok::<(), v4::V4Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

use serde::Deserialize;

use super::response::Response;
use crate::wire::{self, Codec, Count, JsonStr, Sink};

/// Why bytes are not a v4 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V4Error {
    /// Not a bencoded list of one or two byte strings.
    #[error("v4 message is not a bencoded list of metadata and body")]
    Framing,
    /// The metadata is not the expected JSON object.
    #[error("v4 metadata malformed")]
    Metadata,
}

/// A decoded v4 request (what a server receives).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request<'a> {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub endpoint: String,
    /// Headers in the order the JSON object lists them, repeated names kept.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<&'a [u8]>,
}

fn put_headers<'h, S: Sink>(out: &mut S, headers: impl Iterator<Item = (&'h str, &'h str)>) {
    out.put(b"{");
    for (i, (k, v)) in headers.enumerate() {
        if i > 0 {
            out.put(b",");
        }
        wire::put_json_str(out, k);
        out.put(b":");
        wire::put_json_str(out, v);
    }
    out.put(b"}");
}

/// A v4 message: `l <len>:<json> [<len>:<body>] e`, the JSON written by `meta`.
struct Message<'m, M> {
    meta: M,
    body: Option<&'m [u8]>,
}

impl<M: Fn(&mut dyn FnMut(&[u8]))> Message<'_, M> {
    fn put<S: Sink>(&self, out: &mut S) {
        let mut meta_len = Count::default();
        (self.meta)(&mut |b| meta_len.put(b));
        out.put(b"l");
        wire::put_decimal(out, meta_len.0 as u64);
        out.put(b":");
        (self.meta)(&mut |b| out.put(b));
        if let Some(body) = self.body {
            wire::bencode_bytes(out, body);
        }
        out.put(b"e");
    }
}

/// A [`Sink`] behind a closure, so one JSON writer serves both the count and the write.
struct Put<'f>(&'f mut dyn FnMut(&[u8]));

impl Sink for Put<'_> {
    fn put(&mut self, bytes: &[u8]) {
        (self.0)(bytes);
    }
}

/// Encodes a request: `l <json> [<body>] e` with `json = {"method", "endpoint", "headers"}`.
/// `Content-Type: application/json` is added when there is a body and no content type, and any
/// `User-Agent` header is dropped (it would fingerprint the client).
pub fn encode_request(
    method: &str,
    endpoint: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request_into(method, endpoint, headers, body, &mut out);
    out
}

/// [`encode_request`], appending to `out` (reserving the exact length first).
pub fn encode_request_into(
    method: &str,
    endpoint: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    out: &mut Vec<u8>,
) {
    let mut len = Count::default();
    put_request(&mut len, method, endpoint, headers, body);
    out.reserve(len.0);
    put_request(out, method, endpoint, headers, body);
}

/// Writes a v4 request (shared by [`encode_request_into`] and [`Request`]'s codec).
fn put_request<S: Sink>(
    out: &mut S,
    method: &str,
    endpoint: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) {
    let kept = || {
        headers
            .iter()
            .copied()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("user-agent"))
    };
    let needs_type = body.is_some() && !kept().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let extra = needs_type.then_some(("Content-Type", "application/json"));
    let meta = |f: &mut dyn FnMut(&[u8])| {
        let mut m = Put(f);
        m.put(b"{\"method\":");
        wire::put_json_str(&mut m, method);
        m.put(b",\"endpoint\":");
        wire::put_json_str(&mut m, endpoint);
        m.put(b",\"headers\":");
        put_headers(&mut m, kept().chain(extra));
        m.put(b"}");
    };
    Message { meta, body }.put(out);
}

/// Encodes a response: `l <json> <body> e` with `json = {"code", "headers"}`. The body element
/// is always present (empty when there is none), as clients expect.
pub fn encode_response(code: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_response_into(code, headers, body, &mut out);
    out
}

/// [`encode_response`], appending to `out` (reserving the exact length first).
pub fn encode_response_into(code: u16, headers: &[(&str, &str)], body: &[u8], out: &mut Vec<u8>) {
    let mut len = Count::default();
    put_response(&mut len, code, headers, body);
    out.reserve(len.0);
    put_response(out, code, headers, body);
}

/// Writes a v4 response (shared by [`encode_response_into`] and [`Response`]'s codec).
fn put_response<S: Sink>(out: &mut S, code: u16, headers: &[(&str, &str)], body: &[u8]) {
    let meta = |f: &mut dyn FnMut(&[u8])| {
        let mut m = Put(f);
        m.put(b"{\"code\":");
        wire::put_decimal(&mut m, u64::from(code));
        m.put(b",\"headers\":");
        put_headers(&mut m, headers.iter().copied());
        m.put(b"}");
    };
    Message {
        meta,
        body: Some(body),
    }
    .put(out);
}

/// `l <meta> [<body>] e`, read with the streaming reader: nothing is allocated, and the two
/// parts are ranges of `bytes`.
fn split_ranges(bytes: &[u8]) -> Result<(Range<usize>, Option<Range<usize>>), V4Error> {
    let framing = |_| V4Error::Framing;
    let mut r = wire::BencodeReader::new(bytes);
    r.enter(wire::BencodeKind::List).map_err(framing)?;
    let meta = r.bytes().map_err(framing)?;
    let body = if r.end_of_container().map_err(framing)? {
        None
    } else {
        let body = r.bytes().map_err(framing)?;
        if !r.end_of_container().map_err(framing)? {
            return Err(V4Error::Framing);
        }
        Some(body)
    };
    r.finish().map_err(framing)?;
    Ok((meta, body))
}

fn split(bytes: &[u8]) -> Result<(&[u8], Option<&[u8]>), V4Error> {
    let (meta, body) = split_ranges(bytes)?;
    let part = |r: Range<usize>| bytes.get(r).ok_or(V4Error::Framing);
    Ok((part(meta)?, body.map(part).transpose()?))
}

/// A JSON object of string headers, kept in the order the object lists them (repeated names
/// included), copied out as owned strings; names lower-cased when `LOWER`.
struct Headers<const LOWER: bool>(Vec<(String, String)>);

impl<const LOWER: bool> Default for Headers<LOWER> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, const LOWER: bool> Deserialize<'de> for Headers<LOWER> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const LOWER: bool>;
        impl<'de, const LOWER: bool> serde::de::Visitor<'de> for V<LOWER> {
            type Value = Headers<LOWER>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an object of string headers")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<JsonStr<'de>, JsonStr<'de>>()? {
                    let name = if LOWER {
                        k.to_lowercase()
                    } else {
                        k.0.into_owned()
                    };
                    out.push((name, v.0.into_owned()));
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_map(V::<LOWER>)
    }
}

#[derive(Deserialize)]
struct RequestMeta<'a> {
    #[serde(borrow)]
    method: JsonStr<'a>,
    #[serde(borrow)]
    endpoint: JsonStr<'a>,
    #[serde(default)]
    headers: Headers<false>,
}

#[derive(Deserialize)]
struct ResponseMeta {
    code: u16,
    #[serde(default)]
    headers: Headers<true>,
}

/// Decodes a request (server side). The framing is read without allocating; what is
/// allocated is what is returned (the method, endpoint and header strings).
///
/// # Errors
/// [`V4Error::Framing`] unless `bytes` is exactly a canonical bencoded list of one or two byte
/// strings; [`V4Error::Metadata`] unless the first is a JSON object with string `method` and
/// `endpoint` and an optional object of string `headers`.
pub fn decode_request(bytes: &[u8]) -> Result<Request<'_>, V4Error> {
    let (meta, body) = split(bytes)?;
    let m: RequestMeta<'_> = wire::from_json_object(meta).ok_or(V4Error::Metadata)?;
    Ok(Request {
        method: m.method.0.into_owned(),
        endpoint: m.endpoint.0.into_owned(),
        headers: m.headers.0,
        body,
    })
}

/// Decodes a response (client side); header names are lower-cased, in object order.
///
/// # Errors
/// [`V4Error::Framing`] as for [`decode_request`]; [`V4Error::Metadata`] unless the first
/// part is a JSON object with a `code` (0..=65535) and an optional object of string
/// `headers`.
pub fn decode_response(bytes: &[u8]) -> Result<Response, V4Error> {
    let (meta, body) = split(bytes)?;
    let m: ResponseMeta = wire::from_json_object(meta).ok_or(V4Error::Metadata)?;
    Ok(Response {
        status: m.code,
        headers: m.headers.0,
        body: body.unwrap_or_default().to_vec(),
    })
}

/// [`decode_response`] of a buffer the caller owns: the body is moved to the front of `buf`,
/// which becomes the response's body, so nothing is copied.
pub(crate) fn decode_response_owned(mut buf: Vec<u8>) -> Result<Response, V4Error> {
    let (meta, body) = split_ranges(&buf)?;
    let m: ResponseMeta =
        wire::from_json_object(buf.get(meta).ok_or(V4Error::Framing)?).ok_or(V4Error::Metadata)?;
    let body = body.unwrap_or(0..0);
    buf.truncate(body.end);
    buf.drain(..body.start);
    Ok(Response {
        status: m.code,
        headers: m.headers.0,
        body: buf,
    })
}

impl<'a> Request<'a> {
    /// Decodes a request ([`decode_request`]).
    ///
    /// # Errors
    /// As [`decode_request`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, V4Error> {
        decode_request(bytes)
    }

    /// Encodes the request ([`encode_request`]: a body gets a JSON content type unless it has
    /// one, and `User-Agent` headers are dropped), appending to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        <Self as Codec<'a>>::encode_into(self, out);
    }

    /// [`Request::encode_into`] into a new buffer.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn message<S: Sink>(&self, out: &mut S) {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        put_request(out, &self.method, &self.endpoint, &headers, self.body);
    }
}

/// The v4 request format: [`Request`] both writes and reads it.
impl<'a> Codec<'a> for Request<'a> {
    type Error = V4Error;

    fn encode<S: Sink>(&self, out: &mut S) {
        self.message(out);
    }

    fn decode(bytes: &'a [u8]) -> Result<Self, V4Error> {
        decode_request(bytes)
    }
}

/// The v4 response format: [`Response`] (status, headers, body) both writes and reads it.
impl<'a> Codec<'a> for Response {
    type Error = V4Error;

    fn encode<S: Sink>(&self, out: &mut S) {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        put_response(out, self.status, &headers, &self.body);
    }

    fn decode(bytes: &'a [u8]) -> Result<Self, V4Error> {
        decode_response(bytes)
    }
}

#[cfg(test)]
mod codec_tests {
    use super::*;
    use alloc::borrow::ToOwned;
    use alloc::vec;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn request_round_trips_through_its_codec(
            method in "[A-Z]{1,7}",
            endpoint in "/[ -~]{0,40}",
            headers in proptest::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,20}"), 0..4),
            body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        ) {
            let mut headers: Vec<(String, String)> = headers
                .into_iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("user-agent"))
                .collect();
            if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            }
            let req = Request { method, endpoint, headers, body: body.as_deref() };
            let bytes = req.encode();
            prop_assert_eq!(bytes.len(), <Request<'_> as Codec<'_>>::encoded_len(&req));
            prop_assert_eq!(&Request::decode(&bytes).unwrap(), &req);
            // The free function writes the same bytes.
            let borrowed: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assert_eq!(encode_request(&req.method, &req.endpoint, &borrowed, req.body), bytes);
        }

        #[test]
        fn response_round_trips_through_its_codec(
            status in any::<u16>(),
            headers in proptest::collection::vec(("[a-z-]{1,12}", "[ -~]{0,20}"), 0..4),
            body in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let resp = Response { status, headers, body };
            let mut bytes = vec![];
            <Response as Codec<'_>>::encode_into(&resp, &mut bytes);
            let decoded = <Response as Codec<'_>>::decode(&bytes).unwrap();
            prop_assert_eq!(&decoded, &resp);
            let borrowed: Vec<(&str, &str)> = resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assert_eq!(encode_response(resp.status, &borrowed, &resp.body), bytes);
        }
    }
}
