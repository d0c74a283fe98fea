//! Contacts, ConvoInfoVolatile and UserGroups against libsession-util, byte for byte
//! (`tests/vectors/config-vectors.json`, keys `contacts`, `contacts-huge`,
//! `convo-info-volatile` and `user-groups`; each names its source and inputs).
//!
//! The vectors' inputs are given to the crate's typed API, and then:
//! - the empty config's seqno-0 push equals libsession's (domain, padding, encryption and the
//!   legacy wrapping with the config's kind);
//! - the seqno-1 message, and the whole dump, equal libsession's;
//! - libsession's compressed plaintext decompresses to that message, and pads and encrypts to
//!   libsession's blob;
//! - libsession's push (wrapped and raw) merged into a fresh config reads back every field.
//!
//! The whole seqno-1 push also depends on the zstd compressor: libsession compresses these
//! messages with libzstd level 1, the crate with ruzstd's fastest level, whose frames differ
//! (and are larger), so the vectors' compressed bytes are checked in the reading direction:
//! they decompress to the crate's message, and libsession reads the crate's pushes (checked
//! when the vectors were made).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;

use common::hex::{hex, unhex, unhex_array};
use serde_json::Value as Json;
use session_protocol::config::{
    self, Common, Community, ConfigState, Contact, Contacts, Conversation, ConvoInfoVolatile, Dict,
    Disappearing, Group, GroupNotify, LegacyGroup, Notify, Push, ReadState, UserGroups, Value,
};
use session_protocol::{IdPrefix, Identity, SessionId};

fn vectors() -> Json {
    serde_json::from_str(include_str!("vectors/config-vectors.json")).unwrap()
}

fn s(v: &Json, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("vector field {k}"))
        .to_owned()
}

fn me(v: &Json) -> Identity {
    Identity::from_seed(&unhex_array(&s(v, "seed")))
}

/// `prefix` followed by 32 copies of `byte`.
fn repeated(prefix: IdPrefix, byte: u8) -> SessionId {
    SessionId::new(prefix, [byte; 32])
}

/// The dump of a config whose seqno-1 message `plain` was pushed and not yet confirmed.
fn waiting_dump(plain: &[u8]) -> Vec<u8> {
    let mut out = format!("d1:!i2e1:${}:", plain.len()).into_bytes();
    out.extend_from_slice(plain);
    out.extend_from_slice(b"1:(0:1:)le1:+dee");
    out
}

/// The dump of a clean config holding `plain`, stored under `hash`.
fn clean_dump(plain: &[u8], hash: &str) -> Vec<u8> {
    let mut out = format!("d1:!i0e1:${}:", plain.len()).into_bytes();
    out.extend_from_slice(plain);
    out.extend_from_slice(format!("1:({}:{hash}1:)le1:+dee", hash.len()).as_bytes());
    out
}

/// The checks that do not depend on the compressor, on a config holding the vector's inputs
/// whose seqno-0 push was `push0`. Returns the seqno-1 push.
fn check_push(
    v: &Json,
    domain: &str,
    me: &Identity,
    push0: &Push,
    state: &mut ConfigState,
) -> Push {
    assert_eq!(push0.seqno, 0);
    assert_eq!(hex(&push0.data), s(v, "push0"), "{domain}: seqno-0 push");
    assert_eq!(state.seqno(), 1);
    let push = state.push().unwrap();
    assert_eq!(push.seqno, 1);
    let plain = unhex(&s(v, "plain"));
    assert_eq!(
        hex(&state.dump()),
        hex(&waiting_dump(&plain)),
        "{domain}: the seqno-1 message, in the dump"
    );

    let inner = unhex(&s(v, "inner"));
    assert_eq!(inner.first(), Some(&b'z'), "libsession compressed it");
    let padded = config::pad(&inner);
    assert_eq!(config::unwrap_plaintext(&padded).unwrap(), plain);
    assert_eq!(
        hex(&config::encrypt(&me.seed(), domain, &padded).unwrap()),
        s(v, "encrypted"),
        "{domain}: padding and encryption of libsession's compressed message"
    );
    push
}

/// libsession's seqno-1 push, wrapped and raw, each merged into a config from `fresh`.
fn merge_vector<T>(
    v: &Json,
    fresh: impl Fn() -> T,
    state: impl Fn(&mut T) -> &mut ConfigState,
) -> [T; 2] {
    let plain = unhex(&s(v, "plain"));
    [s(v, "push"), s(v, "encrypted")].map(|payload| {
        let mut c = fresh();
        let st = state(&mut c);
        assert_eq!(st.merge(&[("h1", &unhex(&payload))]), ["h1"]);
        assert_eq!(st.seqno(), 1);
        assert!(!st.needs_push());
        assert_eq!(st.current_hashes(), ["h1"]);
        assert_eq!(hex(&st.dump()), hex(&clean_dump(&plain, "h1")));
        c
    })
}

