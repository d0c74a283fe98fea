//! A strict subset of bencode: byte strings, integers, lists and dictionaries, in canonical
//! form only (no leading zeros, dictionary keys strictly ascending), nested at most 32 deep.
//!
//! [`Reader`] walks the input without building a tree and allocates nothing; byte strings come
//! back as ranges of the input, so a caller can borrow them (mutably, for decryption in place)
//! without copying. Each format's decoder reads the fixed shape it expects with it.

use core::ops::Range;

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;

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

/// What the next value is, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `<len>:<bytes>`
    Bytes,
    /// `i<n>e`
    Int,
    /// `l ... e`
    List,
    /// `d ... e`
    Dict,
}

/// A streaming reader: walks canonical bencode value by value without building a tree, so a
/// decoder that checks a fixed shape allocates nothing. Skipped values are still validated
/// (canonical integers and lengths, ascending keys, at most 32 levels deep), so a reader that
/// reaches [`Reader::finish`] has accepted exactly what [`Bencode::decode`] accepts.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0 }
    }

    fn peek(&self) -> Result<u8, BencodeError> {
        self.input
            .get(self.pos)
            .copied()
            .ok_or(BencodeError::Truncated)
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    /// The kind of the next value, without consuming it.
    pub(crate) fn kind(&self) -> Result<Kind, BencodeError> {
        match self.peek()? {
            b'i' => Ok(Kind::Int),
            b'l' => Ok(Kind::List),
            b'd' => Ok(Kind::Dict),
            b'0'..=b'9' => Ok(Kind::Bytes),
            _ => Err(BencodeError::Malformed),
        }
    }

    /// Consumes the opening byte of a list or dictionary.
    pub(crate) fn enter(&mut self, kind: Kind) -> Result<(), BencodeError> {
        let want = match kind {
            Kind::List => b'l',
            Kind::Dict => b'd',
            Kind::Bytes | Kind::Int => return Err(BencodeError::Malformed),
        };
        if self.peek()? != want {
            return Err(BencodeError::Malformed);
        }
        self.bump();
        Ok(())
    }

    /// Inside a list or dictionary: consumes its closing `e` and returns `true` if it is next.
    pub(crate) fn end_of_container(&mut self) -> Result<bool, BencodeError> {
        if self.peek()? == b'e' {
            self.bump();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Inside a dictionary: the next key (checked to sort after `last`, which it replaces), or
    /// `None` after consuming the closing `e`.
    pub(crate) fn dict_key(
        &mut self,
        last: &mut Option<Range<usize>>,
    ) -> Result<Option<Range<usize>>, BencodeError> {
        if self.end_of_container()? {
            return Ok(None);
        }
        let key = self.bytes()?;
        if let Some(prev) = last.as_ref()
            && self.input.get(prev.clone()) >= self.input.get(key.clone())
        {
            return Err(BencodeError::UnsortedKeys);
        }
        *last = Some(key.clone());
        Ok(Some(key))
    }

    /// Skips one value nested `depth` levels below the top (0 for the top-level value),
    /// validating it. Recursion is bounded by the 32-level limit.
    pub(crate) fn skip(&mut self, depth: usize) -> Result<(), BencodeError> {
        if depth > MAX_DEPTH {
            return Err(BencodeError::TooDeep);
        }
        match self.kind()? {
            Kind::Int => self.int().map(drop),
            Kind::Bytes => self.bytes().map(drop),
            Kind::List => {
                self.enter(Kind::List)?;
                while !self.end_of_container()? {
                    self.skip(depth.saturating_add(1))?;
                }
                Ok(())
            }
            Kind::Dict => {
                self.enter(Kind::Dict)?;
                let mut last = None;
                while self.dict_key(&mut last)?.is_some() {
                    self.skip(depth.saturating_add(1))?;
                }
                Ok(())
            }
        }
    }

    /// How many bytes have been read.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Succeeds if the whole input has been read.
    pub(crate) fn finish(&self) -> Result<(), BencodeError> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(BencodeError::TrailingBytes)
        }
    }

    /// `<len>:<bytes>`, returning the bytes' range.
    pub(crate) fn bytes(&mut self) -> Result<Range<usize>, BencodeError> {
        if !self.peek()?.is_ascii_digit() {
            return Err(BencodeError::Malformed);
        }
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

    /// `i<n>e`.
    pub(crate) fn int(&mut self) -> Result<i64, BencodeError> {
        if self.peek()? != b'i' {
            return Err(BencodeError::Malformed);
        }
        self.bump();
        self.int_until(b'e')
    }

    /// A canonical decimal integer terminated by `end` (which is consumed).
    fn int_until(&mut self, end: u8) -> Result<i64, BencodeError> {
        let rest = self.input.get(self.pos..).ok_or(BencodeError::Truncated)?;
        let n = rest
            .iter()
            .position(|&b| b == end)
            .ok_or(BencodeError::Truncated)?;
        let digits = rest.get(..n).ok_or(BencodeError::Truncated)?;
        // A sign can only reach here for integers: `bytes` refuses a length not starting with a
        // digit before calling this.
        let (neg, body) = match digits.split_first() {
            Some((b'-', body)) => (true, body),
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

/// Puts `<len>:<bytes>`.
pub(crate) fn write_bytes<S: super::Sink>(out: &mut S, bytes: &[u8]) {
    super::put_decimal(out, bytes.len() as u64);
    out.put(b":");
    out.put(bytes);
}

/// Length of [`write_bytes`]'s output for `len` bytes.
#[cfg(test)]
pub(crate) fn bytes_len(len: usize) -> usize {
    let mut digits = super::Count::default();
    super::put_decimal(&mut digits, len as u64);
    digits.0.saturating_add(1).saturating_add(len)
}

/// Puts `i<n>e`.
pub(crate) fn write_int<S: super::Sink>(out: &mut S, n: u64) {
    out.put(b"i");
    super::put_decimal(out, n);
    out.put(b"e");
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Reads one whole value with the streaming reader (validating it) and the end of input.
    fn read_all(input: &[u8]) -> Result<(), BencodeError> {
        let mut r = Reader::new(input);
        r.skip(0)?;
        r.finish()
    }

    #[test]
    fn reads_the_subset_and_ranges_point_into_the_input() {
        let input = b"d4:data5:hello6:hop_noi3e4:listl1:ai-7eee";
        let mut r = Reader::new(input);
        r.enter(Kind::Dict).unwrap();
        let mut last = None;
        let key = r.dict_key(&mut last).unwrap().unwrap();
        assert_eq!(&input[key], b"data");
        let data = r.bytes().unwrap();
        assert_eq!(&input[data], b"hello");
        let key = r.dict_key(&mut last).unwrap().unwrap();
        assert_eq!(&input[key], b"hop_no");
        assert_eq!(r.int(), Ok(3));
        let key = r.dict_key(&mut last).unwrap().unwrap();
        assert_eq!(&input[key], b"list");
        assert_eq!(r.kind(), Ok(Kind::List));
        r.enter(Kind::List).unwrap();
        assert_eq!(r.end_of_container(), Ok(false));
        assert_eq!(&input[r.bytes().unwrap()], b"a");
        assert_eq!(r.int(), Ok(-7));
        assert_eq!(r.end_of_container(), Ok(true));
        assert_eq!(r.dict_key(&mut last), Ok(None));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn a_byte_string_may_end_the_input_exactly() {
        let input = b"5:hello";
        let mut r = Reader::new(input);
        assert_eq!(r.bytes().map(|b| &input[b]), Ok(&b"hello"[..]));
        assert_eq!(r.finish(), Ok(()));
        // One byte short is truncated.
        assert_eq!(Reader::new(b"5:hell").bytes(), Err(BencodeError::Truncated));
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
                read_all(input),
                Err(err),
                "{}",
                alloc::string::String::from_utf8_lossy(input)
            );
        }
        let deep: Vec<u8> = core::iter::repeat_n(b'l', 40)
            .chain(core::iter::repeat_n(b'e', 40))
            .collect();
        assert_eq!(read_all(&deep), Err(BencodeError::TooDeep));
    }

    #[test]
    fn depth_limit_is_exact() {
        // n nested lists: the outermost at depth 0, the innermost at depth n - 1.
        let nest = |n: usize| -> Vec<u8> {
            core::iter::repeat_n(b'l', n)
                .chain(core::iter::repeat_n(b'e', n))
                .collect()
        };
        let ok = nest(MAX_DEPTH + 1);
        let deep = nest(MAX_DEPTH + 2);
        let mut r = Reader::new(&ok);
        assert_eq!(r.skip(0), Ok(()));
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(Reader::new(&deep).skip(0), Err(BencodeError::TooDeep));
        // Dictionaries count the same.
        let dicts = |n: usize| -> Vec<u8> {
            let mut v = Vec::new();
            for _ in 0..n {
                v.extend_from_slice(b"d1:k");
            }
            v.extend_from_slice(b"0:");
            v.extend(core::iter::repeat_n(b'e', n));
            v
        };
        assert_eq!(Reader::new(&dicts(MAX_DEPTH)).skip(0), Ok(()));
        assert_eq!(
            Reader::new(&dicts(MAX_DEPTH + 1)).skip(0),
            Err(BencodeError::TooDeep)
        );
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
        let mut r = Reader::new(&out);
        r.enter(Kind::List).unwrap();
        assert_eq!(r.bytes().map(|b| b.len()), Ok(0));
        assert_eq!(r.bytes().map(|b| b.len()), Ok(12));
        assert_eq!(r.int(), Ok(0));
        assert_eq!(r.int(), Ok(1234567890));
        assert_eq!(r.end_of_container(), Ok(true));
        assert_eq!(r.finish(), Ok(()));
    }
}
