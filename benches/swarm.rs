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

/// `n` nodes with distinct keys (from distinct seeds), random addresses, spread over `swarms`
/// swarms. Deriving 2,000 keys takes a moment; it is done once, outside every timed loop.
fn nodes(n: usize, swarms: u64, rng: &mut ChaCha20Rng) -> Vec<ServiceNode> {
    let swarm_ids: Vec<u64> = (0..swarms).map(|_| rng.next_u64()).collect();
    (0..n)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let key = Identity::from_seed(&seed).ed25519_public();
            let ip = Ipv4Addr::from(rng.next_u32() | 0x0100_0000);
            let swarm = SwarmId(swarm_ids[i % swarm_ids.len()]);
            ServiceNode::new(key, ip, 443, 22020, swarm).unwrap()
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
    let pool = NodePool::new(list.clone());
    // Distinct seeds give distinct keys, so no record is merged into another.
    assert_eq!(pool.len(), 2000, "the pool must hold 2,000 distinct nodes");
    g.bench_function("pool_from/2000_nodes", |b| {
        b.iter_batched(|| list.clone(), NodePool::new, BatchSize::SmallInput)
    });

    let rules = PathRules::new().destination(*list[0].ed25519());
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
    report::start();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report::print_budgets(&[report::Budget {
        op: "swarm/assign/10k_swarms",
        max_ns: 50.0,
    }]);
}
