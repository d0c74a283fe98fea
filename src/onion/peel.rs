//! Node side: parsing what arrives, peeling one layer in place, relaying and replying.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{HopCipher, is_allowed_target};
use crate::crypto::{self, HopKey, Keypair};
use crate::identity::Identity;
use crate::wire::{self, FrameError, JsonStr, MAX_PACKET, Sink};

/// The port a proxy layer without `port` is sent to, whatever its scheme: the storage server
/// defaults to 443 for `http` too (clients always write the port).
pub const PROXY_DEFAULT_PORT: u16 = 443;

/// The highest `hop_no` a node accepts.
const MAX_HOP_NO: u64 = 15;

/// A node's (or an onion-capable HTTP server's) X25519 key pair.
///
/// Not `Clone`; the secret is wiped on drop and absent from `Debug`.
pub struct NodeSecret {
    keys: Keypair,
}

// Wiped on drop by its key pair's `Zeroizing` secret.
impl zeroize::ZeroizeOnDrop for NodeSecret {}

impl NodeSecret {
    /// From a raw X25519 secret (clamped as X25519 clamps).
    pub fn from_x25519_secret(secret: [u8; 32]) -> Self {
        Self {
            keys: Keypair::from_secret(secret),
        }
    }

    /// A node's onion key is the X25519 form of its Ed25519 identity key.
    pub fn from_identity(identity: &Identity) -> Self {
        Self::from_x25519_secret(**identity.x25519_secret())
    }

    /// The X25519 public key clients encrypt to.
    pub fn public(&self) -> [u8; 32] {
        self.keys.public
    }

    fn hop_key(&self, layer: &Layer<'_>) -> Result<(HopKey, [u8; 32]), PeelError> {
        let shared =
            crypto::x25519(&self.keys.secret, &layer.ephemeral_key).ok_or(PeelError::WeakKey)?;
        let key = HopKey::derive(
            layer.cipher.inner(),
            &shared,
            &layer.ephemeral_key,
            &self.keys.public,
        );
        let tag = crypto::blake2b_256_keyed(REPLAY_DOMAIN, &[&shared[..]]);
        Ok((key, *tag))
    }
}

const REPLAY_DOMAIN: &[u8; 22] = b"session-onion-replay-1";

impl fmt::Debug for NodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSecret").finish_non_exhaustive()
    }
}

/// One layer as it arrived, not yet decrypted: the ciphertext (borrowed mutably, for decryption
/// in place) and what the sender said about it.
pub struct Layer<'a> {
    ciphertext: &'a mut [u8],
    ephemeral_key: [u8; 32],
    cipher: HopCipher,
    hop_no: u8,
}

impl Layer<'_> {
    /// The sender's ephemeral X25519 key.
    pub fn ephemeral_key(&self) -> &[u8; 32] {
        &self.ephemeral_key
    }

    /// The layer cipher.
    pub fn cipher(&self) -> HopCipher {
        self.cipher
    }

    /// How many nodes relayed this layer before (0 at the entry node unless the client set it).
    pub fn hop_no(&self) -> u8 {
        self.hop_no
    }

    /// The encrypted bytes.
    pub fn ciphertext(&self) -> &[u8] {
        self.ciphertext
    }
}

