//! Padding of `Content` before encryption, so message sizes reveal little.

use alloc::vec::Vec;

/// Block size of DM and community padding.
pub const PADDING_BLOCK: usize = 160;

/// Pads `content`: appends `0x80`, then zeros up to the smallest multiple of 160 that is
/// strictly greater than `content.len() + 1` (so a whole block of zeros is added when
/// `len + 1` is already a multiple: 159 bytes pad to 320).
pub fn pad(content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let padded = (len.saturating_add(1) / PADDING_BLOCK)
        .saturating_add(1)
        .saturating_mul(PADDING_BLOCK);
    let mut out = Vec::with_capacity(padded);
    out.extend_from_slice(content);
    out.push(0x80);
    out.resize(padded, 0);
    out
}

/// The length the legacy desktop client padded to: `ceil((len + 2) / 160) * 160 - 1`.
pub fn legacy_padded_len(len: usize) -> usize {
    len.saturating_add(2)
        .div_ceil(PADDING_BLOCK)
        .saturating_mul(PADDING_BLOCK)
        .saturating_sub(1)
}

/// Removes padding: trailing zeros, then one `0x80`. Input without that shape is returned
/// whole (treated as unpadded), as the reference clients do. Accepts both the current and the
/// legacy desktop form.
pub fn unpad(padded: &[u8]) -> &[u8] {
    let end = padded
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    match padded.get(..end).and_then(<[u8]>::split_last) {
        Some((0x80, body)) => body,
        _ => padded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_then_unpad_and_legacy_form() {
        for len in 0..500 {
            let content: Vec<u8> = (0..len)
                .map(|i| u8::try_from(i % 251).unwrap() + 1)
                .collect();
            let p = pad(&content);
            assert_eq!(p.len() % PADDING_BLOCK, 0);
            assert!(p.len() > len);
            assert_eq!(unpad(&p), &content[..]);
            let mut legacy = content.clone();
            legacy.push(0x80);
            legacy.resize(legacy_padded_len(len), 0);
            assert_eq!(unpad(&legacy), &content[..]);
        }
        assert_eq!(unpad(b"no padding"), b"no padding");
        assert_eq!(unpad(b"zeros\0\0"), b"zeros\0\0");
        assert_eq!(unpad(b""), b"");
        assert_eq!(unpad(&[0, 0]), &[0, 0]);
        assert_eq!(unpad(&[0x80]), b"");
    }
}
