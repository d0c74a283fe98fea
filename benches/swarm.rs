//! Swarm benches: assignment over 10 000 swarms, building a pool of 2 000 nodes, choosing a
//! path from 2 000 nodes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

use core::hint::black_box;
use core::net::Ipv4Addr;

use criterion::{BatchSize, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use session_protocol::swarm::{NodePool, PathRules, ServiceNode, SwarmId, SwarmMap, select_path};
use session_protocol::{IdPrefix, Identity, SessionId};

mod report;

fn nodes(n: usize, swarms: u64, rng: &mut ChaCha20Rng) -> Vec<ServiceNode> {
    // Keys are slow to derive; derive 64 and reuse them with distinct addresses, which is all
    // the pool and path code looks at besides the key itself.
    let keys: Vec<[u8; 32]> = (0..64u8)
        .map(|i| Identity::from_seed(&[i; 32]).ed25519_public())
        .collect();
    let swarm_ids: Vec<u64> = (0..swarms).map(|_| rng.next_u64()).collect();
    (0..n)
        .map(|i| {
            let mut key = keys[i % 64];
            // Distinct records need distinct keys: vary the key per node, then re-derive only
            // through the public constructor when that key is usable.
            key[0] ^= (i / 64) as u8;
            let ip = Ipv4Addr::from(rng.next_u32() | 0x0100_0000);
            let swarm = SwarmId(swarm_ids[i % swarm_ids.len()]);
            ServiceNode::new(key, ip, 443, 22020, swarm)
                .or_else(|_| ServiceNode::new(keys[i % 64], ip, 443, 22020, swarm))
                .unwrap()
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let mut g = c.benchmark_group("swarm");

    let map = SwarmMap::new((0..10_000).map(|_| SwarmId(rng.next_u64())));
    let accounts: Vec<SessionId> = (0..1024)
        .map(|_| {
            let mut k = [0u8; 32];
            rng.fill_bytes(&mut k);
            SessionId::new(IdPrefix::Standard, k)
        })
        .collect();
    let mut i = 0usize;
    g.bench_function("assign/10k_swarms", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            map.assign(black_box(&accounts[i]))
        })
    });

    let list = nodes(2000, 250, &mut rng);
    g.bench_function("pool_from/2000_nodes", |b| {
        b.iter_batched(|| list.clone(), NodePool::new, BatchSize::SmallInput)
    });

    let pool = NodePool::new(list.clone());
    let rules = PathRules::new().exclude(*list[0].ed25519());
    let mut path_rng = ChaCha20Rng::from_seed([6; 32]);
    g.bench_function("select_path/2000_nodes", |b| {
        b.iter(|| select_path(black_box(pool.nodes()), &rules, &mut path_rng).unwrap())
    });
    let mut member_rng = ChaCha20Rng::from_seed([8; 32]);
    g.bench_function("random_member/2000_nodes", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            pool.random_member(black_box(&accounts[i]), &mut member_rng)
                .map(ServiceNode::swarm)
        })
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report::print_budgets(&[report::Budget {
        op: "swarm/assign/10k_swarms",
        max_ns: 50.0,
    }]);
}
