//! The config module against libsession-util's published known answers
//! (`tests/vectors/config-vectors.json`), plus round trips, merges and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod common;

use std::collections::BTreeSet;

use common::hex::{hex, unhex, unhex_array};
use serde_json::Value as Json;
use session_protocol::Identity;
use session_protocol::config::{
    self, ConfigError, ConfigMessage, Dict, Draft, Merged, Scalar, Signing, UserProfile, Value,
};

fn vectors() -> Json {
    serde_json::from_str(include_str!("vectors/config-vectors.json")).unwrap()
}

fn s(v: &Json, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("vector field {k}"))
        .to_owned()
}

/// A template with `<name>` placeholders replaced by the raw 32-byte hashes given as hex.
fn fill(template: &str, hashes: &[(&str, &str)]) -> Vec<u8> {
    let mut out = template.as_bytes().to_vec();
    for (name, h) in hashes {
        let pat = format!("<{name}>");
        let raw = unhex(h);
        while let Some(at) = out.windows(pat.len()).position(|w| w == pat.as_bytes()) {
            out.splice(at..at + pat.len(), raw.iter().copied());
        }
    }
    out
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect(),
    )
}

fn set(items: Vec<Scalar>) -> Value {
    Value::Set(items.into_iter().collect())
}

fn d(v: &mut Value) -> &mut Dict {
    match v {
        Value::Dict(d) => d,
        _ => panic!("not a dict"),
    }
}

fn set_of(v: &mut Value) -> &mut BTreeSet<Scalar> {
    match v {
        Value::Set(s) => s,
        _ => panic!("not a set"),
    }
}

fn key(k: &str) -> Vec<u8> {
    k.as_bytes().to_vec()
}

fn m10_data() -> Dict {
    let Value::Dict(data) = dict(vec![
        ("foo", 123.into()),
        (
            "bar",
            dict(vec![
                ("asdf", 123.into()),
                ("xyz", "abc".into()),
                ("", set(vec![42.into(), "a".into(), "b".into()])),
            ]),
        ),
    ]) else {
        unreachable!()
    };
    data
}

fn build(seqno: i64, data: Dict) -> ConfigMessage {
    let mut draft = Draft::new(seqno);
    *draft.data_mut() = data;
    draft.build(None)
}

#[test]
fn scalars_sets_and_dicts_encode_as_libsession_does() {
    let v = &vectors()["serialize-scalars-set-dict"];
    let one = |val: Value| {
        let Value::Dict(d) = dict(vec![("k", val)]) else {
            unreachable!()
        };
        let bytes = build(1, d).bytes().to_vec();
        // d1:#i1e1:&d1:k<value>e...: cut the value out.
        let start = b"d1:#i1e1:&d1:k".len();
        let end = bytes.windows(4).position(|w| w == b"e1:<").unwrap();
        String::from_utf8(bytes[start..end].to_vec()).unwrap()
    };
    assert_eq!(one(3.into()), s(v, "int3"));
    assert_eq!(one("hi".into()), s(v, "str_hi"));
    assert_eq!(one((-42).into()), s(v, "int_neg42"));
    let the_set = set(vec![
        "foo".into(),
        23.into(),
        "Foo".into(),
        "~".into(),
        "!".into(),
        (-123).into(),
    ]);
    assert_eq!(one(the_set), s(v, "set"));
    let Value::Dict(big) = dict(vec![
        ("B", "x".into()),
        ("D", dict(vec![("x", 1.into()), ("y", 2.into())])),
        ("a", 23.into()),
        (
            "c",
            set(vec![(-3).into(), 4.into(), "1".into(), "2".into()]),
        ),
        (
            "d",
            dict(vec![("e", dict(vec![("f", dict(vec![("g", "".into())]))]))]),
        ),
    ]) else {
        unreachable!()
    };
    let bytes = build(1, big).bytes().to_vec();
    let start = b"d1:#i1e1:&".len();
    let want = s(v, "dict");
    assert_eq!(&bytes[start..start + want.len()], want.as_bytes());
}

#[test]
fn message_history_matches_libsession_byte_for_byte() {
    let v = &vectors()["message-m10"];
    let m = build(10, m10_data());
    assert_eq!(m.bytes(), s(v, "bytes").as_bytes());
    assert_eq!(hex(m.hash()), s(v, "hash0"));
    // Parsing gives the same message back.
    assert_eq!(
        ConfigMessage::parse(m.bytes(), Signing::default()).unwrap(),
        m
    );

    let mut d1 = m.next().unwrap();
    d1.data_mut().remove(&key("foo"));
    let m1 = d1.build(None);
    assert_eq!(m1.seqno(), 11);
    assert_eq!(hex(m1.hash()), s(v, "hash1"));

    let mut d2 = m1.next().unwrap();
    let data = d2.data_mut();
    data.insert(key("foo"), 123.into());
    let bar = d(data.get_mut(&key("bar")).unwrap());
    bar.insert(key("xyz"), 42.into());
    bar.insert(key("a"), 42.into());
    let st = set_of(bar.get_mut(&key("")).unwrap());
    st.insert("c".into());
    st.insert(99.into());
    st.remove(&Scalar::from("b"));
    let m2 = d2.build(None);
    let want = fill(
        &s(v, "m2_template"),
        &[("hash0", &s(v, "hash0")), ("hash1", &s(v, "hash1"))],
    );
    assert_eq!(m2.bytes(), want.as_slice());
    assert_eq!(hex(m2.hash()), s(v, "hash2"));

    let m3 = m2.next().unwrap().build(None);
    let m4 = m3.next().unwrap().build(None);
    let m5 = m4.next().unwrap().build(None);
    assert_eq!(hex(m3.hash()), s(v, "hash3"));
    assert_eq!(hex(m4.hash()), s(v, "hash4"));
    assert_eq!(hex(m5.hash()), s(v, "hash5"));
    // m5 carries the diffs of 11 to 14 only.
    let tail = fill(
        &s(v, "m5_lagged_template"),
        &[
            ("hash1", &s(v, "hash1")),
            ("hash2", &s(v, "hash2")),
            ("hash3", &s(v, "hash3")),
            ("hash4", &s(v, "hash4")),
        ],
    );
    assert!(m5.bytes().ends_with(&tail));
    assert_eq!(
        m5.lagged().map(|(s, _, _)| s).collect::<Vec<_>>(),
        [11, 12, 13, 14]
    );
}

#[test]
fn signed_messages_sign_verify_and_refuse_tampering() {
    let v = &vectors()["message-signed"];
    let sk = unhex(&s(v, "secret_key"));
    let signer = Identity::from_seed(&sk[..32].try_into().unwrap());
    assert_eq!(signer.ed25519_public().as_bytes(), &sk[32..]);
    let m = {
        let mut draft = Draft::new(10);
        *draft.data_mut() = m10_data();
        draft.build(Some(&signer))
    };
    let mut want = s(v, "signed_bytes").into_bytes();
    want.extend_from_slice(b"1:~64:");
    want.extend_from_slice(&unhex(&s(v, "signature")));
    want.push(b'e');
    assert_eq!(m.bytes(), want.as_slice());
    assert_eq!(hex(m.hash()), s(v, "hash_derived"));

    let pk = signer.ed25519_public();
    let verify = Signing {
        verifier: Some(&pk),
        signer: None,
    };
    assert_eq!(ConfigMessage::parse(&want, verify).unwrap().seqno(), 10);
    // One flipped signature byte; a message without one; the wrong key.
    let mut bad = want.clone();
    let at = bad.len() - 2;
    bad[at] ^= 0x10;
    assert_eq!(
        ConfigMessage::parse(&bad, verify),
        Err(ConfigError::Signature)
    );
    let unsigned = build(10, m10_data());
    assert_eq!(
        ConfigMessage::parse(unsigned.bytes(), verify),
        Err(ConfigError::Unsigned)
    );
    let other = Identity::from_seed(&[9; 32]).ed25519_public();
    let wrong = Signing {
        verifier: Some(&other),
        signer: None,
    };
    assert_eq!(
        ConfigMessage::parse(&want, wrong),
        Err(ConfigError::Signature)
    );
    // Without a verifier the signature is not checked.
    assert!(ConfigMessage::parse(&bad, Signing::default()).is_ok());
}

