//! A small in-memory network (the `network` example's simulation: sans-io clients over real
//! node-side handlers) run end to end, with and without injected faults.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

#[path = "../examples/network/sim.rs"]
mod sim;

mod common;
use common::hex::hex;

use std::collections::BTreeMap;

use base64ct::{Base64, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, PeelError, build_request, decode_relay,
    parse_entry, peel,
};
use sim::observe::{Party, reveals_identity};

fn config() -> sim::Config {
    sim::Config {
        nodes: 60,
        swarms: 10,
        users: 10,
        messages_per_user: 3,
        seed: 5,
        ..sim::Config::default()
    }
}

fn faulty(seed: u64) -> sim::Config {
    sim::Config {
        corrupt_rate: 0.25,
        drop_rate: 0.1,
        attempts: 6,
        seed,
        ..config()
    }
}

/// As a multiset.
fn counts(msgs: &[sim::Msg]) -> BTreeMap<&sim::Msg, usize> {
    let mut m = BTreeMap::new();
    for x in msgs {
        *m.entry(x).or_default() += 1;
    }
    m
}

#[test]
fn every_message_arrives_intact_from_the_right_sender() {
    let mut net = sim::Network::new(config());
    let out = net.run(|_, _| {});
    let s = &net.stats;
    assert_eq!(out.sent.len(), 30);
    assert_eq!(
        counts(&out.acknowledged),
        counts(&out.sent),
        "every store was reported stored"
    );
    // What the recipients' clients reported (sender as the client verified it) is exactly what
    // was sent, each once.
    assert_eq!(counts(&out.received), counts(&out.sent));
    assert!(out.sent.iter().all(|m| m.sender != m.recipient));
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert!(s.attempt_errors.is_empty(), "{:?}", s.attempt_errors);
    assert!(s.unexpected.is_empty(), "{:?}", s.unexpected);
    assert_eq!(s.faults, sim::Faults::default());
    assert_eq!((s.delivered, s.intact, s.wrong), (30, 30, 0));
    assert_eq!((s.profiles_stored, s.delivered_unacknowledged), (10, 0));
    // What the destinations handled: profile stores and retrieves signed, message stores
    // (public inbox) not; one onion request each, nothing retried.
    let requests: Vec<(&str, usize)> = s.requests.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    assert_eq!(
        requests,
        [
            ("retrieve, namespace 0 (an inbox), signed", 10),
            ("store, namespace 0 (an inbox), unsigned", 30),
            ("store, namespace 2 (profile), signed", 10),
        ]
    );
    assert_eq!(s.attempts, 50);
    // Every onion request crossed 3 path nodes and a destination; each user bootstrapped once.
    let t = net.timings();
    assert_eq!(t["peel (one hop, node side)"].len(), 4 * s.attempts);
    assert_eq!(t["seal reply (node side)"].len(), s.attempts);
    assert_eq!(t["Client::handle_response (onion)"].len(), s.attempts);
    assert_eq!(t["Client::handle_response (seed)"].len(), 10);
    assert_eq!(t["Client::send_message"].len(), 30);
    assert_eq!(
        s.bytes_per_hop
            .values()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>(),
        [50, 50, 50, 50, 50]
    );
}