fn contacts_inputs(v: &Json) -> Vec<Contact> {
    let key: [u8; 32] = s(v, "pic_key").as_bytes().try_into().unwrap();
    let mut joe = Contact::new(repeated(IdPrefix::Standard, 0x00));
    joe.name = "Joe".into();
    joe.nickname = "Joey".into();
    joe.profile_pic = Some((s(v, "pic_url"), key));
    joe.approved = true;
    joe.approved_me = true;
    joe.priority = 3;
    joe.notify = Notify::Disabled;
    joe.mute_until = 1_700_000_123;
    joe.disappearing = Some(Disappearing::AfterSend(3600));
    joe.created = 1_700_000_000;
    let mut kate = Contact::new(repeated(IdPrefix::Standard, 0x11));
    kate.name = "Kate".into();
    kate.approved_me = true;
    kate.blocked = true;
    kate.priority = -1;
    // libsession was given "mentions only", which contacts store as "all".
    kate.notify = Notify::All;
    kate.disappearing = Some(Disappearing::AfterRead(86_400));
    kate.created = 1_700_000_456;
    let nobody = Contact::new(repeated(IdPrefix::Standard, 0x22));
    vec![joe, kate, nobody]
}

/// The vector's contacts, with the seqno-0 push made before they were added.
fn contacts(v: &Json) -> (Contacts, Push) {
    let mut c = Contacts::new(&me(v));
    let push0 = c.state_mut().push().unwrap();
    for contact in &contacts_inputs(v) {
        c.set(contact).unwrap();
    }
    (c, push0)
}

#[test]
fn contacts_match_libsession() {
    let v = &vectors()["contacts"];
    let me = me(v);
    let (mut c, push0) = contacts(v);
    check_push(v, "Contacts", &me, &push0, c.state_mut());

    let inputs = contacts_inputs(v);
    for read in merge_vector(v, || Contacts::new(&me), Contacts::state_mut) {
        assert_eq!(read.iter().collect::<Vec<_>>(), inputs);
        assert_eq!(read.get(&inputs[1].session_id), Some(inputs[1].clone()));
        assert_eq!(read.len(), 3);
    }
}

