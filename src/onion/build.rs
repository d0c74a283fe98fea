//! Client side: building a request.

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::control::{Control, EntryControl, NextKey};
use super::response::{ResponseKey, ResponseKind};
use super::{Destination, HopCipher, NodeKeys};
use crate::crypto::{self, AeadKey, Peer, TAG_LEN};
use crate::identity::X25519Public;
use crate::wire::{Codec, MAX_PACKET, Sink};

/// The most layers a request has: 15 path nodes and the destination.
const MAX_LAYERS: usize = 16;

/// The randomness one layer consumes: an ephemeral X25519 secret, then a nonce.
///
/// [`build_request`] draws one per layer, destination layer first, each as 32 secret bytes then
/// 24 nonce bytes (AES-GCM uses the first 12), all of them before any key agreement (so a
/// request refused for a small-order key has still consumed every layer's draw). It takes them
/// with a single `fill_bytes` call of `56 × layers` bytes, which for a byte-stream RNG (ChaCha,
/// the OS) gives the same bytes as drawing each layer with [`HopDraw::from_rng`] in turn. That
/// order is part of the contract that makes requests reproducible from a seeded RNG. Not `Clone`: a draw is used once.
pub struct HopDraw {
    secret: Zeroizing<[u8; 32]>,
    nonce: [u8; 24],
}

// Wiped on drop by `Zeroizing` for the secret (the nonce is public).
impl zeroize::ZeroizeOnDrop for HopDraw {}

impl HopDraw {
    /// Bytes one layer draws: the secret, then the nonce.
    const LEN: usize = 32 + 24;

    /// A draw from `LEN` bytes already drawn (secret first); shorter input leaves the rest
    /// zero (callers pass exact chunks).
    fn from_slice(bytes: &[u8]) -> Self {
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut nonce = [0u8; 24];
        let (s, n) = bytes.split_at(bytes.len().min(32));
        crypto::copy_prefix(&mut secret, s);
        crypto::copy_prefix(&mut nonce, n);
        Self { secret, nonce }
    }

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
}

/// Builds an onion request for `payload` through `path` (guard first) to `destination`.
///
/// For a [`Destination::Node`], `payload` is the storage RPC JSON; for a
/// [`Destination::Server`], a v4 request ([`super::v4::encode_request`]). Each layer gets a
/// fresh ephemeral key and nonce from `rng`. The packet is written into one allocation of its
/// exact size and encrypted in place; [`build_request_into`] writes into a buffer of yours.
///
/// # Errors
/// [`BuildError`] for a path outside 1..=15, an oversized payload, or a small-order key.
pub fn build_request<R: CryptoRng + ?Sized>(
    path: &[NodeKeys],
    destination: &Destination,
    payload: &[u8],
    cipher: HopCipher,
    rng: &mut R,
) -> Result<OnionRequest, BuildError> {
    let mut packet = Vec::new();
    let response = build_request_into(path, destination, payload, cipher, rng, &mut packet)?;
    Ok(OnionRequest { packet, response })
}

/// [`build_request`], appending the packet to `out` (reserving its exact size first) and
/// returning the key that opens the response. On error `out` is left as it was.
///
/// # Errors
/// As [`build_request`].
pub fn build_request_into<R: CryptoRng + ?Sized>(
    path: &[NodeKeys],
    destination: &Destination,
    payload: &[u8],
    cipher: HopCipher,
    rng: &mut R,
    out: &mut Vec<u8>,
) -> Result<ResponseKey, BuildError> {
    // The path is checked before anything is drawn.
    let n = path.len();
    if n == 0 || n >= MAX_LAYERS {
        return Err(BuildError::PathLength(n));
    }
    // One RNG call for the whole request: every layer's secret and nonce, destination layer
    // first, in the order `HopDraw::from_rng` would draw them one by one.
    let mut pool = Zeroizing::new([0u8; HopDraw::LEN * MAX_LAYERS]);
    let used = pool
        .get_mut(..n.saturating_add(1).saturating_mul(HopDraw::LEN))
        .unwrap_or_default();
    rng.fill_bytes(used);
    let draws = used.chunks_exact(HopDraw::LEN).map(HopDraw::from_slice);
    Plan::new(path, destination, payload, cipher, draws)?.write(out)
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
    let mut packet = Vec::new();
    let response = Plan::new(path, destination, payload, cipher, draws)?.write(&mut packet)?;
    Ok(OnionRequest { packet, response })
}