#[test]
fn the_metadata_table_is_what_each_node_handled() {
    let mut net = sim::Network::new(config());
    net.run(|_, _| {});
    let s = &net.stats;
    let sample = s.sample.as_ref().unwrap();
    assert_eq!(sample.attempt, 0);
    let h = &sample.hops;
    assert_eq!(
        h.iter().map(|v| v.role).collect::<Vec<_>>(),
        ["guard", "relay", "relay", "destination"]
    );
    // The addresses form one path from the sender's device to the destination.
    assert_eq!(h[0].from, sample.sender_address.to_string());
    for k in 0..3 {
        assert_eq!(h[k].to, h[k + 1].addr);
        assert_eq!(h[k + 1].from, h[k].addr);
    }
    assert_eq!(h[3].to, "its swarm");
    // The guard saw the sender's device; the destination the recipient's Session ID (in the
    // store request); the middle nodes neither; nobody the sender's keys or ID.
    assert!(h[0].saw_sender_address && !h[0].saw_recipient_id);
    assert!(h[3].saw_recipient_id && !h[3].saw_sender_address);
    for v in &h[1..3] {
        assert!(!v.knows_sender() && !v.knows_recipient(), "{v:?}");
    }
    assert!(h.iter().all(|v| !v.saw_sender_identity));
    assert!(h.iter().all(|v| !(v.knows_sender() && v.knows_recipient())));
    // The same holds for every message, not just the sample.
    let m = &s.metadata;
    assert_eq!(m.messages, 30);
    assert_eq!(m.node_views, 4 * 30, "one attempt each, four nodes");
    assert_eq!((m.knew_both, m.saw_sender_identity), (0, 0));
    assert_eq!(m.guards_saw_sender_address, 30);
    assert_eq!(m.destinations_saw_recipient, 30);
}

/// The observer behind the table must find an identity wherever it is, or the table would say
/// "no" for the wrong reason.
#[test]
fn the_observer_finds_keys_raw_in_hex_and_in_base64() {
    let id = Identity::from_seed(&[7; 32]);
    let other = Identity::from_seed(&[8; 32]);
    let party = |id: &Identity| Party {
        name: "p".into(),
        addr: "100.64.0.9".parse().unwrap(),
        session_id: id.session_id(),
        ed25519: id.ed25519_public().to_bytes(),
    };
    let (p, q) = (party(&id), party(&other));
    let noise = |k: &[u8]| [&[0x5a; 17][..], k, &[0xa5; 9][..]].concat();
    let sid = id.session_id().to_string();
    let cases: Vec<Vec<u8>> = vec![
        noise(id.ed25519_public().as_bytes()),
        noise(id.x25519_public().as_bytes()),
        noise(&id.session_id().to_bytes()),
        format!("{{\"pubkey\":\"{sid}\"}}").into_bytes(),
        sid.to_uppercase().into_bytes(),
        noise(hex(id.ed25519_public().as_bytes()).as_bytes()),
        // Inside base64, at each alignment.
        Base64::encode_string(&noise(id.ed25519_public().as_bytes())).into_bytes(),
        Base64::encode_string(&noise(id.x25519_public().as_bytes())[1..]).into_bytes(),
        Base64::encode_string(&noise(&id.session_id().to_bytes())[2..]).into_bytes(),
    ];
    for (i, c) in cases.iter().enumerate() {
        assert!(reveals_identity(c, &p), "case {i}");
        assert!(!reveals_identity(c, &q), "case {i} names someone else");
    }
    assert!(!reveals_identity(&noise(&[0; 32]), &p));
}

