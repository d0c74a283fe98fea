//! Client side: building a request.

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::response::{ResponseKey, ResponseKind};
use super::{Destination, HopCipher, NodeKeys, ServerDestination, is_allowed_target};
use crate::crypto::{self, HopKey, TAG_LEN};
use crate::wire::{self, Count, MAX_PACKET, Sink};

/// The most layers a request has: 15 path nodes and the destination.
const MAX_LAYERS: usize = 16;

/// The randomness one layer consumes: an ephemeral X25519 secret, then a nonce.
///
/// [`build_request`] draws one per layer, destination layer first, each as 32 secret bytes then
/// 24 nonce bytes (AES-GCM uses the first 12), all of them before any key agreement (so a
/// request refused for a small-order key has still consumed every layer's draw). That order is
/// part of the contract that makes requests reproducible from a seeded RNG. Not `Clone`: a draw is used once.
pub struct HopDraw {
    secret: Zeroizing<[u8; 32]>,
    nonce: [u8; 24],
}

// Wiped on drop by `Zeroizing` for the secret (the nonce is public).
impl zeroize::ZeroizeOnDrop for HopDraw {}

impl HopDraw {
    /// Draws a secret and a nonce from `rng`.
    pub fn from_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut secret = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut secret[..]);
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        Self { secret, nonce }
    }

    /// A draw with explicit values, for reproducing vectors.
    #[cfg(feature = "hazmat")]
    pub fn new(secret: [u8; 32], nonce: [u8; 24]) -> Self {
        Self {
            secret: Zeroizing::new(secret),
            nonce,
        }
    }
}

impl fmt::Debug for HopDraw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HopDraw(..)")
    }
}

/// A built request: the bytes for the first path node and the key that opens its response.
#[derive(Debug)]
#[non_exhaustive]
pub struct OnionRequest {
    /// What to send to the first path node (`/onion_req/v2` body or QUIC `onion_req`).
    pub packet: Vec<u8>,
    /// Opens the response; keep it until the response arrives.
    pub response: ResponseKey,
}

// Its one secret, the response key, is wiped on drop by `ResponseKey` (the packet is public).
impl zeroize::ZeroizeOnDrop for OnionRequest {}

/// Why a request could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A path needs 1 to 15 nodes.
    #[error("a path has 1 to 15 nodes, got {0}")]
    PathLength(usize),
    /// The packet would exceed 10 MiB.
    #[error("the request would exceed 10 MiB")]
    TooLarge,
    /// A node's or the server's X25519 key has small order (the shared secret is zero). The
    /// index counts layers from the destination: 0 is the destination, `k >= 1` the path node
    /// `path[path.len() - k]`.
    #[error(
        "unusable X25519 key for layer {0} (0 the destination, k the path node k from the end)"
    )]
    InvalidKey(usize),
    /// The server target is not one nodes forward to (see [`is_allowed_target`]).
    #[error("server target not allowed")]
    BadTarget,
    /// The server host is empty.
    #[error("empty server host")]
    BadHost,
}

/// Builds an onion request for `payload` through `path` (guard first) to `destination`.
///
/// For a [`Destination::Node`], `payload` is the storage RPC JSON; for a
/// [`Destination::Server`], a v4 request ([`super::v4::encode_request`]). Each layer gets a
/// fresh ephemeral key and nonce from `rng`. The packet is written into one allocation and
/// encrypted in place.
///
/// # Errors
/// [`BuildError`] for a path outside 1..=15, an oversized payload, a bad server target or host,
/// or a small-order key.
pub fn build_request<R: CryptoRng + ?Sized>(
    path: &[NodeKeys],
    destination: &Destination,
    payload: &[u8],
    cipher: HopCipher,
    rng: &mut R,
) -> Result<OnionRequest, BuildError> {
    // Lazy: `build_core` checks the path before the first draw is taken.
    let draws = (0..=path.len()).map(|_| HopDraw::from_rng(rng));
    build_core(path, destination, payload, cipher, draws)
}

/// [`build_request`] with explicit draws (destination layer first), for byte-exact vectors.
///
/// # Errors
/// As [`build_request`]; also [`BuildError::PathLength`] when fewer draws than layers are given.
#[cfg(feature = "hazmat")]
pub fn build_request_with(
    path: &[NodeKeys],
    destination: &Destination,
    payload: &[u8],
    cipher: HopCipher,
    draws: impl IntoIterator<Item = HopDraw>,
) -> Result<OnionRequest, BuildError> {
    build_core(path, destination, payload, cipher, draws)
}

