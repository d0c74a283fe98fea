//! The sans-io client driven through a whole life over an in-memory network of real node-side
//! handlers: bootstrap, paths, store, poll (exactly once), a node failure and path rebuild, a
//! 421 swarm move, a 406 clock correction; deterministic from a seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../examples/support/memnet.rs"]
mod memnet;

use memnet::{MemNet, SEED};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::client::{Client, Config, Event, FailReason, SendError};
use session_protocol::envelope::Content;

fn body_of(content: &[u8]) -> String {
    Content::from_bytes(content)
        .unwrap()
        .data_message
        .and_then(|d| d.body)
        .unwrap()
}

fn received(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::MessageReceived { from, content, .. } => {
                Some((from.to_string(), body_of(content)))
            }
            _ => None,
        })
        .collect()
}

fn stored(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::MessageStored { .. }))
        .count()
}

fn config() -> Config {
    let mut config = Config::default();
    config.min_pool = 12;
    config
}

/// The whole scenario; returns every event, for the determinism check.
fn scenario(seed: u64) -> Vec<String> {
    let mut net = MemNet::new(seed, 60, 10);
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0xc11e);
    let alice_id = Identity::from_seed(&[0xa1; 32]);
    let bob_id = Identity::from_seed(&[0xb0; 32]);
    let (alice_sid, bob_sid) = (alice_id.session_id(), bob_id.session_id());
    let mut alice = Client::new(alice_id, config(), vec![SEED]);
    let mut bob = Client::new(bob_id, config(), vec![SEED]);
    let mut log = Vec::new();
    let mut record = |events: &[Vec<Event>]| {
        for (who, es) in ["alice", "bob"].iter().zip(events) {
            for e in es {
                log.push(format!("{who}: {e:?}"));
            }
        }
    };

    // 1. Bootstrap and send: the pool comes from the seed, the message goes through a path.
    let now = net.now_ms;
    let hello = Content::text("hello Bob", now).to_bytes();
    alice.send_message(now, &bob_sid, &hello, &mut rng).unwrap();
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
    record(&ev);
    assert!(
        ev[0]
            .iter()
            .any(|e| matches!(e, Event::PoolUpdated { nodes: 60 })),
        "{:?}",
        ev[0]
    );
    assert_eq!(stored(&ev[0]), 1, "{:?}", ev[0]);
    assert_eq!(alice.pool().len(), 60);
    let path: Vec<_> = alice.paths().next().unwrap().to_vec();
    assert_eq!(path.len(), 3);

    // 2. Bob polls and gets it exactly once, however often he polls.
    bob.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
    record(&ev);
    assert_eq!(
        received(&ev[1]),
        vec![(alice_sid.to_string(), "hello Bob".to_owned())]
    );
    for _ in 0..3 {
        bob.poll(net.now_ms, &mut rng);
        let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
        record(&ev);
        assert!(received(&ev[1]).is_empty(), "{:?}", ev[1]);
    }
    assert!(
        bob.last_hash(session_protocol::storage::Namespace::DEFAULT)
            .is_some()
    );

    // 3. A node on Bob's path dies: the next poll rebuilds around it and still succeeds.
    let bob_path: Vec<_> = bob.paths().next().unwrap().to_vec();
    let victim = *bob_path[1].ed25519();
    net.dead.insert(victim);
    let now = net.now_ms;
    let second = Content::text("second", now).to_bytes();
    alice
        .send_message(now, &bob_sid, &second, &mut rng)
        .unwrap();
    bob.poll(now, &mut rng);
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
    record(&ev);
    let mut got = received(&ev[1]);
    if got.is_empty() {
        // The poll may have overtaken the store; poll once more.
        bob.poll(net.now_ms, &mut rng);
        let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
        record(&ev);
        got = received(&ev[1]);
    }
    assert_eq!(got, vec![(alice_sid.to_string(), "second".to_owned())]);
    assert!(
        bob.paths()
            .all(|p| p.iter().all(|n| *n.ed25519() != victim)),
        "the dead node is on no path"
    );
    assert!(bob.pool().failures(&victim) > 0);

    // 4. Bob's swarm moves: both clients learn it from 421 answers and carry on.
    let old_swarm = net.swarm_of(&bob_sid);
    net.move_swarm(&bob_sid);
    let new_swarm = net.swarm_of(&bob_sid);
    assert_ne!(old_swarm, new_swarm);
    let now = net.now_ms;
    let third = Content::text("after the move", now).to_bytes();
    alice.send_message(now, &bob_sid, &third, &mut rng).unwrap();
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
    record(&ev);
    assert_eq!(stored(&ev[0]), 1, "{:?}", ev[0]);
    let wrong_swarm = |net: &MemNet| net.served.get("status 421").copied().unwrap_or(0);
    assert!(wrong_swarm(&net) >= 1, "Alice's store met a 421");
    let before = wrong_swarm(&net);
    bob.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, 0], &mut rng, 1000);
    record(&ev);
    assert_eq!(
        received(&ev[1]),
        vec![(alice_sid.to_string(), "after the move".to_owned())]
    );
    assert!(wrong_swarm(&net) > before, "Bob's poll met a 421 too");
    assert!(!net.served.contains_key("status 406"));

    // 5. Bob's clock jumps 10 minutes ahead: his signed poll gets a 406, the client reads a
    // node's clock, corrects itself and the poll succeeds.
    let skew = 600_000;
    bob.poll(net.now_ms + skew as u64, &mut rng);
    let ev = net.run(&mut [&mut alice, &mut bob], &[0, skew], &mut rng, 1000);
    record(&ev);
    let adjusted = ev[1].iter().find_map(|e| match e {
        Event::ClockAdjusted { offset_ms } => Some(*offset_ms),
        _ => None,
    });
    let offset = adjusted.expect("a clock correction");
    assert!(net.served.get("status 406").copied().unwrap_or(0) >= 1);
    assert!((offset + skew).abs() < 1_000, "offset {offset}");
    assert!(
        !ev[1].iter().any(|e| matches!(e, Event::PollFailed { .. })),
        "{:?}",
        ev[1]
    );
    assert_eq!(
        bob.clock()
            .now_ms(net.now_ms + skew as u64)
            .abs_diff(net.now_ms),
        0
    );
    // Nothing new, nothing twice.
    assert!(received(&ev[1]).is_empty());
    log
}

