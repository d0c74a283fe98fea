//! zstd frames, bounded: compression for outgoing payloads, decompression that refuses to
//! hold more than a limit.

use alloc::vec::Vec;

/// Why a frame did not decompress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZstdError {
    /// The window, the declared size or the output is above the limit.
    TooLarge,
    /// Not a valid zstd frame.
    Malformed,
}

/// The zstd frame of `data` (ruzstd's fastest level).
pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// Decompresses at most `limit` bytes.
///
/// The zstd decoder keeps a whole window in memory before it yields anything, so the frame
/// header is checked first: a window (or a declared content size) above the limit is refused
/// with [`ZstdError::TooLarge`] before anything is allocated for it. Honest senders never need
/// more: libzstd's one-shot compressor declares a window equal to the content size, ruzstd's
/// uses 128 KiB.
pub(crate) fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZstdError> {
    use ruzstd::decoding::errors::{FrameDecoderError, FrameHeaderError};
    use ruzstd::io::Read;
    let max = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut decoder = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(data, max)
        .map_err(|e| match e {
            FrameDecoderError::WindowSizeTooBig { .. }
            | FrameDecoderError::FrameHeaderError(FrameHeaderError::WindowTooBig { .. }) => {
                ZstdError::TooLarge
            }
            _ => ZstdError::Malformed,
        })?;
    // Absent, the declared size reads as 0; present, it must fit the limit too.
    if decoder.decoder.content_size() > max {
        return Err(ZstdError::TooLarge);
    }
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = decoder.read(&mut chunk).map_err(|_| ZstdError::Malformed)?;
        if n == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(n) > limit {
            return Err(ZstdError::TooLarge);
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}