impl fmt::Debug for Layer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("cipher", &self.cipher)
            .field("hop_no", &self.hop_no)
            .field("len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// Why an arriving packet or relay message was refused before or at decryption. These are
/// answered in the clear (SPEC 3.9); see [`PeelError::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeelError {
    /// Larger than 10 MiB.
    #[error("onion packet too large")]
    TooLarge,
    /// The `u32 || blob || json` frame is malformed.
    #[error("onion frame malformed: {0}")]
    Frame(#[from] FrameError),
    /// The control JSON (or relay dictionary) is malformed, or a field is missing or has the
    /// wrong type; names the field or part at fault.
    #[error("onion control data malformed: {0}")]
    Control(&'static str),
    /// `enc_type` names no supported cipher (`aes-cbc` included: no client sends it).
    #[error("unsupported onion layer cipher")]
    UnsupportedCipher,
    /// The ephemeral key is not a canonical X25519 encoding, or has small order.
    #[error("unusable ephemeral key")]
    WeakKey,
    /// `hop_no` above 15.
    #[error("onion request max path length exceeded")]
    TooManyHops,
    /// The layer failed authentication: wrong key, tampering or truncation, all alike.
    #[error("onion layer failed authentication")]
    Decrypt,
}

impl PeelError {
    /// The HTTP status a storage server answers with.
    pub fn status(self) -> u16 {
        400
    }

    /// The body a storage server answers with.
    pub fn message(self) -> &'static str {
        match self {
            Self::Decrypt | Self::WeakKey => "Invalid ciphertext",
            Self::TooManyHops => "onion request max path length exceeded",
            _ => "Error parsing onion request",
        }
    }
}

/// Why a layer that decrypted correctly cannot be acted on. Answered encrypted with the
/// layer's key ([`Hop::Refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The plaintext is not `u32 || blob || json`, the JSON is malformed or nested deeper than
    /// 128 levels, or it lacks what its kind needs (a proxy layer without `target` included,
    /// as on the storage server).
    #[error("Invalid json")]
    InvalidJson,
    /// A proxy request to a protocol other than http/https, a target not allowed, or an empty
    /// host (the last stricter than the storage server).
    #[error("Invalid url")]
    InvalidUrl,
    /// Forwarding would take the request past 15 hops.
    #[error("onion request max path length exceeded")]
    TooManyHops,
}

impl LayerError {
    /// The HTTP status to answer with.
    pub fn status(self) -> u16 {
        400
    }
}

#[derive(Deserialize)]
struct EntryControl<'a> {
    #[serde(borrow)]
    ephemeral_key: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    enc_type: Option<JsonStr<'a>>,
    #[serde(default)]
    hop_no: Option<u64>,
}

fn parse_cipher(name: Option<&str>) -> Result<HopCipher, PeelError> {
    match name {
        None => Ok(HopCipher::Aes256Gcm),
        Some(n) => HopCipher::from_wire_name(n).ok_or(PeelError::UnsupportedCipher),
    }
}

fn parse_ephemeral(bytes: [u8; 32]) -> Result<[u8; 32], PeelError> {
    if crypto::is_canonical_u(&bytes) {
        Ok(bytes)
    } else {
        Err(PeelError::WeakKey)
    }
}

/// Reads what a client sends the first node: `u32_le(N) || N bytes || {"ephemeral_key",
/// "enc_type", "hop_no"?}` (other JSON fields are ignored, so an HTTP server can read the
/// proxied form too). Checks the frame, the JSON, the cipher and the key before any crypto.
///
/// # Errors
/// [`PeelError`]: too large, frame, control, cipher or key problems.
pub fn parse_entry(packet: &mut [u8]) -> Result<Layer<'_>, PeelError> {
    if packet.len() > MAX_PACKET {
        return Err(PeelError::TooLarge);
    }
    let (ciphertext, json) = wire::split_frame_mut(packet)?;
    let ctl: EntryControl<'_> = wire::from_json_object(json).ok_or(PeelError::Control("json"))?;
    let key_hex = ctl
        .ephemeral_key
        .ok_or(PeelError::Control("ephemeral_key"))?;
    let ephemeral_key = parse_ephemeral(
        wire::decode_hex(&key_hex).map_err(|_| PeelError::Control("ephemeral_key"))?,
    )?;
    let cipher = parse_cipher(ctl.enc_type.as_deref())?;
    let hop_no = ctl.hop_no.unwrap_or(0);
    if hop_no > MAX_HOP_NO {
        return Err(PeelError::TooManyHops);
    }
    Ok(Layer {
        ciphertext,
        ephemeral_key,
        cipher,
        hop_no: u8::try_from(hop_no).map_err(|_| PeelError::TooManyHops)?,
    })
}

/// A relay dictionary value as the streaming reader found it.
#[derive(Clone)]
enum RelayValue {
    Bytes(core::ops::Range<usize>),
    Int(i64),
    /// A list or dictionary (validated, then skipped).
    Other,
}

/// The four known fields of a relay dictionary, and whether any other key was present.
#[derive(Default)]
struct RelayFields {
    data: Option<RelayValue>,
    enc_type: Option<RelayValue>,
    ephemeral_key: Option<RelayValue>,
    hop_no: Option<RelayValue>,
    unknown: bool,
}