#[test]
fn client_lifecycle_over_an_in_memory_network() {
    let log = scenario(7);
    assert!(!log.is_empty());
}

#[test]
fn the_same_seed_gives_the_same_run() {
    assert_eq!(scenario(11), scenario(11));
}

#[test]
fn without_seeds_or_nodes_requests_fail_instead_of_waiting() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let me = Identity::from_seed(&[1; 32]);
    let bob = Identity::from_seed(&[2; 32]).session_id();
    let mut client = Client::new(me, Config::default(), vec![]);
    let id = client
        .send_message(0, &bob, &Content::text("x", 0).to_bytes(), &mut rng)
        .unwrap();
    let events: Vec<_> = std::iter::from_fn(|| client.poll_event()).collect();
    assert_eq!(
        events,
        vec![Event::MessageFailed {
            id,
            reason: FailReason::NoNodes
        }]
    );
    assert_eq!(client.pending(), 0);
    assert!(client.poll_transmit().is_none());
}

#[test]
fn dead_seeds_fail_every_waiting_request_after_bounded_retries() {
    let mut net = MemNet::new(3, 20, 4);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let me = Identity::from_seed(&[1; 32]);
    let bob = Identity::from_seed(&[2; 32]).session_id();
    let unreachable = std::net::SocketAddrV4::new(std::net::Ipv4Addr::new(10, 9, 9, 9), 1);
    let mut client = Client::new(me, Config::default(), vec![unreachable]);
    let id = client
        .send_message(
            net.now_ms,
            &bob,
            &Content::text("x", 0).to_bytes(),
            &mut rng,
        )
        .unwrap();
    client.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut client], &[0], &mut rng, 200);
    assert!(ev[0].contains(&Event::MessageFailed {
        id,
        reason: FailReason::NoNodes
    }));
    assert!(ev[0].iter().any(|e| matches!(e, Event::PollFailed { .. })));
    assert_eq!(client.pending(), 0);
    assert_eq!(client.next_timeout(), None);
}

