//! The conversation read-state config (namespace 4): when each conversation was last read,
//! and whether it is marked unread.

use alloc::string::String;
use alloc::vec::Vec;

use super::ConfigError;
use super::state::{ConfigKind, ConfigState};
use super::value::{Dict, Value, dict_at, get_bytes, get_dict, get_int, update_known};

/// The record keys [`ReadState`] reads and writes; others are kept as they are.
const KNOWN: &[&[u8]] = &[b"r", b"u"];
use crate::identity::{IdPrefix, Identity, SessionId};

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Read state older than this (and not marked unread) is dropped by
/// [`ConvoInfoVolatile::prune`].
pub const PRUNE_AFTER_MS: i64 = 45 * DAY_MS;

/// A conversation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Conversation {
    /// With a `05` account.
    OneToOne(SessionId),
    /// A group (`03` id).
    Group(SessionId),
    /// A legacy group (`05` id).
    LegacyGroup(SessionId),
    /// A community room.
    Community {
        /// The server's base URL (kept lowercase, without a trailing `/`).
        base_url: String,
        /// The room token (kept lowercase).
        room: String,
        /// The server's X25519 key.
        pubkey: [u8; 32],
    },
}

impl Conversation {
    /// A community room, its URL and room canonicalised.
    pub fn community(base_url: &str, room: &str, pubkey: [u8; 32]) -> Self {
        Self::Community {
            base_url: canonical_url(base_url),
            room: room.to_lowercase(),
            pubkey,
        }
    }
}

/// Lowercase, without trailing slashes.
pub(crate) fn canonical_url(url: &str) -> String {
    url.trim_end_matches('/').to_lowercase()
}

/// A conversation's read state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadState {
    /// When it was last read (Unix ms); 0: never.
    pub last_read_ms: i64,
    /// Marked unread by the user.
    pub unread: bool,
}

impl ReadState {
    fn from_entry(d: &Dict) -> Self {
        Self {
            last_read_ms: get_int(d, b"r").unwrap_or(0).max(0),
            unread: get_int(d, b"u").is_some_and(|u| u != 0),
        }
    }

    fn to_entry(self) -> Dict {
        let mut d = Dict::new();
        if self.last_read_ms > 0 {
            d.insert(b"r".to_vec(), Value::from(self.last_read_ms));
        }
        if self.unread {
            d.insert(b"u".to_vec(), Value::from(1));
        }
        d
    }
}

/// The conversation read-state config: `1` one-to-one conversations and `g` groups keyed by
/// their 33-byte binary ids, `C` legacy groups likewise, `o` communities keyed by base URL
/// (`#` the server key, `R` rooms by lowercase token); each record holds `r` (last read, ms)
/// and `u` (1: marked unread). A record with neither is removed.
#[derive(Debug)]
pub struct ConvoInfoVolatile {
    state: ConfigState,
}

fn id_key(
    kind: &'static [u8],
    id: &SessionId,
    prefix: IdPrefix,
) -> Result<(&'static [u8], Vec<u8>), ConfigError> {
    if id.prefix() != prefix {
        return Err(ConfigError::Field("session_id"));
    }
    Ok((kind, id.to_bytes().to_vec()))
}

impl ConvoInfoVolatile {
    /// No conversations, for `me`.
    pub fn new(me: &Identity) -> Self {
        Self {
            state: ConfigState::new(ConfigKind::CONVO_INFO_VOLATILE, me),
        }
    }

