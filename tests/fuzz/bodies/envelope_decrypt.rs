//! open_incoming on arbitrary bytes, and on arbitrary inner payloads sealed honestly to the
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
use session_protocol::envelope::{DecryptError, open_incoming, seal_for_recipient_raw};

pub(crate) fn run(data: &[u8]) {
    let bob = Identity::from_seed(&[2; 32]);
    let forged = open_incoming(&bob, data);
    assert!(
        matches!(forged, Err(DecryptError::TooShort | DecryptError::Decrypt)),
        "{forged:?}"
    );
    let sealed = seal_for_recipient_raw(
        &bob.x25519_public(),
        data,
        &mut ChaCha20Rng::from_seed([9; 32]),
    )
    .expect("valid key");
    match open_incoming(&bob, &sealed) {
        // Only a genuine signature over M || A || bob's key gets through.
        Ok(m) => {
            assert_eq!(m.message.len() + 96, data.len());
            // The Session ID is derived on demand; a torsioned key has none.
            if let Err(e) = m.sender() {
                assert_eq!(e, DecryptError::InvalidSender);
            }
        }
        Err(DecryptError::TooShort | DecryptError::Decrypt) => assert!(data.len() < 96),
        Err(_) => {}
    }
}
