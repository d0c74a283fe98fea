//! Lowercase hex encoding and strict decoding, for test inputs and expected outputs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write;

/// `bytes` as lowercase hex, two digits per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(s, "{b:02x}").unwrap();
    }
    s
}

/// The bytes of a hex string (either case). Panics, naming the input, on an odd length or a
/// non-hex digit, so that a typo in a test vector fails loudly instead of decoding short.
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    assert!(
        s.len().is_multiple_of(2),
        "odd-length hex ({} digits): {s:?}",
        s.len()
    );
    if let Some(i) = s.bytes().position(|b| !b.is_ascii_hexdigit()) {
        panic!("not a hex digit at {i}: {s:?}");
    }
    // All ASCII hex digits from here on, so every two-byte slice is a valid `str` of two
    // digits (and `from_str_radix`'s leading `+` is already ruled out).
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// [`unhex`] into an array of exactly `N` bytes (panics on another length).
pub(crate) fn unhex_array<const N: usize>(s: &str) -> [u8; N] {
    let v = unhex(s);
    let len = v.len();
    v.try_into()
        .unwrap_or_else(|_| panic!("want {N} bytes, hex has {len}: {s:?}"))
}