/// The records of libsession's "huge contacts compression" test: `Contacts::set` writes these
/// (checked on a few); all 10 000 are written in one edit, as 10 000 `set`s (each copying the
/// data) are slow in an unoptimised build.
fn huge_contacts(v: &Json) -> Contacts {
    let me = me(&vectors()["contacts"]);
    let contact = |i: u16| {
        let mut key = [0u8; 32];
        key[30..].copy_from_slice(&i.to_be_bytes());
        let mut c = Contact::new(SessionId::new(IdPrefix::Standard, key));
        c.nickname = format!("My friend {i}");
        c.approved = true;
        c.approved_me = true;
        c
    };
    let record = |c: &Contact| {
        let mut d = Dict::new();
        d.insert(b"n".to_vec(), Value::from(""));
        d.insert(b"N".to_vec(), Value::from(c.nickname.as_str()));
        d.insert(b"a".to_vec(), Value::from(1));
        d.insert(b"A".to_vec(), Value::from(1));
        (c.session_id.to_bytes().to_vec(), Value::Dict(d))
    };
    let write = |ids: &mut dyn Iterator<Item = u16>| {
        let mut c = Contacts::new(&me);
        let records: Dict = ids.map(|i| record(&contact(i))).collect();
        c.state_mut()
            .edit(|d| {
                d.insert(b"c".to_vec(), Value::Dict(records));
            })
            .unwrap();
        c
    };
    let mut few = Contacts::new(&me);
    for i in [0, 1, 9_999] {
        few.set(&contact(i)).unwrap();
    }
    assert_eq!(
        write(&mut [0, 1, 9_999].into_iter()).state().data(),
        few.state().data()
    );

    let c = write(&mut (0..10_000));
    assert_eq!(c.len(), 10_000);
    assert_eq!(c.get(&contact(1234).session_id), Some(contact(1234)));
    // The dump starts `d1:!i1e1:$<length of the message>:`.
    let dump = c.state().dump();
    let len: String = dump[10..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    assert_eq!(
        len.parse::<u64>().unwrap(),
        v["plain_len"].as_u64().unwrap(),
        "the seqno-1 message's length"
    );
    c
}

#[test]
fn huge_contacts_message_matches_libsessions_length() {
    huge_contacts(&vectors()["contacts-huge"]);
}

fn convo_inputs(v: &Json) -> Vec<(Conversation, ReadState)> {
    let read = |last_read_ms, unread| ReadState {
        last_read_ms,
        unread,
    };
    let id = |h: &str| h.parse::<SessionId>().unwrap();
    vec![
        (
            Conversation::OneToOne(id(
                "055000000000000000000000000000000000000000000000000000000000000000",
            )),
            read(1_796_200_000_123, false),
        ),
        (
            Conversation::community(
                "http://Example.ORG:5678/",
                "SudokuRoom",
                unhex_array(&s(v, "community_pubkey")),
            ),
            read(1_796_200_000_456, true),
        ),
        (
            Conversation::Group(id(
                "030111101001001000101010011011010010101010111010000110100001210000",
            )),
            read(1_796_200_000_789, false),
        ),
        (
            Conversation::LegacyGroup(repeated(IdPrefix::Standard, 0xcc)),
            read(0, true),
        ),
    ]
}

/// The vector's conversations, with the seqno-0 push made before they were added.
fn convos(v: &Json) -> (ConvoInfoVolatile, Push) {
    let mut c = ConvoInfoVolatile::new(&me(v));
    let push0 = c.state_mut().push().unwrap();
    for (convo, read) in convo_inputs(v) {
        c.set(&convo, read).unwrap();
    }
    (c, push0)
}

#[test]
fn convo_info_volatile_matches_libsession() {
    let v = &vectors()["convo-info-volatile"];
    let me = me(v);
    let (mut c, push0) = convos(v);
    check_push(v, "ConvoInfoVolatile", &me, &push0, c.state_mut());

    let mut want = convo_inputs(v);
    want.sort_by(|a, b| a.0.cmp(&b.0));
    for read in merge_vector(
        v,
        || ConvoInfoVolatile::new(&me),
        ConvoInfoVolatile::state_mut,
    ) {
        for (convo, state) in &want {
            assert_eq!(read.get(convo), Some(*state), "{convo:?}");
        }
        let mut all = read.iter();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(all, want);
        let Conversation::Community { base_url, room, .. } = &all[3].0 else {
            panic!("{:?}", all[3]);
        };
        assert_eq!(
            (base_url.as_str(), room.as_str()),
            ("http://example.org:5678", "sudokuroom")
        );
    }
}

struct GroupsInputs {
    community: Community,
    legacy: LegacyGroup,
    admin: Group,
    member: Group,
}

fn groups_inputs(v: &Json) -> GroupsInputs {
    let mut community = Community::new(
        "http://Example.ORG:5678/",
        unhex_array(&s(v, "community_pubkey")),
        "SudokuSolvers",
    );
    community.common = Common {
        priority: 14,
        joined_at: 1_700_000_111,
        notify: GroupNotify::MentionsOnly,
        mute_until: 1_700_003_600,
        invited: false,
    };

    let legacy_seed: [u8; 32] = unhex_array(&s(v, "legacy_seed"));
    let legacy_pk = *Identity::from_seed(&legacy_seed)
        .ed25519_public()
        .as_bytes();
    let mut legacy = LegacyGroup::new(repeated(IdPrefix::Standard, 0x77));
    legacy.name = "Legacy Group".into();
    legacy.enc_keys = Some((legacy_pk, legacy_seed));
    legacy.members = [0x00, 0x11].map(|b| repeated(IdPrefix::Standard, b)).into();
    legacy.admins = [0x22, 0x33].map(|b| repeated(IdPrefix::Standard, b)).into();
    legacy.disappearing_secs = 3600;
    legacy.common = Common {
        priority: -1,
        joined_at: 1_700_000_222,
        notify: GroupNotify::All,
        mute_until: 0,
        invited: true,
    };

    let admin_seed: [u8; 32] = unhex_array(&s(v, "admin_group_seed"));
    let admin_id = SessionId::new(
        IdPrefix::Group,
        *Identity::from_seed(&admin_seed).ed25519_public().as_bytes(),
    );
    assert_eq!(admin_id.to_string(), s(v, "admin_group_id"));
    let mut admin = Group::new(admin_id);
    admin.admin_seed = Some(admin_seed);
    admin.name = "Admin Group".into();
    admin.common = Common {
        priority: 2,
        joined_at: 1_700_000_333,
        notify: GroupNotify::Disabled,
        mute_until: 1_700_007_200,
        invited: false,
    };

    let mut member = Group::new(repeated(IdPrefix::Group, 0x01));
    member.auth_data = Some((0..100).collect());
    member.name = "Member Group".into();
    member.removed = 1;
    member.common = Common {
        joined_at: 1_700_000_444,
        invited: true,
        ..Common::default()
    };
    GroupsInputs {
        community,
        legacy,
        admin,
        member,
    }
}

/// The vector's groups, with the seqno-0 push made before they were added.
fn groups(v: &Json) -> (UserGroups, Push) {
    let i = groups_inputs(v);
    let mut g = UserGroups::new(&me(v));
    let push0 = g.state_mut().push().unwrap();
    g.set_community(&i.community).unwrap();
    g.set_legacy_group(&i.legacy).unwrap();
    g.set_group(&i.admin).unwrap();
    g.set_group(&i.member).unwrap();
    (g, push0)
}

#[test]
fn user_groups_match_libsession() {
    let v = &vectors()["user-groups"];
    let me = me(v);
    let (mut g, push0) = groups(v);
    check_push(v, "UserGroups", &me, &push0, g.state_mut());

    let i = groups_inputs(v);
    for read in merge_vector(v, || UserGroups::new(&me), UserGroups::state_mut) {
        assert_eq!(
            read.community("HTTP://example.org:5678", "sudokusolvers"),
            Some(i.community.clone())
        );
        assert_eq!(read.legacy_group(&i.legacy.id), Some(i.legacy.clone()));
        assert_eq!(read.group(&i.admin.id), Some(i.admin.clone()));
        assert_eq!(read.group(&i.member.id), Some(i.member.clone()));
        let ids: BTreeSet<SessionId> = read.group_ids().into_iter().collect();
        assert_eq!(ids, [i.legacy.id, i.admin.id, i.member.id].into());
    }
}

/// Records another client could write, read as libsession's `load` reads them.
#[test]
fn odd_records_read_like_libsession() {
    let me = me(&vectors()["contacts"]);
    let record = |entries: &[(&str, Value)]| {
        Value::Dict(
            entries
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.clone()))
                .collect(),
        )
    };

    // A contact with "mentions only" (which libsession never writes for contacts) is "all".
    let joe = repeated(IdPrefix::Standard, 0x00);
    let mut c = Contacts::new(&me);
    c.state_mut()
        .edit(|d| {
            let contact = record(&[("n", Value::from("Joe")), ("@", Value::from(3))]);
            let records = [(joe.to_bytes().to_vec(), contact)];
            d.insert(b"c".to_vec(), Value::Dict(records.into_iter().collect()));
        })
        .unwrap();
    assert_eq!(c.get(&joe).unwrap().notify, Notify::All);

    // A `K` that is not the group's seed is not an admin key, and the group can be set back.
    let seed: [u8; 32] = unhex_array(&s(&vectors()["user-groups"], "admin_group_seed"));
    let other = repeated(IdPrefix::Group, 0x01);
    let mut g = UserGroups::new(&me);
    g.state_mut()
        .edit(|d| {
            let group = record(&[("K", Value::from(seed.as_slice())), ("n", Value::from("x"))]);
            let records = [(other.to_bytes().to_vec(), group)];
            d.insert(b"g".to_vec(), Value::Dict(records.into_iter().collect()));
        })
        .unwrap();
    let group = g.group(&other).unwrap();
    assert_eq!(group.admin_seed, None);
    assert_eq!(group.name, "x");
    g.set_group(&group).unwrap();
}

