//! A group's own configs, signed by the group key and encrypted with its keys: `Info`
//! (namespace 13) and `Members` (namespace 14).

use alloc::string::String;
use alloc::vec::Vec;

use super::ConfigError;
use super::contacts::{profile_pic, put_profile_pic};
use super::state::{ConfigKind, ConfigState};
use super::user_profile::MAX_NAME;
use super::value::{Dict, Value, dict_at, get_bytes, get_dict, get_int, put, update_known};
use crate::identity::{Ed25519Public, IdPrefix, Identity, SessionId};

/// The longest group description, in bytes.
pub const MAX_DESCRIPTION: usize = 2000;

/// The group's info: `n` name, `o` description, `p`/`q` picture, `E` disappearing timer
/// (seconds), `c` created, `d` delete messages before, `D` delete attachments before (Unix
/// seconds), `!` destroyed (set once, never unset).
#[derive(Debug)]
pub struct GroupInfo {
    state: ConfigState,
}

fn positive(v: i64) -> Option<Value> {
    (v > 0).then(|| Value::from(v))
}

impl GroupInfo {
    /// The info of the group `group_pk`: writable with `admin` (the group's key pair), else
    /// read-only. `keys` are the group's keys, newest first.
    ///
    /// # Errors
    /// [`ConfigError::Field`] when `admin` is not the group's key.
    pub fn new(
        group_pk: &Ed25519Public,
        admin: Option<&Identity>,
        keys: &[[u8; 32]],
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::new_group(ConfigKind::GROUP_INFO, group_pk, admin, keys)?,
        })
    }

    /// The config underneath: push, confirm, merge, dump, keys.
    pub fn state(&self) -> &ConfigState {
        &self.state
    }

    /// The config underneath, mutably.
    pub fn state_mut(&mut self) -> &mut ConfigState {
        &mut self.state
    }

    fn text(&self, k: &[u8]) -> Option<String> {
        get_bytes(self.state.data(), k)
            .filter(|b| !b.is_empty())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    fn int(&self, k: &[u8]) -> Option<i64> {
        get_int(self.state.data(), k)
    }

    /// The name.
    pub fn name(&self) -> Option<String> {
        self.text(b"n")
    }

    /// Sets the name (empty: removes it).
    ///
    /// # Errors
    /// [`ConfigError::Field`] over 100 bytes; [`ConfigError::ReadOnly`] without the admin key.
    pub fn set_name(&mut self, name: &str) -> Result<(), ConfigError> {
        if name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        let v = (!name.is_empty()).then(|| Value::from(name));
        self.state.edit(|d| put(d, b"n", v))
    }

    /// The description.
    pub fn description(&self) -> Option<String> {
        self.text(b"o")
    }

    /// Sets the description (empty: removes it).
    ///
    /// # Errors
    /// [`ConfigError::Field`] over 2,000 bytes; [`ConfigError::ReadOnly`] without the admin
    /// key.
    pub fn set_description(&mut self, text: &str) -> Result<(), ConfigError> {
        if text.len() > MAX_DESCRIPTION {
            return Err(ConfigError::Field("description"));
        }
        let v = (!text.is_empty()).then(|| Value::from(text));
        self.state.edit(|d| put(d, b"o", v))
    }

    /// The picture: URL and 32-byte key.
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        profile_pic(self.state.data())
    }

    /// Sets (or with `None`, removes) the picture.
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] without the admin key.
    pub fn set_profile_pic(&mut self, pic: Option<(String, [u8; 32])>) -> Result<(), ConfigError> {
        self.state.edit(|d| {
            d.remove(b"p".as_slice());
            d.remove(b"q".as_slice());
            put_profile_pic(d, pic.as_ref());
        })
    }

    /// The disappearing-message timer (seconds, after sending).
    pub fn expiry_secs(&self) -> Option<i64> {
        self.int(b"E")
    }

    /// When the group was created (Unix seconds).
    pub fn created(&self) -> Option<i64> {
        self.int(b"c")
    }

    /// Messages sent before this (Unix seconds) are to be deleted.
    pub fn delete_before(&self) -> Option<i64> {
        self.int(b"d")
    }

    /// Attachments sent before this (Unix seconds) are to be deleted.
    pub fn delete_attachments_before(&self) -> Option<i64> {
        self.int(b"D")
    }

    /// Sets the timers: disappearing messages, created, delete before, delete attachments
    /// before (each 0 or less: removed).
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] without the admin key.
    pub fn set_times(
        &mut self,
        expiry_secs: i64,
        created: i64,
        delete_before: i64,
        delete_attachments_before: i64,
    ) -> Result<(), ConfigError> {
        self.state.edit(|d| {
            put(d, b"E", positive(expiry_secs));
            put(d, b"c", positive(created));
            put(d, b"d", positive(delete_before));
            put(d, b"D", positive(delete_attachments_before));
        })
    }

    /// Whether an admin destroyed the group.
    pub fn is_destroyed(&self) -> bool {
        self.int(b"!").is_some_and(|v| v > 0)
    }

    /// Destroys the group for good.
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] without the admin key.
    pub fn destroy(&mut self) -> Result<(), ConfigError> {
        self.state.edit(|d| put(d, b"!", Some(Value::from(1))))
    }
}

