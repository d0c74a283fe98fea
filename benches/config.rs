//! Config benches: pushing a 1,000-entry config and merging two devices' diverged copies of
//! it, each beside the primitives it is made of.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use core::hint::black_box;

use criterion::{BatchSize, Criterion};
use session_protocol::Identity;
use session_protocol::config::{
    self, ConfigKind, ConfigMessage, ConfigState, Dict, Signing, Value,
};

mod report;

/// A contacts-like config: 1,000 entries keyed by 33-byte ids, each a small dictionary.
fn contacts(n: usize, salt: u8) -> Dict {
    let mut c = Dict::new();
    for i in 0..n {
        let mut id = vec![0x05u8];
        id.extend_from_slice(&blake_like(i as u64, 0));
        let mut entry = Dict::new();
        entry.insert(
            b"n".to_vec(),
            Value::from(format!("Contact {i:04}").as_str()),
        );
        entry.insert(b"a".to_vec(), Value::from(1));
        if i % 10 == usize::from(salt) {
            entry.insert(b"N".to_vec(), Value::from(format!("nick {salt}").as_str()));
        }
        c.insert(id, Value::Dict(entry));
    }
    let mut d = Dict::new();
    d.insert(b"c".to_vec(), Value::Dict(c));
    d
}

/// 32 pseudo-random bytes from `i` (a splitmix64 stream).
fn blake_like(i: u64, salt: u64) -> [u8; 32] {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("config");
    let me = Identity::from_seed(&[3; 32]);

    // A device with the 1,000 entries pushed and confirmed.
    let mut base = ConfigState::new(ConfigKind::CONTACTS, &me);
    base.edit(|d| *d = contacts(1000, 99)).unwrap();
    let first = base.push().unwrap();
    base.confirm_pushed(first.seqno, "base");
    let base_dump = base.dump();

    // Push: one edited entry makes a new 1,000-entry message to store.
    g.bench_function("push/1000_entries", |b| {
        b.iter_batched(
            || {
                let mut s = ConfigState::load(ConfigKind::CONTACTS, &me, &base_dump).unwrap();
                s.edit(|d| {
                    d.insert(b"x".to_vec(), Value::from(1));
                })
                .unwrap();
                s
            },
            |mut s| s.push().unwrap(),
            BatchSize::SmallInput,
        )
    });
    // Its primitives: the message's bytes compressed, the padded result encrypted (hashes for
    // key and nonce included), the message hashed.
    let plain = {
        let mut d = session_protocol::config::Draft::new(2);
        *d.data_mut() = contacts(1000, 99);
        d.build(None).bytes().to_vec()
    };
    let compressed = config::compress(&plain);
    let padded = config::pad(&compressed);
    let key = me.seed();
    g.bench_function("prim/zstd_compress/1000_entries", |b| {
        b.iter(|| config::compress(black_box(&plain)))
    });
    g.bench_function("prim/encrypt/1000_entries", |b| {
        b.iter(|| config::encrypt(&key, "Contacts", black_box(&padded)).unwrap())
    });
    g.bench_function("prim/parse/1000_entries", |b| {
        b.iter(|| ConfigMessage::parse(black_box(&plain), Signing::default()).unwrap())
    });

    // Merge: two devices each changed 100 entries of the same base; a third merges both.
    let diverged = |salt: u8| {
        let mut s = ConfigState::load(ConfigKind::CONTACTS, &me, &base_dump).unwrap();
        s.edit(|d| *d = contacts(1000, salt)).unwrap();
        s.push().unwrap().data
    };
    let (pa, pb) = (diverged(1), diverged(2));
    g.bench_function("merge/2_diverged_1000_entries", |b| {
        b.iter_batched(
            || ConfigState::load(ConfigKind::CONTACTS, &me, &base_dump).unwrap(),
            |mut s| s.merge(&[("a", black_box(&pa)), ("b", black_box(&pb))]),
            BatchSize::SmallInput,
        )
    });
    // Its primitives: decrypting, decompressing and parsing the two payloads (the legacy
    // envelope the merge also opens is left out of the floor).
    let raw_a = config::encrypt(&key, "Contacts", &padded).unwrap();
    g.bench_function("prim/decrypt/1000_entries", |b| {
        b.iter(|| config::decrypt(&key, "Contacts", black_box(&raw_a)).unwrap())
    });
    g.bench_function("prim/decompress/1000_entries", |b| {
        b.iter(|| config::unwrap_plaintext(black_box(&padded)).unwrap())
    });

    // Groups: a rekey for 100 members beside its floor, 100 multi-recipient copies.
    let group = Identity::from_seed(&[0x61; 32]);
    let ids: Vec<_> = (0..100u8)
        .map(|i| Identity::from_seed(&[i; 32]).session_id())
        .collect();
    g.bench_function("group_rekey/100_members", |b| {
        b.iter(|| config::rekey(&group, black_box(&ids), 7).unwrap())
    });
    let xs: Vec<_> = ids
        .iter()
        .map(|id| session_protocol::X25519Public::from_bytes(*id.key()))
        .collect();
    let nonce = [7u8; 24];
    g.bench_function("prim/multi_seal/100_copies", |b| {
        b.iter(|| {
            for x in &xs {
                black_box(
                    session_protocol::envelope::multi::seal_for(
                        &group,
                        x,
                        b"SessionGroupKeyMemberKey",
                        &nonce,
                        &[1; 32],
                    )
                    .unwrap(),
                );
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
            op: "config/push/1000_entries",
            parts: &[
                ("config/prim/zstd_compress/1000_entries", 1.0),
                ("config/prim/encrypt/1000_entries", 1.0),
            ],
            goal: None,
        },
        report::Floor {
            op: "config/group_rekey/100_members",
            parts: &[("config/prim/multi_seal/100_copies", 1.0)],
            goal: None,
        },
        report::Floor {
            op: "config/merge/2_diverged_1000_entries",
            parts: &[
                ("config/prim/decrypt/1000_entries", 2.0),
                ("config/prim/decompress/1000_entries", 2.0),
                ("config/prim/parse/1000_entries", 2.0),
            ],
            goal: None,
        },
    ]);
}
