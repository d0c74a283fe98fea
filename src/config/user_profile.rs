//! The user profile config (namespace 2): display name, profile picture, Note-to-Self
//! settings and the blinded message-request switch.

use super::ConfigError;
use super::state::{ConfigKind, ConfigState};
use super::value::{Dict, Value};
use crate::identity::Identity;

/// The longest display name, in bytes.
pub const MAX_NAME: usize = 100;

/// The profile: keys `n` (name), `p`/`q` (picture URL and its 32-byte key, set together), `+`
/// (Note-to-Self priority: 0 unset, -1 hidden, above 0 pinned), `e` (Note-to-Self
/// disappearing timer, seconds) and `M` (fetch blinded message requests: 1 on, 0 off, absent
/// unset).
#[derive(Debug)]
pub struct UserProfile {
    state: ConfigState,
}

use super::value::{get_bytes as bytes, get_int as int, put as set_or_erase};

impl UserProfile {
    /// An empty profile for `me`.
    pub fn new(me: &Identity) -> Self {
        Self {
            state: ConfigState::new(ConfigKind::USER_PROFILE, me),
        }
    }

    /// A profile restored from [`ConfigState::dump`].
    ///
    /// # Errors
    /// As [`ConfigState::load`].
    pub fn load(me: &Identity, dump: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            state: ConfigState::load(ConfigKind::USER_PROFILE, me, dump)?,
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

    /// The display name, if set and UTF-8.
    pub fn name(&self) -> Option<&str> {
        bytes(self.state.data(), b"n").and_then(|b| core::str::from_utf8(b).ok())
    }

    /// Sets the display name (empty: removes it).
    ///
    /// # Errors
    /// [`ConfigError::Field`] for a name over [`MAX_NAME`] bytes;
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_name(&mut self, name: &str) -> Result<(), ConfigError> {
        if name.len() > MAX_NAME {
            return Err(ConfigError::Field("name"));
        }
        let v = (!name.is_empty()).then(|| Value::from(name));
        self.state.edit(|d| set_or_erase(d, b"n", v))
    }

    /// The profile picture: its URL and 32-byte decryption key, when both are set.
    pub fn profile_pic(&self) -> Option<(&str, [u8; 32])> {
        let d = self.state.data();
        let url = bytes(d, b"p").and_then(|b| core::str::from_utf8(b).ok())?;
        let key: [u8; 32] = bytes(d, b"q")?.try_into().ok()?;
        (!url.is_empty()).then_some((url, key))
    }

    /// Sets the profile picture (`None`, or an empty URL: removes it).
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>) -> Result<(), ConfigError> {
        let pic = pic.filter(|(url, _)| !url.is_empty());
        self.state.edit(|d| match pic {
            Some((url, key)) => {
                d.insert(b"p".to_vec(), Value::from(url));
                d.insert(b"q".to_vec(), Value::from(key.as_slice()));
            }
            None => {
                d.remove(b"p".as_slice());
                d.remove(b"q".as_slice());
            }
        })
    }

    /// Note-to-Self priority: 0 unpinned, -1 hidden, above 0 pinned (higher first).
    pub fn nts_priority(&self) -> i64 {
        int(self.state.data(), b"+").unwrap_or(0)
    }

    /// Sets the Note-to-Self priority.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_nts_priority(&mut self, priority: i64) -> Result<(), ConfigError> {
        let v = (priority != 0).then(|| Value::from(priority));
        self.state.edit(|d| set_or_erase(d, b"+", v))
    }

    /// Note-to-Self disappearing-message timer in seconds, if set.
    pub fn nts_expiry_secs(&self) -> Option<i64> {
        int(self.state.data(), b"e").filter(|&s| s > 0)
    }

    /// Sets (or with `None` or 0, clears) the Note-to-Self timer.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_nts_expiry_secs(&mut self, secs: Option<i64>) -> Result<(), ConfigError> {
        let v = secs.filter(|&s| s > 0).map(Value::from);
        self.state.edit(|d| set_or_erase(d, b"e", v))
    }

    /// Whether blinded message requests are fetched: `None` when never set.
    pub fn blinded_msgreqs(&self) -> Option<bool> {
        int(self.state.data(), b"M").map(|v| v != 0)
    }

    /// Sets (or with `None`, unsets) the blinded message-request switch.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn set_blinded_msgreqs(&mut self, on: Option<bool>) -> Result<(), ConfigError> {
        let v = on.map(|on| Value::from(i64::from(on)));
        self.state.edit(|d| set_or_erase(d, b"M", v))
    }

    /// The raw data, for fields this type does not name.
    pub fn data(&self) -> &Dict {
        self.state.data()
    }

    /// The keys this type understands.
    pub const KNOWN_KEYS: &'static [&'static [u8]] = &[b"n", b"p", b"q", b"+", b"e", b"M"];
}