fn data118() -> Dict {
    let Value::Dict(d) = dict(vec![
        (
            "dictB",
            dict(vec![
                ("changed", (-1).into()),
                ("foo", 123.into()),
                ("removed", "x".into()),
                ("removed2", "y".into()),
            ]),
        ),
        ("dictC", dict(vec![("x", dict(vec![("y", 1.into())]))])),
        ("good", set(vec![99.into(), 456.into(), "bar".into()])),
        ("great", set(vec![(-42).into(), "omg".into()])),
        ("int0", (-9999).into()),
        ("int1", 100.into()),
        ("string1", "hello".into()),
        ("string2", "goodbye".into()),
    ]) else {
        unreachable!()
    };
    d
}

fn updates_124(data: &mut Dict) {
    data.insert(
        key("dictA"),
        dict(vec![
            ("hello", 123.into()),
            ("goodbye", set(vec![123.into(), 456.into()])),
        ]),
    );
    let b = d(data.get_mut(&key("dictB")).unwrap());
    b.insert(key("changed"), 1.into());
    b.insert(key("added"), 9999.into());
    b.insert(key("nested"), dict(vec![("a", 1.into())]));
    b.remove(&key("removed"));
    b.remove(&key("removed2"));
    data.remove(&key("dictC"));
    let good = set_of(data.get_mut(&key("good")).unwrap());
    good.insert("Foo".into());
    good.remove(&Scalar::Int(456));
    good.insert(123.into());
    data.insert(key("int1"), 42.into());
    data.remove(&key("string1"));
    data.insert(key("string2"), "hello".into());
    data.insert(key("string3"), "omg".into());
    data.remove(&key("great"));
}

#[test]
fn the_merge_examples_converge_to_libsessions_results() {
    let v = &vectors()["docs-examples"];
    let m118 = build(118, data118());
    let mut m = m118.clone();
    for h in ["h119", "h120", "h121", "h122"] {
        m = m.next().unwrap().build(None);
        assert_eq!(hex(m.hash()), s(v, h), "{h}");
    }
    let m122 = m;
    let mut d123 = m122.next().unwrap();
    let data = d123.data_mut();
    data.insert(key("int1"), 1.into());
    data.insert(key("int2"), 2.into());
    data.remove(&key("int0"));
    data.insert(key("string1"), "hello".into());
    let m123 = d123.build(None);
    let hs: Vec<(String, String)> = ["h119", "h120", "h121", "h122"]
        .iter()
        .map(|h| (h.to_string(), s(v, h)))
        .collect();
    let hs: Vec<(&str, &str)> = hs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(m123.bytes(), fill(&s(v, "m123_template"), &hs).as_slice());
    assert_eq!(hex(m123.hash()), s(v, "h123"));
    assert_eq!(
        hex(m123.next().unwrap().build(None).hash()),
        s(v, "h124_unchanged")
    );

    let mut d124 = m123.next().unwrap();
    updates_124(d124.data_mut());
    let m124 = d124.build(None);
    assert_eq!(hex(m124.hash()), s(v, "h124"));
    let mut diff = Vec::new();
    let text = m124.bytes();
    let at = text.windows(3).rposition(|w| w == b"1:=").unwrap();
    diff.extend_from_slice(&text[at + 3..text.len() - 1]);
    assert_eq!(diff, s(v, "m124_diff").into_bytes());

    let mut d125a = m124.next().unwrap();
    d(d125a.data_mut().get_mut(&key("dictB")).unwrap()).remove(&key("foo"));
    let m125a = d125a.build(None);
    let mut d125b = m124.next().unwrap();
    d125b.data_mut().insert(key("int1"), 5.into());
    let m125b = d125b.build(None);
    assert_eq!(hex(m125a.hash()), s(v, "h125a"));
    assert_eq!(hex(m125b.hash()), s(v, "h125b"));

    // Either order, with already-included and too-old messages thrown in: the same merge.
    let m126a = merged(&[m125a.clone(), m125b.clone()]);
    assert_eq!(merged(&[m125b.clone(), m125a.clone()]), m126a);
    assert_eq!(m126a.seqno(), 126);
    assert_eq!(hex(m126a.hash()), s(v, "h126a_derived"));
    assert!(m126a.diff().is_empty());

    let mut d124a = m123.next().unwrap();
    let b = d(d124a.data_mut().get_mut(&key("dictB")).unwrap());
    b.insert(key("foo"), 66.into());
    b.insert(key("answer"), 42.into());
    let m124a = d124a.build(None);
    let mut d120b = Draft::new(118)
        .build(None)
        .next()
        .unwrap()
        .build(None)
        .next()
        .unwrap();
    d120b.data_mut().insert(key("too old"), "won't see".into());
    let m120b = d120b.build(None);
    let m126b = merged(&[m125b.clone(), m124a, m125a.clone(), m123.clone(), m120b]);
    assert_eq!(hex(m126b.hash()), s(v, "h126b_derived"));
    assert!(m126a.hash() < m126b.hash());

    let mut d127 = Draft::from_merged(&merged(&[m126a.clone(), m126b.clone()]));
    let a = d(d127.data_mut().get_mut(&key("dictA")).unwrap());
    set_of(a.get_mut(&key("goodbye")).unwrap()).insert(789.into());
    let m127 = d127.build(None);
    assert_eq!(m127.seqno(), 127);
    assert!(
        m127.bytes()
            .ends_with(format!("1:={}e", s(v, "m127_diff")).as_bytes())
    );
    assert_eq!(hex(m127.hash()), s(v, "h127_derived"));
    // dictB.foo stays deleted: 125a's removal replays after 124a set it.
    let b = match &m127.data()[&key("dictB")] {
        Value::Dict(b) => b.clone(),
        _ => unreachable!(),
    };
    assert!(!b.contains_key(&key("foo")));
    assert_eq!(b[&key("answer")], 42.into());
    assert_eq!(m127.data()[&key("int1")], 5.into());

    // A single message that covers the rest is returned as is.
    assert_eq!(
        config::merge(&[m124.clone(), m125a.clone(), m123], None).unwrap(),
        Merged::Single(1)
    );
}

fn merged(ms: &[ConfigMessage]) -> ConfigMessage {
    match config::merge(ms, None).unwrap() {
        Merged::Merged(m) => m,
        Merged::Single(i) => panic!("no merge: {i}"),
    }
}

#[test]
fn encryption_matches_libsession_and_refuses_the_wrong_key_domain_or_bytes() {
    let v = &vectors()["encrypt"];
    let key: [u8; 32] = unhex_array(&s(v, "key_base"));
    let plain = s(v, "plaintext");
    let enc = config::encrypt(&key, &s(v, "domain"), plain.as_bytes()).unwrap();
    assert_eq!(hex(&enc), s(v, "encrypted"));
    assert_eq!(
        config::decrypt(&key, &s(v, "domain"), &enc).unwrap(),
        plain.as_bytes()
    );
    let enc2 = config::encrypt(&key, &s(v, "domain2"), plain.as_bytes()).unwrap();
    assert_eq!(hex(&enc2[enc2.len() - 24..]), s(v, "nonce2"));
    // The nonce depends on the content and domain only; the ciphertext on the key too.
    let key_b: [u8; 32] = unhex_array(&s(v, "key_base_b"));
    let enc_b = config::encrypt(&key_b, &s(v, "domain"), plain.as_bytes()).unwrap();
    assert_eq!(enc_b[enc_b.len() - 24..], enc[enc.len() - 24..]);
    assert_ne!(enc_b, enc);
    assert_eq!(
        config::decrypt(&key_b, &s(v, "domain"), &enc),
        Err(ConfigError::Decrypt)
    );
    assert_eq!(
        config::decrypt(&key, &s(v, "domain2"), &enc),
        Err(ConfigError::Decrypt)
    );
    let mut bad = enc.clone();
    bad[3] = 0x42;
    assert_eq!(
        config::decrypt(&key, &s(v, "domain"), &bad),
        Err(ConfigError::Decrypt)
    );
    assert_eq!(
        config::decrypt(&key, &s(v, "domain"), &enc[..39]),
        Err(ConfigError::Decrypt)
    );
    assert_eq!(config::encrypt(&key, "", b"x"), Err(ConfigError::Domain));
    assert_eq!(
        config::encrypt(&key, &"d".repeat(25), b"x"),
        Err(ConfigError::Domain)
    );
    assert!(config::encrypt(&key, &"d".repeat(24), b"x").is_ok());
}

