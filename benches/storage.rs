//! Storage RPC benches: building a signed `store` request, decoding a `retrieve` answer of 100
//! messages, and a group member's credential (issued, signing, checked by a server), each
//! beside the primitives it is made of.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use core::hint::black_box;

use base64ct::{Base64, Encoding};
use criterion::Criterion;
use session_protocol::Identity;
use session_protocol::config::MemberAuth;
use session_protocol::storage::request::{self, MAX_TTL_PRIVATE_MS};
use session_protocol::storage::response::decode_retrieve;
use session_protocol::storage::{
    Auth, Namespace, SignedRequest, SubaccountFlags, message_hash, verify_request,
};
use session_protocol::verify_ed25519;

mod report;

const NOW: u64 = 1_700_000_000_000;

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("storage");
    let me = Identity::from_seed(&[1; 32]);
    let account = me.session_id();
    let auth = Auth::Account(&me);
    let data = vec![0x5au8; 100];

    g.bench_function("store_signed/100B", |b| {
        b.iter(|| {
            request::store(
                &account,
                Namespace::USER_PROFILE,
                black_box(&data),
                MAX_TTL_PRIVATE_MS,
                NOW,
                Some(&auth),
            )
            .unwrap()
            .to_json()
        })
    });
    let signed = SignedRequest::Store {
        namespace: Namespace::USER_PROFILE,
        timestamp_ms: NOW,
    }
    .message();
    g.bench_function("prim/ed25519_sign", |b| {
        b.iter(|| me.sign(black_box(&signed)))
    });

    // A retrieve answer of 100 messages of 400 bytes each (a typical padded 1:1 message).
    let messages: Vec<serde_json::Value> = (0..100u32)
        .map(|i| {
            let data = vec![(i % 251) as u8; 400];
            serde_json::json!({
                "hash": message_hash(&account, Namespace::DEFAULT, &data),
                "timestamp": NOW + u64::from(i),
                "expiration": NOW + 86_400_000,
                "data": Base64::encode_string(&data),
            })
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "messages": messages, "more": false, "t": NOW, "hf": [19, 3]
    }))
    .unwrap();
    g.bench_function("retrieve_decode/100_messages", |b| {
        b.iter(|| decode_retrieve(black_box(&body)).unwrap())
    });
    // Its primitives: one pass of a JSON parser over the text, and the base64 decoding of
    // every message's data.
    g.bench_function("prim/json_skim/100_messages", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)).unwrap())
    });
    let encoded: Vec<String> = messages
        .iter()
        .map(|m| m["data"].as_str().unwrap().to_owned())
        .collect();
    g.bench_function("prim/base64_decode/100x400B", |b| {
        b.iter(|| {
            for e in &encoded {
                black_box(Base64::decode_vec(black_box(e)).unwrap());
            }
        })
    });

    // A group member's credential: issued by the admin (a keyed hash, a scalar
    // multiplication, a signature), signed with (one Ed25519-style signature), and checked by
    // a storage server (the group's signature over the token and the request signature).
    let group = Identity::from_seed(&[0x61; 32]);
    let gid = session_protocol::SessionId::new(
        session_protocol::IdPrefix::Group,
        group.ed25519_public().to_bytes(),
    );
    let member = Identity::from_seed(&[0x62; 32]);
    let flags = SubaccountFlags::READ | SubaccountFlags::WRITE;
    g.bench_function("member_auth_issue", |b| {
        b.iter(|| MemberAuth::new(&group, black_box(&member.session_id()), flags).unwrap())
    });
    let signer = MemberAuth::new(&group, &member.session_id(), flags)
        .unwrap()
        .signer(&gid, &member)
        .unwrap();
    let retrieve = SignedRequest::Retrieve {
        namespace: Namespace::GROUP_MESSAGES,
        timestamp_ms: NOW,
    };
    let msg = retrieve.message();
    g.bench_function("member_sign", |b| b.iter(|| signer.sign(black_box(&msg))));
    let sig = signer.sign(&msg);
    let sub = Some((signer.token(), signer.token_signature()));
    g.bench_function("verify_member_request", |b| {
        b.iter(|| verify_request(&gid, black_box(&retrieve), &sig, None, sub).unwrap())
    });
    let pk = group.ed25519_public();
    let token_sig = *signer.token_signature();
    g.bench_function("prim/ed25519_verify", |b| {
        b.iter(|| verify_ed25519(&pk, black_box(signer.token()), &token_sig).unwrap())
    });
    g.finish();
}

fn main() {
    report::start();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report::print(&[
        report::Floor {
            op: "storage/store_signed/100B",
            parts: &[("storage/prim/ed25519_sign", 1.0)],
            goal: Some(1.15),
        },
        report::Floor {
            op: "storage/member_sign",
            parts: &[("storage/prim/ed25519_sign", 1.0)],
            goal: None,
        },
        report::Floor {
            op: "storage/verify_member_request",
            parts: &[("storage/prim/ed25519_verify", 2.0)],
            goal: None,
        },
        report::Floor {
            op: "storage/member_auth_issue",
            parts: &[
                ("storage/prim/ed25519_sign", 1.0),
                ("storage/prim/ed25519_verify", 1.0),
            ],
            goal: None,
        },
        report::Floor {
            op: "storage/retrieve_decode/100_messages",
            parts: &[
                ("storage/prim/json_skim/100_messages", 1.0),
                ("storage/prim/base64_decode/100x400B", 1.0),
            ],
            goal: None,
        },
    ]);
}
