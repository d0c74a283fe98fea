//! Bencode writing through [`Sink`] (so a size pass and a write pass share one description of
//! the bytes) and the few reading helpers the envelope codecs share. Reading itself is the
//! streaming [`wire::BencodeReader`]: no tree is built, nothing is allocated.

use core::ops::Range;

use crate::wire::{self, BencodeError, BencodeKind, BencodeReader, Sink};

/// Puts `<len>:<bytes>`.
pub(crate) fn put_bytes<S: Sink>(out: &mut S, bytes: &[u8]) {
    wire::put_decimal(out, u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    out.put(b":");
    out.put(bytes);
}

/// Puts `i<n>e` for a non-negative `n`.
pub(crate) fn put_uint<S: Sink>(out: &mut S, n: u64) {
    out.put(b"i");
    wire::put_decimal(out, n);
    out.put(b"e");
}

/// A dictionary value as the envelope decoders look at it: a byte string (as a range of the
/// input), an integer, or anything else (validated and skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Bytes(Range<usize>),
    Int(i64),
    Other,
}

/// Reads the next value inside a top-level container (depth 1).
pub(crate) fn read_value(r: &mut BencodeReader<'_>) -> Result<Value, BencodeError> {
    match r.kind()? {
        BencodeKind::Bytes => r.bytes().map(Value::Bytes),
        BencodeKind::Int => r.int().map(Value::Int),
        BencodeKind::List | BencodeKind::Dict => r.skip(1).map(|()| Value::Other),
    }
}

/// Walks one top-level dictionary (or, if the input is another value, validates and skips it)
/// and hands each entry's key and value to `entry`, which may read the value itself (and must
/// then consume exactly one value) or return `false` to have it skipped. The whole input must
/// be one canonical value.
pub(crate) fn walk_dict<'a>(
    input: &'a [u8],
    mut entry: impl FnMut(&'a [u8], &mut BencodeReader<'a>) -> Result<bool, BencodeError>,
) -> Result<(), BencodeError> {
    let mut r = BencodeReader::new(input);
    if r.kind()? == BencodeKind::Dict {
        r.enter(BencodeKind::Dict)?;
        let mut last = None;
        while let Some(key) = r.dict_key(&mut last)? {
            let key = input.get(key).ok_or(BencodeError::Truncated)?;
            if !entry(key, &mut r)? {
                r.skip(1)?;
            }
        }
    } else {
        r.skip(0)?;
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn sizes_match_what_is_written() {
        for len in [0usize, 1, 9, 10, 99, 100, 12345] {
            let data = alloc::vec![7u8; len];
            let mut out = Vec::new();
            put_bytes(&mut out, &data);
            let mut count = wire::Count::default();
            put_bytes(&mut count, &data);
            assert_eq!(out.len(), count.0);
            assert_eq!(out.len(), wire::bencode_bytes_len(len));
        }
        let mut out = Vec::new();
        put_uint(&mut out, 1);
        put_uint(&mut out, 0);
        assert_eq!(out, b"i1ei0e");
    }

    #[test]
    fn walk_dict_validates_everything_and_skips_unread_values() {
        let mut seen = Vec::new();
        walk_dict(b"d1:ai1e1:bli2ee1:c2:xye", |k, r| {
            seen.push((k.to_vec(), read_value(r)?));
            Ok(true)
        })
        .unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].1, Value::Other);
        assert_eq!(seen[2].1, Value::Bytes(20..22));
        // Skipped values are still validated, and so is a top level that is no dictionary.
        assert_eq!(
            walk_dict(b"d1:ai01ee", |_, _| Ok(false)),
            Err(BencodeError::Malformed)
        );
        assert_eq!(walk_dict(b"le", |_, _| Ok(false)), Ok(()));
        assert_eq!(
            walk_dict(b"lex", |_, _| Ok(false)),
            Err(BencodeError::TrailingBytes)
        );
        assert_eq!(
            walk_dict(b"d1:b0:1:a0:e", |_, _| Ok(false)),
            Err(BencodeError::UnsortedKeys)
        );
    }
}