#[test]
fn padding_steps_match_libsession() {
    let v = &vectors()["padded-size"];
    for c in v["cases"].as_array().unwrap() {
        let (len, overhead, want) = (
            c[0].as_u64().unwrap(),
            c[1].as_u64().unwrap(),
            c[2].as_u64().unwrap(),
        );
        assert_eq!(
            config::padded_size(len as usize, overhead as usize),
            want as usize,
            "{c}"
        );
    }
    assert_eq!(config::pad(b"d1:#i0e1:&de1:<le1:=dee").len(), 216);
    assert!(config::pad(b"dx").starts_with(&[0; 214]));
}

#[test]
fn libzstd_frames_decompress_and_padding_is_stripped() {
    let v = &vectors()["zstd-level1"];
    let mut padded = vec![0u8; 20];
    padded.extend(unhex(&s(v, "compressed")));
    let plain = config::unwrap_plaintext(&padded).unwrap();
    assert_eq!(plain, vec![0xaa; 81]);
    assert_eq!(
        config::unwrap_plaintext(&[0, 0, 0]),
        Err(ConfigError::Decompress)
    );
    assert_eq!(
        config::unwrap_plaintext(b"zgarbage"),
        Err(ConfigError::Decompress)
    );
    // Our own compression round-trips, and is used only when it is shorter.
    let big = vec![b'd'; 5000];
    let z = config::compress(&big);
    assert!(z.len() < 100 && z[0] == b'z');
    assert_eq!(config::unwrap_plaintext(&z).unwrap(), big);
    assert_eq!(
        config::compress(b"d1:#i0e1:&de1:<le1:=dee"),
        b"d1:#i0e1:&de1:<le1:=dee"
    );
}

#[test]
fn user_profile_pushes_match_libsession_and_converge_after_a_conflict() {
    let v = &vectors()["user-profile"];
    let me = Identity::from_seed(&unhex_array(&s(v, "seed")));
    assert_eq!(hex(me.ed25519_public().as_bytes()), s(v, "ed25519"));
    let mut a = UserProfile::new(&me);
    assert!(!a.state().needs_push());
    let push0 = a.state_mut().push().unwrap();
    assert_eq!(push0.seqno, 0);
    assert_eq!(hex(&push0.data), s(v, "push0"));
    assert!(push0.obsolete.is_empty());

    a.set_name("Kallie").unwrap();
    let key: [u8; 32] = *b"secret78901234567890123456789012";
    a.set_profile_pic(Some(("http://example.org/omg-pic-123.bmp", &key)))
        .unwrap();
    a.set_nts_priority(9).unwrap();
    assert!(a.state().needs_push());
    assert_eq!(a.state().seqno(), 1);
    let plain = fill(
        &s(v, "push1_plain_template"),
        &[("hash0", &s(v, "empty_hash"))],
    );
    // The raw (unwrapped) encryption of the seqno-1 message, as libsession makes it.
    let raw = config::encrypt(&me.seed(), "UserProfile", &config::pad(&plain)).unwrap();
    assert_eq!(hex(&raw), s(v, "push1_encrypted"));
    let push1 = a.state_mut().push().unwrap();
    assert_eq!(push1.seqno, 1);
    assert_eq!(a.state().state(), config::State::Waiting);
    a.state_mut().confirm_pushed(1, "fakehash1");
    assert_eq!(a.state().state(), config::State::Clean);
    assert_eq!(a.state().current_hashes(), ["fakehash1"]);

    // Another device reads both the wrapped push and libsession's raw form.
    let mut b = UserProfile::new(&me);
    assert_eq!(
        b.state_mut().merge(&[("fakehash1", &push1.data)]),
        ["fakehash1"]
    );
    assert_eq!(b.name(), Some("Kallie"));
    assert_eq!(
        b.profile_pic(),
        Some(("http://example.org/omg-pic-123.bmp", key))
    );
    assert_eq!(b.nts_priority(), 9);
    assert!(!b.state().needs_push());
    let mut c = UserProfile::new(&me);
    assert_eq!(c.state_mut().merge(&[("fakehash1", &raw)]), ["fakehash1"]);
    assert_eq!(c.name(), Some("Kallie"));

    // Concurrent edits at seqno 2.
    a.set_name("Nibbler").unwrap();
    b.set_name("Raz").unwrap();
    let new_key: [u8; 32] = unhex_array(&s(v, "new_pic_key"));
    b.set_profile_pic(Some((&s(v, "new_pic_url"), &new_key)))
        .unwrap();
    b.set_nts_expiry_secs(Some(86_400)).unwrap();
    b.set_blinded_msgreqs(Some(true)).unwrap();
    let pa = a.state_mut().push().unwrap();
    let pb = b.state_mut().push().unwrap();
    assert_eq!((pa.seqno, pb.seqno), (2, 2));
    assert_eq!(pa.obsolete, ["fakehash1"]);
    a.state_mut().confirm_pushed(2, "hash-a");
    b.state_mut().confirm_pushed(2, "hash-b");
    a.state_mut().merge(&[("hash-b", &pb.data)]);
    b.state_mut().merge(&[("hash-a", &pa.data)]);
    for p in [&a, &b] {
        assert_eq!(p.state().seqno(), 3);
        assert!(p.state().needs_push());
        assert_eq!(p.name(), Some("Nibbler"), "the higher hash's edit wins");
        assert_eq!(
            p.profile_pic(),
            Some((s(v, "new_pic_url").as_str(), new_key))
        );
        assert_eq!(p.nts_priority(), 9);
        assert_eq!(p.nts_expiry_secs(), Some(86_400));
        assert_eq!(p.blinded_msgreqs(), Some(true));
    }
    let (ma, mb) = (a.state_mut().push().unwrap(), b.state_mut().push().unwrap());
    assert_eq!(ma.data, mb.data, "both devices push the same merged bytes");
    let obsolete: BTreeSet<String> = ma.obsolete.iter().cloned().collect();
    assert_eq!(obsolete, ["hash-a", "hash-b"].map(String::from).into());
}

#[test]
fn dumps_restore_the_state() {
    let me = Identity::from_seed(&[5; 32]);
    let mut p = UserProfile::new(&me);
    p.set_name("Dumped").unwrap();
    let push = p.state_mut().push().unwrap();
    p.state_mut().confirm_pushed(push.seqno, "h1");
    p.set_nts_priority(-1).unwrap();
    let dump = p.state().dump();
    let q = UserProfile::load(&me, &dump).unwrap();
    assert_eq!(q.name(), Some("Dumped"));
    assert_eq!(q.nts_priority(), -1);
    assert!(q.state().needs_push());
    assert_eq!(
        q.state().seqno(),
        p.state().seqno() + 1,
        "a dirty dump comes back one seqno on"
    );
    assert_eq!(
        UserProfile::load(&me, b"d1:!i7ee").unwrap_err(),
        ConfigError::Dump
    );
    assert_eq!(
        UserProfile::load(&me, &dump[..dump.len() - 1]).unwrap_err(),
        ConfigError::Dump
    );
    let mut clean = UserProfile::new(&me);
    clean.set_name("x").unwrap();
    let push = clean.state_mut().push().unwrap();
    clean.state_mut().confirm_pushed(push.seqno, "h2");
    let back = UserProfile::load(&me, &clean.state().dump()).unwrap();
    assert_eq!(back.state().state(), config::State::Clean);
    assert_eq!(back.state().current_hashes(), ["h2"]);
    assert_eq!(back.state().seqno(), 1);
}

