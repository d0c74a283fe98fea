//! One config message: parse, serialize, sign, verify, hash, increment and merge.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::ConfigError;
use super::value::{self, Dict, Diff};
use crate::crypto::blake2b_256;
use crate::identity::{Ed25519Public, Identity, verify_ed25519};
use crate::wire::{self, Sink};
use crate::wire::{BencodeKind as Kind, BencodeReader as Reader};

/// How many seqnos back a message carries diffs for (every config type uses 5).
pub const LAG: i64 = 5;

/// A config message's hash: BLAKE2b-256 of its bytes exactly as received (or serialized).
pub type MessageHash = [u8; 32];

/// A key of the lagged-diff map: (seqno, hash), ordered by seqno then hash bytes.
type LagKey = (i64, MessageHash);

/// A parsed or built config message.
///
/// Its parts on the wire, a bencoded dictionary in key order: `#` the seqno (first), `&` the
/// data, `<` the diffs of recent earlier messages (`[seqno, hash, diff]` triples, ascending),
/// `=` this message's own diff against the data it started from, and `~` an Ed25519 signature
/// (last, for signed config types) over every byte before the `1:~` key. Other keys sorting
/// between these are kept and written back in place.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigMessage {
    seqno: i64,
    data: Dict,
    lagged: BTreeMap<LagKey, Diff>,
    diff: Diff,
    /// Unknown top-level keys with their raw bencoded values, in key order.
    unknown: Vec<(Vec<u8>, Vec<u8>)>,
    /// The bytes this message was parsed from or serialized to.
    bytes: Vec<u8>,
    hash: MessageHash,
}

/// Lowercase hex in `Debug`.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        crate::wire::write_hex(f, self.0)
    }
}

// Debug shows the shape, not the data: configs hold keys (profile pictures, group admin
// seeds) and private lists.
impl core::fmt::Debug for ConfigMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConfigMessage")
            .field("seqno", &self.seqno)
            .field("hash", &Hex(&self.hash))
            .field("keys", &self.data.len())
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for Draft {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Draft")
            .field("seqno", &self.seqno)
            .field("keys", &self.data.len())
            .finish_non_exhaustive()
    }
}

/// Who signs and who verifies messages of a signed config type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signing<'a> {
    /// Checks the `~` signature of every message read (a message without one is refused).
    pub verifier: Option<&'a Ed25519Public>,
    /// Signs every message written.
    pub signer: Option<&'a Identity>,
}

impl ConfigMessage {
    /// The empty message at seqno 0 (what a config holds before its first change).
    pub fn empty() -> Self {
        Self::build(
            0,
            Dict::new(),
            BTreeMap::new(),
            Diff::new(),
            Vec::new(),
            None,
        )
    }

    /// Serializes the parts (keeping lagged diffs within [`LAG`] of `seqno`) and signs.
    fn build(
        seqno: i64,
        data: Dict,
        lagged: BTreeMap<LagKey, Diff>,
        diff: Diff,
        unknown: Vec<(Vec<u8>, Vec<u8>)>,
        signer: Option<&Identity>,
    ) -> Self {
        // Only the history that goes on the wire is kept: a merge must replay what every
        // reader of these bytes would see.
        let mut lagged = lagged;
        lagged.retain(|(s, _), _| *s < seqno && *s > seqno.saturating_sub(LAG));
        let mut msg = Self {
            seqno,
            data,
            lagged,
            diff,
            unknown,
            bytes: Vec::new(),
            hash: [0; 32],
        };
        msg.bytes = msg.serialize(signer);
        msg.hash = blake2b_256(&[&msg.bytes]);
        msg
    }

