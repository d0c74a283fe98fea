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
