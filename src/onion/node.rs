//! Node side: peeling one layer in place, and sealing the answer to it.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use serde::de::IgnoredAny;

use super::Protocol;
use super::control::{Control, MAX_HOP_NO, Problem, Refusal};
use super::entry::Layer;
use super::relay::Relay;
use crate::crypto::{self, AeadKey, Keypair};
use crate::identity::{Ed25519Public, Identity, X25519Public};
use crate::wire::{self, Codec, FrameError, Sink};

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
    pub fn public(&self) -> X25519Public {
        X25519Public::from_bytes(self.keys.public)
    }

    fn hop_key(&self, layer: &Layer<'_>) -> Result<(AeadKey, [u8; 32]), PeelError> {
        let eph = layer.ephemeral_key().as_bytes();
        let shared = crypto::x25519(&self.keys.secret, eph).ok_or(PeelError::WeakKey)?;
        Ok(self.keys_from_shared(layer, &shared))
    }

    /// The layer key and replay tag of a layer whose shared secret (not all zero) is `shared`.
    fn keys_from_shared(&self, layer: &Layer<'_>, shared: &[u8; 32]) -> (AeadKey, [u8; 32]) {
        let eph = layer.ephemeral_key().as_bytes();
        let key = AeadKey::derive(layer.cipher(), shared, eph, &self.keys.public);
        let tag = crypto::blake2b_256_keyed(REPLAY_DOMAIN, &[&shared[..]]);
        (key, *tag)
    }
}

const REPLAY_DOMAIN: &[u8; 22] = b"session-onion-replay-1";

impl fmt::Debug for NodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSecret").finish_non_exhaustive()
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

/// Why a layer that decrypted correctly cannot be acted on: what the storage server answers,
/// encrypted with the layer's key ([`Hop::Refused`]). `Display` is that answer's exact text;
/// the [`Refusal`] beside it in [`Hop::Refused`] says what was wrong, for the node's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The plaintext is not `u32 || blob || json`, the JSON is malformed or nested deeper than
    /// 128 levels, or it lacks what its kind needs or has a field of the wrong type (a proxy
    /// layer without `target` included, as on the storage server), or the next node's key is
    /// not 64 lowercase hex digits of a usable Ed25519 point (stricter than the storage
    /// server, which would look any hex key up and answer "Next node not found").
    #[error("Invalid json")]
    InvalidJson,
    /// A proxy request to a protocol other than http/https, a target not allowed, or (stricter
    /// than the storage server) a host that is not a host name or address
    /// ([`super::is_valid_host`]) or port 0.
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

    /// The body to answer with (encrypted): the storage server's exact text, the same as
    /// `Display`.
    pub fn message(self) -> &'static str {
        match self {
            Self::InvalidJson => "Invalid json",
            Self::InvalidUrl => "Invalid url",
            Self::TooManyHops => "onion request max path length exceeded",
        }
    }
}

/// A request the last path node forwards to an HTTP server.
#[derive(Debug)]
pub struct ProxyRequest<'a> {
    /// Host to connect to (already checked with [`super::is_valid_host`]).
    pub host: Cow<'a, str>,
    /// Path to POST to (already checked with [`super::is_allowed_target`]).
    pub target: Cow<'a, str>,
    /// Scheme.
    pub protocol: Protocol,
    /// Port: as given (never 0), else [`super::PROXY_DEFAULT_PORT`] (443, even for `http`, as the storage
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
    /// Send `relay` ([`Relay::encode_into`]) to the node with Ed25519 key `next`.
    Forward {
        /// The next node's Ed25519 key (64 lowercase hex digits in the layer, else the layer
        /// is [`Hop::Refused`]). Look it up in your node list; a key that names no node (or is
        /// no curve point) is answered in the clear with 502 "Next node not found: &lt;key&gt;", as
        /// the storage server does.
        next: Ed25519Public,
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
    /// error.message(), rng)`, and log `reason` if you like.
    Refused {
        /// What the storage server answers.
        error: LayerError,
        /// What was wrong, for the node's log (never sent).
        reason: Refusal,
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

/// Decrypts `layer` in place with the node's key and says what to do next.
///
/// # Errors
/// [`PeelError::WeakKey`] for a small-order ephemeral key, [`PeelError::Decrypt`] when
/// authentication fails. Problems found after decryption are not errors but
/// [`Hop::Refused`], which carries the key to answer with.
pub fn peel<'a>(node: &NodeSecret, layer: Layer<'a>) -> Result<Peeled<'a>, PeelError> {
    let keys = node.hop_key(&layer)?;
    open_layer(layer, keys)
}

