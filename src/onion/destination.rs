//! Who a request goes through and to: node keys, and the destination of the innermost layer.

use alloc::string::String;
use core::fmt;
use core::hash::{Hash, Hasher};

use curve25519_dalek::edwards::EdwardsPoint;

use crate::crypto;
use crate::identity::{Ed25519Public, Identity, KeyError, X25519Public};
use crate::swarm::ServiceNode;

/// A service node's public keys: its Ed25519 identity (named in routing) and the X25519 key its
/// layer is encrypted to, always derived from the Ed25519 key.
///
/// Holds the decompressed curve point too, so building a request does not redo the square
/// root of the point decompression for every layer to this node. Equality and hashing use the
/// Ed25519 key alone (the rest follows from it).
///
/// ```
/// use session_protocol::Identity;
/// use session_protocol::onion::NodeKeys;
///
/// let node = Identity::from_seed(&[3; 32]);
/// let keys = NodeKeys::new(node.ed25519_public())?;
/// assert_eq!(keys.x25519(), node.x25519_public());
/// assert_eq!(keys, NodeKeys::from_identity(&node));
/// # Ok::<(), session_protocol::KeyError>(())
/// ```
#[derive(Clone, Copy)]
pub struct NodeKeys {
    ed25519: Ed25519Public,
    x25519: X25519Public,
    /// The point `ed25519` encodes; its Montgomery `u` is `x25519`.
    point: Option<EdwardsPoint>,
}

impl NodeKeys {
    /// The keys of the node with Ed25519 key `ed25519`; its X25519 key is derived from it.
    ///
    /// # Errors
    /// [`KeyError::InvalidPublicKey`] where libsodium's conversion refuses: not on the curve,
    /// of small order, or with a torsion component.
    pub fn new(ed25519: Ed25519Public) -> Result<Self, KeyError> {
        let point =
            crypto::decode_ed25519_point(ed25519.as_bytes()).ok_or(KeyError::InvalidPublicKey)?;
        Ok(Self::from_point(ed25519, point))
    }

    /// From an already validated point (in the prime-order subgroup).
    fn from_point(ed25519: Ed25519Public, point: EdwardsPoint) -> Self {
        Self {
            ed25519,
            x25519: X25519Public::from_bytes(point.to_montgomery().to_bytes()),
            point: Some(point),
        }
    }

    /// From keys already known to match (validated where they were made): only the
    /// decompression is redone, without the subgroup check.
    fn from_checked(ed25519: Ed25519Public, x25519: X25519Public) -> Self {
        Self {
            ed25519,
            x25519,
            point: crypto::decompress_ed25519(ed25519.as_bytes()),
        }
    }

    /// The keys of a node record (whose keys were validated when the record was made).
    pub fn from_node(node: &ServiceNode) -> Self {
        Self::from_checked(*node.ed25519(), *node.x25519())
    }

    /// The public keys of an identity (for nodes simulated in memory, tests and examples).
    pub fn from_identity(identity: &Identity) -> Self {
        Self::from_checked(identity.ed25519_public(), identity.x25519_public())
    }

    /// The Ed25519 public key (the node's identity).
    pub fn ed25519(&self) -> Ed25519Public {
        self.ed25519
    }

    /// The X25519 public key layers to this node are encrypted to.
    pub fn x25519(&self) -> X25519Public {
        self.x25519
    }

    /// The X25519 key's bytes, borrowed.
    pub(crate) fn x25519_ref(&self) -> &[u8; 32] {
        self.x25519.as_bytes()
    }

    /// The cached Edwards point of the X25519 key (up to sign, which X25519 ignores), or
    /// `None` when none was cached.
    pub(crate) fn point(&self) -> Option<&EdwardsPoint> {
        self.point.as_ref()
    }
}

impl TryFrom<Ed25519Public> for NodeKeys {
    type Error = KeyError;

    fn try_from(ed25519: Ed25519Public) -> Result<Self, KeyError> {
        Self::new(ed25519)
    }
}

impl From<&ServiceNode> for NodeKeys {
    fn from(node: &ServiceNode) -> Self {
        Self::from_node(node)
    }
}

// The X25519 key is derived from the Ed25519 key by every constructor, so the Ed25519 key alone
// decides equality (and the cached point, a function of both, never differs between equals).
impl PartialEq for NodeKeys {
    fn eq(&self, other: &Self) -> bool {
        self.ed25519 == other.ed25519
    }
}

