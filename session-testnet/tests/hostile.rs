//! Hostile input over real sockets: nodes answer malformed and oversized requests with the
//! storage server's status codes and keep serving; a client facing a node that answers
//! garbage strikes it and carries on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use session_client::{Https, Session};
use session_protocol::Identity;
use session_protocol::client::Config as ClientConfig;
use session_protocol::envelope::Content;
use session_protocol::swarm::{decode_service_nodes, decode_swarm_response};
use session_testnet::{Config, MAX_REQUEST_BODY, Stats, Testnet};

fn addr(net: &Testnet, i: usize) -> SocketAddr {
    let n = &net.nodes()[i];
    SocketAddr::from((n.ip(), n.https_port().unwrap()))
}

async fn post(https: &Https, to: SocketAddr, path: &str, body: &[u8]) -> (u16, String) {
    let a = https.post(to, path, body.to_vec()).await.unwrap();
    (a.status, String::from_utf8_lossy(&a.body).into_owned())
}

/// Writes `head` then `body_len` bytes of body over TLS (ignoring write errors: the node may
/// answer and close early) and returns the answer's status line.
async fn raw(to: SocketAddr, head: Vec<u8>, body_len: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connector =
        tokio_rustls::TlsConnector::from(session_client::https::client_config().unwrap());
    let tcp = tokio::net::TcpStream::connect(to).await.unwrap();
    let name = rustls::pki_types::ServerName::IpAddress(to.ip().into());
    let tls = connector.connect(name, tcp).await.unwrap();
    let (mut rd, mut wr) = tokio::io::split(tls);
    let writer = tokio::spawn(async move {
        if wr.write_all(&head).await.is_err() {
            return;
        }
        let chunk = vec![b'x'; 64 * 1024];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len());
            if wr.write_all(&chunk[..n]).await.is_err() {
                return;
            }
            left -= n;
        }
        let _ = wr.flush().await;
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), rd.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    writer.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_requests_get_status_codes_and_the_node_keeps_serving() {
    let net = Testnet::start(Config::with_nodes(10)).await.unwrap();
    let https = Https::new(Duration::from_secs(10)).unwrap();
    let node = addr(&net, 0);

    // Onion endpoints: bytes that are no onion request are refused in the clear.
    for (path, body) in [
        ("/onion_req/v2", &b""[..]),
        ("/onion_req/v2", &b"\x05\x00\x00\x00hello"[..]),
        ("/onion_req/v2", &[0xffu8; 300][..]),
        ("/onion_req/relay", &b"d1:xi1ee"[..]),
        ("/onion_req/relay", &b"garbage"[..]),
    ] {
        let (status, text) = post(&https, node, path, body).await;
        assert!(
            (400..500).contains(&status),
            "{path} {body:?}: {status} {text}"
        );
        assert!(!text.is_empty());
    }
    // Storage RPC: not JSON, an unknown method, a bad account.
    assert_eq!(
        post(&https, node, "/storage_rpc/v1", b"{not json").await,
        (400, "invalid json".into())
    );
    assert_eq!(
        post(&https, node, "/storage_rpc/v1", br#"{"method":"nope"}"#).await,
        (400, "invalid request: unknown method 'nope'".into())
    );
    let (status, _) = post(
        &https,
        node,
        "/storage_rpc/v1",
        br#"{"method":"retrieve","params":{"pubkey":"05zz"}}"#,
    )
    .await;
    assert_eq!(status, 400);
    // A store whose data is above the storage server's 76,800 bytes; a namespace that is not
    // an integer.
    let account = Identity::from_seed(&[4; 32]).session_id();
    let (_, members) = net.pool().swarm_of(&account).unwrap();
    let member = net.index_of(members[0].ed25519()).unwrap();
    let store = |data_len: usize, namespace: &str| {
        let data = <base64ct::Base64 as base64ct::Encoding>::encode_string(&vec![7u8; data_len]);
        format!(
            r#"{{"method":"store","params":{{"pubkey":"{account}","namespace":{namespace},"timestamp":{},"ttl":86400000,"data":"{data}"}}}}"#,
            session_client::now_ms()
        )
    };
    let at = addr(&net, member);
    let (status, text) = post(&https, at, "/storage_rpc/v1", store(76_801, "0").as_bytes()).await;
    assert_eq!(
        (status, text.as_str()),
        (413, "Message too large: 76801 bytes > 76800")
    );
    let (status, _) = post(&https, at, "/storage_rpc/v1", store(76_800, "0").as_bytes()).await;
    assert_eq!(status, 200);
    let (status, _) = post(&https, at, "/storage_rpc/v1", store(10, "\"0\"").as_bytes()).await;
    assert_eq!(status, 400);
    let (status, _) = post(&https, at, "/storage_rpc/v1", store(10, "40000").as_bytes()).await;
    assert_eq!(status, 400, "namespaces are i16");

    // Oversized: 413, as the storage server answers above 10 MiB, whether the size is declared
    // up front or only found while reading a chunked body.
    let declared = format!(
        "POST /onion_req/v2 HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
        MAX_REQUEST_BODY + 1
    );
    assert_eq!(
        raw(node, declared.into_bytes(), 0).await,
        "HTTP/1.1 413 Payload Too Large"
    );
    let chunked = format!(
        "POST /onion_req/v2 HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
        MAX_REQUEST_BODY + 1
    );
    assert_eq!(
        raw(node, chunked.into_bytes(), MAX_REQUEST_BODY + 1).await,
        "HTTP/1.1 413 Payload Too Large"
    );
    // Exactly the limit is read (and refused for what it is, not for its size).
    let big = vec![b'x'; MAX_REQUEST_BODY];
    let (status, _) = post(&https, node, "/onion_req/v2", &big).await;
    assert_eq!(status, 400);
    // A broken Content-Length.
    assert_eq!(
        raw(
            node,
            b"POST /onion_req/v2 HTTP/1.1\r\nhost: x\r\ncontent-length: 1x\r\n\r\n".to_vec(),
            0
        )
        .await,
        "HTTP/1.1 400 Bad Request"
    );
    // Unknown endpoints, and the seed's RPC with a wrong body.
    assert_eq!(post(&https, node, "/nope", b"").await.0, 404);
    let seed = SocketAddr::V4(net.seed());
    assert_eq!(post(&https, seed, "/json_rpc", b"[").await.0, 400);
    assert_eq!(
        post(&https, seed, "/json_rpc", br#"{"method":"x"}"#)
            .await
            .0,
        400
    );
    assert_eq!(post(&https, seed, "/onion_req/v2", b"").await.0, 404);
    // Five onion refusals, three for size and shape, two at the seed (hyper refuses the
    // broken Content-Length before the node sees it; the storage RPC's own 400s and the 404s
    // are answers, not refusals).
    assert_eq!(Stats::get(&net.stats().refused), 10);

    // Still serving: info, get_swarm and the seed's list all answer properly.
    let (status, info) = post(
        &https,
        node,
        "/storage_rpc/v1",
        br#"{"method":"info","params":{}}"#,
    )
    .await;
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert!(info["t"].as_u64().unwrap() > 1_700_000_000_000);
    let account = Identity::from_seed(&[3; 32]).session_id();
    let body = format!(r#"{{"method":"get_swarm","params":{{"pubkey":"{account}"}}}}"#);
    let (status, swarm) = post(&https, node, "/storage_rpc/v1", body.as_bytes()).await;
    assert_eq!(status, 200);
    let swarm = decode_swarm_response(swarm.as_bytes()).unwrap();
    let (_, members) = net.pool().swarm_of(&account).unwrap();
    let mut want: Vec<_> = members.iter().map(|n| *n.ed25519()).collect();
    let mut got: Vec<_> = swarm.nodes.iter().map(|n| *n.ed25519()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let (status, list) = post(
        &https,
        seed,
        "/json_rpc",
        br#"{"jsonrpc":"2.0","method":"get_n_service_nodes","params":{}}"#,
    )
    .await;
    assert_eq!(status, 200);
    let list = decode_service_nodes(list.as_bytes()).unwrap();
    assert_eq!(list.nodes.len(), 10);
    assert_eq!(list.skipped_total, 0);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_strikes_a_node_answering_garbage_and_carries_on() {
    let mut net = Testnet::start(Config::with_nodes(16)).await.unwrap();
    let mut config = ClientConfig::default();
    config.backoff_base_ms = 20;
    config.max_attempts = 6;
    let mut alice = Session::new(
        Identity::from_seed(&[0xa5; 32]),
        config.clone(),
        vec![net.seed()],
    )
    .unwrap();
    let mut bob = Session::new(Identity::from_seed(&[0xb5; 32]), config, vec![net.seed()]).unwrap();
    let bob_id = bob.client().identity().session_id();
    let say = |t: &str| Content::text(t, session_client::now_ms()).to_bytes();
    alice.send(&bob_id, &say("before")).await.unwrap();

    let guard = *alice.client().paths().next().unwrap()[0].ed25519();
    let g = net.index_of(&guard).unwrap();
    net.garble(g, true);
    for i in 0..5 {
        alice
            .send(&bob_id, &say(&format!("after {i}")))
            .await
            .unwrap();
    }
    assert!(
        alice
            .client()
            .paths()
            .all(|p| p.iter().all(|n| *n.ed25519() != guard)),
        "the garbling guard is off every path"
    );
    let mut got = Vec::new();
    for _ in 0..20 {
        got.extend(bob.receive().await.unwrap());
        if got.len() >= 6 {
            break;
        }
    }
    assert_eq!(got.len(), 6);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_seed_reachable_calls_fail_or_time_out_within_their_deadline() {
    use session_client::SessionError;
    let bob = Identity::from_seed(&[0xb6; 32]).session_id();
    let say = Content::text("lost", 1).to_bytes();
    let mut config = ClientConfig::default();
    config.backoff_base_ms = 10;
    config.backoff_max_ms = 50;

    // Nothing listens: the client gives up after its attempts.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        match l.local_addr().unwrap() {
            SocketAddr::V4(a) => a,
            SocketAddr::V6(_) => unreachable!(),
        }
    };
    let mut s = Session::new(
        Identity::from_seed(&[0xa6; 32]),
        config.clone(),
        vec![closed],
    )
    .unwrap();
    s.set_deadline(Duration::from_secs(30));
    let started = std::time::Instant::now();
    assert!(matches!(
        s.send(&bob, &say).await,
        Err(SessionError::Failed(_))
    ));
    assert!(matches!(
        s.receive().await,
        Err(SessionError::PollFailed(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(30));

    // A seed that accepts and never answers: the call stops at its deadline.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let SocketAddr::V4(silent_addr) = silent.local_addr().unwrap() else {
        unreachable!()
    };
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            held.push(c);
        }
    });
    let mut s = Session::new(Identity::from_seed(&[0xa7; 32]), config, vec![silent_addr]).unwrap();
    s.set_deadline(Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert!(matches!(
        s.send(&bob, &say).await,
        Err(SessionError::TimedOut(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(s.in_flight(), 1, "the seed request is still waiting");
    holder.abort();
}
