//! Group members' swarm credentials: the 100-byte auth data an admin gives each member of a
//! `03` group, with which the member signs storage requests for the group's swarm.
//!
//! Only admins hold the group's key, so a member acts as a *subaccount* of the group account.
//! The admin derives a blinding scalar `k` from the group seed and the member's id (keyed
//! BLAKE2b-512 reduced mod L, keyed with a hash of the seed, over `05 || X || 03 || C`), and
//! signs the token `03 || flags || 00 00 || k·T` with the group key, where `T` is the
//! member's Ed25519 key with its sign bit cleared. The member receives `03 || flags || 00 00
//! || k || signature` ([`MemberAuth`]), recomputes `k·T` from its own key, and signs each
//! request with the scalar `k·t` (`t` its Ed25519 secret, negated when its key's sign bit was
//! set), so the request signature verifies under `k·T` ([`MemberSigner`]). The storage server
//! checks the token's flags, the group's signature over the token and the request signature
//! under the token's key ([`crate::storage::verify_request`]); it never learns which member
//! signed, and an admin revokes a member by revoking its token ([`member_token`]).

use core::fmt;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use zeroize::Zeroizing;

use super::{AUTH_DATA_LEN, ConfigError};
use crate::crypto;
use crate::identity::{Ed25519Public, IdPrefix, Identity, SessionId, verify_ed25519};
use crate::storage::{MemberSigner, SubaccountFlags, subaccount_token};

const MASK_LABEL: &[u8] = b"SessionGroupSubaccountMask";
const SEED_KEY: &[u8; 14] = b"SubaccountSeed";

/// The blinding scalar `k` of `member` in the group whose seed is `group`'s.
fn blinding(group: &Identity, member: &SessionId) -> Result<Scalar, ConfigError> {
    if member.prefix() != IdPrefix::Standard {
        return Err(ConfigError::Field("member"));
    }
    let mask = crypto::blake2b_256_keyed_dyn(MASK_LABEL, &[&group.seed()[..]])
        .ok_or(ConfigError::Field("group seed"))?;
    let wide = crypto::blake2b_512_keyed(
        &mask,
        &[
            &[0x05],
            member.key(),
            &[0x03],
            group.ed25519_public().as_bytes(),
        ],
    );
    Ok(crypto::reduce64(&wide))
}

/// `T`: the Ed25519 point of a member's X25519 key with the sign bit cleared.
fn member_point(member: &SessionId) -> Result<EdwardsPoint, ConfigError> {
    if member.prefix() != IdPrefix::Standard {
        return Err(ConfigError::Field("member"));
    }
    crypto::x25519_to_ed25519_point(member.key()).ok_or(ConfigError::Field("member"))
}

/// `k·T`, the subaccount's public key.
fn subaccount_key(k: &Scalar, t: &EdwardsPoint) -> Result<[u8; 32], ConfigError> {
    crypto::mul_noclamp(k, t)
        .map(|p| p.compress().to_bytes())
        .ok_or(ConfigError::Field("member"))
}

/// The token of `member`'s subaccount with `flags` (`03 || flags || 00 00 || k·T`), as the
/// admin of `group` issued it: the storage server's revocation lists hold these
/// ([`crate::storage::request::revoke_subaccount`]). Pass the flags the member's auth data was
/// made with; [`SubaccountFlags::READ`] is added, as [`MemberAuth::new`] adds it. A token
/// revoked with other flags than the credential's leaves the credential working, and
/// libsession-based admins revoke `READ | WRITE` tokens, the flags their clients issue.
///
/// The storage server keeps the 50 most recent revocations of an account: an older one
/// lapses.
///
/// # Errors
/// [`ConfigError::Field`] when `member` is not a `05` id or its key is not a valid point.
pub fn member_token(
    group: &Identity,
    member: &SessionId,
    flags: SubaccountFlags,
) -> Result<[u8; 36], ConfigError> {
    let k = blinding(group, member)?;
    let kt = subaccount_key(&k, &member_point(member)?)?;
    Ok(subaccount_token(
        IdPrefix::Group,
        flags | SubaccountFlags::READ,
        &kt,
    ))
}

