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
//!             assert_eq!(next, keys[hops + 1].ed25519());
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

mod build;
mod control;
mod destination;
mod entry;
mod node;
mod relay;
mod response;
pub mod v4;

/// The AEAD protecting each layer (`enc_type` on the wire): [`HopCipher::XChaCha20`] or
/// [`HopCipher::Aes256Gcm`].
pub use crate::crypto::HopCipher;
/// Why an onion layer's `u32 || blob || JSON` frame could not be split (inside [`PeelError::Frame`]).
pub use crate::wire::FrameError;
pub use build::{BuildError, HopDraw, OnionRequest, build_request, build_request_into};
#[cfg(feature = "hazmat")]
pub use build::{build_request_with, seal_layer};
pub use control::{Problem, Refusal};
pub use destination::{
    Destination, DestinationError, NodeKeys, Protocol, ServerDestination, is_allowed_target,
    is_valid_host,
};
pub use entry::{Layer, parse_entry};
pub use node::{
    Hop, LayerError, NodeSecret, PeelError, Peeled, ProxyRequest, ReplyKey, open_request, peel,
    peel_batch,
};
pub use relay::{Relay, decode_relay};
pub use response::{Response, ResponseError, ResponseKey};

/// The port a proxy layer without `port` is sent to, whatever its scheme: the storage server
/// defaults to 443 for `http` too (clients always write the port).
pub const PROXY_DEFAULT_PORT: u16 = 443;

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