/// What a destination contributes to a request. Each is a `match` on [`Destination`], so a
/// new kind of destination is added by answering these.
impl Destination {
    /// The JSON inside the last path node's layer, telling it where the destination layer goes.
    fn route(&self, next: NextKey) -> Control<'_> {
        match self {
            Self::Node(keys) => Control::Forward {
                next: keys.ed25519(),
                key: next,
            },
            Self::Server(server) => Control::Proxy {
                host: server.host().into(),
                target: server.target().into(),
                protocol: server.protocol(),
                port: server.port(),
                next: Some(next),
            },
        }
    }

    /// The control JSON after the payload in the destination's own layer, if it has one.
    fn own_control(&self) -> Option<Control<'static>> {
        match self {
            // What the destination node sees after the storage RPC body: `{"headers":""}`.
            Self::Node(_) => Some(Control::Deliver {
                json: false,
                base64: true,
            }),
            // A server's layer is the v4 request alone.
            Self::Server(_) => None,
        }
    }

    /// How the response comes back.
    fn response_kind(&self) -> ResponseKind {
        match self {
            Self::Node(_) => ResponseKind::Node,
            Self::Server(_) => ResponseKind::Server,
        }
    }
}

/// A framed part `u32_le(len) || part`'s length prefix.
fn len32(len: usize) -> Result<[u8; 4], BuildError> {
    u32::try_from(len)
        .map(u32::to_le_bytes)
        .map_err(|_| BuildError::TooLarge)
}

/// A request ready to be written: the keys of every layer and the size of every part.
///
/// Layer `k` is encrypted to: `k = 0` the destination, `k >= 1` the path node `path[n - k]`.
/// Its plaintext is `inner[k]` bytes (`u32 || layer k-1 sealed || route(k-1)` for `k >= 1`)
/// and it is `sealed[k] = inner[k] + overhead` bytes on the wire.
struct Plan<'a> {
    path: &'a [NodeKeys],
    destination: &'a Destination,
    payload: &'a [u8],
    cipher: HopCipher,
    /// Number of layers, `path.len() + 1`, at most [`MAX_LAYERS`].
    layers: usize,
    keys: [Option<AeadKey>; MAX_LAYERS],
    nonces: [[u8; 24]; MAX_LAYERS],
    publics: [X25519Public; MAX_LAYERS],
    inner: [usize; MAX_LAYERS],
    sealed: [usize; MAX_LAYERS],
    response: ResponseKey,
    total: usize,
}

