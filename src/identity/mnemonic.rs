//! Recovery phrases: the Electrum-style 1626-word English list used by Session.
//!
//! Every 4 bytes (a little-endian `u32` `x`) become three words `w1 = x mod n`,
//! `w2 = (x / n + w1) mod n`, `w3 = (x / n² + w2) mod n` with `n = 1626`. A Session phrase
//! encodes 16 bytes as 12 words plus a checksum word: the CRC-32 of the words' 3-letter
//! prefixes, mod 12, picks which word is repeated at the end. Decoding looks only at the first
//! three letters of each word, ignoring ASCII case.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use zeroize::Zeroizing;

mod english;
use english::WORDS;

/// Letters of a word that identify it.
const PREFIX_LEN: usize = 3;
/// Words in the list.
const N: u32 = 1626;

/// Why a phrase did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MnemonicError {
    /// The phrase has a number of words that encodes no supported length. A Session recovery
    /// phrase has 13 words (or 25 for a full 32-byte seed); 12 words means the checksum word
    /// is missing.
    #[error("a recovery phrase has 13 or 25 words, got {0}")]
    WrongWordCount(usize),
    /// The word at this 0-based position matches no word of the list.
    #[error("word {0} is not in the word list")]
    UnknownWord(usize),
    /// The last word is not the checksum of the others (a word was changed, moved or lost).
    #[error("the checksum word does not match the phrase")]
    BadChecksum,
    /// The three words starting at this 0-based position encode no 32-bit value.
    #[error("words {0}..{end} encode no 32-bit value", end = .0 + 3)]
    InvalidTriplet(usize),
    /// Data to encode whose length is not a multiple of 4 bytes.
    #[error("only multiples of 4 bytes can be encoded, got {0}")]
    BadDataLength(usize),
}

/// Encodes `data` (a multiple of 4 bytes) as words, with the checksum word appended when
/// `checksum` is set.
///
/// # Errors
/// [`MnemonicError::BadDataLength`] when `data.len()` is not a multiple of 4.
pub fn encode_words(data: &[u8], checksum: bool) -> Result<Vec<&'static str>, MnemonicError> {
    if !data.len().is_multiple_of(4) {
        return Err(MnemonicError::BadDataLength(data.len()));
    }
    let mut words = Vec::with_capacity(
        (data.len() / 4)
            .saturating_mul(3)
            .saturating_add(usize::from(checksum)),
    );
    for chunk in data.chunks_exact(4) {
        let mut le = [0u8; 4];
        le.copy_from_slice(chunk);
        let x = u32::from_le_bytes(le);
        let w1 = x % N;
        let w2 = (x / N).saturating_add(w1) % N;
        let w3 = (x / N / N).saturating_add(w2) % N;
        words.extend([word(w1), word(w2), word(w3)]);
    }
    if checksum && !words.is_empty() {
        let i = checksum_index(words.iter().copied(), words.len());
        if let Some(w) = words.get(i).copied() {
            words.push(w);
        }
    }
    Ok(words)
}

