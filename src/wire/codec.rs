//! One pattern for every wire format (after rustls's `Codec`): a type that both writes itself
//! to a [`Sink`] and reads itself from bytes, so the two directions live side by side and a
//! round-trip test covers each format.

use alloc::vec::Vec;

use super::{Count, Sink};

/// A wire format: encoding and decoding of one type.
pub(crate) trait Codec<'a>: Sized {
    /// Why bytes are not this format.
    type Error;

    /// Writes the encoding. Writing to a [`Count`] measures it, so a size pass and a write pass
    /// share one description of the bytes.
    fn encode<S: Sink>(&self, out: &mut S);

    /// Reads exactly one value spanning all of `bytes`.
    fn decode(bytes: &'a [u8]) -> Result<Self, Self::Error>;

    /// The length [`Codec::encode`] writes.
    fn encoded_len(&self) -> usize {
        let mut count = Count::default();
        self.encode(&mut count);
        count.0
    }

    /// Appends the encoding to `out`, reserving its exact length first.
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        self.encode(out);
    }
}
