//! The user's groups config (namespace 5): groups, legacy groups and community rooms joined.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use super::ConfigError;
use super::convo::{canonical_room, canonical_url};
use super::state::{ConfigKind, ConfigState};
use super::user_profile::MAX_NAME;
use super::value::{Dict, Scalar, Value, dict_at, get_bytes, get_dict, get_int, update_known};

/// The keys of [`Common`].
const COMMON: [&[u8]; 5] = [b"+", b"j", b"@", b"!", b"i"];

/// `extra` and [`COMMON`]: the keys a setter owns; others are kept as they are.
fn known(extra: &[&'static [u8]]) -> Vec<&'static [u8]> {
    let mut k = COMMON.to_vec();
    k.extend_from_slice(extra);
    k
}
use crate::identity::{IdPrefix, Identity, SessionId};

/// The length of a group member's authentication data.
pub const AUTH_DATA_LEN: usize = 100;

/// How a group or room notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupNotify {
    /// The client's default.
    #[default]
    Default,
    /// Every message.
    All,
    /// Nothing.
    Disabled,
    /// Mentions only.
    MentionsOnly,
}

/// Settings every kind of entry has: `+` priority, `j` joined at, `@` notify, `!` muted
/// until, `i` invited (not yet accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Common {
    /// 0 normal, -1 hidden, above 0 pinned.
    pub priority: i64,
    /// When it was joined (Unix seconds); 0: unknown.
    pub joined_at: i64,
    /// Notifications.
    pub notify: GroupNotify,
    /// Muted until (Unix seconds); 0: not muted.
    pub mute_until: i64,
    /// An invitation not yet accepted.
    pub invited: bool,
}

impl Common {
    fn read(d: &Dict) -> Self {
        let int = |k: &[u8]| get_int(d, k).unwrap_or(0);
        Self {
            priority: int(b"+"),
            joined_at: int(b"j").max(0),
            notify: match int(b"@") {
                1 => GroupNotify::All,
                2 => GroupNotify::Disabled,
                3 => GroupNotify::MentionsOnly,
                _ => GroupNotify::Default,
            },
            mute_until: int(b"!").max(0),
            invited: int(b"i") != 0,
        }
    }

    fn write(&self, d: &mut Dict) {
        let mut put = |k: &[u8], v: i64, on: bool| {
            if on {
                d.insert(k.to_vec(), Value::from(v));
            }
        };
        put(b"+", self.priority, self.priority != 0);
        put(b"j", self.joined_at, self.joined_at > 0);
        let notify = match self.notify {
            GroupNotify::Default => 0,
            GroupNotify::All => 1,
            GroupNotify::Disabled => 2,
            GroupNotify::MentionsOnly => 3,
        };
        put(b"@", notify, notify != 0);
        put(b"!", self.mute_until, self.mute_until > 0);
        put(b"i", 1, self.invited);
    }
}

/// A group (`03` id). Its `Debug` leaves out the admin seed and the auth data.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Group {
    /// The group's id.
    pub id: SessionId,
    /// The admin key's 32-byte seed, for admins (its public key is the group id).
    pub admin_seed: Option<[u8; 32]>,
    /// A member's authentication data (when not an admin).
    pub auth_data: Option<Vec<u8>>,
    /// The group's name, as last known.
    pub name: String,
    /// Removed from the group (the value says how).
    pub removed: i64,
    /// Common settings.
    pub common: Common,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("id", &self.id)
            .field("admin", &self.admin_seed.is_some())
            .field("auth_data", &self.auth_data.as_ref().map(|_| "<redacted>"))
            .field("name", &self.name)
            .field("removed", &self.removed)
            .field("common", &self.common)
            .finish()
    }
}

impl Group {
    /// A group with nothing set but the id.
    pub fn new(id: SessionId) -> Self {
        Self {
            id,
            admin_seed: None,
            auth_data: None,
            name: String::new(),
            removed: 0,
            common: Common::default(),
        }
    }
}

