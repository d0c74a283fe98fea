//! Storage RPC requests: exact JSON per method, signatures that verify over the exact signed
//! strings, and a typed error for every refusal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use base64ct::{Base64, Base64Unpadded, Encoding};
use proptest::prelude::*;
use serde_json::{Value, json};
use session_protocol::storage::request::{
    self, MAX_HASHES, MAX_MESSAGE_SIZE, MAX_SUBREQUESTS, MAX_TTL_PRIVATE_MS, MAX_TTL_PUBLIC_MS,
    MIN_TTL_MS, RetrieveLimits,
};
use session_protocol::storage::{
    Auth, Call, ExpireMode, Method, Namespace, Namespaces, RequestError, SignedRequest,
    SubaccountFlags, message_hash, sign_subaccount_token, subaccount_token,
};
use session_protocol::{Ed25519Public, IdPrefix, Identity, SessionId, verify_ed25519};

const NOW: u64 = 1_700_000_000_123;

fn body(call: &Call) -> Value {
    let v: Value = serde_json::from_slice(&call.to_json()).expect("valid JSON");
    assert_eq!(v["method"], call.method().as_str());
    let params: Value = serde_json::from_slice(call.params()).expect("params are JSON");
    assert_eq!(v["params"], params);
    params
}

fn sig_of(params: &Value) -> [u8; 64] {
    let text = params["signature"].as_str().expect("signature");
    Base64::decode_vec(text)
        .expect("padded base64")
        .try_into()
        .expect("64 bytes")
}

/// Checks the request's signature against `signer`'s key over exactly `signed`'s bytes.
fn assert_signed(params: &Value, signer: &Identity, signed: SignedRequest<'_>) {
    let sig = sig_of(params);
    assert_eq!(
        verify_ed25519(&signer.ed25519_public(), &signed.message(), &sig),
        Ok(())
    );
}

fn hashes(n: usize) -> Vec<String> {
    let bob = Identity::from_seed(&[2; 32]).session_id();
    (0..n)
        .map(|i| message_hash(&bob, Namespace::DEFAULT, &i.to_le_bytes()))
        .collect()
}

#[test]
fn unsigned_store_in_a_public_inbox_is_exactly_the_server_shape() {
    let bob = Identity::from_seed(&[2; 32]).session_id();
    let call = request::store(&bob, Namespace::DEFAULT, b"hi", 86_400_000, NOW, None).unwrap();
    assert_eq!(call.method(), Method::Store);
    assert_eq!(
        String::from_utf8(call.to_json()).unwrap(),
        format!(
            r#"{{"method":"store","params":{{"pubkey":"{bob}","namespace":0,"timestamp":{NOW},"ttl":86400000,"data":"aGk="}}}}"#
        )
    );
    // Buffers can be reused: `to_json_into` appends.
    let mut buf = b"prefix".to_vec();
    call.to_json_into(&mut buf);
    assert_eq!(&buf[6..], call.to_json());
}

#[test]
fn signed_store_carries_sig_timestamp_pubkey_and_a_valid_signature() {
    let alice = Identity::from_seed(&[1; 32]);
    let me = alice.session_id();
    let auth = Auth::Account(&alice);
    let call = request::store(
        &me,
        Namespace::USER_PROFILE,
        b"config",
        MAX_TTL_PRIVATE_MS,
        NOW,
        Some(&auth),
    )
    .unwrap();
    let p = body(&call);
    assert_eq!(p["namespace"], 2);
    assert_eq!(p["sig_timestamp"], NOW);
    assert_eq!(p["timestamp"], NOW);
    assert_eq!(p["pubkey_ed25519"], alice.ed25519_public().to_string());
    assert_signed(
        &p,
        &alice,
        SignedRequest::Store {
            namespace: Namespace::USER_PROFILE,
            timestamp_ms: NOW,
        },
    );
}

#[test]
fn a_group_signs_with_its_own_key_and_sends_no_pubkey_param() {
    let group = Identity::from_seed(&[3; 32]);
    let id = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
    let auth = Auth::Account(&group);
    let call = request::retrieve(
        &id,
        Namespace::GROUP_MESSAGES,
        None,
        RetrieveLimits::default(),
        NOW,
        Some(&auth),
    )
    .unwrap();
    let p = body(&call);
    assert_eq!(p["pubkey"], id.to_string());
    assert!(p.get("pubkey_ed25519").is_none());
    assert_signed(
        &p,
        &group,
        SignedRequest::Retrieve {
            namespace: Namespace::GROUP_MESSAGES,
            timestamp_ms: NOW,
        },
    );
    // The same group key may not sign for a 05 account whose X25519 key it is not.
    let other = Identity::from_seed(&[4; 32]).session_id();
    assert_eq!(
        request::retrieve(
            &other,
            Namespace::DEFAULT,
            None,
            RetrieveLimits::default(),
            NOW,
            Some(&auth)
        ),
        Err(RequestError::WrongSigner)
    );
}

