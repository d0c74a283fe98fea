//! Recovery-phrase decoding on arbitrary text: never panics, and a phrase that decodes
//! re-encodes to words with the same prefixes (so it decodes to the same seed again).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::Identity;
use session_protocol::identity::mnemonic::decode_words;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let _ = decode_words(text.split_whitespace(), false);
    if let Ok(me) = Identity::from_mnemonic(text) {
        let again = Identity::from_mnemonic(&me.mnemonic()).expect("own phrase decodes");
        assert_eq!(*again.seed(), *me.seed());
        for (given, ours) in text.split_whitespace().zip(me.mnemonic().split(' ')) {
            assert_eq!(given[..3].to_ascii_lowercase(), ours[..3]);
        }
    }
});
