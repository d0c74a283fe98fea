//! Pinned edges outside the onion and wire code: `SwarmMap::is_empty` and `SwarmMap::contains`
//! (empty maps, `SwarmId::INVALID`, ids at and between the ends); the node-list size cap,
//! swarm-id digits, duplicate fields, path lengths and `NodePool::is_empty`; the exact `Debug` of every
//! hand-written `Debug` in `identity`, `swarm` and `storage` (redacted types print their marker
//! and no secret bytes), and the shared test helpers in `tests/common` themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;
use common::cases::{Suite, run_cases};
use common::hex::{hex, unhex, unhex_array};
use common::rng::rng;

use core::net::Ipv4Addr;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::rand_core::Rng;
use session_protocol::swarm::{
    NodeListError, NodePool, PathError, PathRules, ServiceNode, SwarmId, SwarmMap,
    decode_service_nodes, decode_swarm_response, select_path,
};
use session_protocol::{Blinding, Ed25519Public, Identity, SessionId, SymmetricKey, X25519Public};
use sha2::Digest;

// ---------------------------------------------------------------------------------------------
// SwarmMap::is_empty and SwarmMap::contains.

#[test]
fn swarm_map_is_empty_exactly_when_no_valid_id_was_given() {
    let cases: Vec<(&str, Vec<SwarmId>, (bool, usize))> = vec![
        ("default", vec![], (true, 0)),
        ("only INVALID", vec![SwarmId::INVALID], (true, 0)),
        (
            "INVALID repeated",
            vec![SwarmId::INVALID, SwarmId::INVALID],
            (true, 0),
        ),
        ("zero", vec![SwarmId(0)], (false, 1)),
        ("one below INVALID", vec![SwarmId(u64::MAX - 1)], (false, 1)),
        (
            "INVALID and one",
            vec![SwarmId::INVALID, SwarmId(7)],
            (false, 1),
        ),
        (
            "repeats count once",
            vec![SwarmId(7), SwarmId(7), SwarmId(7)],
            (false, 1),
        ),
        (
            "three",
            vec![SwarmId(9), SwarmId(1), SwarmId(5)],
            (false, 3),
        ),
    ];
    run_cases(&cases, |ids| {
        let m = SwarmMap::new(ids.iter().copied());
        // is_empty agrees with len and with the ids it lists.
        assert_eq!(m.is_empty(), m.ids().len() == 0);
        (m.is_empty(), m.len())
    });
    assert!(SwarmMap::default().is_empty());
    assert_eq!(SwarmMap::default(), SwarmMap::new([]));
    assert_eq!(SwarmMap::default(), SwarmMap::new([SwarmId::INVALID]));
}

#[test]
fn swarm_map_contains_exactly_its_ids() {
    let map = SwarmMap::new([
        SwarmId(0),
        SwarmId(100),
        SwarmId(200),
        SwarmId(u64::MAX - 1),
        SwarmId::INVALID,
    ]);
    let empty = SwarmMap::new([]);
    let only_invalid = SwarmMap::new([SwarmId::INVALID]);
    let single = SwarmMap::new([SwarmId(42)]);
    let cases: Vec<(&str, (&SwarmMap, SwarmId), bool)> = vec![
        ("first (0)", (&map, SwarmId(0)), true),
        ("middle", (&map, SwarmId(100)), true),
        ("middle 2", (&map, SwarmId(200)), true),
        ("last (MAX - 1)", (&map, SwarmId(u64::MAX - 1)), true),
        ("INVALID, though given", (&map, SwarmId::INVALID), false),
        ("between first and middle", (&map, SwarmId(1)), false),
        ("just below a member", (&map, SwarmId(99)), false),
        ("just above a member", (&map, SwarmId(101)), false),
        ("between middle and last", (&map, SwarmId(1 << 40)), false),
        ("just below last", (&map, SwarmId(u64::MAX - 2)), false),
        ("empty: 0", (&empty, SwarmId(0)), false),
        ("empty: INVALID", (&empty, SwarmId::INVALID), false),
        ("empty: 100", (&empty, SwarmId(100)), false),
        (
            "only INVALID: INVALID",
            (&only_invalid, SwarmId::INVALID),
            false,
        ),
        ("only INVALID: 0", (&only_invalid, SwarmId(0)), false),
        ("single: it", (&single, SwarmId(42)), true),
        ("single: below", (&single, SwarmId(41)), false),
        ("single: above", (&single, SwarmId(43)), false),
    ];
    run_cases(&cases, |(m, id)| m.contains(*id));
    // contains agrees with ids() on every listed id and never holds INVALID.
    for m in [&map, &empty, &only_invalid, &single] {
        assert!(m.ids().all(|id| m.contains(id)));
        assert!(!m.contains(SwarmId::INVALID));
    }
}

