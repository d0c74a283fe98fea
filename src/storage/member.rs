//! A group member's request signer: signs storage requests for a `03` group's swarm as the
//! subaccount its admin issued (see [`crate::config::MemberAuth`]).

use core::fmt;

use curve25519_dalek::scalar::Scalar;
use zeroize::Zeroizing;

use super::SubaccountFlags;
use crate::crypto;
use crate::identity::{Ed25519Public, SessionId};

const SIG_KEY: &[u8; 13] = b"SubaccountSig";

/// A group member's request signer, made by [`crate::config::MemberAuth::signer`]: signs with the scalar
/// `k·t`, so that signatures verify as plain Ed25519 under the token's key `k·T`. Nonces are
/// derived as libsession derives them (BLAKE2b keyed `"SubaccountSig"` over a hash of the
/// member's seed, `k·T` and the message), so signatures are byte-identical to its clients'.
/// Wiped on drop; its `Debug` shows only the group.
pub struct MemberSigner {
    group: SessionId,
    token: [u8; 36],
    token_signature: [u8; 64],
    public: [u8; 32],
    secret: Zeroizing<Scalar>,
    nonce_key: Zeroizing<[u8; 32]>,
}

// Wiped on drop by its `Zeroizing` fields (the secret scalar and the nonce key).
impl zeroize::ZeroizeOnDrop for MemberSigner {}

impl fmt::Debug for MemberSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemberSigner")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl MemberSigner {
    pub(crate) fn new(
        group: SessionId,
        token: [u8; 36],
        token_signature: [u8; 64],
        public: [u8; 32],
        secret: Zeroizing<Scalar>,
        nonce_key: Zeroizing<[u8; 32]>,
    ) -> Self {
        Self {
            group,
            token,
            token_signature,
            public,
            secret,
            nonce_key,
        }
    }

    /// The group account the signer acts for.
    pub fn group(&self) -> &SessionId {
        &self.group
    }

    /// The subaccount token (`03 || flags || 00 00 || k·T`), sent as `subaccount`.
    pub fn token(&self) -> &[u8; 36] {
        &self.token
    }

    /// The group's signature over the token, sent as `subaccount_sig`.
    pub fn token_signature(&self) -> &[u8; 64] {
        &self.token_signature
    }

    /// The subaccount's Ed25519 public key `k·T`, under which [`MemberSigner::sign`]
    /// signatures verify.
    pub fn public(&self) -> Ed25519Public {
        Ed25519Public::from_bytes(self.public)
    }

    /// What the token allows.
    pub fn flags(&self) -> SubaccountFlags {
        SubaccountFlags(self.token[1])
    }

    /// An Ed25519 signature of `msg` under [`MemberSigner::public`].
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let inner = &*self.nonce_key;
        let wide = crypto::blake2b_512_keyed(SIG_KEY, &[inner, &self.public, msg]);
        let r = Zeroizing::new(crypto::reduce64(&wide));
        crypto::sign_with_nonce(&r, &self.secret, &self.public, msg)
    }
}
