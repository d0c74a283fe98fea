//! The I/O shell around [`session_protocol::client::Client`]: it makes the HTTPS requests the
//! sans-io client asks for, feeds the answers and the passing time back, and turns the client's
//! events into `async` calls.
//!
//! The split is quinn's: every protocol decision (paths, swarms, retries, clock, de-duplication)
//! is made by the core crate's `Client`; this crate owns the sockets (tokio), TLS (rustls) and
//! the wall clock, and nothing else.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use session_client::Session;
//! use session_protocol::{Identity, client::Config, envelope::Content};
//!
//! let seed = "127.0.0.1:22000".parse()?; // a seed node: e.g. `cargo run -p session-testnet`
//! let me = Identity::from_seed(&[7; 32]);
//! let mut session = Session::new(me, Config::default(), vec![seed])?;
//! let bob = "0538e63512fd78c04d45b83ec7f0f3d593f60276ce535d1160eb589a00cca7e23c".parse()?;
//! let content = Content::text("hello", session_client::now_ms()).to_bytes();
//! let stored = session.send(&bob, &content).await?;
//! println!("stored as {}", stored.hash);
//! for message in session.receive().await? {
//!     println!("{} wrote {} bytes", message.from, message.content.len());
//! }
//! # Ok(()) }
//! ```
//!
//! Each call runs the client until what it waits for happens, and at most
//! [`Session::set_deadline`] long (a minute by default): no loop here runs unbounded. Events
//! that arrive meanwhile and belong to no call (messages received during a send, pool updates)
//! wait in [`Session::next_event`].

pub mod https;

use std::collections::VecDeque;
use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use session_protocol::client::{
    Client, Config, Event, FailReason, MessageId, RequestId, Revocation, SendError,
};
use session_protocol::rand_core::CryptoRng;
use session_protocol::rng::{OsRng, os_rng};
use session_protocol::storage::Namespace;
use session_protocol::{Identity, SessionId};
use tokio::task::JoinSet;

pub use https::{Answer, HttpError, Https};

/// The wall clock in milliseconds since the Unix epoch, the time base the client and the
/// network share (the client corrects for the offset it measures).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Why a call gave up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The message was refused before anything was sent.
    #[error("message refused: {0}")]
    Send(#[from] SendError),
    /// The network did not store the message.
    #[error("message not stored: {0:?}")]
    Failed(FailReason),
    /// The poll failed.
    #[error("poll failed: {0:?}")]
    PollFailed(FailReason),
    /// The TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// Nothing conclusive happened before the deadline.
    #[error("no outcome within {0:?}")]
    TimedOut(Duration),
}

/// A message stored in its recipient's swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its storage hash.
    pub hash: String,
    /// How many swarm members confirmed it with a valid signature.
    pub confirmations: usize,
}

/// A one-to-one message received.
#[derive(Clone, PartialEq, Eq)]
pub struct Received {
    /// Its storage hash (each arrives once).
    pub hash: String,
    /// The verified sender.
    pub from: SessionId,
    /// The sender's timestamp (ms).
    pub sent_ms: u64,
    /// The `Content` protobuf bytes.
    pub content: Vec<u8>,
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("hash", &self.hash)
            .field("from", &self.from)
            .field("sent_ms", &self.sent_ms)
            .field("content_len", &self.content.len())
            .finish()
    }
}

type Done = (RequestId, Result<Answer, HttpError>);

/// A Session account on the network: the core's [`Client`] driven over HTTPS.
pub struct Session<R = OsRng> {
    client: Client,
    https: Https,
    rng: R,
    in_flight: JoinSet<Done>,
    events: VecDeque<Event>,
    deadline: Duration,
    clock: Clock,
}

/// The client's time: the wall clock read once, then advanced by tokio's monotonic clock, so
/// that a wall clock stepping back does not stall timers (and a paused tokio clock pauses the
/// client too).
#[derive(Debug, Clone, Copy)]
struct Clock {
    wall_ms: u64,
    at: tokio::time::Instant,
}

impl Clock {
    fn start() -> Self {
        Self {
            wall_ms: now_ms(),
            at: tokio::time::Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.at.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.wall_ms.saturating_add(elapsed)
    }

    /// The tokio instant at client time `ms`.
    fn instant_at(&self, ms: u64) -> tokio::time::Instant {
        let after = Duration::from_millis(ms.saturating_sub(self.wall_ms));
        self.at.checked_add(after).unwrap_or_else(far_future)
    }
}

/// An instant no call waits for (about thirty years on).
fn far_future() -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(Duration::from_secs(30 * 365 * 24 * 3600))
        .unwrap_or(now)
}

/// `deadline` from now, or the far future when that overflows.
fn deadline_from_now(deadline: Duration) -> tokio::time::Instant {
    tokio::time::Instant::now()
        .checked_add(deadline)
        .unwrap_or_else(far_future)
}