// ---------------------------------------------------------------------------------------------
// The other swarm limits: document size, swarm-id digits, duplicate fields, path length and
// NodePool::is_empty.

/// The node-list document cap: 10 MiB.
const MAX_DOCUMENT: usize = 10 * 1024 * 1024;

/// `json` padded with trailing spaces (still valid JSON) to exactly `len` bytes.
fn padded_doc(json: &str, len: usize) -> Vec<u8> {
    let mut d = json.as_bytes().to_vec();
    assert!(d.len() <= len);
    d.resize(len, b' ');
    d
}

#[test]
fn node_list_documents_of_exactly_10_mib_are_read_and_one_byte_more_is_not() {
    let swarm = r#"{"snodes":[],"swarm":"1f"}"#;
    let states = r#"{"service_node_states":[]}"#;
    let at = decode_swarm_response(&padded_doc(swarm, MAX_DOCUMENT)).unwrap();
    assert_eq!((at.swarm, at.nodes.len()), (SwarmId(0x1f), 0));
    assert_eq!(
        decode_swarm_response(&padded_doc(swarm, MAX_DOCUMENT + 1)),
        Err(NodeListError::TooLarge)
    );
    let at = decode_service_nodes(&padded_doc(states, MAX_DOCUMENT)).unwrap();
    assert!(at.nodes.is_empty() && at.skipped.is_empty());
    assert_eq!(
        decode_service_nodes(&padded_doc(states, MAX_DOCUMENT + 1)),
        Err(NodeListError::TooLarge)
    );
}