#[test]
fn huge_contacts_messages_read_back_above_a_mebibyte() {
    // libsession pushes this 1.3 MB message compressed (43 kB with libzstd); whatever
    // compressed it, a reader must take the decompressed size.
    let v = &vectors()["contacts-huge"];
    let c = huge_contacts(v);
    let dump = c.state().dump();
    let plain_len = usize::try_from(v["plain_len"].as_u64().unwrap()).unwrap();
    // The dump is `d1:!i1e1:$<length>:<message>…`.
    let len_at = dump.windows(3).position(|w| w == b"1:$").unwrap() + 3;
    let start = len_at + dump[len_at..].iter().position(|&b| b == b':').unwrap() + 1;
    let plain = &dump[start..start + plain_len];
    assert!(plain.starts_with(b"d1:#i1e"));
    assert!(plain_len > 1024 * 1024 && plain_len <= config::MAX_DECOMPRESSED);
    let z = config::compress(plain);
    assert_eq!(z[0], b'z');
    assert_eq!(config::unwrap_plaintext(&config::pad(&z)).unwrap(), plain);
}

// --- Behaviour matched to libsession-util's typed configs ---

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A fixed "now" (Unix ms) for the read-state tests.
const NOW_MS: i64 = 1_800_000_000_000;

fn read_state(last_read_ms: i64, unread: bool) -> ReadState {
    ReadState {
        last_read_ms,
        unread,
    }
}

