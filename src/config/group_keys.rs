//! Group (`03`) encryption keys: the keys messages admins store in the group's namespace 12,
//! from which every member recovers the group's current key.
//!
//! A rekey makes the next generation's key deterministically from the group's seed, its
//! sorted member list and the generation: `H1 = BLAKE2b-448` keyed `"SessionGroupKeyGen"` over
//! the members' hex ids, the generation in decimal and a hash of the seed; the key is the
//! first 32 bytes, the nonce the last 24. The message carries the key encrypted for admins
//! (`K`, under a key hashed from the seed) and once for each member (`k`, multi-recipient
//! encryption from the group's X25519 key), padded with deterministic junk copies to a
//! multiple of 75 so the member count stays hidden, and is signed by the group key. A
//! supplemental message (`+`) hands existing keys to new members without rotating.

use alloc::vec::Vec;

use blake2::Blake2bMac;
use blake2::digest::consts::U56;
use blake2::digest::{KeyInit, Mac};
use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20poly1305::XChaCha20Poly1305;
use zeroize::Zeroizing;

use super::ConfigError;
use crate::crypto::aead::{open_with, seal_with};
use crate::crypto::blake2b_256_keyed_dyn;
use crate::envelope::multi;
use crate::identity::{Ed25519Public, IdPrefix, Identity, SessionId, X25519Public, verify_ed25519};
use crate::wire::{self, BencodeKind as Kind, BencodeReader as Reader, Sink};

/// Copies per full keys message are a multiple of this (junk fills the rest).
pub const KEY_MULTIPLE: usize = 75;
/// A key older than this, once a newer generation is this old too, is dropped (ms).
pub const KEY_EXPIRY_MS: i64 = 60 * 24 * 60 * 60 * 1000;
/// The multi-recipient encryption domain of member copies.
const MEMBER_DOMAIN: &[u8] = b"SessionGroupKeyMemberKey";

/// A group key: 32 bytes, wiped on drop.
pub type GroupKey = Zeroizing<[u8; 32]>;

/// `BLAKE2b-256(key = label, seed)`: the admin-only secrets derived from the group seed.
fn seed_hash(group: &Identity, label: &[u8]) -> Result<GroupKey, ConfigError> {
    blake2b_256_keyed_dyn(label, &[&group.seed()[..]]).ok_or(ConfigError::Field("group seed"))
}

/// The group's X25519 public key, from its Ed25519 key.
fn group_x25519(group_pk: &Ed25519Public) -> Result<X25519Public, ConfigError> {
    crate::identity::ed25519_to_x25519(group_pk).map_err(|_| ConfigError::Field("group key"))
}

/// A new generation's key and the message that distributes it.
#[derive(Clone)]
pub struct Rekey {
    /// The generation.
    pub generation: i64,
    /// The new key.
    pub key: GroupKey,
    /// The keys message to store in namespace 12.
    pub message: Vec<u8>,
}

impl core::fmt::Debug for Rekey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Rekey")
            .field("generation", &self.generation)
            .field("len", &self.message.len())
            .finish_non_exhaustive()
    }
}

