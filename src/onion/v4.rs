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

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;

use super::response::Response;
use crate::wire::{self, Bencode, Sink};

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
    /// Headers in the order the object lists them (JSON object order).
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

fn split(bytes: &[u8]) -> Result<(&[u8], Option<&[u8]>), V4Error> {
    let Ok(Bencode::List(items)) = Bencode::decode(bytes) else {
        return Err(V4Error::Framing);
    };
    let part = |v: &Bencode| match v {
        Bencode::Bytes(r) => bytes.get(r.clone()).ok_or(V4Error::Framing),
        _ => Err(V4Error::Framing),
    };
    match items.as_slice() {
        [meta] => Ok((part(meta)?, None)),
        [meta, body] => Ok((part(meta)?, Some(part(body)?))),
        _ => Err(V4Error::Framing),
    }
}

#[derive(Deserialize)]
struct RequestMeta<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    endpoint: Cow<'a, str>,
    #[serde(borrow, default)]
    headers: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResponseMeta<'a> {
    code: u16,
    #[serde(borrow, default)]
    headers: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
}

/// Decodes a request (server side).
///
/// # Errors
/// [`V4Error`] for bad framing or metadata.
pub fn decode_request(bytes: &[u8]) -> Result<Request<'_>, V4Error> {
    let (meta, body) = split(bytes)?;
    let m: RequestMeta<'_> = serde_json::from_slice(meta).map_err(|_| V4Error::Metadata)?;
    Ok(Request {
        method: m.method.into_owned(),
        endpoint: m.endpoint.into_owned(),
        headers: m
            .headers
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        body,
    })
}

/// Decodes a response (client side); header names are lower-cased.
///
/// # Errors
/// [`V4Error`] for bad framing or metadata.
pub fn decode_response(bytes: &[u8]) -> Result<Response, V4Error> {
    let (meta, body) = split(bytes)?;
    let m: ResponseMeta<'_> = serde_json::from_slice(meta).map_err(|_| V4Error::Metadata)?;
    Ok(Response {
        status: m.code,
        headers: m
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v.to_string()))
            .collect(),
        body: body.unwrap_or_default().to_vec(),
    })
}
