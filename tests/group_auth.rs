//! Group members' swarm credentials (`config::MemberAuth`, `storage::MemberSigner`) against
//! libsession-util's known answers (`tests/vectors/group-auth-vectors.json`), and the server
//! side (`storage::verify_request`) with every refusal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use base64ct::{Base64, Encoding};
use common::hex::{hex, unhex, unhex_array};
use proptest::prelude::*;
use serde_json::Value as Json;
use session_protocol::config::{ConfigError, MemberAuth, member_token};
use session_protocol::storage::request::{self, MIN_TTL_MS, RetrieveLimits};
use session_protocol::storage::{
    Auth, ExpireMode, Namespace, Namespaces, RequestError, SignedRequest, SubaccountFlags,
    VerifyError, verify_request,
};
use session_protocol::{Ed25519Public, IdPrefix, Identity, SessionId, verify_ed25519};

const NOW: u64 = 1_700_000_000_000;

fn vectors() -> Json {
    serde_json::from_str(include_str!("vectors/group-auth-vectors.json")).unwrap()
}

fn s<'a>(v: &'a Json, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("vector field {k}"))
}

fn group() -> (Identity, SessionId) {
    let v = vectors();
    let group = Identity::from_seed(&unhex_array(s(&v, "group_seed")));
    let id = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
    assert_eq!(id.to_string(), s(&v, "group_id"));
    (group, id)
}

fn group_of(seed: u8) -> (Identity, SessionId) {
    let group = Identity::from_seed(&[seed; 32]);
    let id = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
    (group, id)
}

#[test]
fn credentials_tokens_and_signatures_match_libsession() {
    let v = vectors();
    let (group, group_id) = group();
    let message = s(&v, "message").as_bytes();
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let mut saw_negative = false;
    for m in members {
        let me = Identity::from_seed(&unhex_array(s(m, "seed")));
        assert_eq!(me.session_id().to_string(), s(m, "session_id"));
        saw_negative |= me.ed25519_public().as_bytes()[31] & 0x80 != 0;

        // The admin side: the 100 bytes, with k in bytes 4..36.
        let flags = SubaccountFlags::READ | SubaccountFlags::WRITE;
        let auth = MemberAuth::new(&group, &me.session_id(), flags).unwrap();
        assert_eq!(hex(auth.as_bytes()), s(m, "auth_data"));
        assert_eq!(hex(&auth.as_bytes()[4..36]), s(m, "k"));
        assert_eq!(auth.flags(), flags);
        // READ is implied.
        let implied = MemberAuth::new(&group, &me.session_id(), SubaccountFlags::WRITE).unwrap();
        assert_eq!(implied, auth);
        if let Some(rwd) = m.get("auth_data_write_delete") {
            let rwd_auth =
                MemberAuth::new(&group, &me.session_id(), flags | SubaccountFlags::DELETE).unwrap();
            assert_eq!(hex(rwd_auth.as_bytes()), rwd.as_str().unwrap());
        }

        // The member side: token, the admin's signature, and libsession's own signature.
        let signer = auth.signer(&group_id, &me).unwrap();
        assert_eq!(Base64::encode_string(signer.token()), s(m, "subaccount"));
        assert_eq!(
            Base64::encode_string(signer.token_signature()),
            s(m, "subaccount_sig")
        );
        let sig = signer.sign(message);
        assert_eq!(Base64::encode_string(&sig), s(m, "signature"));
        assert_eq!(signer.group(), &group_id);
        assert_eq!(signer.flags(), flags);
        if let Some(kt) = m.get("kT") {
            assert_eq!(hex(signer.public().as_bytes()), kt.as_str().unwrap());
        }
        // A plain Ed25519 signature under the token's key.
        assert_eq!(verify_ed25519(&signer.public(), message, &sig), Ok(()));

        // The token the admin revokes is the member's.
        assert_eq!(
            &member_token(&group, &me.session_id(), flags).unwrap(),
            signer.token()
        );
        if let Some(ro) = m.get("token_read_only") {
            let token = member_token(&group, &me.session_id(), SubaccountFlags::READ).unwrap();
            assert_eq!(hex(&token), ro.as_str().unwrap());
        }

        // What the member receives parses back to the same credential.
        let received = MemberAuth::from_bytes(&unhex(s(m, "auth_data"))).unwrap();
        assert_eq!(received, auth);
        assert_eq!(received.verify(&group_id, &me, flags), Ok(()));
    }
    assert!(saw_negative, "one vector member must have a negative key");
}

