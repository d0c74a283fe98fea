//! A closed (`03`) group as its admin and its members' devices hold it, with what each of
//! them stores in and reads from the group's swarm. Transport-free: the `network` example
//! carries these bytes over its in-memory network with the sans-io client, the testnet's test
//! over loopback HTTPS.
//!
//! The admin holds the group's key pair and signs as the group; members sign with the
//! credential the admin issued them ([`MemberAuth`], sent with the invitation). A removed
//! member loses the new keys at the rekey, and its credential when the admin revokes its
//! token ([`Admin::token_of`]).

#![allow(dead_code, unreachable_pub)] // each user of this module uses a subset

use rand_chacha::ChaCha20Rng;
use session_protocol::config::{
    ConfigError, GroupInfo, GroupKeys, GroupMembers, Member, MemberAuth, Status, member_token,
};
use session_protocol::envelope::{Content, ProSignature, open_group_message, seal_group_message};
use session_protocol::storage::{Namespace, SubaccountFlags, message_hash};
use session_protocol::{Ed25519Public, IdPrefix, Identity, SessionId, SymmetricKey};

/// What the admin stores: a namespace and the bytes.
pub type Store = (Namespace, Vec<u8>);

/// A message retrieved from the group's swarm: namespace, storage hash, stored time (ms),
/// bytes.
pub type Retrieved = (Namespace, String, u64, Vec<u8>);

/// The admin's side: the group's key pair and its keys, info and members configs.
pub struct Admin {
    me: Identity,
    group: Identity,
    id: SessionId,
    keys: GroupKeys,
    info: GroupInfo,
    members: GroupMembers,
}

impl Admin {
    /// A new group named `name`, with `me` as admin and `invited` as members: returns the
    /// admin and what to store (the generation-0 keys message, the info and the members list).
    pub fn create(
        me: &Identity,
        name: &str,
        invited: &[(SessionId, &str)],
        rng: &mut ChaCha20Rng,
    ) -> Result<(Self, Vec<Store>), Box<dyn std::error::Error>> {
        let group = Identity::generate(rng);
        let gpk = group.ed25519_public();
        let id = SessionId::new(IdPrefix::Group, gpk.to_bytes());
        let mut members = GroupMembers::new(&gpk, Some(&group), &[])?;
        let mut admin = Member::new(me.session_id());
        admin.admin = true;
        admin.name = "admin".into();
        members.set(&admin)?;
        for (sid, who) in invited {
            let mut m = Member::new(*sid);
            m.name = (*who).into();
            m.invite = Status::Sent;
            members.set(&m)?;
        }
        let keys = GroupKeys::new(me, &gpk, Some(&group))?;
        let info = GroupInfo::new(&gpk, Some(&group), &[])?;
        let mut admin = Self {
            me: Identity::from_seed(&me.seed()),
            group,
            id,
            keys,
            info,
            members,
        };
        admin.info.set_name(name)?;
        let stores = admin.rekey()?;
        Ok((admin, stores))
    }

    /// The group's `03` id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// The group's key pair (the admin signs its swarm requests with it).
    pub fn group_key(&self) -> Identity {
        Identity::from_seed(&self.group.seed())
    }

    /// The swarm credential for `member`, sent with the invitation: read and write.
    pub fn invite(&self, member: &SessionId) -> Result<MemberAuth, ConfigError> {
        self.keys
            .member_auth(member, SubaccountFlags::READ | SubaccountFlags::WRITE)
    }

    /// The token of `member`'s credential, which the admin revokes to shut it out of the
    /// group's swarm.
    pub fn token_of(&self, member: &SessionId) -> Result<[u8; 36], ConfigError> {
        member_token(
            &self.group,
            member,
            SubaccountFlags::READ | SubaccountFlags::WRITE,
        )
    }

    /// Removes `member`: off the list, a new key generation for everyone left, the info
    /// renamed and re-encrypted. Returns what to store.
    pub fn remove(
        &mut self,
        member: &SessionId,
        new_name: &str,
    ) -> Result<Vec<Store>, Box<dyn std::error::Error>> {
        self.members.erase(member)?;
        self.info.set_name(new_name)?;
        self.rekey()
    }

    /// A new key generation for the current members, confirmed at once (its storage hash is
    /// known before it is stored), and the configs pushed under it.
    fn rekey(&mut self) -> Result<Vec<Store>, Box<dyn std::error::Error>> {
        let ids = self.members.ids();
        let keys_msg = self.keys.rekey(&ids)?.to_vec();
        let hash = message_hash(&self.id, Namespace::GROUP_KEYS, &keys_msg);
        self.keys.load_message(&hash, &keys_msg, 0)?;
        let keys = self.keys.keys();
        self.info.state_mut().replace_keys(&keys, true)?;
        self.members.state_mut().replace_keys(&keys, true)?;
        let mut stores = vec![(Namespace::GROUP_KEYS, keys_msg)];
        for (ns, state) in [
            (Namespace::GROUP_INFO, self.info.state_mut()),
            (Namespace::GROUP_MEMBERS, self.members.state_mut()),
        ] {
            let push = state.push()?;
            state.confirm_pushed(push.seqno, &message_hash(&self.id, ns, &push.data));
            stores.push((ns, push.data));
        }
        Ok(stores)
    }