#[test]
fn send_refuses_what_cannot_be_sent() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut client = Client::new(Identity::from_seed(&[1; 32]), Config::default(), vec![SEED]);
    let group = session_protocol::SessionId::new(session_protocol::IdPrefix::Group, [3; 32]);
    assert_eq!(
        client.send_message(0, &group, b"x", &mut rng),
        Err(SendError::NotAnAccount)
    );
    let bob = Identity::from_seed(&[2; 32]).session_id();
    let huge = vec![0u8; 80_000];
    assert_eq!(
        client.send_message(0, &bob, &huge, &mut rng),
        Err(SendError::TooLarge)
    );
    assert_eq!(client.pending(), 0);
}

/// A swarm that answers every request the same way: each request ends, with the reason, after
/// a bounded number of tries (no 421 or 406 loop).
fn hostile(forced: Option<(u16, &str)>, garbage: Option<&[u8]>, expect: FailReason) {
    let mut net = MemNet::new(5, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let bob = Identity::from_seed(&[2; 32]).session_id();
    let mut client = Client::new(Identity::from_seed(&[1; 32]), config(), vec![SEED]);
    net.forced = forced.map(|(s, b)| (s, b.to_owned()));
    net.garbage_http = garbage.map(<[u8]>::to_vec);
    let id = client
        .send_message(
            net.now_ms,
            &bob,
            &Content::text("x", 0).to_bytes(),
            &mut rng,
        )
        .unwrap();
    client.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut client], &[0], &mut rng, 500);
    assert!(
        ev[0].contains(&Event::MessageFailed { id, reason: expect }),
        "{expect:?}: {:?}",
        ev[0]
    );
    assert!(ev[0].contains(&Event::PollFailed {
        account: client.identity().session_id(),
        namespace: session_protocol::storage::Namespace::DEFAULT,
        reason: expect
    }));
    assert_eq!(client.pending(), 0, "nothing left retrying");
    assert!(client.poll_transmit().is_none());
    let rpcs: usize = net
        .served
        .iter()
        .filter(|(k, _)| k.starts_with("status") || *k == "store")
        .map(|(_, n)| n)
        .sum();
    assert!(rpcs < 100, "bounded work: {:?}", net.served);
}

#[test]
fn a_swarm_that_always_answers_421_is_given_up_on() {
    hostile(
        Some((
            421,
            r#"{"snodes":[],"swarm":"ffffffffffffffff","t":1700000000000}"#,
        )),
        None,
        FailReason::WrongSwarm,
    );
}

#[test]
fn a_swarm_that_always_answers_406_is_given_up_on() {
    hostile(
        Some((406, "Timestamp error: check your clock")),
        None,
        FailReason::ClockOutOfSync,
    );
}

#[test]
fn failing_nodes_exhaust_the_attempts() {
    hostile(Some((500, "request failed")), None, FailReason::Attempts);
    hostile(
        Some((503, "Service node is not ready")),
        None,
        FailReason::Attempts,
    );
}

#[test]
fn unreadable_answers_exhaust_the_attempts() {
    hostile(None, Some(b"not an onion reply"), FailReason::Attempts);
}

#[test]
fn refusals_are_not_retried() {
    hostile(
        Some((401, "retrieve signature verification failed")),
        None,
        FailReason::Refused(401),
    );
    hostile(
        Some((400, "invalid request")),
        None,
        FailReason::Refused(400),
    );
}