#[test]
fn every_fault_is_dropped_caught_or_harmless_and_nothing_arrives_wrong() {
    let mut net = sim::Network::new(faulty(5));
    let (dropping, corrupting) = net.faulty_nodes();
    assert!(dropping > 0 && corrupting > 0);
    let out = net.run(|_, _| {});
    let s = &net.stats;
    let f = &s.faults;

    // Every kind of fault happened, and each one is accounted for exactly once.
    for kind in [
        sim::REQUEST_DROPPED_ON_PATH,
        sim::REQUEST_CORRUPTED_ON_PATH,
        sim::REQUEST_DROPPED_AT_DESTINATION,
        sim::REPLY_CORRUPTED_AT_DESTINATION,
        sim::REPLY_DROPPED_ON_PATH,
        sim::REPLY_CORRUPTED_ON_PATH,
    ] {
        assert!(
            f.injected.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {f:?}"
        );
    }
    let caught: usize = f.caught.values().sum();
    let harmless: usize = f.harmless.values().sum();
    assert_eq!(f.total(), f.dropped + caught + harmless + f.overtaken);
    assert_eq!(f.total(), f.accounted());
    let drops = [
        sim::REQUEST_DROPPED_ON_PATH,
        sim::REQUEST_DROPPED_AT_DESTINATION,
        sim::REPLY_DROPPED_ON_PATH,
    ];
    assert_eq!(
        f.dropped,
        drops.iter().map(|k| f.injected[k]).sum::<usize>()
    );

    // Only the errors the crate defines for these cases, and only the one known harmless flip.
    let peel_errors = [
        PeelError::Decrypt,
        PeelError::UnsupportedCipher,
        PeelError::WeakKey,
        PeelError::TooManyHops,
    ];
    let by_node = peel_errors.map(|e| format!("{}{e}", sim::CAUGHT_BY_NEXT_NODE));
    let control = format!("{}{}", sim::CAUGHT_BY_NEXT_NODE, PeelError::Control(""));
    for key in f.caught.keys() {
        assert!(
            by_node.contains(key) || key == sim::CAUGHT_BY_CLIENT || key.starts_with(&control),
            "unexpected error kind: {key}"
        );
    }
    assert!(
        f.caught[&by_node[0]] > 0,
        "a corrupted request failed to decrypt"
    );
    assert!(
        f.caught[sim::CAUGHT_BY_CLIENT] > 0,
        "a corrupted reply was rejected by the client"
    );
    assert!(
        f.harmless.keys().all(|k| *k == sim::HARMLESS_HOP_NO),
        "{f:?}"
    );
    assert!(s.unexpected.is_empty(), "{:?}", s.unexpected);
    // What the clients met: silence, a 504, a refusal in the clear with a `PeelError`'s text,
    // or a reply they rejected; and what they gave up with: the client's reasons.
    let clear: Vec<String> = [PeelError::Decrypt, PeelError::Control("")]
        .iter()
        .map(|e| format!("400 \"{}\" from the path", e.message()))
        .collect();
    for why in s.attempt_errors.keys() {
        assert!(
            why.starts_with("no answer from the guard")
                || why.starts_with("504 from the path")
                || why.starts_with("reply did not open")
                || clear.contains(why),
            "{why}"
        );
    }
    let failed_attempts: usize = s.attempt_errors.values().sum();
    assert!(failed_attempts > 0 && failed_attempts < s.attempts);
    for why in s.failures.keys() {
        assert!(
            ["Attempts", "NoNodes"]
                .iter()
                .any(|r| why.ends_with(&format!(": {r}"))),
            "{why}"
        );
    }

    // Whatever arrived was sent, by that sender to that recipient, with that text, once.
    let sent = counts(&out.sent);
    for (m, n) in counts(&out.received) {
        assert_eq!(n, 1, "delivered once: {m:?}");
        assert!(sent.contains_key(m), "delivered intact: {m:?}");
    }
    assert!(!out.received.is_empty());
    assert_eq!((s.intact, s.wrong), (out.received.len(), 0));
    // The clients' reports add up: every message was reported stored or failed, once.
    let message_failures: usize = s
        .failures
        .iter()
        .filter(|(k, _)| k.starts_with("message store"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(s.acknowledged + message_failures, s.sent);
    // And faults do not make nodes learn more.
    assert_eq!(
        (s.metadata.knew_both, s.metadata.saw_sender_identity),
        (0, 0)
    );
}

/// The harmless faults the summary reports: `hop_no` travels in the clear between nodes and no
/// layer authenticates it, so a changed digit passes.
#[test]
fn a_changed_hop_no_goes_unnoticed() {
    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids[..3].iter().map(NodeKeys::from_identity).collect();
    let dest = Destination::Node(NodeKeys::from_identity(&ids[3]));
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let onion = build_request(&keys, &dest, b"{}", HopCipher::XChaCha20, &mut rng).unwrap();
    let mut packet = onion.packet;
    let layer = parse_entry(&mut packet).unwrap();
    let relay = match peel(&NodeSecret::from_identity(&ids[0]), layer)
        .unwrap()
        .hop
    {
        Hop::Forward { relay, .. } => relay,
        other => unreachable!("the guard forwards: {other:?}"),
    };
    assert_eq!(relay.hop_no(), 1);
    let mut msg = relay.encode();
    let at = msg.windows(9).position(|w| w == b"6:hop_noi").unwrap() + 9;
    assert_eq!(msg[at], b'1');
    msg[at] ^= 0b10; // '1' -> '3'
    let layer = decode_relay(&mut msg).unwrap();
    assert_eq!(layer.hop_no(), 3);
    let peeled = peel(&NodeSecret::from_identity(&ids[1]), layer).unwrap();
    assert!(matches!(peeled.hop, Hop::Forward { relay, .. } if relay.hop_no() == 4));
}

#[test]
fn runs_with_faults_are_deterministic_for_a_seed() {
    let run = |seed| {
        let mut net = sim::Network::new(faulty(seed));
        let out = net.run(|_, _| {});
        (out, net.stats)
    };
    let (a, b) = (run(5), run(5));
    assert!(!a.1.attempt_errors.is_empty() && a.1.faults.total() > 0);
    assert_eq!(a, b);
    let c = run(6);
    assert_ne!(a.1, c.1);
    assert_ne!(a.0, c.0);
}

#[test]
fn a_closed_group_lives_in_its_swarm_and_a_removed_member_is_locked_out() {
    let mut net = sim::Network::new(config());
    net.run(|_, _| {});
    let before = net.stats.requests.clone();
    let g = net.run_group().unwrap();
    assert!(g.store_failures.is_empty(), "{:?}", g.store_failures);
    assert!(g.poll_failures.is_empty(), "{:?}", g.poll_failures);
    // Keys, info and members twice (create, remove), the member's post and the admin's two.
    assert_eq!(g.stored, 9);
    // The whole swarm applied the revocation.
    let gid = g.group.unwrap();
    assert_eq!(g.revocations, net.net.swarm_of(&gid).len());
    assert!(g.revocations >= 3);
    assert_eq!(g.members.len(), 3);
    for m in &g.members {
        let read: Vec<&str> = m.read.iter().map(String::as_str).collect();
        if m.removed {
            // Still holds generation 0 and what was sent under it; the new key, info and
            // message are closed to it.
            assert_eq!(m.generation, 0);
            assert_eq!(m.group_name, "Tomato club");
            assert_eq!(m.members, 4);
            assert_eq!(read, ["hello from user 1"]);
            assert_eq!(m.unreadable, 1, "retrieved after the rekey, not opened");
            // After the revocation the swarm refuses its polls of all four namespaces.
            assert_eq!(m.refused_polls, 4);
        } else {
            assert_eq!(m.generation, 1);
            assert_eq!(m.group_name, "Tomato club (minus one)");
            assert_eq!(m.members, 3);
            assert_eq!(
                read,
                ["hello from user 1", "after the rekey", "after the revoke"]
            );
            assert_eq!(m.unreadable, 0);
            assert_eq!(m.refused_polls, 0);
        }
    }
    // Every group request was signed: by the group key (admin) or a member's credential
    // (the nodes verify both with `storage::verify_request`).
    let group_requests: Vec<(&String, usize)> = net
        .stats
        .requests
        .iter()
        .filter(|(k, _)| k.contains("(group"))
        .map(|(k, n)| (k, n - before.get(k).copied().unwrap_or(0)))
        .collect();
    assert!(!group_requests.is_empty());
    assert!(
        group_requests.iter().all(|(k, _)| k.ends_with(", signed")),
        "{group_requests:?}"
    );
    let stores: usize = group_requests
        .iter()
        .filter(|(k, _)| k.starts_with("store"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(stores, 9);
    assert!(
        net.stats.unexpected.is_empty(),
        "{:?}",
        net.stats.unexpected
    );
}