impl<'a> Plan<'a> {
    /// Key agreement for every layer, then the size pass.
    fn new(
        path: &'a [NodeKeys],
        destination: &'a Destination,
        payload: &'a [u8],
        cipher: HopCipher,
        draws: impl IntoIterator<Item = HopDraw>,
    ) -> Result<Self, BuildError> {
        let n = path.len();
        if n == 0 || n >= MAX_LAYERS {
            return Err(BuildError::PathLength(n));
        }
        let layers = n.saturating_add(1);
        // The peer of layer k, destination first.
        let peers = core::iter::once(Peer {
            u: destination.x25519_ref(),
            point: destination.point(),
        })
        .chain(path.iter().rev().map(|node| Peer {
            u: node.x25519_ref(),
            point: node.point(),
        }));

        // Every draw is taken, in layer order, before any key agreement.
        let mut secrets: [Zeroizing<[u8; 32]>; MAX_LAYERS] =
            core::array::from_fn(|_| Zeroizing::new([0u8; 32]));
        let mut nonces = [[0u8; 24]; MAX_LAYERS];
        let mut peer_list = [Peer {
            u: &[0u8; 32],
            point: None,
        }; MAX_LAYERS];
        let mut draws = draws.into_iter();
        for ((secret, nonce), (slot, peer)) in secrets
            .iter_mut()
            .zip(nonces.iter_mut())
            .zip(peer_list.iter_mut().zip(peers))
        {
            let draw = draws.next().ok_or(BuildError::PathLength(n))?;
            *secret = draw.secret;
            *nonce = draw.nonce;
            *slot = peer;
        }

        // One batch, so the layers share their field inversions.
        let mut publics = [[0u8; 32]; MAX_LAYERS];
        let mut shared: [Zeroizing<[u8; 32]>; MAX_LAYERS] =
            core::array::from_fn(|_| Zeroizing::new([0u8; 32]));
        let pairs = secrets.get(..layers).unwrap_or_default();
        crypto::agree_all(
            pairs,
            peer_list.get(..layers).unwrap_or_default(),
            &mut publics,
            &mut shared,
            false,
        )
        .map_err(BuildError::InvalidKey)?;
        let mut keys: [Option<AeadKey>; MAX_LAYERS] = core::array::from_fn(|_| None);
        for (((slot, peer), public), shared) in keys
            .iter_mut()
            .zip(&peer_list)
            .zip(&publics)
            .zip(&shared)
            .take(layers)
        {
            *slot = Some(AeadKey::derive(cipher, shared, public, peer.u));
        }
        // The response comes back under the destination layer's key. libsession retries a
        // failed xchacha20 response as aes-gcm (legacy servers), and so does the response key
        // unless told not to.
        let dest_key = keys.first().and_then(Option::as_ref);
        let fallback = (cipher == HopCipher::XChaCha20).then(|| {
            let peer = destination.x25519();
            let shared = shared.first().map_or(&[0u8; 32], |s| &**s);
            let public = publics.first().unwrap_or(&[0u8; 32]);
            AeadKey::derive(HopCipher::Aes256Gcm, shared, public, peer.as_bytes())
        });
        let response = ResponseKey::new(
            dest_key.map_or_else(|| AeadKey::from_raw(cipher, &[0u8; 32]), AeadKey::duplicate),
            fallback,
            destination.response_kind(),
        );
        let mut plan = Self {
            path,
            destination,
            payload,
            cipher,
            layers,
            keys,
            nonces,
            publics: publics.map(X25519Public::from_bytes),
            inner: [0; MAX_LAYERS],
            sealed: [0; MAX_LAYERS],
            response,
            total: 0,
        };
        plan.size()?;
        Ok(plan)
    }