/// A member's credential for the group's swarm: `03 || flags || 00 00 || k || signature`, 100
/// bytes. Admins make it with [`MemberAuth::new`] and send it with the invitation; members
/// keep it (in [`super::Group::auth_data`]) and sign with [`MemberAuth::signer`]. Its `Debug`
/// shows only the flags.
#[derive(Clone)]
pub struct MemberAuth(Zeroizing<[u8; AUTH_DATA_LEN]>);

/// Compared in constant time.
impl PartialEq for MemberAuth {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for MemberAuth {}

impl fmt::Debug for MemberAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemberAuth")
            .field("flags", &self.flags())
            .finish_non_exhaustive()
    }
}

impl MemberAuth {
    /// The auth data the admin of `group` (its key pair, from the group seed) gives `member`,
    /// allowing what `flags` names; [`SubaccountFlags::READ`] is always added. Libsession
    /// clients issue `READ | WRITE`.
    ///
    /// ```
    /// use session_protocol::Identity;
    /// use session_protocol::config::MemberAuth;
    /// use session_protocol::storage::SubaccountFlags;
    ///
    /// let group = Identity::from_seed(&[3; 32]);
    /// let group_id = session_protocol::SessionId::new(session_protocol::IdPrefix::Group, *group.ed25519_public().as_bytes());
    /// let member = Identity::from_seed(&[5; 32]);
    /// let flags = SubaccountFlags::READ | SubaccountFlags::WRITE;
    /// let auth = MemberAuth::new(&group, &member.session_id(), flags)?;
    /// auth.verify(&group_id, &member, SubaccountFlags::READ | SubaccountFlags::WRITE)?;
    /// let signer = auth.signer(&group_id, &member)?;
    /// assert_eq!(signer.group(), &group_id);
    /// # Ok::<(), session_protocol::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::Field`] when `member` is not a `05` id or its key is not a valid point.
    pub fn new(
        group: &Identity,
        member: &SessionId,
        flags: SubaccountFlags,
    ) -> Result<Self, ConfigError> {
        let flags = flags | SubaccountFlags::READ;
        let k = blinding(group, member)?;
        let kt = subaccount_key(&k, &member_point(member)?)?;
        let token = subaccount_token(IdPrefix::Group, flags, &kt);
        let signature = group.sign(&token);
        let mut bytes = Zeroizing::new([0u8; AUTH_DATA_LEN]);
        let (head, rest) = bytes.split_at_mut(4);
        head.copy_from_slice(&token[..4]);
        let (scalar, sig) = rest.split_at_mut(32);
        scalar.copy_from_slice(k.as_bytes());
        sig.copy_from_slice(&signature);
        Ok(Self(bytes))
    }

    /// Auth data as received (100 bytes). Nothing is checked here but the length: check it
    /// with [`MemberAuth::verify`] before keeping it.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ConfigError> {
        let bytes: [u8; AUTH_DATA_LEN] = bytes
            .try_into()
            .map_err(|_| ConfigError::Field("auth_data"))?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The 100 bytes.
    pub fn as_bytes(&self) -> &[u8; AUTH_DATA_LEN] {
        &self.0
    }

    /// What the credential allows (byte 1).
    pub fn flags(&self) -> SubaccountFlags {
        let [_, flags, _, _] = self.head();
        SubaccountFlags(flags)
    }

    fn head(&self) -> [u8; 4] {
        let mut head = [0u8; 4];
        crypto::copy_prefix(&mut head, &self.0[..]);
        head
    }