#[test]
fn subaccount_auth_sends_token_and_owner_signature_and_signs_with_the_subaccount() {
    let owner = Identity::from_seed(&[5; 32]);
    let group = SessionId::new(IdPrefix::Group, owner.ed25519_public().to_bytes());
    let member = Identity::from_seed(&[6; 32]);
    let token = subaccount_token(
        IdPrefix::Group,
        SubaccountFlags::READ | SubaccountFlags::WRITE,
        member.ed25519_public().as_bytes(),
    );
    let token_sig = sign_subaccount_token(&owner, &token);
    let auth = Auth::Subaccount {
        token: &token,
        token_signature: &token_sig,
        signer: &member,
    };
    let call = request::store(
        &group,
        Namespace::GROUP_MESSAGES,
        b"m",
        MIN_TTL_MS,
        NOW,
        Some(&auth),
    )
    .unwrap();
    let p = body(&call);
    assert_eq!(
        Base64::decode_vec(p["subaccount"].as_str().unwrap()).unwrap(),
        token
    );
    assert_eq!(
        Base64::decode_vec(p["subaccount_sig"].as_str().unwrap()).unwrap(),
        token_sig
    );
    assert!(p.get("pubkey_ed25519").is_none());
    assert_signed(
        &p,
        &member,
        SignedRequest::Store {
            namespace: Namespace::GROUP_MESSAGES,
            timestamp_ms: NOW,
        },
    );
    // A token for another key is refused before signing.
    let stranger = Identity::from_seed(&[7; 32]);
    let wrong = Auth::Subaccount {
        token: &token,
        token_signature: &token_sig,
        signer: &stranger,
    };
    assert_eq!(
        request::store(
            &group,
            Namespace::GROUP_MESSAGES,
            b"m",
            MIN_TTL_MS,
            NOW,
            Some(&wrong)
        ),
        Err(RequestError::WrongSigner)
    );
}

#[test]
fn every_signed_method_signs_its_exact_string() {
    let alice = Identity::from_seed(&[1; 32]);
    let me = alice.session_id();
    let auth = Auth::Account(&alice);
    let hs = hashes(3);
    let hs: Vec<&str> = hs.iter().map(String::as_str).collect();

    let p = body(&request::delete(&me, &hs, &auth).unwrap());
    assert_eq!(p["messages"], json!(hs));
    assert_signed(&p, &alice, SignedRequest::Delete { hashes: &hs });

    for ns in [
        Namespaces::All,
        Namespaces::One(Namespace(-10)),
        Namespaces::One(Namespace(0)),
    ] {
        let p = body(&request::delete_all(&me, ns, NOW, &auth).unwrap());
        match ns {
            Namespaces::All => assert_eq!(p["namespace"], "all"),
            Namespaces::One(n) => assert_eq!(p["namespace"], n.0),
            _ => unreachable!(),
        }
        assert_eq!(p["timestamp"], NOW);
        assert_signed(
            &p,
            &alice,
            SignedRequest::DeleteAll {
                namespaces: ns,
                timestamp_ms: NOW,
            },
        );

        let p = body(&request::delete_before(&me, ns, NOW - 5, &auth).unwrap());
        assert_eq!(p["before"], NOW - 5);
        assert_signed(
            &p,
            &alice,
            SignedRequest::DeleteBefore {
                namespaces: ns,
                before_ms: NOW - 5,
            },
        );

        let p = body(&request::expire_all(&me, ns, NOW + 9, &auth).unwrap());
        assert_eq!(p["expiry"], NOW + 9);
        assert_signed(
            &p,
            &alice,
            SignedRequest::ExpireAll {
                namespaces: ns,
                expiry_ms: NOW + 9,
            },
        );
    }

    for mode in [ExpireMode::Set, ExpireMode::Shorten, ExpireMode::Extend] {
        let p = body(&request::expire(&me, &hs, mode, NOW + 60_000, &auth).unwrap());
        assert_eq!(p["expiry"], NOW + 60_000);
        assert_eq!(p.get("shorten").is_some(), mode == ExpireMode::Shorten);
        assert_eq!(p.get("extend").is_some(), mode == ExpireMode::Extend);
        assert_signed(
            &p,
            &alice,
            SignedRequest::Expire {
                mode,
                expiry_ms: NOW + 60_000,
                hashes: &hs,
            },
        );
    }

    let p = body(&request::get_expiries(&me, &hs, NOW, &auth).unwrap());
    assert_eq!(p["messages"], json!(hs));
    assert_signed(
        &p,
        &alice,
        SignedRequest::GetExpiries {
            timestamp_ms: NOW,
            hashes: &hs,
        },
    );
}

