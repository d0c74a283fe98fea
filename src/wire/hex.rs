//! Hex at the edges: ids, JSON fields, command lines.

/// Why a hex string did not decode into a fixed-size value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HexError {
    /// The string does not have exactly `2 × expected` characters.
    #[error("expected {expected} hex characters, got {actual}")]
    WrongLength {
        /// Characters required.
        expected: usize,
        /// Characters given.
        actual: usize,
    },
    /// A character outside `0-9`, `a-f`, `A-F`.
    #[error("invalid hex character")]
    InvalidCharacter,
}

/// Decodes exactly `N` bytes from `2N` hex characters of either case (constant time in the
/// content, so it is safe for secrets).
pub(crate) fn decode_hex<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let expected = N.saturating_mul(2);
    if s.len() != expected {
        return Err(HexError::WrongLength {
            expected,
            actual: s.len(),
        });
    }
    let mut out = [0u8; N];
    base16ct::mixed::decode(s, &mut out).map_err(|_| HexError::InvalidCharacter)?;
    Ok(out)
}

/// Writes `bytes` as lowercase hex into a formatter without allocating.
pub(crate) fn write_hex(f: &mut core::fmt::Formatter<'_>, bytes: &[u8]) -> core::fmt::Result {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        let s = base16ct::lower::encode_str(chunk, &mut buf).map_err(|_| core::fmt::Error)?;
        f.write_str(s)?;
    }
    Ok(())
}

/// Lowercase hex of `bytes` as an owned string.
#[cfg(test)]
pub(crate) fn encode_hex(bytes: &[u8]) -> alloc::string::String {
    base16ct::lower::encode_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_hex_checks_length_and_digits() {
        assert_eq!(decode_hex::<2>("aBcD"), Ok([0xab, 0xcd]));
        assert_eq!(
            decode_hex::<2>("abc"),
            Err(HexError::WrongLength {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(decode_hex::<2>("abcg"), Err(HexError::InvalidCharacter));
        // A multi-byte character is never a hex digit, and never panics the decoder.
        assert_eq!(decode_hex::<2>("ab\u{e9}"), Err(HexError::InvalidCharacter));
    }

    #[test]
    fn encode_hex_is_lowercase() {
        assert_eq!(encode_hex(&[0xAB, 0x01]), "ab01");
    }
}
