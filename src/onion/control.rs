//! The routing JSON of onion layers: what the entry frame says about the first layer, and what
//! each decrypted layer says about the next ([`Control`]). Each is one type that writes and
//! reads itself ([`Codec`]).

use alloc::borrow::Cow;
use core::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::destination::{Protocol, is_allowed_target, is_valid_host};
use super::{HopCipher, PROXY_DEFAULT_PORT};
use crate::crypto;
use crate::identity::{Ed25519Public, X25519Public};
use crate::wire::{self, Codec, JsonStr, Sink};

/// The highest `hop_no` a node accepts.
pub(crate) const MAX_HOP_NO: u8 = 15;

/// Why a decrypted layer was refused, for the node operator's log: the part at fault and what
/// is wrong with it. Never holds key material or layer contents.
///
/// The wire answer is [`LayerError`](super::LayerError)'s text, exactly the storage server's;
/// this says more, and stays on the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    field: &'static str,
    problem: Problem,
}

impl Refusal {
    pub(crate) const fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// The JSON field (or `"frame"` / `"json"` for the layer as a whole) at fault.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> Problem {
        self.problem
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// What is wrong with the part a [`Refusal`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// Not well-formed (a frame that does not split, JSON that does not parse or repeats a
    /// key, nesting past 128 levels, not an object).
    Malformed,
    /// Required and absent.
    Missing,
    /// Present with the wrong JSON type.
    WrongType,
    /// A number outside its range (`port` above 65535).
    OutOfRange,
    /// A key that is not 64 hex digits (the next node's key must be lowercase, as every
    /// client writes it).
    NotHex,
    /// A cipher no client sends (`aes-cbc`) or no cipher at all.
    Unsupported,
    /// A value a node does not fetch: scheme, host, target or port.
    NotAllowed,
    /// The request would pass its 15th hop.
    TooManyHops,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed",
            Self::Missing => "missing",
            Self::WrongType => "wrong JSON type",
            Self::OutOfRange => "out of range",
            Self::NotHex => "not 64 lowercase hex digits",
            Self::Unsupported => "unsupported cipher",
            Self::NotAllowed => "not a URL part nodes fetch",
            Self::TooManyHops => "past 15 hops",
        })
    }
}

/// The key and cipher of the next layer: the `"ephemeral_key"` and `"enc_type"` fields every
/// routing JSON ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NextKey {
    pub(crate) ephemeral_key: X25519Public,
    pub(crate) cipher: HopCipher,
}

impl NextKey {
    fn put<S: Sink>(&self, out: &mut S) {
        out.put(b"\"ephemeral_key\":\"");
        wire::put_hex(out, self.ephemeral_key.as_bytes());
        out.put(b"\",\"enc_type\":\"");
        out.put(self.cipher.wire_name().as_bytes());
        out.put(b"\"");
    }
}

/// What a decrypted layer's JSON tells its node to do with the frame's blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control<'a> {
    /// `{"headers": …}`: this node is the destination (`json` and `base64` shape its answer).
    Deliver { json: bool, base64: bool },
    /// `{"host", "target", "method", "protocol", "port", …}`: POST the layer to a server.
    /// `next` is the server's layer key: written by clients, which the server reads itself
    /// from the same JSON (the node does not read it, so decoding leaves it `None`).
    Proxy {
        host: Cow<'a, str>,
        target: Cow<'a, str>,
        protocol: Protocol,
        port: u16,
        next: Option<NextKey>,
    },
    /// `{"destination", "ephemeral_key", "enc_type"}`: relay the blob to another node.
    Forward { next: Ed25519Public, key: NextKey },
}

/// Any JSON value, present or not: `null` counts as present (the storage server tests
/// `headers` by presence alone).
#[derive(Default)]
struct Raw<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|v| Self(Some(v)))
    }
}