#[test]
fn swarm_ids_are_one_to_sixteen_hex_digits() {
    let doc = |swarm: &str| format!(r#"{{"snodes":[],"swarm":"{swarm}"}}"#);
    let cases: Vec<(&str, String, Result<SwarmId, NodeListError>)> = vec![
        ("one digit", doc("0"), Ok(SwarmId(0))),
        ("sixteen digits", doc("0000000000000001"), Ok(SwarmId(1))),
        (
            "sixteen, max",
            doc("FFFFFFFFFFFFFFFF"),
            Ok(SwarmId::INVALID),
        ),
        ("mixed case", doc("aBc"), Ok(SwarmId(0xabc))),
        // Seventeen digits are refused even when the value fits: a storage server never writes
        // leading zeros.
        (
            "seventeen, fits",
            doc("00000000000000001"),
            Err(NodeListError::BadSwarmId),
        ),
        (
            "seventeen, overflows",
            doc("10000000000000000"),
            Err(NodeListError::BadSwarmId),
        ),
        ("empty", doc(""), Err(NodeListError::BadSwarmId)),
        ("plus sign", doc("+1"), Err(NodeListError::BadSwarmId)),
        ("minus sign", doc("-1"), Err(NodeListError::BadSwarmId)),
        ("0x prefix", doc("0x1"), Err(NodeListError::BadSwarmId)),
    ];
    run_cases(&cases, |json| {
        decode_swarm_response(json.as_bytes()).map(|r| r.swarm)
    });
}

#[test]
fn duplicate_node_list_fields_are_refused() {
    let cases: Vec<(&str, &str, Result<usize, NodeListError>)> = vec![
        ("states once", r#"{"service_node_states":[]}"#, Ok(0)),
        (
            "states twice",
            r#"{"service_node_states":[],"service_node_states":[]}"#,
            Err(NodeListError::Malformed),
        ),
        (
            "result once",
            r#"{"result":{"service_node_states":[]}}"#,
            Ok(0),
        ),
        (
            "result twice",
            r#"{"result":{"service_node_states":[]},"result":{"service_node_states":[]}}"#,
            Err(NodeListError::Malformed),
        ),
        (
            "states twice inside result",
            r#"{"result":{"service_node_states":[],"service_node_states":[]}}"#,
            Err(NodeListError::Malformed),
        ),
    ];
    run_cases(&cases, |json| {
        decode_service_nodes(json.as_bytes()).map(|l| l.nodes.len())
    });
    assert_eq!(
        decode_swarm_response(br#"{"snodes":[],"snodes":[],"swarm":"1"}"#),
        Err(NodeListError::Malformed)
    );
}

/// `n` nodes, each in its own /24.
fn spread_nodes(n: u8) -> Vec<ServiceNode> {
    (0..n)
        .map(|i| {
            let key = Identity::from_seed(&[i.wrapping_add(0x40); 32]).ed25519_public();
            ServiceNode::new(key, Ipv4Addr::new(10, i, 0, 1), 443, 22020, SwarmId(1)).unwrap()
        })
        .collect()
}

#[test]
fn paths_of_one_to_fifteen_hops_are_built_and_other_lengths_refused() {
    let pool = spread_nodes(16);
    assert_eq!(PathRules::MAX_HOPS, 15);
    let mut r = rng(9);
    for hops in 1..=PathRules::MAX_HOPS {
        let path = select_path(&pool, &PathRules::new().hops(hops), &mut r).unwrap();
        assert_eq!(path.len(), hops);
    }
    for hops in [0, PathRules::MAX_HOPS + 1, usize::MAX] {
        assert_eq!(
            select_path(&pool, &PathRules::new().hops(hops), &mut r),
            Err(PathError::BadLength(hops))
        );
    }
}

#[test]
fn node_pool_is_empty_exactly_without_nodes() {
    let nodes = spread_nodes(2);
    assert!(NodePool::new([]).is_empty());
    let mut pool = NodePool::new(nodes.clone());
    assert!(!pool.is_empty());
    assert_eq!(pool.len(), 2);
    // A node in no swarm still counts.
    let outsider = NodePool::new([nodes[0].clone().with_swarm(SwarmId::INVALID)]);
    assert!(!outsider.is_empty());
    assert!(outsider.swarms().is_empty());
    pool.remove(nodes[0].ed25519()).unwrap();
    assert!(!pool.is_empty());
    pool.remove(nodes[1].ed25519()).unwrap();
    assert!(pool.is_empty());
    assert_eq!(pool.len(), 0);
}

// ---------------------------------------------------------------------------------------------
// Debug: every hand-written impl in identity, swarm and storage (storage.rs has none: its
// types derive Debug and hold no secrets).

/// Every way `secret` could show in formatted output: hex of any 4-byte window in either case,
/// and the list forms `{:?}` / `{:x?}` give a byte array (decimal and hex), from its first
/// bytes.
fn assert_no_secret(what: &str, output: &str, name: &str, secret: &[u8]) {
    for w in secret.windows(4) {
        for r in [hex(w), hex(w).to_uppercase()] {
            assert!(!output.contains(&r), "{what} shows {name} ({r}): {output}");
        }
    }
    let head = &secret[..secret.len().min(6)];
    let join = |f: &dyn Fn(&u8) -> String| head.iter().map(f).collect::<Vec<_>>().join(", ");
    for r in [
        join(&|b| b.to_string()),
        join(&|b| format!("{b:x}")),
        join(&|b| format!("{b:02x}")),
        join(&|b| format!("{b:#x}")),
    ] {
        assert!(!output.contains(&r), "{what} shows {name} ({r}): {output}");
    }
}

/// `{:?}` and `{:#?}` of `value`.
fn both<T: std::fmt::Debug>(value: &T) -> [String; 2] {
    [format!("{value:?}"), format!("{value:#?}")]
}

#[test]
fn identity_debug_is_its_session_id_and_a_marker_and_no_secret() {
    let seed = [0x5a; 32];
    let me = Identity::from_seed(&seed);
    let id = me.session_id();
    let [plain, pretty] = both(&me);
    assert_eq!(
        plain,
        format!("Identity {{ session_id: SessionId({id}), .. }}")
    );
    assert_eq!(
        pretty,
        format!("Identity {{\n    session_id: SessionId({id}),\n    ..\n}}")
    );
    let secrets: [(&str, Vec<u8>); 4] = [
        ("seed", me.seed().to_vec()),
        ("X25519 secret", me.x25519_secret_key().to_vec()),
        (
            "libsodium secret key",
            me.libsodium_secret_key()[..32].to_vec(),
        ),
        (
            "signing scalar",
            Scalar::from_bytes_mod_order(*me.x25519_secret_key())
                .to_bytes()
                .to_vec(),
        ),
    ];
    assert_eq!(secrets[0].1, seed);
    for out in [&plain, &pretty] {
        for (name, secret) in &secrets {
            assert_no_secret("Identity", out, name, secret);
        }
        // Nor the recovery phrase, word by word.
        for word in me.mnemonic().split(' ') {
            assert!(
                !out.contains(word),
                "Identity shows the phrase ({word}): {out}"
            );
        }
    }
}

/// A blinded key pair's secret scalar and (for 15) nonce key, computed here from the identity's
/// secrets with curve25519-dalek, BLAKE2b and SHA-512 (not the crate's code), and checked
/// against the key pair's public key.
fn blinded_secrets(me: &Identity, blinding: Blinding, server: &[u8; 32]) -> Vec<Vec<u8>> {
    let a = Scalar::from_bytes_mod_order(*me.x25519_secret_key());
    let wide = |parts: &[&[u8]]| {
        let mut h = blake2::Blake2b512::new();
        for p in parts {
            h.update(p);
        }
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    };
    let (k, nonce_key) = match blinding {
        Blinding::Blind15 => {
            let h = sha2::Sha512::digest(&me.libsodium_secret_key()[..]);
            (wide(&[server]), Some(h[32..].to_vec()))
        }
        _ => {
            let k = wide(&[&[0x05], me.x25519_public().as_bytes(), server]);
            let negative = me.ed25519_public().as_bytes()[31] & 0x80 != 0;
            (if negative { -k } else { k }, None)
        }
    };
    let secret = k * a;
    let kp = me.blinded_keypair(blinding, server).unwrap();
    assert_eq!(
        (ED25519_BASEPOINT_POINT * secret).compress().to_bytes(),
        kp.public().to_bytes(),
        "the independent derivation of the blinded secret is right"
    );
    [Some(secret.to_bytes().to_vec()), nonce_key]
        .into_iter()
        .flatten()
        .collect()
}

#[test]
fn blinded_keypair_debug_is_its_id_and_a_marker_and_no_secret() {
    let me = Identity::from_seed(&[0x5a; 32]);
    let server = [0x11; 32];
    for blinding in [Blinding::Blind15, Blinding::Blind25] {
        let kp = me.blinded_keypair(blinding, &server).unwrap();
        let id = kp.id();
        assert_eq!(id.prefix(), blinding.prefix());
        let [plain, pretty] = both(&kp);
        assert_eq!(
            plain,
            format!("BlindedKeypair {{ id: SessionId({id}), .. }}")
        );
        assert_eq!(
            pretty,
            format!("BlindedKeypair {{\n    id: SessionId({id}),\n    ..\n}}")
        );
        let secrets = blinded_secrets(&me, blinding, &server);
        assert!(!secrets.is_empty());
        for out in [&plain, &pretty] {
            for s in &secrets {
                assert_no_secret("BlindedKeypair", out, "blinded secret", s);
            }
            assert_no_secret("BlindedKeypair", out, "seed", &me.seed()[..]);
        }
    }
}

#[test]
fn version_key_debug_is_its_id_and_a_marker_and_no_secret() {
    let me = Identity::from_seed(&[0x5a; 32]);
    let vk = me.version_key();
    let id = vk.id();
    assert_eq!(id.to_string()[..2], *"07");
    let [plain, pretty] = both(&vk);
    assert_eq!(plain, format!("VersionKey {{ id: SessionId({id}), .. }}"));
    assert_eq!(
        pretty,
        format!("VersionKey {{\n    id: SessionId({id}),\n    ..\n}}")
    );
    let sk = vk.libsodium_secret_key();
    assert_eq!(sk[32..], vk.public().to_bytes());
    // The signing scalar libsodium expands the seed to.
    let h = sha2::Sha512::digest(&sk[..32]);
    let mut clamped: [u8; 32] = h[..32].try_into().unwrap();
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    for out in [&plain, &pretty] {
        assert_no_secret("VersionKey", out, "version seed", &sk[..32]);
        assert_no_secret("VersionKey", out, "version scalar", &clamped);
        assert_no_secret("VersionKey", out, "account seed", &me.seed()[..]);
    }
}

#[test]
fn symmetric_key_debug_is_only_the_redaction_marker() {
    let mut r = rng(3);
    let mut bytes = [0u8; 32];
    r.fill_bytes(&mut bytes);
    for key_bytes in [bytes, [0x00; 32], [0xff; 32], [0x5a; 32]] {
        let key = SymmetricKey::from_bytes(key_bytes);
        for out in both(&key) {
            assert_eq!(out, "SymmetricKey(<redacted>)");
        }
    }
    let generated = SymmetricKey::generate(&mut rng(4));
    let [plain, pretty] = both(&generated);
    assert_eq!(
        (plain.as_str(), pretty.as_str()),
        ("SymmetricKey(<redacted>)", "SymmetricKey(<redacted>)")
    );
    assert_no_secret("SymmetricKey", &plain, "key", generated.as_bytes());
}

#[test]
fn public_keys_and_ids_debug_as_their_hex() {
    // Not secrets: their Debug is the type name around the full hex, pinned here so that a
    // change (truncation, another format) is deliberate.
    let me = Identity::from_seed(&[0x5a; 32]);
    let ed = me.ed25519_public();
    let x = me.x25519_public();
    let id = me.session_id();
    assert_eq!(
        format!("{ed:?}"),
        format!("Ed25519Public({})", hex(ed.as_bytes()))
    );
    assert_eq!(
        format!("{x:?}"),
        format!("X25519Public({})", hex(x.as_bytes()))
    );
    assert_eq!(
        format!("{id:?}"),
        format!("SessionId({})", hex(&id.to_bytes()))
    );
    assert_eq!(hex(&id.to_bytes())[..2], *"05");
    assert_eq!(id.key(), x.as_bytes());
    let fixed = Ed25519Public::from_bytes(unhex_array(&"ab".repeat(32)));
    assert_eq!(
        format!("{fixed:?}"),
        format!("Ed25519Public({})", "ab".repeat(32))
    );
    let parsed: SessionId = format!("05{}", "cd".repeat(32)).parse().unwrap();
    assert_eq!(
        format!("{parsed:?}"),
        format!("SessionId(05{})", "cd".repeat(32))
    );
    assert_eq!(
        format!("{:?}", X25519Public::from_bytes([0; 32])),
        format!("X25519Public({})", "00".repeat(32))
    );
}

#[test]
fn swarm_types_debug_as_pinned() {
    let cases: Vec<(&str, SwarmId, String)> = vec![
        ("zero", SwarmId(0), "SwarmId(0x0000000000000000)".into()),
        ("small", SwarmId(0x1f), "SwarmId(0x000000000000001f)".into()),
        (
            "INVALID",
            SwarmId::INVALID,
            "SwarmId(0xffffffffffffffff)".into(),
        ),
        (
            "high",
            SwarmId(1 << 63),
            "SwarmId(0x8000000000000000)".into(),
        ),
    ];
    run_cases(&cases, |id| format!("{id:?}"));

    // SwarmMap prints how many swarms, not the ids.
    let map = SwarmMap::new([SwarmId(0x1234_5678), SwarmId(2), SwarmId::INVALID]);
    assert_eq!(format!("{map:?}"), "SwarmMap { swarms: 2 }");
    assert_eq!(
        format!("{:?}", SwarmMap::default()),
        "SwarmMap { swarms: 0 }"
    );
    assert!(!format!("{map:#?}").contains("12345678"));

    // ServiceNode: the first four key bytes, an ellipsis, then the address and swarm.
    let key = Identity::from_seed(&[0x21; 32]).ed25519_public();
    let node =
        ServiceNode::new(key, Ipv4Addr::new(10, 1, 2, 3), 443, 22020, SwarmId(0x1f)).unwrap();
    let short = hex(&key.as_bytes()[..4]);
    assert_eq!(
        format!("{node:?}"),
        format!(
            "ServiceNode {{ ed25519: {short}…, ip: 10.1.2.3, https_port: Some(443), \
             quic_port: Some(22020), swarm: SwarmId(0x000000000000001f) }}"
        )
    );
    // A port the node list did not give is `None`.
    let quic_only = node
        .clone()
        .with_address(Ipv4Addr::new(10, 1, 2, 3), 0, 22020);
    assert!(format!("{quic_only:?}").contains("https_port: None, quic_port: Some(22020)"));
    assert!(!format!("{node:?}").contains(&hex(&key.as_bytes()[4..8])));

    // NodePool: counts only.
    let other = Identity::from_seed(&[0x22; 32]).ed25519_public();
    let outsider = Identity::from_seed(&[0x23; 32]).ed25519_public();
    let mut pool = NodePool::new([
        node.clone(),
        ServiceNode::new(other, Ipv4Addr::new(10, 9, 9, 9), 443, 22020, SwarmId(0x1f)).unwrap(),
        ServiceNode::new(
            outsider,
            Ipv4Addr::new(10, 8, 8, 8),
            443,
            22020,
            SwarmId::INVALID,
        )
        .unwrap(),
    ]);
    assert_eq!(
        format!("{pool:?}"),
        "NodePool { nodes: 3, swarms: 1, failing: 0 }"
    );
    pool.record_failure(&other);
    pool.record_failure(&other);
    assert_eq!(
        format!("{pool:?}"),
        "NodePool { nodes: 3, swarms: 1, failing: 1 }"
    );
    assert_eq!(
        format!("{:?}", NodePool::new([])),
        "NodePool { nodes: 0, swarms: 0, failing: 0 }"
    );
}

// ---------------------------------------------------------------------------------------------
// The shared helpers in tests/common.

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("should panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap()
}

#[test]
fn run_cases_reports_every_failing_case_by_name() {
    let cases = [
        ("two", 2, 4),
        ("three, wrong", 3, 10),
        ("four", 4, 8),
        ("five, wrong", 5, 11),
    ];
    let msg = panic_message(|| run_cases(&cases, |n| n * 2));
    assert!(msg.starts_with("2 of 4 cases failed:"), "{msg}");
    assert!(msg.contains("three, wrong: got 6, want 10"), "{msg}");
    assert!(msg.contains("five, wrong: got 10, want 11"), "{msg}");
    assert!(!msg.contains("two:") && !msg.contains("four:"), "{msg}");
    // Every case runs, even after a failure.
    let mut seen = Vec::new();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_cases(&cases, |n| {
            seen.push(*n);
            0
        });
    }));
    assert_eq!(seen, [2, 3, 4, 5]);
    // All passing: no panic.
    run_cases(&[("a", 1, 2), ("b", 2, 3)], |n| n + 1);
}

