//! Byte-level codecs shared by the modules above it. No keys, no crypto.
//!
//! * hex at the edges (ids, JSON fields, command lines),
//! * the onion layer frame `u32_le(N) || N bytes || JSON`,
//! * a strict subset of bencode (byte strings, integers, lists, dictionaries),
//! * JSON string escaping for the control objects the crate writes,
//! * base64 for onion responses,
//! * bounded zstd (de)compression.

mod bencode;
mod codec;
mod frame;
mod hex;
mod json;
pub(crate) mod zstd;

#[cfg(test)]
pub(crate) use bencode::bytes_len as bencode_bytes_len;
pub(crate) use bencode::{
    BencodeError, Kind as BencodeKind, Reader as BencodeReader, write_bytes as bencode_bytes,
    write_int as bencode_int,
};
pub(crate) use codec::Codec;
pub use frame::FrameError;
pub(crate) use frame::{split_frame, split_frame_mut};
pub use hex::HexError;
#[cfg(test)]
pub(crate) use hex::encode_hex;
pub(crate) use hex::{decode_hex, write_hex};
pub(crate) use json::{JsonStr, from_json, from_json_object, from_json_object_seed};

use alloc::vec::Vec;

/// Largest packet or message the crate reads or builds: 10 MiB (the storage server's limit).
pub(crate) const MAX_PACKET: usize = 10 * 1024 * 1024;

/// Where writers put bytes: a buffer, or a counter that measures what would be written (so a
/// size pass and a write pass share one description of the bytes).
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A buffer that is wiped on drop (for plaintexts the crate writes).
impl Sink for zeroize::Zeroizing<Vec<u8>> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Counts bytes instead of writing them.
#[derive(Debug, Default)]
pub(crate) struct Count(pub(crate) usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

/// Puts `bytes` as lowercase hex.
pub(crate) fn put_hex<S: Sink>(out: &mut S, bytes: &[u8]) {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        if let Ok(hex) = base16ct::lower::encode(chunk, &mut buf) {
            out.put(hex);
        }
    }
}

/// Puts `n` in decimal.
pub(crate) fn put_decimal<S: Sink>(out: &mut S, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    // u64::MAX has 20 digits, so `i` never underflows.
    while let Some(j) = i.checked_sub(1) {
        i = j;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0'.saturating_add(u8::try_from(n % 10).unwrap_or(0));
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put(buf.get(i..).unwrap_or_default());
}

/// Puts `s` as a JSON string literal (quotes included).
pub(crate) fn put_json_str<S: Sink>(out: &mut S, s: &str) {
    out.put(b"\"");
    for c in s.chars() {
        match c {
            '"' => out.put(b"\\\""),
            '\\' => out.put(b"\\\\"),
            '\n' => out.put(b"\\n"),
            '\r' => out.put(b"\\r"),
            '\t' => out.put(b"\\t"),
            c if (c as u32) < 0x20 => {
                let b = c as u32;
                let hex = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX_DIGITS.get((b >> 4) as usize).copied().unwrap_or(b'0'),
                    HEX_DIGITS.get((b & 15) as usize).copied().unwrap_or(b'0'),
                ];
                out.put(&hex);
            }
            c => {
                let mut utf8 = [0u8; 4];
                out.put(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.put(b"\"");
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> Vec<u8> {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes).into_bytes()
}

/// Standard base64, padded or not (the storage server trims `=` in some places). Text that is
/// not base64 is refused before anything is allocated; otherwise one buffer of the decoded
/// size (3/4 of the text) is.
pub(crate) fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    let text = text.trim_ascii();
    let unpadded = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    if !unpadded
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    {
        return None;
    }
    // With `=` the text must be padded base64; without, either form decodes the same (a
    // multiple of 4 characters needs no padding), so the unpadded decoder takes it.
    let padded = unpadded.len() != text.len();
    let mut out = alloc::vec![0u8; (text.len() / 4).saturating_mul(3).saturating_add(2)];
    let n = if padded {
        base64ct::Base64::decode(text, &mut out).ok()?.len()
    } else {
        base64ct::Base64Unpadded::decode(text, &mut out).ok()?.len()
    };
    out.truncate(n);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroizing_buffers_are_sinks_too() {
        let mut out = zeroize::Zeroizing::new(Vec::new());
        out.put(b"ab");
        put_decimal(&mut *out, 42);
        out.put(b"");
        out.put(b"c");
        assert_eq!(out.as_slice(), b"ab42c");
    }

    #[test]
    fn base64_decodes_padded_unpadded_and_refuses_the_rest() {
        for (text, want) in [
            (&b"aGk="[..], Some(&b"hi"[..])),
            (b"aGk", Some(b"hi")),
            (b"aGVsbG8h", Some(b"hello!")),
            (b" aGk= \n", Some(b"hi")),
            (b"", Some(b"")),
            (b"aGk==", None),
            (b"aG=k", None),
            (b"a", None),
            (b"aGk-", None),
        ] {
            assert_eq!(base64_decode(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn json_strings_escape_and_measure() {
        for s in [
            "plain",
            "quote\"back\\slash",
            "ctl\u{1}\n\t\r",
            "uni \u{e9}\u{1f600}",
        ] {
            let mut out = Vec::new();
            put_json_str(&mut out, s);
            let mut count = Count::default();
            put_json_str(&mut count, s);
            assert_eq!(out.len(), count.0);
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
        assert_eq!(base64_decode(b" YWJj\n").unwrap(), b"abc");
        for bad in [&b"YW="[..], b"Y", b"YWJ=j", b"YW=J", b"====", b"\xff\xfe"] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod sink_tests {
    use super::*;

    #[test]
    fn decimal_and_hex() {
        for n in [0u64, 9, 10, 65535, u64::MAX] {
            let mut out = Vec::new();
            put_decimal(&mut out, n);
            assert_eq!(core::str::from_utf8(&out).unwrap(), alloc::format!("{n}"));
        }
        let mut out = Vec::new();
        put_hex(&mut out, &[0xab; 40]);
        assert_eq!(out.len(), 80);
        assert!(out.chunks(2).all(|c| c == b"ab"));
    }
}