#[test]
fn field_rules() {
    let me = Identity::from_seed(&[6; 32]);
    let mut p = UserProfile::new(&me);
    assert_eq!(
        p.set_name(&"n".repeat(101)),
        Err(ConfigError::Field("name"))
    );
    p.set_name(&"n".repeat(100)).unwrap();
    // Setting a value to what it is does not dirty; an empty name erases.
    let push = p.state_mut().push().unwrap();
    p.state_mut().confirm_pushed(push.seqno, "h");
    p.set_name(&"n".repeat(100)).unwrap();
    assert!(!p.state().needs_push());
    p.set_name("").unwrap();
    assert_eq!(p.name(), None);
    p.set_profile_pic(Some(("", &[1; 32]))).unwrap();
    assert_eq!(p.profile_pic(), None);
    p.set_blinded_msgreqs(Some(false)).unwrap();
    assert_eq!(p.blinded_msgreqs(), Some(false), "off is kept, not erased");
    p.set_blinded_msgreqs(None).unwrap();
    assert_eq!(p.blinded_msgreqs(), None);
    p.set_nts_expiry_secs(Some(0)).unwrap();
    assert_eq!(p.nts_expiry_secs(), None);
}

#[test]
fn hostile_messages_are_refused() {
    let ok = |b: &[u8]| ConfigMessage::parse(b, Signing::default());
    assert!(ok(b"d1:#i1e1:&de1:<le1:=dee").is_ok());
    for (bytes, err) in [
        (&b"d1:&de1:#i1ee"[..], ConfigError::Missing("#")),
        (b"de", ConfigError::Missing("#")),
        (b"d1:#i1e1:<le1:=dee", ConfigError::Missing("&")),
        (b"d1:#i1ee", ConfigError::Missing("&")),
        // libsession cannot read these, so neither side accepts them.
        (b"d1:#i1e1:&dee", ConfigError::Missing("=")),
        (b"d1:#i1e1:&de1:<lee", ConfigError::Missing("=")),
        (b"d1:#i-1e1:&de1:=dee", ConfigError::Malformed),
        (b"d1:#i1e1:&d1:ai1e1:ai2eee", ConfigError::Malformed),
        (b"d1:#i1e1:&d1:aleee", ConfigError::Data("an empty set")),
        (b"d1:#i1e1:&d1:adeee", ConfigError::Data("an empty dictionary")),
        (b"d1:#i1e1:&d1:ali2ei1eeee", ConfigError::Data("a set is unsorted or has duplicates")),
        (b"d1:#i1e1:&d1:ali1ei1eeee", ConfigError::Data("a set is unsorted or has duplicates")),
        (b"d1:#i1e1:&d1:alleeeee", ConfigError::Data("a set holds only scalars")),
        (b"d1:#i1e1:&de1:=d1:ai5eee", ConfigError::Diff("an integer in a diff")),
        (b"d1:#i1e1:&de1:=d1:a1:xee", ConfigError::Diff("a change is \"\" or \"-\"")),
        (b"d1:#i1e1:&de1:=d1:aleee", ConfigError::Diff("a set change has two lists")),
        (b"d1:#i1e1:&de1:<lli1e32:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaadeeee", ConfigError::Lagged("a lagged diff is not older than its message")),
        (b"d1:#i9e1:&de1:<lli8e2:aadeeee", ConfigError::Lagged("a lagged hash is 32 bytes")),
        (b"d1:#i1e1:&de1:~1:xe", ConfigError::Signature),
        (b"d1:#i1e1:&de2:~~i1ee", ConfigError::Malformed),
        (b"d1:#i1e1:&de1:~64:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1:~i1ee", ConfigError::Malformed),
        (b"d1:#i1e1:&deextra", ConfigError::Malformed),
        (b"d1:#i9223372036854775808e1:&dee", ConfigError::Malformed),
    ] {
        assert_eq!(ok(bytes), Err(err), "{}", String::from_utf8_lossy(bytes));
    }
    // Lagged diffs five or more behind are dropped unread; unknown keys are kept in place.
    let m = ok(b"d1:#i9e1:&de1:<lli3e1:xdeeli4e1:yi7eee1:=dee").unwrap();
    assert_eq!(m.lagged().count(), 0);
    let with_unknown = b"d1:#i1e1:$i5e1:&de1:<le1:=de1:^3:abce";
    let m = ok(with_unknown).unwrap();
    assert_eq!(
        m.next()
            .unwrap()
            .build(None)
            .bytes()
            .windows(7)
            .filter(|w| w == b"1:$i5e1")
            .count(),
        1
    );
    // Deep nesting stops at the limit: `n` dictionaries nested inside the data.
    let deep = |n: usize| {
        let mut b = b"d1:#i1e1:&".to_vec();
        for _ in 0..=n {
            b.extend_from_slice(b"d1:a");
        }
        b.extend_from_slice(b"i1e");
        b.extend(std::iter::repeat_n(b'e', n + 1));
        b.extend_from_slice(b"1:<le1:=dee");
        b
    };
    assert!(ok(&deep(config::MAX_DEPTH)).is_ok());
    assert_eq!(ok(&deep(config::MAX_DEPTH + 1)), Err(ConfigError::TooDeep));
    // The largest seqno cannot go further.
    let max = ok(b"d1:#i9223372036854775807e1:&de1:=dee").unwrap();
    assert_eq!(max.next().unwrap_err(), ConfigError::SeqnoOverflow);
    assert_eq!(
        config::merge(&[], None).unwrap_err(),
        ConfigError::NoMessages
    );
}

#[test]
fn contacts_round_trip_every_field_and_merge_concurrent_adds() {
    use session_protocol::config::{Contact, Contacts, Disappearing, Notify};
    let me = Identity::from_seed(&[7; 32]);
    let alice = Identity::from_seed(&[0xa1; 32]).session_id();
    let bob = Identity::from_seed(&[0xb0; 32]).session_id();
    let mut phone = Contacts::new(&me);
    assert!(phone.is_empty());

    // A bare contact is a record holding only an empty name, keyed by the 33-byte id.
    phone.set(&Contact::new(alice)).unwrap();
    let push = phone.state_mut().push().unwrap();
    let mut want = b"1:&d1:cd33:".to_vec();
    want.extend_from_slice(&alice.to_bytes());
    want.extend_from_slice(b"d1:n0:eee");
    let mut laptop = Contacts::new(&me);
    laptop.state_mut().merge(&[("h1", &push.data)]);
    assert_eq!(laptop.get(&alice), Some(Contact::new(alice)));
    let mut full = Contact::new(bob);
    full.name = "Bob".into();
    full.nickname = "Bobby".into();
    full.profile_pic = Some(("https://x/pic".into(), [9; 32]));
    full.approved = true;
    full.approved_me = true;
    full.blocked = true;
    full.priority = 3;
    full.notify = Notify::Disabled;
    full.mute_until = 1_800_000_000;
    full.disappearing = Some(Disappearing::AfterRead(3600));
    full.created = 1_700_000_000;
    phone.state_mut().confirm_pushed(push.seqno, "h1");

    // Concurrent adds on two devices: both survive the merge.
    phone.set(&full).unwrap();
    let carol = Identity::from_seed(&[0xc0; 32]).session_id();
    let mut c = Contact::new(carol);
    c.disappearing = Some(Disappearing::AfterSend(60));
    c.notify = Notify::All;
    laptop.set(&c).unwrap();
    let (pp, pl) = (
        phone.state_mut().push().unwrap(),
        laptop.state_mut().push().unwrap(),
    );
    phone.state_mut().merge(&[("hl", &pl.data)]);
    laptop.state_mut().merge(&[("hp", &pp.data)]);
    for d in [&phone, &laptop] {
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(&bob), Some(full.clone()));
        assert_eq!(d.get(&carol), Some(c.clone()));
        let mut ids = vec![alice, bob, carol];
        ids.sort_by_key(|i| i.to_bytes());
        assert_eq!(d.ids(), ids);
    }
    // The record bytes.
    let data = phone.state().data();
    let Value::Dict(records) = &data[&key("c")] else {
        unreachable!()
    };
    let Value::Dict(b) = &records[bob.to_bytes().as_slice()] else {
        unreachable!()
    };
    let keys: Vec<&[u8]> = b.keys().map(Vec::as_slice).collect();
    assert_eq!(
        keys,
        [
            &b"!"[..],
            b"+",
            b"@",
            b"A",
            b"E",
            b"N",
            b"a",
            b"b",
            b"e",
            b"j",
            b"n",
            b"p",
            b"q"
        ]
    );
    assert_eq!(b[&key("e")], 2.into());
    assert_eq!(b[&key("@")], 2.into());

    // Rules: only 05 accounts, names within 100 bytes; erase.
    let group = session_protocol::SessionId::new(session_protocol::IdPrefix::Group, [1; 32]);
    assert_eq!(
        phone.set(&Contact::new(group)),
        Err(ConfigError::Field("session_id"))
    );
    let mut long = Contact::new(alice);
    long.nickname = "x".repeat(101);
    assert_eq!(phone.set(&long), Err(ConfigError::Field("nickname")));
    assert!(phone.erase(&alice).unwrap());
    assert!(!phone.erase(&alice).unwrap());
    assert_eq!(phone.get(&alice), None);
    // A disappearing timer of 0 is off; `want` was the push-1 record.
    let mut zero = Contact::new(alice);
    zero.disappearing = Some(Disappearing::AfterSend(0));
    phone.set(&zero).unwrap();
    assert_eq!(phone.get(&alice).unwrap().disappearing, None);
    let plain = {
        let mut d = Draft::new(1);
        let Value::Dict(mut c) = dict(vec![]) else {
            unreachable!()
        };
        let Value::Dict(rec) = dict(vec![("n", "".into())]) else {
            unreachable!()
        };
        c.insert(alice.to_bytes().to_vec(), Value::Dict(rec));
        d.data_mut().insert(key("c"), Value::Dict(c));
        d.build(None)
    };
    assert!(
        plain
            .bytes()
            .windows(want.len())
            .any(|w| w == want.as_slice())
    );
}

