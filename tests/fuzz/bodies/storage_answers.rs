//! The storage-answer decoders and the network clock on arbitrary bytes: never panic, keep
//! only well-formed hashes, count only verified store and revoke confirmations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::storage::NetworkClock;
use session_protocol::storage::request::is_message_hash;
use session_protocol::storage::response::{
    NodeStore, decode_batch, decode_info, decode_meta, decode_retrieve, decode_revoke, decode_store,
};

pub(crate) fn run(data: &[u8]) {
    if let Ok(r) = decode_retrieve(data) {
        for m in &r.messages {
            assert!(is_message_hash(&m.hash));
            // Decoded base64 is never longer than the text it came from.
            assert!(m.data.len() <= data.len());
        }
    }
    if let Ok(s) = decode_store(data) {
        let mut keys: Vec<_> = s.nodes.iter().map(|(k, _)| *k).collect();
        keys.dedup();
        assert_eq!(keys.len(), s.nodes.len(), "one answer per member");
        for (_, n) in &s.nodes {
            if let NodeStore::Stored { hash, .. } = n {
                assert!(is_message_hash(hash));
            }
        }
    }
    // A revoke answer: each member once, and no signature the input could forge counts.
    let account = session_protocol::SessionId::new(session_protocol::IdPrefix::Group, [3; 32]);
    if let Ok(r) = decode_revoke(data, &account, 1_700_000_000_000, &[[1; 36]]) {
        let keys: Vec<_> = r.nodes.iter().map(|(k, _)| *k).collect();
        let mut unique = keys.clone();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "one answer per member");
        assert_eq!(r.confirmations_from(&keys), 0);
    }
    let _ = decode_info(data);
    if let Ok(results) = decode_batch(data) {
        for r in &results {
            assert!(r.body.len() <= data.len());
        }
    }
    // The clock from the first 24 bytes as (sent, received, server): it never panics, and an
    // accepted sample moves the offset to something `now_ms` can apply.
    if let Some(chunk) = data.get(..24) {
        let n = |i: usize| u64::from_le_bytes(chunk[i..i + 8].try_into().unwrap());
        let mut clock = NetworkClock::new();
        if clock.add_sample(n(0), n(8), n(16)).is_ok() {
            assert_eq!(clock.samples(), 1);
            let _ = clock.now_ms(n(8));
        } else {
            assert_eq!(clock.samples(), 0);
        }
    }
    let _ = decode_meta(data);
}