/// Makes generation `generation`'s key for the group whose admin key pair is `group` (built
/// from the group's seed), for `members` (every `05` member, admins included; order does not
/// matter), and the signed keys message carrying it. The same inputs always give the same
/// bytes, so two admins rekeying the same membership agree.
///
/// # Errors
/// [`ConfigError::Field`] for a member that is not a `05` account or a negative generation.
pub fn rekey(
    group: &Identity,
    members: &[SessionId],
    generation: i64,
) -> Result<Rekey, ConfigError> {
    if generation < 0 {
        return Err(ConfigError::Field("generation"));
    }
    let mut sorted: Vec<SessionId> = members.to_vec();
    if sorted.iter().any(|m| m.prefix() != IdPrefix::Standard) {
        return Err(ConfigError::Field("member"));
    }
    sorted.sort_by_key(SessionId::to_bytes);
    sorted.dedup();

    let h2 = seed_hash(group, b"SessionGroupKeySeed")?;
    let mut mac = <Blake2bMac<U56> as KeyInit>::new_from_slice(b"SessionGroupKeyGen")
        .map_err(|_| ConfigError::Field("group seed"))?;
    for m in &sorted {
        Mac::update(&mut mac, alloc::string::ToString::to_string(m).as_bytes());
    }
    let mut gen_text = Vec::new();
    wire::put_decimal(&mut gen_text, generation.unsigned_abs());
    Mac::update(&mut mac, &gen_text);
    Mac::update(&mut mac, &h2[..]);
    let h1 = Zeroizing::new(mac.finalize().into_bytes());
    let (key_part, nonce_part) = h1
        .as_slice()
        .split_at_checked(32)
        .ok_or(ConfigError::Malformed)?;
    let mut key: GroupKey = Zeroizing::new([0; 32]);
    key.copy_from_slice(key_part);
    let nonce: [u8; 24] = nonce_part.try_into().map_err(|_| ConfigError::Malformed)?;

    // The admins' copy.
    let admin_key = seed_hash(group, b"SessionGroupKeyAdminKey")?;
    let mut admin_copy = key.to_vec();
    let tag = seal_with::<XChaCha20Poly1305>(&admin_key, &nonce, &mut admin_copy)
        .ok_or(ConfigError::Malformed)?;
    admin_copy.extend_from_slice(&tag);

    // One copy per member (keys that are not curve points are skipped, as libsession does).
    let mut copies: Vec<Vec<u8>> = sorted
        .iter()
        .filter_map(|m| {
            let x = X25519Public::from_bytes(*m.key());
            multi::seal_for(group, &x, MEMBER_DOMAIN, &nonce, &key[..]).ok()
        })
        .collect();
    // Junk up to a multiple of 75: ChaCha20 keystream (libsodium's deterministic
    // `randombytes_buf_deterministic`) keyed by a hash of H1 and the group's secret key.
    let real = copies.len();
    if !real.is_multiple_of(KEY_MULTIPLE) {
        let junk = KEY_MULTIPLE.saturating_sub(real % KEY_MULTIPLE);
        // Keyed by H1 and the group's whole libsodium secret key (seed, then public key).
        let seed = blake2b_256_keyed_dyn(
            b"SessionGroupJunkMembers",
            &[
                h1.as_slice(),
                &group.seed()[..],
                group.ed25519_public().as_bytes(),
            ],
        )
        .ok_or(ConfigError::Malformed)?;
        let mut stream = Zeroizing::new(alloc::vec![0u8; junk.saturating_mul(48)]);
        let mut cipher = ChaCha20::new((&*seed).into(), b"LibsodiumDRG".into());
        cipher.apply_keystream(&mut stream);
        copies.extend(stream.chunks(48).map(<[u8]>::to_vec));
    }

    let mut out = Vec::new();
    out.put(b"d1:#");
    wire::bencode_bytes(&mut out, &nonce);
    out.put(b"1:G");
    super::value::write_i64(&mut out, generation);
    out.put(b"1:K");
    wire::bencode_bytes(&mut out, &admin_copy);
    out.put(b"1:kl");
    for c in &copies {
        wire::bencode_bytes(&mut out, c);
    }
    out.put(b"e");
    let sig = group.sign(&out);
    out.put(b"1:~64:");
    out.put(&sig);
    out.put(b"e");
    Ok(Rekey {
        generation,
        key,
        message: out,
    })
}

/// A key carried by a supplemental message.
#[derive(Clone)]
pub struct SuppliedKey {
    /// Its generation.
    pub generation: i64,
    /// The key.
    pub key: GroupKey,
    /// When its keys message was stored (ms).
    pub timestamp_ms: i64,
}

impl core::fmt::Debug for SuppliedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SuppliedKey")
            .field("generation", &self.generation)
            .field("timestamp_ms", &self.timestamp_ms)
            .finish_non_exhaustive()
    }
}

/// A verified keys message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysMessage {
    nonce: [u8; 24],
    generation: i64,
    /// `K` (full messages only).
    admin_copy: Option<[u8; 48]>,
    /// `k` copies (48 bytes each) or `+` copies (supplemental).
    copies: Vec<Vec<u8>>,
    supplemental: bool,
}

