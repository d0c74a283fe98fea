//! A strict subset of bencode: byte strings, integers, lists and dictionaries, in canonical
//! form only (no leading zeros, dictionary keys strictly ascending), nested at most 32 deep.
//!
//! Byte strings are returned as ranges of the input, so a caller can borrow them (mutably, for
//! decryption in place) without copying. Every value takes at least two input bytes, so the
//! decoder allocates at most in proportion to its input.

use alloc::vec::Vec;
use core::ops::Range;

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;

/// A decoded value; byte strings are ranges of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bencode {
    Bytes(Range<usize>),
    Int(i64),
    List(Vec<Bencode>),
    Dict(Vec<(Range<usize>, Bencode)>),
}

/// Why bytes are not canonical bencode of the supported subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum BencodeError {
    /// The input ends inside a value.
    #[error("bencode truncated")]
    Truncated,
    /// A byte that starts no value, or a malformed length or integer.
    #[error("bencode malformed")]
    Malformed,
    /// Dictionary keys out of order or repeated.
    #[error("bencode dictionary keys not strictly ascending")]
    UnsortedKeys,
    /// Bytes after the top-level value.
    #[error("bytes after the bencoded value")]
    TrailingBytes,
    /// Nested deeper than 32 levels.
    #[error("bencode nested too deeply")]
    TooDeep,
}

impl Bencode {
    /// Decodes exactly one value spanning all of `input`.
    pub(crate) fn decode(input: &[u8]) -> Result<Self, BencodeError> {
        let mut p = Parser { input, pos: 0 };
        let v = p.value(0)?;
        if p.pos != input.len() {
            return Err(BencodeError::TrailingBytes);
        }
        Ok(v)
    }

    /// The dictionary entry for `key`, if this is a dictionary that has it.
    pub(crate) fn get<'v>(&'v self, input: &[u8], key: &[u8]) -> Option<&'v Self> {
        match self {
            Self::Dict(entries) => entries
                .iter()
                .find(|(k, _)| input.get(k.clone()) == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Result<u8, BencodeError> {
        self.input
            .get(self.pos)
            .copied()
            .ok_or(BencodeError::Truncated)
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn value(&mut self, depth: usize) -> Result<Bencode, BencodeError> {
        if depth > MAX_DEPTH {
            return Err(BencodeError::TooDeep);
        }
        match self.peek()? {
            b'i' => {
                self.bump();
                let v = self.int_until(b'e')?;
                Ok(Bencode::Int(v))
            }
            b'l' => {
                self.bump();
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth.saturating_add(1))?);
                }
                self.bump();
                Ok(Bencode::List(items))
            }
            b'd' => {
                self.bump();
                let mut entries: Vec<(Range<usize>, Bencode)> = Vec::new();
                while self.peek()? != b'e' {
                    let key = self.bytes()?;
                    if let Some((last, _)) = entries.last()
                        && self.input.get(last.clone()) >= self.input.get(key.clone())
                    {
                        return Err(BencodeError::UnsortedKeys);
                    }
                    let v = self.value(depth.saturating_add(1))?;
                    entries.push((key, v));
                }
                self.bump();
                Ok(Bencode::Dict(entries))
            }
            b'0'..=b'9' => Ok(Bencode::Bytes(self.bytes()?)),
            _ => Err(BencodeError::Malformed),
        }
    }

    /// `<len>:<bytes>`, returning the bytes' range.
    fn bytes(&mut self) -> Result<Range<usize>, BencodeError> {
        let len = self.int_until(b':')?;
        let len = usize::try_from(len).map_err(|_| BencodeError::Malformed)?;
        let start = self.pos;
        let end = start.checked_add(len).ok_or(BencodeError::Truncated)?;
        if end > self.input.len() {
            return Err(BencodeError::Truncated);
        }
        self.pos = end;
        Ok(start..end)
    }

    /// A canonical decimal integer terminated by `end` (which is consumed).
    fn int_until(&mut self, end: u8) -> Result<i64, BencodeError> {
        let rest = self.input.get(self.pos..).ok_or(BencodeError::Truncated)?;
        let n = rest
            .iter()
            .position(|&b| b == end)
            .ok_or(BencodeError::Truncated)?;
        let digits = rest.get(..n).ok_or(BencodeError::Truncated)?;
        let (neg, body) = match digits.split_first() {
            Some((b'-', body)) if end == b'e' => (true, body),
            _ => (false, digits),
        };
        let canonical = match body {
            [] => false,
            [b'0'] => !neg,
            [first, ..] => *first != b'0' && body.iter().all(u8::is_ascii_digit),
        };
        if !canonical {
            return Err(BencodeError::Malformed);
        }
        let text = core::str::from_utf8(digits).map_err(|_| BencodeError::Malformed)?;
        let v: i64 = text.parse().map_err(|_| BencodeError::Malformed)?;
        self.pos = self.pos.saturating_add(n).saturating_add(1);
        Ok(v)
    }
}