    /// `k`, read as the storage server's scalar multiplication reads it (bit 255 ignored).
    fn k(&self) -> Scalar {
        let mut k = [0u8; 32];
        crypto::copy_prefix(&mut k, self.0.get(4..36).unwrap_or_default());
        k[31] &= 0x7f;
        Scalar::from_bytes_mod_order(k)
    }

    fn signature(&self) -> [u8; 64] {
        let mut sig = [0u8; 64];
        crypto::copy_prefix(&mut sig, self.0.get(36..).unwrap_or_default());
        sig
    }

    /// Checks that this credential was issued by group `group` (a `03` id) to `me` and allows
    /// at least `needed`: the network byte is `03` (unless the any-prefix flag is set), the read
    /// flag and every flag in `needed` are present, and the group's signature over the token
    /// verifies.
    ///
    /// # Errors
    /// [`ConfigError::Field`] for a group id that is not `03` or flags that fall short;
    /// [`ConfigError::Signature`] when the group did not sign this token for `me`.
    pub fn verify(
        &self,
        group: &SessionId,
        me: &Identity,
        needed: SubaccountFlags,
    ) -> Result<(), ConfigError> {
        self.token_for(group, me, needed).map(|_| ())
    }

    /// Verifies as [`MemberAuth::verify`] and returns the token and `k·T`.
    fn token_for(
        &self,
        group: &SessionId,
        me: &Identity,
        needed: SubaccountFlags,
    ) -> Result<([u8; 36], [u8; 32]), ConfigError> {
        if group.prefix() != IdPrefix::Group {
            return Err(ConfigError::Field("group"));
        }
        let flags = self.flags();
        let needed = needed | SubaccountFlags::READ;
        let [net, ..] = self.head();
        let prefix_ok =
            net == IdPrefix::Group.byte() || flags.0 & SubaccountFlags::ANY_PREFIX.0 != 0;
        if !prefix_ok || flags.0 & needed.0 != needed.0 {
            return Err(ConfigError::Field("auth_data flags"));
        }
        let kt = subaccount_key(&self.k(), &own_point(me)?)?;
        let mut token = [0u8; 36];
        let (head, key) = token.split_at_mut(4);
        head.copy_from_slice(&self.head());
        key.copy_from_slice(&kt);
        let group_pk = Ed25519Public::from_bytes(*group.key());
        verify_ed25519(&group_pk, &token, &self.signature()).map_err(|_| ConfigError::Signature)?;
        Ok((token, kt))
    }

    /// The signer with which `me` authenticates storage requests for group `group` (pass it
    /// as [`crate::storage::Auth::Member`]). The credential is verified first, for reading at
    /// least.
    ///
    /// # Errors
    /// As [`MemberAuth::verify`].
    #[allow(clippy::arithmetic_side_effects)] // scalar arithmetic is modular
    pub fn signer(&self, group: &SessionId, me: &Identity) -> Result<MemberSigner, ConfigError> {
        let (token, public) = self.token_for(group, me, SubaccountFlags::READ)?;
        let a = Zeroizing::new(Scalar::from_bytes_mod_order(
            *crypto::x25519_secret_from_seed(&me.seed()),
        ));
        let negative = me.ed25519_public().as_bytes()[31] & 0x80 != 0;
        let t = Zeroizing::new(if negative { -*a } else { *a });
        let k = Zeroizing::new(self.k());
        let nonce_key = crypto::blake2b_256_keyed(SEED_KEY, &[&me.seed()[..]]);
        let secret = Zeroizing::new(*k * *t);
        Ok(MemberSigner::new(
            *group,
            token,
            self.signature(),
            public,
            secret,
            nonce_key,
        ))
    }
}

/// `|A|`: the member's own Ed25519 key with the sign bit cleared, as a point.
fn own_point(me: &Identity) -> Result<EdwardsPoint, ConfigError> {
    let mut t = *me.ed25519_public().as_bytes();
    t[31] &= 0x7f;
    crypto::decode_canonical_point(&t).ok_or(ConfigError::Field("member"))
}
