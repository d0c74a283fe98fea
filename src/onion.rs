//! Onion requests: building (client), peeling (service node), replies and responses.
//!
//! A client wraps a request in one layer per hop: the destination's layer innermost, then one
//! for each path node, each encrypted to that node's X25519 key with a fresh ephemeral key.
//! Every layer is `u32_le(N) || N bytes || JSON` once decrypted, and the JSON says what to do
//! with the `N` bytes: forward them (`destination`), deliver them here (`headers`), or proxy
//! them to an HTTP server (`host`).
//!
//! ```
//! use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! use session_protocol::Identity;
//! use session_protocol::onion::{
//!     build_request, decode_relay, parse_entry, peel, Destination, Hop, HopCipher, NodeKeys, NodeSecret,
//! };
//!
//! // Three path nodes and a destination node, each with its identity.
//! let nodes: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
//! let keys: Vec<NodeKeys> = nodes.iter().map(NodeKeys::from_identity).collect();
//! let mut rng = ChaCha20Rng::from_seed([7; 32]);
//!
//! let request = br#"{"method":"info","params":{}}"#;
//! let onion = build_request(&keys[..3], &Destination::Node(keys[3]), request, HopCipher::XChaCha20, &mut rng)?;
//!
//! // Each node peels its layer and learns only where to send the rest.
//! let mut packet = onion.packet;
//! let mut layer = parse_entry(&mut packet)?;
//! let mut hops = 0;
//! let (body, reply) = loop {
//!     let secret = NodeSecret::from_identity(&nodes[hops]);
//!     match peel(&secret, layer)?.hop {
//!         Hop::Forward { next, relay } => {
//!             assert_eq!(next, keys[hops + 1].ed25519);
//!             packet = relay.encode();
//!             layer = decode_relay(&mut packet)?;
//!             hops += 1;
//!         }
//!         Hop::Deliver { body, reply } => break (body.to_vec(), reply),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! };
//! assert_eq!(body, request);
//!
//! // The destination answers; only the client can read it.
//! let sealed = reply.seal(200, r#"{"version":[2,8,0]}"#, &mut rng);
//! let response = onion.response.open(&sealed)?;
//! assert_eq!(response.status, 200);
//! assert_eq!(response.body, br#"{"version":[2,8,0]}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use crate::crypto::Cipher;
use crate::identity::Identity;
use crate::swarm::ServiceNode;

mod build;
mod peel;
mod response;
pub mod v4;

/// Why an onion layer's `u32 || blob || JSON` frame could not be split (inside [`PeelError::Frame`]).
pub use crate::wire::FrameError;
pub use build::{BuildError, HopDraw, OnionRequest, build_request};
#[cfg(feature = "hazmat")]
pub use build::{build_request_with, seal_layer};
pub use peel::{
    Hop, Layer, LayerError, NodeSecret, PROXY_DEFAULT_PORT, PeelError, Peeled, Protocol,
    ProxyRequest, Relay, ReplyKey, decode_relay, open_request, parse_entry, peel,
};
pub use response::{Response, ResponseError, ResponseKey};

/// The AEAD protecting each layer (`enc_type` on the wire).
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

    pub(crate) const fn inner(self) -> Cipher {
        match self {
            Self::XChaCha20 => Cipher::XChaCha20,
            Self::Aes256Gcm => Cipher::Aes256Gcm,
        }
    }

    /// Bytes each layer adds (nonce and tag): 40 for XChaCha20, 28 for AES-GCM.
    pub const fn overhead(self) -> usize {
        self.inner().overhead()
    }
}

/// A service node's public keys: its Ed25519 identity (named in routing) and the X25519 key its
/// layer is encrypted to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeKeys {
    /// The Ed25519 public key.
    pub ed25519: [u8; 32],
    /// The X25519 public key (the Ed25519 key converted).
    pub x25519: [u8; 32],
}

impl NodeKeys {
    /// The keys of a node record.
    pub fn from_node(node: &ServiceNode) -> Self {
        Self {
            ed25519: node.ed25519().to_bytes(),
            x25519: node.x25519().to_bytes(),
        }
    }

    /// The public keys of an identity (for nodes simulated in memory, tests and examples).
    pub fn from_identity(identity: &Identity) -> Self {
        Self {
            ed25519: identity.ed25519_public().to_bytes(),
            x25519: identity.x25519_public().to_bytes(),
        }
    }
}

impl From<&ServiceNode> for NodeKeys {
    fn from(node: &ServiceNode) -> Self {
        Self::from_node(node)
    }
}

impl fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeKeys(")?;
        crate::wire::write_hex(f, self.ed25519.get(..4).unwrap_or_default())?;
        f.write_str("…)")
    }
}

/// Where the innermost layer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// A service node: the payload is a storage RPC request (`{"method", "params"}` JSON) and
    /// the reply comes back base64-encoded.
    Node(NodeKeys),
    /// An HTTP server reached through the last path node (a community server, the file server):
    /// the payload is a v4 request ([`v4::encode_request`]) and the reply is binary.
    Server(ServerDestination),
}

/// An HTTP server behind the last path node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDestination {
    /// Host name or address, without scheme or port.
    pub host: alloc::string::String,
    /// `"https"` or `"http"`.
    pub protocol: Protocol,
    /// TCP port.
    pub port: u16,
    /// The onion endpoint, normally `/oxen/v4/lsrpc`.
    pub target: alloc::string::String,
    /// The server's X25519 public key.
    pub x25519: [u8; 32],
}

impl ServerDestination {
    /// An HTTPS server on port 443 at the standard v4 endpoint.
    pub fn https(host: impl Into<alloc::string::String>, x25519: [u8; 32]) -> Self {
        Self {
            host: host.into(),
            protocol: Protocol::Https,
            port: 443,
            target: alloc::string::String::from("/oxen/v4/lsrpc"),
            x25519,
        }
    }
}

/// Whether a proxy target is one a service node forwards to: it starts with `/loki/` or
/// `/oxen/`, ends with `/lsrpc`, and has no `?`.
pub fn is_allowed_target(target: &str) -> bool {
    (target.starts_with("/loki/") || target.starts_with("/oxen/"))
        && target.ends_with("/lsrpc")
        && !target.contains('?')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_and_aliases() {
        for (name, cipher) in [
            ("xchacha20", HopCipher::XChaCha20),
            ("xchacha20-poly1305", HopCipher::XChaCha20),
            ("aes-gcm", HopCipher::Aes256Gcm),
            ("gcm", HopCipher::Aes256Gcm),
        ] {
            assert_eq!(HopCipher::from_wire_name(name), Some(cipher));
        }
        for refused in ["aes-cbc", "cbc", "", "XCHACHA20", "aes_gcm"] {
            assert_eq!(HopCipher::from_wire_name(refused), None, "{refused}");
        }
        assert_eq!(HopCipher::XChaCha20.overhead(), 40);
        assert_eq!(HopCipher::Aes256Gcm.overhead(), 28);
    }
}