/// `prefix` followed by 31 zero bytes and `x`, as libsession's tests make their ids.
fn some_id(prefix: IdPrefix, x: u8) -> SessionId {
    let mut key = [0u8; 32];
    key[31] = x;
    SessionId::new(prefix, key)
}

fn key(k: &str) -> Vec<u8> {
    k.as_bytes().to_vec()
}

/// The dictionary at `path` in `d`.
fn dict_at<'a>(d: &'a Dict, path: &[&[u8]]) -> Option<&'a Dict> {
    path.iter().try_fold(d, |d, k| match d.get(*k) {
        Some(Value::Dict(x)) => Some(x),
        _ => None,
    })
}

/// libsession's "Conversation pruning" test (tests/test_config_convo_info_volatile.cpp), its
/// clock given: `set_at` does not record read times more than 30 days old (unless marked
/// unread, when only the flag is kept), and `prune` drops those more than 45 days old. A group
/// (which libsession never prunes) is added to the records written directly.
#[test]
fn convo_set_at_and_prune_follow_libsessions_pruning_test() {
    let me = me(&vectors()["convo-info-volatile"]);
    let mut convos = ConvoInfoVolatile::new(&me);
    let pk = |x: u8| *some_id(IdPrefix::Standard, x).key();
    let sid = |x: u8| some_id(IdPrefix::Standard, x);
    let days_ago = |d: i64| NOW_MS - d * DAY_MS;
    // libsession's timestamps are taken 1 ms before its clock is read by `set`.
    let now = NOW_MS + 1;
    for i in 0..=65u8 {
        let c = match i % 3 {
            0 => Conversation::OneToOne(sid(i)),
            1 => Conversation::LegacyGroup(sid(i)),
            _ => Conversation::community("https://example.org", &format!("room{i}"), pk(i)),
        };
        let read = read_state(days_ago(i.into()), i % 5 == 0);
        convos.set_at(&c, read, now).unwrap();
    }
    let count = |c: &ConvoInfoVolatile, kind: fn(&Conversation) -> bool| {
        c.iter().iter().filter(|(c, _)| kind(c)).count()
    };
    let one_to_one = |c: &Conversation| matches!(c, Conversation::OneToOne(_));
    let legacy = |c: &Conversation| matches!(c, Conversation::LegacyGroup(_));
    let community = |c: &Conversation| matches!(c, Conversation::Community { .. });
    assert_eq!(count(&convos, one_to_one), 11 + 2);
    assert_eq!(count(&convos, legacy), 10 + 2);
    assert_eq!(count(&convos, community), 10 + 3);
    assert_eq!(convos.iter().len(), 38);
    // Too old: nothing (33), or the unread flag alone (30, 45).
    assert_eq!(convos.get(&Conversation::OneToOne(sid(33))), None);
    assert_eq!(
        convos.get(&Conversation::OneToOne(sid(30))),
        Some(read_state(0, true))
    );
    assert_eq!(
        convos.get(&Conversation::OneToOne(sid(27))),
        Some(read_state(days_ago(27), false))
    );

    // Records `set_at` would not write, put in directly: 33 to 44 days old stay, 45 and
    // more go at the next prune; the group stays however old.
    let group = some_id(IdPrefix::Group, 90);
    convos
        .state_mut()
        .edit(|d| {
            let Some(Value::Dict(ones)) = d.get_mut(b"1".as_slice()) else {
                unreachable!()
            };
            for (x, days) in [(80, 33), (81, 40), (82, 44), (83, 45), (84, 46), (85, 1000)] {
                let mut r = Dict::new();
                r.insert(key("r"), Value::from(days_ago(days)));
                ones.insert(sid(x).to_bytes().to_vec(), Value::Dict(r));
            }
            let mut r = Dict::new();
            r.insert(key("r"), Value::from(days_ago(1000)));
            let groups = [(group.to_bytes().to_vec(), Value::Dict(r))];
            d.insert(key("g"), Value::Dict(groups.into_iter().collect()));
        })
        .unwrap();
    assert_eq!(count(&convos, one_to_one), 19);
    assert_eq!(convos.iter().len(), 44 + 1);
    assert_eq!(convos.prune(now).unwrap(), 3);
    assert_eq!(convos.iter().len(), 41 + 1);
    assert_eq!(
        convos.get(&Conversation::Group(group)),
        Some(read_state(days_ago(1000), false))
    );
    assert_eq!(convos.get(&Conversation::OneToOne(sid(83))), None);
    assert!(convos.get(&Conversation::OneToOne(sid(82))).is_some());
}