/// The fields a layer's JSON may have, each kept raw so a wrong type can be named.
/// Duplicate keys are refused (serde's derive does).
#[derive(Deserialize)]
struct LayerFields<'a> {
    #[serde(borrow, default)]
    headers: Raw<'a>,
    #[serde(borrow, default)]
    json: Raw<'a>,
    #[serde(borrow, default)]
    base64: Raw<'a>,
    #[serde(borrow, default)]
    host: Raw<'a>,
    #[serde(borrow, default)]
    target: Raw<'a>,
    #[serde(borrow, default)]
    protocol: Raw<'a>,
    #[serde(borrow, default)]
    port: Raw<'a>,
    #[serde(borrow, default)]
    destination: Raw<'a>,
    #[serde(borrow, default)]
    ephemeral_key: Raw<'a>,
    #[serde(borrow, default)]
    enc_type: Raw<'a>,
}

/// A field's value as `T`: `Ok(None)` when absent, [`Problem::WrongType`] when present as
/// something else.
fn typed<'a, T: Deserialize<'a>>(raw: &Raw<'a>, field: &'static str) -> Result<Option<T>, Refusal> {
    raw.0
        .map(|value| serde_json::from_str::<T>(value.get()))
        .transpose()
        .map_err(|_| Refusal::new(field, Problem::WrongType))
}

/// [`typed`] for an integer field: an integer that does not fit is [`Problem::OutOfRange`].
fn integer<'a, T: Deserialize<'a>>(
    raw: &Raw<'a>,
    field: &'static str,
) -> Result<Option<T>, Refusal> {
    typed(raw, field).map_err(|r| {
        let is_integer = raw
            .0
            .is_some_and(|v| serde_json::from_str::<i128>(v.get()).is_ok());
        if is_integer {
            Refusal::new(field, Problem::OutOfRange)
        } else {
            r
        }
    })
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, Refusal> {
    value.ok_or(Refusal::new(field, Problem::Missing))
}

/// A next node's key as clients write it: exactly 64 lowercase hex digits.
///
/// Stricter than the storage server, which also accepts upper case: a node here refuses a key
/// no client writes instead of passing it on. Whether the key names a node at all (a valid
/// point among them) is the node list's to say, as on the storage server, which parses any
/// 64 hex digits (its own unit tests relay to `ffffeeee…`) and answers "Next node not found"
/// when the lookup fails.
fn next_node_key(hex: &str) -> Result<Ed25519Public, Refusal> {
    let lowercase = hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    wire::decode_hex(hex)
        .ok()
        .filter(|_| lowercase)
        .map(Ed25519Public::from_bytes)
        .ok_or(Refusal::new("destination", Problem::NotHex))
}

impl<'a> Control<'a> {
    /// Whether this control asks for a URL change the storage server would refuse with
    /// "Invalid url" (as opposed to "Invalid json").
    pub(crate) fn is_url_problem(r: &Refusal) -> bool {
        r.problem == Problem::NotAllowed
    }

    fn decode_proxy(f: &LayerFields<'a>) -> Result<Self, Refusal> {
        // As the storage server reads them: every field's type first (a failure there is
        // "Invalid json"), then whether it will fetch the URL ("Invalid url").
        let host: JsonStr<'a> = required(typed(&f.host, "host")?, "host")?;
        let target: JsonStr<'a> = required(typed(&f.target, "target")?, "target")?;
        let port: Option<u16> = integer(&f.port, "port")?;
        let protocol: Option<JsonStr<'a>> = typed(&f.protocol, "protocol")?;
        let not_allowed = |field| Refusal::new(field, Problem::NotAllowed);
        let protocol = match protocol.as_deref() {
            Some("https") | None => Protocol::Https,
            Some("http") => Protocol::Http,
            Some(_) => return Err(not_allowed("protocol")),
        };
        if !is_allowed_target(&target) {
            return Err(not_allowed("target"));
        }
        // Stricter than the storage server, which pastes any host into the URL (an empty one
        // included): see `is_valid_host`.
        if !is_valid_host(&host) {
            return Err(not_allowed("host"));
        }
        let port = port.unwrap_or(PROXY_DEFAULT_PORT);
        if port == 0 {
            return Err(not_allowed("port"));
        }
        Ok(Self::Proxy {
            host: host.0,
            target: target.0,
            protocol,
            port,
            next: None,
        })
    }

    fn decode_forward(f: &LayerFields<'a>) -> Result<Self, Refusal> {
        let dest: JsonStr<'_> = required(typed(&f.destination, "destination")?, "destination")?;
        let eph: JsonStr<'_> =
            required(typed(&f.ephemeral_key, "ephemeral_key")?, "ephemeral_key")?;
        let enc: Option<JsonStr<'_>> = typed(&f.enc_type, "enc_type")?;
        let next = next_node_key(&dest)?;
        let ephemeral_key = wire::decode_hex(&eph)
            .map(X25519Public::from_bytes)
            .map_err(|_| Refusal::new("ephemeral_key", Problem::NotHex))?;
        let cipher = match enc.as_deref() {
            None => HopCipher::Aes256Gcm,
            Some(name) => HopCipher::from_wire_name(name)
                .ok_or(Refusal::new("enc_type", Problem::Unsupported))?,
        };
        Ok(Self::Forward {
            next,
            key: NextKey {
                ephemeral_key,
                cipher,
            },
        })
    }
}

impl<'a> Codec<'a> for Control<'a> {
    type Error = Refusal;

    fn encode<S: Sink>(&self, out: &mut S) {
        match self {
            Self::Deliver { json, base64 } => {
                out.put(b"{\"headers\":\"\"");
                if *json {
                    out.put(b",\"json\":true");
                }
                if !*base64 {
                    out.put(b",\"base64\":false");
                }
            }
            Self::Proxy {
                host,
                target,
                protocol,
                port,
                next,
            } => {
                out.put(b"{\"host\":");
                wire::put_json_str(out, host);
                out.put(b",\"target\":");
                wire::put_json_str(out, target);
                out.put(b",\"method\":\"POST\",\"protocol\":\"");
                out.put(protocol.as_str().as_bytes());
                out.put(b"\",\"port\":");
                wire::put_decimal(out, u64::from(*port));
                if let Some(next) = next {
                    out.put(b",");
                    next.put(out);
                }
            }
            Self::Forward { next, key } => {
                out.put(b"{\"destination\":\"");
                wire::put_hex(out, next.as_bytes());
                out.put(b"\",");
                key.put(out);
            }
        }
        out.put(b"}");
    }

    /// What the storage server does, in its order: `headers` present (any value, `null`
    /// included) means deliver; else `host` present means proxy; else forward.
    fn decode(json: &'a [u8]) -> Result<Self, Refusal> {
        let f: LayerFields<'a> =
            wire::from_json_object(json).ok_or(Refusal::new("json", Problem::Malformed))?;
        if f.headers.0.is_some() {
            let json = typed(&f.json, "json")?.unwrap_or(false);
            let base64 = typed(&f.base64, "base64")?.unwrap_or(true);
            return Ok(Self::Deliver { json, base64 });
        }
        if f.host.0.is_some() {
            return Self::decode_proxy(&f);
        }
        Self::decode_forward(&f)
    }
}

