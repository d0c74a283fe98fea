//! Blinded-DM decryption on arbitrary bytes for both schemes, from both sides: no panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::envelope::decrypt_blinded_dm;
use session_protocol::{Blinding, Identity};

fuzz_target!(|data: &[u8]| {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let server = [0x1d; 32];
    for scheme in [Blinding::Blind15, Blinding::Blind25] {
        let a = alice.blinded_keypair(scheme, &server).expect("blinds").id();
        let b = bob.blinded_keypair(scheme, &server).expect("blinds").id();
        if let Ok(m) = decrypt_blinded_dm(&bob, &a, &b, &server, data) {
            assert_eq!(
                m.sender,
                alice.session_id(),
                "only alice's key can make it through"
            );
        }
    }
});