/// Walks the whole dictionary with the streaming reader (no tree, no allocation), validating
/// every byte before any field is interpreted.
fn scan_relay(msg: &[u8]) -> Result<RelayFields, wire::BencodeError> {
    let mut r = wire::BencodeReader::new(msg);
    r.enter(wire::BencodeKind::Dict)?;
    let mut fields = RelayFields::default();
    let mut last = None;
    while let Some(key) = r.dict_key(&mut last)? {
        let slot = match msg.get(key) {
            Some(b"data") => &mut fields.data,
            Some(b"enc_type") => &mut fields.enc_type,
            Some(b"ephemeral_key") => &mut fields.ephemeral_key,
            Some(b"hop_no") => &mut fields.hop_no,
            _ => {
                fields.unknown = true;
                r.skip(1)?;
                continue;
            }
        };
        *slot = Some(match r.kind()? {
            wire::BencodeKind::Bytes => RelayValue::Bytes(r.bytes()?),
            wire::BencodeKind::Int => RelayValue::Int(r.int()?),
            wire::BencodeKind::List | wire::BencodeKind::Dict => {
                r.skip(1)?;
                RelayValue::Other
            }
        });
    }
    r.finish()?;
    Ok(fields)
}

/// Reads a node-to-node relay message, the bencoded dictionary `{"data", "enc_type",
/// "ephemeral_key" (32 raw bytes), "hop_no"}`. Allocates nothing: the returned layer borrows
/// its ciphertext from `msg`.
///
/// Deliberately stricter than the storage server, which stream-skips to the keys it knows:
/// the whole message must be canonical bencode (ascending keys, canonical integers), a key
/// other than these four is refused, and a negative `hop_no` is refused rather than raised
/// to 1. Honest nodes never send any of these, and a canonical-only form leaves a relayed
/// layer a single encoding. A missing `hop_no` counts as 0, as at the entry node (the storage
/// server always writes it; it reads a missing or non-positive one as 1).
///
/// # Errors
/// [`PeelError::TooLarge`] over 10 MiB; [`PeelError::Control`] naming `"bencode"` (not
/// canonical bencode of a dictionary), `"unknown relay field"`, or the field that is missing
/// or wrong-typed (`"data"`, `"ephemeral_key"`, `"enc_type"`, `"hop_no"`), checked in that
/// order; [`PeelError::WeakKey`], [`PeelError::UnsupportedCipher`], and
/// [`PeelError::TooManyHops`] for `hop_no > 15`.
pub fn decode_relay(msg: &mut [u8]) -> Result<Layer<'_>, PeelError> {
    if msg.len() > MAX_PACKET {
        return Err(PeelError::TooLarge);
    }
    let fields = scan_relay(msg).map_err(|_| PeelError::Control("bencode"))?;
    if fields.unknown {
        return Err(PeelError::Control("unknown relay field"));
    }
    let Some(RelayValue::Bytes(data)) = fields.data else {
        return Err(PeelError::Control("data"));
    };
    let Some(RelayValue::Bytes(key)) = fields.ephemeral_key else {
        return Err(PeelError::Control("ephemeral_key"));
    };
    let key = msg.get(key).ok_or(PeelError::Control("ephemeral_key"))?;
    let ephemeral_key = parse_ephemeral(
        key.try_into()
            .map_err(|_| PeelError::Control("ephemeral_key"))?,
    )?;
    let cipher = match fields.enc_type {
        None => HopCipher::Aes256Gcm,
        Some(RelayValue::Bytes(r)) => {
            let name = msg.get(r).and_then(|b| core::str::from_utf8(b).ok());
            parse_cipher(Some(name.ok_or(PeelError::Control("enc_type"))?))?
        }
        Some(_) => return Err(PeelError::Control("enc_type")),
    };
    let hop_no = match fields.hop_no {
        None => 0,
        Some(RelayValue::Int(h)) => u64::try_from(h).map_err(|_| PeelError::Control("hop_no"))?,
        Some(_) => return Err(PeelError::Control("hop_no")),
    };
    if hop_no > MAX_HOP_NO {
        return Err(PeelError::TooManyHops);
    }
    let ciphertext = msg.get_mut(data).ok_or(PeelError::Control("data"))?;
    Ok(Layer {
        ciphertext,
        ephemeral_key,
        cipher,
        hop_no: u8::try_from(hop_no).map_err(|_| PeelError::TooManyHops)?,
    })
}