impl KeysMessage {
    /// Parses a keys message and verifies its signature by the group key `group_pk`.
    ///
    /// # Errors
    /// [`ConfigError::Malformed`] or [`ConfigError::Missing`] for a message of the wrong
    /// shape (a nonce that is not 24 bytes, copies of the wrong size, a full message whose
    /// copies are not a multiple of 75), [`ConfigError::Unsigned`] /
    /// [`ConfigError::Signature`] when the group did not sign it.
    pub fn parse(bytes: &[u8], group_pk: &Ed25519Public) -> Result<Self, ConfigError> {
        let mut r = Reader::new(bytes);
        r.enter(Kind::Dict)?;
        let mut last = None;
        let mut nonce = None;
        let mut generation = None;
        let mut admin_copy = None;
        let mut copies = None;
        let mut supplemental = false;
        let mut signature = None;
        loop {
            let at = r.position();
            let Some(k) = r.dict_key(&mut last)? else {
                break;
            };
            match bytes.get(k).ok_or(ConfigError::Malformed)? {
                b"#" => {
                    let n = r.bytes()?;
                    nonce = Some(
                        <[u8; 24]>::try_from(bytes.get(n).ok_or(ConfigError::Malformed)?)
                            .map_err(|_| ConfigError::Field("nonce"))?,
                    );
                }
                b"G" => {
                    let g = r.int()?;
                    if g < 0 {
                        return Err(ConfigError::Field("generation"));
                    }
                    generation = Some(g);
                }
                b"K" => {
                    let c = r.bytes()?;
                    admin_copy = Some(
                        <[u8; 48]>::try_from(bytes.get(c).ok_or(ConfigError::Malformed)?)
                            .map_err(|_| ConfigError::Field("K"))?,
                    );
                }
                key @ (b"k" | b"+") => {
                    supplemental = key == b"+";
                    let mut list = Vec::new();
                    r.enter(Kind::List)?;
                    while !r.end_of_container()? {
                        let c = bytes.get(r.bytes()?).ok_or(ConfigError::Malformed)?;
                        // A full copy is the key and tag; a supplemental one a list of keys.
                        let ok = if supplemental {
                            c.len() >= 68
                        } else {
                            c.len() == 48
                        };
                        if !ok {
                            return Err(ConfigError::Field("key copy"));
                        }
                        list.push(c.to_vec());
                    }
                    if copies.replace(list).is_some() {
                        return Err(ConfigError::Malformed);
                    }
                }
                b"~" => {
                    let s = r.bytes()?;
                    let s = <[u8; 64]>::try_from(bytes.get(s).ok_or(ConfigError::Malformed)?)
                        .map_err(|_| ConfigError::Signature)?;
                    signature = Some((at, s));
                    if !r.end_of_container()? {
                        return Err(ConfigError::Malformed);
                    }
                    break;
                }
                _ => r.skip(1)?,
            }
        }
        r.finish()?;
        let (at, sig) = signature.ok_or(ConfigError::Unsigned)?;
        let signed = bytes.get(..at).ok_or(ConfigError::Malformed)?;
        verify_ed25519(group_pk, signed, &sig).map_err(|_| ConfigError::Signature)?;
        let nonce = nonce.ok_or(ConfigError::Missing("#"))?;
        let generation = generation.ok_or(ConfigError::Missing("G"))?;
        let copies = copies.ok_or(ConfigError::Missing(if supplemental { "+" } else { "k" }))?;
        if !supplemental {
            if admin_copy.is_none() {
                return Err(ConfigError::Missing("K"));
            }
            if copies.len() % KEY_MULTIPLE != 0 {
                return Err(ConfigError::Field("key copies"));
            }
        }
        Ok(Self {
            nonce,
            generation,
            admin_copy,
            copies,
            supplemental,
        })
    }

    /// The generation (for a supplemental message: the highest it carries).
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Whether it hands out existing keys rather than a new one.
    pub fn is_supplemental(&self) -> bool {
        self.supplemental
    }

    /// How many copies it carries (junk included).
    pub fn copies(&self) -> usize {
        self.copies.len()
    }

    /// The key, as the group's admin (holding its seed) reads it from `K`; `None` for a
    /// supplemental message.
    ///
    /// # Errors
    /// [`ConfigError::Decrypt`] when `K` does not open under this group's admin key.
    pub fn admin_key(&self, group: &Identity) -> Result<Option<GroupKey>, ConfigError> {
        let Some(copy) = &self.admin_copy else {
            return Ok(None);
        };
        let admin_key = seed_hash(group, b"SessionGroupKeyAdminKey")?;
        let (body, tag) = copy.split_at_checked(32).ok_or(ConfigError::Malformed)?;
        let mut key: GroupKey = Zeroizing::new([0; 32]);
        key.copy_from_slice(body);
        if open_with::<XChaCha20Poly1305>(&admin_key, &self.nonce, &mut key[..], tag) {
            Ok(Some(key))
        } else {
            Err(ConfigError::Decrypt)
        }
    }

