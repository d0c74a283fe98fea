//! The onion layer frame: `u32_le(N) || N bytes || JSON (to the end)`.

/// Why a frame could not be read. Safe to report: nothing here depends on secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer than 4 bytes: no length prefix.
    #[error("frame shorter than its length prefix")]
    Truncated,
    /// The length prefix points past the end of the input.
    #[error("frame length prefix past the end of the input")]
    LengthPastEnd,
}

/// Splits a frame into its blob and its JSON part (both borrowed).
pub(crate) fn split_frame(buf: &[u8]) -> Result<(&[u8], &[u8]), FrameError> {
    let (len, rest) = buf.split_first_chunk::<4>().ok_or(FrameError::Truncated)?;
    let n = usize::try_from(u32::from_le_bytes(*len)).map_err(|_| FrameError::LengthPastEnd)?;
    rest.split_at_checked(n).ok_or(FrameError::LengthPastEnd)
}

/// [`split_frame`] with the blob borrowed mutably (for decryption in place).
pub(crate) fn split_frame_mut(buf: &mut [u8]) -> Result<(&mut [u8], &[u8]), FrameError> {
    let (len, rest) = buf
        .split_first_chunk_mut::<4>()
        .ok_or(FrameError::Truncated)?;
    let n = usize::try_from(u32::from_le_bytes(*len)).map_err(|_| FrameError::LengthPastEnd)?;
    let (blob, json) = rest
        .split_at_mut_checked(n)
        .ok_or(FrameError::LengthPastEnd)?;
    Ok((blob, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_and_refuse_bad_lengths() {
        assert_eq!(split_frame(b"\x02\0\0\0ab{}"), Ok((&b"ab"[..], &b"{}"[..])));
        assert_eq!(split_frame(b"\x00\0\0\0"), Ok((&b""[..], &b""[..])));
        assert_eq!(split_frame(b"\x02\0\0"), Err(FrameError::Truncated));
        assert_eq!(split_frame(b"\x03\0\0\0ab"), Err(FrameError::LengthPastEnd));
        assert_eq!(
            split_frame(b"\xff\xff\xff\xffab"),
            Err(FrameError::LengthPastEnd)
        );
        let mut m = *b"\x01\0\0\0x{}";
        let (blob, json) = split_frame_mut(&mut m).unwrap();
        blob[0] = b'y';
        assert_eq!(json, b"{}");
        assert_eq!(&m, b"\x01\0\0\0y{}");
    }
}