#[test]
fn admins_issue_credentials_from_their_key_state_and_members_cannot() {
    use session_protocol::config::GroupKeys;
    let (group, group_id) = group_of(3);
    let admin = Identity::from_seed(&[1; 32]);
    let member = Identity::from_seed(&[5; 32]);
    let gpk = group.ed25519_public();
    let keys = GroupKeys::new(&admin, &gpk, Some(&group)).unwrap();
    let flags = SubaccountFlags::READ | SubaccountFlags::WRITE;
    let auth = keys.member_auth(&member.session_id(), flags).unwrap();
    assert_eq!(
        auth,
        MemberAuth::new(&group, &member.session_id(), flags).unwrap()
    );
    assert_eq!(auth.verify(&group_id, &member, flags), Ok(()));
    // The token to revoke is the credential's, READ added as issuing adds it.
    let signer = auth.signer(&group_id, &member).unwrap();
    assert_eq!(
        &keys.member_token(&member.session_id(), flags).unwrap(),
        signer.token()
    );
    let write_only = MemberAuth::new(&group, &member.session_id(), SubaccountFlags::WRITE)
        .unwrap()
        .signer(&group_id, &member)
        .unwrap();
    assert_eq!(
        &member_token(&group, &member.session_id(), SubaccountFlags::WRITE).unwrap(),
        write_only.token()
    );
    let as_member = GroupKeys::new(&member, &gpk, None).unwrap();
    assert_eq!(
        as_member.member_auth(&admin.session_id(), flags),
        Err(ConfigError::ReadOnly)
    );
    assert_eq!(
        as_member.member_token(&admin.session_id(), flags),
        Err(ConfigError::ReadOnly)
    );
}

#[test]
fn every_bit_flip_is_refused_except_the_ignored_top_bit_of_k() {
    let v = vectors();
    let (_, group_id) = group();
    let m = &v["members"][0];
    let me = Identity::from_seed(&unhex_array(s(m, "seed")));
    let good = unhex(s(m, "auth_data"));
    let mut accepted = Vec::new();
    for byte in 0..good.len() {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[byte] ^= 1 << bit;
            let auth = MemberAuth::from_bytes(&bad).unwrap();
            if auth.verify(&group_id, &me, SubaccountFlags::READ).is_ok() {
                accepted.push((byte, bit));
            }
        }
    }
    // Byte 35 bit 7 is the top bit of k, which the scalar multiplication ignores, as
    // libsession's test notes; every other flip breaks the prefix, the flags, the token or
    // the group's signature. (Bits 2 and 3 of byte 1 add DELETE or ANY_PREFIX, which change
    // the signed token.)
    assert_eq!(accepted, vec![(35, 7)]);
}

#[test]
fn refusals_have_their_errors() {
    let v = vectors();
    let (group, group_id) = group();
    let m = &v["members"][0];
    let me = Identity::from_seed(&unhex_array(s(m, "seed")));
    let auth = MemberAuth::from_bytes(&unhex(s(m, "auth_data"))).unwrap();

    for len in [0, 36, 99, 101] {
        assert_eq!(
            MemberAuth::from_bytes(&vec![3; len]),
            Err(ConfigError::Field("auth_data"))
        );
    }
    // Another member cannot use it.
    let other = Identity::from_seed(&[9; 32]);
    assert_eq!(
        auth.verify(&group_id, &other, SubaccountFlags::READ),
        Err(ConfigError::Signature)
    );
    assert!(matches!(
        auth.signer(&group_id, &other),
        Err(ConfigError::Signature)
    ));
    // Nor for another group, nor with a group id that is not 03.
    let (_, other_group) = group_of(8);
    assert_eq!(
        auth.verify(&other_group, &me, SubaccountFlags::READ),
        Err(ConfigError::Signature)
    );
    let not_group = SessionId::new(IdPrefix::Standard, *group_id.key());
    assert_eq!(
        auth.verify(&not_group, &me, SubaccountFlags::READ),
        Err(ConfigError::Field("group"))
    );
    // More than it was issued for.
    assert_eq!(
        auth.verify(&group_id, &me, SubaccountFlags::DELETE),
        Err(ConfigError::Field("auth_data flags"))
    );
    // A credential without READ, or for another network, is refused before any curve work.
    let mut no_read = *auth.as_bytes();
    no_read[1] = SubaccountFlags::WRITE.0;
    assert_eq!(
        MemberAuth::from_bytes(&no_read).unwrap().verify(
            &group_id,
            &me,
            SubaccountFlags::default()
        ),
        Err(ConfigError::Field("auth_data flags"))
    );
    let mut other_net = *auth.as_bytes();
    other_net[0] = 0x05;
    assert_eq!(
        MemberAuth::from_bytes(&other_net)
            .unwrap()
            .verify(&group_id, &me, SubaccountFlags::READ),
        Err(ConfigError::Field("auth_data flags"))
    );
    // Only 05 members have credentials.
    let (_, not_a_member) = group_of(4);
    assert_eq!(
        MemberAuth::new(&group, &not_a_member, SubaccountFlags::READ),
        Err(ConfigError::Field("member"))
    );
    assert_eq!(
        member_token(&group, &not_a_member, SubaccountFlags::READ),
        Err(ConfigError::Field("member"))
    );
    // Debug shows neither k nor the signature.
    let shown = format!("{auth:?} {:?}", auth.signer(&group_id, &me).unwrap());
    assert!(
        !shown.contains(&s(m, "k")[..8]) && !shown.contains("013c"),
        "{shown}"
    );
    assert!(shown.contains("MemberAuth") && shown.contains("MemberSigner"));
}

