//! Recovery-phrase decoding on arbitrary text: never panics, and a phrase that decodes
//! re-encodes to words with the same prefixes (so it decodes to the same seed again).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::Identity;
use session_protocol::identity::mnemonic::decode_words;

pub(crate) fn run(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let _ = decode_words(text.split_whitespace(), false);
    let _ = decode_words(text.split_whitespace(), true);
    if let Ok(me) = Identity::from_mnemonic(text) {
        let again = Identity::from_mnemonic(&me.mnemonic()).expect("own phrase decodes");
        assert_eq!(*again.seed(), *me.seed());
        for (given, ours) in text.split_whitespace().zip(me.mnemonic().split(' ')) {
            let given = given.get(..3).map(str::to_ascii_lowercase);
            assert_eq!(given.as_deref(), ours.get(..3));
        }
    }
}