/// Decodes words into bytes, checking and removing the checksum word when `checksum` is set.
///
/// Each word may be any case and may be shortened or misspelt after its first three letters.
///
/// Allocates 2 bytes per word of the list, in chunks of 128 words (so at least 256 bytes), and
/// the output: beyond the first chunk, less than the phrase itself (each word is at least 3
/// letters and a separator); nothing more after an unknown word.
///
/// # Errors
/// [`MnemonicError::WrongWordCount`] when the count is not a multiple of 3 (plus one with a
/// checksum), [`MnemonicError::UnknownWord`], [`MnemonicError::BadChecksum`] and
/// [`MnemonicError::InvalidTriplet`] as their names say.
pub fn decode_words<'a, I>(words: I, checksum: bool) -> Result<Zeroizing<Vec<u8>>, MnemonicError>
where
    I: IntoIterator<Item = &'a str>,
{
    // Words become indices as they arrive; after the first unknown word only the count goes
    // on (the error is then the count or that word), so nothing is kept for junk words.
    let mut indices = Indices::default();
    let mut count = 0usize;
    let mut first_unknown = None;
    for w in words {
        if first_unknown.is_none() {
            match lookup(w) {
                Some(i) => indices.push(i),
                None => first_unknown = Some(count),
            }
        }
        count = count.saturating_add(1);
    }
    let data_words = if checksum {
        count.checked_sub(1)
    } else {
        Some(count)
    };
    let data_words = match data_words {
        Some(n) if n > 0 && n % 3 == 0 => n,
        _ => return Err(MnemonicError::WrongWordCount(count)),
    };
    if let Some(pos) = first_unknown {
        return Err(MnemonicError::UnknownWord(pos));
    }
    let at = |i: usize| indices.get(i).ok_or(MnemonicError::WrongWordCount(count));
    if checksum {
        let body = indices.iter().take(data_words).map(|i| word(u32::from(i)));
        let expected = at(checksum_index(body, data_words))?;
        if at(data_words)? != expected {
            return Err(MnemonicError::BadChecksum);
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity((data_words / 3).saturating_mul(4)));
    for t in 0..data_words / 3 {
        let first = t.saturating_mul(3);
        let (w1, w2, w3) = (
            u32::from(at(first)?),
            u32::from(at(first.saturating_add(1))?),
            u32::from(at(first.saturating_add(2))?),
        );
        // Word indices are below N, so every term is below N^3 < 2^33.
        let n = u64::from(N);
        let step = |from: u32, to: u32| u64::from(N.saturating_sub(from).saturating_add(to) % N);
        let x = u64::from(w1)
            .saturating_add(n.saturating_mul(step(w1, w2)))
            .saturating_add(n.saturating_mul(n).saturating_mul(step(w2, w3)));
        let x = u32::try_from(x).map_err(|_| MnemonicError::InvalidTriplet(first))?;
        out.extend_from_slice(&x.to_le_bytes());
    }
    Ok(out)
}

/// Words per chunk of [`Indices`]: one chunk (256 bytes) holds any real phrase, and the
/// pointer per chunk is small next to the 512 or more bytes of phrase a full chunk stands for.
const CHUNK: usize = 128;

/// Word indices (2 bytes a word, against at least 4 bytes of phrase for a word of the list) in
/// fixed-size chunks wiped on drop: growing never copies what is stored, so no unwiped copy of
/// a phrase is left behind and the peak is the indices themselves (plus one part-filled chunk
/// and a pointer per chunk).
#[derive(Default)]
struct Indices {
    // Boxed on purpose: growing the vector then moves pointers, never the indices (an unboxed
    // chunk moved by a reallocation would leave an unwiped copy behind).
    #[allow(clippy::vec_box)]
    chunks: Vec<Box<Zeroizing<[u16; CHUNK]>>>,
    len: usize,
}

impl Indices {
    fn push(&mut self, i: u16) {
        let slot = self.len % CHUNK;
        if slot == 0 {
            self.chunks.push(Box::new(Zeroizing::new([0; CHUNK])));
        }
        if let Some(s) = self.chunks.last_mut().and_then(|c| c.get_mut(slot)) {
            *s = i;
        }
        self.len = self.len.saturating_add(1);
    }

    fn get(&self, i: usize) -> Option<u16> {
        if i >= self.len {
            return None;
        }
        self.chunks.get(i / CHUNK)?.get(i % CHUNK).copied()
    }

    fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| c.iter().copied())
            .take(self.len)
    }
}

/// The 13-word phrase (or 25 for a seed whose last 16 bytes are not zero) for a seed.
pub(crate) fn phrase_for_seed(seed: &[u8; 32]) -> Zeroizing<String> {
    let data: &[u8] = match seed.split_at(16) {
        (entropy, tail) if tail.iter().all(|&b| b == 0) => entropy,
        _ => seed,
    };
    // 16 and 32 are multiples of 4, so encoding cannot fail.
    let words = encode_words(data, true).unwrap_or_default();
    let mut phrase = Zeroizing::new(String::with_capacity(words.len().saturating_mul(9)));
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            phrase.push(' ');
        }
        phrase.push_str(w);
    }
    phrase
}

