//! The `network` example's group phase: a closed (`03`) group kept in its own swarm on the
//! in-memory network, by users' sans-io clients (`Client::add_group`, `store_in_group`,
//! `poll`). The admin creates it with three members, stores its keys, info and members list,
//! and hands each member a swarm credential; the members poll the group's swarm, read its
//! name and members, and one posts a message with its credential. The admin then removes a
//! member, rekeys, and posts; everyone polls again (the removed member retrieves the new
//! message but cannot open it). The admin revokes the removed member's token and posts again;
//! the swarm now refuses the removed member's polls. The report shows who read what.

use std::time::Instant;

use session_protocol::client::{Event, FailReason, GroupAuth, MessageId, Revocation};
use session_protocol::storage::{Namespace, request};
use session_protocol::{Identity, SessionId};

use super::group_life::{Admin, Store, View};
use super::{Network, record};

/// What one member's device made of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberReport {
    pub name: String,
    /// Removed before the last round.
    pub removed: bool,
    /// The newest key generation it recovered.
    pub generation: i64,
    /// The group name it read last.
    pub group_name: String,
    /// How many members the list it read names.
    pub members: usize,
    /// The group texts it read, oldest first.
    pub read: Vec<String>,
    /// Group messages it retrieved but could not open.
    pub unreadable: usize,
    /// Polls of the group's namespaces the swarm refused (401: a revoked credential).
    pub refused_polls: usize,
}

/// The group phase's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupReport {
    pub group: Option<SessionId>,
    /// Messages stored in the group's swarm (keys, info, members, texts) that a swarm member
    /// confirmed, and those whose store failed.
    pub stored: usize,
    pub store_failures: Vec<String>,
    /// Polls of the group's namespaces that failed for another reason than a revoked
    /// credential.
    pub poll_failures: Vec<String>,
    /// Swarm members that confirmed the revocation of the removed member's token.
    pub revocations: usize,
    /// Each member, in invitation order.
    pub members: Vec<MemberReport>,
}

const ADMIN: usize = 0;
const MEMBERS: [usize; 3] = [1, 2, 3];
const REMOVED: usize = 3;

impl Network {
    /// Runs the group phase (needs at least four users; see the module documentation).
    pub fn run_group(&mut self) -> Result<GroupReport, Box<dyn std::error::Error>> {
        if self.clients.len() < 4 {
            return Err("the group phase needs at least four users".into());
        }
        let mut report = GroupReport::default();
        let ids: Vec<Identity> = (0..4)
            .map(|c| Identity::from_seed(&self.clients[c].identity().seed()))
            .collect();
        let ident = |c: usize| Identity::from_seed(&ids[c].seed());
        let invited: Vec<(SessionId, String)> = MEMBERS
            .iter()
            .map(|&c| (self.parties[c].session_id, self.parties[c].name.clone()))
            .collect();
        let refs: Vec<(SessionId, &str)> = invited.iter().map(|(s, n)| (*s, n.as_str())).collect();

        // The admin creates the group and stores its first keys, info and members list.
        let t = Instant::now();
        let (mut admin, stores) =
            Admin::create(&ident(ADMIN), "Tomato club", &refs, &mut self.rng)?;
        record(&mut self.net.timings, "group: create", t);
        let gid = admin.id();
        report.group = Some(gid);
        self.clients[ADMIN].add_group(gid, GroupAuth::Admin(admin.group_key()))?;
        self.store_group(ADMIN, &gid, stores, &mut report)?;

        // Each member gets its credential with the invitation and starts polling the group.
        let mut views = Vec::new();
        let mut first_refused = vec![0; MEMBERS.len()];
        for &c in &MEMBERS {
            let me = ident(c);
            let signer = admin.invite(&me.session_id())?.signer(&gid, &me)?;
            self.clients[c].add_group(gid, GroupAuth::Member(signer))?;
            views.push(View::new(&me, &gid)?);
        }
        self.poll_group(&gid, &mut views, &mut report, &mut first_refused);

        // A member posts to the group, signing the store with its credential.
        let now = self.net.now_ms;
        let hello =
            views[0].message(&format!("hello from {}", invited[0].1), now, &mut self.rng)?;
        self.store_group(MEMBERS[0], &gid, vec![hello], &mut report)?;

        // The admin removes one member, rekeys for the rest, and posts.
        let removed = self.parties[REMOVED].session_id;
        let t = Instant::now();
        let mut stores = admin.remove(&removed, "Tomato club (minus one)")?;
        record(&mut self.net.timings, "group: remove, rekey", t);
        let now = self.net.now_ms;
        stores.push(admin.message("after the rekey", now, &mut self.rng)?);
        self.store_group(ADMIN, &gid, stores, &mut report)?;
        let mut refused = vec![0; MEMBERS.len()];
        self.poll_group(&gid, &mut views, &mut report, &mut refused);

        // The admin revokes the removed member's token and posts again.
        let token = admin.token_of(&removed)?;
        let now = self.net.now_ms;
        let id = self.clients[ADMIN].revoke_subaccounts(
            now,
            &gid,
            &[token],
            Revocation::Revoke,
            &mut self.rng,
        )?;
        let events = self.pump(None);
        for e in &events[ADMIN] {
            match e {
                Event::Revoked {
                    id: i,
                    confirmations,
                    ..
                } if *i == id => {
                    report.revocations = *confirmations;
                }
                Event::MessageFailed { id: i, reason } if *i == id => {
                    report.store_failures.push(format!("revoke: {reason:?}"));
                }
                _ => {}
            }
        }
        let now = self.net.now_ms;
        let after = admin.message("after the revoke", now, &mut self.rng)?;
        self.store_group(ADMIN, &gid, vec![after], &mut report)?;
        self.poll_group(&gid, &mut views, &mut report, &mut refused);

        for (((&c, view), (_, name)), refused) in
            MEMBERS.iter().zip(&views).zip(&invited).zip(refused)
        {
            report.members.push(MemberReport {
                name: name.clone(),
                removed: c == REMOVED,
                generation: view.generation(),
                group_name: view.name(),
                members: view.member_count(),
                read: view.read.iter().map(|(_, t)| t.clone()).collect(),
                unreadable: view.unreadable,
                refused_polls: refused,
            });
        }
        Ok(report)
    }