/// The layer a node passes on to the next node.
pub struct Relay<'a> {
    /// The next layer's ciphertext.
    pub data: &'a [u8],
    /// Its ephemeral key.
    pub ephemeral_key: [u8; 32],
    /// Its cipher.
    pub cipher: HopCipher,
    /// The hop count to send with it.
    pub hop_no: u8,
}

impl Relay<'_> {
    /// The bencoded relay message for the next node (`sn.onion_request`).
    pub fn encode(&self) -> Vec<u8> {
        let name = self.cipher.wire_name().as_bytes();
        let fixed = [
            wire::bencode_bytes_len(4), // "data"
            wire::bencode_bytes_len(8), // "enc_type"
            wire::bencode_bytes_len(name.len()),
            wire::bencode_bytes_len(13), // "ephemeral_key"
            wire::bencode_bytes_len(32),
            wire::bencode_bytes_len(6), // "hop_no"
            4,                          // i<0..=15>e
            2,                          // d ... e
        ]
        .iter()
        .fold(0usize, |a, b| a.saturating_add(*b));
        let mut out =
            Vec::with_capacity(wire::bencode_bytes_len(self.data.len()).saturating_add(fixed));
        out.push(b'd');
        wire::bencode_bytes(&mut out, b"data");
        wire::bencode_bytes(&mut out, self.data);
        wire::bencode_bytes(&mut out, b"enc_type");
        wire::bencode_bytes(&mut out, name);
        wire::bencode_bytes(&mut out, b"ephemeral_key");
        wire::bencode_bytes(&mut out, &self.ephemeral_key);
        wire::bencode_bytes(&mut out, b"hop_no");
        wire::bencode_int(&mut out, u64::from(self.hop_no));
        out.push(b'e');
        out
    }
}

impl fmt::Debug for Relay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("len", &self.data.len())
            .field("cipher", &self.cipher)
            .field("hop_no", &self.hop_no)
            .finish_non_exhaustive()
    }
}

/// The scheme of a proxied request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// `https`
    Https,
    /// `http`
    Http,
}

impl Protocol {
    /// The scheme name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }

    /// The scheme's usual port (443 or 80): what a client writes in `port`. A node reading a
    /// proxy layer that omits `port` uses [`PROXY_DEFAULT_PORT`] (443) for both schemes, as
    /// the storage server does.
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Https => 443,
            Self::Http => 80,
        }
    }
}

/// A request the last path node forwards to an HTTP server.
#[derive(Debug)]
pub struct ProxyRequest<'a> {
    /// Host to connect to.
    pub host: Cow<'a, str>,
    /// Path to POST to (already checked with [`is_allowed_target`]).
    pub target: Cow<'a, str>,
    /// Scheme.
    pub protocol: Protocol,
    /// Port: as given, else [`PROXY_DEFAULT_PORT`] (443, even for `http`, as the storage
    /// server does).
    pub port: u16,
    /// The body to POST, unmodified: the whole decrypted layer (the server decrypts the
    /// innermost layer itself). Content type `application/octet-stream`.
    pub body: &'a [u8],
}

/// What a node does with a peeled layer.
#[derive(Debug)]
#[non_exhaustive]
pub enum Hop<'a> {
    /// Send `relay` ([`Relay::encode`]) to the node with Ed25519 key `next`.
    Forward {
        /// The next node's Ed25519 key.
        next: [u8; 32],
        /// What to send it.
        relay: Relay<'a>,
    },
    /// This node is the destination: run the storage RPC in `body` and answer with `reply`.
    Deliver {
        /// The request (`{"method", "params"}` JSON).
        body: &'a [u8],
        /// Seals the answer.
        reply: ReplyKey,
    },
    /// POST `request.body` to the HTTP server and return its response unmodified.
    Proxy {
        /// Where and what to POST.
        request: ProxyRequest<'a>,
        /// Seals an error answer if the server cannot be reached.
        reply: ReplyKey,
    },
    /// The layer decrypted but cannot be acted on: answer `reply.seal(error.status(),
    /// &error.to_string(), rng)`.
    Refused {
        /// What was wrong.
        error: LayerError,
        /// Seals the answer.
        reply: ReplyKey,
    },
}

