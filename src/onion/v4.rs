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
use crate::wire::{self, JsonStr, Sink};

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

/// Encodes a request: `l <json> [<body>] e` with `json = {"method", "endpoint", "headers"}`.
/// `Content-Type: application/json` is added when there is a body and no content type, and any
/// `User-Agent` header is dropped (it would fingerprint the client).
pub fn encode_request(
    method: &str,
    endpoint: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let kept: Vec<(&str, &str)> = headers
        .iter()
        .copied()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("user-agent"))
        .collect();
    let needs_type = body.is_some()
        && !kept
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let extra = needs_type.then_some(("Content-Type", "application/json"));
    let mut meta = Vec::new();
    meta.put(b"{\"method\":");
    wire::put_json_str(&mut meta, method);
    meta.put(b",\"endpoint\":");
    wire::put_json_str(&mut meta, endpoint);
    meta.put(b",\"headers\":");
    put_headers(&mut meta, kept.iter().copied().chain(extra));
    meta.put(b"}");
    list(&meta, body)
}

/// Encodes a response: `l <json> <body> e` with `json = {"code", "headers"}`. The body element
/// is always present (empty when there is none), as clients expect.
pub fn encode_response(code: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut meta = Vec::new();
    meta.put(b"{\"code\":");
    wire::put_decimal(&mut meta, u64::from(code));
    meta.put(b",\"headers\":");
    put_headers(&mut meta, headers.iter().copied());
    meta.put(b"}");
    list(&meta, Some(body))
}

fn list(meta: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let cap = wire::bencode_bytes_len(meta.len())
        .saturating_add(body.map_or(0, |b| wire::bencode_bytes_len(b.len())))
        .saturating_add(2);
    let mut out = Vec::with_capacity(cap);
    out.push(b'l');
    wire::bencode_bytes(&mut out, meta);
    if let Some(b) = body {
        wire::bencode_bytes(&mut out, b);
    }
    out.push(b'e');
    out
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