#[test]
fn a_thousand_contacts_fit_one_push() {
    use session_protocol::config::{Contact, Contacts};
    let me = Identity::from_seed(&[8; 32]);
    let mut book = Contacts::new(&me);
    for i in 0..1000u32 {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&i.to_le_bytes());
        let mut c = Contact::new(Identity::from_seed(&seed).session_id());
        c.name = format!("Contact number {i}");
        c.approved = true;
        book.set(&c).unwrap();
    }
    let push = book.state_mut().push().unwrap();
    assert!(push.data.len() <= config::MAX_PUSH, "{}", push.data.len());
    let mut other = Contacts::new(&me);
    other.state_mut().merge(&[("h", &push.data)]);
    assert_eq!(other.len(), 1000);
}

#[test]
fn conversation_read_state_round_trips_merges_and_prunes() {
    use session_protocol::config::{Conversation, ConvoInfoVolatile, PRUNE_AFTER_MS, ReadState};
    use session_protocol::{IdPrefix, SessionId};
    let me = Identity::from_seed(&[10; 32]);
    let now = 1_700_000_000_000i64;
    let alice = Identity::from_seed(&[0xa1; 32]).session_id();
    let group = SessionId::new(IdPrefix::Group, [3; 32]);
    let legacy = Identity::from_seed(&[0x1e; 32]).session_id();
    let room = Conversation::community("HTTPS://Example.org/", "Lobby", [4; 32]);
    assert_eq!(
        room,
        Conversation::Community {
            base_url: "https://example.org".into(),
            room: "lobby".into(),
            pubkey: [4; 32]
        }
    );
    let read = |ms: i64, unread| ReadState {
        last_read_ms: ms,
        unread,
    };

    let mut phone = ConvoInfoVolatile::new(&me);
    phone
        .set(&Conversation::OneToOne(alice), read(now, false))
        .unwrap();
    phone
        .set(&Conversation::Group(group), read(now - 1, true))
        .unwrap();
    let push = phone.state_mut().push().unwrap();
    phone.state_mut().confirm_pushed(push.seqno, "p1");
    let mut laptop = ConvoInfoVolatile::new(&me);
    laptop.state_mut().merge(&[("p1", &push.data)]);
    laptop
        .set(
            &Conversation::LegacyGroup(legacy),
            read(now - PRUNE_AFTER_MS - 1, false),
        )
        .unwrap();
    laptop.set(&room, read(now - 5, false)).unwrap();
    phone
        .set(&Conversation::OneToOne(alice), read(now + 10, false))
        .unwrap();
    let (pp, pl) = (
        phone.state_mut().push().unwrap(),
        laptop.state_mut().push().unwrap(),
    );
    phone.state_mut().merge(&[("l", &pl.data)]);
    laptop.state_mut().merge(&[("p", &pp.data)]);
    for d in [&phone, &laptop] {
        assert_eq!(
            d.get(&Conversation::OneToOne(alice)),
            Some(read(now + 10, false))
        );
        assert_eq!(
            d.get(&Conversation::Group(group)),
            Some(read(now - 1, true))
        );
        assert_eq!(d.get(&room), Some(read(now - 5, false)));
        assert_eq!(d.iter().len(), 4);
    }
    // Wire layout: the one-to-one record under `1`, keyed by the 33-byte id.
    let Value::Dict(ones) = &phone.state().data()[&key("1")] else {
        unreachable!()
    };
    assert!(ones.contains_key(alice.to_bytes().as_slice()));
    let Value::Dict(servers) = &phone.state().data()[&key("o")] else {
        unreachable!()
    };
    let Value::Dict(server) = &servers[b"https://example.org".as_slice()] else {
        unreachable!()
    };
    assert_eq!(server[&key("#")], Value::from([4u8; 32].as_slice()));

    // Pruning drops the stale legacy group only (the unread group stays however old).
    phone
        .set(&Conversation::Group(group), read(1, true))
        .unwrap();
    assert_eq!(phone.prune(now).unwrap(), 1);
    assert_eq!(phone.get(&Conversation::LegacyGroup(legacy)), None);
    assert_eq!(phone.prune(now).unwrap(), 0);
    assert!(phone.get(&Conversation::Group(group)).is_some());
    // A default state removes the record; wrong prefixes are refused.
    phone
        .set(&Conversation::OneToOne(alice), ReadState::default())
        .unwrap();
    assert_eq!(phone.get(&Conversation::OneToOne(alice)), None);
    assert_eq!(
        phone.set(&Conversation::Group(alice), read(1, false)),
        Err(ConfigError::Field("session_id"))
    );
    assert_eq!(
        phone.set(&Conversation::OneToOne(group), read(1, false)),
        Err(ConfigError::Field("session_id"))
    );
}