    /// The routing JSON inside layer `k + 1` telling its node where layer `k` goes.
    fn route(&self, k: usize) -> Control<'a> {
        let next = NextKey {
            ephemeral_key: self
                .publics
                .get(k)
                .copied()
                .unwrap_or(X25519Public::from_bytes([0; 32])),
            cipher: self.cipher,
        };
        if k == 0 {
            return self.destination.route(next);
        }
        let node = self
            .path
            .len()
            .checked_sub(k)
            .and_then(|i| self.path.get(i));
        Control::Forward {
            next: node.map_or(
                crate::identity::Ed25519Public::from_bytes([0; 32]),
                NodeKeys::ed25519,
            ),
            key: next,
        }
    }

    /// The entry frame's JSON: the outermost layer's key.
    fn entry(&self) -> EntryControl {
        EntryControl {
            key: NextKey {
                ephemeral_key: self
                    .publics
                    .get(self.layers.saturating_sub(1))
                    .copied()
                    .unwrap_or(X25519Public::from_bytes([0; 32])),
                cipher: self.cipher,
            },
            hop_no: None,
        }
    }

    /// Size pass: every layer's plaintext and sealed length, and the total, each checked
    /// against 10 MiB.
    fn size(&mut self) -> Result<(), BuildError> {
        let over = self.cipher.overhead();
        let own = self
            .destination
            .own_control()
            .map_or(0, |c| c.encoded_len().saturating_add(4));
        let mut pt = self
            .payload
            .len()
            .checked_add(own)
            .ok_or(BuildError::TooLarge)?;
        for k in 0..self.layers {
            if k > 0 {
                let prev = self.sealed.get(k.saturating_sub(1)).copied().unwrap_or(0);
                pt = prev
                    .checked_add(4)
                    .and_then(|x| x.checked_add(self.route(k.saturating_sub(1)).encoded_len()))
                    .ok_or(BuildError::TooLarge)?;
            }
            let ct = pt
                .checked_add(over)
                .filter(|&ct| ct <= MAX_PACKET)
                .ok_or(BuildError::TooLarge)?;
            if let (Some(i), Some(s)) = (self.inner.get_mut(k), self.sealed.get_mut(k)) {
                (*i, *s) = (pt, ct);
            }
        }
        let outer = self
            .sealed
            .get(self.layers.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        self.total = outer
            .checked_add(4)
            .and_then(|x| x.checked_add(self.entry().encoded_len()))
            .filter(|&t| t <= MAX_PACKET)
            .ok_or(BuildError::TooLarge)?;
        Ok(())
    }

    /// Write pass, then seal pass: appends the packet to `out`.
    fn write(self, out: &mut Vec<u8>) -> Result<ResponseKey, BuildError> {
        let base = out.len();
        out.reserve(self.total);
        let n = self.layers.saturating_sub(1);
        let nl = self.cipher.nonce_len();
        // The heads of all layers outermost first (each layer's length prefix and nonce), the
        // payload, then the tails innermost first (tag placeholder and routing JSON).
        let mut starts = [0usize; MAX_LAYERS]; // where layer k's plaintext begins in `out`
        out.put(&len32(self.sealed.get(n).copied().unwrap_or(0))?);
        for k in (0..self.layers).rev() {
            out.put(
                self.nonces
                    .get(k)
                    .and_then(|x| x.get(..nl))
                    .unwrap_or_default(),
            );
            if let Some(s) = starts.get_mut(k) {
                *s = out.len();
            }
            if k > 0 {
                out.put(&len32(
                    self.sealed.get(k.saturating_sub(1)).copied().unwrap_or(0),
                )?);
            }
        }
        match self.destination.own_control() {
            Some(control) => {
                out.put(&len32(self.payload.len())?);
                out.put(self.payload);
                control.encode(out);
            }
            None => out.put(self.payload),
        }
        for k in 0..self.layers {
            out.put(&[0u8; TAG_LEN]);
            if k < n {
                self.route(k).encode(out);
            }
        }
        self.entry().encode(out);
        debug_assert_eq!(out.len().saturating_sub(base), self.total);
        self.seal(out, &starts);
        Ok(self.response)
    }

    /// Seal pass, innermost first: layer `k`'s plaintext is `inner[k]` bytes from
    /// `starts[k]`, and its tag slot follows it.
    //
    // The offsets come from the size pass over lengths checked against 10 MiB, and the write
    // pass wrote exactly those bytes: indexing cannot fail here, and mapping it to an error
    // would report something that cannot happen. For the same reason the AEADs, which refuse
    // only inputs past 2^36 bytes, cannot fail on a layer of at most 10 MiB.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    fn seal(&self, out: &mut [u8], starts: &[usize; MAX_LAYERS]) {
        let nl = self.cipher.nonce_len();
        let layers = starts
            .iter()
            .zip(&self.inner)
            .zip(self.keys.iter().zip(&self.nonces))
            .take(self.layers);
        for ((&start, &len), (key, nonce)) in layers {
            let end = start + len;
            if let Some(key) = key
                && let Some(tag) = key.seal_in_place(&nonce[..nl], &mut out[start..end])
            {
                out[end..end + TAG_LEN].copy_from_slice(&tag);
            }
        }
    }
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
    node_x25519: &X25519Public,
    plaintext: &[u8],
    cipher: HopCipher,
    draw: HopDraw,
) -> Result<Vec<u8>, BuildError> {
    let kp = crypto::Keypair::from_secret(*draw.secret);
    let node = node_x25519.as_bytes();
    let shared = crypto::x25519(&kp.secret, node).ok_or(BuildError::InvalidKey(0))?;
    let key = AeadKey::derive(cipher, &shared, &kp.public, node);
    let nl = cipher.nonce_len();
    let sealed_len = plaintext
        .len()
        .checked_add(cipher.overhead())
        .filter(|&l| l <= MAX_PACKET)
        .ok_or(BuildError::TooLarge)?;
    let entry = EntryControl {
        key: NextKey {
            ephemeral_key: X25519Public::from_bytes(kp.public),
            cipher,
        },
        hop_no: None,
    };
    let mut out = Vec::with_capacity(
        sealed_len
            .saturating_add(4)
            .saturating_add(entry.encoded_len()),
    );
    out.put(&len32(sealed_len)?);
    let nonce = draw.nonce.get(..nl).unwrap_or_default();
    out.put(nonce);
    let start = out.len();
    out.put(plaintext);
    // As in `Plan::seal`: at most 10 MiB, so the AEAD cannot refuse it.
    if let Some(tag) = key.seal_in_place(nonce, out.get_mut(start..).unwrap_or_default()) {
        out.put(&tag);
    }
    entry.encode(&mut out);
    Ok(out)
}