/// libsession's prune covers one-to-one conversations, legacy groups and community rooms,
/// never groups.
#[test]
fn convo_prune_never_drops_groups() {
    let me = me(&vectors()["convo-info-volatile"]);
    let mut convos = ConvoInfoVolatile::new(&me);
    let old = read_state(1, false);
    let group = Conversation::Group(some_id(IdPrefix::Group, 1));
    let room = Conversation::community("https://example.org", "lobby", [7; 32]);
    for c in [
        &group,
        &Conversation::OneToOne(some_id(IdPrefix::Standard, 2)),
        &Conversation::LegacyGroup(some_id(IdPrefix::Standard, 3)),
        &room,
    ] {
        convos.set(c, old).unwrap();
    }
    assert_eq!(convos.prune(NOW_MS).unwrap(), 3);
    assert_eq!(convos.iter(), [(group.clone(), old)]);
    // The room's server went with its last room.
    assert_eq!(dict_at(convos.state().data(), &[b"o"]), None);
    assert_eq!(convos.prune(NOW_MS).unwrap(), 0);
}

/// libsession's `set` ignores a read time more than 30 days before now, unless it moves the
/// conversation back; the unread flag is always written.
#[test]
fn convo_set_at_ignores_read_times_over_30_days_old() {
    let me = me(&vectors()["convo-info-volatile"]);
    let mut convos = ConvoInfoVolatile::new(&me);
    let alice = Conversation::OneToOne(some_id(IdPrefix::Standard, 1));
    let limit = NOW_MS - ConvoInfoVolatile::IGNORE_AFTER_MS;
    assert_eq!(ConvoInfoVolatile::IGNORE_AFTER_MS, 30 * DAY_MS);

    // Exactly 30 days old is too old; a millisecond later is not.
    convos
        .set_at(&alice, read_state(limit, false), NOW_MS)
        .unwrap();
    assert_eq!(convos.get(&alice), None);
    assert!(!convos.state().needs_push());
    convos
        .set_at(&alice, read_state(limit + 1, false), NOW_MS)
        .unwrap();
    assert_eq!(convos.get(&alice), Some(read_state(limit + 1, false)));
    // Moving back is taken however old; moving forward to a time still too old is not (the
    // flag still is).
    convos
        .set_at(&alice, read_state(limit - 100 * DAY_MS, false), NOW_MS)
        .unwrap();
    assert_eq!(
        convos.get(&alice),
        Some(read_state(limit - 100 * DAY_MS, false))
    );
    convos
        .set_at(&alice, read_state(limit - DAY_MS, true), NOW_MS)
        .unwrap();
    assert_eq!(
        convos.get(&alice),
        Some(read_state(limit - 100 * DAY_MS, true))
    );
    // Without a clock, `set` records any time.
    convos
        .set(&alice, read_state(limit - DAY_MS, false))
        .unwrap();
    assert_eq!(convos.get(&alice), Some(read_state(limit - DAY_MS, false)));
}

/// libsession writes a community's server key whatever it does with the room, so a room with
/// no read state leaves the server holding its key (and no rooms).
#[test]
fn convo_community_without_read_state_keeps_the_server_key() {
    let me = me(&vectors()["convo-info-volatile"]);
    let mut convos = ConvoInfoVolatile::new(&me);
    let room = Conversation::community("https://example.org", "lobby", [7; 32]);
    let server_only = || {
        let mut server = Dict::new();
        server.insert(key("#"), Value::from([7u8; 32].as_slice()));
        server
    };
    let server =
        |c: &ConvoInfoVolatile| dict_at(c.state().data(), &[b"o", b"https://example.org"]).cloned();

    convos.set(&room, ReadState::default()).unwrap();
    assert_eq!(server(&convos), Some(server_only()));
    assert_eq!(convos.get(&room), None);
    assert!(convos.iter().is_empty());

    // A room that had state and is set back to none: the room goes, the key stays.
    convos.set(&room, read_state(NOW_MS, false)).unwrap();
    assert_eq!(convos.get(&room), Some(read_state(NOW_MS, false)));
    convos.set(&room, ReadState::default()).unwrap();
    assert_eq!(server(&convos), Some(server_only()));
    // Likewise a read time too old to record, on a fresh config.
    let mut fresh = ConvoInfoVolatile::new(&me);
    fresh.set_at(&room, read_state(1, false), NOW_MS).unwrap();
    assert_eq!(server(&fresh), Some(server_only()));
    // Pruning leaves a server without rooms alone.
    assert_eq!(convos.prune(NOW_MS).unwrap(), 0);
    assert_eq!(server(&convos), Some(server_only()));
}