#[test]
fn user_groups_round_trip_each_kind_and_check_keys() {
    use session_protocol::config::{Community, Group, GroupNotify, LegacyGroup, UserGroups};
    use session_protocol::{IdPrefix, SessionId};
    let me = Identity::from_seed(&[11; 32]);
    let admin = Identity::from_seed(&[0x33; 32]);
    let gid = SessionId::new(IdPrefix::Group, *admin.ed25519_public().as_bytes());
    let mut groups = UserGroups::new(&me);

    let mut g = Group::new(gid);
    g.admin_seed = Some([0x33; 32]);
    g.name = "Admins only".into();
    g.common.priority = 2;
    g.common.notify = GroupNotify::MentionsOnly;
    g.common.invited = true;
    groups.set_group(&g).unwrap();
    assert_eq!(groups.group(&gid), Some(g.clone()));
    // A member: empty `K`, auth data kept.
    let other = SessionId::new(IdPrefix::Group, [5; 32]);
    let mut m = Group::new(other);
    m.auth_data = Some(vec![7; 100]);
    m.removed = 1;
    groups.set_group(&m).unwrap();
    assert_eq!(groups.group(&other), Some(m.clone()));
    let Value::Dict(gs) = &groups.state().data()[&key("g")] else {
        unreachable!()
    };
    let Value::Dict(me_entry) = &gs[other.to_bytes().as_slice()] else {
        unreachable!()
    };
    assert_eq!(me_entry[&key("K")], Value::from(""));
    // Refusals: a seed that is not the group's, short auth data, a 05 id.
    let mut bad = Group::new(other);
    bad.admin_seed = Some([0x33; 32]);
    assert_eq!(
        groups.set_group(&bad),
        Err(ConfigError::Field("admin_seed"))
    );
    let mut bad = Group::new(other);
    bad.auth_data = Some(vec![1; 99]);
    assert_eq!(groups.set_group(&bad), Err(ConfigError::Field("auth_data")));
    let alice = Identity::from_seed(&[0xa1; 32]).session_id();
    assert_eq!(
        groups.set_group(&Group::new(alice)),
        Err(ConfigError::Field("id"))
    );

    let legacy_id = Identity::from_seed(&[0x1e; 32]).session_id();
    let mut l = LegacyGroup::new(legacy_id);
    l.name = "Old".into();
    l.enc_keys = Some(([1; 32], [2; 32]));
    l.members = [me.session_id()].into();
    l.admins = [alice].into();
    l.disappearing_secs = 600;
    groups.set_legacy_group(&l).unwrap();
    assert_eq!(groups.legacy_group(&legacy_id), Some(l.clone()));

    let c = Community::new("https://Open.example/", [6; 32], "SessionDev");
    groups.set_community(&c).unwrap();
    let back = groups
        .community("https://open.example", "sessiondev")
        .unwrap();
    assert_eq!(
        (back.base_url.as_str(), back.room.as_str(), back.pubkey),
        ("https://open.example", "SessionDev", [6; 32])
    );

    // Another device gets all of it; erasing works per kind.
    let push = groups.state_mut().push().unwrap();
    let mut laptop = UserGroups::new(&me);
    laptop.state_mut().merge(&[("h", &push.data)]);
    assert_eq!(laptop.group(&gid), Some(g));
    assert_eq!(laptop.legacy_group(&legacy_id), Some(l));
    assert_eq!(laptop.group_ids().len(), 3);
    assert!(laptop.erase_group(&other).unwrap());
    assert!(!laptop.erase_group(&other).unwrap());
    assert!(laptop.erase_group(&legacy_id).unwrap());
    assert_eq!(laptop.group_ids(), [gid]);
}

#[test]
fn setters_keep_fields_they_do_not_know_and_debug_hides_keys() {
    use session_protocol::config::{Contact, Contacts, Group, UserGroups};
    use session_protocol::{IdPrefix, SessionId};
    let me = Identity::from_seed(&[12; 32]);
    let bob = Identity::from_seed(&[0xb0; 32]).session_id();
    let mut book = Contacts::new(&me);
    book.set(&Contact::new(bob)).unwrap();
    // A newer client added a field `z` to Bob's record.
    book.state_mut()
        .edit(|d| {
            let Some(Value::Dict(c)) = d.get_mut(b"c".as_slice()) else {
                unreachable!()
            };
            let Some(Value::Dict(r)) = c.get_mut(bob.to_bytes().as_slice()) else {
                unreachable!()
            };
            r.insert(key("z"), 5.into());
        })
        .unwrap();
    let mut named = Contact::new(bob);
    named.name = "Bob".into();
    named.profile_pic = Some(("https://p".into(), [0x5a; 32]));
    book.set(&named).unwrap();
    let Value::Dict(c) = &book.state().data()[&key("c")] else {
        unreachable!()
    };
    let Value::Dict(r) = &c[bob.to_bytes().as_slice()] else {
        unreachable!()
    };
    assert_eq!(r[&key("z")], 5.into(), "the unknown field survives");
    assert_eq!(r[&key("n")], "Bob".into());
    let shown = format!("{named:?}");
    assert!(
        shown.contains("https://p") && !shown.contains("90, 90"),
        "{shown}"
    );

    let admin = Identity::from_seed(&[0x44; 32]);
    let gid = SessionId::new(IdPrefix::Group, *admin.ed25519_public().as_bytes());
    let mut g = Group::new(gid);
    g.admin_seed = Some([0x44; 32]);
    let shown = format!("{g:?}");
    assert!(
        shown.contains("admin: true") && !shown.contains("68, 68"),
        "{shown}"
    );
    let mut groups = UserGroups::new(&me);
    groups.set_group(&g).unwrap();
    let push = groups.state_mut().push().unwrap();
    let msg = format!("{:?}", groups.state());
    assert!(!msg.contains("68"), "{msg}");
    assert!(!format!("{push:?}").contains("68, 68"));
}

#[test]
fn edits_deeper_than_readers_accept_are_refused() {
    use session_protocol::config::{ConfigKind, ConfigState};
    let me = Identity::from_seed(&[13; 32]);
    let mut s = ConfigState::new(ConfigKind::CONTACTS, &me);
    let nest = |n: usize| {
        let mut v = Value::from(1);
        for _ in 0..n {
            let Value::Dict(d) = dict(vec![("a", v)]) else {
                unreachable!()
            };
            v = Value::Dict(d);
        }
        v
    };
    s.edit(|d| {
        d.insert(key("ok"), nest(config::MAX_DEPTH));
    })
    .unwrap();
    assert_eq!(
        s.edit(|d| {
            d.insert(key("deep"), nest(config::MAX_DEPTH + 1));
        }),
        Err(ConfigError::TooDeep)
    );
    assert!(!s.data().contains_key(&key("deep")));
    // What was accepted pushes and reads back, history included.
    let p = s.push().unwrap();
    s.confirm_pushed(p.seqno, "a");
    s.edit(|d| {
        d.insert(key("ok"), nest(config::MAX_DEPTH - 1));
    })
    .unwrap();
    let p2 = s.push().unwrap();
    let mut other = ConfigState::new(ConfigKind::CONTACTS, &me);
    assert_eq!(other.merge(&[("b", &p2.data)]), ["b"]);
    assert_eq!(other.data(), s.data());
}

#[test]
fn a_device_with_nothing_unpushed_restates_a_merge_as_libsession_does() {
    let me = Identity::from_seed(&[14; 32]);
    let (mut a, mut b) = (UserProfile::new(&me), UserProfile::new(&me));
    a.set_name("A").unwrap();
    b.set_nts_priority(3).unwrap();
    let (pa, pb) = (a.state_mut().push().unwrap(), b.state_mut().push().unwrap());
    a.state_mut().confirm_pushed(pa.seqno, "ha");
    b.state_mut().confirm_pushed(pb.seqno, "hb");
    a.state_mut().merge(&[("hb", &pb.data)]);
    // The merged message's own diff lists all of its data, and the replaced hash is gone.
    assert!(a.state().current_hashes().is_empty());
    let dump = a.state().dump();
    let at = dump.windows(3).rposition(|w| w == b"1:=").unwrap();
    assert!(
        dump[at..].starts_with(b"1:=d1:+0:1:n0:e"),
        "{}",
        String::from_utf8_lossy(&dump[at..])
    );
    let p = a.state_mut().push().unwrap();
    assert_eq!(p.obsolete, ["ha", "hb"]);
}

#[test]
fn the_fuzz_seeds_are_valid_messages() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus/config_message");
    for name in [
        "empty",
        "m10",
        "old-lagged",
        "unknown-keys",
        "contacts",
        "convo",
        "groups",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert!(
            ConfigMessage::parse(&bytes, Signing::default()).is_ok(),
            "{name}"
        );
    }
}