/// Appends `<len>:<bytes>`.
pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    super::put_decimal(out, bytes.len() as u64);
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Length of [`write_bytes`]'s output for `len` bytes.
pub(crate) fn bytes_len(len: usize) -> usize {
    let mut digits = super::Count::default();
    super::put_decimal(&mut digits, len as u64);
    digits.0.saturating_add(1).saturating_add(len)
}

/// Appends `i<n>e`.
pub(crate) fn write_int(out: &mut Vec<u8>, n: u64) {
    out.push(b'i');
    super::put_decimal(out, n);
    out.push(b'e');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_subset_and_ranges_point_into_the_input() {
        let input = b"d4:data5:hello6:hop_noi3e4:listl1:ai-7eee";
        let v = Bencode::decode(input).unwrap();
        let Some(Bencode::Bytes(r)) = v.get(input, b"data") else {
            panic!()
        };
        assert_eq!(&input[r.clone()], b"hello");
        assert_eq!(v.get(input, b"hop_no"), Some(&Bencode::Int(3)));
        assert!(matches!(v.get(input, b"list"), Some(Bencode::List(l)) if l.len() == 2));
        assert_eq!(v.get(input, b"missing"), None);
    }

    #[test]
    fn refuses_non_canonical_and_malformed_input() {
        for (input, err) in [
            (&b"i03e"[..], BencodeError::Malformed),
            (b"i-0e", BencodeError::Malformed),
            (b"ie", BencodeError::Malformed),
            (b"i1", BencodeError::Truncated),
            (b"02:ab", BencodeError::Malformed),
            (b"-1:a", BencodeError::Malformed),
            (b"3:ab", BencodeError::Truncated),
            (b"18446744073709551615:a", BencodeError::Malformed),
            (b"9223372036854775807:a", BencodeError::Truncated),
            (b"d1:b0:1:a0:e", BencodeError::UnsortedKeys),
            (b"d1:a0:1:a0:e", BencodeError::UnsortedKeys),
            (b"di1e0:e", BencodeError::Malformed),
            (b"l", BencodeError::Truncated),
            (b"x", BencodeError::Malformed),
            (b"", BencodeError::Truncated),
            (b"0:0:", BencodeError::TrailingBytes),
            (b"i99999999999999999999e", BencodeError::Malformed),
        ] {
            assert_eq!(
                Bencode::decode(input),
                Err(err),
                "{}",
                alloc::string::String::from_utf8_lossy(input)
            );
        }
        let deep: Vec<u8> = core::iter::repeat_n(b'l', 40)
            .chain(core::iter::repeat_n(b'e', 40))
            .collect();
        assert_eq!(Bencode::decode(&deep), Err(BencodeError::TooDeep));
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = Vec::new();
        out.push(b'l');
        write_bytes(&mut out, b"");
        write_bytes(&mut out, &[7u8; 12]);
        write_int(&mut out, 0);
        write_int(&mut out, 1234567890);
        out.push(b'e');
        assert_eq!(bytes_len(12), 3 + 12);
        assert_eq!(bytes_len(0), 2);
        let Bencode::List(items) = Bencode::decode(&out).unwrap() else {
            panic!()
        };
        assert_eq!(items[2], Bencode::Int(0));
        assert_eq!(items[3], Bencode::Int(1234567890));
    }
}