    /// The keys this message gives member `me` of the group `group_pk`: the new key of a full
    /// message, or every key of a supplemental one; empty when no copy is for `me`.
    pub fn member_keys(&self, me: &Identity, group_pk: &Ed25519Public) -> Vec<SuppliedKey> {
        let Ok(sender) = group_x25519(group_pk) else {
            return Vec::new();
        };
        for copy in &self.copies {
            let Ok(plain) = multi::open_from(me, &sender, MEMBER_DOMAIN, &self.nonce, copy) else {
                continue;
            };
            if !self.supplemental {
                let Ok(k) = <[u8; 32]>::try_from(plain.as_slice()) else {
                    return Vec::new();
                };
                return alloc::vec![SuppliedKey {
                    generation: self.generation,
                    key: Zeroizing::new(k),
                    timestamp_ms: 0,
                }];
            }
            return parse_supplied(&plain).unwrap_or_default();
        }
        Vec::new()
    }
}

/// A supplemental message's plaintext: a list of `{g, k, t}` dictionaries.
fn parse_supplied(plain: &[u8]) -> Result<Vec<SuppliedKey>, ConfigError> {
    let mut r = Reader::new(plain);
    r.enter(Kind::List)?;
    let mut out = Vec::new();
    while !r.end_of_container()? {
        r.enter(Kind::Dict)?;
        let mut last = None;
        let mut field = |r: &mut Reader<'_>, want: &[u8]| -> Result<(), ConfigError> {
            let k = r
                .dict_key(&mut last)?
                .ok_or(ConfigError::Missing("supplied key"))?;
            if plain.get(k) == Some(want) {
                Ok(())
            } else {
                Err(ConfigError::Malformed)
            }
        };
        field(&mut r, b"g")?;
        let generation = r.int()?;
        field(&mut r, b"k")?;
        let k = r.bytes()?;
        let key = <[u8; 32]>::try_from(plain.get(k).ok_or(ConfigError::Malformed)?)
            .map_err(|_| ConfigError::Field("key"))?;
        field(&mut r, b"t")?;
        let timestamp_ms = r.int()?;
        while r.dict_key(&mut last)?.is_some() {
            r.skip(2)?;
        }
        out.push(SuppliedKey {
            generation,
            key: Zeroizing::new(key),
            timestamp_ms,
        });
    }
    r.finish()?;
    Ok(out)
}

/// One key a member or admin holds: its generation, when its keys message was stored, the key.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct HeldKey {
    generation: i64,
    timestamp_ms: i64,
    key: [u8; 32],
}

impl Drop for HeldKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// A group's keys as one device holds them: the keys recovered from the keys messages read
/// (sorted by generation, storage time and key), an admin's pending rekey until it comes back
/// from the swarm, and the storage hashes of the keys messages still in use.
pub struct GroupKeys {
    group_pk: Ed25519Public,
    me: Identity,
    admin: Option<Identity>,
    keys: Vec<HeldKey>,
    active: alloc::collections::BTreeMap<i64, alloc::collections::BTreeSet<alloc::string::String>>,
    pending: Option<Rekey>,
}

impl core::fmt::Debug for GroupKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupKeys")
            .field("group_pk", &self.group_pk)
            .field("admin", &self.admin.is_some())
            .field("keys", &self.keys.len())
            .field("pending", &self.pending.as_ref().map(|p| p.generation))
            .finish_non_exhaustive()
    }
}

impl GroupKeys {
    /// The keys of group `group_pk` for the account `me`; `admin` is the group's key pair
    /// (from its seed) for admins.
    ///
    /// # Errors
    /// [`ConfigError::Field`] when `admin` is not the group's key.
    pub fn new(
        me: &Identity,
        group_pk: &Ed25519Public,
        admin: Option<&Identity>,
    ) -> Result<Self, ConfigError> {
        if admin.is_some_and(|a| a.ed25519_public() != *group_pk) {
            return Err(ConfigError::Field("admin"));
        }
        Ok(Self {
            group_pk: *group_pk,
            me: Identity::from_seed(&me.seed()),
            admin: admin.map(|a| Identity::from_seed(&a.seed())),
            keys: Vec::new(),
            active: alloc::collections::BTreeMap::new(),
            pending: None,
        })
    }

    /// The generation of the newest key held (0 when none).
    pub fn current_generation(&self) -> i64 {
        self.keys.last().map_or(0, |k| k.generation)
    }