impl<R> fmt::Debug for Session<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("account", &self.client.identity().session_id())
            .field("in_flight", &self.in_flight.len())
            .field("events", &self.events.len())
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Session<OsRng> {
    /// A session for `me`, bootstrapping from `seeds`, with the operating system's generator.
    ///
    /// # Errors
    /// [`SessionError::Tls`] if the TLS configuration was refused.
    pub fn new(
        me: Identity,
        config: Config,
        seeds: Vec<SocketAddrV4>,
    ) -> Result<Self, SessionError> {
        Self::with_rng(me, config, seeds, os_rng())
    }
}

impl<R: CryptoRng> Session<R> {
    /// A session drawing its randomness from `rng`.
    ///
    /// # Errors
    /// [`SessionError::Tls`] if the TLS configuration was refused.
    pub fn with_rng(
        me: Identity,
        config: Config,
        seeds: Vec<SocketAddrV4>,
        rng: R,
    ) -> Result<Self, SessionError> {
        // The HTTP timeout backs up the client's own (which decides what a timeout means).
        let timeout = Duration::from_millis(config.request_timeout_ms.saturating_add(1_000));
        let https = Https::new(timeout)?;
        Ok(Self::with_https(me, config, seeds, rng, https))
    }

    /// A session making its requests with `https`: e.g. [`Https::with_config`] over a TLS
    /// configuration that pins the seed nodes' certificates.
    pub fn with_https(
        me: Identity,
        config: Config,
        seeds: Vec<SocketAddrV4>,
        rng: R,
        https: Https,
    ) -> Self {
        Self {
            client: Client::new(me, config, seeds),
            https,
            rng,
            in_flight: JoinSet::new(),
            events: VecDeque::new(),
            deadline: Duration::from_secs(60),
            clock: Clock::start(),
        }
    }

