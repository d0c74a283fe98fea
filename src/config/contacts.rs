//! The contacts config (namespace 3): one record per Session ID.

use alloc::string::String;
use alloc::vec::Vec;

use super::ConfigError;
use super::state::{ConfigKind, ConfigState};
use super::user_profile::MAX_NAME;
use super::value::{Dict, Value, dict_at, get_bytes, get_dict, get_int, update_known};

/// The record keys [`Contact`] reads and writes; others are kept as they are.
const KNOWN: &[&[u8]] = &[
    b"n", b"N", b"p", b"q", b"a", b"A", b"b", b"+", b"@", b"!", b"e", b"E", b"j",
];
use crate::identity::{IdPrefix, Identity, SessionId};

/// How a conversation notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    /// The client's default.
    #[default]
    Default,
    /// Every message.
    All,
    /// Nothing.
    Disabled,
}

/// Disappearing messages in a one-to-one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disappearing {
    /// Messages disappear this many seconds after they were sent.
    AfterSend(i64),
    /// Messages disappear this many seconds after they were read.
    AfterRead(i64),
}

/// One contact. Its `Debug` leaves out the profile picture's key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Contact {
    /// The contact's Session ID (`05` prefix).
    pub session_id: SessionId,
    /// The name they gave themselves (at most 100 bytes).
    pub name: String,
    /// The name this user gave them (at most 100 bytes).
    pub nickname: String,
    /// Their profile picture: URL and 32-byte key.
    pub profile_pic: Option<(String, [u8; 32])>,
    /// This user accepted their messages.
    pub approved: bool,
    /// They accepted this user's messages.
    pub approved_me: bool,
    /// Blocked.
    pub blocked: bool,
    /// Conversation priority: 0 normal, -1 hidden, above 0 pinned.
    pub priority: i64,
    /// Notifications.
    pub notify: Notify,
    /// Muted until this Unix time (seconds); 0: not muted.
    pub mute_until: i64,
    /// Disappearing messages, if on.
    pub disappearing: Option<Disappearing>,
    /// When the contact was created (Unix seconds); 0: unknown.
    pub created: i64,
}

impl core::fmt::Debug for Contact {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Contact")
            .field("session_id", &self.session_id)
            .field("name", &self.name)
            .field("nickname", &self.nickname)
            .field(
                "profile_pic",
                &self.profile_pic.as_ref().map(|(url, _)| url),
            )
            .field("approved", &self.approved)
            .field("approved_me", &self.approved_me)
            .field("blocked", &self.blocked)
            .field("priority", &self.priority)
            .field("notify", &self.notify)
            .field("mute_until", &self.mute_until)
            .field("disappearing", &self.disappearing)
            .field("created", &self.created)
            .finish()
    }
}

impl Contact {
    /// A contact with nothing set but the id.
    pub fn new(session_id: SessionId) -> Self {
        Self {
            session_id,
            name: String::new(),
            nickname: String::new(),
            profile_pic: None,
            approved: false,
            approved_me: false,
            blocked: false,
            priority: 0,
            notify: Notify::Default,
            mute_until: 0,
            disappearing: None,
            created: 0,
        }
    }

    fn from_entry(session_id: SessionId, d: &Dict) -> Self {
        let int = |k: &[u8]| get_int(d, k).unwrap_or(0);
        let text = |k: &[u8]| {
            get_bytes(d, k).map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned())
        };
        let pic = profile_pic(d);
        let timer = int(b"E");
        Self {
            session_id,
            name: text(b"n"),
            nickname: text(b"N"),
            profile_pic: pic,
            approved: int(b"a") != 0,
            approved_me: int(b"A") != 0,
            blocked: int(b"b") != 0,
            priority: int(b"+"),
            // Contacts have no "mentions only" (3): it reads as "all", as libsession reads it.
            notify: match int(b"@") {
                1 | 3 => Notify::All,
                2 => Notify::Disabled,
                _ => Notify::Default,
            },
            mute_until: int(b"!").max(0),
            disappearing: match int(b"e") {
                1 if timer > 0 => Some(Disappearing::AfterSend(timer)),
                2 if timer > 0 => Some(Disappearing::AfterRead(timer)),
                _ => None,
            },
            created: int(b"j").max(0),
        }
    }

    /// The record's dictionary. `n` is always written (even empty) so the record stays.
    fn to_entry(&self) -> Dict {
        let mut d = Dict::new();
        put_profile_pic(&mut d, self.profile_pic.as_ref());
        let mut put = |k: &[u8], v: Value| {
            d.insert(k.to_vec(), v);
        };
        put(b"n", Value::from(self.name.as_str()));
        if !self.nickname.is_empty() {
            put(b"N", Value::from(self.nickname.as_str()));
        }
        for (k, on) in [
            (b"a", self.approved),
            (b"A", self.approved_me),
            (b"b", self.blocked),
        ] {
            if on {
                put(k, Value::from(1));
            }
        }
        if self.priority != 0 {
            put(b"+", Value::from(self.priority));
        }
        match self.notify {
            Notify::Default => {}
            Notify::All => put(b"@", Value::from(1)),
            Notify::Disabled => put(b"@", Value::from(2)),
        }
        if self.mute_until > 0 {
            put(b"!", Value::from(self.mute_until));
        }
        match self.disappearing {
            Some(Disappearing::AfterSend(t)) if t > 0 => {
                put(b"e", Value::from(1));
                put(b"E", Value::from(t));
            }
            Some(Disappearing::AfterRead(t)) if t > 0 => {
                put(b"e", Value::from(2));
                put(b"E", Value::from(t));
            }
            _ => {}
        }
        if self.created > 0 {
            put(b"j", Value::from(self.created));
        }
        d
    }
}