#[test]
fn a_node_claiming_more_forever_is_followed_a_bounded_number_of_pages() {
    let mut net = MemNet::new(6, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let client = Client::new(Identity::from_seed(&[1; 32]), config(), vec![SEED]);
    let hash = session_protocol::storage::message_hash(
        &client.identity().session_id(),
        session_protocol::storage::Namespace(5),
        b"x",
    );
    let body = format!(
        r#"{{"messages":[{{"hash":"{hash}","timestamp":1,"expiration":2,"data":"eA=="}}],"more":true,"t":{}}}"#,
        net.now_ms
    );
    net.forced = Some((200, body));
    let mut c = config();
    c.namespaces = vec![session_protocol::storage::Namespace(5)];
    let mut client = Client::new(Identity::from_seed(&[1; 32]), c, vec![SEED]);
    client.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut client], &[0], &mut rng, 500);
    let pages = net.served.get("status 200").copied().unwrap_or(0);
    assert_eq!(pages, session_protocol::client::MAX_PAGES as usize);
    let retrieved: Vec<_> = ev[0]
        .iter()
        .filter(|e| matches!(e, Event::Retrieved { .. }))
        .collect();
    assert_eq!(retrieved.len(), 1, "de-duplicated by hash");
    assert_eq!(client.pending(), 0);
    assert_eq!(
        client.last_hash(session_protocol::storage::Namespace(5)),
        Some(hash.as_str())
    );
}

#[test]
fn a_message_whose_hash_does_not_match_its_bytes_is_dropped() {
    let mut net = MemNet::new(8, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let ns = session_protocol::storage::Namespace(5);
    let mut c = config();
    c.namespaces = vec![ns];
    let mut client = Client::new(Identity::from_seed(&[1; 32]), c, vec![SEED]);
    // A real hash, but of other bytes than the ones served with it.
    let hash = session_protocol::storage::message_hash(
        &client.identity().session_id(),
        ns,
        b"the real message",
    );
    let body = format!(
        r#"{{"messages":[{{"hash":"{hash}","timestamp":1,"expiration":2,"data":"Zm9yZ2Vk"}}],"more":false,"t":{}}}"#,
        net.now_ms
    );
    net.forced = Some((200, body));
    client.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut client], &[0], &mut rng, 500);
    assert!(
        !ev[0].iter().any(|e| matches!(e, Event::Retrieved { .. })),
        "{:?}",
        ev[0]
    );
    assert_eq!(
        client.last_hash(ns),
        None,
        "a forged hash is not remembered"
    );
    assert_eq!(client.seen_hashes().count(), 0);
    // Whoever served it is struck out.
    assert!(
        client
            .pool()
            .nodes()
            .iter()
            .any(|n| client.pool().failures(n.ed25519())
                >= session_protocol::swarm::NodePool::FAILURE_LIMIT)
    );
}

#[test]
fn polling_state_can_be_saved_and_restored() {
    let mut net = MemNet::new(9, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let alice = Identity::from_seed(&[0xa1; 32]);
    let bob_id = Identity::from_seed(&[0xb0; 32]);
    let bob_sid = bob_id.session_id();
    let mut alice = Client::new(alice, config(), vec![SEED]);
    for text in ["one", "two"] {
        let c = Content::text(text, net.now_ms).to_bytes();
        alice
            .send_message(net.now_ms, &bob_sid, &c, &mut rng)
            .unwrap();
        net.run(&mut [&mut alice], &[0], &mut rng, 500);
    }
    let mut bob = Client::new(Identity::from_seed(&[0xb0; 32]), config(), vec![SEED]);
    bob.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut bob], &[0], &mut rng, 500);
    assert_eq!(received(&ev[0]).len(), 2);
    let ns = session_protocol::storage::Namespace::DEFAULT;
    let last = bob.last_hash(ns).unwrap().to_owned();
    let seen: Vec<String> = bob.seen_hashes().map(str::to_owned).collect();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen.last(), Some(&last));

    // A restarted client with the saved state receives nothing again...
    let mut again = Client::new(Identity::from_seed(&[0xb0; 32]), config(), vec![SEED]);
    again.set_last_hash(ns, &last).unwrap();
    for h in &seen {
        again.mark_seen(h);
    }
    again.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut again], &[0], &mut rng, 500);
    assert!(received(&ev[0]).is_empty(), "{:?}", ev[0]);
    // ...and a bad saved hash is refused.
    assert!(again.set_last_hash(ns, "not a hash").is_err());
    // Without the state, everything comes again.
    let mut fresh = Client::new(Identity::from_seed(&[0xb0; 32]), config(), vec![SEED]);
    fresh.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut fresh], &[0], &mut rng, 500);
    assert_eq!(received(&ev[0]).len(), 2);
}