/// The seed a recovery phrase stands for: 13 words give 16 bytes of entropy followed by 16
/// zero bytes; 25 words give the 32-byte seed itself.
pub(crate) fn seed_from_phrase(phrase: &str) -> Result<Zeroizing<[u8; 32]>, MnemonicError> {
    let count = phrase.split_whitespace().count();
    if count != 13 && count != 25 {
        return Err(MnemonicError::WrongWordCount(count));
    }
    let data = decode_words(phrase.split_whitespace(), true)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    let dst = seed
        .get_mut(..data.len())
        .ok_or(MnemonicError::WrongWordCount(count))?;
    dst.copy_from_slice(&data);
    Ok(seed)
}

fn word(i: u32) -> &'static str {
    // Every caller passes a value reduced mod N.
    WORDS.get(i as usize).copied().unwrap_or("")
}

/// `CRC-32(concatenated 3-letter prefixes) mod count`, as the reference clients compute it.
fn checksum_index<'a>(words: impl Iterator<Item = &'a str>, count: usize) -> usize {
    let mut crc = crc32fast::Hasher::new();
    for w in words {
        crc.update(prefix(w).unwrap_or(w.as_bytes()));
    }
    (crc.finalize() as usize).checked_rem(count).unwrap_or(0)
}

/// The first three bytes of a list word (all list words are ASCII and at least 4 long).
fn prefix(w: &str) -> Option<&[u8]> {
    w.as_bytes().get(..PREFIX_LEN)
}

/// The index of the list word whose prefix matches `w`'s first three letters, any ASCII case.
fn lookup(w: &str) -> Option<u16> {
    let head = w.as_bytes().get(..PREFIX_LEN)?;
    let mut key = [0u8; PREFIX_LEN];
    for (k, &c) in key.iter_mut().zip(head) {
        *k = c.to_ascii_lowercase();
    }
    let i = WORDS
        .binary_search_by(|cand| prefix(cand).unwrap_or(b"").cmp(&key[..]))
        .ok()?;
    u16::try_from(i).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn word_list_matches_the_shipped_text_file() {
        let text = include_str!("mnemonic/english.txt");
        let from_file: Vec<&str> = text.lines().collect();
        assert_eq!(from_file.as_slice(), WORDS.as_slice());
        // The published digest of the list (words joined by '\n' plus a trailing '\n').
        let digest = sha2::Sha256::digest(text.as_bytes());
        assert_eq!(
            crate::wire::encode_hex(&digest),
            "eaa6bce7dd92f4d6dd74f224264e0ef4ad21095d68ec77616b26ceb599baf4f7"
        );
    }

    #[test]
    fn prefixes_are_unique_and_sorted_so_binary_search_is_exact() {
        for (i, w) in WORDS.iter().enumerate() {
            assert_eq!(lookup(w).map(|x| x as usize), Some(i), "{w}");
        }
        assert!(WORDS.windows(2).all(|p| prefix(p[0]) < prefix(p[1])));
    }

    #[test]
    fn long_word_lists_round_trip_across_index_chunks() {
        // Within one chunk of indices, just past it, and several, with and without the
        // checksum word.
        const { assert!(1000 / 4 * 3 > 5 * CHUNK && 172 / 4 * 3 > CHUNK && 168 / 4 * 3 < CHUNK) };
        for len in [4usize, 168, 172, 400, 1000] {
            let data: Vec<u8> = (0..len)
                .map(|i| u8::try_from(i * 37 % 251).unwrap())
                .collect();
            for checksum in [false, true] {
                let words = encode_words(&data, checksum).unwrap();
                let back = decode_words(words.iter().copied(), checksum).unwrap();
                assert_eq!(&back[..], &data[..], "{len} {checksum}");
            }
            // The last word changed: the checksum catches it.
            let mut words = encode_words(&data, true).unwrap();
            let last = words.len() - 1;
            words[last] = if words[last] == WORDS[0] {
                WORDS[1]
            } else {
                WORDS[0]
            };
            assert_eq!(
                decode_words(words.iter().copied(), true).err(),
                Some(MnemonicError::BadChecksum),
                "{len}"
            );
        }
    }

    #[test]
    fn short_and_non_ascii_words_are_unknown_not_panics() {
        assert_eq!(lookup("ab"), None);
        assert_eq!(lookup(""), None);
        assert_eq!(lookup("\u{e9}\u{e9}"), None);
        assert_eq!(lookup("zzzz"), None);
    }
}