#[test]
fn group_keys_messages_match_libsession_and_open_for_members_only() {
    use session_protocol::config::{KeysMessage, rekey};
    let v = &vectors()["group-keys"];
    let group = Identity::from_seed(&unhex_array(&s(v, "group_seed")));
    let gpk = group.ed25519_public();
    assert_eq!(hex(gpk.as_bytes()), s(v, "group_pk"));
    let admin1 = Identity::from_seed(&unhex_array(&s(v, "admin1_seed")));
    assert_eq!(admin1.session_id().to_string(), s(v, "admin1_id"));
    let members: Vec<Identity> = v["member_seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| Identity::from_seed(&unhex_array(x.as_str().unwrap())))
        .collect();
    for (m, id) in members.iter().zip(v["member_ids"].as_array().unwrap()) {
        assert_eq!(m.session_id().to_string(), id.as_str().unwrap());
    }

    // Generation 0, nobody in the group yet: no copies, no junk.
    let g0 = rekey(&group, &[], 0).unwrap();
    assert_eq!(hex(&g0.message), s(v, "gen0_message"));
    assert_eq!(hex(&g0.key[..]), s(v, "gen0_key"));
    let parsed = KeysMessage::parse(&g0.message, &gpk).unwrap();
    assert_eq!((parsed.generation(), parsed.copies()), (0, 0));
    assert_eq!(
        hex(&parsed.admin_key(&group).unwrap().unwrap()[..]),
        s(v, "gen0_key")
    );
    assert!(parsed.member_keys(&members[0], &gpk).is_empty());

    // Generation 1 for admin1 and the four members, in any order.
    let mut ids: Vec<_> = members.iter().map(Identity::session_id).collect();
    ids.push(admin1.session_id());
    ids.reverse();
    let g1 = rekey(&group, &ids, 1).unwrap();
    assert_eq!(hex(&g1.key[..]), s(v, "gen1_key"));
    assert_eq!(g1.message.len(), v["gen1_len"].as_u64().unwrap() as usize);
    assert_eq!(hex(&blake2b256(&g1.message)), s(v, "gen1_blake2b"));
    for piece in ["gen1_k0", "gen1_k5_junk", "gen1_k74_junk"] {
        let want = unhex(&s(v, piece));
        assert!(
            g1.message.windows(48).any(|w| w == want.as_slice()),
            "{piece}"
        );
    }
    let parsed = KeysMessage::parse(&g1.message, &gpk).unwrap();
    assert_eq!(parsed.copies(), 75);
    for m in members.iter().chain([&admin1]) {
        let got = parsed.member_keys(m, &gpk);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].generation, &got[0].key[..]), (1, &g1.key[..]));
    }
    let outsider = Identity::from_seed(&[0x99; 32]);
    assert!(parsed.member_keys(&outsider, &gpk).is_empty());

    // Refused: tampered, wrong group, unsigned, bad shapes.
    let mut bad = g1.message.clone();
    bad[100] ^= 1;
    assert_eq!(KeysMessage::parse(&bad, &gpk), Err(ConfigError::Signature));
    let other = Identity::from_seed(&[1; 32]).ed25519_public();
    assert_eq!(
        KeysMessage::parse(&g0.message, &other),
        Err(ConfigError::Signature)
    );
    let unsigned = &g0.message[..g0.message.len() - 71];
    let mut unsigned = unsigned.to_vec();
    unsigned.push(b'e');
    assert_eq!(
        KeysMessage::parse(&unsigned, &gpk),
        Err(ConfigError::Unsigned)
    );
    assert!(
        rekey(
            &group,
            &[session_protocol::SessionId::new(
                session_protocol::IdPrefix::Group,
                [1; 32]
            )],
            2
        )
        .is_err()
    );
    assert!(rekey(&group, &[], -1).is_err());
    // An admin of another group cannot read `K`.
    assert_eq!(
        KeysMessage::parse(&g0.message, &gpk)
            .unwrap()
            .admin_key(&outsider)
            .unwrap_err(),
        ConfigError::Decrypt
    );

    // A supplemental message hands m1 both existing keys, and nobody else anything.
    let sup = KeysMessage::parse(&unhex(&s(v, "supplement_for_m1")), &gpk).unwrap();
    assert!(sup.is_supplemental());
    assert_eq!(sup.generation(), 1);
    let keys = sup.member_keys(&members[0], &gpk);
    let t0 = v["supplement_t0"].as_i64().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        (keys[0].generation, &keys[0].key[..], keys[0].timestamp_ms),
        (0, &g0.key[..], t0)
    );
    assert_eq!(
        (keys[1].generation, &keys[1].key[..], keys[1].timestamp_ms),
        (1, &g1.key[..], t0 + 1000)
    );
    assert!(sup.member_keys(&members[1], &gpk).is_empty());
    assert!(sup.admin_key(&group).unwrap().is_none());
}

fn blake2b256(data: &[u8]) -> [u8; 32] {
    use blake2::Digest;
    blake2::Blake2b::<blake2::digest::consts::U32>::digest(data).into()
}

#[test]
fn group_info_push_matches_libsession() {
    use session_protocol::config::GroupInfo;
    let v = &vectors()["group-info"];
    let admin = Identity::from_seed(&unhex_array(&s(v, "admin_seed")));
    let gpk = admin.ed25519_public();
    assert_eq!(hex(gpk.as_bytes()), s(v, "group_pk"));
    let key: [u8; 32] = unhex_array(&s(v, "key"));
    let mut info = GroupInfo::new(&gpk, Some(&admin), &[key]).unwrap();
    info.set_name(&s(v, "name")).unwrap();
    let push = info.state_mut().push().unwrap();
    assert_eq!(push.seqno, 1);
    assert_eq!(hex(&push.data), s(v, "push1"));
    // A member (read-only) reads it; an edit is refused.
    let mut member_view = GroupInfo::new(&gpk, None, &[key]).unwrap();
    assert!(member_view.state().is_read_only());
    assert_eq!(member_view.state_mut().merge(&[("h1", &push.data)]), ["h1"]);
    assert_eq!(member_view.name().as_deref(), Some("GROUP Name"));
    assert_eq!(member_view.set_name("x"), Err(ConfigError::ReadOnly));
    // Someone else's key is not the group's.
    let other = Identity::from_seed(&[1; 32]);
    assert_eq!(
        GroupInfo::new(&gpk, Some(&other), &[key]).unwrap_err(),
        ConfigError::Field("admin")
    );
}