// Its only secrets are the variants' `ReplyKey`s, wiped on drop; the bodies it borrows are the
// caller's buffer.
impl zeroize::ZeroizeOnDrop for Hop<'_> {}

/// A peeled layer: what to do next, and a tag identifying the layer.
#[derive(Debug)]
#[non_exhaustive]
pub struct Peeled<'a> {
    /// Equal for two copies of the same layer and unrelated otherwise (derived from the shared
    /// secret): a node may remember recent tags and drop repeats.
    pub replay_tag: [u8; 32],
    /// What to do.
    pub hop: Hop<'a>,
}

// Its only secret is the hop's `ReplyKey`, wiped on drop (the replay tag is public).
impl zeroize::ZeroizeOnDrop for Peeled<'_> {}

impl<'de> Deserialize<'de> for PresentField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Self(true))
    }
}

/// `true` when the field is present with any value, `null` included.
#[derive(Default)]
struct PresentField(bool);

#[derive(Deserialize)]
struct LayerControl<'a> {
    #[serde(default)]
    headers: PresentField,
    #[serde(borrow, default)]
    host: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    target: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    protocol: Option<JsonStr<'a>>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(borrow, default)]
    destination: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    ephemeral_key: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    enc_type: Option<JsonStr<'a>>,
    #[serde(default)]
    json: Option<bool>,
    #[serde(default)]
    base64: Option<bool>,
}

/// Decrypts `layer` in place with the node's key and says what to do next.
///
/// # Errors
/// [`PeelError::WeakKey`] for a small-order ephemeral key, [`PeelError::Decrypt`] when
/// authentication fails. Problems found after decryption are not errors but
/// [`Hop::Refused`], which carries the key to answer with.
pub fn peel<'a>(node: &NodeSecret, layer: Layer<'a>) -> Result<Peeled<'a>, PeelError> {
    let (key, replay_tag) = node.hop_key(&layer)?;
    let hop_no = layer.hop_no;
    let plaintext: &'a [u8] = key
        .open_in_place(layer.ciphertext)
        .map_err(|_| PeelError::Decrypt)?;
    let hop = interpret(plaintext, key, hop_no);
    Ok(Peeled { replay_tag, hop })
}

fn interpret<'a>(plaintext: &'a [u8], key: HopKey, hop_no: u8) -> Hop<'a> {
    let refuse = |error, key| Hop::Refused {
        error,
        reply: ReplyKey::new(key, false, true),
    };
    let Ok((blob, json)) = wire::split_frame(plaintext) else {
        return refuse(LayerError::InvalidJson, key);
    };
    let Some(ctl) = wire::from_json_object::<LayerControl<'a>>(json) else {
        return refuse(LayerError::InvalidJson, key);
    };
    if ctl.headers.0 {
        let reply = ReplyKey::new(key, ctl.json.unwrap_or(false), ctl.base64.unwrap_or(true));
        return Hop::Deliver { body: blob, reply };
    }
    if let Some(host) = ctl.host {
        // As the storage server: a proxy layer without `target` is malformed JSON for it (a
        // required key), while a target or scheme it will not fetch is an invalid URL.
        let Some(target) = ctl.target else {
            return refuse(LayerError::InvalidJson, key);
        };
        let protocol = match ctl.protocol.as_deref() {
            Some("https") | None => Protocol::Https,
            Some("http") => Protocol::Http,
            Some(_) => return refuse(LayerError::InvalidUrl, key),
        };
        // Stricter than the storage server, which would build `https:///oxen/...`: an empty
        // host names nothing to connect to.
        if host.is_empty() || !is_allowed_target(&target) {
            return refuse(LayerError::InvalidUrl, key);
        }
        let request = ProxyRequest {
            host: host.0,
            target: target.0,
            protocol,
            port: ctl.port.unwrap_or(PROXY_DEFAULT_PORT),
            body: plaintext,
        };
        return Hop::Proxy {
            request,
            reply: ReplyKey::new(key, false, true),
        };
    }
    let next = ctl
        .destination
        .as_deref()
        .and_then(|d| wire::decode_hex::<32>(d).ok());
    let eph = ctl
        .ephemeral_key
        .as_deref()
        .and_then(|e| wire::decode_hex::<32>(e).ok());
    let cipher = parse_cipher(ctl.enc_type.as_deref());
    let (Some(next), Some(ephemeral_key), Ok(cipher)) = (next, eph, cipher) else {
        return refuse(LayerError::InvalidJson, key);
    };
    let Some(hop_no) = hop_no
        .checked_add(1)
        .filter(|&h| u64::from(h) <= MAX_HOP_NO)
    else {
        return refuse(LayerError::TooManyHops, key);
    };
    Hop::Forward {
        next,
        relay: Relay {
            data: blob,
            ephemeral_key,
            cipher,
            hop_no,
        },
    }
}