    /// The longest any one call runs.
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    /// The sans-io client inside (its pool, paths, clock, poll state).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The sans-io client, to call what this shell does not wrap (`store_own`, `mark_seen`);
    /// whatever it queues is sent by the next call here.
    pub fn client_mut(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Requests on the wire now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The next event no call took (e.g. a message received while sending).
    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Encrypts `content` (a `Content` protobuf) for `to`, stores it in `to`'s swarm through an
    /// onion path, and returns once a swarm member confirmed it.
    ///
    /// # Errors
    /// [`SessionError::Send`] if the message was refused up front, [`SessionError::Failed`]
    /// when the client gave up, [`SessionError::TimedOut`] after the deadline.
    pub async fn send(&mut self, to: &SessionId, content: &[u8]) -> Result<Stored, SessionError> {
        let id = self
            .client
            .send_message(self.clock.now_ms(), to, content, &mut self.rng)?;
        self.stored(id).await
    }

    /// Stores `data` in group `group`'s swarm in `namespace`, to live `ttl_ms`, signed with
    /// the credential given to [`Client::add_group`] (through [`Session::client_mut`]), and
    /// returns once a swarm member confirmed it.
    ///
    /// # Errors
    /// As [`Session::send`]; [`SessionError::Failed`] with `Refused(401)` when the credential
    /// does not allow the store.
    pub async fn store_in_group(
        &mut self,
        group: &SessionId,
        namespace: Namespace,
        data: &[u8],
        ttl_ms: u64,
    ) -> Result<Stored, SessionError> {
        let now = self.clock.now_ms();
        let id = self
            .client
            .store_in_group(now, group, namespace, data, ttl_ms, &mut self.rng)?;
        self.stored(id).await
    }

    /// Runs until message `id` is stored or failed.
    async fn stored(&mut self, id: MessageId) -> Result<Stored, SessionError> {
        let event = self
            .run_until(|e| match e {
                Event::MessageStored { id: i, .. } | Event::MessageFailed { id: i, .. } => *i == id,
                _ => false,
            })
            .await?;
        match event {
            Event::MessageStored {
                hash,
                confirmations,
                ..
            } => Ok(Stored {
                hash,
                confirmations,
            }),
            Event::MessageFailed { reason, .. } => Err(SessionError::Failed(reason)),
            _ => Err(SessionError::TimedOut(self.deadline)),
        }
    }

    /// As the admin of `group`, revokes subaccount tokens (e.g. a removed member's
    /// [`session_protocol::config::member_token`]) or lifts their revocation (`action`), and
    /// returns how many swarm members confirmed it.
    ///
    /// # Errors
    /// As [`Session::send`].
    pub async fn revoke_subaccounts(
        &mut self,
        group: &SessionId,
        tokens: &[[u8; 36]],
        action: Revocation,
    ) -> Result<usize, SessionError> {
        let now = self.clock.now_ms();
        let id = self
            .client
            .revoke_subaccounts(now, group, tokens, action, &mut self.rng)?;
        let event = self
            .run_until(|e| match e {
                Event::Revoked { id: i, .. } | Event::MessageFailed { id: i, .. } => *i == id,
                _ => false,
            })
            .await?;
        match event {
            Event::Revoked { confirmations, .. } => Ok(confirmations),
            Event::MessageFailed { reason, .. } => Err(SessionError::Failed(reason)),
            _ => Err(SessionError::TimedOut(self.deadline)),
        }
    }

    /// Polls the account's swarm once (every configured namespace, following `more` pages),
    /// and the swarm of each group added to the client, and returns the new one-to-one
    /// messages, each once across calls. Messages of other namespaces and of groups wait in
    /// [`Session::next_event`] as [`Event::Retrieved`], failed group polls as
    /// [`Event::PollFailed`].
    ///
    /// # Errors
    /// [`SessionError::PollFailed`] when a poll of the account's own swarm failed and
    /// brought nothing,
    /// [`SessionError::TimedOut`] after the deadline.
    pub async fn receive(&mut self) -> Result<Vec<Received>, SessionError> {
        self.client.poll(self.clock.now_ms(), &mut self.rng);
        self.run_until_idle().await?;
        let me = self.client.identity().session_id();
        let mut received = Vec::new();
        let mut failed = None;
        let mut rest = VecDeque::with_capacity(self.events.len());
        for event in self.events.drain(..) {
            match event {
                Event::MessageReceived {
                    hash,
                    from,
                    sent_ms,
                    content,
                } => received.push(Received {
                    hash,
                    from,
                    sent_ms,
                    content,
                }),
                Event::PollFailed {
                    account, reason, ..
                } if account == me => failed = Some(reason),
                other => rest.push_back(other),
            }
        }
        self.events = rest;
        match failed {
            Some(reason) if received.is_empty() => Err(SessionError::PollFailed(reason)),
            _ => Ok(received),
        }
    }

    /// Runs the client until nothing is pending or in flight.
    ///
    /// # Errors
    /// [`SessionError::TimedOut`] after the deadline.
    pub async fn run_until_idle(&mut self) -> Result<(), SessionError> {
        let until = deadline_from_now(self.deadline);
        loop {
            self.flush();
            if self.client.pending() == 0 && self.in_flight.is_empty() {
                return Ok(());
            }
            if !self.turn(until).await {
                return Err(SessionError::TimedOut(self.deadline));
            }
        }
    }

    /// Runs the client until an event matching `wanted` arrives, and takes it out of the
    /// queue.
    async fn run_until(&mut self, wanted: impl Fn(&Event) -> bool) -> Result<Event, SessionError> {
        let until = deadline_from_now(self.deadline);
        loop {
            self.flush();
            if let Some(at) = self.events.iter().position(&wanted)
                && let Some(event) = self.events.remove(at)
            {
                return Ok(event);
            }
            if !self.turn(until).await {
                return Err(SessionError::TimedOut(self.deadline));
            }
        }
    }

    /// Starts the client's transmits and collects its events.
    fn flush(&mut self) {
        while let Some(t) = self.client.poll_transmit() {
            let https = self.https.clone();
            self.in_flight.spawn(async move {
                let answer = https
                    .post(SocketAddr::V4(t.to), t.endpoint.path(), t.body)
                    .await;
                (t.request_id, answer)
            });
        }
        while let Some(event) = self.client.poll_event() {
            self.events.push_back(event);
        }
    }

    /// Waits for one answer or the client's next timeout, whichever comes first, and feeds it
    /// in. False when `until` has passed.
    async fn turn(&mut self, until: tokio::time::Instant) -> bool {
        if tokio::time::Instant::now() >= until {
            return false;
        }
        let now = self.clock.now_ms();
        // A timeout already due is handled after a millisecond's pause, so that a client that
        // keeps one due (a zero backoff) cannot spin this loop.
        let wake = self.client.next_timeout().map_or(until, |at| {
            let at = self.clock.instant_at(at.max(now.saturating_add(1)));
            at.min(until)
        });
        tokio::select! {
            Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                // A task that panicked or was cancelled carries no id: the client's own timeout
                // covers its request.
                if let Ok((id, answer)) = done {
                    let now = self.clock.now_ms();
                    match answer {
                        Ok(a) => self.client.handle_response(now, id, a.status, &a.body, &mut self.rng),
                        Err(_) => self.client.handle_failure(now, id, &mut self.rng),
                    }
                }
            }
            () = tokio::time::sleep_until(wake) => {
                self.client.handle_timeout(self.clock.now_ms(), &mut self.rng);
            }
        }
        tokio::time::Instant::now() < until
    }
}