/// Where a member's invitation or promotion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Accepted (or never asked).
    #[default]
    Accepted,
    /// Sent.
    Sent,
    /// Sending failed.
    Failed,
    /// Not sent yet.
    NotSent,
}

impl Status {
    fn code(self) -> i64 {
        match self {
            Self::Accepted => 0,
            Self::Sent => 1,
            Self::Failed => 2,
            Self::NotSent => 3,
        }
    }

    fn from_code(c: i64) -> Self {
        match c {
            1 => Self::Sent,
            2 => Self::Failed,
            3 => Self::NotSent,
            _ => Self::Accepted,
        }
    }
}

/// One member of a group.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// The member's `05` Session ID.
    pub session_id: SessionId,
    /// Their name, as the group shows it (at most 100 bytes).
    pub name: String,
    /// Their picture: URL and key.
    pub profile_pic: Option<(String, [u8; 32])>,
    /// An admin.
    pub admin: bool,
    /// The invitation (ignored for admins).
    pub invite: Status,
    /// The promotion to admin.
    pub promotion: Status,
    /// 0 a member; 1 removed; 2 removed with their messages.
    pub removed: i64,
    /// Invited with the group's older keys (a supplemental keys message).
    pub supplement: bool,
}

impl core::fmt::Debug for Member {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Member")
            .field("session_id", &self.session_id)
            .field("name", &self.name)
            .field(
                "profile_pic",
                &self.profile_pic.as_ref().map(|(url, _)| url),
            )
            .field("admin", &self.admin)
            .field("invite", &self.invite)
            .field("promotion", &self.promotion)
            .field("removed", &self.removed)
            .field("supplement", &self.supplement)
            .finish()
    }
}

impl Member {
    /// A member just added: invitation not sent yet.
    pub fn new(session_id: SessionId) -> Self {
        Self {
            session_id,
            name: String::new(),
            profile_pic: None,
            admin: false,
            invite: Status::NotSent,
            promotion: Status::Accepted,
            removed: 0,
            supplement: false,
        }
    }

    fn from_entry(session_id: SessionId, d: &Dict) -> Self {
        let int = |k: &[u8]| get_int(d, k).unwrap_or(0);
        let admin = int(b"A") != 0;
        let invite = if admin {
            Status::Accepted
        } else {
            Status::from_code(int(b"I"))
        };
        let promotion = Status::from_code(int(b"P"));
        Self {
            session_id,
            name: get_bytes(d, b"n")
                .map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned()),
            profile_pic: profile_pic(d),
            admin,
            invite,
            promotion,
            removed: int(b"R").max(0),
            supplement: int(b"s") != 0
                && invite != Status::Accepted
                && !admin
                && promotion == Status::Accepted,
        }
    }

    fn to_entry(&self) -> Dict {
        let mut d = Dict::new();
        put_profile_pic(&mut d, self.profile_pic.as_ref());
        d.insert(b"n".to_vec(), Value::from(self.name.as_str()));
        if self.admin {
            d.insert(b"A".to_vec(), Value::from(1));
        } else if self.invite != Status::Accepted {
            d.insert(b"I".to_vec(), Value::from(self.invite.code()));
        }
        if self.promotion != Status::Accepted {
            d.insert(b"P".to_vec(), Value::from(self.promotion.code()));
        }
        if self.removed > 0 {
            d.insert(b"R".to_vec(), Value::from(self.removed));
        }
        if self.supplement {
            d.insert(b"s".to_vec(), Value::from(1));
        }
        d
    }
}

