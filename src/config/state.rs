//! One config's life on a device: edits, pushes, confirmations, merges and dumps.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::ConfigError;
use super::encrypt::{self, MAX_PUSH};
use super::message::{ConfigMessage, Draft, Merged, Signing, merge};
use super::value::{self, Dict};
use crate::envelope::content::{Content, SharedConfigMessage};
use crate::envelope::proto::{EnvelopeProto, SESSION_MESSAGE, websocket_request};
use crate::identity::{Ed25519Public, Identity};
use crate::storage::Namespace;
use crate::wire::{BencodeKind as Kind, BencodeReader as Reader, Sink};

/// A config type: where it is stored and how it is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigKind {
    /// The swarm namespace its messages live in.
    pub namespace: Namespace,
    /// The encryption domain string.
    pub domain: &'static str,
    /// For the user configs older clients also read: the `SharedConfigMessage.kind` their
    /// pushes are wrapped with (a self-addressed 1:1 envelope around the encrypted config).
    pub legacy_kind: Option<i32>,
}

impl ConfigKind {
    /// The user's profile (namespace 2).
    pub const USER_PROFILE: Self = Self {
        namespace: Namespace(2),
        domain: "UserProfile",
        legacy_kind: Some(1),
    };
    /// The user's contacts (namespace 3).
    pub const CONTACTS: Self = Self {
        namespace: Namespace(3),
        domain: "Contacts",
        legacy_kind: Some(2),
    };
    /// Read state and unread flags of conversations (namespace 4).
    pub const CONVO_INFO_VOLATILE: Self = Self {
        namespace: Namespace(4),
        domain: "ConvoInfoVolatile",
        legacy_kind: Some(3),
    };
    /// The user's groups and communities (namespace 5).
    pub const USER_GROUPS: Self = Self {
        namespace: Namespace(5),
        domain: "UserGroups",
        legacy_kind: Some(4),
    };
    /// A group's name, picture, timers (namespace 13), signed by the group.
    pub const GROUP_INFO: Self = Self {
        namespace: Namespace(13),
        domain: "groups::Info",
        legacy_kind: None,
    };
    /// A group's member list (namespace 14), signed by the group.
    pub const GROUP_MEMBERS: Self = Self {
        namespace: Namespace(14),
        domain: "groups::Members",
        legacy_kind: None,
    };
}

/// Where a config stands with the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Everything is stored.
    Clean,
    /// There are changes to push.
    Dirty,
    /// Pushed; waiting for [`ConfigState::confirm_pushed`].
    Waiting,
}

/// What to store: [`ConfigState::push`]'s answer.
#[derive(Clone, PartialEq, Eq)]
pub struct Push {
    /// The config seqno (pass it to [`ConfigState::confirm_pushed`]).
    pub seqno: i64,
    /// The payload to store in the config's namespace.
    pub data: Vec<u8>,
    /// Storage hashes of messages this one replaces: delete them (in the same `sequence`
    /// request as the store).
    pub obsolete: Vec<String>,
}

impl core::fmt::Debug for Push {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Push")
            .field("seqno", &self.seqno)
            .field("len", &self.data.len())
            .field("obsolete", &self.obsolete)
            .finish()
    }
}

/// One config of one account on one device: the current message, local edits not yet pushed,
/// and the storage hashes to clean up.
pub struct ConfigState {
    kind: ConfigKind,
    /// The account, for the legacy wrapping of user configs.
    me: Option<Identity>,
    /// Encryption key bases, newest first: the first encrypts, all are tried to decrypt.
    keys: Vec<Zeroizing<[u8; 32]>>,
    /// Signs the messages of a signed config type (a group admin).
    signer: Option<Identity>,
    /// Checks the signature of every message read (group configs).
    verifier: Option<Ed25519Public>,
    current: ConfigMessage,
    draft: Option<Draft>,
    state: State,
    current_hash: Option<String>,
    old_hashes: BTreeSet<String>,
}

