//! The conversation read-state config (namespace 4): when each conversation was last read,
//! and whether it is marked unread.

use alloc::string::String;
use alloc::vec::Vec;

use super::ConfigError;
use super::state::{ConfigKind, ConfigState};
use super::value::{Dict, Value, dict_at, get_bytes, get_dict, get_int};
use crate::identity::{IdPrefix, Identity, SessionId};

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Read state older than this (and not marked unread) is dropped by
/// [`ConvoInfoVolatile::prune`].
pub const PRUNE_AFTER_MS: i64 = 45 * DAY_MS;
/// The longest canonical community base URL (libsession's `BASE_URL_MAX_LENGTH`: `https://`, a
/// 253-byte host name and `:` with a five-digit port).
const BASE_URL_MAX: usize = 267;
/// The longest community room token.
const ROOM_MAX: usize = 64;

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
        /// The server's base URL, canonical (see [`Conversation::community`]); any other
        /// spelling of the same URL is canonicalised when looked up or set.
        base_url: String,
        /// The room token, lowercase (likewise canonicalised when looked up or set).
        room: String,
        /// The server's X25519 key.
        pubkey: [u8; 32],
    },
}

impl Conversation {
    /// A community room, its URL and room canonicalised as libsession does: the URL is
    /// `http://` or `https://` (any case) and a host name of letters, digits, `-` and dots
    /// (lowercased), then an optional port (dropped when it is the scheme's default, `:80` or
    /// `:443`, or 0) and at most one `/`, and nothing else; at most 267 bytes in the end. The
    /// room token is lowercased (ASCII) and is 1 to 64 of `a-z`, `0-9`, `-` and `_`. A URL or
    /// room that does not pass is kept as given: [`ConvoInfoVolatile::set`] refuses it and
    /// [`ConvoInfoVolatile::get`] finds nothing for it.
    pub fn community(base_url: &str, room: &str, pubkey: [u8; 32]) -> Self {
        Self::Community {
            base_url: canonical_url(base_url).unwrap_or_else(|| base_url.into()),
            room: canonical_room(room).unwrap_or_else(|| room.into()),
            pubkey,
        }
    }
}

/// A community base URL in libsession's canonical form (see [`Conversation::community`]);
/// `None` where libsession refuses the URL.
pub(crate) fn canonical_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (mut out, default_port) = if scheme.eq_ignore_ascii_case("http") {
        (String::from("http://"), 80)
    } else if scheme.eq_ignore_ascii_case("https") {
        (String::from("https://"), 443)
    } else {
        return None;
    };
    // The host: letters, digits and `-`, and dots between them (no leading or double dot).
    let mut host = String::new();
    let mut dot_ok = false;
    let mut has_dot = false;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'-' => {
                host.push(char::from(b.to_ascii_lowercase()));
                dot_ok = true;
            }
            b'.' if dot_ok => {
                host.push('.');
                has_dot = true;
                dot_ok = false;
            }
            _ => break,
        }
    }
    if host.len() < 4 || !has_dot || host.ends_with('.') {
        return None;
    }
    // Each byte taken is one ASCII character of `host`.
    let mut rest = rest.get(host.len()..)?;
    let mut port = 0u16;
    if let Some(after) = rest.strip_prefix(':') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        port = after.get(..digits)?.parse().ok()?;
        rest = after.get(digits..)?;
        if port == default_port {
            port = 0;
        }
    }
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if !rest.is_empty() {
        return None;
    }
    out.push_str(&host);
    if port != 0 {
        out.push(':');
        out.push_str(&alloc::format!("{port}"));
    }
    (out.len() <= BASE_URL_MAX).then_some(out)
}

/// A community room token in libsession's canonical form (ASCII lowercase; 1 to 64 of
/// `a-z0-9-_`); `None` where libsession refuses it.
pub(crate) fn canonical_room(room: &str) -> Option<String> {
    let room = room.to_ascii_lowercase();
    let ok = (1..=ROOM_MAX).contains(&room.len())
        && room
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'));
    ok.then_some(room)
}

/// A community's base URL and room as they are stored (both canonical, or `None`).
fn community_keys(base_url: &str, room: &str) -> Option<(String, String)> {
    Some((canonical_url(base_url)?, canonical_room(room)?))
}