/// libsession writes an admin's seed and leaves stored auth data as it is (only a member's
/// set writes or removes it).
#[test]
fn admin_group_set_keeps_stored_auth_data() {
    let v = &vectors()["user-groups"];
    let mut groups = UserGroups::new(&me(v));
    let seed: [u8; 32] = unhex_array(&s(v, "admin_group_seed"));
    let id: SessionId = s(v, "admin_group_id").parse().unwrap();
    let auth = |g: &UserGroups| {
        dict_at(g.state().data(), &[b"g", &id.to_bytes()])
            .and_then(|e| e.get(b"s".as_slice()))
            .cloned()
    };

    let mut member = Group::new(id);
    member.auth_data = Some(vec![9; 100]);
    groups.set_group(&member).unwrap();
    let mut admin = Group::new(id);
    admin.admin_seed = Some(seed);
    groups.set_group(&admin).unwrap();
    assert_eq!(auth(&groups), Some(Value::from([9u8; 100].as_slice())));
    let read = groups.group(&id).unwrap();
    assert_eq!(read.admin_seed, Some(seed));
    assert_eq!(read.auth_data, Some(vec![9; 100]));
    // A member's set without auth data removes it.
    groups.set_group(&Group::new(id)).unwrap();
    assert_eq!(auth(&groups), None);
    assert_eq!(groups.group(&id).unwrap().admin_seed, None);
}

/// libsession reads only `05` ids from a legacy group's member and admin sets, an id in both
/// being a plain member, and refuses other ids when they are added.
#[test]
fn legacy_group_members_read_and_write_like_libsession() {
    use session_protocol::config::{ConfigError, Scalar};
    let mut groups = UserGroups::new(&me(&vectors()["user-groups"]));
    let legacy = some_id(IdPrefix::Standard, 0x77);
    let (a, b, c) = (
        some_id(IdPrefix::Standard, 1),
        some_id(IdPrefix::Standard, 2),
        some_id(IdPrefix::Standard, 3),
    );
    let (group, blinded) = (some_id(IdPrefix::Group, 4), some_id(IdPrefix::Blinded15, 5));
    let set = |ids: &[&[u8]]| Value::Set(ids.iter().map(|id| Scalar::Bytes(id.to_vec())).collect());
    // As another client could write them: with an integer and ids of other kinds.
    let odd_set = |ids: &[&[u8]]| {
        let Value::Set(mut s) = set(ids) else {
            unreachable!()
        };
        s.insert(Scalar::Int(5));
        Value::Set(s)
    };
    groups
        .state_mut()
        .edit(|d| {
            let mut e = Dict::new();
            e.insert(key("n"), Value::from("Old"));
            let short: &[u8] = &[5, 1, 2];
            e.insert(
                key("m"),
                odd_set(&[&a.to_bytes(), &group.to_bytes(), &blinded.to_bytes(), short]),
            );
            e.insert(
                key("a"),
                odd_set(&[&a.to_bytes(), &c.to_bytes(), &group.to_bytes()]),
            );
            let records = [(legacy.to_bytes().to_vec(), Value::Dict(e))];
            d.insert(key("C"), Value::Dict(records.into_iter().collect()));
        })
        .unwrap();
    let read = groups.legacy_group(&legacy).unwrap();
    assert_eq!(read.members, [a].into());
    assert_eq!(read.admins, [c].into());

    // Written: an id in both sets as a plain member only; other prefixes refused.
    let mut g = LegacyGroup::new(legacy);
    g.members = [a, b].into();
    g.admins = [a, c].into();
    groups.set_legacy_group(&g).unwrap();
    let ids = |k: &str| {
        let e = dict_at(groups.state().data(), &[b"C", &legacy.to_bytes()]).unwrap();
        e[k.as_bytes()].clone()
    };
    assert_eq!(ids("m"), set(&[&a.to_bytes(), &b.to_bytes()]));
    assert_eq!(ids("a"), set(&[&c.to_bytes()]));
    let read = groups.legacy_group(&legacy).unwrap();
    assert_eq!((read.members, read.admins), ([a, b].into(), [c].into()));
    let mut bad = LegacyGroup::new(legacy);
    bad.members = [a, group].into();
    assert_eq!(
        groups.set_legacy_group(&bad),
        Err(ConfigError::Field("members"))
    );
    let mut bad = LegacyGroup::new(legacy);
    bad.admins = [blinded].into();
    assert_eq!(
        groups.set_legacy_group(&bad),
        Err(ConfigError::Field("admins"))
    );
}