impl core::fmt::Debug for ConfigState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConfigState")
            .field("kind", &self.kind)
            .field("seqno", &self.seqno())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl ConfigState {
    /// An empty config of `kind` for the account `me` (its seed is the encryption key base).
    pub fn new(kind: ConfigKind, me: &Identity) -> Self {
        Self {
            kind,
            me: Some(Identity::from_seed(&me.seed())),
            keys: alloc::vec![me.seed()],
            signer: None,
            verifier: None,
            current: ConfigMessage::empty(),
            draft: None,
            state: State::Clean,
            current_hash: None,
            old_hashes: BTreeSet::new(),
        }
    }

    /// An empty config of a group (`kind` [`ConfigKind::GROUP_INFO`] or
    /// [`ConfigKind::GROUP_MEMBERS`]) whose Ed25519 key is `group_pk`: `admin` (the key pair
    /// from the group's seed) signs and can edit; without it the config is read-only. `keys`
    /// are the group's keys, newest first (from its keys messages).
    ///
    /// # Errors
    /// [`ConfigError::Field`] when `admin` is not the group's key, or `kind` is a user config.
    pub fn new_group(
        kind: ConfigKind,
        group_pk: &Ed25519Public,
        admin: Option<&Identity>,
        keys: &[[u8; 32]],
    ) -> Result<Self, ConfigError> {
        if kind.legacy_kind.is_some() {
            return Err(ConfigError::Field("kind"));
        }
        if admin.is_some_and(|a| a.ed25519_public() != *group_pk) {
            return Err(ConfigError::Field("admin"));
        }
        Ok(Self {
            kind,
            me: None,
            keys: keys.iter().map(|k| Zeroizing::new(*k)).collect(),
            signer: admin.map(|a| Identity::from_seed(&a.seed())),
            verifier: Some(*group_pk),
            current: ConfigMessage::empty(),
            draft: None,
            state: State::Clean,
            current_hash: None,
            old_hashes: BTreeSet::new(),
        })
    }

    /// Replaces the encryption keys (newest first), as a group's keys change. With `reencrypt`,
    /// a writable config whose newest key changed becomes dirty, so that its data is pushed
    /// again under the new key.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno.
    pub fn replace_keys(&mut self, keys: &[[u8; 32]], reencrypt: bool) -> Result<(), ConfigError> {
        let changed = keys.first().map(|k| &k[..]) != self.keys.first().map(|k| &k[..]);
        self.keys = keys.iter().map(|k| Zeroizing::new(*k)).collect();
        if reencrypt && changed && !self.is_read_only() && !self.keys.is_empty() {
            self.make_dirty()?;
        }
        Ok(())
    }

    /// Whether edits are refused: a signed config without the signing key.
    pub fn is_read_only(&self) -> bool {
        self.verifier.is_some() && self.signer.is_none()
    }

    /// Starts the next seqno's draft unless one is open.
    fn make_dirty(&mut self) -> Result<(), ConfigError> {
        if self.state != State::Dirty {
            let next = self.current.next()?;
            if self.state == State::Clean
                && let Some(h) = self.current_hash.take()
            {
                self.old_hashes.insert(h);
            }
            self.draft = Some(next);
            self.state = State::Dirty;
        }
        Ok(())
    }

    /// The config type.
    pub fn kind(&self) -> ConfigKind {
        self.kind
    }

    /// The seqno of the data now held (local edits included).
    pub fn seqno(&self) -> i64 {
        self.draft
            .as_ref()
            .map_or(self.current.seqno(), Draft::seqno)
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether there is something to push.
    pub fn needs_push(&self) -> bool {
        self.state != State::Clean
    }

    /// The data, local edits included.
    pub fn data(&self) -> &Dict {
        self.draft.as_ref().map_or(self.current.data(), Draft::data)
    }

    /// Storage hashes of the message this config was last confirmed or merged from.
    pub fn current_hashes(&self) -> Vec<String> {
        self.current_hash.iter().cloned().collect()
    }

    /// Changes the data with `edit`. Nothing happens if the data (with empty sets and
    /// dictionaries pruned) comes out the same; otherwise the config is dirty, at the next
    /// seqno.
    ///
    /// # Errors
    /// [`ConfigError::SeqnoOverflow`] at the largest seqno; [`ConfigError::TooDeep`] for data
    /// nested deeper than a reader accepts; [`ConfigError::ReadOnly`] for a change to a signed
    /// config without its signing key (nothing changes).
    pub fn edit(&mut self, edit: impl FnOnce(&mut Dict)) -> Result<(), ConfigError> {
        let mut data = self.data().clone();
        edit(&mut data);
        value::prune(&mut data);
        if value::depth(&data) > value::MAX_DEPTH {
            return Err(ConfigError::TooDeep);
        }
        if &data == self.data() {
            return Ok(());
        }
        if self.is_read_only() {
            return Err(ConfigError::ReadOnly);
        }
        self.make_dirty()?;
        if let Some(draft) = self.draft.as_mut() {
            *draft.data_mut() = data;
        }
        Ok(())
    }

    /// The message to store: built from the edits (the config then waits for
    /// [`ConfigState::confirm_pushed`]), or the current one again.
    ///
    /// # Errors
    /// [`ConfigError::TooLarge`] when it would not fit in one stored message.
    pub fn push(&mut self) -> Result<Push, ConfigError> {
        let message = match &self.draft {
            Some(d) => d.build(self.signer.as_ref()),
            None => self.current.clone(),
        };
        let data = self.seal(&message)?;
        if let Some(_d) = self.draft.take() {
            self.current = message;
            self.state = State::Waiting;
        }
        Ok(Push {
            seqno: self.current.seqno(),
            data,
            obsolete: core::mem::take(&mut self.old_hashes).into_iter().collect(),
        })
    }

    /// The swarm stored the push of `seqno` under `hash`. Ignored unless the config is waiting
    /// for exactly that seqno (a later edit made a newer one).
    pub fn confirm_pushed(&mut self, seqno: i64, hash: &str) {
        if self.state == State::Waiting && seqno == self.current.seqno() {
            self.state = State::Clean;
            self.current_hash = Some(hash.into());
        }
    }

    /// Compresses, pads, encrypts and (for user configs) wraps a message.
    fn seal(&self, message: &ConfigMessage) -> Result<Vec<u8>, ConfigError> {
        let key = self
            .keys
            .first()
            .ok_or(ConfigError::Field("no encryption key"))?;
        let padded = encrypt::pad(&encrypt::compress(message.bytes()));
        let blob = encrypt::encrypt(key, self.kind.domain, &padded)?;
        let out = match (self.kind.legacy_kind, &self.me) {
            (Some(kind), Some(me)) => legacy_wrap(me, kind, message.seqno(), blob)?,
            _ => blob,
        };
        if out.len() > MAX_PUSH {
            return Err(ConfigError::TooLarge);
        }
        Ok(out)
    }

    /// The config message inside a stored payload.
    fn open(&self, payload: &[u8]) -> Result<ConfigMessage, ConfigError> {
        let unwrapped = match (self.kind.legacy_kind, &self.me) {
            (Some(kind), Some(me)) => legacy_unwrap(me, kind, payload),
            _ => None,
        };
        let blob = unwrapped.as_deref().unwrap_or(payload);
        let padded = self
            .keys
            .iter()
            .find_map(|k| encrypt::decrypt(k, self.kind.domain, blob).ok())
            .ok_or(ConfigError::Decrypt)?;
        let plain = encrypt::unwrap_plaintext(&padded)?;
        ConfigMessage::parse(
            &plain,
            Signing {
                verifier: self.verifier.as_ref(),
                signer: None,
            },
        )
    }

    /// Merges the messages found in the config's namespace (storage hash, payload): the
    /// config moves to the merged state, and to [`State::Dirty`] when the merge made a new
    /// message that must be pushed. Payloads that do not decrypt or parse are skipped. Returns
    /// the storage hashes of the payloads that were read.
    pub fn merge(&mut self, messages: &[(&str, &[u8])]) -> Vec<String> {
        let mut inputs: Vec<ConfigMessage> = Vec::new();
        let mut hashes: Vec<Option<String>> = Vec::new();
        let mine = self.current.seqno() != 0 || self.state == State::Dirty;
        if mine {
            inputs.push(match &self.draft {
                Some(d) => d.build(self.signer.as_ref()),
                None => self.current.clone(),
            });
            hashes.push(self.current_hash.clone());
        }
        let mut accepted = Vec::new();
        for (hash, payload) in messages {
            if let Ok(m) = self.open(payload) {
                inputs.push(m);
                hashes.push(Some((*hash).into()));
                accepted.push((*hash).into());
            }
        }
        let Ok(mut result) = merge(&inputs, self.signer.as_ref()) else {
            return accepted;
        };
        // A reader that cannot sign a merge takes the newest message as it is.
        if self.is_read_only()
            && let Merged::Merged(_) = result
            && let Some(best) =
                (0..inputs.len()).max_by_key(|&i| inputs.get(i).map(|m| (m.seqno(), *m.hash())))
        {
            result = Merged::Single(best);
        }
        let chosen = match &result {
            Merged::Single(i) => Some(*i),
            Merged::Merged(_) => None,
        };
        for (i, h) in hashes.iter().enumerate() {
            if Some(i) != chosen
                && let Some(h) = h
                && !h.is_empty()
            {
                self.old_hashes.insert(h.clone());
            }
        }
        match result {
            Merged::Single(0) if mine => {}
            Merged::Single(i) => {
                if let (Some(m), Some(h)) = (inputs.get(i), hashes.get(i)) {
                    self.current = m.clone();
                    self.current_hash = h.clone();
                    if let Some(h) = h {
                        self.old_hashes.remove(h);
                    }
                    self.draft = None;
                    self.state = State::Clean;
                }
            }
            Merged::Merged(m) => {
                // As libsession does: a device with unpushed edits continues the merge with an
                // empty diff, one without restates all the data, so that either kind of
                // device pushes the same bytes for the same merge.
                self.draft = Some(if self.state == State::Dirty {
                    Draft::from_merged(&m)
                } else {
                    Draft::restating(&m)
                });
                self.current = m;
                self.state = State::Dirty;
                // Its hash went to the obsolete list above.
                self.current_hash = None;
            }
        }
        accepted
    }

    /// Everything needed to carry on after a restart: state, the current message (with local
    /// edits), its storage hash and the hashes still to delete, bencoded.
    pub fn dump(&self) -> Vec<u8> {
        let message = match &self.draft {
            Some(d) => d.build(self.signer.as_ref()),
            None => self.current.clone(),
        };
        let mut out = Vec::new();
        out.put(b"d1:!");
        crate::wire::bencode_int(
            &mut out,
            match self.state {
                State::Clean => 0,
                State::Dirty => 1,
                State::Waiting => 2,
            },
        );
        out.put(b"1:$");
        crate::wire::bencode_bytes(&mut out, message.bytes());
        out.put(b"1:(");
        crate::wire::bencode_bytes(
            &mut out,
            self.current_hash.as_deref().unwrap_or("").as_bytes(),
        );
        out.put(b"1:)l");
        for h in &self.old_hashes {
            crate::wire::bencode_bytes(&mut out, h.as_bytes());
        }
        out.put(b"e1:+dee");
        out
    }

    /// A config of `kind` for `me` restored from [`ConfigState::dump`]. A dump with unpushed
    /// edits comes back dirty, one seqno further on.
    ///
    /// # Errors
    /// [`ConfigError::Dump`] when the bytes are not a dump; the message's own errors.
    pub fn load(kind: ConfigKind, me: &Identity, dump: &[u8]) -> Result<Self, ConfigError> {
        let (state, message, hash, old_hashes) = Self::read_dump(dump)?;
        let mut out = Self::new(kind, me);
        out.restore(state, message, &hash, old_hashes)?;
        Ok(out)
    }

    #[allow(clippy::type_complexity)]
    fn read_dump(
        dump: &[u8],
    ) -> Result<(State, ConfigMessage, String, BTreeSet<String>), ConfigError> {
        let bad = |_| ConfigError::Dump;
        let mut r = Reader::new(dump);
        r.enter(Kind::Dict).map_err(bad)?;
        let mut last = None;
        let mut key = |r: &mut Reader<'_>, want: &[u8]| -> Result<(), ConfigError> {
            let k = r
                .dict_key(&mut last)
                .map_err(bad)?
                .ok_or(ConfigError::Dump)?;
            if dump.get(k) == Some(want) {
                Ok(())
            } else {
                Err(ConfigError::Dump)
            }
        };
        key(&mut r, b"!")?;
        let state = match r.int().map_err(bad)? {
            0 => State::Clean,
            1 => State::Dirty,
            2 => State::Waiting,
            _ => return Err(ConfigError::Dump),
        };
        key(&mut r, b"$")?;
        let message = r.bytes().map_err(bad)?;
        let message = ConfigMessage::parse(
            dump.get(message).ok_or(ConfigError::Dump)?,
            Signing::default(),
        )?;
        key(&mut r, b"(")?;
        let hash = r.bytes().map_err(bad)?;
        let hash = core::str::from_utf8(dump.get(hash).ok_or(ConfigError::Dump)?)
            .map_err(|_| ConfigError::Dump)?;
        key(&mut r, b")")?;
        r.enter(Kind::List).map_err(bad)?;
        let mut old_hashes = BTreeSet::new();
        while !r.end_of_container().map_err(bad)? {
            let h = r.bytes().map_err(bad)?;
            let h = core::str::from_utf8(dump.get(h).ok_or(ConfigError::Dump)?)
                .map_err(|_| ConfigError::Dump)?;
            old_hashes.insert(h.into());
        }
        key(&mut r, b"+")?;
        r.skip(1).map_err(bad)?;
        if !r.end_of_container().map_err(bad)? {
            return Err(ConfigError::Dump);
        }
        r.finish().map_err(bad)?;
        Ok((state, message, hash.into(), old_hashes))
    }

    /// A group config restored from [`ConfigState::dump`] (the keys, signer and verifier as
    /// for [`ConfigState::new_group`]).
    ///
    /// # Errors
    /// As [`ConfigState::load`] and [`ConfigState::new_group`].
    pub fn load_group(
        kind: ConfigKind,
        group_pk: &Ed25519Public,
        admin: Option<&Identity>,
        keys: &[[u8; 32]],
        dump: &[u8],
    ) -> Result<Self, ConfigError> {
        let mut out = Self::new_group(kind, group_pk, admin, keys)?;
        let (state, message, hash, old_hashes) = Self::read_dump(dump)?;
        out.restore(state, message, &hash, old_hashes)?;
        Ok(out)
    }

    fn restore(
        &mut self,
        state: State,
        message: ConfigMessage,
        hash: &str,
        old_hashes: BTreeSet<String>,
    ) -> Result<(), ConfigError> {
        self.draft = match state {
            State::Dirty => Some(message.next()?),
            State::Clean | State::Waiting => None,
        };
        self.current = message;
        self.state = state;
        self.current_hash = (!hash.is_empty()).then(|| hash.into());
        self.old_hashes = old_hashes;
        Ok(())
    }
}

