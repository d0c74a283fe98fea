//! Storage RPC benches: building a signed `store` request, and decoding a `retrieve` answer
//! of 100 messages, each beside the primitives it is made of.
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
use session_protocol::storage::request::{self, MAX_TTL_PRIVATE_MS};
use session_protocol::storage::response::decode_retrieve;
use session_protocol::storage::{Auth, Namespace, SignedRequest, message_hash};

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
            op: "storage/retrieve_decode/100_messages",
            parts: &[
                ("storage/prim/json_skim/100_messages", 1.0),
                ("storage/prim/base64_decode/100x400B", 1.0),
            ],
            goal: None,
        },
    ]);
}
