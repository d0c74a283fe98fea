//! decrypt_incoming on arbitrary bytes, and on arbitrary inner payloads sealed honestly to the
//! recipient (so the split, signature and sender-key checks behind the sealed box are reached).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{DecryptError, decrypt_incoming, seal_to};

pub(crate) fn run(data: &[u8]) {
    let bob = Identity::from_seed(&[2; 32]);
    let forged = decrypt_incoming(&bob, data);
    assert!(
        matches!(forged, Err(DecryptError::TooShort | DecryptError::Decrypt)),
        "{forged:?}"
    );
    let sealed = seal_to(
        &bob.x25519_public(),
        data,
        &mut ChaCha20Rng::from_seed([9; 32]),
    )
    .expect("valid key");
    match decrypt_incoming(&bob, &sealed) {
        // Only a genuine signature over M || A || bob's key gets through.
        Ok(m) => assert_eq!(m.message.len() + 96, data.len()),
        Err(DecryptError::TooShort | DecryptError::Decrypt) => assert!(data.len() < 96),
        Err(_) => {}
    }
}