    fn serialize(&self, signer: Option<&Identity>) -> Vec<u8> {
        let mut out = Vec::new();
        out.put(b"d");
        let mut unknown = self.unknown.iter().peekable();
        let mut key = |out: &mut Vec<u8>, name: &[u8]| {
            while let Some((k, raw)) = unknown.next_if(|(k, _)| k.as_slice() < name) {
                wire::bencode_bytes(out, k);
                out.put(raw);
            }
            wire::bencode_bytes(out, name);
        };
        key(&mut out, b"#");
        value::write_i64(&mut out, self.seqno);
        key(&mut out, b"&");
        value::write_dict(&mut out, &self.data);
        key(&mut out, b"<");
        out.put(b"l");
        for ((s, h), d) in &self.lagged {
            if self.in_window(*s) {
                out.put(b"l");
                value::write_i64(&mut out, *s);
                wire::bencode_bytes(&mut out, h);
                value::write_diff(&mut out, d);
                out.put(b"e");
            }
        }
        out.put(b"e");
        key(&mut out, b"=");
        value::write_diff(&mut out, &self.diff);
        // Unknown keys after "=" (all sort before "~").
        for (k, raw) in unknown {
            wire::bencode_bytes(&mut out, k);
            out.put(raw);
        }
        if let Some(signer) = signer {
            let sig = signer.sign(&out);
            out.put(b"1:~64:");
            out.put(&sig);
        }
        out.put(b"e");
        out
    }

    /// Whether a lagged diff of seqno `s` is still carried by this message.
    fn in_window(&self, s: i64) -> bool {
        s < self.seqno && s > self.seqno.saturating_sub(LAG)
    }

    /// Parses a config message.
    ///
    /// # Errors
    /// [`ConfigError`] when the bytes are not a well-formed config message, or `signing` has a
    /// verifier and the signature is missing or wrong.
    pub fn parse(bytes: &[u8], signing: Signing<'_>) -> Result<Self, ConfigError> {
        let mut r = Reader::new(bytes);
        r.enter(Kind::Dict)?;
        let mut last = None;
        let key_at = |k: core::ops::Range<usize>| bytes.get(k).ok_or(ConfigError::Malformed);

        let first = r.dict_key(&mut last)?.ok_or(ConfigError::Missing("#"))?;
        if key_at(first)? != b"#" {
            return Err(ConfigError::Missing("#"));
        }
        let seqno = r.int()?;
        if seqno < 0 {
            return Err(ConfigError::Malformed);
        }
        let mut data = None;
        let mut lagged = BTreeMap::new();
        let mut diff = Diff::new();
        let mut unknown = Vec::new();
        let mut signature = None;
        let mut saw_diff = false;
        loop {
            let key_start = r.position();
            let Some(k) = r.dict_key(&mut last)? else {
                break;
            };
            match key_at(k)? {
                b"&" => data = Some(value::read_dict(&mut r, bytes, 0, true)?),
                b"<" => lagged = read_lagged(&mut r, bytes, seqno)?,
                b"=" => {
                    diff = value::read_diff(&mut r, bytes, 0)?;
                    saw_diff = true;
                }
                b"~" => {
                    let sig = r.bytes()?;
                    let sig: [u8; 64] = key_at(sig)?
                        .try_into()
                        .map_err(|_| ConfigError::Signature)?;
                    signature = Some((key_start, sig));
                    if !r.end_of_container()? {
                        return Err(ConfigError::Malformed);
                    }
                    break;
                }
                k if k > b"~".as_slice() => return Err(ConfigError::Malformed),
                k => {
                    if data.is_none() && k > b"&".as_slice() {
                        return Err(ConfigError::Missing("&"));
                    }
                    let start = r.position();
                    r.skip(1)?;
                    let raw = bytes
                        .get(start..r.position())
                        .ok_or(ConfigError::Malformed)?;
                    unknown.push((k.to_vec(), raw.to_vec()));
                }
            }
        }
        r.finish()?;
        let data = data.ok_or(ConfigError::Missing("&"))?;
        // libsession cannot read a message whose data or history is its last key.
        if !saw_diff {
            return Err(ConfigError::Missing("="));
        }
        if let Some(verifier) = signing.verifier {
            let (at, sig) = signature.ok_or(ConfigError::Unsigned)?;
            let signed = bytes.get(..at).ok_or(ConfigError::Malformed)?;
            verify_ed25519(verifier, signed, &sig).map_err(|_| ConfigError::Signature)?;
        }
        Ok(Self {
            seqno,
            data,
            lagged,
            diff,
            unknown,
            bytes: bytes.to_vec(),
            hash: blake2b_256(&[bytes]),
        })
    }

    /// The sequence number.
    pub fn seqno(&self) -> i64 {
        self.seqno
    }