impl Eq for NodeKeys {}

impl Hash for NodeKeys {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ed25519.hash(state);
    }
}

impl fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeKeys(")?;
        crate::wire::write_hex(f, self.ed25519.as_bytes().get(..4).unwrap_or_default())?;
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
    /// the payload is a v4 request ([`super::v4::encode_request`]) and the reply is binary.
    Server(ServerDestination),
}

impl Destination {
    /// The X25519 key the destination layer is encrypted to.
    pub fn x25519(&self) -> X25519Public {
        match self {
            Self::Node(keys) => keys.x25519(),
            Self::Server(server) => server.x25519(),
        }
    }

    /// The X25519 key's bytes, borrowed.
    pub(crate) fn x25519_ref(&self) -> &[u8; 32] {
        match self {
            Self::Node(keys) => keys.x25519_ref(),
            Self::Server(server) => server.x25519.as_bytes(),
        }
    }

    /// The cached curve point of that key, if any.
    pub(crate) fn point(&self) -> Option<&EdwardsPoint> {
        match self {
            Self::Node(keys) => keys.point(),
            Self::Server(_) => None,
        }
    }
}

/// Why a [`ServerDestination`] was refused: it names a URL no service node would fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DestinationError {
    /// The host is empty, longer than 253 bytes, or not a DNS name, IPv4 address or bracketed
    /// IPv6 literal (see [`is_valid_host`]).
    #[error("server host is not a host name or address")]
    BadHost,
    /// The target is not one nodes forward to (see [`is_allowed_target`]).
    #[error("server target not allowed")]
    BadTarget,
    /// Port 0.
    #[error("server port 0")]
    BadPort,
}

/// An HTTP server behind the last path node, checked to be a URL a service node fetches.
///
/// ```
/// use session_protocol::X25519Public;
/// use session_protocol::onion::{DestinationError, Protocol, ServerDestination};
///
/// let key = X25519Public::from_bytes([9; 32]);
/// let server = ServerDestination::https("open.example", key)?;
/// assert_eq!((server.port(), server.target()), (443, "/oxen/v4/lsrpc"));
/// let refused = ServerDestination::new("open.example", Protocol::Https, 443, "/api", key);
/// assert_eq!(refused, Err(DestinationError::BadTarget));
/// # Ok::<(), DestinationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDestination {
    host: String,
    protocol: Protocol,
    port: u16,
    target: String,
    x25519: X25519Public,
}

impl ServerDestination {
    /// A server at `protocol://host:port` + `target`, whose onion key is `x25519`.
    ///
    /// # Errors
    /// [`DestinationError::BadHost`] unless [`is_valid_host`]; [`DestinationError::BadTarget`]
    /// unless [`is_allowed_target`] (the storage server's rule); [`DestinationError::BadPort`]
    /// for port 0. A node reading a proxy layer applies the same checks.
    pub fn new(
        host: impl Into<String>,
        protocol: Protocol,
        port: u16,
        target: impl Into<String>,
        x25519: X25519Public,
    ) -> Result<Self, DestinationError> {
        let (host, target) = (host.into(), target.into());
        if !is_valid_host(&host) {
            return Err(DestinationError::BadHost);
        }
        if !is_allowed_target(&target) {
            return Err(DestinationError::BadTarget);
        }
        if port == 0 {
            return Err(DestinationError::BadPort);
        }
        Ok(Self {
            host,
            protocol,
            port,
            target,
            x25519,
        })
    }

    /// An HTTPS server on port 443 at the standard v4 endpoint `/oxen/v4/lsrpc`.
    ///
    /// # Errors
    /// [`DestinationError::BadHost`] as for [`ServerDestination::new`].
    pub fn https(host: impl Into<String>, x25519: X25519Public) -> Result<Self, DestinationError> {
        Self::new(host, Protocol::Https, 443, "/oxen/v4/lsrpc", x25519)
    }