/// What a layer's routing JSON says.
enum Route<'a> {
    /// Forward to a node (also the destination node's route).
    Node {
        ed25519: &'a [u8; 32],
        ephemeral: &'a [u8; 32],
    },
    /// Proxy to an HTTP server.
    Server {
        dest: &'a ServerDestination,
        ephemeral: &'a [u8; 32],
    },
    /// The entry frame's JSON: only the key and cipher of the first layer.
    Entry { ephemeral: &'a [u8; 32] },
}

fn put_route<S: Sink>(out: &mut S, route: &Route<'_>, cipher: HopCipher) {
    let ephemeral = match route {
        Route::Node { ed25519, ephemeral } => {
            out.put(b"{\"destination\":\"");
            wire::put_hex(out, &ed25519[..]);
            out.put(b"\",");
            ephemeral
        }
        Route::Server { dest, ephemeral } => {
            out.put(b"{\"host\":");
            wire::put_json_str(out, &dest.host);
            out.put(b",\"target\":");
            wire::put_json_str(out, &dest.target);
            out.put(b",\"method\":\"POST\",\"protocol\":\"");
            out.put(dest.protocol.as_str().as_bytes());
            out.put(b"\",\"port\":");
            wire::put_decimal(out, u64::from(dest.port));
            out.put(b",");
            ephemeral
        }
        Route::Entry { ephemeral } => {
            out.put(b"{");
            ephemeral
        }
    };
    out.put(b"\"ephemeral_key\":\"");
    wire::put_hex(out, &ephemeral[..]);
    out.put(b"\",\"enc_type\":\"");
    out.put(cipher.wire_name().as_bytes());
    out.put(b"\"}");
}

fn route_len(route: &Route<'_>, cipher: HopCipher) -> usize {
    let mut c = Count::default();
    put_route(&mut c, route, cipher);
    c.0
}

/// What the destination node sees after the storage RPC body.
const FINAL_JSON: &[u8] = b"{\"headers\":\"\"}";

