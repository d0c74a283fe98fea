//! `SessionId::from_str` on arbitrary text: never panics, and what parses prints back to the
//! same id (lowercase).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::SessionId;

pub(crate) fn run(data: &[u8]) {
    let _ = SessionId::from_slice(data);
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = text.parse::<SessionId>() {
        let shown = id.to_string();
        assert_eq!(shown, text.to_ascii_lowercase());
        assert_eq!(shown.parse::<SessionId>(), Ok(id));
        assert_eq!(SessionId::from_bytes(&id.to_bytes()), Ok(id));
    }
}