    /// Host name or address, without scheme or port.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The scheme.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The onion endpoint, normally `/oxen/v4/lsrpc`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The server's X25519 public key.
    pub fn x25519(&self) -> X25519Public {
        self.x25519
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
    /// proxy layer that omits `port` uses [`super::PROXY_DEFAULT_PORT`] (443) for both
    /// schemes, as the storage server does.
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Https => 443,
            Self::Http => 80,
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

/// Whether `host` can stand between `scheme://` and `:port` in a URL without changing its
/// meaning: 1 to 253 bytes of ASCII letters, digits, `-` and `.` (a DNS name or IPv4
/// address), or a bracketed IPv6 literal (`[` hex digits, `:` and `.` `]`).
///
/// Stricter than the storage server, which pastes the host into the URL unchecked: a host
/// holding `/`, `?`, `#`, `@` or `:` would make it fetch something other than what the
/// fields say.
pub fn is_valid_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    if bytes.is_empty() || bytes.len() > 253 {
        return false;
    }
    match bytes.strip_prefix(b"[").and_then(|b| b.strip_suffix(b"]")) {
        Some(v6) => {
            !v6.is_empty()
                && v6
                    .iter()
                    .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        }
        None => bytes
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.'),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::swarm::SwarmId;
    use core::net::Ipv4Addr;

    /// A node record's cached point is the one `NodeKeys::new` decodes, so keys built from a
    /// record (no curve arithmetic) and from the bare Ed25519 key are interchangeable.
    #[test]
    fn keys_from_a_record_carry_the_decoded_point() {
        for i in 1..=8u8 {
            let id = Identity::from_seed(&[i; 32]);
            let node = ServiceNode::new(
                id.ed25519_public(),
                Ipv4Addr::LOCALHOST,
                443,
                444,
                SwarmId::INVALID,
            )
            .unwrap();
            let (a, b) = (
                NodeKeys::from_node(&node),
                NodeKeys::new(id.ed25519_public()).unwrap(),
            );
            assert_eq!(a, b);
            assert!(a.point().is_some(), "the point is cached");
            assert_eq!(a.point(), b.point());
            assert_eq!(NodeKeys::from_identity(&id).point(), b.point());
            assert_eq!(a.x25519(), id.x25519_public());
            // The point is the X25519 key's (up to sign).
            let point = a.point().copied().unwrap();
            assert_eq!(
                point.to_montgomery().to_bytes(),
                id.x25519_public().to_bytes()
            );
            // Destinations hand it on; servers have none.
            assert_eq!(Destination::Node(a).point(), a.point());
        }
        let server =
            ServerDestination::https("example.org", X25519Public::from_bytes([9; 32])).unwrap();
        assert!(Destination::Server(server).point().is_none());
    }

    /// Collects what is hashed, to compare two values' hash input.
    #[derive(Default)]
    struct Bytes(alloc::vec::Vec<u8>);

    impl Hasher for Bytes {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
    }

    #[test]
    fn node_keys_are_equal_and_hash_alike_exactly_for_the_same_node() {
        let hashed = |k: &NodeKeys| {
            let mut h = Bytes::default();
            k.hash(&mut h);
            h.0
        };
        let a = NodeKeys::from_identity(&Identity::from_seed(&[1; 32]));
        let a2 = NodeKeys::new(Identity::from_seed(&[1; 32]).ed25519_public()).unwrap();
        let b = NodeKeys::from_identity(&Identity::from_seed(&[2; 32]));
        assert_eq!(a, a2);
        assert_ne!(a, b);
        assert_eq!(hashed(&a), hashed(&a2));
        assert_ne!(hashed(&a), hashed(&b));
        assert!(!hashed(&a).is_empty());
    }

    #[test]
    fn hosts_are_names_addresses_or_bracketed_ipv6() {
        let long = "a".repeat(253);
        let too_long = "a".repeat(254);
        for (host, ok) in [
            ("", false),
            ("a", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("example-1.org", true),
            ("10.0.0.1", true),
            ("a_b", false),
            ("a/b", false),
            ("a:80", false),
            ("a@b", false),
            ("a?b", false),
            ("[::1]", true),
            ("[fe80::1]", true),
            ("[::ffff:1.2.3.4]", true),
            ("[1.2.3.4]", true),
            ("[12ab]", true),
            ("[]", false),
            ("[::g]", false),
            ("[::1", false),
            ("::1", false),
            ("[a/b]", false),
        ] {
            assert_eq!(is_valid_host(host), ok, "{host:?}");
        }
    }
}