/// The member keys [`Member`] reads and writes; others are kept as they are.
const MEMBER_KEYS: &[&[u8]] = &[b"A", b"I", b"P", b"R", b"n", b"p", b"q", b"s"];

/// The group's member list: `m`, a dictionary from 33-byte binary Session IDs to records with
/// `n` name (always present), `p`/`q` picture, `A` admin, `I` invitation and `P` promotion
/// status (1 sent, 2 failed, 3 not sent; absent: accepted), `R` removed (1, or 2 with their
/// messages), `s` invited with older keys.
#[derive(Debug)]
pub struct GroupMembers {
    state: ConfigState,
}

impl GroupMembers {
    /// The member list of the group `group_pk`: writable with `admin`, else read-only; `keys`
    /// newest first.
    ///
    /// # Errors
    /// [`ConfigError::Field`] when `admin` is not the group's key.
    pub fn new(
        group_pk: &Ed25519Public,
        admin: Option<&Identity>,
        keys: &[[u8; 32]],
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::new_group(ConfigKind::GROUP_MEMBERS, group_pk, admin, keys)?,
        })
    }

    /// The config underneath: push, confirm, merge, dump, keys.
    pub fn state(&self) -> &ConfigState {
        &self.state
    }

    /// The config underneath, mutably.
    pub fn state_mut(&mut self) -> &mut ConfigState {
        &mut self.state
    }

    /// A member.
    pub fn get(&self, id: &SessionId) -> Option<Member> {
        let d = get_dict(get_dict(self.state.data(), b"m")?, &id.to_bytes())?;
        Some(Member::from_entry(*id, d))
    }

    /// Every member, in id order.
    pub fn iter(&self) -> impl Iterator<Item = Member> + '_ {
        get_dict(self.state.data(), b"m")
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let id = SessionId::from_slice(k)
                    .ok()
                    .filter(|i| i.prefix() == IdPrefix::Standard)?;
                match v {
                    Value::Dict(d) => Some(Member::from_entry(id, d)),
                    _ => None,
                }
            })
    }

    /// Every member's id: what a rekey encrypts the new key for.
    pub fn ids(&self) -> Vec<SessionId> {
        self.iter().map(|m| m.session_id).collect()
    }

    /// Adds or updates a member (fields of the record this type does not know are kept).
    ///
    /// # Errors
    /// [`ConfigError::Field`] for an id that is not a `05` account or a name over 100 bytes;
    /// [`ConfigError::ReadOnly`] without the admin key.
    pub fn set(&mut self, m: &Member) -> Result<(), ConfigError> {
        if m.session_id.prefix() != IdPrefix::Standard {
            return Err(ConfigError::Field("session_id"));
        }
        if m.name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        let key = m.session_id.to_bytes().to_vec();
        let entry = m.to_entry();
        self.state.edit(|d| {
            if let Some(members) = dict_at(d, b"m") {
                let merged = update_known(get_dict(members, &key), MEMBER_KEYS, entry);
                members.insert(key, Value::Dict(merged));
            }
        })
    }

    /// Removes a member from the list (they get no later keys); false if absent.
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] without the admin key.
    pub fn erase(&mut self, id: &SessionId) -> Result<bool, ConfigError> {
        if self.get(id).is_none() {
            return Ok(false);
        }
        let key = id.to_bytes();
        self.state.edit(|d| {
            if let Some(Value::Dict(m)) = d.get_mut(b"m".as_slice()) {
                m.remove(key.as_slice());
            }
        })?;
        Ok(true)
    }
}