#[test]
fn run_cases_refuses_duplicate_names_and_empty_tables() {
    let msg = panic_message(|| run_cases(&[("same", 1, 1), ("same", 2, 2)], |n| *n));
    assert!(msg.contains("duplicate case name \"same\""), "{msg}");
    let empty: [(&str, u8, u8); 0] = [];
    let msg = panic_message(|| run_cases(&empty, |n| *n));
    assert!(msg.contains("empty case table"), "{msg}");
}

#[test]
fn suite_collects_every_mismatch_across_categories() {
    let mut s = Suite::default();
    s.eq("a", "ok", 1, 1);
    s.eq("a", "bad", 1, 2);
    s.table(
        "b",
        vec![("short", vec![1], 1usize), ("long", vec![1, 2], 9)],
        |i| Err(i.len()),
    );
    assert_eq!(s.counts.get("a"), Some(&2));
    assert_eq!(s.counts.get("b"), Some(&2));
    assert_eq!(
        s.failures,
        [
            "a / bad: got 1, want 2",
            "b / long: got Err(2), want Err(9)"
        ]
    );
    let msg = panic_message(move || {
        s.finish();
    });
    assert!(msg.starts_with("2 mismatches:"), "{msg}");
    let mut fine = Suite::default();
    fine.eq("c", "x", 'x', 'x');
    assert_eq!(fine.finish(), 1);
}