#[test]
fn store_own_signs_a_profile_into_the_own_swarm_and_polling_reads_it_back() {
    use session_protocol::storage::{Namespace, request};
    let mut net = MemNet::new(8, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let mut c = config();
    c.namespaces = vec![Namespace::DEFAULT, Namespace::USER_PROFILE];
    let me = Identity::from_seed(&[1; 32]);
    let sid = me.session_id();
    let mut client = Client::new(me, c, vec![SEED]);
    let ttl = request::MAX_TTL_PRIVATE_MS;
    // Out of range for the namespace, or too large: refused, nothing queued.
    assert_eq!(
        client.store_own(net.now_ms, Namespace::USER_PROFILE, b"p", ttl + 1, &mut rng),
        Err(SendError::TtlOutOfRange)
    );
    assert_eq!(
        client.store_own(
            net.now_ms,
            Namespace::DEFAULT,
            b"p",
            request::MAX_TTL_PUBLIC_MS + 1,
            &mut rng
        ),
        Err(SendError::TtlOutOfRange)
    );
    assert_eq!(
        client.store_own(
            net.now_ms,
            Namespace::USER_PROFILE,
            &[0; 80_000],
            ttl,
            &mut rng
        ),
        Err(SendError::TooLarge)
    );
    assert_eq!(client.pending(), 0);

    let id = client
        .store_own(
            net.now_ms,
            Namespace::USER_PROFILE,
            b"profile",
            ttl,
            &mut rng,
        )
        .unwrap();
    let mut rpcs = Vec::new();
    let ev = net.run_traced(&mut [&mut client], &[0], &mut rng, 1000, |_, t| {
        rpcs.extend(t.rpc)
    });
    let hash = session_protocol::storage::message_hash(&sid, Namespace::USER_PROFILE, b"profile");
    assert!(
        ev[0].iter().any(
            |e| matches!(e, Event::MessageStored { id: i, hash: h, .. } if *i == id && *h == hash)
        ),
        "{:?}",
        ev[0]
    );
    // The node checked the owner's signature (namespace 2 requires it) and stored it there.
    assert_eq!(rpcs.len(), 1);
    let rpc = &rpcs[0];
    assert_eq!(
        (
            rpc.method.as_str(),
            rpc.namespace,
            rpc.account,
            rpc.signed,
            rpc.status
        ),
        ("store", 2, Some(sid), true, 200)
    );

    client.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut client], &[0], &mut rng, 1000);
    let got: Vec<_> = ev[0]
        .iter()
        .filter_map(|e| match e {
            Event::Retrieved {
                namespace, message, ..
            } => Some((*namespace, message.data.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![(Namespace::USER_PROFILE, b"profile".to_vec())]);
}

#[test]
fn group_credentials_sign_what_they_allow_and_nothing_else() {
    use session_protocol::client::{GroupAuth, Revocation};
    use session_protocol::config::{MemberAuth, member_token};
    use session_protocol::storage::request::{MAX_TTL_PRIVATE_MS, RequestError};
    use session_protocol::storage::{Namespace, SubaccountFlags};
    use session_protocol::{IdPrefix, SessionId};

    let mut net = MemNet::new(11, 40, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let group = Identity::from_seed(&[0x60; 32]);
    let gid = SessionId::new(IdPrefix::Group, group.ed25519_public().to_bytes());
    let admin_id = Identity::from_seed(&[0xad; 32]);
    let reader_id = Identity::from_seed(&[0x4e; 32]);
    let reader_id_copy = Identity::from_seed(&[0x4e; 32]);
    let read_only = MemberAuth::new(&group, &reader_id.session_id(), SubaccountFlags::READ)
        .unwrap()
        .signer(&gid, &reader_id)
        .unwrap();
    let mut admin = Client::new(admin_id, config(), vec![SEED]);
    let mut reader = Client::new(reader_id, config(), vec![SEED]);

    // Credentials for another group, or a key that is not the group's, are refused.
    let other = SessionId::new(IdPrefix::Group, [0x61; 32]);
    let stranger = Identity::from_seed(&[0x62; 32]);
    assert_eq!(
        admin.add_group(gid, GroupAuth::Admin(Identity::from_seed(&[0x62; 32]))),
        Err(RequestError::WrongSigner)
    );
    assert_eq!(
        admin.add_group(stranger.session_id(), GroupAuth::Admin(stranger)),
        Err(RequestError::UnsupportedAccount)
    );
    let signer_for_gid = MemberAuth::new(
        &group,
        &Identity::from_seed(&[0x4e; 32]).session_id(),
        SubaccountFlags::READ,
    )
    .unwrap()
    .signer(&gid, &Identity::from_seed(&[0x4e; 32]))
    .unwrap();
    assert_eq!(
        reader.add_group(other, GroupAuth::Member(signer_for_gid)),
        Err(RequestError::WrongSigner)
    );
    // Not added yet: nothing to sign with.
    assert_eq!(
        reader.store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"x",
            MAX_TTL_PRIVATE_MS,
            &mut rng
        ),
        Err(SendError::UnknownGroup)
    );

    admin
        .add_group(gid, GroupAuth::Admin(Identity::from_seed(&[0x60; 32])))
        .unwrap();
    let read_only_token =
        &member_token(&group, &reader_id_copy.session_id(), SubaccountFlags::READ).unwrap();
    assert_eq!(read_only_token, read_only.token());
    reader.add_group(gid, GroupAuth::Member(read_only)).unwrap();
    assert_eq!(reader.groups().collect::<Vec<_>>(), [&gid]);
    let posted = admin
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"from the admin",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    // A read-only credential cannot store: refused before anything is sent.
    assert_eq!(
        reader.store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"from a reader",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        ),
        Err(SendError::NotPermitted)
    );
    // A writer stores messages, but not in a public outbox (which needs delete as well).
    let writer_id = Identity::from_seed(&[0x4f; 32]);
    let writer_auth =
        MemberAuth::new(&group, &writer_id.session_id(), SubaccountFlags::WRITE).unwrap();
    let writer_signer = writer_auth.signer(&gid, &writer_id).unwrap();
    let writer_token = *writer_signer.token();
    let mut writer = Client::new(writer_id, config(), vec![SEED]);
    writer
        .add_group(gid, GroupAuth::Member(writer_signer))
        .unwrap();
    assert_eq!(
        writer.store_in_group(
            net.now_ms,
            &gid,
            Namespace(-21),
            b"x",
            MAX_TTL_PRIVATE_MS,
            &mut rng
        ),
        Err(SendError::NotPermitted)
    );
    let written = writer
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"from a writer",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    // The admin leaves a notice in -11, which revoked members may still read.
    let notice = admin
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::REVOKED_RETRIEVABLE,
            b"notice",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    let ev = net.run(&mut [&mut admin, &mut writer], &[0, 0], &mut rng, 500);
    assert!(
        ev[0]
            .iter()
            .any(|e| matches!(e, Event::MessageStored { id, .. } if *id == posted)),
        "{:?}",
        ev[0]
    );
    assert!(
        ev[0]
            .iter()
            .any(|e| matches!(e, Event::MessageStored { id, .. } if *id == notice)),
        "{:?}",
        ev[0]
    );
    assert!(
        ev[1]
            .iter()
            .any(|e| matches!(e, Event::MessageStored { id, .. } if *id == written)),
        "{:?}",
        ev[1]
    );

    // Only the group's admin revokes, a token list of 1 to 50.
    let token = [7u8; 36];
    assert_eq!(
        reader.revoke_subaccounts(net.now_ms, &gid, &[token], Revocation::Revoke, &mut rng),
        Err(SendError::NotGroupAdmin)
    );
    assert_eq!(
        admin.revoke_subaccounts(net.now_ms, &other, &[token], Revocation::Revoke, &mut rng),
        Err(SendError::UnknownGroup)
    );
    assert_eq!(
        admin.revoke_subaccounts(net.now_ms, &gid, &[], Revocation::Revoke, &mut rng),
        Err(SendError::TokenCount)
    );
    assert_eq!(
        admin.revoke_subaccounts(
            net.now_ms,
            &gid,
            &[token; 51],
            Revocation::Unrevoke,
            &mut rng
        ),
        Err(SendError::TokenCount)
    );

    // Reading is allowed: the reader's poll covers the group's namespaces.
    reader.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut reader], &[0], &mut rng, 500);
    let got: Vec<(SessionId, Namespace, Vec<u8>)> = ev[0]
        .iter()
        .filter_map(|e| match e {
            Event::Retrieved {
                account,
                namespace,
                message,
            } => Some((*account, *namespace, message.data.clone())),
            _ => None,
        })
        .collect();
    let mut got = got;
    got.sort();
    let mut want = vec![
        (gid, Namespace::GROUP_MESSAGES, b"from the admin".to_vec()),
        (gid, Namespace::GROUP_MESSAGES, b"from a writer".to_vec()),
        (gid, Namespace::REVOKED_RETRIEVABLE, b"notice".to_vec()),
    ];
    want.sort();
    assert_eq!(got, want);
    let last = reader
        .last_hash_in(&gid, Namespace::GROUP_MESSAGES)
        .unwrap()
        .to_owned();
    assert_eq!(
        reader.last_hash(Namespace::GROUP_MESSAGES),
        None,
        "kept per account"
    );

    // Once the admin revokes the reader's and the writer's tokens, every swarm member
    // confirms, and the swarm refuses their requests (401, not retried) except retrieves
    // from -11.
    let reader_token = *read_only_token;
    let revoked = admin
        .revoke_subaccounts(
            net.now_ms,
            &gid,
            &[reader_token, writer_token],
            Revocation::Revoke,
            &mut rng,
        )
        .unwrap();
    let ev = net.run(&mut [&mut admin], &[0], &mut rng, 500);
    let swarm_size = net.swarm_of(&gid).len();
    assert!(swarm_size >= 3);
    assert!(
        ev[0].contains(&Event::Revoked {
            id: revoked,
            group: gid,
            action: Revocation::Revoke,
            confirmations: swarm_size
        }),
        "{:?}",
        ev[0]
    );
    admin
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::REVOKED_RETRIEVABLE,
            b"you were removed",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    net.run(&mut [&mut admin], &[0], &mut rng, 500);
    reader.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut reader], &[0], &mut rng, 500);
    let refused: Vec<Namespace> = ev[0]
        .iter()
        .filter_map(|e| match e {
            Event::PollFailed {
                account,
                namespace,
                reason: FailReason::Refused(401),
            } if *account == gid => Some(*namespace),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 4, "{:?}", ev[0]);
    assert!(!refused.contains(&Namespace::REVOKED_RETRIEVABLE));
    assert!(
        ev[0].iter().any(|e| matches!(e, Event::Retrieved { namespace, message, .. }
            if *namespace == Namespace::REVOKED_RETRIEVABLE && message.data == b"you were removed")),
        "{:?}",
        ev[0]
    );
    // Stores are refused even in -11 (only retrieves are exempt).
    let late = writer
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"late",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    let late_notice = writer
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::REVOKED_RETRIEVABLE,
            b"late",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    let ev = net.run(&mut [&mut writer], &[0], &mut rng, 500);
    for id in [late, late_notice] {
        assert!(
            ev[0].contains(&Event::MessageFailed {
                id,
                reason: FailReason::Refused(401)
            }),
            "{:?}",
            ev[0]
        );
    }
    // Lifting the revocation lets the reader read again.
    admin
        .revoke_subaccounts(
            net.now_ms,
            &gid,
            &[reader_token],
            Revocation::Unrevoke,
            &mut rng,
        )
        .unwrap();
    let ev = net.run(&mut [&mut admin], &[0], &mut rng, 500);
    assert!(ev[0].iter().any(|e| matches!(
        e,
        Event::Revoked {
            action: Revocation::Unrevoke,
            ..
        }
    )));
    reader.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut reader], &[0], &mut rng, 500);
    assert!(
        !ev[0].iter().any(|e| matches!(e, Event::PollFailed { .. })),
        "{:?}",
        ev[0]
    );

    // Leaving the group while its polls are on the wire: their answers are ignored, its last
    // hashes forgotten, and the next poll leaves it alone. A store still queued is cancelled.
    admin
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"one more",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    net.run(&mut [&mut admin], &[0], &mut rng, 500);
    reader.poll(net.now_ms, &mut rng);
    assert!(reader.pending() > 0);
    reader.remove_group(&gid);
    assert!(
        reader
            .last_hash_in(&gid, Namespace::GROUP_MESSAGES)
            .is_none()
    );
    let ev = net.run(&mut [&mut reader], &[0], &mut rng, 500);
    let about_group = |ev: &[Event]| {
        ev.iter().any(|e| {
            matches!(e, Event::Retrieved { account, .. } | Event::PollFailed { account, .. } if *account == gid)
        })
    };
    assert!(!about_group(&ev[0]), "{:?}", ev[0]);
    assert!(
        reader
            .last_hash_in(&gid, Namespace::GROUP_MESSAGES)
            .is_none()
    );
    reader.poll(net.now_ms, &mut rng);
    let ev = net.run(&mut [&mut reader], &[0], &mut rng, 500);
    assert!(!about_group(&ev[0]), "{:?}", ev[0]);
    let queued = admin
        .store_in_group(
            net.now_ms,
            &gid,
            Namespace::GROUP_MESSAGES,
            b"never",
            MAX_TTL_PRIVATE_MS,
            &mut rng,
        )
        .unwrap();
    admin.remove_group(&gid);
    assert_eq!(
        admin.poll_event(),
        Some(Event::MessageFailed {
            id: queued,
            reason: FailReason::Cancelled
        })
    );
    assert_eq!(admin.pending(), 0);
    // Only groups are removed: a 1:1 message to an account named by mistake goes on.
    let bob = Identity::from_seed(&[0xb1; 32]).session_id();
    let hi = admin
        .send_message(
            net.now_ms,
            &bob,
            &Content::text("hi", 0).to_bytes(),
            &mut rng,
        )
        .unwrap();
    admin.remove_group(&bob);
    let ev = net.run(&mut [&mut admin], &[0], &mut rng, 500);
    assert!(
        ev[0]
            .iter()
            .any(|e| matches!(e, Event::MessageStored { id, .. } if *id == hi)),
        "{:?}",
        ev[0]
    );
    // A saved last hash can be restored for a group.
    reader
        .set_last_hash_in(&gid, Namespace::GROUP_MESSAGES, &last)
        .unwrap();
    assert_eq!(
        reader.last_hash_in(&gid, Namespace::GROUP_MESSAGES),
        Some(last.as_str())
    );
}