#[test]
fn a_group_is_created_rekeyed_and_a_removed_member_is_locked_out() {
    use rand_chacha::rand_core::SeedableRng;
    use session_protocol::SymmetricKey;
    use session_protocol::config::{GroupInfo, GroupMembers, KeysMessage, Member, Status, rekey};
    use session_protocol::envelope::{ProSignature, open_group_message, seal_group_message};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let group = Identity::from_seed(&[0x61; 32]);
    let gpk = group.ed25519_public();
    let admin_user = Identity::from_seed(&[0x62; 32]);
    let people: Vec<Identity> = (0..3u8)
        .map(|i| Identity::from_seed(&[0x70 + i; 32]))
        .collect();

    // The admin lists the members and makes generation 0 for them.
    let mut members = GroupMembers::new(&gpk, Some(&group), &[]).unwrap();
    let mut me = Member::new(admin_user.session_id());
    me.admin = true;
    me.name = "Admin".into();
    members.set(&me).unwrap();
    for (i, p) in people.iter().enumerate() {
        let mut m = Member::new(p.session_id());
        m.name = format!("member {i}");
        m.invite = Status::Sent;
        members.set(&m).unwrap();
    }
    let g0 = rekey(&group, &members.ids(), 0).unwrap();
    members.state_mut().replace_keys(&[*g0.key], true).unwrap();
    let mut info = GroupInfo::new(&gpk, Some(&group), &[*g0.key]).unwrap();
    info.set_name("Tomato sauce").unwrap();
    let (pi, pm) = (
        info.state_mut().push().unwrap(),
        members.state_mut().push().unwrap(),
    );

    // Each member recovers the key from the keys message and reads Info and Members.
    let keys0 = KeysMessage::parse(&g0.message, &gpk).unwrap();
    let mut views = Vec::new();
    for p in people.iter().chain([&admin_user]) {
        let got = keys0.member_keys(p, &gpk);
        assert_eq!(got.len(), 1);
        let k = *got[0].key;
        let mut i = GroupInfo::new(&gpk, None, &[k]).unwrap();
        let mut m = GroupMembers::new(&gpk, None, &[k]).unwrap();
        assert_eq!(i.state_mut().merge(&[("i0", &pi.data)]), ["i0"]);
        assert_eq!(m.state_mut().merge(&[("m0", &pm.data)]), ["m0"]);
        assert_eq!(i.name().as_deref(), Some("Tomato sauce"));
        assert_eq!(m.iter().count(), 4);
        assert!(m.get(&admin_user.session_id()).unwrap().admin);
        views.push((i, m, k));
    }
    // A push not signed by the group is not accepted.
    let forger = Identity::from_seed(&[0x66; 32]);
    let mut forged = GroupInfo::new(&forger.ed25519_public(), Some(&forger), &[*g0.key]).unwrap();
    forged.set_name("pwned").unwrap();
    let fp = forged.state_mut().push().unwrap();
    assert!(views[0].0.state_mut().merge(&[("f", &fp.data)]).is_empty());

    // Remove the last person, rekey for the rest; Info and Members move to the new key.
    let gone = people[2].session_id();
    assert!(members.erase(&gone).unwrap());
    let g1 = rekey(&group, &members.ids(), 1).unwrap();
    let keys_now = [*g1.key, *g0.key];
    info.state_mut().replace_keys(&keys_now, true).unwrap();
    members.state_mut().replace_keys(&keys_now, true).unwrap();
    assert!(info.state().needs_push(), "re-encrypted under the new key");
    info.set_name("Tomato sauce, smaller").unwrap();
    let (pi1, pm1) = (
        info.state_mut().push().unwrap(),
        members.state_mut().push().unwrap(),
    );
    let keys1 = KeysMessage::parse(&g1.message, &gpk).unwrap();
    assert!(
        keys1.member_keys(&people[2], &gpk).is_empty(),
        "the removed member gets no key"
    );
    for (idx, p) in people.iter().enumerate().take(2) {
        let k1 = *keys1.member_keys(p, &gpk)[0].key;
        let (i, m, k0) = &mut views[idx];
        i.state_mut().replace_keys(&[k1, *k0], false).unwrap();
        m.state_mut().replace_keys(&[k1, *k0], false).unwrap();
        assert_eq!(i.state_mut().merge(&[("i1", &pi1.data)]), ["i1"]);
        assert_eq!(m.state_mut().merge(&[("m1", &pm1.data)]), ["m1"]);
        assert_eq!(i.name().as_deref(), Some("Tomato sauce, smaller"));
        assert_eq!(m.get(&gone), None);
    }
    let (i_gone, _, _) = &mut views[2];
    assert!(
        i_gone.state_mut().merge(&[("i1", &pi1.data)]).is_empty(),
        "cannot decrypt"
    );
    assert_eq!(i_gone.name().as_deref(), Some("Tomato sauce"));

    // Group messages under the new key: members read them, the removed one cannot.
    let text = session_protocol::envelope::Content::text("after the rekey", 1).to_bytes();
    let sealed = seal_group_message(
        &admin_user,
        &gpk,
        &SymmetricKey::from_bytes(*g1.key),
        &text,
        1,
        ProSignature::Omit,
        &mut rng,
    )
    .unwrap();
    let member_keys = [
        SymmetricKey::from_bytes(*g1.key),
        SymmetricKey::from_bytes(*g0.key),
    ];
    let opened = open_group_message(&member_keys, &gpk, &sealed).unwrap();
    assert_eq!(opened.sender, admin_user.session_id());
    let old_only = [SymmetricKey::from_bytes(*g0.key)];
    assert!(open_group_message(&old_only, &gpk, &sealed).is_err());
}

#[test]
fn group_keys_state_supplements_confirms_and_expires_like_libsession() {
    use session_protocol::config::{GroupKeys, KEY_EXPIRY_MS};
    let v = &vectors()["group-keys"];
    let group = Identity::from_seed(&unhex_array(&s(v, "group_seed")));
    let gpk = group.ed25519_public();
    let admin1 = Identity::from_seed(&unhex_array(&s(v, "admin1_seed")));
    let members: Vec<Identity> = v["member_seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| Identity::from_seed(&unhex_array(x.as_str().unwrap())))
        .collect();
    let t0 = v["supplement_t0"].as_i64().unwrap();
    let mut ids: Vec<_> = members.iter().map(Identity::session_id).collect();
    ids.push(admin1.session_id());

    // The admin rekeys twice; each pending key is confirmed by reading its message back.
    let mut admin = GroupKeys::new(&admin1, &gpk, Some(&group)).unwrap();
    let g0 = admin.rekey(&[]).unwrap().to_vec();
    assert_eq!(hex(&g0), s(v, "gen0_message"));
    assert_eq!(hex(&admin.encryption_key().unwrap()), s(v, "gen0_key"));
    assert!(admin.load_message("keyhash1", &g0, t0).unwrap());
    assert!(admin.pending_config().is_none());
    let g1 = admin.rekey(&ids).unwrap().to_vec();
    assert_eq!(
        hex(&admin.keys()[0]),
        s(v, "gen1_key"),
        "the pending key encrypts first"
    );
    assert!(admin.load_message("keyhash2", &g1, t0 + 1000).unwrap());
    assert_eq!(admin.current_generation(), 1);
    assert_eq!(admin.keys().len(), 2);

    // A supplement for m1 is libsession's, byte for byte.
    let sup = admin.supplement(&[members[0].session_id()]).unwrap();
    assert_eq!(hex(&sup), s(v, "supplement_for_m1"));
    assert!(
        !admin.load_message("keyhash3", &sup, t0 + 2000).unwrap(),
        "admins skip supplements"
    );

    // m1 joins: gen 0 was not for it, gen 1 is, and the supplement brings gen 0 too.
    let mut m1 = GroupKeys::new(&members[0], &gpk, None).unwrap();
    assert!(!m1.load_message("keyhash1", &g0, t0).unwrap());
    assert!(m1.current_hashes().is_empty(), "no key: nothing in use yet");
    assert!(m1.load_message("keyhash2", &g1, t0 + 1000).unwrap());
    assert!(m1.load_message("keyhash3", &sup, t0 + 2000).unwrap());
    assert_eq!(m1.keys().len(), 2);
    assert_eq!(hex(&m1.keys()[1]), s(v, "gen0_key"));
    assert_eq!(m1.rekey(&ids).unwrap_err(), ConfigError::ReadOnly);
    assert_eq!(m1.supplement(&ids).unwrap_err(), ConfigError::ReadOnly);
    // Loading the same message again changes nothing.
    assert!(m1.load_message("keyhash2", &g1, t0 + 1000).unwrap());
    assert_eq!(m1.keys().len(), 2);
    // Tampered or foreign messages are refused and change nothing.
    let mut bad = g1.clone();
    bad[50] ^= 1;
    assert_eq!(
        m1.load_message("bad", &bad, t0),
        Err(ConfigError::Signature)
    );
    assert_eq!(m1.keys().len(), 2);

    // Two admins rekeying the same generation differently collide.
    let mut a2 = GroupKeys::new(&members[1], &gpk, Some(&group)).unwrap();
    assert!(a2.load_message("keyhash1", &g0, t0).unwrap());
    assert!(a2.load_message("keyhash2", &g1, t0 + 1000).unwrap());
    let x = a2.rekey(&ids[..3]).unwrap().to_vec();
    let y = admin.rekey(&ids[..2]).unwrap().to_vec();
    assert!(!a2.needs_rekey());
    a2.load_message("x", &x, t0 + 3000).unwrap();
    a2.load_message("y", &y, t0 + 3001).unwrap();
    assert!(a2.needs_rekey());

    // Expiry: generations 0-3 now, 4 ten days later, 5 at 71 days: 0-3 go.
    let day = 24 * 3600 * 1000;
    let mut ex = GroupKeys::new(&admin1, &gpk, Some(&group)).unwrap();
    let stamps = [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 10 * day, t0 + 71 * day];
    for (g, t) in stamps.iter().enumerate() {
        let m = ex.rekey(&ids).unwrap().to_vec();
        assert!(
            ex.load_message(&format!("keyhash{}", g + 4), &m, *t)
                .unwrap()
        );
    }
    assert_eq!(ex.current_generation(), 5);
    assert_eq!(ex.keys().len(), 2);
    assert_eq!(
        ex.current_hashes().into_iter().collect::<Vec<_>>(),
        ["keyhash8", "keyhash9"]
    );
    // 0-3 go because generation 4 (at 10 days) plus the expiry is before the newest key (71
    // days); 4 stays because generation 5 is the newest itself.
    assert!(10 * day + KEY_EXPIRY_MS < 71 * day);
}
