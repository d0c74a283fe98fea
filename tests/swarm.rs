//! Swarm placement, node-list decoding, the node pool and path selection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::hex::hex;
use common::rng::rng;

use core::net::Ipv4Addr;
use session_protocol::Ed25519Public;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::swarm::{
    Diversity, NodeError, NodeListError, NodePool, PathError, PathRules, ServiceNode, SwarmId,
    SwarmMap, decode_service_nodes, decode_swarm_response, select_path, swarm_space,
};
use session_protocol::{IdPrefix, Identity, SessionId, ed25519_to_x25519};

/// Ed25519 keys of up to 256 test nodes (deriving keys is the slow part, so do it once).
fn keys() -> &'static [[u8; 32]] {
    static KEYS: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..256u16)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..2].copy_from_slice(&i.to_le_bytes());
                Identity::from_seed(&seed).ed25519_public().to_bytes()
            })
            .collect()
    })
}

/// Node `i` in swarm `swarm` at `ip`.
fn node(i: usize, ip: Ipv4Addr, swarm: u64) -> ServiceNode {
    static NODES: OnceLock<Vec<ServiceNode>> = OnceLock::new();
    let base = NODES.get_or_init(|| {
        keys()
            .iter()
            .map(|k| {
                ServiceNode::new(
                    Ed25519Public::from_bytes(*k),
                    Ipv4Addr::new(1, 1, 1, 1),
                    443,
                    22020,
                    SwarmId(0),
                )
                .unwrap()
            })
            .collect()
    });
    base[i]
        .clone()
        .with_address(ip, 443, 22020)
        .with_swarm(SwarmId(swarm))
}

/// A distinct address per `i`, each in its own /24.
fn ip(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, i, 0, 1)
}

/// Brute-force nearest swarm: smallest ring distance, ties to the lower neighbour (the one
/// reached by stepping down from the point, i.e. `space - id` wrapping).
fn nearest(ids: &[u64], space: u64) -> Option<u64> {
    let set: BTreeSet<u64> = ids.iter().copied().filter(|&i| i != u64::MAX).collect();
    if set.len() == 1 {
        return set.first().copied();
    }
    set.iter()
        .map(|&id| {
            let up = id.wrapping_sub(space); // distance going up to id
            let down = space.wrapping_sub(id); // distance going down to id
            // (distance, 0 if reached going down i.e. a left neighbour, 1 otherwise)
            if down <= up {
                (down, 0u8, id)
            } else {
                (up, 1u8, id)
            }
        })
        .min_by_key(|&(d, side, _)| (d, side))
        .map(|(_, _, id)| id)
}

#[test]
fn swarm_space_ignores_the_prefix() {
    let key = [0x5au8; 32];
    let a = SessionId::new(IdPrefix::Standard, key);
    let b = SessionId::new(IdPrefix::Group, key);
    assert_eq!(swarm_space(a.key()), swarm_space(b.key()));
    assert_eq!(swarm_space(&key), 0); // four equal words XOR to zero
}