    /// The data.
    pub fn data(&self) -> &Dict {
        &self.data
    }

    /// This message's own diff (`=`).
    pub fn diff(&self) -> &Diff {
        &self.diff
    }

    /// The lagged diffs it carries on the wire (those of the last [`LAG`] - 1 seqnos):
    /// `(seqno, hash, diff)`.
    pub fn lagged(&self) -> impl Iterator<Item = (i64, &MessageHash, &Diff)> + '_ {
        self.lagged
            .iter()
            .filter(|((s, _), _)| self.in_window(*s))
            .map(|((s, h), d)| (*s, h, d))
    }

    /// Its bytes (as parsed, or as built).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// BLAKE2b-256 of [`ConfigMessage::bytes`].
    pub fn hash(&self) -> &MessageHash {
        &self.hash
    }

    /// A draft of the next message (seqno + 1), starting from this one's data.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn next(&self) -> Result<Draft, ConfigError> {
        let seqno = self
            .seqno
            .checked_add(1)
            .ok_or(ConfigError::SeqnoOverflow)?;
        let mut lagged: BTreeMap<LagKey, Diff> = self
            .lagged
            .iter()
            .filter(|((s, _), _)| *s > seqno.saturating_sub(LAG) && *s < self.seqno)
            .map(|(k, d)| (*k, d.clone()))
            .collect();
        lagged.insert((self.seqno, self.hash), self.diff.clone());
        Ok(Draft {
            seqno,
            orig: self.data.clone(),
            data: self.data.clone(),
            lagged,
            unknown: self.unknown.clone(),
        })
    }
}

/// The `<` list: `[seqno, hash, diff]` triples in strictly ascending (seqno, hash) order, each
/// older than the message; triples [`LAG`] or more behind are dropped unread (but still
/// checked to be bencode).
fn read_lagged(
    r: &mut Reader<'_>,
    input: &[u8],
    seqno: i64,
) -> Result<BTreeMap<LagKey, Diff>, ConfigError> {
    r.enter(Kind::List)?;
    let mut out = BTreeMap::new();
    let mut last: Option<LagKey> = None;
    while !r.end_of_container()? {
        r.enter(Kind::List)?;
        let s = r.int()?;
        if s >= seqno {
            return Err(ConfigError::Lagged(
                "a lagged diff is not older than its message",
            ));
        }
        if s <= seqno.saturating_sub(LAG) {
            while !r.end_of_container()? {
                r.skip(1)?;
            }
            continue;
        }
        let h = r.bytes()?;
        let h: MessageHash = input
            .get(h)
            .and_then(|h| h.try_into().ok())
            .ok_or(ConfigError::Lagged("a lagged hash is 32 bytes"))?;
        let d = value::read_diff(r, input, 0)?;
        if !r.end_of_container()? {
            return Err(ConfigError::Lagged("a lagged diff is a triple"));
        }
        let key = (s, h);
        if last.is_some_and(|l| l >= key) {
            return Err(ConfigError::Lagged("lagged diffs out of order"));
        }
        last = Some(key);
        out.insert(key, d);
    }
    Ok(out)
}

