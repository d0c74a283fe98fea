//! Devices editing one config at the same time converge once they have read each other's
//! pushes, whatever the order and batching of what they read.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use session_protocol::Identity;
use session_protocol::config::{ConfigKind, ConfigState, Scalar, Value};

#[derive(Debug, Clone)]
enum Edit {
    Put(u8, i64),
    PutBytes(u8, Vec<u8>),
    Erase(u8),
    Add(i64),
    Remove(i64),
    Nested(u8, i64),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0u8..4, -3i64..3).prop_map(|(k, v)| Edit::Put(k, v)),
        (0u8..4, proptest::collection::vec(any::<u8>(), 0..3))
            .prop_map(|(k, v)| Edit::PutBytes(k, v)),
        (0u8..4).prop_map(Edit::Erase),
        (0i64..5).prop_map(Edit::Add),
        (0i64..5).prop_map(Edit::Remove),
        (0u8..3, -2i64..2).prop_map(|(k, v)| Edit::Nested(k, v)),
    ]
}

fn apply(state: &mut ConfigState, e: &Edit) {
    state
        .edit(|d| match e {
            Edit::Put(k, v) => {
                d.insert(vec![b'a' + k], Value::from(*v));
            }
            Edit::PutBytes(k, v) => {
                d.insert(vec![b'a' + k], Value::from(v.as_slice()));
            }
            Edit::Erase(k) => {
                d.remove(&vec![b'a' + k]);
            }
            Edit::Add(x) => {
                let s = d
                    .entry(b"s".to_vec())
                    .or_insert_with(|| Value::Set(Default::default()));
                if let Value::Set(s) = s {
                    s.insert(Scalar::Int(*x));
                } else {
                    *s = Value::Set([Scalar::Int(*x)].into());
                }
            }
            Edit::Remove(x) => {
                if let Some(Value::Set(s)) = d.get_mut(b"s".as_slice()) {
                    s.remove(&Scalar::Int(*x));
                }
            }
            Edit::Nested(k, v) => {
                let n = d
                    .entry(b"n".to_vec())
                    .or_insert_with(|| Value::Dict(Default::default()));
                if !matches!(n, Value::Dict(_)) {
                    *n = Value::Dict(Default::default());
                }
                if let Value::Dict(n) = n {
                    n.insert(vec![b'x' + k], Value::from(*v));
                }
            }
        })
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Three devices edit at once and push; then, round by round, each pushes what it has and
    /// merges what the swarm holds that it has not read (all of it in one merge, as a poll
    /// returns it, in an order of its own; in the first round only part of it, as a poll that
    /// raced the other pushes would), deleting the hashes its pushes make obsolete. Within a
    /// few rounds every device holds the same data at the same seqno and has nothing to push.
    #[test]
    fn concurrent_edits_converge(
        edits in proptest::collection::vec(proptest::collection::vec(edit(), 0..4), 3),
        keys in proptest::collection::vec(any::<u16>(), 16),
        first_read in proptest::collection::vec(0usize..4, 3),
    ) {
        let me = Identity::from_seed(&[8; 32]);
        let mut devices: Vec<ConfigState> =
            (0..3).map(|_| ConfigState::new(ConfigKind::CONTACTS, &me)).collect();
        // The swarm: what is stored now, by storage hash.
        let mut swarm: Vec<(String, Vec<u8>)> = Vec::new();
        let mut read: Vec<BTreeSet<String>> = vec![BTreeSet::new(); 3];
        for (dev, es) in devices.iter_mut().zip(&edits) {
            for e in es {
                apply(dev, e);
            }
        }
        let mut rounds = 0;
        loop {
            let unread = (0..3).any(|i| swarm.iter().any(|(h, _)| !read[i].contains(h)));
            if !unread && !devices.iter().any(ConfigState::needs_push) {
                break;
            }
            prop_assert!(rounds < 6, "settled within 6 rounds");
            for (i, dev) in devices.iter_mut().enumerate() {
                if dev.needs_push() {
                    let p = dev.push().unwrap();
                    let hash = format!("r{rounds}d{i}s{}", p.seqno);
                    dev.confirm_pushed(p.seqno, &hash);
                    swarm.retain(|(h, _)| !p.obsolete.contains(h));
                    swarm.push((hash, p.data));
                }
            }
            for (i, dev) in devices.iter_mut().enumerate() {
                let mut fresh: Vec<&(String, Vec<u8>)> =
                    swarm.iter().filter(|(h, _)| !read[i].contains(h)).collect();
                fresh.sort_by_key(|(h, _)| keys[(h.len() * 7 + h.as_bytes()[1] as usize + i) % keys.len()]);
                if rounds == 0 {
                    fresh.truncate(first_read[i]);
                }
                let msgs: Vec<(&str, &[u8])> =
                    fresh.iter().map(|(h, d)| (h.as_str(), d.as_slice())).collect();
                dev.merge(&msgs);
                read[i].extend(fresh.iter().map(|(h, _)| h.clone()));
            }
            rounds += 1;
        }
        for d in &devices[1..] {
            prop_assert_eq!(d.data(), devices[0].data());
            prop_assert_eq!(d.seqno(), devices[0].seqno());
        }
    }
}
