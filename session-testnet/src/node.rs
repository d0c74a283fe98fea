//! A node's HTTPS service: the endpoints, the onion hop, and the storage RPCs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use session_protocol::onion::{Hop, ReplyKey, decode_relay, parse_entry, peel};
use session_protocol::rng::os_rng;
use session_protocol::storage::request::{MAX_MESSAGE_SIZE, MAX_TOKENS, ttl_range};
use session_protocol::storage::{
    Namespace, Revocation, SignedRequest, message_hash, revoke_answer_message, verify_request,
};
use session_protocol::swarm::ServiceNode;
use session_protocol::{Ed25519Public, SessionId};
use std::borrow::Cow;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::store::{Message, Query};
use crate::{MAX_REQUEST_BODY, Net, Node, Stats, TestnetError};

/// The hard fork the nodes report.
const HF: [u16; 2] = [19, 3];
/// How far a store's timestamp may run ahead of the node's clock.
const STORE_FUTURE_MS: u64 = 10_000;
/// How far a signed retrieve's timestamp may be from the node's clock.
const RETRIEVE_SKEW_MS: u64 = 60_000;
/// The most message data one `retrieve` page carries (the storage server's limit): with
/// base64, JSON and the onion layer, the answer stays below `session_client::https::MAX_ANSWER`.
const RETRIEVE_MAX_BYTES: usize = 7_800_000;

/// What a garbled node answers ([`crate::Testnet::garble`]).
const GARBAGE: &[u8] = b"\x13\x37 this is not an onion response \xff\xfe";

/// Who answers on a socket.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Service node `i`.
    Node(usize),
    /// The seed node.
    Seed,
}

fn now_ms() -> u64 {
    session_client::now_ms()
}

/// A TLS acceptor with a fresh self-signed certificate.
pub(crate) fn tls_acceptor() -> Result<TlsAcceptor, TestnetError> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .map_err(|e| TestnetError::Certificate(e.to_string()))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The seed's answer to `get_n_service_nodes`: every node.
pub(crate) fn seed_answer(nodes: &[Node]) -> Vec<u8> {
    let states: Vec<Value> = nodes.iter().map(|n| node_state(&n.record)).collect();
    json!({"jsonrpc": "2.0", "id": 0, "result": {"service_node_states": states}})
        .to_string()
        .into_bytes()
}

fn node_state(r: &ServiceNode) -> Value {
    json!({
        "public_ip": r.ip().to_string(),
        "storage_port": r.https_port(),
        "storage_lmq_port": r.quic_port(),
        "pubkey_ed25519": r.ed25519().to_string(),
        "pubkey_x25519": r.x25519().to_string(),
        "swarm_id": r.swarm().0,
    })
}

/// Connections one node serves at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 256;
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request's head may take to arrive.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one connection may last, whatever it does (bodies included).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);

/// Accepts connections until the task is aborted; each connection is served on its own task,
/// at most [`MAX_CONNECTIONS`] at once and each for at most [`CONNECTION_TIMEOUT`], and all of
/// them end with this one.
pub(crate) async fn serve(listener: TcpListener, tls: TlsAcceptor, net: Arc<Net>, role: Role) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => {
                let Ok((tcp, _)) = accepted else {
                    // Out of descriptors or similar: let connections finish before retrying.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let tls = tls.clone();
                let net = Arc::clone(&net);
                connections.spawn(async move {
                    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, async move {
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await
                        else {
                            return;
                        };
                        let service = service_fn(move |req| {
                            let net = Arc::clone(&net);
                            async move { Ok::<_, Infallible>(net.answer(role, req).await) }
                        });
                        let _ = http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEADER_TIMEOUT)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    })
                    .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A storage RPC request: only the fields the node reads are kept; the rest of the document is
/// skipped without being built (a `serde_json::Value` tree would take many times the body's
/// size). A field of the wrong type makes the whole request invalid.
#[derive(Deserialize)]
struct RpcRequest<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(default, borrow)]
    params: Params<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params<'a> {
    #[serde(borrow)]
    pubkey: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pubkey_ed25519: Option<Cow<'a, str>>,
    namespace: Option<i16>,
    timestamp: Option<u64>,
    sig_timestamp: Option<u64>,
    ttl: Option<u64>,
    #[serde(borrow)]
    data: Option<Cow<'a, str>>,
    #[serde(borrow)]
    signature: Option<Cow<'a, str>>,
    #[serde(borrow)]
    subaccount: Option<Cow<'a, str>>,
    #[serde(borrow)]
    subaccount_sig: Option<Cow<'a, str>>,
    #[serde(borrow)]
    revoke: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    unrevoke: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    last_hash: Option<Cow<'a, str>>,
    #[serde(borrow)]
    endpoint: Option<Cow<'a, str>>,
}