/// A message being edited: its data, the data it started from, and the history it carries.
#[derive(Clone, PartialEq, Eq)]
pub struct Draft {
    seqno: i64,
    orig: Dict,
    data: Dict,
    lagged: BTreeMap<LagKey, Diff>,
    unknown: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Draft {
    /// A draft of a new config at `seqno`, starting from no data (its diff will list
    /// everything as added).
    pub fn new(seqno: i64) -> Self {
        Self {
            seqno,
            orig: Dict::new(),
            data: Dict::new(),
            lagged: BTreeMap::new(),
            unknown: Vec::new(),
        }
    }

    /// A draft that continues a merged message at its own seqno, its diff starting empty (as
    /// a device with unpushed edits continues a merge).
    pub fn from_merged(merged: &ConfigMessage) -> Self {
        Self {
            seqno: merged.seqno,
            orig: merged.data.clone(),
            data: merged.data.clone(),
            lagged: merged.lagged.clone(),
            unknown: merged.unknown.clone(),
        }
    }

    /// A draft that continues a merged message at its own seqno with a diff listing all its
    /// data as added: what a device with nothing unpushed pushes after a merge in libsession,
    /// so that devices of either kind push the same bytes for the same merge.
    pub fn restating(merged: &ConfigMessage) -> Self {
        Self {
            orig: Dict::new(),
            ..Self::from_merged(merged)
        }
    }

    /// Its seqno.
    pub fn seqno(&self) -> i64 {
        self.seqno
    }

    /// The data.
    pub fn data(&self) -> &Dict {
        &self.data
    }

    /// The data, to edit. Empty sets and dictionaries are pruned when the message is built.
    pub fn data_mut(&mut self) -> &mut Dict {
        &mut self.data
    }

    /// The message: the data pruned, its diff against where it started, serialized (and
    /// signed with `signer`).
    pub fn build(&self, signer: Option<&Identity>) -> ConfigMessage {
        let mut data = self.data.clone();
        value::prune(&mut data);
        let diff = value::diff(&self.orig, &data);
        ConfigMessage::build(
            self.seqno,
            data,
            self.lagged.clone(),
            diff,
            self.unknown.clone(),
            signer,
        )
    }
}

/// What [`merge`] made of a set of messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// One message already covers all the others: the one at this index.
    Single(usize),
    /// Several diverged: their merge, at the highest seqno + 1.
    Merged(ConfigMessage),
}

/// Merges config messages (from several devices, or several pushes).
///
/// Messages included in another's lagged diffs, repeated, or [`LAG`] or more seqnos behind the
/// newest drop out. If one remains it is the answer. Otherwise the result starts from the data
/// of the highest (seqno, hash) message and replays every diff the remaining messages carry,
/// once each, in ascending (seqno, hash) order, taking values from the data of the highest
/// message that carries that diff: for two edits at the same seqno, the message with the
/// bytewise higher hash is applied last and wins. The result has seqno max + 1, carries the
/// replayed diffs, has an empty own diff, and is signed by `signer`. Every device merging the
/// same set of messages builds the same bytes, in any order.
///
/// # Errors
/// [`ConfigError::NoMessages`] for an empty list; [`ConfigError::SeqnoOverflow`] when the
/// merge would pass the largest seqno.
pub fn merge(messages: &[ConfigMessage], signer: Option<&Identity>) -> Result<Merged, ConfigError> {
    let max = messages
        .iter()
        .map(|m| m.seqno)
        .max()
        .ok_or(ConfigError::NoMessages)?;
    let live: Vec<usize> = (0..messages.len())
        .filter(|&i| {
            let Some(m) = messages.get(i) else {
                return false;
            };
            let key = (m.seqno, m.hash);
            let included = messages
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && o.lagged.contains_key(&key));
            let repeated = messages
                .iter()
                .take(i)
                .any(|o| o.seqno == m.seqno && o.hash == m.hash);
            let too_old = m.seqno.saturating_add(LAG) <= max;
            !included && !repeated && !too_old
        })
        .collect();
    if let [only] = live.as_slice() {
        return Ok(Merged::Single(*only));
    }
    let mut ranked: Vec<&ConfigMessage> = live.iter().filter_map(|&i| messages.get(i)).collect();
    ranked.sort_by_key(|m| core::cmp::Reverse((m.seqno, m.hash)));
    // The newest message is never dropped (nothing can include it, and its first copy is no
    // repeat), so `ranked` has at least two.
    let top = ranked.first().ok_or(ConfigError::NoMessages)?;
    let seqno = max.checked_add(1).ok_or(ConfigError::SeqnoOverflow)?;
    let mut data = top.data.clone();
    let mut replay: BTreeMap<LagKey, (&Dict, &Diff)> = BTreeMap::new();
    for m in &ranked {
        replay
            .entry((m.seqno, m.hash))
            .or_insert((&m.data, &m.diff));
        for (k, d) in &m.lagged {
            replay.entry(*k).or_insert((&m.data, d));
        }
    }
    let mut lagged = BTreeMap::new();
    for (k, (source, d)) in replay {
        value::apply(&mut data, d, source);
        lagged.insert(k, d.clone());
    }
    value::prune(&mut data);
    Ok(Merged::Merged(ConfigMessage::build(
        seqno,
        data,
        lagged,
        Diff::new(),
        Vec::new(),
        signer,
    )))
}