/// A community room.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Community {
    /// The server's base URL, canonical as in libsession (see
    /// [`Conversation::community`](super::Conversation::community)); any other spelling of it is
    /// canonicalised when looked up or set.
    pub base_url: String,
    /// The server's X25519 key.
    pub pubkey: [u8; 32],
    /// The room token as displayed (stored under its canonical, lowercase form).
    pub room: String,
    /// Common settings.
    pub common: Common,
}

impl Community {
    /// A room with default settings, its URL canonicalised (a URL that has no canonical form
    /// is kept as given, and [`UserGroups::set_community`] refuses it).
    pub fn new(base_url: &str, pubkey: [u8; 32], room: &str) -> Self {
        Self {
            base_url: canonical_url(base_url).unwrap_or_else(|| base_url.into()),
            pubkey,
            room: room.into(),
            common: Common::default(),
        }
    }
}

/// A legacy group. Its `Debug` leaves out the secret key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LegacyGroup {
    /// The group's `05` id.
    pub id: SessionId,
    /// Its name.
    pub name: String,
    /// Its encryption key pair (public, secret), when known.
    pub enc_keys: Option<([u8; 32], [u8; 32])>,
    /// Members who are not admins (`05` ids only). An id in both sets is a plain member, as
    /// libsession reads it.
    pub members: BTreeSet<SessionId>,
    /// Admins (`05` ids only).
    pub admins: BTreeSet<SessionId>,
    /// Disappearing-message timer (seconds); 0: off.
    pub disappearing_secs: i64,
    /// Common settings.
    pub common: Common,
}

impl core::fmt::Debug for LegacyGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LegacyGroup")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_keys", &self.enc_keys.is_some())
            .field("members", &self.members)
            .field("admins", &self.admins)
            .field("disappearing_secs", &self.disappearing_secs)
            .field("common", &self.common)
            .finish()
    }
}

impl LegacyGroup {
    /// A legacy group with nothing set but the id.
    pub fn new(id: SessionId) -> Self {
        Self {
            id,
            name: String::new(),
            enc_keys: None,
            members: BTreeSet::new(),
            admins: BTreeSet::new(),
            disappearing_secs: 0,
            common: Common::default(),
        }
    }
}

/// The user's groups config: `g` groups keyed by 33-byte `03` ids (`K` admin seed, present
/// and empty for non-admins; `s` 100-byte auth data; `n` name; `r` removed), `C` legacy groups
/// keyed by 33-byte `05` ids (`n` name, always present; `k`/`K` key pair; `m` members and `a`
/// admins as sets of 33-byte ids; `E` timer), and `o` communities keyed by base URL (`#`
/// server key, `R` rooms by lowercase token, each with `n` the token as displayed); every
/// entry also carries [`Common`].
#[derive(Debug)]
pub struct UserGroups {
    state: ConfigState,
}

fn text(d: &Dict, k: &[u8]) -> String {
    get_bytes(d, k).map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned())
}

/// The `05` ids in the set at `k` (libsession skips any other entry).
fn id_set(d: &Dict, k: &[u8]) -> BTreeSet<SessionId> {
    match d.get(k) {
        Some(Value::Set(s)) => s
            .iter()
            .filter_map(|x| match x {
                Scalar::Bytes(b) => SessionId::from_slice(b).ok(),
                Scalar::Int(_) => None,
            })
            .filter(|id| id.prefix() == IdPrefix::Standard)
            .collect(),
        _ => BTreeSet::new(),
    }
}

impl UserGroups {
    /// No groups, for `me`.
    pub fn new(me: &Identity) -> Self {
        Self {
            state: ConfigState::new(ConfigKind::USER_GROUPS, me),
        }
    }