/// The seed's request: its method is all that is read.
#[derive(Deserialize)]
struct SeedRequest<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
}

fn response(status: u16, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// What the node does after peeling its layer (owned, so the request buffer can go).
enum Step {
    /// Relay `body` to the node with key `next`.
    Forward { next: Ed25519Public, body: Vec<u8> },
    /// Run the storage RPC `body` and seal the answer with `reply`.
    Deliver { body: Vec<u8>, reply: ReplyKey },
    /// Seal an error for the client.
    Sealed {
        status: u16,
        text: String,
        reply: ReplyKey,
    },
    /// Answer in the clear (the layer did not open).
    Clear(u16, String),
}

impl Net {
    /// Answers one HTTP request.
    pub(crate) async fn answer(&self, role: Role, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() != Method::POST {
            return response(405, "Method Not Allowed");
        }
        let path = req.uri().path().to_owned();
        if let Role::Node(i) = role
            && self
                .garbled
                .get(i)
                .is_some_and(|g| g.load(Ordering::SeqCst))
        {
            return response(200, GARBAGE);
        }
        // A declared size above the limit is refused before reading (hyper itself answers a
        // Content-Length that is not a number).
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
            return self.refuse(413, "Request body too large");
        }
        let body = match Limited::new(req.into_body(), MAX_REQUEST_BODY)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return self.refuse(413, "Request body too large");
            }
            Err(_) => return self.refuse(400, "Invalid request body"),
        };
        match (role, path.as_str()) {
            (Role::Node(i), "/onion_req/v2") => {
                Stats::bump(&self.stats.onion_requests);
                let (status, body) = self.onion(i, body.to_vec(), true).await;
                response(status, body)
            }
            (Role::Node(i), "/onion_req/relay") => {
                let (status, body) = self.onion(i, body.to_vec(), false).await;
                response(status, body)
            }
            (Role::Node(i), "/storage_rpc/v1") => {
                let (status, text) = self.rpc(i, &body);
                response(status, text)
            }
            (Role::Seed, "/json_rpc") => {
                Stats::bump(&self.stats.seed_requests);
                match serde_json::from_slice::<SeedRequest<'_>>(&body) {
                    Ok(r) if r.method == "get_n_service_nodes" => {
                        response(200, self.seed_body.clone())
                    }
                    Ok(_) => self.refuse(400, "unknown method"),
                    Err(_) => self.refuse(400, "invalid json"),
                }
            }
            _ => response(404, "Not Found"),
        }
    }

    fn refuse(&self, status: u16, text: &'static str) -> Response<Full<Bytes>> {
        Stats::bump(&self.stats.refused);
        response(status, text)
    }

    /// One onion hop at node `i`: `entry` for a client's request (the guard), else a layer
    /// relayed by another node.
    async fn onion(&self, i: usize, mut bytes: Vec<u8>, entry: bool) -> (u16, Vec<u8>) {
        let Some(node) = self.nodes.get(i) else {
            return (404, b"Not Found".to_vec());
        };
        let step = {
            let layer = if entry {
                parse_entry(&mut bytes)
            } else {
                decode_relay(&mut bytes)
            };
            match layer.and_then(|layer| peel(&node.secret, layer)) {
                Err(e) => Step::Clear(e.status(), e.message().to_owned()),
                Ok(peeled) => match peeled.hop {
                    Hop::Forward { next, relay } => Step::Forward {
                        next,
                        body: relay.encode(),
                    },
                    Hop::Deliver { body, reply } => Step::Deliver {
                        body: body.to_vec(),
                        reply,
                    },
                    Hop::Refused { error, reply, .. } => Step::Sealed {
                        status: error.status(),
                        text: error.message().to_owned(),
                        reply,
                    },
                    Hop::Proxy { reply, .. } => Step::Sealed {
                        status: 502,
                        text: "the testnet reaches no server outside it".to_owned(),
                        reply,
                    },
                    _ => Step::Clear(400, "unsupported onion request".to_owned()),
                },
            }
        };
        match step {
            Step::Forward { next, body } => {
                let Some(j) = self.by_key.get(&next).copied() else {
                    Stats::bump(&self.stats.refused);
                    return (502, format!("Next node not found: {next}").into_bytes());
                };
                let Some(to) = self
                    .nodes
                    .get(j)
                    .and_then(|n| n.record.https_port().map(|p| (n, p)))
                else {
                    return (502, format!("Next node not found: {next}").into_bytes());
                };
                Stats::bump(&self.stats.relayed);
                let addr = SocketAddr::from((to.0.record.ip(), to.1));
                match self.https.post(addr, "/onion_req/relay", body).await {
                    Ok(answer) => (answer.status, answer.body),
                    Err(_) => (504, b"Request time out".to_vec()),
                }
            }
            Step::Deliver { body, reply } => {
                let (status, text) = self.rpc(i, &body);
                (200, reply.seal(status, &text, &mut os_rng()))
            }
            Step::Sealed {
                status,
                text,
                reply,
            } => {
                Stats::bump(&self.stats.refused);
                (200, reply.seal(status, &text, &mut os_rng()))
            }
            Step::Clear(status, text) => {
                Stats::bump(&self.stats.refused);
                (status, text.into_bytes())
            }
        }
    }

    /// A storage RPC at node `i`: `(status, body)`.
    pub(crate) fn rpc(&self, i: usize, body: &[u8]) -> (u16, String) {
        Stats::bump(&self.stats.rpcs);
        let Ok(req) = serde_json::from_slice::<RpcRequest<'_>>(body) else {
            return (400, "invalid json".into());
        };
        let now = now_ms();
        let p = &req.params;
        let method = req.method.as_ref();
        let meta = |mut v: Value| {
            if let Some(o) = v.as_object_mut() {
                o.insert("t".into(), json!(now));
                o.insert("hf".into(), json!(HF));
            }
            v.to_string()
        };
        match method {
            "info" => (200, meta(json!({"version": [2, 10, 0], "timestamp": now}))),
            "oxend_request" if p.endpoint.as_deref() == Some("get_service_nodes") => {
                let states: Vec<Value> = self.nodes.iter().map(|n| node_state(&n.record)).collect();
                (
                    200,
                    meta(json!({"result": {"service_node_states": states}})),
                )
            }
            "get_swarm" | "store" | "retrieve" | "revoke_subaccount" | "unrevoke_subaccount" => {
                let Some(account) = p
                    .pubkey
                    .as_deref()
                    .and_then(|s| s.parse::<SessionId>().ok())
                else {
                    return (400, "invalid request: bad pubkey".into());
                };
                let Some((swarm_id, members)) = self.pool.swarm_of(&account) else {
                    return (503, "no swarms".into());
                };
                let me = self.nodes.get(i).map(|n| *n.record.ed25519());
                let swarm_answer = || {
                    let snodes: Vec<Value> = members
                        .iter()
                        .map(|r| {
                            json!({"pubkey_ed25519": r.ed25519().to_string(),
                                   "pubkey_x25519": r.x25519().to_string(),
                                   "ip": r.ip().to_string(), "port_https": r.https_port(),
                                   "port_omq": r.quic_port()})
                        })
                        .collect();
                    meta(json!({"snodes": snodes, "swarm": format!("{:x}", swarm_id.0)}))
                };
                if method == "get_swarm" {
                    return (200, swarm_answer());
                }
                if !members.iter().any(|m| Some(*m.ed25519()) == me) {
                    return (421, swarm_answer());
                }
                match method {
                    "store" => self.store(&account, p, members, now, &meta),
                    "retrieve" => self.retrieve(i, &account, p, now, &meta),
                    _ => self.revoke(&account, p, members, now, &meta),
                }
            }
            _ => (400, format!("invalid request: unknown method '{method}'")),
        }
    }

    /// `revoke_subaccount` / `unrevoke_subaccount` (tokens as an array of base64 strings):
    /// signed by the account's own key; each live swarm member signs `account hex ||
    /// timestamp || tokens` back.
    fn revoke(
        &self,
        account: &SessionId,
        p: &Params<'_>,
        members: &[ServiceNode],
        now: u64,
        meta: &dyn Fn(Value) -> String,
    ) -> (u16, String) {
        let (action, list) = match (&p.revoke, &p.unrevoke) {
            (Some(l), None) => (Revocation::Revoke, l),
            (None, Some(l)) => (Revocation::Unrevoke, l),
            _ => return (400, "invalid request: revoke or unrevoke tokens".into()),
        };
        let field = action.param();
        let tokens: Option<Vec<[u8; 36]>> = list
            .iter()
            .map(|t| {
                Base64::decode_vec(t)
                    .ok()
                    .and_then(|b| <[u8; 36]>::try_from(b).ok())
            })
            .collect();
        let (Some(tokens), Some(ts)) = (tokens, p.timestamp) else {
            return (400, format!("invalid request: {field} params"));
        };
        if tokens.is_empty() || tokens.len() > MAX_TOKENS {
            return (
                400,
                format!("invalid request: {field} needs 1 to 50 tokens"),
            );
        }
        if ts.abs_diff(now) > RETRIEVE_SKEW_MS {
            return (
                406,
                format!("{field}_subaccount timestamp too far from current time"),
            );
        }
        if !self.signature_ok(account, p, &action.signed_request(ts, &tokens)) {
            return (
                401,
                format!("{field}_subaccount signature verification failed"),
            );
        }
        if let Ok(mut revoked) = self.revoked.lock() {
            revoked.entry(*account).or_default().apply(action, &tokens);
        }
        let answer = revoke_answer_message(account, ts, &tokens);
        let mut answers = Map::new();
        for member in members {
            let key = member.ed25519().to_string();
            let live = self.by_key.get(member.ed25519()).copied().and_then(|j| {
                let alive = self.alive.get(j).is_some_and(|a| a.load(Ordering::SeqCst));
                self.nodes.get(j).filter(|_| alive)
            });
            let entry = match live {
                Some(node) => {
                    json!({"signature": Base64::encode_string(&node.identity.sign(&answer))})
                }
                None => json!({"failed": true, "timeout": true}),
            };
            answers.insert(key, entry);
        }
        (200, meta(json!({"swarm": answers})))
    }

    /// The request's authentication (the account's key, or a subaccount token and its
    /// owner's signature) checked as a storage server checks it, and a subaccount's token
    /// against the account's revocation list (revoked members may still retrieve from
    /// namespaces such as -11).
    fn signature_ok(
        &self,
        account: &SessionId,
        p: &Params<'_>,
        signed: &SignedRequest<'_>,
    ) -> bool {
        fn b64<const N: usize>(s: Option<&str>) -> Option<[u8; N]> {
            s.and_then(|s| Base64::decode_vec(s).ok())
                .and_then(|b| <[u8; N]>::try_from(b).ok())
        }
        let Some(sig) = b64::<64>(p.signature.as_deref()) else {
            return false;
        };
        let ed = match p.pubkey_ed25519.as_deref() {
            None => None,
            Some(s) => match s.parse::<Ed25519Public>() {
                Ok(ed) => Some(ed),
                Err(_) => return false,
            },
        };
        let sub = match (p.subaccount.as_deref(), p.subaccount_sig.as_deref()) {
            (None, None) => None,
            (t, ts) => match (b64::<36>(t), b64::<64>(ts)) {
                (Some(t), Some(ts)) => Some((t, ts)),
                _ => return false,
            },
        };
        if let Some((token, _)) = &sub {
            // A poisoned lock refuses (fails closed).
            let refused = self.revoked.lock().map_or(true, |r| {
                r.get(account)
                    .is_some_and(|list| list.refuses(token, signed))
            });
            if refused {
                return false;
            }
        }
        let sub = sub.as_ref().map(|(t, ts)| (t, ts));
        verify_request(account, signed, &sig, ed.as_ref(), sub).is_ok()
    }

    fn store(
        &self,
        account: &SessionId,
        p: &Params<'_>,
        members: &[ServiceNode],
        now: u64,
        meta: &dyn Fn(Value) -> String,
    ) -> (u16, String) {
        let (Some(ts), Some(ttl), Some(data)) = (
            p.timestamp,
            p.ttl,
            p.data.as_deref().and_then(|d| Base64::decode_vec(d).ok()),
        ) else {
            return (
                400,
                "invalid request: store needs timestamp, ttl and data".into(),
            );
        };
        let ns = Namespace(p.namespace.unwrap_or(0));
        if data.len() > MAX_MESSAGE_SIZE {
            return (
                413,
                format!(
                    "Message too large: {} bytes > {MAX_MESSAGE_SIZE}",
                    data.len()
                ),
            );
        }
        let (min_ttl, max_ttl) = ttl_range(ns);
        if !(min_ttl..=max_ttl).contains(&ttl) {
            return (400, "invalid request: ttl out of range".into());
        }
        let expiry = ts.saturating_add(ttl);
        if ts > now.saturating_add(STORE_FUTURE_MS) || expiry <= now {
            return (406, "Timestamp error: check your clock".into());
        }
        if ns.store_needs_signature() {
            let signed = SignedRequest::Store {
                namespace: ns,
                timestamp_ms: p.sig_timestamp.unwrap_or(ts),
            };
            if !self.signature_ok(account, p, &signed) {
                return (401, "store signature verification failed".into());
            }
        }
        let hash = message_hash(account, ns, &data);
        let message = Message {
            namespace: ns.0,
            hash: hash.clone(),
            timestamp_ms: ts,
            expiry_ms: expiry,
            data,
        };
        let account_hex = account.to_string();
        let mut answers = Map::new();
        let mut newly = false;
        for member in members {
            let key = member.ed25519().to_string();
            let Some(j) = self.by_key.get(member.ed25519()).copied() else {
                continue;
            };
            let (Some(node), true) = (
                self.nodes.get(j),
                self.alive.get(j).is_some_and(|a| a.load(Ordering::SeqCst)),
            ) else {
                answers.insert(key, json!({"failed": true, "timeout": true}));
                continue;
            };
            match self.store.insert(j, &node.key_hex, &account_hex, &message) {
                Ok(added) => {
                    newly |= added;
                    let sig = Base64::encode_string(&node.identity.sign(hash.as_bytes()));
                    let mut a = json!({"hash": hash, "signature": sig, "expiry": expiry});
                    if let (false, Some(o)) = (added, a.as_object_mut()) {
                        o.insert("already".into(), json!(true));
                    }
                    answers.insert(key, a);
                }
                Err(_) => {
                    answers.insert(key, json!({"failed": true, "code": 500}));
                }
            }
        }
        if newly {
            Stats::bump(&self.stats.stored);
        }
        (200, meta(json!({"swarm": answers, "hash": hash})))
    }

    fn retrieve(
        &self,
        i: usize,
        account: &SessionId,
        p: &Params<'_>,
        now: u64,
        meta: &dyn Fn(Value) -> String,
    ) -> (u16, String) {
        let ns = Namespace(p.namespace.unwrap_or(0));
        if ns.retrieve_needs_signature() {
            let Some(ts) = p.timestamp else {
                return (401, "retrieve: request signature required".into());
            };
            if ts.abs_diff(now) > RETRIEVE_SKEW_MS {
                return (406, "retrieve timestamp too far from current time".into());
            }
            let signed = SignedRequest::Retrieve {
                namespace: ns,
                timestamp_ms: ts,
            };
            if !self.signature_ok(account, p, &signed) {
                return (401, "retrieve signature verification failed".into());
            }
        }
        let Some(node) = self.nodes.get(i) else {
            return (500, "no such node".into());
        };
        let page = self.store.page(&Query {
            node: i,
            node_key: &node.key_hex,
            account: &account.to_string(),
            namespace: ns.0,
            after: p.last_hash.as_deref().filter(|h| !h.is_empty()),
            now_ms: now,
            limit: self.page_limit,
            max_bytes: RETRIEVE_MAX_BYTES,
        });
        let Ok((messages, more)) = page else {
            return (500, "storage failure".into());
        };
        let messages: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"hash": m.hash, "timestamp": m.timestamp_ms, "expiration": m.expiry_ms,
                       "data": Base64::encode_string(&m.data)})
            })
            .collect();
        (200, meta(json!({"messages": messages, "more": more})))
    }
}