/// The wrapping older clients read: `Content { sharedConfigMessage { kind, seqno, data } }`
/// with a `0x80` end marker, signed and sealed (deterministically) to the account itself, in
/// an `Envelope` (type 6, timestamp 1) inside a `WebSocketMessage` request.
fn legacy_wrap(
    me: &Identity,
    kind: i32,
    seqno: i64,
    blob: Vec<u8>,
) -> Result<Vec<u8>, ConfigError> {
    let content = Content {
        shared_config_message: Some(SharedConfigMessage {
            kind: Some(kind),
            seqno: Some(seqno),
            data: Some(blob),
        }),
        ..Content::default()
    };
    let mut plain = content.to_bytes();
    plain.push(0x80);
    let sealed = crate::envelope::seal_for_recipient_deterministic(me, &me.session_id(), &plain)
        .map_err(|_| ConfigError::Field("account key"))?;
    let envelope = EnvelopeProto {
        kind: Some(SESSION_MESSAGE),
        timestamp: Some(1),
        content: Some(sealed),
        ..EnvelopeProto::default()
    };
    Ok(prost::Message::encode_to_vec(&websocket_request(&envelope)))
}

/// The encrypted config inside [`legacy_wrap`]'s wrapping, if `payload` is one sent by this
/// account with this config kind.
fn legacy_unwrap(me: &Identity, kind: i32, payload: &[u8]) -> Option<Vec<u8>> {
    let message = crate::envelope::open_1o1(me, payload).ok()?;
    if message.sender != me.session_id() {
        return None;
    }
    let content = Content::from_bytes(&message.content).ok()?;
    let shared = content.shared_config_message?;
    if shared.kind != Some(kind) {
        return None;
    }
    shared.data
}