/// The signed params of a call, decoded.
fn auth_params(call: &request::Call) -> ([u8; 64], [u8; 36], [u8; 64], Json) {
    let p: Json = serde_json::from_slice(call.params()).unwrap();
    let b = |k: &str| Base64::decode_vec(p[k].as_str().unwrap()).unwrap();
    (
        b("signature").try_into().unwrap(),
        b("subaccount").try_into().unwrap(),
        b("subaccount_sig").try_into().unwrap(),
        p,
    )
}

#[test]
fn members_sign_requests_the_server_accepts() {
    let v = vectors();
    let (group, group_id) = group();
    let m = &v["members"][0];
    let me = Identity::from_seed(&unhex_array(s(m, "seed")));
    let signer = MemberAuth::new(&group, &me.session_id(), SubaccountFlags::WRITE)
        .unwrap()
        .signer(&group_id, &me)
        .unwrap();
    let auth = Auth::Member(&signer);

    let call = request::retrieve(
        &group_id,
        Namespace::GROUP_MESSAGES,
        None,
        RetrieveLimits::default(),
        NOW,
        Some(&auth),
    )
    .unwrap();
    let (sig, token, token_sig, p) = auth_params(&call);
    assert_eq!(p["pubkey"], group_id.to_string());
    assert!(p.get("pubkey_ed25519").is_none());
    assert_eq!(&token, signer.token());
    assert_eq!(&token_sig, signer.token_signature());
    let signed = SignedRequest::Retrieve {
        namespace: Namespace::GROUP_MESSAGES,
        timestamp_ms: NOW,
    };
    assert_eq!(
        verify_request(&group_id, &signed, &sig, None, Some((&token, &token_sig))),
        Ok(())
    );

    let call = request::store(
        &group_id,
        Namespace::GROUP_MESSAGES,
        b"hello",
        MIN_TTL_MS,
        NOW,
        Some(&auth),
    )
    .unwrap();
    let (sig, token, token_sig, _) = auth_params(&call);
    let stored = SignedRequest::Store {
        namespace: Namespace::GROUP_MESSAGES,
        timestamp_ms: NOW,
    };
    assert_eq!(
        verify_request(&group_id, &stored, &sig, None, Some((&token, &token_sig))),
        Ok(())
    );

    // A signer for one group cannot sign for another account.
    let (_, other_group) = group_of(8);
    assert_eq!(
        request::store(
            &other_group,
            Namespace::GROUP_MESSAGES,
            b"hello",
            MIN_TTL_MS,
            NOW,
            Some(&auth)
        ),
        Err(RequestError::WrongSigner)
    );
}