    /// Restored from [`ConfigState::dump`].
    ///
    /// # Errors
    /// As [`ConfigState::load`].
    pub fn load(me: &Identity, dump: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::load(ConfigKind::CONVO_INFO_VOLATILE, me, dump)?,
        })
    }

    /// The config underneath: push, confirm, merge, dump.
    pub fn state(&self) -> &ConfigState {
        &self.state
    }

    /// The config underneath, mutably.
    pub fn state_mut(&mut self) -> &mut ConfigState {
        &mut self.state
    }

    /// The read state of a conversation, if recorded.
    pub fn get(&self, c: &Conversation) -> Option<ReadState> {
        let d = self.state.data();
        let entry = match c {
            Conversation::OneToOne(id) => get_dict(get_dict(d, b"1")?, &id.to_bytes()),
            Conversation::Group(id) => get_dict(get_dict(d, b"g")?, &id.to_bytes()),
            Conversation::LegacyGroup(id) => get_dict(get_dict(d, b"C")?, &id.to_bytes()),
            Conversation::Community { base_url, room, .. } => {
                let server = get_dict(get_dict(d, b"o")?, base_url.as_bytes())?;
                get_dict(get_dict(server, b"R")?, room.as_bytes())
            }
        }?;
        Some(ReadState::from_entry(entry))
    }

    /// Records a conversation's read state (a default state removes it).
    ///
    /// # Errors
    /// [`ConfigError::Field`] for an id with the wrong prefix for its kind of conversation.
    pub fn set(&mut self, c: &Conversation, read: ReadState) -> Result<(), ConfigError> {
        let entry = read.to_entry();
        let place = |d: &mut Dict, kind: &[u8], key: Vec<u8>| {
            if let Some(records) = dict_at(d, kind) {
                let merged = update_known(get_dict(records, &key), KNOWN, entry.clone());
                records.insert(key, Value::Dict(merged));
            }
        };
        match c {
            Conversation::OneToOne(id) => {
                let (kind, key) = id_key(b"1", id, IdPrefix::Standard)?;
                self.state.edit(|d| place(d, kind, key))
            }
            Conversation::Group(id) => {
                let (kind, key) = id_key(b"g", id, IdPrefix::Group)?;
                self.state.edit(|d| place(d, kind, key))
            }
            Conversation::LegacyGroup(id) => {
                let (kind, key) = id_key(b"C", id, IdPrefix::Standard)?;
                self.state.edit(|d| place(d, kind, key))
            }
            Conversation::Community {
                base_url,
                room,
                pubkey,
            } => self.state.edit(|d| {
                let Some(servers) = dict_at(d, b"o") else {
                    return;
                };
                let Some(server) = dict_at(servers, base_url.as_bytes()) else {
                    return;
                };
                server.insert(b"#".to_vec(), Value::from(pubkey.as_slice()));
                if let Some(rooms) = dict_at(server, b"R") {
                    let merged =
                        update_known(get_dict(rooms, room.as_bytes()), KNOWN, entry.clone());
                    rooms.insert(room.as_bytes().to_vec(), Value::Dict(merged));
                }
                // A server left without rooms goes (its key alone is no conversation).
                if get_dict(server, b"R").is_none_or(Dict::is_empty) {
                    servers.remove(base_url.as_bytes());
                }
            }),
        }
    }

    /// Every recorded conversation and its state.
    pub fn iter(&self) -> Vec<(Conversation, ReadState)> {
        let d = self.state.data();
        let mut out = Vec::new();
        let ids =
            |kind: &[u8], want: IdPrefix, make: fn(SessionId) -> Conversation, out: &mut Vec<_>| {
                for (k, v) in get_dict(d, kind).into_iter().flatten() {
                    if let (Ok(id), Value::Dict(e)) = (SessionId::from_slice(k), v)
                        && id.prefix() == want
                    {
                        out.push((make(id), ReadState::from_entry(e)));
                    }
                }
            };
        ids(b"1", IdPrefix::Standard, Conversation::OneToOne, &mut out);
        ids(b"g", IdPrefix::Group, Conversation::Group, &mut out);
        ids(
            b"C",
            IdPrefix::Standard,
            Conversation::LegacyGroup,
            &mut out,
        );
        for (url, server) in get_dict(d, b"o").into_iter().flatten() {
            // A URL or room that is not UTF-8 cannot be asked for: not listed either.
            let (Ok(url), Value::Dict(server)) = (core::str::from_utf8(url), server) else {
                continue;
            };
            let Some(pubkey) = get_bytes(server, b"#").and_then(|k| <[u8; 32]>::try_from(k).ok())
            else {
                continue;
            };
            for (room, e) in get_dict(server, b"R").into_iter().flatten() {
                if let (Ok(room), Value::Dict(e)) = (core::str::from_utf8(room), e) {
                    out.push((
                        Conversation::Community {
                            base_url: url.into(),
                            room: room.into(),
                            pubkey,
                        },
                        ReadState::from_entry(e),
                    ));
                }
            }
        }
        out
    }

    /// Drops read state older than [`PRUNE_AFTER_MS`] before `now_ms` that is not marked
    /// unread (call before pushing). Returns how many went.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn prune(&mut self, now_ms: i64) -> Result<usize, ConfigError> {
        let cutoff = now_ms.saturating_sub(PRUNE_AFTER_MS);
        let stale = |e: &Value| match e {
            Value::Dict(e) => {
                let r = ReadState::from_entry(e);
                !r.unread && r.last_read_ms < cutoff
            }
            _ => false,
        };
        let mut dropped = 0usize;
        let mut data = self.state.data().clone();
        for kind in [b"1".as_slice(), b"g", b"C"] {
            if let Some(Value::Dict(records)) = data.get_mut(kind) {
                let before = records.len();
                records.retain(|_, e| !stale(e));
                dropped = dropped.saturating_add(before.saturating_sub(records.len()));
            }
        }
        if let Some(Value::Dict(servers)) = data.get_mut(b"o".as_slice()) {
            for server in servers.values_mut() {
                if let Value::Dict(server) = server
                    && let Some(Value::Dict(rooms)) = server.get_mut(b"R".as_slice())
                {
                    let before = rooms.len();
                    rooms.retain(|_, e| !stale(e));
                    dropped = dropped.saturating_add(before.saturating_sub(rooms.len()));
                }
            }
            servers.retain(|_, s| matches!(s, Value::Dict(s) if get_dict(s, b"R").is_some_and(|r| !r.is_empty())));
        }
        if dropped > 0 {
            self.state.edit(|d| *d = data)?;
        }
        Ok(dropped)
    }
}
