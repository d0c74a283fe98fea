//! Storage RPC answers: decoding, node signatures, statuses, and typed refusals of hostile bodies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use base64ct::{Base64, Encoding};
use proptest::prelude::*;
use serde_json::json;
use session_protocol::Identity;
use session_protocol::storage::response::{
    AnswerError, HardFork, NodeStore, Status, decode_batch, decode_info, decode_meta,
    decode_retrieve, decode_revoke, decode_store,
};
use session_protocol::storage::{Namespace, message_hash};

fn hash_of(i: u32) -> String {
    let bob = Identity::from_seed(&[2; 32]).session_id();
    message_hash(&bob, Namespace::DEFAULT, &i.to_le_bytes())
}

fn bytes(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

#[test]
fn retrieve_answer_decodes_every_field() {
    let body = json!({
        "messages": [
            {"hash": hash_of(1), "timestamp": 1_700_000_000_000u64, "expiration": 1_700_001_000_000u64, "data": "aGk="},
            {"hash": hash_of(2), "timestamp": 5, "expiry": 6, "data": ""},
        ],
        "more": true, "t": 1_700_000_000_555u64, "hf": [19, 3]
    });
    let got = decode_retrieve(&bytes(&body)).unwrap();
    assert_eq!(got.messages.len(), 2);
    assert_eq!(got.messages[0].hash, hash_of(1));
    assert_eq!(got.messages[0].timestamp_ms, 1_700_000_000_000);
    assert_eq!(got.messages[0].expiry_ms, 1_700_001_000_000);
    assert_eq!(got.messages[0].data, b"hi");
    assert_eq!(got.messages[1].expiry_ms, 6);
    assert!(got.messages[1].data.is_empty());
    assert!(got.more);
    assert_eq!(got.meta.server_time_ms, Some(1_700_000_000_555));
    assert_eq!(
        got.meta.hard_fork,
        Some(HardFork {
            major: 19,
            minor: 3
        })
    );
    // Debug shows the data's length, not its bytes.
    let dbg = format!("{:?}", got.messages[0]);
    assert!(
        dbg.contains("data_len: 2") && !dbg.contains("104, 105"),
        "{dbg}"
    );
    // An empty answer (no `more`, no `t`).
    let empty = decode_retrieve(br#"{"messages":[]}"#).unwrap();
    assert!(empty.messages.is_empty() && !empty.more && empty.meta.server_time_ms.is_none());
}

#[test]
fn retrieve_refusals_name_what_was_wrong() {
    let msg = |hash: &str, data: &str| {
        bytes(&json!({"messages": [{"hash": hash, "timestamp": 1, "expiration": 2, "data": data}]}))
    };
    let good = hash_of(1);
    assert_eq!(
        decode_retrieve(&msg("short", "aGk=")),
        Err(AnswerError::Field("hash"))
    );
    assert_eq!(
        decode_retrieve(&msg(&good, "!!")),
        Err(AnswerError::Field("data"))
    );
    for bad in [
        &b""[..],
        b"[]",
        b"null",
        br#"{"messages":{}}"#,
        br#"{"more":true}"#,
        br#"{"messages":[{"hash":"x"}]}"#,
        br#"{"messages":[],"t":"3"}"#,
        br#"{"messages":[],"t":-1}"#,
        b"\xff{}",
    ] {
        assert_eq!(decode_retrieve(bad), Err(AnswerError::Json), "{bad:?}");
    }
    // Nesting past the JSON depth limit is refused before parsing.
    let deep = format!(
        r#"{{"messages":[],"x":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(decode_retrieve(deep.as_bytes()), Err(AnswerError::Json));
    // Over 10 MiB.
    let huge = vec![b' '; 10 * 1024 * 1024 + 1];
    assert_eq!(decode_retrieve(&huge), Err(AnswerError::TooLarge));
}

#[test]
fn store_answer_verifies_each_members_signature() {
    let nodes: Vec<Identity> = (10..15u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let hash = hash_of(7);
    let sig = |n: &Identity, text: &str| Base64::encode_string(&n.sign(text.as_bytes()));
    let mut swarm = serde_json::Map::new();
    swarm.insert(
        nodes[0].ed25519_public().to_string(),
        json!({"hash": hash, "signature": sig(&nodes[0], &hash), "expiry": 99, "t": 5}),
    );
    swarm.insert(
        nodes[1].ed25519_public().to_string(),
        json!({"hash": hash, "signature": sig(&nodes[1], &hash), "expiry": 98, "already": true}),
    );
    // Signed by someone else.
    swarm.insert(
        nodes[2].ed25519_public().to_string(),
        json!({"hash": hash, "signature": sig(&nodes[0], &hash), "expiry": 97}),
    );
    swarm.insert(
        nodes[3].ed25519_public().to_string(),
        json!({"failed": true, "code": "500 Internal Server Error", "reason": "db"}),
    );
    swarm.insert(
        nodes[4].ed25519_public().to_string(),
        json!({"failed": true, "timeout": true}),
    );
    let body = json!({"swarm": swarm, "hash": hash, "t": 1234, "hf": [19, 4]});
    let got = decode_store(&bytes(&body)).unwrap();
    assert_eq!(got.meta.server_time_ms, Some(1234));
    assert_eq!(got.nodes.len(), 5);
    let of = |i: usize| {
        got.nodes
            .iter()
            .find(|(k, _)| *k == nodes[i].ed25519_public())
            .map(|(_, n)| n.clone())
            .unwrap()
    };
    assert_eq!(
        of(0),
        NodeStore::Stored {
            hash: hash.clone(),
            expiry_ms: 99,
            already: false
        }
    );
    assert_eq!(
        of(1),
        NodeStore::Stored {
            hash: hash.clone(),
            expiry_ms: 98,
            already: true
        }
    );
    assert_eq!(of(2), NodeStore::BadSignature);
    assert_eq!(
        of(3),
        NodeStore::Failed {
            code: Some(500),
            timeout: false
        }
    );
    assert_eq!(
        of(4),
        NodeStore::Failed {
            code: None,
            timeout: true
        }
    );
    assert_eq!(got.confirmations(&hash), 2);
    assert_eq!(got.confirmations(&hash_of(8)), 0);

    // One node listed twice (its key in both cases) counts once.
    let lower = nodes[0].ed25519_public().to_string();
    let entry = json!({"hash": hash, "signature": sig(&nodes[0], &hash), "expiry": 99});
    let twice = json!({"swarm": {lower.clone(): entry.clone(), lower.to_uppercase(): entry}});
    let got = decode_store(&bytes(&twice)).unwrap();
    assert_eq!(got.nodes.len(), 1);
    assert_eq!(got.confirmations(&hash), 1);
}

#[test]
fn store_answer_refusals() {
    let hash = hash_of(1);
    let n = Identity::from_seed(&[1; 32]);
    let sig = Base64::encode_string(&n.sign(hash.as_bytes()));
    // A member key that is not hex.
    let body = json!({"swarm": {"zz": {"hash": hash, "signature": sig, "expiry": 1}}});
    assert_eq!(
        decode_store(&bytes(&body)),
        Err(AnswerError::Field("swarm"))
    );
    // No swarm map.
    assert_eq!(decode_store(br#"{"hash":"x"}"#), Err(AnswerError::Json));
    assert_eq!(decode_store(br#"{"swarm":[]}"#), Err(AnswerError::Json));
    // Entries that are not objects, lack fields, carry a bad hash or a short signature count
    // for nothing but do not sink the answer.
    let key = n.ed25519_public().to_string();
    for entry in [
        json!(7),
        json!({"hash": hash, "expiry": 1}),
        json!({"hash": "AAAA", "signature": sig, "expiry": 1}),
        json!({"hash": hash, "signature": "AAAA", "expiry": 1}),
        json!({"hash": hash, "signature": sig}),
    ] {
        let got = decode_store(&bytes(&json!({"swarm": {key.clone(): entry}}))).unwrap();
        assert!(
            matches!(
                got.nodes[0].1,
                NodeStore::BadSignature | NodeStore::Failed { .. }
            ),
            "{:?}",
            got.nodes[0]
        );
        assert_eq!(got.confirmations(&hash), 0);
    }
}

#[test]
fn revoke_answer_verifies_each_members_signature_over_account_time_and_tokens() {
    use session_protocol::{IdPrefix, SessionId};
    let nodes: Vec<Identity> = (20..25u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let group = SessionId::new(IdPrefix::Group, [0x44; 32]);
    let tokens = [[1u8; 36], [2u8; 36]];
    let ts = 1_700_000_000_000u64;
    // What each node signs: the account's 66 hex characters, the timestamp, the raw tokens.
    let mut signed = format!("{group}{ts}").into_bytes();
    assert_eq!(signed.len(), 66 + 13);
    tokens.iter().for_each(|t| signed.extend_from_slice(t));
    let sig = |n: &Identity, m: &[u8]| Base64::encode_string(&n.sign(m));
    let mut swarm = serde_json::Map::new();
    let key = |i: usize| nodes[i].ed25519_public().to_string();
    swarm.insert(key(0), json!({"signature": sig(&nodes[0], &signed)}));
    swarm.insert(key(1), json!({"signature": sig(&nodes[1], &signed)}));
    // Over another timestamp, by another node, failed, unreadable.
    let mut other = format!("{group}{}", ts + 1).into_bytes();
    tokens.iter().for_each(|t| other.extend_from_slice(t));
    swarm.insert(key(2), json!({"signature": sig(&nodes[2], &other)}));
    swarm.insert(key(3), json!({"signature": sig(&nodes[0], &signed)}));
    swarm.insert(key(4), json!({"failed": true, "timeout": true}));
    let body = bytes(&json!({"swarm": swarm, "t": 77}));
    let got = decode_revoke(&body, &group, ts, &tokens).unwrap();
    assert_eq!(got.meta.server_time_ms, Some(77));
    let ok: Vec<bool> = nodes
        .iter()
        .map(|n| {
            got.nodes
                .iter()
                .find(|(k, _)| *k == n.ed25519_public())
                .unwrap()
                .1
        })
        .collect();
    assert_eq!(ok, [true, true, false, false, false]);
    let members: Vec<_> = nodes.iter().map(Identity::ed25519_public).collect();
    assert_eq!(got.confirmations_from(&members), 2);
    assert_eq!(got.confirmations_from(&members[1..]), 1);
    // Other tokens, or another account: nothing verifies.
    let got = decode_revoke(&body, &group, ts, &tokens[..1]).unwrap();
    assert_eq!(got.confirmations_from(&members), 0);
    let elsewhere = SessionId::new(IdPrefix::Group, [0x45; 32]);
    let got = decode_revoke(&body, &elsewhere, ts, &tokens).unwrap();
    assert_eq!(got.confirmations_from(&members), 0);
    // One node listed twice (its key in both cases) counts once.
    let lower = key(0);
    let upper = lower.to_uppercase();
    let twice = bytes(&json!({"swarm": {
        lower.clone(): {"signature": sig(&nodes[0], &signed)},
        upper.clone(): {"signature": sig(&nodes[0], &signed)},
    }}));
    let got = decode_revoke(&twice, &group, ts, &tokens).unwrap();
    assert_eq!(got.nodes.len(), 1);
    assert_eq!(got.confirmations_from(&members), 1);
    // Refusals.
    assert_eq!(
        decode_revoke(br#"{"swarm":{"zz":{}}}"#, &group, ts, &tokens),
        Err(AnswerError::Field("swarm"))
    );
    assert_eq!(
        decode_revoke(br#"{"t":1}"#, &group, ts, &tokens),
        Err(AnswerError::Json)
    );
}

#[test]
fn info_meta_and_statuses() {
    let info = decode_info(br#"{"version":[2,10,0],"timestamp":77,"hf":[19,3]}"#).unwrap();
    assert_eq!(info.version, (2, 10, 0));
    assert_eq!(info.meta.server_time_ms, Some(77));
    let info = decode_info(br#"{"version":[2,10,0],"timestamp":77,"t":78}"#).unwrap();
    assert_eq!(info.meta.server_time_ms, Some(78));
    assert_eq!(
        decode_info(br#"{"version":"2.10.0"}"#),
        Err(AnswerError::Json)
    );

    let meta = decode_meta(br#"{"snodes":[],"swarm":"ff","t":9,"hf":[20,0]}"#).unwrap();
    assert_eq!(meta.server_time_ms, Some(9));
    assert_eq!(
        meta.hard_fork,
        Some(HardFork {
            major: 20,
            minor: 0
        })
    );
    assert_eq!(
        decode_meta(b"Timestamp error: check your clock"),
        Err(AnswerError::Json)
    );

    for (code, status) in [
        (200, Status::Ok),
        (204, Status::Ok),
        (421, Status::WrongSwarm),
        (406, Status::ClockOutOfSync),
        (425, Status::ClockOutOfSync),
        (401, Status::Refused),
        (403, Status::Refused),
        (400, Status::BadRequest),
        (404, Status::BadRequest),
        (429, Status::NodeFailure),
        (500, Status::NodeFailure),
        (502, Status::NodeFailure),
        (503, Status::NodeFailure),
        (504, Status::NodeFailure),
    ] {
        assert_eq!(Status::of(code), status, "{code}");
    }
}

#[test]
fn batch_answers_keep_order_and_unwrap_string_bodies() {
    let body = json!({"results": [
        {"code": 200, "body": {"messages": [], "t": 1}},
        {"code": 421, "body": {"snodes": [], "swarm": "ff"}},
        {"code": 406, "body": "Timestamp error: check your clock"},
        {"code": 500},
    ]});
    let got = decode_batch(&bytes(&body)).unwrap();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].status, 200);
    assert!(decode_retrieve(&got[0].body).unwrap().messages.is_empty());
    assert_eq!(Status::of(got[1].status), Status::WrongSwarm);
    assert_eq!(got[2].body, b"Timestamp error: check your clock");
    assert!(got[3].body.is_empty());
    for bad in [
        &br#"{"results":{}}"#[..],
        br#"{"results":[{"body":{}}]}"#,
        br#"{"results":[{"code":70000}]}"#,
        b"[]",
    ] {
        assert_eq!(decode_batch(bad), Err(AnswerError::Json), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn retrieve_round_trips(msgs in proptest::collection::vec(
        (any::<u32>(), any::<u64>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..300)),
        0..20,
    ), more in any::<bool>(), t in any::<u64>()) {
        let items: Vec<_> = msgs
            .iter()
            .map(|(h, ts, exp, data)| json!({"hash": hash_of(*h), "timestamp": ts, "expiration": exp, "data": Base64::encode_string(data)}))
            .collect();
        let body = bytes(&json!({"messages": items, "more": more, "t": t}));
        let got = decode_retrieve(&body).unwrap();
        prop_assert_eq!(got.more, more);
        prop_assert_eq!(got.meta.server_time_ms, Some(t));
        prop_assert_eq!(got.messages.len(), msgs.len());
        for (m, (h, ts, exp, data)) in got.messages.iter().zip(&msgs) {
            prop_assert_eq!(&m.hash, &hash_of(*h));
            prop_assert_eq!(m.timestamp_ms, *ts);
            prop_assert_eq!(m.expiry_ms, *exp);
            prop_assert_eq!(&m.data, data);
        }
    }

    #[test]
    fn hostile_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        // Whatever the bytes, each decoder returns; anything that is not a JSON object is
        // refused as such by every one of them.
        let results = [
            decode_retrieve(&body).err(),
            decode_store(&body).err(),
            decode_info(&body).err(),
            decode_batch(&body).err(),
            decode_meta(&body).err(),
            decode_revoke(&body, &Identity::from_seed(&[1; 32]).session_id(), 5, &[[3; 36]]).err(),
        ];
        let is_object = serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object());
        if !is_object {
            for r in results {
                prop_assert_eq!(r, Some(AnswerError::Json));
            }
        }
    }
}
