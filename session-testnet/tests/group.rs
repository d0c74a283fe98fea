//! A closed (`03`) group kept in its own swarm on the loopback testnet: the admin creates it
//! with three members and stores its keys, info and members list; each member signs its
//! requests with the credential the admin issued (the nodes check it as storage servers do);
//! the admin removes one member and rekeys, and the removed member can no longer read what
//! follows; once its token is revoked, the swarm refuses its requests too. The group logic is the `network` example's (`examples/support/group_life.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../examples/support/group_life.rs"]
mod group_life;

use group_life::{Admin, Store, View};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_client::{Session, SessionError};
use session_protocol::client::SendError;
use session_protocol::client::{Config as ClientConfig, Event, FailReason, GroupAuth, Revocation};
use session_protocol::config::MemberAuth;
use session_protocol::storage::request::MAX_TTL_PRIVATE_MS;
use session_protocol::storage::{Namespace, SubaccountFlags};
use session_protocol::{Identity, SessionId};
use session_testnet::{Config, Testnet};

fn session(seed: u8, net: &Testnet) -> Session {
    let mut c = ClientConfig::default();
    c.request_timeout_ms = 5_000;
    c.max_attempts = 6;
    c.backoff_base_ms = 20;
    c.backoff_max_ms = 500;
    Session::new(Identity::from_seed(&[seed; 32]), c, vec![net.seed()]).unwrap()
}

async fn store_all(s: &mut Session, gid: &SessionId, stores: Vec<Store>) {
    for (ns, data) in stores {
        let stored = s
            .store_in_group(gid, ns, &data, MAX_TTL_PRIVATE_MS)
            .await
            .unwrap();
        assert!(stored.confirmations >= 1);
    }
}

