//! Clients and a testnet over real loopback sockets: TLS, HTTP, onion paths, a node killed
//! mid-run; then a load run whose throughput and latency are printed (run with
//! `-- --nocapture` to see them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use session_client::{Received, Session};
use session_protocol::client::Config as ClientConfig;
use session_protocol::envelope::Content;
use session_protocol::{Identity, SessionId};
use session_testnet::{Config, Stats, Testnet};

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::default();
    // Loopback answers come in milliseconds; a killed node refuses at once.
    c.request_timeout_ms = 5_000;
    c.max_attempts = 6;
    c.backoff_base_ms = 20;
    c.backoff_max_ms = 500;
    c
}

fn session(seed: u8, net: &Testnet) -> Session {
    Session::new(
        Identity::from_seed(&[seed; 32]),
        client_config(),
        vec![net.seed()],
    )
    .unwrap()
}

fn text(r: &Received) -> String {
    Content::from_bytes(&r.content)
        .unwrap()
        .data_message
        .and_then(|d| d.body)
        .unwrap()
}

/// Polls until `want` messages arrived in all (at most 30 polls).
async fn receive_all(s: &mut Session, want: usize, got: &mut Vec<Received>) {
    for _ in 0..30 {
        if got.len() >= want {
            return;
        }
        got.extend(s.receive().await.unwrap());
        if got.len() < want {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_exchange_50_messages_and_survive_a_killed_node() {
    let mut config = Config::with_nodes(24);
    config.swarm_size = 4;
    let mut net = Testnet::start(config).await.unwrap();
    let mut alice = session(0xa1, &net);
    let mut bob = session(0xb0, &net);
    let alice_id = alice.client().identity().session_id();
    let bob_id = bob.client().identity().session_id();

    let mut sent_to_bob = BTreeSet::new();
    let mut sent_to_alice = BTreeSet::new();
    let mut got_bob = Vec::new();
    let mut got_alice = Vec::new();
    let mut killed = None;
    for i in 0..25 {
        let a = format!("alice -> bob #{i}");
        let stored = alice
            .send(
                &bob_id,
                &Content::text(&a, session_client::now_ms()).to_bytes(),
            )
            .await
            .unwrap();
        assert!(stored.confirmations >= 1);
        sent_to_bob.insert(a);
        let b = format!("bob -> alice #{i}");
        bob.send(
            &alice_id,
            &Content::text(&b, session_client::now_ms()).to_bytes(),
        )
        .await
        .unwrap();
        sent_to_alice.insert(b);
        if i % 5 == 4 {
            got_bob.extend(bob.receive().await.unwrap());
            got_alice.extend(alice.receive().await.unwrap());
        }
        if i == 10 {
            // Kill the first node of Alice's path: her next request meets a closed port.
            let guard = *alice.client().paths().next().expect("a path")[0].ed25519();
            let n = net.index_of(&guard).unwrap();
            net.kill(n);
            assert!(!net.is_alive(n));
            killed = Some(guard);
        }
    }
    receive_all(&mut bob, 25, &mut got_bob).await;
    receive_all(&mut alice, 25, &mut got_alice).await;

    // Every message arrived, once, from the right sender.
    for (got, sent, from) in [
        (&got_bob, &sent_to_bob, alice_id),
        (&got_alice, &sent_to_alice, bob_id),
    ] {
        let texts: Vec<String> = got.iter().map(text).collect();
        let unique: BTreeSet<String> = texts.iter().cloned().collect();
        assert_eq!(texts.len(), 25, "no message lost or duplicated");
        assert_eq!(&unique, sent);
        assert!(got.iter().all(|r| r.from == from));
        let hashes: BTreeSet<&str> = got.iter().map(|r| r.hash.as_str()).collect();
        assert_eq!(hashes.len(), 25);
    }
    // Alice's paths were rebuilt without the killed node.
    let killed = killed.unwrap();
    assert!(alice.client().paths().count() >= 1);
    assert!(
        alice
            .client()
            .paths()
            .all(|p| p.iter().all(|n| *n.ed25519() != killed)),
        "the killed node is off every path"
    );
    let s = net.stats();
    assert_eq!(Stats::get(&s.stored), 50);
    assert!(Stats::get(&s.relayed) >= 3 * Stats::get(&s.onion_requests) / 2);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_messages_in_the_file() {
    let dir = std::env::temp_dir().join(format!("session-testnet-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("net.db");
    let _ = std::fs::remove_file(&db);
    let mut config = Config::with_nodes(12);
    config.db = Some(db.clone());
    config.swarm_size = 3;
    let net = Testnet::start(config).await.unwrap();
    let mut alice = session(0xa2, &net);
    let mut bob = session(0xb2, &net);
    let bob_id = bob.client().identity().session_id();
    for i in 0..5 {
        let c = Content::text(&format!("kept #{i}"), session_client::now_ms()).to_bytes();
        alice.send(&bob_id, &c).await.unwrap();
    }
    let mut got = Vec::new();
    receive_all(&mut bob, 5, &mut got).await;
    assert_eq!(got.len(), 5);
    // Each of the swarm's three members holds its own row for each message.
    assert_eq!(net.store().len().unwrap(), 15);
    net.shutdown().await;
    let rows: i64 = rusqlite_count(&db);
    assert_eq!(rows, 15);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn rusqlite_count(db: &std::path::Path) -> i64 {
    let store = session_testnet::Store::open(db).unwrap();
    i64::try_from(store.len().unwrap()).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// 1,000 messages from 10 clients at once, each to the next client; prints throughput and
/// latency (send call to confirmed store), then checks every message arrived once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_1000_messages_from_10_clients() {
    const CLIENTS: usize = 10;
    const EACH: usize = 100;
    let net = Testnet::start(Config::with_nodes(30)).await.unwrap();
    let ids: Vec<SessionId> = (0..CLIENTS)
        .map(|c| Identity::from_seed(&[0x40 + c as u8; 32]).session_id())
        .collect();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let mut s = session(0x40 + c as u8, &net);
        let to = ids[(c + 1) % CLIENTS];
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(EACH);
            for i in 0..EACH {
                let body = Content::text(&format!("{c}:{i}"), session_client::now_ms()).to_bytes();
                let t = Instant::now();
                s.send(&to, &body).await.unwrap();
                latencies.push(t.elapsed());
            }
            (c, s, latencies)
        });
    }
    let mut sessions = BTreeMap::new();
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (c, s, l) = done.unwrap();
        sessions.insert(c, s);
        latencies.extend(l);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "testnet load: {} messages from {CLIENTS} clients over 3-hop onion paths in {:.2} s: \
         {:.0} messages/s; store latency p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
    assert_eq!(latencies.len(), CLIENTS * EACH);
    assert_eq!(Stats::get(&net.stats().stored), (CLIENTS * EACH) as u64);

    // Every client received its 100, once each.
    for (c, s) in &mut sessions {
        let mut got = Vec::new();
        receive_all(s, EACH, &mut got).await;
        let from = (c + CLIENTS - 1) % CLIENTS;
        let texts: BTreeSet<String> = got.iter().map(text).collect();
        let want: BTreeSet<String> = (0..EACH).map(|i| format!("{from}:{i}")).collect();
        assert_eq!(got.len(), EACH);
        assert_eq!(texts, want);
    }
    net.shutdown().await;
}