#[test]
fn the_server_side_refuses_each_failure() {
    let (group, group_id) = group_of(3);
    let member = Identity::from_seed(&[5; 32]);
    let signer = MemberAuth::new(&group, &member.session_id(), SubaccountFlags::WRITE)
        .unwrap()
        .signer(&group_id, &member)
        .unwrap();
    let token = *signer.token();
    let token_sig = *signer.token_signature();
    let sub = Some((&token, &token_sig));
    let retrieve = SignedRequest::Retrieve {
        namespace: Namespace::GROUP_MESSAGES,
        timestamp_ms: NOW,
    };
    let sig = signer.sign(&retrieve.message());
    assert_eq!(
        verify_request(&group_id, &retrieve, &sig, None, sub),
        Ok(())
    );

    // The request signature must cover this exact request.
    let later = SignedRequest::Retrieve {
        namespace: Namespace::GROUP_MESSAGES,
        timestamp_ms: NOW + 1,
    };
    assert_eq!(
        verify_request(&group_id, &later, &sig, None, sub),
        Err(VerifyError::Signature)
    );
    // The group's signature must cover the token.
    let mut forged = token;
    forged[1] |= SubaccountFlags::DELETE.0;
    assert_eq!(
        verify_request(
            &group_id,
            &retrieve,
            &sig,
            None,
            Some((&forged, &token_sig))
        ),
        Err(VerifyError::SubaccountSignature)
    );
    // Permissions: a read-write member cannot delete or shorten, and nobody revokes with a
    // subaccount.
    let hashes = ["a".repeat(43)];
    let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
    for (request, want) in [
        (
            SignedRequest::Delete { hashes: &hashes },
            VerifyError::SubaccountFlags,
        ),
        (
            SignedRequest::DeleteAll {
                namespaces: Namespaces::All,
                timestamp_ms: NOW,
            },
            VerifyError::SubaccountFlags,
        ),
        (
            SignedRequest::Expire {
                mode: ExpireMode::Shorten,
                expiry_ms: NOW,
                hashes: &hashes,
            },
            VerifyError::SubaccountFlags,
        ),
        (
            SignedRequest::Store {
                namespace: Namespace(-21),
                timestamp_ms: NOW,
            },
            VerifyError::SubaccountFlags,
        ),
        (
            SignedRequest::RevokeSubaccount {
                timestamp_ms: NOW,
                tokens: &[token],
            },
            VerifyError::SubaccountNotAllowed,
        ),
    ] {
        let sig = signer.sign(&request.message());
        assert_eq!(
            verify_request(&group_id, &request, &sig, None, sub),
            Err(want),
            "{request:?}"
        );
    }
    // ... but may extend expiries and list them.
    for request in [
        SignedRequest::Expire {
            mode: ExpireMode::Extend,
            expiry_ms: NOW,
            hashes: &hashes,
        },
        SignedRequest::GetExpiries {
            timestamp_ms: NOW,
            hashes: &hashes,
        },
    ] {
        let sig = signer.sign(&request.message());
        assert_eq!(verify_request(&group_id, &request, &sig, None, sub), Ok(()));
    }
    // A group token used on a 05 account of the same key is for the wrong network.
    let lookalike = SessionId::new(IdPrefix::Standard, *group_id.key());
    let ed = group.ed25519_public();
    assert_eq!(
        verify_request(&lookalike, &retrieve, &sig, Some(&ed), sub),
        Err(VerifyError::WrongEd25519Key)
    );

    // Without a subaccount: the owner's own key.
    let owner_sig = group.sign(&retrieve.message());
    assert_eq!(
        verify_request(&group_id, &retrieve, &owner_sig, None, None),
        Ok(())
    );
    assert_eq!(
        verify_request(&group_id, &retrieve, &sig, None, None),
        Err(VerifyError::Signature)
    );
    assert_eq!(
        verify_request(&group_id, &retrieve, &owner_sig, Some(&ed), None),
        Err(VerifyError::WrongEd25519Key)
    );
    // A 05 account: pubkey_ed25519 is required and must be the account's.
    let alice = Identity::from_seed(&[1; 32]);
    let alice_id = alice.session_id();
    let alice_sig = alice.sign(&retrieve.message());
    assert_eq!(
        verify_request(
            &alice_id,
            &retrieve,
            &alice_sig,
            Some(&alice.ed25519_public()),
            None
        ),
        Ok(())
    );
    assert_eq!(
        verify_request(&alice_id, &retrieve, &alice_sig, None, None),
        Err(VerifyError::MissingEd25519Key)
    );
    assert_eq!(
        verify_request(&alice_id, &retrieve, &alice_sig, Some(&ed), None),
        Err(VerifyError::WrongEd25519Key)
    );
    let off_curve = Ed25519Public::from_bytes([0xff; 32]);
    assert_eq!(
        verify_request(&alice_id, &retrieve, &alice_sig, Some(&off_curve), None),
        Err(VerifyError::WrongEd25519Key)
    );
    // A 05 account's own subaccount: the token must carry its network byte.
    let alice_token = session_protocol::storage::subaccount_token(
        IdPrefix::Standard,
        SubaccountFlags::READ,
        member.ed25519_public().as_bytes(),
    );
    let alice_token_sig = alice.sign(&alice_token);
    let member_sig = member.sign(&retrieve.message());
    let ed = alice.ed25519_public();
    assert_eq!(
        verify_request(
            &alice_id,
            &retrieve,
            &member_sig,
            Some(&ed),
            Some((&alice_token, &alice_token_sig))
        ),
        Ok(())
    );
    assert_eq!(
        verify_request(
            &group_id,
            &retrieve,
            &member_sig,
            None,
            Some((&alice_token, &alice_token_sig))
        ),
        Err(VerifyError::SubaccountPrefix)
    );
    // ANY_PREFIX lifts the network check (the owner's signature still has to match).
    let any = session_protocol::storage::subaccount_token(
        IdPrefix::Standard,
        SubaccountFlags::READ | SubaccountFlags::ANY_PREFIX,
        member.ed25519_public().as_bytes(),
    );
    let any_sig = group.sign(&any);
    assert_eq!(
        verify_request(
            &group_id,
            &retrieve,
            &member_sig,
            None,
            Some((&any, &any_sig))
        ),
        Ok(())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Any group, any member, any flags: the member's signatures pass the server's checks
    /// exactly when the flags allow the request.
    #[test]
    fn any_member_signs_what_its_flags_allow(
        group_seed in any::<[u8; 32]>(),
        member_seed in any::<[u8; 32]>(),
        flags in 0u8..8,
        ns in -30i16..30,
    ) {
        let group = Identity::from_seed(&group_seed);
        let group_id = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
        let me = Identity::from_seed(&member_seed);
        let auth = MemberAuth::new(&group, &me.session_id(), SubaccountFlags(flags)).unwrap();
        prop_assert_eq!(auth.flags().0, flags | 1);
        let signer = auth.signer(&group_id, &me).unwrap();
        prop_assert_eq!(
            signer.token(),
            &member_token(&group, &me.session_id(), auth.flags()).unwrap()
        );
        let sub = Some((signer.token(), signer.token_signature()));
        let store = SignedRequest::Store { namespace: Namespace(ns), timestamp_ms: NOW };
        let sig = signer.sign(&store.message());
        let may_store = flags & 2 != 0 && (!Namespace(ns).is_public_outbox() || flags & 4 != 0);
        prop_assert_eq!(
            verify_request(&group_id, &store, &sig, None, sub).is_ok(),
            may_store
        );
        let retrieve = SignedRequest::Retrieve { namespace: Namespace(ns), timestamp_ms: NOW };
        let sig = signer.sign(&retrieve.message());
        prop_assert_eq!(verify_request(&group_id, &retrieve, &sig, None, sub), Ok(()));
    }
}

#[test]
fn revocation_lists_keep_the_fifty_most_recent_and_exempt_retrieves_from_minus_11() {
    use session_protocol::storage::{REVOCATIONS_KEPT, RevocationList, revoke_answer_message};
    let token = |i: u8| [i; 36];
    let mut list = RevocationList::new();
    assert!(list.is_empty());
    let first: Vec<[u8; 36]> = (0..50).map(token).collect();
    list.revoke(&first);
    assert_eq!(list.len(), REVOCATIONS_KEPT);
    // Revoking 0 again makes it the most recent: 1 lapses when 50 arrives, not 0.
    list.revoke(&[token(0)]);
    list.revoke(&[token(50)]);
    assert_eq!(list.len(), 50);
    assert!(list.contains(&token(0)) && list.contains(&token(50)));
    assert!(!list.contains(&token(1)) && list.contains(&token(2)));
    // Unrevoking counts what was revoked.
    assert_eq!(list.unrevoke(&[token(2), token(1), token(200)]), 1);
    assert_eq!(list.len(), 49);
    // `apply` does either.
    use session_protocol::storage::Revocation;
    list.apply(Revocation::Revoke, &[token(2)]);
    assert!(list.contains(&token(2)) && list.len() == 50);
    list.apply(Revocation::Unrevoke, &[token(2)]);
    assert!(!list.contains(&token(2)) && list.len() == 49);

    let read = |ns: i16| SignedRequest::Retrieve {
        namespace: Namespace(ns),
        timestamp_ms: NOW,
    };
    let store = |ns: i16| SignedRequest::Store {
        namespace: Namespace(ns),
        timestamp_ms: NOW,
    };
    for ns in [11, 12, 0, -10, 111] {
        assert!(list.refuses(&token(0), &read(ns)), "{ns}");
    }
    for ns in [-11, -111] {
        assert!(!list.refuses(&token(0), &read(ns)), "{ns}");
        assert!(list.refuses(&token(0), &store(ns)), "{ns}");
    }
    assert!(!list.refuses(&token(2), &read(11)), "not revoked");

    // What the nodes sign back: the account's hex, the timestamp, the raw tokens.
    let (_, gid) = group_of(3);
    let signed = revoke_answer_message(&gid, 17, &[token(1), token(2)]);
    let mut want = format!("{gid}17").into_bytes();
    want.extend_from_slice(&token(1));
    want.extend_from_slice(&token(2));
    assert_eq!(signed, want);
}