/// The contacts config: top-level key `c`, a dictionary from 33-byte binary Session IDs to
/// records with `n` name (always present), `N` nickname, `p`/`q` picture, `a` approved, `A`
/// approved me, `b` blocked, `+` priority, `@` notify mode, `!` muted until, `e`/`E`
/// disappearing mode and timer, `j` created.
#[derive(Debug)]
pub struct Contacts {
    state: ConfigState,
}

impl Contacts {
    /// No contacts, for `me`.
    pub fn new(me: &Identity) -> Self {
        Self {
            state: ConfigState::new(ConfigKind::CONTACTS, me),
        }
    }

    /// Contacts restored from [`ConfigState::dump`].
    ///
    /// # Errors
    /// As [`ConfigState::load`].
    pub fn load(me: &Identity, dump: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::load(ConfigKind::CONTACTS, me, dump)?,
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

    fn records(&self) -> Option<&Dict> {
        get_dict(self.state.data(), b"c")
    }

    /// The contact with this id.
    pub fn get(&self, id: &SessionId) -> Option<Contact> {
        match self.records()?.get(id.to_bytes().as_slice())? {
            Value::Dict(d) => Some(Contact::from_entry(*id, d)),
            _ => None,
        }
    }

    /// Every contact, in id order (records that are not one are skipped).
    pub fn iter(&self) -> impl Iterator<Item = Contact> + '_ {
        self.records().into_iter().flatten().filter_map(|(k, v)| {
            let id = SessionId::from_slice(k).ok()?;
            match v {
                Value::Dict(d) if id.prefix() == IdPrefix::Standard => {
                    Some(Contact::from_entry(id, d))
                }
                _ => None,
            }
        })
    }

    /// How many contacts there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds or replaces a contact.
    ///
    /// Fields of the record this type does not know (written by newer clients) are kept.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for a Session ID that is not a `05` account, or a name or
    /// nickname over 100 bytes; [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set(&mut self, contact: &Contact) -> Result<(), ConfigError> {
        if contact.session_id.prefix() != IdPrefix::Standard {
            return Err(ConfigError::Field("session_id"));
        }
        if contact.name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        if contact.nickname.len() > MAX_NAME {
            return Err(ConfigError::Field("nickname"));
        }
        let key = contact.session_id.to_bytes().to_vec();
        let entry = contact.to_entry();
        self.state.edit(|d| {
            if let Some(c) = dict_at(d, b"c") {
                let merged = update_known(get_dict(c, &key), KNOWN, entry);
                c.insert(key, Value::Dict(merged));
            }
        })
    }

    /// Removes a contact; false if there was none.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn erase(&mut self, id: &SessionId) -> Result<bool, ConfigError> {
        if self.get(id).is_none() {
            return Ok(false);
        }
        let key = id.to_bytes();
        self.state.edit(|d| {
            if let Some(Value::Dict(c)) = d.get_mut(b"c".as_slice()) {
                c.remove(key.as_slice());
            }
        })?;
        Ok(true)
    }

    /// The ids of every contact.
    pub fn ids(&self) -> Vec<SessionId> {
        self.iter().map(|c| c.session_id).collect()
    }
}

/// A `p`/`q` picture pair: the URL (non-empty) and its 32-byte key, both present.
pub(crate) fn profile_pic(d: &Dict) -> Option<(String, [u8; 32])> {
    let url = get_bytes(d, b"p").filter(|u| !u.is_empty())?;
    let key = <[u8; 32]>::try_from(get_bytes(d, b"q")?).ok()?;
    Some((String::from_utf8_lossy(url).into_owned(), key))
}

/// Writes a `p`/`q` picture pair, or nothing for `None` or an empty URL.
pub(crate) fn put_profile_pic(d: &mut Dict, pic: Option<&(String, [u8; 32])>) {
    if let Some((url, key)) = pic
        && !url.is_empty()
    {
        d.insert(b"p".to_vec(), Value::from(url.as_str()));
        d.insert(b"q".to_vec(), Value::from(key.as_slice()));
    }
}