/// The JSON of the entry frame: the first layer's key and cipher, and an optional starting
/// hop count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryControl {
    pub(crate) key: NextKey,
    pub(crate) hop_no: Option<u8>,
}

/// Why an entry frame's JSON was refused (mapped to [`super::PeelError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryError {
    /// Malformed, or the named field is missing or wrong-typed.
    Field(&'static str),
    /// `enc_type` names no supported cipher.
    Cipher,
    /// The key is not a canonical X25519 encoding.
    WeakKey,
    /// `hop_no` above 15.
    TooManyHops,
}

#[derive(Deserialize)]
struct EntryFields<'a> {
    #[serde(borrow, default)]
    ephemeral_key: Raw<'a>,
    #[serde(borrow, default)]
    enc_type: Raw<'a>,
    #[serde(borrow, default)]
    hop_no: Raw<'a>,
}

impl<'a> Codec<'a> for EntryControl {
    type Error = EntryError;

    fn encode<S: Sink>(&self, out: &mut S) {
        out.put(b"{");
        self.key.put(out);
        if let Some(hop_no) = self.hop_no {
            out.put(b",\"hop_no\":");
            wire::put_decimal(out, u64::from(hop_no));
        }
        out.put(b"}");
    }

    /// Other fields are ignored (an HTTP server reads the proxied layer's JSON with this too).
    fn decode(json: &'a [u8]) -> Result<Self, EntryError> {
        let f: EntryFields<'a> = wire::from_json_object(json).ok_or(EntryError::Field("json"))?;
        let field = |r: Refusal| EntryError::Field(r.field);
        let hex: JsonStr<'_> = typed(&f.ephemeral_key, "ephemeral_key")
            .and_then(|v| required(v, "ephemeral_key"))
            .map_err(field)?;
        let bytes: [u8; 32] =
            wire::decode_hex(&hex).map_err(|_| EntryError::Field("ephemeral_key"))?;
        if !crypto::is_canonical_u(&bytes) {
            return Err(EntryError::WeakKey);
        }
        let cipher = match typed::<JsonStr<'_>>(&f.enc_type, "enc_type").map_err(field)? {
            None => HopCipher::Aes256Gcm,
            Some(name) => HopCipher::from_wire_name(&name).ok_or(EntryError::Cipher)?,
        };
        // Any non-negative integer parses; above 15 is refused for what it is.
        let hop_no = integer::<u64>(&f.hop_no, "hop_no")
            .map_err(field)?
            .map(|h| {
                u8::try_from(h)
                    .ok()
                    .filter(|&h| h <= MAX_HOP_NO)
                    .ok_or(EntryError::TooManyHops)
            })
            .transpose()?;
        Ok(Self {
            key: NextKey {
                ephemeral_key: X25519Public::from_bytes(bytes),
                cipher,
            },
            hop_no,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn key(b: u8) -> NextKey {
        NextKey {
            ephemeral_key: X25519Public::from_bytes([b; 32]),
            cipher: if b.is_multiple_of(2) {
                HopCipher::XChaCha20
            } else {
                HopCipher::Aes256Gcm
            },
        }
    }

    fn round_trip(c: &Control<'_>) -> Control<'static> {
        let mut out = Vec::new();
        c.encode_into(&mut out);
        assert_eq!(out.len(), c.encoded_len());
        match Control::decode(&out).unwrap() {
            Control::Deliver { json, base64 } => Control::Deliver { json, base64 },
            Control::Proxy {
                host,
                target,
                protocol,
                port,
                next,
            } => Control::Proxy {
                host: Cow::Owned(host.into_owned()),
                target: Cow::Owned(target.into_owned()),
                protocol,
                port,
                next,
            },
            Control::Forward { next, key } => Control::Forward { next, key },
        }
    }

    #[test]
    fn deliver_encodes_as_the_builder_always_did() {
        let plain = Control::Deliver {
            json: false,
            base64: true,
        };
        let mut out = Vec::new();
        plain.encode(&mut out);
        assert_eq!(out, br#"{"headers":""}"#);
        for json in [false, true] {
            for base64 in [false, true] {
                let c = Control::Deliver { json, base64 };
                assert_eq!(round_trip(&c), c);
            }
        }
    }

    proptest! {
        #[test]
        fn forward_and_proxy_round_trip(
            next in any::<[u8; 32]>(),
            k in any::<u8>(),
            host in "[a-z0-9.-]{1,40}",
            tail in "[a-z0-9/]{0,20}",
            port in 1u16..,
            http in any::<bool>(),
        ) {
            let k = k & 0x7f; // a canonical X25519 encoding, as the entry reader requires
            let fwd = Control::Forward { next: Ed25519Public::from_bytes(next), key: key(k) };
            prop_assert_eq!(round_trip(&fwd), fwd);
            let target = alloc::format!("/oxen/{tail}/lsrpc");
            let proxy = Control::Proxy {
                host: Cow::Borrowed(host.as_str()),
                target: Cow::Borrowed(target.as_str()),
                protocol: if http { Protocol::Http } else { Protocol::Https },
                port,
                next: Some(key(k)),
            };
            // The node does not read the server's key: it comes back as `None`, and the entry
            // reader (the server's) recovers it from the same JSON.
            let mut out = Vec::new();
            proxy.encode(&mut out);
            let Control::Proxy { next: None, .. } = Control::decode(&out).unwrap() else {
                panic!("not a proxy");
            };
            let entry = EntryControl::decode(&out).unwrap();
            prop_assert_eq!(entry.key, key(k));
            let Control::Proxy { host: h, target: t, protocol: p, port: n, .. } = proxy else {
                unreachable!()
            };
            prop_assert_eq!(
                round_trip(&Control::Proxy { host: h.clone(), target: t.clone(), protocol: p, port: n, next: None }),
                Control::Proxy { host: h, target: t, protocol: p, port: n, next: None }
            );
        }

        #[test]
        fn entry_round_trips(k in any::<u8>(), hop_no in proptest::option::of(0u8..=15)) {
            // Canonical keys only (bit 255 clear, below p).
            let mut k = key(k);
            k.ephemeral_key = X25519Public::from_bytes([k.ephemeral_key.as_bytes()[0] & 0x7f; 32]);
            let e = EntryControl { key: k, hop_no };
            let mut out = Vec::new();
            e.encode_into(&mut out);
            prop_assert_eq!(out.len(), e.encoded_len());
            prop_assert_eq!(EntryControl::decode(&out), Ok(e));
        }
    }

    #[test]
    fn refusals_name_the_field_and_the_problem() {
        let dest = "ab".repeat(32);
        let eph = "cd".repeat(32);
        let fwd = |extra: &str| {
            alloc::format!(r#"{{"destination":"{dest}","ephemeral_key":"{eph}"{extra}}}"#)
        };
        let proxy = |extra: &str| {
            alloc::format!(r#"{{"host":"h.example","target":"/oxen/v4/lsrpc"{extra}}}"#)
        };
        let cases: [(alloc::string::String, &str, Problem); 14] = [
            ("[]".into(), "json", Problem::Malformed),
            (r#"{"a":1,"a":2,"#.into(), "json", Problem::Malformed),
            (fwd(r#","destination":"x""#), "json", Problem::Malformed),
            (r#"{"host":"h"}"#.into(), "target", Problem::Missing),
            (
                r#"{"host":7,"target":"/oxen/v4/lsrpc"}"#.into(),
                "host",
                Problem::WrongType,
            ),
            (proxy(r#","port":70000"#), "port", Problem::OutOfRange),
            (proxy(r#","port":"443""#), "port", Problem::WrongType),
            (proxy(r#","port":0"#), "port", Problem::NotAllowed),
            (
                proxy(r#","protocol":"ftp""#),
                "protocol",
                Problem::NotAllowed,
            ),
            (
                r#"{"host":"a/b","target":"/oxen/v4/lsrpc"}"#.into(),
                "host",
                Problem::NotAllowed,
            ),
            (
                alloc::format!(
                    r#"{{"destination":"{}","ephemeral_key":"{eph}"}}"#,
                    "AB".repeat(32)
                ),
                "destination",
                Problem::NotHex,
            ),
            (
                r#"{"ephemeral_key":"00"}"#.into(),
                "destination",
                Problem::Missing,
            ),
            (
                fwd(r#","enc_type":"aes-cbc""#),
                "enc_type",
                Problem::Unsupported,
            ),
            (
                r#"{"headers":{},"json":"yes"}"#.into(),
                "json",
                Problem::WrongType,
            ),
        ];
        for (json, field, problem) in cases {
            let got = Control::decode(json.as_bytes()).unwrap_err();
            assert_eq!((got.field(), got.problem()), (field, problem), "{json}");
            let text = got.to_string();
            assert!(text.starts_with(field), "{text}");
            assert!(
                !text.contains("ab".repeat(4).as_str()),
                "no field values in the reason"
            );
        }
        assert_eq!(
            Refusal::new("destination", Problem::NotHex).to_string(),
            "destination: not 64 lowercase hex digits"
        );
        // What the storage server ignores stays ignored: `json` in a forward layer, any value
        // of `headers`.
        assert!(matches!(
            Control::decode(fwd(r#","json":7"#).as_bytes()),
            Ok(Control::Forward { .. })
        ));
        assert!(matches!(
            Control::decode(br#"{"headers":7}"#),
            Ok(Control::Deliver {
                json: false,
                base64: true
            })
        ));
    }
}
