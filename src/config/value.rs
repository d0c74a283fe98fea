//! The config data model: scalars, sets and dictionaries, their bencoding, and diffs between
//! two dictionaries.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::ops::Range;

use super::ConfigError;
use crate::wire::{self, Sink};
use crate::wire::{BencodeKind as Kind, BencodeReader as Reader};

/// Deepest nesting of dictionaries inside a config's data or a diff.
pub const MAX_DEPTH: usize = 16;

/// A config scalar: a signed 64-bit integer or a byte string.
///
/// Scalars order integers first (numerically), then byte strings (bytewise): the order sets
/// are kept and bencoded in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    /// An integer.
    Int(i64),
    /// A byte string.
    Bytes(Vec<u8>),
}

impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<&str> for Scalar {
    fn from(v: &str) -> Self {
        Self::Bytes(v.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Scalar {
    fn from(v: &[u8]) -> Self {
        Self::Bytes(v.to_vec())
    }
}

/// A config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An integer or byte string.
    Scalar(Scalar),
    /// A set of scalars (never empty on the wire).
    Set(BTreeSet<Scalar>),
    /// A nested dictionary (never empty on the wire).
    Dict(Dict),
}

impl Value {
    fn same_kind(&self, other: &Self) -> bool {
        matches!(
            (self, other),
            (Self::Scalar(_), Self::Scalar(_))
                | (Self::Set(_), Self::Set(_))
                | (Self::Dict(_), Self::Dict(_))
        )
    }
}

impl From<Scalar> for Value {
    fn from(v: Scalar) -> Self {
        Self::Scalar(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Scalar(Scalar::Int(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Scalar(v.into())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Self::Scalar(v.into())
    }
}

/// A dictionary: byte-string keys, sorted bytewise, to values.
pub type Dict = BTreeMap<Vec<u8>, Value>;

/// One entry of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The key was added or its scalar changed (`""` on the wire): take the value from the
    /// message's data.
    Assigned,
    /// The key was removed (`"-"`).
    Removed,
    /// Changes inside a nested dictionary.
    Dict(Diff),
    /// Elements added to and removed from a set (`[[added…], [removed…]]`).
    Elements {
        /// Added elements.
        added: BTreeSet<Scalar>,
        /// Removed elements.
        removed: BTreeSet<Scalar>,
    },
}

/// What changed between two dictionaries, key by key.
pub type Diff = BTreeMap<Vec<u8>, Change>;

/// Removes empty sets and dictionaries, recursively (a dictionary emptied by this goes too).
pub fn prune(dict: &mut Dict) {
    dict.retain(|_, v| match v {
        Value::Scalar(_) => true,
        Value::Set(s) => !s.is_empty(),
        Value::Dict(d) => {
            prune(d);
            !d.is_empty()
        }
    });
}

/// How many dictionaries deep `dict` nests below itself (0 for one holding no dictionary).
pub(crate) fn depth(dict: &Dict) -> usize {
    dict.values()
        .map(|v| match v {
            Value::Dict(d) => depth(d).saturating_add(1),
            Value::Scalar(_) | Value::Set(_) => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Every leaf of `dict` as added (`removed == false`) or removed.
fn all_of(dict: &Dict, removed: bool) -> Diff {
    dict.iter()
        .map(|(k, v)| (k.clone(), whole(v, removed)))
        .collect()
}

fn whole(v: &Value, removed: bool) -> Change {
    match (v, removed) {
        (Value::Scalar(_), false) => Change::Assigned,
        (Value::Scalar(_), true) => Change::Removed,
        (Value::Set(s), false) => Change::Elements {
            added: s.clone(),
            removed: BTreeSet::new(),
        },
        (Value::Set(s), true) => Change::Elements {
            added: BTreeSet::new(),
            removed: s.clone(),
        },
        (Value::Dict(d), r) => Change::Dict(all_of(d, r)),
    }
}

/// The diff that turns `old` into `new` (both pruned).
pub fn diff(old: &Dict, new: &Dict) -> Diff {
    let mut out = Diff::new();
    for (k, v) in new {
        match old.get(k) {
            Some(o) if o.same_kind(v) => match (o, v) {
                (Value::Scalar(a), Value::Scalar(b)) if a != b => {
                    out.insert(k.clone(), Change::Assigned);
                }
                (Value::Dict(a), Value::Dict(b)) => {
                    let d = diff(a, b);
                    if !d.is_empty() {
                        out.insert(k.clone(), Change::Dict(d));
                    }
                }
                (Value::Set(a), Value::Set(b)) => {
                    let added: BTreeSet<Scalar> = b.difference(a).cloned().collect();
                    let removed: BTreeSet<Scalar> = a.difference(b).cloned().collect();
                    if !added.is_empty() || !removed.is_empty() {
                        out.insert(k.clone(), Change::Elements { added, removed });
                    }
                }
                _ => {}
            },
            // New, or now of another kind: added whole.
            _ => {
                out.insert(k.clone(), whole(v, false));
            }
        }
    }
    for (k, v) in old {
        if !new.contains_key(k) {
            out.insert(k.clone(), whole(v, true));
        }
    }
    out
}

/// Applies `diff` to `data`, taking added values from `source` (the data of the message the
/// diff came from). A key whose value in `source` is missing or of another kind than the
/// change is removed.
pub fn apply(data: &mut Dict, diff: &Diff, source: &Dict) {
    for (k, change) in diff {
        let src = source.get(k);
        let fits = matches!(
            (change, src),
            (Change::Assigned | Change::Removed, Some(Value::Scalar(_)))
                | (Change::Dict(_), Some(Value::Dict(_)))
                | (Change::Elements { .. }, Some(Value::Set(_)))
        );
        if !fits {
            data.remove(k);
            continue;
        }
        match (change, src) {
            (Change::Removed, _) => {
                data.remove(k);
            }
            (Change::Assigned, Some(v)) => {
                data.insert(k.clone(), v.clone());
            }
            (Change::Dict(sub), Some(Value::Dict(src))) => {
                let entry = data
                    .entry(k.clone())
                    .or_insert_with(|| Value::Dict(Dict::new()));
                if !matches!(entry, Value::Dict(_)) {
                    *entry = Value::Dict(Dict::new());
                }
                if let Value::Dict(d) = entry {
                    apply(d, sub, src);
                }
            }
            (Change::Elements { added, removed }, _) => {
                let entry = data
                    .entry(k.clone())
                    .or_insert_with(|| Value::Set(BTreeSet::new()));
                if !matches!(entry, Value::Set(_)) {
                    *entry = Value::Set(BTreeSet::new());
                }
                if let Value::Set(s) = entry {
                    s.extend(added.iter().cloned());
                    for r in removed {
                        s.remove(r);
                    }
                }
            }
            _ => {}
        }
    }
}

// --- bencoding ---

pub(crate) fn write_i64<S: Sink>(out: &mut S, v: i64) {
    out.put(b"i");
    if v < 0 {
        out.put(b"-");
    }
    wire::put_decimal(out, v.unsigned_abs());
    out.put(b"e");
}

fn write_scalar<S: Sink>(out: &mut S, s: &Scalar) {
    match s {
        Scalar::Int(i) => write_i64(out, *i),
        Scalar::Bytes(b) => wire::bencode_bytes(out, b),
    }
}

fn write_set<S: Sink>(out: &mut S, set: &BTreeSet<Scalar>) {
    out.put(b"l");
    for s in set {
        write_scalar(out, s);
    }
    out.put(b"e");
}

/// Bencodes a dictionary of values.
pub(crate) fn write_dict<S: Sink>(out: &mut S, dict: &Dict) {
    out.put(b"d");
    for (k, v) in dict {
        wire::bencode_bytes(out, k);
        match v {
            Value::Scalar(s) => write_scalar(out, s),
            Value::Set(s) => write_set(out, s),
            Value::Dict(d) => write_dict(out, d),
        }
    }
    out.put(b"e");
}

/// Bencodes a diff.
pub(crate) fn write_diff<S: Sink>(out: &mut S, diff: &Diff) {
    out.put(b"d");
    for (k, c) in diff {
        wire::bencode_bytes(out, k);
        match c {
            Change::Assigned => out.put(b"0:"),
            Change::Removed => out.put(b"1:-"),
            Change::Dict(d) => write_diff(out, d),
            Change::Elements { added, removed } => {
                out.put(b"l");
                write_set(out, added);
                write_set(out, removed);
                out.put(b"e");
            }
        }
    }
    out.put(b"e");
}

fn bytes_at(input: &[u8], r: Range<usize>) -> Result<Vec<u8>, ConfigError> {
    input
        .get(r)
        .map(<[u8]>::to_vec)
        .ok_or(ConfigError::Malformed)
}

fn read_scalar(r: &mut Reader<'_>, input: &[u8]) -> Result<Scalar, ConfigError> {
    match r.kind()? {
        Kind::Int => Ok(Scalar::Int(r.int()?)),
        Kind::Bytes => Ok(Scalar::Bytes(bytes_at(input, r.bytes()?)?)),
        Kind::List | Kind::Dict => Err(ConfigError::Data("a set holds only scalars")),
    }
}

/// A list of scalars in strictly increasing set order (duplicates refused).
fn read_set(r: &mut Reader<'_>, input: &[u8]) -> Result<BTreeSet<Scalar>, ConfigError> {
    r.enter(Kind::List)?;
    let mut out = BTreeSet::new();
    let mut last: Option<Scalar> = None;
    while !r.end_of_container()? {
        let s = read_scalar(r, input)?;
        if last.as_ref().is_some_and(|l| *l >= s) {
            return Err(ConfigError::Data("a set is unsorted or has duplicates"));
        }
        last = Some(s.clone());
        out.insert(s);
    }
    Ok(out)
}

/// A data dictionary: keys ascending, values integers, strings, non-empty sets or non-empty
/// dictionaries (`top`: the data itself, which may be empty).
pub(crate) fn read_dict(
    r: &mut Reader<'_>,
    input: &[u8],
    depth: usize,
    top: bool,
) -> Result<Dict, ConfigError> {
    if depth > MAX_DEPTH {
        return Err(ConfigError::TooDeep);
    }
    r.enter(Kind::Dict)?;
    let mut out = Dict::new();
    let mut last = None;
    while let Some(key) = r.dict_key(&mut last)? {
        let key = bytes_at(input, key)?;
        let value = match r.kind()? {
            Kind::Int | Kind::Bytes => Value::Scalar(read_scalar(r, input)?),
            Kind::List => {
                let s = read_set(r, input)?;
                if s.is_empty() {
                    return Err(ConfigError::Data("an empty set"));
                }
                Value::Set(s)
            }
            Kind::Dict => Value::Dict(read_dict(r, input, depth.saturating_add(1), false)?),
        };
        out.insert(key, value);
    }
    if out.is_empty() && !top {
        return Err(ConfigError::Data("an empty dictionary"));
    }
    Ok(out)
}

/// A diff dictionary: `""`, `"-"`, nested diffs, or `[added, removed]` set changes.
pub(crate) fn read_diff(
    r: &mut Reader<'_>,
    input: &[u8],
    depth: usize,
) -> Result<Diff, ConfigError> {
    if depth > MAX_DEPTH {
        return Err(ConfigError::TooDeep);
    }
    r.enter(Kind::Dict)?;
    let mut out = Diff::new();
    let mut last = None;
    while let Some(key) = r.dict_key(&mut last)? {
        let key = bytes_at(input, key)?;
        let change = match r.kind()? {
            Kind::Bytes => match input.get(r.bytes()?) {
                Some(b"") => Change::Assigned,
                Some(b"-") => Change::Removed,
                _ => return Err(ConfigError::Diff("a change is \"\" or \"-\"")),
            },
            Kind::List => {
                r.enter(Kind::List)?;
                if r.end_of_container()? {
                    return Err(ConfigError::Diff("a set change has two lists"));
                }
                let added = read_set(r, input)?;
                if r.end_of_container()? {
                    return Err(ConfigError::Diff("a set change has two lists"));
                }
                let removed = read_set(r, input)?;
                if !r.end_of_container()? {
                    return Err(ConfigError::Diff("a set change has two lists"));
                }
                Change::Elements { added, removed }
            }
            Kind::Dict => Change::Dict(read_diff(r, input, depth.saturating_add(1))?),
            // libsession never writes one (and cannot read one): refused.
            Kind::Int => return Err(ConfigError::Diff("an integer in a diff")),
        };
        out.insert(key, change);
    }
    Ok(out)
}

// --- typed access, shared by the config types ---

/// The integer at `key`, if that is what it holds.
pub(crate) fn get_int(d: &Dict, key: &[u8]) -> Option<i64> {
    match d.get(key) {
        Some(Value::Scalar(Scalar::Int(i))) => Some(*i),
        _ => None,
    }
}

/// The byte string at `key`, if that is what it holds.
pub(crate) fn get_bytes<'a>(d: &'a Dict, key: &[u8]) -> Option<&'a [u8]> {
    match d.get(key) {
        Some(Value::Scalar(Scalar::Bytes(b))) => Some(b),
        _ => None,
    }
}

/// The dictionary at `key`, if that is what it holds.
pub(crate) fn get_dict<'a>(d: &'a Dict, key: &[u8]) -> Option<&'a Dict> {
    match d.get(key) {
        Some(Value::Dict(x)) => Some(x),
        _ => None,
    }
}

/// The dictionary at `key`, made one (replacing anything else there) if it is not. (Always
/// `Some`; an `Option` keeps the library free of unreachable panics.)
pub(crate) fn dict_at<'a>(d: &'a mut Dict, key: &[u8]) -> Option<&'a mut Dict> {
    let v = d
        .entry(key.to_vec())
        .or_insert_with(|| Value::Dict(Dict::new()));
    if !matches!(v, Value::Dict(_)) {
        *v = Value::Dict(Dict::new());
    }
    match v {
        Value::Dict(x) => Some(x),
        _ => None,
    }
}

/// Puts `v` at `key`, or removes `key` for `None`.
pub(crate) fn put(d: &mut Dict, key: &[u8], v: Option<Value>) {
    match v {
        Some(v) => {
            d.insert(key.to_vec(), v);
        }
        None => {
            d.remove(key);
        }
    }
}

/// A record rewritten by a typed setter: the keys in `known` come from `new` (absent there:
/// removed), and every other key of `old` stays, so fields written by newer clients survive.
pub(crate) fn update_known(old: Option<&Dict>, known: &[&[u8]], new: Dict) -> Dict {
    let mut out = old.cloned().unwrap_or_default();
    for k in known {
        out.remove(*k);
    }
    out.extend(new);
    out
}