    /// Restored from [`ConfigState::dump`].
    ///
    /// # Errors
    /// As [`ConfigState::load`].
    pub fn load(me: &Identity, dump: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::load(ConfigKind::USER_GROUPS, me, dump)?,
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

    /// A group.
    pub fn group(&self, id: &SessionId) -> Option<Group> {
        let d = get_dict(get_dict(self.state.data(), b"g")?, &id.to_bytes())?;
        // A seed that is not this group's key is no admin key (libsession ignores it too, and
        // `set_group` would refuse it).
        let admin_seed = get_bytes(d, b"K")
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .filter(|seed| Identity::from_seed(seed).ed25519_public().as_bytes() == id.key());
        Some(Group {
            id: *id,
            admin_seed,
            auth_data: get_bytes(d, b"s")
                .filter(|s| s.len() == AUTH_DATA_LEN)
                .map(<[u8]>::to_vec),
            name: text(d, b"n"),
            removed: get_int(d, b"r").unwrap_or(0).max(0),
            common: Common::read(d),
        })
    }

    /// Adds or replaces a group. For an admin the seed is written and any auth data already
    /// stored is left as it is (as libsession leaves it); for a member the auth data is
    /// written, or removed when there is none.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for an id that is not a group's, an admin seed whose public key
    /// is not the id, auth data that is not 100 bytes, or a name over 100 bytes;
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_group(&mut self, g: &Group) -> Result<(), ConfigError> {
        if g.id.prefix() != IdPrefix::Group {
            return Err(ConfigError::Field("id"));
        }
        if let Some(seed) = &g.admin_seed
            && Identity::from_seed(seed).ed25519_public().as_bytes() != g.id.key()
        {
            return Err(ConfigError::Field("admin_seed"));
        }
        if g.auth_data
            .as_ref()
            .is_some_and(|a| a.len() != AUTH_DATA_LEN)
        {
            return Err(ConfigError::Field("auth_data"));
        }
        if g.name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        let mut e = Dict::new();
        // `K` is always written: empty for a member.
        let seed = g.admin_seed.map(Vec::from).unwrap_or_default();
        e.insert(b"K".to_vec(), Value::from(seed.as_slice()));
        if g.admin_seed.is_none()
            && let Some(auth) = &g.auth_data
        {
            e.insert(b"s".to_vec(), Value::from(auth.as_slice()));
        }
        if !g.name.is_empty() {
            e.insert(b"n".to_vec(), Value::from(g.name.as_str()));
        }
        if g.removed > 0 {
            e.insert(b"r".to_vec(), Value::from(g.removed));
        }
        g.common.write(&mut e);
        let key = g.id.to_bytes().to_vec();
        let owned = if g.admin_seed.is_some() {
            known(&[b"K", b"n", b"r"])
        } else {
            known(&[b"K", b"s", b"n", b"r"])
        };
        self.state.edit(|d| {
            if let Some(groups) = dict_at(d, b"g") {
                let merged = update_known(get_dict(groups, &key), &owned, e);
                groups.insert(key, Value::Dict(merged));
            }
        })
    }

    /// A legacy group.
    pub fn legacy_group(&self, id: &SessionId) -> Option<LegacyGroup> {
        let d = get_dict(get_dict(self.state.data(), b"C")?, &id.to_bytes())?;
        let key = |k: &[u8]| get_bytes(d, k).and_then(|b| <[u8; 32]>::try_from(b).ok());
        let members = id_set(d, b"m");
        Some(LegacyGroup {
            id: *id,
            name: text(d, b"n"),
            enc_keys: key(b"k").zip(key(b"K")),
            members: members.clone(),
            // An id in both sets is a plain member (libsession takes `m` first).
            admins: id_set(d, b"a")
                .into_iter()
                .filter(|id| !members.contains(id))
                .collect(),
            disappearing_secs: get_int(d, b"E").unwrap_or(0).max(0),
            common: Common::read(d),
        })
    }

    /// Adds or replaces a legacy group. An id among both members and admins is written as a
    /// plain member (libsession reads it so).
    ///
    /// # Errors
    /// [`ConfigError::Field`] for an id that is not a `05` account's (`id`), a member or admin
    /// that is not one (`members`, `admins`; libsession refuses them), or a name over 100
    /// bytes; [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_legacy_group(&mut self, g: &LegacyGroup) -> Result<(), ConfigError> {
        if g.id.prefix() != IdPrefix::Standard {
            return Err(ConfigError::Field("id"));
        }
        if g.members.iter().any(|id| id.prefix() != IdPrefix::Standard) {
            return Err(ConfigError::Field("members"));
        }
        if g.admins.iter().any(|id| id.prefix() != IdPrefix::Standard) {
            return Err(ConfigError::Field("admins"));
        }
        if g.name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        let mut e = Dict::new();
        e.insert(b"n".to_vec(), Value::from(g.name.as_str()));
        if let Some((pk, sk)) = &g.enc_keys {
            e.insert(b"k".to_vec(), Value::from(pk.as_slice()));
            e.insert(b"K".to_vec(), Value::from(sk.as_slice()));
        }
        let ids = |s: &mut dyn Iterator<Item = &SessionId>| {
            Value::Set(s.map(|id| Scalar::Bytes(id.to_bytes().to_vec())).collect())
        };
        e.insert(b"m".to_vec(), ids(&mut g.members.iter()));
        e.insert(b"a".to_vec(), ids(&mut g.admins.difference(&g.members)));
        if g.disappearing_secs > 0 {
            e.insert(b"E".to_vec(), Value::from(g.disappearing_secs));
        }
        g.common.write(&mut e);
        let key = g.id.to_bytes().to_vec();
        let owned = known(&[b"n", b"k", b"K", b"m", b"a", b"E"]);
        self.state.edit(|d| {
            if let Some(groups) = dict_at(d, b"C") {
                let merged = update_known(get_dict(groups, &key), &owned, e);
                groups.insert(key, Value::Dict(merged));
            }
        })
    }