/// At an HTTP server that accepts onion requests (`/oxen/v4/lsrpc`): decrypts the proxied
/// layer (read with [`parse_entry`]) and returns the v4 request and the key for the answer.
///
/// # Errors
/// As [`peel`].
pub fn open_request<'a>(
    server: &NodeSecret,
    layer: Layer<'a>,
) -> Result<(&'a [u8], ReplyKey), PeelError> {
    let (key, _) = server.hop_key(&layer)?;
    let plaintext: &'a [u8] = key
        .open_in_place(layer.ciphertext)
        .map_err(|_| PeelError::Decrypt)?;
    Ok((plaintext, ReplyKey::new(key, false, false)))
}

/// Seals the answer to one layer with that layer's key. Single use: sealing consumes it.
pub struct ReplyKey {
    key: HopKey,
    json: bool,
    base64: bool,
}

// Wiped on drop by its `HopKey`'s `Zeroizing` key.
impl zeroize::ZeroizeOnDrop for ReplyKey {}

impl ReplyKey {
    fn new(key: HopKey, json: bool, base64: bool) -> Self {
        Self { key, json, base64 }
    }

    /// Whether the client asked for `body` as raw JSON (`"json": true`).
    pub fn wants_json(&self) -> bool {
        self.json
    }

    /// Whether the answer is base64-encoded (the default; `"base64": false` turns it off).
    pub fn base64(&self) -> bool {
        self.base64
    }

    /// A storage server's answer: `{"status": status, "body": body}` (with `body` as raw JSON
    /// when the client asked for JSON and `body` is JSON), encrypted, then base64-encoded
    /// unless the client turned that off.
    pub fn seal<R: CryptoRng + ?Sized>(self, status: u16, body: &str, rng: &mut R) -> Vec<u8> {
        let mut plain = Vec::with_capacity(body.len().saturating_add(32));
        plain.put(b"{\"status\":");
        wire::put_decimal(&mut plain, u64::from(status));
        plain.put(b",\"body\":");
        if self.json && wire::from_json::<IgnoredAny>(body.as_bytes()).is_some() {
            plain.put(body.as_bytes());
        } else {
            wire::put_json_str(&mut plain, body);
        }
        plain.put(b"}");
        let base64 = self.base64;
        let sealed = self.seal_bytes(&plain, rng);
        if base64 {
            wire::base64_encode(&sealed)
        } else {
            sealed
        }
    }

    /// `plaintext` encrypted as is: `nonce || ciphertext || tag`, no base64 (an HTTP server's
    /// binary v4 answer).
    pub fn seal_bytes<R: CryptoRng + ?Sized>(self, plaintext: &[u8], rng: &mut R) -> Vec<u8> {
        let nl = self.key.cipher().nonce_len();
        let mut out = Vec::with_capacity(
            plaintext
                .len()
                .saturating_add(nl)
                .saturating_add(crypto::TAG_LEN),
        );
        out.resize(nl, 0);
        rng.fill_bytes(&mut out);
        out.extend_from_slice(plaintext);
        let (nonce, body) = out.split_at_mut(nl);
        if let Some(tag) = self.key.seal_in_place(nonce, body) {
            out.extend_from_slice(&tag);
        }
        out
    }
}

impl fmt::Debug for ReplyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyKey")
            .field("json", &self.json)
            .field("base64", &self.base64)
            .finish_non_exhaustive()
    }
}
