//! decode_envelope on arbitrary bytes: typed errors, no panics, no allocation beyond the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::Identity;
use session_protocol::envelope::decode_envelope;

fuzz_target!(|data: &[u8]| {
    let bob = Identity::from_seed(&[2; 32]);
    if let Ok(m) = decode_envelope(&bob, data) {
        assert!(m.content.len() < data.len());
    }
});