#[test]
fn retrieve_carries_last_hash_and_limits() {
    let alice = Identity::from_seed(&[1; 32]);
    let me = alice.session_id();
    let auth = Auth::Account(&alice);
    let h = &hashes(1)[0];
    let limits = RetrieveLimits::new().max_count(100).max_size(-4);
    let p = body(
        &request::retrieve(&me, Namespace::DEFAULT, Some(h), limits, NOW, Some(&auth)).unwrap(),
    );
    assert_eq!(p["last_hash"], h.as_str());
    assert_eq!(p["max_count"], 100);
    assert_eq!(p["max_size"], -4);
    assert_eq!(p["namespace"], 0);
    // Unsigned where the namespace allows it.
    let p = body(
        &request::retrieve(
            &me,
            Namespace::LEGACY_CLOSED_GROUP,
            None,
            RetrieveLimits::default(),
            NOW,
            None,
        )
        .unwrap(),
    );
    assert_eq!(p["namespace"], -10);
    assert!(p.get("signature").is_none() && p.get("last_hash").is_none());
    // Without a signature no timestamp either (the server would then demand the signature).
    assert!(p.get("timestamp").is_none() && p.get("pubkey_ed25519").is_none());
}

#[test]
fn get_swarm_info_batch_and_sequence() {
    let bob = Identity::from_seed(&[2; 32]).session_id();
    assert_eq!(
        request::get_swarm(&bob).unwrap().to_json(),
        format!(r#"{{"method":"get_swarm","params":{{"pubkey":"{bob}"}}}}"#).into_bytes()
    );
    assert_eq!(
        request::info().to_json(),
        br#"{"method":"info","params":{}}"#
    );

    let calls = vec![request::info(), request::get_swarm(&bob).unwrap()];
    for (call, method) in [
        (request::batch(&calls).unwrap(), "batch"),
        (request::sequence(&calls).unwrap(), "sequence"),
    ] {
        let v: Value = serde_json::from_slice(&call.to_json()).unwrap();
        assert_eq!(v["method"], method);
        assert_eq!(
            v["params"]["requests"][0],
            json!({"method": "info", "params": {}})
        );
        assert_eq!(
            v["params"]["requests"][1]["params"]["pubkey"],
            bob.to_string()
        );
        assert_eq!(v["params"]["requests"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn every_refusal_has_its_error() {
    let alice = Identity::from_seed(&[1; 32]);
    let me = alice.session_id();
    let auth = Auth::Account(&alice);
    let ns0 = Namespace::DEFAULT;

    // Size: exactly the limit is accepted, one byte more is not.
    let big = vec![0u8; MAX_MESSAGE_SIZE];
    assert!(request::store(&me, ns0, &big, MIN_TTL_MS, NOW, None).is_ok());
    let bigger = vec![0u8; MAX_MESSAGE_SIZE + 1];
    assert_eq!(
        request::store(&me, ns0, &bigger, MIN_TTL_MS, NOW, None),
        Err(RequestError::MessageTooLarge {
            size: MAX_MESSAGE_SIZE + 1
        })
    );

    // TTL bounds per namespace kind, inclusive.
    let public = (MIN_TTL_MS, MAX_TTL_PUBLIC_MS);
    let private = (MIN_TTL_MS, MAX_TTL_PRIVATE_MS);
    for (ns, (min_ms, max_ms), a) in [
        (ns0, public, None),
        (Namespace::CONTACTS, private, Some(&auth)),
    ] {
        assert!(request::store(&me, ns, b"x", min_ms, NOW, a).is_ok());
        assert!(request::store(&me, ns, b"x", max_ms, NOW, a).is_ok());
        for ttl_ms in [min_ms - 1, max_ms + 1, 0, u64::MAX] {
            assert_eq!(
                request::store(&me, ns, b"x", ttl_ms, NOW, a),
                Err(RequestError::TtlOutOfRange {
                    ttl_ms,
                    min_ms,
                    max_ms
                })
            );
        }
    }

    // Signatures where the namespace needs one.
    assert_eq!(
        request::store(&me, Namespace::CONTACTS, b"x", MIN_TTL_MS, NOW, None),
        Err(RequestError::SignatureRequired(Namespace::CONTACTS))
    );
    assert_eq!(
        request::retrieve(&me, ns0, None, RetrieveLimits::default(), NOW, None),
        Err(RequestError::SignatureRequired(ns0))
    );

    // Someone else's key.
    let mallory = Identity::from_seed(&[9; 32]);
    let wrong = Auth::Account(&mallory);
    assert_eq!(
        request::delete_all(&me, Namespaces::All, NOW, &wrong),
        Err(RequestError::WrongSigner)
    );
    // Even where no signature is needed, a wrong one is not sent.
    assert_eq!(
        request::store(&me, ns0, b"x", MIN_TTL_MS, NOW, Some(&wrong)),
        Err(RequestError::WrongSigner)
    );

    // Accounts without swarm storage.
    let blinded = SessionId::new(IdPrefix::Blinded25, [1; 32]);
    assert_eq!(
        request::get_swarm(&blinded),
        Err(RequestError::UnsupportedAccount)
    );
    assert_eq!(
        request::store(&blinded, ns0, b"x", MIN_TTL_MS, NOW, None),
        Err(RequestError::UnsupportedAccount)
    );

    // Hashes: count and shape; a quote cannot reach the JSON.
    let good = hashes(1);
    assert_eq!(
        request::delete(&me, &[], &auth),
        Err(RequestError::HashCount)
    );
    let many = vec![good[0].as_str(); MAX_HASHES + 1];
    assert_eq!(
        request::delete(&me, &many, &auth),
        Err(RequestError::HashCount)
    );
    assert!(request::delete(&me, &many[..MAX_HASHES], &auth).is_ok());
    let injected = format!("{}\"", &good[0][..42]);
    for bad in [
        "",
        &good[0][..42],
        "=",
        injected.as_str(),
        &format!("{}=", &good[0][..42]),
    ] {
        assert_eq!(
            request::delete(&me, &[bad], &auth),
            Err(RequestError::BadHash)
        );
        assert_eq!(
            request::expire(&me, &[bad], ExpireMode::Set, NOW, &auth),
            Err(RequestError::BadHash)
        );
        assert_eq!(
            request::get_expiries(&me, &[bad], NOW, &auth),
            Err(RequestError::BadHash)
        );
        assert_eq!(
            request::retrieve(
                &me,
                ns0,
                Some(bad),
                RetrieveLimits::default(),
                NOW,
                Some(&auth)
            ),
            Err(RequestError::BadHash)
        );
    }

    // Sub-request counts and nesting.
    assert_eq!(request::batch(&[]), Err(RequestError::SubrequestCount));
    let calls = vec![request::info(); MAX_SUBREQUESTS + 1];
    assert_eq!(
        request::sequence(&calls),
        Err(RequestError::SubrequestCount)
    );
    assert!(request::sequence(&calls[..MAX_SUBREQUESTS]).is_ok());
    let inner = request::batch(&calls[..1]).unwrap();
    assert_eq!(
        request::batch(std::slice::from_ref(&inner)),
        Err(RequestError::Nested)
    );
    assert_eq!(request::sequence(&[inner]), Err(RequestError::Nested));
}

#[test]
fn hash_shape_matches_what_message_hash_produces() {
    for h in hashes(50) {
        assert!(request::is_message_hash(&h), "{h}");
        assert_eq!(Base64Unpadded::decode_vec(&h).unwrap().len(), 32);
    }
    assert!(!request::is_message_hash(&"A".repeat(44)));
    assert!(!request::is_message_hash(&"-".repeat(43)));
}

proptest! {
    #[test]
    fn store_round_trips_through_json(
        data in proptest::collection::vec(any::<u8>(), 0..2048),
        ns in any::<i16>(),
        ttl in MIN_TTL_MS..=MAX_TTL_PUBLIC_MS,
        now in any::<u64>(),
        seed in any::<[u8; 32]>(),
    ) {
        let who = Identity::from_seed(&seed);
        let me = who.session_id();
        let auth = Auth::Account(&who);
        let namespace = Namespace(ns);
        let call = request::store(&me, namespace, &data, ttl, now, Some(&auth)).unwrap();
        let p = body(&call);
        prop_assert_eq!(p["namespace"].as_i64(), Some(i64::from(ns)));
        prop_assert_eq!(p["ttl"].as_u64(), Some(ttl));
        prop_assert_eq!(p["timestamp"].as_u64(), Some(now));
        prop_assert_eq!(Base64::decode_vec(p["data"].as_str().unwrap()).unwrap(), data);
        let pk: Ed25519Public = p["pubkey_ed25519"].as_str().unwrap().parse().unwrap();
        prop_assert_eq!(pk, who.ed25519_public());
        let signed = SignedRequest::Store { namespace, timestamp_ms: now };
        prop_assert_eq!(verify_ed25519(&pk, &signed.message(), &sig_of(&p)), Ok(()));
    }
}

#[test]
fn revoke_and_unrevoke_carry_the_tokens_and_the_owners_signature() {
    use session_protocol::config::MemberAuth;
    let group = Identity::from_seed(&[5; 32]);
    let gid = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
    let tokens = [[1u8; 36], [2u8; 36]];
    for (revoke, call) in [
        (
            true,
            request::revoke_subaccount(&gid, &tokens, NOW, &Auth::Account(&group)).unwrap(),
        ),
        (
            false,
            request::unrevoke_subaccount(&gid, &tokens, NOW, &Auth::Account(&group)).unwrap(),
        ),
    ] {
        let p = body(&call);
        let field = if revoke { "revoke" } else { "unrevoke" };
        assert_eq!(
            call.method(),
            if revoke {
                Method::RevokeSubaccount
            } else {
                Method::UnrevokeSubaccount
            }
        );
        assert_eq!(p["pubkey"], gid.to_string());
        assert_eq!(p["timestamp"], NOW);
        let sent: Vec<Vec<u8>> = p[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Base64::decode_vec(t.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(sent, tokens.map(|t| t.to_vec()));
        assert!(p.get("pubkey_ed25519").is_none() && p.get("subaccount").is_none());
        let signed = if revoke {
            SignedRequest::RevokeSubaccount {
                timestamp_ms: NOW,
                tokens: &tokens,
            }
        } else {
            SignedRequest::UnrevokeSubaccount {
                timestamp_ms: NOW,
                tokens: &tokens,
            }
        };
        assert_signed(&p, &group, signed);
    }
    // `revocation` is either, as its action says.
    use session_protocol::storage::Revocation;
    for (action, call) in [
        (
            Revocation::Revoke,
            request::revoke_subaccount(&gid, &tokens, NOW, &Auth::Account(&group)),
        ),
        (
            Revocation::Unrevoke,
            request::unrevoke_subaccount(&gid, &tokens, NOW, &Auth::Account(&group)),
        ),
    ] {
        assert_eq!(
            request::revocation(&gid, action, &tokens, NOW, &Auth::Account(&group)),
            call
        );
    }
    // A 05 account revokes its own subaccounts with its Ed25519 key beside it.
    let me = Identity::from_seed(&[6; 32]);
    let p = body(
        &request::revoke_subaccount(&me.session_id(), &tokens[..1], NOW, &Auth::Account(&me))
            .unwrap(),
    );
    assert_eq!(p["pubkey_ed25519"], me.ed25519_public().to_string());

    // Refusals: no tokens, too many, a subaccount signing, the wrong key.
    assert_eq!(
        request::revoke_subaccount(&gid, &[], NOW, &Auth::Account(&group)),
        Err(RequestError::TokenCount)
    );
    let many = vec![[0u8; 36]; request::MAX_TOKENS + 1];
    assert_eq!(
        request::unrevoke_subaccount(&gid, &many, NOW, &Auth::Account(&group)),
        Err(RequestError::TokenCount)
    );
    assert!(
        request::revoke_subaccount(
            &gid,
            &many[..request::MAX_TOKENS],
            NOW,
            &Auth::Account(&group)
        )
        .is_ok()
    );
    let member = Identity::from_seed(&[7; 32]);
    let signer = MemberAuth::new(&group, &member.session_id(), SubaccountFlags::DELETE)
        .unwrap()
        .signer(&gid, &member)
        .unwrap();
    assert_eq!(
        request::revoke_subaccount(&gid, &tokens, NOW, &Auth::Member(&signer)),
        Err(RequestError::SubaccountNotAllowed)
    );
    assert_eq!(
        request::revoke_subaccount(&gid, &tokens, NOW, &Auth::Account(&member)),
        Err(RequestError::WrongSigner)
    );
}