fn build_core(
    path: &[NodeKeys],
    destination: &Destination,
    payload: &[u8],
    cipher: HopCipher,
    draws: impl IntoIterator<Item = HopDraw>,
) -> Result<OnionRequest, BuildError> {
    let n = path.len();
    if n == 0 || n >= MAX_LAYERS {
        return Err(BuildError::PathLength(n));
    }
    if let Destination::Server(s) = destination {
        if !is_allowed_target(&s.target) {
            return Err(BuildError::BadTarget);
        }
        if s.host.is_empty() {
            return Err(BuildError::BadHost);
        }
    }
    // Layer k is encrypted to: k = 0 the destination, k >= 1 the path node n - k.
    let target_x = |k: usize| -> Option<&[u8; 32]> {
        if k == 0 {
            Some(match destination {
                Destination::Node(d) => &d.x25519,
                Destination::Server(s) => &s.x25519,
            })
        } else {
            path.get(n.checked_sub(k)?).map(|p| &p.x25519)
        }
    };

    // Key agreement for every layer first (all routing JSON needs the ephemeral keys), in one
    // batch so the layers share their field inversions. The draws are taken in layer order.
    let mut secrets: [Zeroizing<[u8; 32]>; MAX_LAYERS] =
        core::array::from_fn(|_| Zeroizing::new([0u8; 32]));
    let mut nonces = [[0u8; 24]; MAX_LAYERS];
    let mut peers: [&[u8; 32]; MAX_LAYERS] = [&[0u8; 32]; MAX_LAYERS];
    let mut draws = draws.into_iter();
    for (k, ((secret, nonce), peer)) in secrets
        .iter_mut()
        .zip(nonces.iter_mut())
        .zip(peers.iter_mut())
        .take(n.checked_add(1).ok_or(BuildError::PathLength(n))?)
        .enumerate()
    {
        let draw = draws.next().ok_or(BuildError::PathLength(n))?;
        *secret = draw.secret;
        *nonce = draw.nonce;
        *peer = target_x(k).ok_or(BuildError::PathLength(n))?;
    }
    let layers = n.checked_add(1).ok_or(BuildError::PathLength(n))?;
    let mut publics = [[0u8; 32]; MAX_LAYERS];
    let mut shared: [Zeroizing<[u8; 32]>; MAX_LAYERS] =
        core::array::from_fn(|_| Zeroizing::new([0u8; 32]));
    crypto::agree_all(
        secrets.get(..layers).unwrap_or_default(),
        peers.get(..layers).unwrap_or_default(),
        &mut publics,
        &mut shared,
    )
    .map_err(BuildError::InvalidKey)?;
    let mut keys: [Option<HopKey>; MAX_LAYERS] = core::array::from_fn(|_| None);
    let mut response_keys = None;
    for (k, ((slot, their), (public, shared))) in keys
        .iter_mut()
        .zip(peers.iter())
        .zip(publics.iter().zip(shared.iter()))
        .take(layers)
        .enumerate()
    {
        let key = HopKey::derive(cipher.inner(), shared, public, their);
        if k == 0 {
            // libsession retries a failed xchacha20 response as aes-gcm (legacy servers).
            let fallback = (cipher == HopCipher::XChaCha20)
                .then(|| HopKey::derive(crate::crypto::Cipher::Aes256Gcm, shared, public, their));
            let kind = match destination {
                Destination::Node(_) => ResponseKind::Node,
                Destination::Server(_) => ResponseKind::Server,
            };
            response_keys = Some(ResponseKey::new(key.duplicate(), fallback, kind));
        }
        *slot = Some(key);
    }
    let response = response_keys.ok_or(BuildError::PathLength(n))?;
    let eph_pub = |k: usize| -> Result<&[u8; 32], BuildError> {
        publics.get(k).ok_or(BuildError::PathLength(n))
    };
    // route(k): the JSON inside layer k + 1 telling its node where layer k goes.
    let route = |k: usize| -> Result<Route<'_>, BuildError> {
        let ephemeral = eph_pub(k)?;
        if k == 0 {
            return Ok(match destination {
                Destination::Node(d) => Route::Node {
                    ed25519: &d.ed25519,
                    ephemeral,
                },
                Destination::Server(dest) => Route::Server { dest, ephemeral },
            });
        }
        let to = n
            .checked_sub(k)
            .and_then(|i| path.get(i))
            .ok_or(BuildError::PathLength(n))?;
        Ok(Route::Node {
            ed25519: &to.ed25519,
            ephemeral,
        })
    };

    // Size pass.
    let nl = cipher.inner().nonce_len();
    let over = cipher.overhead();
    let inner0 = match destination {
        Destination::Node(_) => 4usize
            .checked_add(payload.len())
            .and_then(|x| x.checked_add(FINAL_JSON.len())),
        Destination::Server(_) => Some(payload.len()),
    }
    .ok_or(BuildError::TooLarge)?;
    let mut inner = [0usize; MAX_LAYERS]; // plaintext length of layer k
    let mut sealed = [0usize; MAX_LAYERS]; // ciphertext length of layer k
    let mut prev_sealed = 0usize;
    for k in 0..=n {
        let pt = if k == 0 {
            inner0
        } else {
            let json = route_len(&route(k.saturating_sub(1))?, cipher);
            4usize
                .checked_add(prev_sealed)
                .and_then(|x| x.checked_add(json))
                .ok_or(BuildError::TooLarge)?
        };
        let ct = pt.checked_add(over).ok_or(BuildError::TooLarge)?;
        if ct > MAX_PACKET {
            return Err(BuildError::TooLarge);
        }
        if let (Some(i), Some(s)) = (inner.get_mut(k), sealed.get_mut(k)) {
            *i = pt;
            *s = ct;
        }
        prev_sealed = ct;
    }
    let entry_route = Route::Entry {
        ephemeral: eph_pub(n)?,
    };
    let total = 4usize
        .checked_add(prev_sealed)
        .and_then(|x| x.checked_add(route_len(&entry_route, cipher)))
        .filter(|&t| t <= MAX_PACKET)
        .ok_or(BuildError::TooLarge)?;

    // Write pass: the heads of all layers outermost first, the payload, then the tails
    // innermost first. Tags are placeholders until the encryption pass.
    let len32 = |x: usize| {
        u32::try_from(x)
            .map(u32::to_le_bytes)
            .map_err(|_| BuildError::TooLarge)
    };
    let mut out: Vec<u8> = Vec::with_capacity(total);
    let mut starts = [0usize; MAX_LAYERS]; // where layer k's plaintext begins
    out.put(&len32(prev_sealed)?);
    for k in (0..=n).rev() {
        out.put(nonces.get(k).and_then(|x| x.get(..nl)).unwrap_or_default());
        if let Some(s) = starts.get_mut(k) {
            *s = out.len();
        }
        if k > 0 {
            out.put(&len32(
                sealed.get(k.saturating_sub(1)).copied().unwrap_or(0),
            )?);
        }
    }
    match destination {
        Destination::Node(_) => {
            out.put(&len32(payload.len())?);
            out.put(payload);
            out.put(FINAL_JSON);
        }
        Destination::Server(_) => out.put(payload),
    }
    for k in 0..=n {
        out.put(&[0u8; TAG_LEN]);
        if k < n {
            put_route(&mut out, &route(k)?, cipher);
        }
    }
    put_route(&mut out, &entry_route, cipher);
    debug_assert_eq!(out.len(), total);

    // Encryption pass, innermost first: layer k's plaintext is `inner[k]` bytes from
    // `starts[k]`, and its tag follows it.
    for k in 0..=n {
        let (start, len) = (
            starts.get(k).copied().unwrap_or(0),
            inner.get(k).copied().unwrap_or(0),
        );
        let end = start.checked_add(len).ok_or(BuildError::TooLarge)?;
        let key = keys
            .get(k)
            .and_then(Option::as_ref)
            .ok_or(BuildError::PathLength(n))?;
        let nonce = nonces.get(k).and_then(|x| x.get(..nl)).unwrap_or_default();
        let region = out.get_mut(start..end).ok_or(BuildError::TooLarge)?;
        let tag = key
            .seal_in_place(nonce, region)
            .ok_or(BuildError::TooLarge)?;
        let slot = out
            .get_mut(end..end.saturating_add(TAG_LEN))
            .ok_or(BuildError::TooLarge)?;
        slot.copy_from_slice(&tag);
    }
    Ok(OnionRequest {
        packet: out,
        response,
    })
}