/// Polls (the member's swarm and the group's) and hands the group's messages to its view;
/// returns how many of the group's namespaces refused the poll (401).
async fn read(s: &mut Session, gid: &SessionId, view: &mut View) -> usize {
    // A poll where every namespace failed is an error; one of them is the member's own
    // inbox, which never fails here.
    s.receive().await.unwrap();
    let mut got = Vec::new();
    let mut refused = 0;
    while let Some(e) = s.next_event() {
        match e {
            Event::Retrieved {
                account,
                namespace,
                message,
            } => {
                assert_eq!(&account, gid);
                got.push((namespace, message.hash, message.timestamp_ms, message.data));
            }
            Event::PollFailed {
                account,
                reason: FailReason::Refused(401),
                ..
            } if &account == gid => refused += 1,
            _ => {}
        }
    }
    view.absorb(&got);
    refused
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_in_its_swarm_locks_out_a_removed_member() {
    let mut config = Config::with_nodes(16);
    config.swarm_size = 4;
    let net = Testnet::start(config).await.unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut admin_s = session(0xad, &net);
    let mut members: Vec<Session> = [0x11, 0x22, 0x33].map(|s| session(s, &net)).into();
    let ids: Vec<Identity> = [0x11u8, 0x22, 0x33]
        .iter()
        .map(|&s| Identity::from_seed(&[s; 32]))
        .collect();
    let names = ["ana", "bo", "cy"];
    let invited: Vec<(SessionId, &str)> = ids
        .iter()
        .zip(names)
        .map(|(i, n)| (i.session_id(), n))
        .collect();

    let (mut admin, stores) = Admin::create(
        &Identity::from_seed(&[0xad; 32]),
        "Loopback club",
        &invited,
        &mut rng,
    )
    .unwrap();
    let gid = admin.id();
    admin_s
        .client_mut()
        .add_group(gid, GroupAuth::Admin(admin.group_key()))
        .unwrap();
    store_all(&mut admin_s, &gid, stores).await;

    let mut views = Vec::new();
    for (s, me) in members.iter_mut().zip(&ids) {
        let signer = admin
            .invite(&me.session_id())
            .unwrap()
            .signer(&gid, me)
            .unwrap();
        s.client_mut()
            .add_group(gid, GroupAuth::Member(signer))
            .unwrap();
        let mut view = View::new(me, &gid).unwrap();
        assert_eq!(read(s, &gid, &mut view).await, 0);
        assert_eq!(view.name(), "Loopback club");
        assert_eq!(view.member_count(), 4);
        assert_eq!(view.generation(), 0);
        views.push(view);
    }

    // A member posts with its credential; a read-only credential cannot.
    let now = session_client::now_ms();
    let hello = views[0].message("hello from ana", now, &mut rng).unwrap();
    store_all(&mut members[0], &gid, vec![hello]).await;
    let reader = Identity::from_seed(&[0x44; 32]);
    let mut reader_s = session(0x44, &net);
    let read_only = MemberAuth::new(
        &admin.group_key(),
        &reader.session_id(),
        SubaccountFlags::READ,
    )
    .unwrap()
    .signer(&gid, &reader)
    .unwrap();
    reader_s
        .client_mut()
        .add_group(gid, GroupAuth::Member(read_only))
        .unwrap();
    let refused = reader_s
        .store_in_group(&gid, Namespace::GROUP_MESSAGES, b"x", MAX_TTL_PRIVATE_MS)
        .await;
    assert!(
        matches!(refused, Err(SessionError::Send(SendError::NotPermitted))),
        "{refused:?}"
    );

    // The admin removes cy, rekeys and posts.
    let mut stores = admin
        .remove(&ids[2].session_id(), "Loopback club (two)")
        .unwrap();
    stores.push(admin.message("after the rekey", now, &mut rng).unwrap());
    store_all(&mut admin_s, &gid, stores).await;

    for ((s, view), name) in members.iter_mut().zip(&mut views).zip(names) {
        assert_eq!(read(s, &gid, view).await, 0);
        let read: Vec<&str> = view.read.iter().map(|(_, t)| t.as_str()).collect();
        if name == "cy" {
            assert_eq!(view.generation(), 0);
            assert_eq!(view.name(), "Loopback club");
            assert_eq!(read, ["hello from ana"]);
            assert_eq!(view.unreadable, 1);
        } else {
            assert_eq!(view.generation(), 1);
            assert_eq!(view.name(), "Loopback club (two)");
            assert_eq!(view.member_count(), 3);
            assert_eq!(read, ["hello from ana", "after the rekey"]);
            assert_eq!(view.unreadable, 0);
            assert_eq!(view.read[0].0, ids[0].session_id(), "the sender verified");
        }
    }
    // The admin revokes cy's credential: the swarm refuses cy's polls of the group, while
    // the others read on.
    let token = admin.token_of(&ids[2].session_id()).unwrap();
    let confirmed = admin_s
        .revoke_subaccounts(&gid, &[token], Revocation::Revoke)
        .await
        .unwrap();
    assert_eq!(
        confirmed, 4,
        "every member of the group's swarm (swarm_size 4)"
    );
    let last = admin.message("after the revoke", now, &mut rng).unwrap();
    store_all(&mut admin_s, &gid, vec![last]).await;
    for ((s, view), name) in members.iter_mut().zip(&mut views).zip(names) {
        let refused = read(s, &gid, view).await;
        let newest = view.read.last().map(|(_, t)| t.as_str());
        if name == "cy" {
            assert_eq!(refused, 4, "every group namespace but -11 refused");
            assert_eq!(newest, Some("hello from ana"));
        } else {
            assert_eq!(refused, 0);
            assert_eq!(newest, Some("after the revoke"));
        }
    }
    // cy's stores are refused by the swarm too.
    let late = members[2]
        .store_in_group(&gid, Namespace::GROUP_MESSAGES, b"late", MAX_TTL_PRIVATE_MS)
        .await;
    assert!(
        matches!(late, Err(SessionError::Failed(FailReason::Refused(401)))),
        "{late:?}"
    );
    // Lifting the revocation lets cy retrieve again (it still cannot open the new messages).
    admin_s
        .revoke_subaccounts(&gid, &[token], Revocation::Unrevoke)
        .await
        .unwrap();
    let refused = read(&mut members[2], &gid, &mut views[2]).await;
    assert_eq!(refused, 0);
    assert_eq!(views[2].unreadable, 2, "after the rekey, after the revoke");
    net.shutdown().await;
}
