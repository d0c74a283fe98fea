//! Byte-level codecs shared by the modules above it. No keys, no crypto.
//!
//! * hex at the edges (ids, JSON fields, command lines),
//! * the onion layer frame `u32_le(N) || N bytes || JSON`,
//! * a strict subset of bencode (byte strings, integers, lists, dictionaries),
//! * JSON string escaping for the control objects the crate writes,
//! * base64 for onion responses.

mod bencode;
mod frame;
mod hex;

pub(crate) use bencode::{Bencode, BencodeError, write_bytes as bencode_bytes};
pub(crate) use frame::{FrameError, split_frame, split_frame_mut};
pub use hex::HexError;
#[cfg(test)]
pub(crate) use hex::encode_hex;
pub(crate) use hex::{decode_hex, push_hex, write_hex};

use alloc::vec::Vec;

/// Largest packet or message the crate reads or builds: 10 MiB (the storage server's limit).
pub(crate) const MAX_PACKET: usize = 10 * 1024 * 1024;

/// Appends `s` as a JSON string literal (quotes included).
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(b"\\u00");
                let b = c as u32;
                out.push(HEX_DIGITS.get((b >> 4) as usize).copied().unwrap_or(b'0'));
                out.push(HEX_DIGITS.get((b & 15) as usize).copied().unwrap_or(b'0'));
            }
            c => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Length of [`push_json_str`]'s output for `s`.
pub(crate) fn json_str_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> Vec<u8> {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes).into_bytes()
}

/// Standard base64, padded or not (the storage server trims `=` in some places).
pub(crate) fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    let text = core::str::from_utf8(text).ok()?.trim();
    base64ct::Base64::decode_vec(text)
        .or_else(|_| base64ct::Base64Unpadded::decode_vec(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_and_measure() {
        for s in [
            "plain",
            "quote\"back\\slash",
            "ctl\u{1}\n\t\r",
            "uni \u{e9}\u{1f600}",
        ] {
            let mut out = Vec::new();
            push_json_str(&mut out, s);
            assert_eq!(out.len(), json_str_len(s));
            let back: alloc::string::String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn base64_round_trips_padded_or_not() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd"] {
            let enc = base64_encode(data);
            assert_eq!(base64_decode(&enc).unwrap(), data);
            let trimmed: Vec<u8> = enc.iter().copied().filter(|&c| c != b'=').collect();
            assert_eq!(base64_decode(&trimmed).unwrap(), data);
        }
        assert_eq!(base64_decode(b"!!!"), None);
    }
}