#[test]
fn decodes_a_get_swarm_answer_and_skips_bad_entries() {
    let k = keys();
    let x0 = ed25519_to_x25519(&Ed25519Public::from_bytes(k[0])).unwrap();
    let json = format!(
        r#"{{"snodes":[
            {{"address":"x.snode","pubkey_legacy":"00","pubkey_x25519":"{x0}","pubkey_ed25519":"{e0}","port":"443","port_https":443,"port_omq":22020,"port_quic":22021,"ip":"10.0.0.1"}},
            {{"pubkey_ed25519":"{e1}","ip":"10.0.0.2","port_https":443,"port_omq":22020}},
            {{"pubkey_ed25519":"{e2}","pubkey_x25519":"{x0}","ip":"10.0.0.3","port_https":443,"port_omq":1}},
            {{"pubkey_ed25519":"zz","ip":"10.0.0.4","port_https":443,"port_omq":1}},
            {{"pubkey_ed25519":"{e3}","ip":"0.0.0.0","port_https":443,"port_omq":1}},
            {{"pubkey_ed25519":"{e3}","ip":"10.0.0.5","port_https":0,"port_omq":1}},
            {{"pubkey_ed25519":"{e3}","ip":"10.0.0.5","port_https":70000,"port_omq":1}},
            {{"pubkey_ed25519":"{e3}","ip":"::1","port_https":443,"port_omq":1}},
            {{"pubkey_ed25519":"{small}","ip":"10.0.0.6","port_https":443,"port_omq":1}},
            "not an object"
        ],"swarm":"1f","t":1700000000000,"hf":[19,3]}}"#,
        x0 = hex(x0.as_bytes()),
        e0 = hex(&k[0]),
        e1 = hex(&k[1]),
        e2 = hex(&k[2]),
        e3 = hex(&k[3]),
        small = hex(&[0u8; 32]),
    );
    let r = decode_swarm_response(json.as_bytes()).unwrap();
    assert_eq!(r.swarm, SwarmId(0x1f));
    // The entry with `port_https: 0` is kept with only its QUIC port known.
    assert_eq!(r.nodes.len(), 3);
    assert_eq!(r.nodes[2].https_port(), None);
    assert_eq!(r.nodes[2].quic_port(), Some(1));
    assert_eq!(r.nodes[0].ed25519(), &k[0]);
    assert_eq!(
        r.nodes[0].quic_port(),
        Some(22021),
        "port_quic is preferred over port_omq"
    );
    assert_eq!(r.nodes[1].quic_port(), Some(22020));
    assert_eq!(
        r.nodes[1].x25519(),
        &ed25519_to_x25519(&Ed25519Public::from_bytes(k[1])).unwrap()
    );
    assert!(r.nodes.iter().all(|n| n.swarm() == SwarmId(0x1f)));
    let reasons: Vec<(usize, NodeError)> = r.skipped.iter().map(|s| (s.index, s.reason)).collect();
    assert_eq!(
        reasons,
        [
            (2, NodeError::KeyMismatch),
            (3, NodeError::BadKeyHex),
            (4, NodeError::BadAddress),
            (6, NodeError::WrongType("port_https")),
            (7, NodeError::BadAddress),
            (8, NodeError::InvalidKey),
            (9, NodeError::Malformed),
        ]
    );
}