/// Encrypts `plaintext` as a single layer to the node with X25519 key `node_x25519` and frames
/// it as an entry packet (`u32 || nonce || ciphertext || tag || {"ephemeral_key","enc_type"}`).
///
/// For tests and fuzzing: it lets any plaintext, well-formed or not, reach the parsers behind
/// the AEAD in [`super::peel`].
///
/// # Errors
/// [`BuildError::InvalidKey`] for a small-order node key, [`BuildError::TooLarge`] past 10 MiB.
#[cfg(feature = "hazmat")]
pub fn seal_layer(
    node_x25519: &[u8; 32],
    plaintext: &[u8],
    cipher: HopCipher,
    draw: HopDraw,
) -> Result<Vec<u8>, BuildError> {
    let kp = crypto::Keypair::from_secret(*draw.secret);
    let shared = crypto::x25519(&kp.secret, node_x25519).ok_or(BuildError::InvalidKey(0))?;
    let key = HopKey::derive(cipher.inner(), &shared, &kp.public, node_x25519);
    let nl = cipher.inner().nonce_len();
    let sealed_len = plaintext
        .len()
        .checked_add(cipher.overhead())
        .ok_or(BuildError::TooLarge)?;
    if sealed_len > MAX_PACKET {
        return Err(BuildError::TooLarge);
    }
    let entry = Route::Entry {
        ephemeral: &kp.public,
    };
    let mut out = Vec::with_capacity(
        sealed_len
            .saturating_add(4)
            .saturating_add(route_len(&entry, cipher)),
    );
    out.put(
        &u32::try_from(sealed_len)
            .map_err(|_| BuildError::TooLarge)?
            .to_le_bytes(),
    );
    out.put(draw.nonce.get(..nl).unwrap_or_default());
    let start = out.len();
    out.put(plaintext);
    let tag = key
        .seal_in_place(
            draw.nonce.get(..nl).unwrap_or_default(),
            out.get_mut(start..).unwrap_or_default(),
        )
        .ok_or(BuildError::TooLarge)?;
    out.put(&tag);
    put_route(&mut out, &entry, cipher);
    Ok(out)
}