/// `key` is already canonical for `canonical` (a stored key libsession's iteration reaches
/// under its own name).
fn is_canonical(key: &[u8], canonical: fn(&str) -> Option<String>) -> bool {
    core::str::from_utf8(key)
        .ok()
        .and_then(|k| canonical(k).filter(|c| c == k))
        .is_some()
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

    /// The record `old` with this state written over it, as libsession's `set` writes it:
    /// the last read time is written when it moves back, or when it is after `floor` (no
    /// floor: always), and is otherwise left as it was; the unread flag is always written.
    /// (0 is written as no `r`, and a record left with neither goes.) Other keys stay.
    fn written_over(self, old: Option<&Dict>, floor: Option<i64>) -> Dict {
        let mut out = old.cloned().unwrap_or_default();
        let moves_back = old
            .and_then(|d| get_int(d, b"r"))
            .is_some_and(|r| self.last_read_ms < r);
        if moves_back || floor.is_none_or(|f| self.last_read_ms > f) {
            if self.last_read_ms > 0 {
                out.insert(b"r".to_vec(), Value::from(self.last_read_ms));
            } else {
                out.remove(b"r".as_slice());
            }
        }
        if self.unread {
            out.insert(b"u".to_vec(), Value::from(1));
        } else {
            out.remove(b"u".as_slice());
        }
        out
    }
}