    /// Client `c` stores `stores` in the group's swarm; waits for every outcome.
    fn store_group(
        &mut self,
        c: usize,
        gid: &SessionId,
        stores: Vec<Store>,
        report: &mut GroupReport,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut ids: Vec<(MessageId, Namespace)> = Vec::new();
        for (ns, data) in stores {
            let now = self.net.now_ms;
            let t = Instant::now();
            let id = self.clients[c].store_in_group(
                now,
                gid,
                ns,
                &data,
                request::MAX_TTL_PRIVATE_MS,
                &mut self.rng,
            )?;
            record(&mut self.net.timings, "Client::store_in_group", t);
            ids.push((id, ns));
        }
        let events = self.pump(None);
        for e in &events[c] {
            match e {
                Event::MessageStored { id, .. } if ids.iter().any(|(i, _)| i == id) => {
                    report.stored += 1;
                }
                Event::MessageFailed { id, reason } => {
                    let ns = ids.iter().find(|(i, _)| i == id).map_or(-1, |(_, ns)| ns.0);
                    report
                        .store_failures
                        .push(format!("namespace {ns}: {reason:?}"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Every member polls (its own swarm and the group's); each view takes in what came from
    /// the group's swarm.
    fn poll_group(
        &mut self,
        gid: &SessionId,
        views: &mut [View],
        report: &mut GroupReport,
        refused: &mut [usize],
    ) {
        for &c in &MEMBERS {
            let now = self.net.now_ms;
            self.clients[c].poll(now, &mut self.rng);
        }
        let events = self.pump(None);
        for ((&c, view), refused) in MEMBERS.iter().zip(views.iter_mut()).zip(refused) {
            let mut got = Vec::new();
            for e in &events[c] {
                match e {
                    Event::Retrieved {
                        account,
                        namespace,
                        message,
                    } if account == gid => got.push((
                        *namespace,
                        message.hash.clone(),
                        message.timestamp_ms,
                        message.data.clone(),
                    )),
                    Event::PollFailed {
                        account,
                        reason: FailReason::Refused(401),
                        ..
                    } if account == gid => *refused += 1,
                    Event::PollFailed {
                        account,
                        namespace,
                        reason,
                    } if account == gid => report.poll_failures.push(format!(
                        "{} namespace {}: {reason:?}",
                        self.parties[c].name, namespace.0
                    )),
                    _ => {}
                }
            }
            let t = Instant::now();
            view.absorb(&got);
            record(&mut self.net.timings, "group: member reads", t);
        }
    }
}