#[test]
fn empty_swarm_answer_and_document_errors() {
    let r = decode_swarm_response(br#"{"snodes":[],"swarm":"ffffffffffffffff"}"#).unwrap();
    assert_eq!(r.swarm, SwarmId::INVALID);
    assert!(r.nodes.is_empty());
    for (doc, err) in [
        (&br#"{"snodes":[]}"#[..], NodeListError::Malformed),
        (br#"{"snodes":{},"swarm":"1"}"#, NodeListError::Malformed),
        (br#"{"snodes":[],"swarm":"1","swarm":"2"}"#, NodeListError::Malformed),
        (br#"{"snodes":[],"swarm":""}"#, NodeListError::BadSwarmId),
        (br#"{"snodes":[],"swarm":"10000000000000000"}"#, NodeListError::BadSwarmId),
        (br#"{"snodes":[],"swarm":"+1"}"#, NodeListError::BadSwarmId),
        (br#"{"snodes":[],"swarm":"1g"}"#, NodeListError::BadSwarmId),
        (b"\xff\xfe", NodeListError::Malformed),
        (b"", NodeListError::Malformed),
        (b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]", NodeListError::Malformed),
    ] {
        assert_eq!(decode_swarm_response(doc), Err(err), "{}", String::from_utf8_lossy(doc));
    }
    let huge = vec![b' '; 10 * 1024 * 1024 + 1];
    assert_eq!(decode_swarm_response(&huge), Err(NodeListError::TooLarge));
    assert_eq!(decode_service_nodes(&huge), Err(NodeListError::TooLarge));
}

#[test]
fn decodes_get_service_nodes_bare_or_wrapped() {
    let k = keys();
    let states = format!(
        r#"{{"service_node_states":[
            {{"public_ip":"10.1.0.1","storage_port":22021,"storage_lmq_port":22020,"pubkey_ed25519":"{e0}","swarm_id":18446744073709551596,"storage_server_version":[2,8,0]}},
            {{"public_ip":"0.0.0.0","storage_port":22021,"storage_lmq_port":22020,"pubkey_ed25519":"{e1}","swarm_id":5}},
            {{"public_ip":"10.1.0.3","storage_port":22021,"storage_lmq_port":22020,"pubkey_ed25519":"{e2}","swarm_id":-5}}
        ]}}"#,
        e0 = hex(&k[0]),
        e1 = hex(&k[1]),
        e2 = hex(&k[2]),
    );
    let wrapped = format!(r#"{{"result":{states},"id":1}}"#);
    for doc in [&states, &wrapped] {
        let list = decode_service_nodes(doc.as_bytes()).unwrap();
        assert_eq!(list.nodes.len(), 1);
        let n = &list.nodes[0];
        assert_eq!(n.swarm(), SwarmId(18446744073709551596));
        assert_eq!(
            (n.ip(), n.https_port(), n.quic_port()),
            (Ipv4Addr::new(10, 1, 0, 1), Some(22021), Some(22020))
        );
        assert_eq!(
            list.skipped
                .iter()
                .map(|s| (s.index, s.reason))
                .collect::<Vec<_>>(),
            [
                (1, NodeError::BadAddress),
                (2, NodeError::WrongType("swarm_id"))
            ]
        );
    }
    assert_eq!(
        decode_service_nodes(br#"{"result":{}}"#),
        Err(NodeListError::Malformed)
    );
}

#[test]
fn pool_tracks_nodes_joining_leaving_and_moving() {
    let mut pool =
        NodePool::new((0..6).map(|i| node(i, ip(i as u8), if i < 3 { 100 } else { 200 })));
    assert_eq!(
        pool.swarms().ids().collect::<Vec<_>>(),
        [SwarmId(100), SwarmId(200)]
    );
    assert_eq!(pool.members(SwarmId(100)).len(), 3);
    assert!(pool.members(SwarmId(150)).is_empty());

    // A node moves: the old swarm shrinks, the new one appears.
    let moved = pool
        .get(&Ed25519Public::from_bytes(keys()[0]))
        .unwrap()
        .clone()
        .with_swarm(SwarmId(300));
    let old = pool.upsert(moved).unwrap();
    assert_eq!(old.swarm(), SwarmId(100));
    assert_eq!(pool.members(SwarmId(100)).len(), 2);
    assert_eq!(pool.members(SwarmId(300)).len(), 1);
    assert_eq!(pool.swarms().len(), 3);
    assert_eq!(pool.len(), 6);

    // It leaves: its swarm disappears.
    assert!(pool.remove(&Ed25519Public::from_bytes(keys()[0])).is_some());
    assert!(pool.remove(&Ed25519Public::from_bytes(keys()[0])).is_none());
    assert_eq!(
        pool.swarms().ids().collect::<Vec<_>>(),
        [SwarmId(100), SwarmId(200)]
    );

    // A node in no swarm is kept for paths but holds no account.
    pool.upsert(node(9, ip(9), u64::MAX));
    assert_eq!(pool.swarms().len(), 2);
    assert_eq!(pool.len(), 6);

    // Duplicates in the input: the later record wins.
    let dup = NodePool::new([node(1, ip(1), 5), node(1, ip(1), 7)]);
    assert_eq!(dup.len(), 1);
    assert_eq!(dup.nodes()[0].swarm(), SwarmId(7));
}

#[test]
fn random_member_is_in_the_accounts_swarm_and_close_to_uniform() {
    // Fixed seed: deterministic. 3 swarms of 10; 20 000 draws for one account.
    let pool = NodePool::new(
        (0..30).map(|i| node(i, Ipv4Addr::new(10, i as u8, 0, 1), (i as u64 / 10) << 62)),
    );
    let account = SessionId::new(IdPrefix::Standard, [0x11; 32]);
    let (swarm, members) = pool.swarm_of(&account).unwrap();
    assert_eq!(members.len(), 10);
    let mut rng = rng(42);
    let mut counts: BTreeMap<[u8; 32], u32> = BTreeMap::new();
    let draws = 20_000;
    for _ in 0..draws {
        let n = pool.random_member(&account, &mut rng).unwrap();
        assert_eq!(n.swarm(), swarm);
        *counts.entry((*n.ed25519()).to_bytes()).or_default() += 1;
    }
    assert_eq!(counts.len(), 10);
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1% critical value.
    let expected = f64::from(draws) / 10.0;
    let chi2: f64 = counts
        .values()
        .map(|&c| (f64::from(c) - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 27.9, "chi2 = {chi2}");
}

#[test]
fn path_choice_is_close_to_uniform() {
    // 12 nodes in 12 subnets: each appears in a 3-node path with probability 1/4, and as
    // guard with probability 1/12.
    let pool: Vec<ServiceNode> = (0..12)
        .map(|i| node(i, Ipv4Addr::new(10, i as u8, 0, 1), 1))
        .collect();
    let mut rng = rng(7);
    let runs = 12_000;
    let mut guard = [0u32; 12];
    let mut anywhere = [0u32; 12];
    for _ in 0..runs {
        let path = select_path(&pool, &PathRules::new(), &mut rng).unwrap();
        let index = |n: &ServiceNode| {
            pool.iter()
                .position(|p| p.ed25519() == n.ed25519())
                .unwrap()
        };
        guard[index(&path[0])] += 1;
        for n in &path {
            anywhere[index(n)] += 1;
        }
    }
    let chi2 = |counts: &[u32], expected: f64| -> f64 {
        counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum()
    };
    // 11 degrees of freedom: 31.3 is the 0.1% critical value.
    let g = chi2(&guard, f64::from(runs) / 12.0);
    let a = chi2(&anywhere, f64::from(runs) * 3.0 / 12.0);
    assert!(g < 31.3, "guard chi2 = {g}");
    assert!(a < 31.3, "membership chi2 = {a}");
}

/// `NotEnoughNodes` with the given counts.
fn short(
    needed: usize,
    found: usize,
    pool: usize,
    [destination, excluded, failed, conflicting]: [usize; 4],
) -> Result<Vec<ServiceNode>, PathError> {
    Err(PathError::NotEnoughNodes {
        needed,
        found,
        pool,
        destination,
        excluded,
        failed,
        conflicting,
    })
}

#[test]
fn path_errors_say_why() {
    let pool: Vec<ServiceNode> = (0..4)
        .map(|i| node(i, Ipv4Addr::new(10, 0, 0, i as u8 + 1), 1))
        .collect();
    let mut rng = rng(0);
    // All four share one /24: the diversity rule used the pool up.
    assert_eq!(
        select_path(&pool, &PathRules::new(), &mut rng),
        short(3, 1, 4, [0, 0, 0, 3])
    );
    // Distinct IPs suffice under libsession's rule.
    assert_eq!(
        select_path(
            &pool,
            &PathRules::new().diversity(Diversity::DistinctIp),
            &mut rng
        )
        .unwrap()
        .len(),
        3
    );
    let rules = PathRules::new()
        .diversity(Diversity::DistinctIp)
        .exclude_all(pool[..2].iter().map(|n| *n.ed25519()));
    assert_eq!(
        select_path(&pool, &rules, &mut rng),
        short(3, 2, 4, [0, 2, 0, 0])
    );
    assert_eq!(
        select_path(&pool, &PathRules::new().hops(0), &mut rng),
        Err(PathError::BadLength(0))
    );
    assert_eq!(
        select_path(&pool, &PathRules::new().hops(16), &mut rng),
        Err(PathError::BadLength(16))
    );
    assert_eq!(
        select_path(&[], &PathRules::new(), &mut rng),
        short(3, 0, 0, [0, 0, 0, 0])
    );
    let err = select_path(&pool, &PathRules::new(), &mut rng).unwrap_err();
    assert_eq!(
        err.to_string(),
        "only 1 of 3 path nodes could be chosen from 4 nodes: 0 destination, 0 excluded, \
         0 failed, 3 too close to a chosen node"
    );
}

#[test]
fn destination_and_failed_nodes_are_never_chosen_and_are_counted_apart() {
    // Four nodes in four subnets, DistinctIp or /24 alike.
    let pool: Vec<ServiceNode> = (0..4)
        .map(|i| node(i, Ipv4Addr::new(10, i as u8, 0, 1), 1))
        .collect();
    let key = |i: usize| *pool[i].ed25519();
    let mut rng = rng(4);
    let rules = PathRules::new().destination(key(0)).failed(key(1)).hops(2);
    for _ in 0..50 {
        let path = select_path(&pool, &rules, &mut rng).unwrap();
        let mut keys: Vec<[u8; 32]> = path.iter().map(|n| n.ed25519().to_bytes()).collect();
        keys.sort_unstable();
        let mut want = vec![key(2), key(3)];
        want.sort_unstable();
        assert_eq!(keys, want);
    }
    // With three hops the pool is one short: one destination, one failed, two chosen.
    assert_eq!(
        select_path(&pool, &rules.clone().hops(3), &mut rng),
        short(3, 2, 4, [1, 0, 1, 0])
    );
    // Each node is counted under the first rule that removes it: destination, exclusion,
    // failure.
    let overlapping = PathRules::new()
        .destination(key(0))
        .exclude(key(0))
        .exclude(key(1))
        .failed_all([key(0), key(1), key(2)]);
    assert_eq!(
        select_path(&pool, &overlapping, &mut rng),
        short(3, 1, 4, [1, 1, 1, 0])
    );
    // A later destination replaces the earlier one.
    let moved = PathRules::new().destination(key(0)).destination(key(1));
    assert_eq!(
        select_path(&pool, &moved.hops(4), &mut rng),
        short(4, 3, 4, [1, 0, 0, 0])
    );
    // Keys that are not in the pool change nothing.
    let absent = PathRules::new()
        .destination(Ed25519Public::from_bytes([9; 32]))
        .exclude(Ed25519Public::from_bytes([8; 32]))
        .failed(Ed25519Public::from_bytes([7; 32]))
        .hops(4);
    assert_eq!(select_path(&pool, &absent, &mut rng).unwrap().len(), 4);
}

#[test]
fn the_pool_counts_failures_per_node() {
    let mut pool = NodePool::new((0..4).map(|i| node(i, ip(i as u8), 1)));
    let key = |i: usize| *node(i, ip(0), 1).ed25519();
    assert_eq!(pool.failed(0).count(), 0);
    assert_eq!(pool.record_failure(&key(1)), Some(1));
    assert_eq!(pool.record_failure(&key(1)), Some(2));
    assert_eq!(pool.record_failure(&key(2)), Some(1));
    // Unknown nodes are not counted.
    assert_eq!(
        pool.record_failure(&Ed25519Public::from_bytes([3; 32])),
        None
    );
    assert_eq!(pool.failures(&Ed25519Public::from_bytes([3; 32])), 0);
    assert_eq!(pool.failures(&key(1)), 2);
    assert_eq!(pool.failures(&key(0)), 0);
    let mut both = vec![key(1), key(2)];
    both.sort_unstable();
    assert_eq!(pool.failed(1).collect::<Vec<_>>(), both);
    assert_eq!(pool.failed(0).collect::<Vec<_>>(), both);
    assert_eq!(pool.failed(2).collect::<Vec<_>>(), [key(1)]);
    assert_eq!(pool.failed(NodePool::FAILURE_LIMIT).count(), 0);
    assert_eq!(pool.record_failure(&key(1)), Some(NodePool::FAILURE_LIMIT));
    assert_eq!(
        pool.failed(NodePool::FAILURE_LIMIT).collect::<Vec<_>>(),
        [key(1)]
    );
    // A node that moves keeps its count; one that leaves loses it; success clears it.
    pool.upsert(node(1, ip(9), 2));
    assert_eq!(pool.failures(&key(1)), 3);
    pool.clear_failures(&key(1));
    assert_eq!(pool.failures(&key(1)), 0);
    pool.remove(&key(2));
    assert_eq!(pool.failures(&key(2)), 0);
    pool.upsert(node(2, ip(2), 1));
    assert_eq!(pool.failures(&key(2)), 0);
    assert_eq!(pool.failed(0).count(), 0);

    // Nodes at the limit stay out of paths.
    let mut pool = NodePool::new((0..4).map(|i| node(i, Ipv4Addr::new(10, i as u8, 0, 1), 1)));
    for _ in 0..3 {
        pool.record_failure(&key(3));
    }
    pool.record_failure(&key(2));
    let rules = PathRules::new().failed_all(pool.failed(NodePool::FAILURE_LIMIT));
    let mut rng = rng(5);
    for _ in 0..20 {
        let path = select_path(pool.nodes(), &rules, &mut rng).unwrap();
        assert!(path.iter().all(|n| *n.ed25519() != key(3)));
    }
}

#[test]
fn paths_are_deterministic_for_a_seed() {
    let pool: Vec<ServiceNode> = (0..50)
        .map(|i| node(i, Ipv4Addr::new(10, i as u8, 0, 1), 1))
        .collect();
    let a = select_path(&pool, &PathRules::new(), &mut rng(9)).unwrap();
    let b = select_path(&pool, &PathRules::new(), &mut rng(9)).unwrap();
    assert_eq!(a, b);
}

fn ids_near_edges() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..64,
        (u64::MAX - 64)..=u64::MAX,
        (1u64 << 63) - 32..(1u64 << 63) + 32,
    ]
}

proptest! {
    #[test]
    fn assign_is_the_brute_force_nearest(
        ids in proptest::collection::vec(ids_near_edges(), 0..40),
        space in ids_near_edges(),
    ) {
        let map = SwarmMap::new(ids.iter().map(|&i| SwarmId(i)));
        prop_assert_eq!(map.assign_space(space).map(|s| s.0), nearest(&ids, space));
    }

    #[test]
    fn assign_of_an_account_uses_its_space(key in any::<[u8; 32]>(), ids in proptest::collection::vec(any::<u64>(), 1..20)) {
        let map = SwarmMap::new(ids.iter().map(|&i| SwarmId(i)));
        let account = SessionId::new(IdPrefix::Standard, key);
        prop_assert_eq!(map.assign(&account), map.assign_space(swarm_space(&key)));
    }
}

proptest! {
    /// A path satisfies every rule, or the pool truly cannot: with an equivalence-class
    /// conflict rule, a path of `h` hops exists exactly when the eligible nodes span at least
    /// `h` classes. The error's counts are those of a brute-force count.
    #[test]
    fn paths_obey_the_rules_or_the_pool_is_too_small(
        spots in proptest::collection::vec((0u8..6, 0u8..4), 0..40),
        hops in 1usize..6,
        distinct_ip in any::<bool>(),
        destination in proptest::option::of(0usize..40),
        excluded in proptest::collection::btree_set(0usize..40, 0..10),
        failed in proptest::collection::btree_set(0usize..40, 0..10),
        seed in any::<[u8; 32]>(),
    ) {
        let pool: Vec<ServiceNode> = spots
            .iter()
            .enumerate()
            .map(|(i, &(subnet, host))| node(i, Ipv4Addr::new(10, 0, subnet, host), 1))
            .collect();
        let diversity = if distinct_ip { Diversity::DistinctIp } else { Diversity::Subnet24 };
        let keys = |set: &BTreeSet<usize>| -> Vec<[u8; 32]> {
            set.iter().filter(|&&i| i < pool.len()).map(|&i| pool[i].ed25519().to_bytes()).collect()
        };
        let (ex, fail) = (keys(&excluded), keys(&failed));
        // A destination outside the pool is a key of no pool node.
        let dest = destination.map(|i| pool.get(i).map_or([0xee; 32], |n| n.ed25519().to_bytes()));
        let mut rules = PathRules::new()
            .hops(hops)
            .diversity(diversity)
            .exclude_all(ex.iter().map(|&k| Ed25519Public::from_bytes(k)))
            .failed_all(fail.iter().map(|&k| Ed25519Public::from_bytes(k)));
        if let Some(d) = dest {
            rules = rules.destination(Ed25519Public::from_bytes(d));
        }
        let class = |n: &ServiceNode| {
            let o = n.ip().octets();
            if distinct_ip { u32::from(n.ip()) } else { u32::from_be_bytes([o[0], o[1], o[2], 0]) }
        };
        let is_dest = |n: &ServiceNode| dest == Some((*n.ed25519()).to_bytes());
        let is_ex = |n: &ServiceNode| !is_dest(n) && ex.contains(n.ed25519().as_bytes());
        let is_failed = |n: &ServiceNode| !is_dest(n) && !is_ex(n) && fail.contains(n.ed25519().as_bytes());
        let eligible: Vec<&ServiceNode> = pool
            .iter()
            .filter(|n| !is_dest(n) && !is_ex(n) && !is_failed(n))
            .collect();
        let classes: BTreeSet<u32> = eligible.iter().map(|n| class(n)).collect();
        match select_path(&pool, &rules, &mut ChaCha20Rng::from_seed(seed)) {
            Ok(path) => {
                prop_assert_eq!(path.len(), hops);
                let mut seen = BTreeSet::new();
                for n in &path {
                    prop_assert!(!is_dest(n), "destination in path");
                    prop_assert!(!ex.contains(n.ed25519().as_bytes()), "excluded node in path");
                    prop_assert!(!fail.contains(n.ed25519().as_bytes()), "failed node in path");
                    prop_assert!(seen.insert(class(n)), "diversity violated");
                    prop_assert!(pool.contains(n));
                }
            }
            Err(PathError::NotEnoughNodes {
                needed, found, pool: total, destination, excluded, failed, conflicting,
            }) => {
                prop_assert_eq!(needed, hops);
                prop_assert!(classes.len() < hops);
                prop_assert_eq!(found, classes.len());
                prop_assert_eq!(total, pool.len());
                prop_assert_eq!(destination, pool.iter().filter(|n| is_dest(n)).count());
                prop_assert_eq!(excluded, pool.iter().filter(|n| is_ex(n)).count());
                prop_assert_eq!(failed, pool.iter().filter(|n| is_failed(n)).count());
                // Every eligible node not chosen was removed by the diversity rule.
                prop_assert_eq!(conflicting, eligible.len() - found);
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    /// `NodePool::failed` lists exactly the nodes recorded at least `limit` times.
    #[test]
    fn failure_counts_match_a_tally(
        events in proptest::collection::vec((0usize..12, any::<bool>()), 0..60),
        limit in 0u32..5,
    ) {
        let mut pool = NodePool::new((0..8).map(|i| node(i, ip(i as u8), 1)));
        let mut tally: BTreeMap<[u8; 32], u32> = BTreeMap::new();
        for &(i, success) in &events {
            // Indices 8..12 name nodes outside the pool.
            let key = keys()[i];
            if success {
                pool.clear_failures(&Ed25519Public::from_bytes(key));
                tally.remove(&key);
            } else if i < 8 {
                let n = tally.entry(key).or_default();
                *n += 1;
                prop_assert_eq!(pool.record_failure(&Ed25519Public::from_bytes(key)), Some(*n));
            } else {
                prop_assert_eq!(pool.record_failure(&Ed25519Public::from_bytes(key)), None);
            }
        }
        let want: Vec<[u8; 32]> = tally.iter().filter(|&(_, &n)| n >= limit).map(|(k, _)| *k).collect();
        prop_assert_eq!(pool.failed(limit).collect::<Vec<_>>(), want);
        for (k, n) in &tally {
            prop_assert_eq!(pool.failures(&Ed25519Public::from_bytes(*k)), *n);
        }
    }
}

/// The field subsets deployed clients ask `get_service_nodes` for decode, and a skipped entry
/// names the field that was missing or wrong.
#[test]
fn node_lists_with_the_fields_clients_request() {
    let k = keys();
    // libsession asks for public_ip, pubkey_ed25519, storage_lmq_port, storage_server_version
    // and swarm_id (no HTTPS port).
    let libsession = format!(
        r#"{{"result":{{"service_node_states":[
            {{"public_ip":"10.2.0.1","pubkey_ed25519":"{e0}","storage_lmq_port":22020,"storage_server_version":[2,10,0],"swarm_id":7}},
            {{"public_ip":"10.2.0.2","pubkey_ed25519":"{e1}","storage_server_version":"2.10.0","swarm_id":7}}
        ]}}}}"#,
        e0 = hex(&k[0]),
        e1 = hex(&k[1]),
    );
    let list = decode_service_nodes(libsession.as_bytes()).unwrap();
    assert_eq!(list.nodes.len(), 1);
    let n = &list.nodes[0];
    assert_eq!(
        (n.https_port(), n.quic_port(), n.swarm()),
        (None, Some(22020), SwarmId(7))
    );
    assert_eq!(list.skipped.len(), 1);
    assert_eq!(list.skipped[0].index, 1);
    assert_eq!(list.skipped[0].reason, NodeError::BadPort);

    // session-desktop asks for public_ip, storage_port, pubkey_x25519 and pubkey_ed25519 (no
    // swarm, no QUIC port).
    let x0 = ed25519_to_x25519(&Ed25519Public::from_bytes(k[0])).unwrap();
    let desktop = format!(
        r#"{{"result":{{"service_node_states":[
            {{"public_ip":"10.3.0.1","storage_port":22021,"pubkey_x25519":"{x0}","pubkey_ed25519":"{e0}","requested_unlock_height":0}},
            {{"storage_port":22021,"pubkey_x25519":"{x0}","pubkey_ed25519":"{e0}"}},
            {{"public_ip":"10.3.0.3","storage_port":"22021","pubkey_ed25519":"{e0}"}},
            {{"public_ip":"10.3.0.4","storage_port":22021,"pubkey_ed25519":"{e0}","swarm_id":null}}
        ],"height":1}}}}"#,
        x0 = hex(x0.as_bytes()),
        e0 = hex(&k[0]),
    );
    let list = decode_service_nodes(desktop.as_bytes()).unwrap();
    assert_eq!(list.nodes.len(), 2);
    let n = &list.nodes[0];
    assert_eq!(
        (n.ip(), n.https_port(), n.quic_port(), n.swarm()),
        (
            Ipv4Addr::new(10, 3, 0, 1),
            Some(22021),
            None,
            SwarmId::INVALID
        )
    );
    assert_eq!(
        list.nodes[1].swarm(),
        SwarmId::INVALID,
        "a null swarm_id is absent"
    );
    let skipped: Vec<_> = list
        .skipped
        .iter()
        .map(|s| (s.index, s.reason, s.field))
        .collect();
    assert_eq!(
        skipped,
        [
            (1, NodeError::Missing("public_ip"), Some("public_ip")),
            (
                2,
                NodeError::WrongType("storage_port"),
                Some("storage_port")
            ),
        ]
    );
}
