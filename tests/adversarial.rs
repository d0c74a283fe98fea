//! Boundary cases against libsodium's behaviour: Ed25519 verification strictness, X25519
//! small-order inputs at every entry point, and secrets kept out of Debug output.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{
    BlindedDmError, EncryptError, encrypt_blinded_dm, encrypt_for_recipient,
};
use session_protocol::onion::{NodeSecret, PeelError, parse_entry, peel};
use session_protocol::{IdPrefix, Identity, SessionId, verify_ed25519};
use sha2::{Digest, Sha512};

/// L, the order of the prime subgroup, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = u8::try_from(s & 0xff).unwrap();
        carry = s >> 8;
    }
    out
}

fn challenge(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
    let h: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(a)
        .chain_update(m)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&h)
}

#[test]
fn ed25519_verification_is_exactly_as_strict_as_libsodium() {
    let me = Identity::from_seed(&[7; 32]);
    let a = me.ed25519_public();
    let sig = me.sign(b"m");
    assert_eq!(verify_ed25519(&a, b"m", &sig), Ok(()));

    // Non-canonical S (S + L): refused, although S + L = S mod L.
    let mut s_plus_l = sig;
    let s: [u8; 32] = sig[32..].try_into().unwrap();
    s_plus_l[32..].copy_from_slice(&add_le(&s, &L));
    assert!(verify_ed25519(&a, b"m", &s_plus_l).is_err());
    // High bits of S set.
    let mut high = sig;
    high[63] |= 0xe0;
    assert!(verify_ed25519(&a, b"m", &high).is_err());

    // Small-order keys with the trivial forgery (R = identity, S = 0 verifies under a plain
    // cofactorless check for the identity key): refused for every small-order key.
    let mut identity_r = [0u8; 64];
    identity_r[0] = 1;
    let vk =
        ed25519_dalek::VerifyingKey::from_bytes(&EdwardsPoint::default().compress().to_bytes())
            .unwrap();
    let forged = ed25519_dalek::Signature::from_bytes(&identity_r);
    use ed25519_dalek::Verifier;
    assert!(
        vk.verify(b"anything", &forged).is_ok(),
        "the trap: dalek's plain verify accepts this"
    );
    for t in EIGHT_TORSION {
        let small = t.compress().to_bytes();
        assert!(verify_ed25519(&small, b"anything", &identity_r).is_err());
        // Small-order R with a real key.
        let mut r_small = sig;
        r_small[..32].copy_from_slice(&small);
        assert!(verify_ed25519(&a, b"m", &r_small).is_err());
    }

    // Non-canonical key encodings (y >= p): refused.
    for y in 0u8..19 {
        let mut non = [0xffu8; 32];
        non[31] = 0x7f;
        non[0] = 0xed + y;
        assert!(verify_ed25519(&non, b"m", &sig).is_err());
    }

    // A mixed-order key (prime-order part plus an 8-torsion part) is not small-order and is
    // canonical, so libsodium verifies signatures under it cofactorlessly: a signature whose
    // challenge is a multiple of 8 verifies. The crate accepts it too.
    let secret = Scalar::from_bytes_mod_order([3; 32]);
    let mixed = (ED25519_BASEPOINT_POINT * secret + EIGHT_TORSION[1])
        .compress()
        .to_bytes();
    let r = Scalar::from_bytes_mod_order([5; 32]);
    let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
    let (msg, h) = (0u32..)
        .map(|i| i.to_le_bytes())
        .map(|m| (m, challenge(&big_r, &mixed, &m)))
        .find(|(_, h)| h.as_bytes()[0] % 8 == 0)
        .unwrap();
    let s = r + h * secret;
    let mut mixed_sig = [0u8; 64];
    mixed_sig[..32].copy_from_slice(&big_r);
    mixed_sig[32..].copy_from_slice(s.as_bytes());
    assert_eq!(verify_ed25519(&mixed, &msg, &mixed_sig), Ok(()));
    // ... but its X25519 conversion is refused (not in the prime-order subgroup).
    assert!(session_protocol::ed25519_to_x25519(&mixed).is_err());
}

/// libsodium's X25519 small-order blocklist (u-coordinates, little-endian).
fn blocklist() -> Vec<[u8; 32]> {
    let hex = |s: &str| -> [u8; 32] {
        (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap()
    };
    let mut p_minus_1 = [0xffu8; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0u8; 32];
    one[0] = 1;
    vec![
        [0u8; 32],
        one,
        hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        p_minus_1,
        p,
        p_plus_1,
    ]
}

#[test]
fn x25519_small_order_inputs_are_refused_wherever_libsodium_refuses() {
    let node = NodeSecret::from_x25519_secret([9; 32]);
    let alice = Identity::from_seed(&[1; 32]);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    for u in blocklist() {
        // As an onion ephemeral key: refused before or at key agreement.
        let json = format!(
            r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            u.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut packet = [&64u32.to_le_bytes()[..], &[0u8; 64], json.as_bytes()].concat();
        let err = parse_entry(&mut packet)
            .and_then(|l| peel(&node, l).map(|_| ()))
            .unwrap_err();
        assert_eq!(err, PeelError::WeakKey, "{u:02x?}");
        // As a recipient's Session ID key: no sealed box is made to it.
        let to = SessionId::new(IdPrefix::Standard, u);
        let err = encrypt_for_recipient(&alice, &to, b"x", &mut rng).unwrap_err();
        assert!(
            matches!(err, EncryptError::InvalidRecipient),
            "{u:02x?}: {err:?}"
        );
    }
    // Small-order blinded keys are not usable DM recipients.
    for t in EIGHT_TORSION {
        let id = SessionId::new(IdPrefix::Blinded25, t.compress().to_bytes());
        assert_eq!(
            encrypt_blinded_dm(&alice, &id, &[1; 32], b"x", &mut rng).unwrap_err(),
            BlindedDmError::InvalidKey
        );
    }
}

#[test]
fn no_secret_appears_in_debug_output() {
    use session_protocol::Blinding;
    use session_protocol::onion::{Destination, HopCipher, HopDraw, NodeKeys, build_request};
    let seed = [0x5a; 32];
    let me = Identity::from_seed(&seed);
    let secrets_hex: Vec<String> = [
        seed.to_vec(),
        me.libsodium_secret_key().to_vec(),
        me.version_key().libsodium_secret_key()[..32].to_vec(),
    ]
    .iter()
    .map(|s| s.iter().map(|b| format!("{b:02x}")).collect())
    .collect();
    let node = NodeSecret::from_identity(&me);
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let keys = NodeKeys::from_identity(&me);
    let onion = build_request(
        &[keys],
        &Destination::Node(keys),
        b"{}",
        HopCipher::XChaCha20,
        &mut rng,
    )
    .unwrap();
    let outputs = [
        format!("{me:?}"),
        format!("{node:?}"),
        format!("{:?}", me.version_key()),
        format!(
            "{:?}",
            me.blinded_keypair(Blinding::Blind25, &[1; 32]).unwrap()
        ),
        format!("{:?}", onion.response),
        format!("{:?}", HopDraw::from_rng(&mut rng)),
        format!("{onion:?}"),
    ];
    for out in &outputs {
        for secret in &secrets_hex {
            assert!(!out.contains(&secret[..16]), "{out}");
        }
        // Byte-array renderings of the seed.
        assert!(!out.contains("90, 90, 90, 90"), "{out}");
    }
}