    /// The keys to decrypt with, newest first (an admin's pending key before all).
    pub fn keys(&self) -> Vec<[u8; 32]> {
        let pending = self.pending.as_ref().map(|p| *p.key);
        pending
            .into_iter()
            .chain(self.keys.iter().rev().map(|k| k.key))
            .collect()
    }

    /// The key to encrypt with: the pending key, else the newest.
    pub fn encryption_key(&self) -> Option<[u8; 32]> {
        self.keys().first().copied()
    }

    /// The keys message of an admin's rekey not yet seen back from the swarm.
    pub fn pending_config(&self) -> Option<&[u8]> {
        self.pending.as_ref().map(|p| p.message.as_slice())
    }

    /// Whether two admins rekeyed the same generation differently (rekey again).
    pub fn needs_rekey(&self) -> bool {
        let n = self.keys.len();
        self.admin.is_some()
            && n >= 2
            && self.keys.get(n.saturating_sub(1)).map(|k| k.generation)
                == self.keys.get(n.saturating_sub(2)).map(|k| k.generation)
    }

    /// The storage hashes of the keys messages still in use (to keep alive).
    pub fn current_hashes(&self) -> alloc::collections::BTreeSet<alloc::string::String> {
        self.active.values().flatten().cloned().collect()
    }

