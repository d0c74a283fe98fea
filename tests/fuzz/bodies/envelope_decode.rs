//! open_1o1 on arbitrary bytes (typed errors, no panics, nothing kept beyond the input),
//! and on honestly encoded messages whose `Content` bytes the fuzzer chooses (so the padding
//! handling behind the encryption is reached): those decode back to exactly what was sent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{ProSignature, open_1o1, seal_1o1};

pub(crate) fn run(data: &[u8]) {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    if let Ok(m) = open_1o1(&bob, data) {
        assert!(m.content.len() < data.len());
    }
    let pro = match data.first().map(|b| b % 3) {
        Some(1) => ProSignature::Decoy,
        Some(2) => ProSignature::Key(&alice),
        _ => ProSignature::Omit,
    };
    let sent_ms = 1_700_000_000_000;
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        data,
        sent_ms,
        pro,
        &mut ChaCha20Rng::from_seed([5; 32]),
    )
    .expect("valid recipient");
    let m = open_1o1(&bob, &stored).expect("an honest envelope decodes");
    assert_eq!(m.content.as_slice(), data, "content comes back unchanged");
    assert_eq!(m.sender, alice.session_id());
    assert_eq!(m.timestamp_ms, sent_ms);
    assert_eq!(m.pro_sig.is_some(), !matches!(pro, ProSignature::Omit));
}