    /// A text message to the group, encrypted with the current key (namespace 11).
    pub fn message(
        &self,
        text: &str,
        now_ms: u64,
        rng: &mut ChaCha20Rng,
    ) -> Result<Store, Box<dyn std::error::Error>> {
        let gpk = self.group.ed25519_public();
        seal_text(&self.me, &gpk, &self.keys, text, now_ms, rng)
    }
}

/// A member's device: what it has read of the group's swarm.
pub struct View {
    me: Identity,
    gpk: Ed25519Public,
    keys: GroupKeys,
    info: GroupInfo,
    members: GroupMembers,
    /// The texts read, with their senders.
    pub read: Vec<(SessionId, String)>,
    /// Group messages that no key held opens.
    pub unreadable: usize,
}

impl View {
    /// `me`'s view of group `group` (a `03` id), empty until [`View::absorb`].
    pub fn new(me: &Identity, group: &SessionId) -> Result<Self, ConfigError> {
        let gpk = Ed25519Public::from_bytes(*group.key());
        Ok(Self {
            me: Identity::from_seed(&me.seed()),
            gpk,
            keys: GroupKeys::new(me, &gpk, None)?,
            info: GroupInfo::new(&gpk, None, &[])?,
            members: GroupMembers::new(&gpk, None, &[])?,
            read: Vec::new(),
            unreadable: 0,
        })
    }

    /// Takes in messages retrieved from the group's swarm: keys messages first, then the
    /// configs under the keys held, then group messages.
    pub fn absorb(&mut self, retrieved: &[Retrieved]) {
        let of = |ns: Namespace| retrieved.iter().filter(move |r| r.0 == ns);
        for (_, hash, t, data) in of(Namespace::GROUP_KEYS) {
            // A keys message without a copy for this member is not an error: it was removed.
            let stored = i64::try_from(*t).unwrap_or(i64::MAX);
            let _ = self.keys.load_message(hash, data, stored);
        }
        let keys = self.keys.keys();
        let _ = self.info.state_mut().replace_keys(&keys, false);
        let _ = self.members.state_mut().replace_keys(&keys, false);
        let pairs = |ns| -> Vec<(&str, &[u8])> {
            of(ns)
                .map(|(_, h, _, d)| (h.as_str(), d.as_slice()))
                .collect()
        };
        self.info.state_mut().merge(&pairs(Namespace::GROUP_INFO));
        self.members
            .state_mut()
            .merge(&pairs(Namespace::GROUP_MEMBERS));
        let held: Vec<SymmetricKey> = keys.into_iter().map(SymmetricKey::from_bytes).collect();
        for (_, _, _, data) in of(Namespace::GROUP_MESSAGES) {
            match open_group_message(&held, &self.gpk, data) {
                Ok(m) => {
                    let text = Content::from_bytes(&m.content)
                        .ok()
                        .and_then(|c| c.data_message)
                        .and_then(|d| d.body)
                        .unwrap_or_default();
                    self.read.push((m.sender, text));
                }
                Err(_) => self.unreadable += 1,
            }
        }
    }

    /// The newest key generation held.
    pub fn generation(&self) -> i64 {
        self.keys.current_generation()
    }

    /// Whether any key is held.
    pub fn has_key(&self) -> bool {
        self.keys.encryption_key().is_some()
    }

    /// The group's name as last read.
    pub fn name(&self) -> String {
        self.info.name().unwrap_or_default().to_owned()
    }

    /// How many members the list read names.
    pub fn member_count(&self) -> usize {
        self.members.iter().count()
    }

    /// A text message from this member to the group, with the newest key held.
    pub fn message(
        &self,
        text: &str,
        now_ms: u64,
        rng: &mut ChaCha20Rng,
    ) -> Result<Store, Box<dyn std::error::Error>> {
        seal_text(&self.me, &self.gpk, &self.keys, text, now_ms, rng)
    }
}

/// `text` from `sender` to group `gpk`, sealed with the newest key in `keys` (namespace 11).
fn seal_text(
    sender: &Identity,
    gpk: &Ed25519Public,
    keys: &GroupKeys,
    text: &str,
    now_ms: u64,
    rng: &mut ChaCha20Rng,
) -> Result<Store, Box<dyn std::error::Error>> {
    let key = keys.encryption_key().ok_or("no key")?;
    let content = Content::text(text, now_ms).to_bytes();
    let sealed = seal_group_message(
        sender,
        gpk,
        &SymmetricKey::from_bytes(key),
        &content,
        now_ms,
        ProSignature::Omit,
        rng,
    )?;
    Ok((Namespace::GROUP_MESSAGES, sealed))
}