#[test]
fn hex_helpers_round_trip_and_refuse_bad_input() {
    assert_eq!(hex(&[]), "");
    assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    assert_eq!(unhex("000fA0fF"), [0x00, 0x0f, 0xa0, 0xff]);
    assert_eq!(unhex(""), Vec::<u8>::new());
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(unhex(&hex(&all)), all);
    assert_eq!(unhex_array::<2>("abcd"), [0xab, 0xcd]);
    for (bad, why) in [
        ("abc", "odd-length"),
        ("0g", "not a hex digit at 1"),
        ("+f", "not a hex digit at 0"),
        ("0é0", "not a hex digit at 1"),
        (" 0", "not a hex digit at 0"),
    ] {
        let msg = panic_message(|| {
            unhex(bad);
        });
        assert!(msg.contains(why), "{bad:?}: {msg}");
    }
    let msg = panic_message(|| {
        unhex_array::<3>("abcd");
    });
    assert!(msg.contains("want 3 bytes, hex has 2"), "{msg}");
}

#[test]
fn rng_is_seeded_and_deterministic() {
    let draw = |seed| {
        let mut b = [0u8; 16];
        rng(seed).fill_bytes(&mut b);
        b
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
    // The same stream as ChaCha20 seeded with 32 copies of the byte.
    use rand_chacha::rand_core::SeedableRng;
    let mut b = [0u8; 16];
    rand_chacha::ChaCha20Rng::from_seed([1; 32]).fill_bytes(&mut b);
    assert_eq!(draw(1), b);
}