/// [`peel`] for several layers at once (requests that arrived together), sharing the field
/// inversions of their key agreements: per 32 layers, one inversion maps all the ephemeral
/// keys to Edwards form and one maps all the shared points back, instead of two per layer.
/// The results are those of calling [`peel`] on each layer in turn, in the same order,
/// failures included; a failing layer does not affect the others.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::onion::{
///     Destination, HopCipher, NodeKeys, NodeSecret, build_request, parse_entry, peel_batch,
/// };
///
/// let nodes: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
/// let keys: Vec<NodeKeys> = nodes.iter().map(NodeKeys::from_identity).collect();
/// let dest = Destination::Node(keys[3]);
/// let mut rng = ChaCha20Rng::from_seed([7; 32]);
/// let mut packets: Vec<Vec<u8>> = (0..3)
///     .map(|_| build_request(&keys[..3], &dest, b"{}", HopCipher::XChaCha20, &mut rng).map(|r| r.packet))
///     .collect::<Result<_, _>>()?;
/// packets[1][10] ^= 1; // tampered: fails alone
/// let guard = NodeSecret::from_identity(&nodes[0]);
/// let layers = packets.iter_mut().map(|p| parse_entry(p)).collect::<Result<Vec<_>, _>>()?;
/// let peeled = peel_batch(&guard, layers);
/// assert!(peeled[0].is_ok() && peeled[1].is_err() && peeled[2].is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peel_batch<'a>(
    node: &NodeSecret,
    layers: impl IntoIterator<Item = Layer<'a>>,
) -> Vec<Result<Peeled<'a>, PeelError>> {
    let layers: Vec<Layer<'a>> = layers.into_iter().collect();
    let ephemeral: Vec<&[u8; 32]> = layers
        .iter()
        .map(|l| l.ephemeral_key().as_bytes())
        .collect();
    let mut shared: Vec<Option<zeroize::Zeroizing<[u8; 32]>>> = alloc::vec![None; layers.len()];
    crypto::dh_many(&node.keys.secret, &ephemeral, &mut shared);
    drop(ephemeral);
    layers
        .into_iter()
        .zip(shared)
        .map(|(layer, shared)| {
            let shared = shared.ok_or(PeelError::WeakKey)?;
            let keys = node.keys_from_shared(&layer, &shared);
            open_layer(layer, keys)
        })
        .collect()
}

/// Decrypts `layer` under its key and reads what it says.
fn open_layer<'a>(
    layer: Layer<'a>,
    (key, replay_tag): (AeadKey, [u8; 32]),
) -> Result<Peeled<'a>, PeelError> {
    let hop_no = layer.hop_no();
    let plaintext: &'a [u8] = key
        .open_in_place(layer.ciphertext)
        .map_err(|_| PeelError::Decrypt)?;
    let hop = interpret(plaintext, key, hop_no);
    Ok(Peeled { replay_tag, hop })
}

/// Reads the decrypted layer `u32 || blob || json` and acts on its routing JSON.
fn interpret<'a>(plaintext: &'a [u8], key: AeadKey, hop_no: u8) -> Hop<'a> {
    let parsed = wire::split_frame(plaintext)
        .map_err(|_| Refusal::new("frame", Problem::Malformed))
        .and_then(|(blob, json)| Ok((blob, Control::decode(json)?)));
    let control = match parsed {
        Ok(parsed) => parsed,
        Err(reason) => {
            let error = if Control::is_url_problem(&reason) {
                LayerError::InvalidUrl
            } else {
                LayerError::InvalidJson
            };
            return refuse(error, reason, key);
        }
    };
    match control {
        (blob, Control::Deliver { json, base64 }) => Hop::Deliver {
            body: blob,
            reply: ReplyKey::new(key, json, base64),
        },
        (
            _,
            Control::Proxy {
                host,
                target,
                protocol,
                port,
                next: _,
            },
        ) => Hop::Proxy {
            request: ProxyRequest {
                host,
                target,
                protocol,
                port,
                body: plaintext,
            },
            reply: ReplyKey::new(key, false, true),
        },
        (blob, Control::Forward { next, key: to }) => {
            let relay = hop_no
                .checked_add(1)
                .filter(|&h| h <= MAX_HOP_NO)
                .map(|h| Relay::new(blob, to.ephemeral_key, to.cipher, h));
            match relay {
                Some(Ok(relay)) => Hop::Forward { next, relay },
                // A relay message is at most its layer's size plus a few dozen bytes; the
                // only way `Relay::new` fails here is the hop count.
                Some(Err(_)) | None => refuse(
                    LayerError::TooManyHops,
                    Refusal::new("hop_no", Problem::TooManyHops),
                    key,
                ),
            }
        }
    }
}

fn refuse<'a>(error: LayerError, reason: Refusal, key: AeadKey) -> Hop<'a> {
    Hop::Refused {
        error,
        reason,
        reply: ReplyKey::new(key, false, true),
    }
}

/// At an HTTP server that accepts onion requests (`/oxen/v4/lsrpc`): decrypts the proxied
/// layer (read with [`super::parse_entry`]) and returns the v4 request and the key for the
/// answer.
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
    key: AeadKey,
    json: bool,
    base64: bool,
}

// Wiped on drop by its `AeadKey`'s `Zeroizing` key.
impl zeroize::ZeroizeOnDrop for ReplyKey {}

impl ReplyKey {
    fn new(key: AeadKey, json: bool, base64: bool) -> Self {
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