/// The conversation read-state config: `1` one-to-one conversations and `g` groups keyed by
/// their 33-byte binary ids, `C` legacy groups likewise, `o` communities keyed by base URL
/// (`#` the server key, `R` rooms by lowercase token); each record holds `r` (last read, ms)
/// and `u` (1: marked unread). A record with neither is removed; a community server keeps its
/// key without rooms, as libsession keeps it.
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

    /// Read state more than this before now is not recorded by [`ConvoInfoVolatile::set_at`]
    /// (unless it moves a conversation's read time back): libsession's `PRUNE_LOW`, 30 days.
    pub const IGNORE_AFTER_MS: i64 = 30 * DAY_MS;

    /// The read state of a conversation, if recorded. A community is looked up under its
    /// canonical URL and room, however they are spelt here; one that has none is not found.
    pub fn get(&self, c: &Conversation) -> Option<ReadState> {
        let d = self.state.data();
        let entry = match c {
            Conversation::OneToOne(id) => get_dict(get_dict(d, b"1")?, &id.to_bytes()),
            Conversation::Group(id) => get_dict(get_dict(d, b"g")?, &id.to_bytes()),
            Conversation::LegacyGroup(id) => get_dict(get_dict(d, b"C")?, &id.to_bytes()),
            Conversation::Community { base_url, room, .. } => {
                let (url, room) = community_keys(base_url, room)?;
                let server = get_dict(get_dict(d, b"o")?, url.as_bytes())?;
                get_dict(get_dict(server, b"R")?, room.as_bytes())
            }
        }?;
        Some(ReadState::from_entry(entry))
    }

    /// Records a conversation's read state, whatever its age (a default state removes the
    /// record; a community's server keeps its key). libsession's `set` does not record a read
    /// time more than 30 days old unless it moves the conversation back:
    /// [`ConvoInfoVolatile::set_at`] does that.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for an id with the wrong prefix for its kind of conversation
    /// (`session_id`), or a community URL or room that has no canonical form (`community`);
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set(&mut self, c: &Conversation, read: ReadState) -> Result<(), ConfigError> {
        self.write(c, read, None)
    }

    /// Records a conversation's read state as libsession's `set` does at `now_ms` (Unix ms):
    /// a last read time more than [`ConvoInfoVolatile::IGNORE_AFTER_MS`] before `now_ms` is
    /// not recorded, unless it is older than the one recorded (moving back is always taken);
    /// the unread flag always is. So an old conversation that is not marked unread gets no
    /// record (a community's server still gets its key).
    ///
    /// # Errors
    /// As [`ConvoInfoVolatile::set`].
    pub fn set_at(
        &mut self,
        c: &Conversation,
        read: ReadState,
        now_ms: i64,
    ) -> Result<(), ConfigError> {
        self.write(c, read, Some(now_ms.saturating_sub(Self::IGNORE_AFTER_MS)))
    }

    fn write(
        &mut self,
        c: &Conversation,
        read: ReadState,
        floor: Option<i64>,
    ) -> Result<(), ConfigError> {
        let place = |d: &mut Dict, kind: &[u8], key: Vec<u8>| {
            if let Some(records) = dict_at(d, kind) {
                let entry = read.written_over(get_dict(records, &key), floor);
                records.insert(key, Value::Dict(entry));
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
            } => {
                let (url, room) =
                    community_keys(base_url, room).ok_or(ConfigError::Field("community"))?;
                self.state.edit(|d| {
                    let Some(server) = dict_at(d, b"o").and_then(|o| dict_at(o, url.as_bytes()))
                    else {
                        return;
                    };
                    // The server's key is written whatever happens to the room (a server
                    // without rooms keeps it, as in libsession).
                    server.insert(b"#".to_vec(), Value::from(pubkey.as_slice()));
                    if let Some(rooms) = dict_at(server, b"R") {
                        let entry = read.written_over(get_dict(rooms, room.as_bytes()), floor);
                        rooms.insert(room.into_bytes(), Value::Dict(entry));
                    }
                })
            }
        }
    }

    /// Every recorded conversation and its state. As in libsession, a community is listed only
    /// when its server has a 32-byte key; one stored under a URL or room that is not canonical
    /// (which libsession never writes) is left out, as [`ConvoInfoVolatile::get`] could not
    /// find it.
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
            let (Ok(url), Value::Dict(server)) = (core::str::from_utf8(url), server) else {
                continue;
            };
            if !is_canonical(url.as_bytes(), canonical_url) {
                continue;
            }
            let Some(pubkey) = get_bytes(server, b"#").and_then(|k| <[u8; 32]>::try_from(k).ok())
            else {
                continue;
            };
            for (room, e) in get_dict(server, b"R").into_iter().flatten() {
                if let (Ok(room), Value::Dict(e)) = (core::str::from_utf8(room), e)
                    && is_canonical(room.as_bytes(), canonical_room)
                {
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
    /// unread (call before pushing; libsession does it in every push). As libsession's
    /// `prune_stale`, it covers one-to-one conversations, legacy groups and community rooms
    /// (those [`ConvoInfoVolatile::iter`] lists), never groups; a server whose last room goes
    /// goes with it. Returns how many went.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn prune(&mut self, now_ms: i64) -> Result<usize, ConfigError> {
        let cutoff = now_ms.saturating_sub(PRUNE_AFTER_MS);
        let stale = |e: &Value| match e {
            Value::Dict(e) => {
                let unread = get_int(e, b"u").is_some_and(|u| u != 0);
                !unread && get_int(e, b"r").unwrap_or(0) < cutoff
            }
            _ => false,
        };
        let mut dropped = 0usize;
        let mut data = self.state.data().clone();
        // What libsession iterates: 33-byte `05` ids.
        let account = |k: &[u8]| k.len() == 33 && k.first() == Some(&0x05);
        for kind in [b"1".as_slice(), b"C"] {
            if let Some(Value::Dict(records)) = data.get_mut(kind) {
                let before = records.len();
                records.retain(|k, e| !(account(k) && stale(e)));
                dropped = dropped.saturating_add(before.saturating_sub(records.len()));
            }
        }
        if let Some(Value::Dict(servers)) = data.get_mut(b"o".as_slice()) {
            servers.retain(|url, server| {
                let Value::Dict(server) = server else {
                    return true;
                };
                let keyed = get_bytes(server, b"#").is_some_and(|k| k.len() == 32);
                if !keyed || !is_canonical(url, canonical_url) {
                    return true;
                }
                let Some(Value::Dict(rooms)) = server.get_mut(b"R".as_slice()) else {
                    return true;
                };
                let before = rooms.len();
                rooms.retain(|room, e| !(is_canonical(room, canonical_room) && stale(e)));
                let gone = before.saturating_sub(rooms.len());
                dropped = dropped.saturating_add(gone);
                // A server loses its key with its last room.
                gone == 0 || !rooms.is_empty()
            });
        }
        if dropped > 0 {
            self.state.edit(|d| *d = data)?;
        }
        Ok(dropped)
    }
}