    /// A community room, looked up under its canonical URL and room however they are spelt
    /// here (as libsession looks them up); `None` too for a URL or room that has no canonical
    /// form.
    pub fn community(&self, base_url: &str, room: &str) -> Option<Community> {
        let url = canonical_url(base_url)?;
        let server = get_dict(get_dict(self.state.data(), b"o")?, url.as_bytes())?;
        let pubkey = get_bytes(server, b"#").and_then(|k| <[u8; 32]>::try_from(k).ok())?;
        let entry = get_dict(get_dict(server, b"R")?, canonical_room(room)?.as_bytes())?;
        Some(Community {
            base_url: url,
            pubkey,
            room: text(entry, b"n"),
            common: Common::read(entry),
        })
    }

    /// Adds or replaces a community room, stored under its canonical URL and room.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for a URL or room that has no canonical form (see
    /// [`Conversation::community`](super::Conversation::community)): libsession refuses them;
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_community(&mut self, c: &Community) -> Result<(), ConfigError> {
        let (Some(url), Some(room)) = (canonical_url(&c.base_url), canonical_room(&c.room)) else {
            return Err(ConfigError::Field("community"));
        };
        let mut e = Dict::new();
        e.insert(b"n".to_vec(), Value::from(c.room.as_str()));
        c.common.write(&mut e);
        let pubkey = c.pubkey;
        self.state.edit(|d| {
            let Some(server) = dict_at(d, b"o").and_then(|o| dict_at(o, url.as_bytes())) else {
                return;
            };
            server.insert(b"#".to_vec(), Value::from(pubkey.as_slice()));
            if let Some(rooms) = dict_at(server, b"R") {
                let owned = known(&[b"n"]);
                let merged = update_known(get_dict(rooms, room.as_bytes()), &owned, e);
                rooms.insert(room.into_bytes(), Value::Dict(merged));
            }
        })
    }

    /// Removes a group, legacy group or room; false if there was none.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn erase_group(&mut self, id: &SessionId) -> Result<bool, ConfigError> {
        let kind: &[u8] = if id.prefix() == IdPrefix::Group {
            b"g"
        } else {
            b"C"
        };
        let key = id.to_bytes();
        let present =
            get_dict(self.state.data(), kind).is_some_and(|g| g.contains_key(key.as_slice()));
        if present {
            self.state.edit(|d| {
                if let Some(Value::Dict(g)) = d.get_mut(kind) {
                    g.remove(key.as_slice());
                }
            })?;
        }
        Ok(present)
    }

    /// Every group's id (`03` and legacy `05`).
    pub fn group_ids(&self) -> Vec<SessionId> {
        [b"g".as_slice(), b"C"]
            .iter()
            .flat_map(|kind| get_dict(self.state.data(), kind).into_iter().flatten())
            .filter_map(|(k, _)| SessionId::from_slice(k).ok())
            .collect()
    }
}