    /// As an admin, makes the next generation's key for `members` and returns its keys
    /// message, which stays pending (and its key first in [`GroupKeys::keys`]) until it is
    /// read back with [`GroupKeys::load_message`].
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] for a member; as [`rekey`].
    pub fn rekey(&mut self, members: &[SessionId]) -> Result<&[u8], ConfigError> {
        let admin = self.admin.as_ref().ok_or(ConfigError::ReadOnly)?;
        let generation = match self.keys.last() {
            Some(k) => k
                .generation
                .checked_add(1)
                .ok_or(ConfigError::SeqnoOverflow)?,
            None => 0,
        };
        let r = rekey(admin, members, generation)?;
        Ok(&self.pending.insert(r).message)
    }

    /// As an admin, the swarm credential for `member` ([`super::MemberAuth::new`]), sent
    /// with the invitation.
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] for a member; as [`super::MemberAuth::new`].
    pub fn member_auth(
        &self,
        member: &SessionId,
        flags: crate::storage::SubaccountFlags,
    ) -> Result<super::MemberAuth, ConfigError> {
        let admin = self.admin.as_ref().ok_or(ConfigError::ReadOnly)?;
        super::MemberAuth::new(admin, member, flags)
    }

    /// As an admin, the token of `member`'s credential issued with `flags`
    /// ([`super::member_token`]), to revoke when the member is removed.
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] for a member; as [`super::member_token`].
    pub fn member_token(
        &self,
        member: &SessionId,
        flags: crate::storage::SubaccountFlags,
    ) -> Result<[u8; 36], ConfigError> {
        let admin = self.admin.as_ref().ok_or(ConfigError::ReadOnly)?;
        super::member_token(admin, member, flags)
    }

    /// As an admin, a supplemental message giving every key held to `members` (new members
    /// who should read the group's history).
    ///
    /// # Errors
    /// [`ConfigError::ReadOnly`] for a member; [`ConfigError::Field`] when no key is held yet,
    /// or no member is a valid recipient.
    pub fn supplement(&self, members: &[SessionId]) -> Result<Vec<u8>, ConfigError> {
        let admin = self.admin.as_ref().ok_or(ConfigError::ReadOnly)?;
        let newest = self.keys.last().ok_or(ConfigError::Field("no keys yet"))?;
        let mut plain = Zeroizing::new(Vec::new());
        plain.put(b"l");
        for k in &self.keys {
            plain.put(b"d1:g");
            super::value::write_i64(&mut *plain, k.generation);
            plain.put(b"1:k");
            wire::bencode_bytes(&mut *plain, &k.key);
            plain.put(b"1:t");
            super::value::write_i64(&mut *plain, k.timestamp_ms);
            plain.put(b"e");
        }
        plain.put(b"e");
        let h2 = seed_hash(admin, b"SessionGroupKeySeed")?;
        let mut mac = <Blake2bMac<blake2::digest::consts::U24> as KeyInit>::new_from_slice(
            b"SessionGroupKeyGen",
        )
        .map_err(|_| ConfigError::Malformed)?;
        for m in members {
            Mac::update(&mut mac, alloc::string::ToString::to_string(m).as_bytes());
        }
        Mac::update(&mut mac, &plain);
        Mac::update(&mut mac, &h2[..]);
        let nonce: [u8; 24] = mac
            .finalize()
            .into_bytes()
            .as_slice()
            .try_into()
            .map_err(|_| ConfigError::Malformed)?;
        let copies: Vec<Vec<u8>> = members
            .iter()
            .filter(|m| m.prefix() == IdPrefix::Standard)
            .filter_map(|m| {
                let x = X25519Public::from_bytes(*m.key());
                multi::seal_for(admin, &x, MEMBER_DOMAIN, &nonce, &plain).ok()
            })
            .collect();
        if copies.is_empty() {
            return Err(ConfigError::Field("members"));
        }
        let mut out = Vec::new();
        out.put(b"d1:#");
        wire::bencode_bytes(&mut out, &nonce);
        out.put(b"1:+l");
        for c in &copies {
            wire::bencode_bytes(&mut out, c);
        }
        out.put(b"e1:G");
        super::value::write_i64(&mut out, newest.generation);
        let sig = admin.sign(&out);
        out.put(b"1:~64:");
        out.put(&sig);
        out.put(b"e");
        Ok(out)
    }

    /// Reads a keys message stored under `hash` at `timestamp_ms` (the swarm's time). True
    /// when it held a key for this device. A message for others is still remembered as in
    /// use; keys a newer generation has outlived by [`KEY_EXPIRY_MS`] are dropped.
    ///
    /// # Errors
    /// As [`KeysMessage::parse`]; [`ConfigError::Decrypt`] when an admin's copy does not
    /// open. Nothing changes on an error.
    pub fn load_message(
        &mut self,
        hash: &str,
        bytes: &[u8],
        timestamp_ms: i64,
    ) -> Result<bool, ConfigError> {
        let msg = KeysMessage::parse(bytes, &self.group_pk)?;
        let found: Vec<HeldKey> = match (&self.admin, msg.is_supplemental()) {
            (Some(admin), false) => msg
                .admin_key(admin)?
                .map(|k| HeldKey {
                    generation: msg.generation(),
                    timestamp_ms,
                    key: *k,
                })
                .into_iter()
                .collect(),
            (Some(_), true) => Vec::new(),
            (None, _) => msg
                .member_keys(&self.me, &self.group_pk)
                .into_iter()
                .map(|k| HeldKey {
                    generation: k.generation,
                    timestamp_ms: if msg.is_supplemental() {
                        k.timestamp_ms
                    } else {
                        timestamp_ms
                    },
                    key: *k.key,
                })
                .collect(),
        };
        if found.is_empty() {
            self.active
                .entry(msg.generation())
                .or_default()
                .insert(hash.into());
            self.remove_expired();
            return Ok(false);
        }
        if let Some(p) = &self.pending
            && found
                .iter()
                .any(|k| k.generation > p.generation || k.key == *p.key)
        {
            self.pending = None;
        }
        for k in found {
            self.insert(hash, k);
        }
        Ok(true)
    }

    fn insert(&mut self, hash: &str, k: HeldKey) {
        if self
            .keys
            .iter()
            .any(|h| h.generation == k.generation && h.key == k.key)
        {
            self.active
                .entry(k.generation)
                .or_default()
                .insert(hash.into());
            return;
        }
        let at = self.keys.partition_point(|h| *h < k);
        if at == 0
            && self.keys.len() >= 2
            && let (Some(front), Some(back)) = (self.keys.first(), self.keys.last())
            && k.generation < front.generation
            && front.timestamp_ms.saturating_add(KEY_EXPIRY_MS) < back.timestamp_ms
        {
            return;
        }
        self.active
            .entry(k.generation)
            .or_default()
            .insert(hash.into());
        self.keys.insert(at, k);
        self.remove_expired();
    }

    fn remove_expired(&mut self) {
        if self.keys.len() >= 2 {
            let newest = self.keys.last().map_or(0, |k| k.timestamp_ms);
            while let Some(first_gen) = self.keys.first().map(|k| k.generation) {
                // The first key of the next generation, and whether it has been around long
                // enough to retire this one.
                let Some(next) = self.keys.iter().find(|k| k.generation > first_gen) else {
                    break;
                };
                if next.timestamp_ms.saturating_add(KEY_EXPIRY_MS) < newest {
                    self.keys.retain(|k| k.generation > first_gen);
                } else {
                    break;
                }
            }
        }
        match self.keys.first().map(|k| k.generation) {
            Some(oldest) => self.active.retain(|g, _| *g >= oldest),
            None => self.active.clear(),
        }
    }
}
