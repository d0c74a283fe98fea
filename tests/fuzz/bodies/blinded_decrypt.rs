//! Blinded-DM decryption on arbitrary bytes, and on authentic blinded DMs whose inner plaintext
//! (message || claimed sender key) is the fuzzer's, so the inner-length, sender-key and
//! SenderMismatch checks behind the AEAD are reached. The first byte picks the scheme (bit 0)
//! and the reader: the recipient, or the sender reading its outbox (bit 1).
#![allow(clippy::expect_used, clippy::panic)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{open_blinded_dm, seal_blinded_dm_raw};
use session_protocol::{Blinding, Identity};

pub(crate) fn run(data: &[u8]) {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let server = [0x1d; 32];
    for scheme in [Blinding::Blind15, Blinding::Blind25] {
        let a = alice.blinded_keypair(scheme, &server).expect("blinds").id();
        let b = bob.blinded_keypair(scheme, &server).expect("blinds").id();
        if let Ok(m) = open_blinded_dm(&bob, &a, &b, &server, data) {
            assert_eq!(
                m.sender,
                alice.session_id(),
                "only alice's key can make it through"
            );
        }
    }
    let Some((&flags, inner)) = data.split_first() else {
        return;
    };
    let scheme = if flags & 1 == 0 {
        Blinding::Blind15
    } else {
        Blinding::Blind25
    };
    let reader = if flags & 2 == 0 { &bob } else { &alice };
    let a = alice.blinded_keypair(scheme, &server).expect("blinds").id();
    let b = bob.blinded_keypair(scheme, &server).expect("blinds").id();
    let ct = seal_blinded_dm_raw(
        &alice,
        &b,
        &server,
        inner,
        &mut ChaCha20Rng::from_seed([flags; 32]),
    )
    .expect("valid ids");
    match open_blinded_dm(reader, &a, &b, &server, &ct) {
        Ok(m) => {
            assert_eq!(m.sender, alice.session_id());
            assert_eq!(m.message.len() + 32, inner.len());
        }
        Err(e) => assert_ne!(
            e,
            session_protocol::envelope::BlindedDmError::Decrypt,
            "an authentic message always decrypts"
        ),
    }
}
