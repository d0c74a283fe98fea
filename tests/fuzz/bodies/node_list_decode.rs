//! The node-list decoders on arbitrary bytes: never panic, never keep a node whose keys
//! disagree, and account for every entry (kept or skipped).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::ed25519_to_x25519;
use session_protocol::swarm::{NodePool, decode_service_nodes, decode_swarm_response};

pub(crate) fn run(data: &[u8]) {
    if let Ok(r) = decode_swarm_response(data) {
        for n in &r.nodes {
            assert_eq!(n.swarm(), r.swarm);
            assert_eq!(
                ed25519_to_x25519(n.ed25519()).ok().as_ref(),
                Some(n.x25519())
            );
        }
        let pool = NodePool::new(r.nodes.iter().cloned());
        assert!(pool.len() <= r.nodes.len());
    }
    if let Ok(list) = decode_service_nodes(data) {
        let mut seen: Vec<usize> = list.skipped.iter().map(|s| s.index).collect();
        seen.dedup();
        assert_eq!(
            seen.len(),
            list.skipped.len(),
            "each entry skipped at most once"
        );
        for n in &list.nodes {
            assert!(!n.ip().is_unspecified());
            assert!(n.https_port().is_some() || n.quic_port().is_some());
            assert!(n.https_port() != Some(0) && n.quic_port() != Some(0));
            assert_eq!(
                ed25519_to_x25519(n.ed25519()).ok().as_ref(),
                Some(n.x25519())
            );
        }
    }
}