/// libsession's community URL canonicalisation (src/config/community.cpp `canonical_url`,
/// `canonical_room`): scheme and host lowercased, default ports dropped, one trailing `/`
/// allowed, anything else refused; lookups canonicalise too.
#[test]
fn community_urls_canonicalise_like_libsession() {
    use session_protocol::config::ConfigError;
    let long_host = format!("https://{}.com", "a".repeat(256));
    let canonical = [
        ("HTTPS://EXAMPLE.com:443/", "https://example.com"),
        ("HTTP://EXAMPLE.com:80", "http://example.com"),
        ("http://example.com:443", "http://example.com:443"),
        ("https://example.com:80/", "https://example.com:80"),
        ("https://Example.com:0", "https://example.com"),
        ("https://example.com:0443", "https://example.com"),
        ("https://example.com:08080", "https://example.com:8080"),
        ("http://127.0.0.1:5678", "http://127.0.0.1:5678"),
        (
            "hTTp://Sub-Domain.Example.ORG",
            "http://sub-domain.example.org",
        ),
    ];
    let refused = [
        "example.com",
        "ftp://example.com",
        "https://example.com/path",
        "https://example.com//",
        "https://example.com/r/room",
        "https://localhost",
        "https://a.b",
        "https://example.com.",
        "https://example..com",
        "https://.example.com",
        "https://example.com:65536",
        "https://example.com:",
        "https://example.com:-1",
        "https://ex_ample.com",
        "https://example.com?x",
        long_host.as_str(),
    ];
    let me = me(&vectors()["user-groups"]);
    let mut convos = ConvoInfoVolatile::new(&me);
    let mut groups = UserGroups::new(&me);
    for (given, want) in canonical {
        let Conversation::Community { base_url, .. } =
            Conversation::community(given, "Lobby", [1; 32])
        else {
            unreachable!()
        };
        assert_eq!(base_url, want, "{given}");
        assert_eq!(Community::new(given, [1; 32], "Lobby").base_url, want);
    }
    for given in refused {
        let c = Conversation::community(given, "lobby", [1; 32]);
        let Conversation::Community { base_url, .. } = &c else {
            unreachable!()
        };
        assert_eq!(base_url, given);
        assert_eq!(
            convos.set(&c, read_state(NOW_MS, false)),
            Err(ConfigError::Field("community")),
            "{given}"
        );
        assert_eq!(
            groups.set_community(&Community::new(given, [1; 32], "lobby")),
            Err(ConfigError::Field("community")),
            "{given}"
        );
    }
    for room in ["", "has space", "café", &"x".repeat(65)] {
        let c = Conversation::community("https://example.com", room, [1; 32]);
        assert_eq!(
            convos.set(&c, read_state(NOW_MS, false)),
            Err(ConfigError::Field("community")),
            "{room:?}"
        );
        assert_eq!(
            groups.set_community(&Community::new("https://example.com", [1; 32], room)),
            Err(ConfigError::Field("community")),
        );
    }
    assert!(!convos.state().needs_push() && !groups.state().needs_push());

    // Stored under the canonical URL and room; found under any spelling of them.
    let room = Conversation::community("HTTPS://Example.com:443/", "Lobby", [1; 32]);
    convos.set(&room, read_state(NOW_MS, true)).unwrap();
    assert!(
        dict_at(
            convos.state().data(),
            &[b"o", b"https://example.com", b"R", b"lobby"]
        )
        .is_some()
    );
    let spelt = Conversation::Community {
        base_url: "https://EXAMPLE.COM:443".into(),
        room: "LOBBY".into(),
        pubkey: [1; 32],
    };
    assert_eq!(convos.get(&spelt), Some(read_state(NOW_MS, true)));
    convos.set(&spelt, read_state(NOW_MS, false)).unwrap();
    assert_eq!(convos.get(&room), Some(read_state(NOW_MS, false)));
    assert_eq!(convos.iter().len(), 1);
    let other_port = Conversation::Community {
        base_url: "https://example.com:80".into(),
        room: "lobby".into(),
        pubkey: [1; 32],
    };
    assert_eq!(convos.get(&other_port), None);

    let x = "x".repeat(64);
    groups
        .set_community(&Community::new(
            "HTTPS://EXAMPLE.COM:443/",
            [2; 32],
            "SomeRoom",
        ))
        .unwrap();
    groups
        .set_community(&Community::new("https://example.com", [2; 32], &x))
        .unwrap();
    let found = groups
        .community("https://Example.COM:443", "SOMEROOM")
        .unwrap();
    assert_eq!(
        (found.base_url.as_str(), found.room.as_str()),
        ("https://example.com", "SomeRoom")
    );
    assert!(groups.community("https://example.com/", &x).is_some());
    assert_eq!(groups.community("https://example.com:80", "someroom"), None);
    assert_eq!(groups.community("example.com", "someroom"), None);
}
