//! Replays `tests/fuzz/corpus/<target>/*` and `tests/fuzz/regressions/<target>/*` through the
//! entry points each fuzz target exercises, asserting the same invariants without a fuzzing
//! engine. Every target's body lives in `tests/fuzz/bodies/<target>.rs`, which the fuzz target
//! (`fuzz/fuzz_targets/<target>.rs` in the repository) and this test both include, so the replay
//! is exactly what the fuzzer ran. Everything it reads is inside the published crate; the
//! cross-check against the fuzz crate itself runs only where `fuzz/` exists (the repository).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;

#[path = "fuzz/bodies/blinded_decrypt.rs"]
mod blinded_decrypt;
#[path = "fuzz/bodies/config_message.rs"]
mod config_message;
#[path = "fuzz/bodies/envelope_decode.rs"]
mod envelope_decode;
#[path = "fuzz/bodies/envelope_decrypt.rs"]
mod envelope_decrypt;
#[path = "fuzz/bodies/group_decrypt.rs"]
mod group_decrypt;
#[path = "fuzz/bodies/keys_parse.rs"]
mod keys_parse;
#[path = "fuzz/bodies/mnemonic_decode.rs"]
mod mnemonic_decode;
#[path = "fuzz/bodies/node_list_decode.rs"]
mod node_list_decode;
#[path = "fuzz/bodies/onion_entry.rs"]
mod onion_entry;
#[path = "fuzz/bodies/onion_peel.rs"]
mod onion_peel;
#[path = "fuzz/bodies/onion_relay.rs"]
mod onion_relay;
#[path = "fuzz/bodies/onion_response.rs"]
mod onion_response;
#[path = "fuzz/bodies/onion_server.rs"]
mod onion_server;
#[path = "fuzz/bodies/session_id_str.rs"]
mod session_id_str;
#[path = "fuzz/bodies/small_formats.rs"]
mod small_formats;
#[path = "fuzz/bodies/storage_answers.rs"]
mod storage_answers;

/// Every fuzz target (`fuzz/fuzz_targets/<name>.rs`, body in `tests/fuzz/bodies/<name>.rs`) and
/// its replay.
const TARGETS: &[&str] = &[
    "session_id_str",
    "mnemonic_decode",
    "node_list_decode",
    "onion_entry",
    "onion_peel",
    "onion_relay",
    "onion_response",
    "envelope_decrypt",
    "envelope_decode",
    "onion_server",
    "small_formats",
    "keys_parse",
    "blinded_decrypt",
    "group_decrypt",
    "storage_answers",
    "config_message",
];

fn replay(target: &str, data: &[u8]) {
    match target {
        "session_id_str" => session_id_str::run(data),
        "mnemonic_decode" => mnemonic_decode::run(data),
        "node_list_decode" => node_list_decode::run(data),
        "onion_entry" => onion_entry::run(data),
        "onion_peel" => onion_peel::run(data),
        "onion_relay" => onion_relay::run(data),
        "onion_response" => onion_response::run(data),
        "envelope_decrypt" => envelope_decrypt::run(data),
        "envelope_decode" => envelope_decode::run(data),
        "onion_server" => onion_server::run(data),
        "small_formats" => small_formats::run(data),
        "keys_parse" => keys_parse::run(data),
        "blinded_decrypt" => blinded_decrypt::run(data),
        "group_decrypt" => group_decrypt::run(data),
        "storage_answers" => storage_answers::run(data),
        "config_message" => config_message::run(data),
        other => panic!("no replay for fuzz target {other}: add it here"),
    }
}

#[test]
fn replay_corpora_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(targets) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        for target in targets.flatten().filter(|e| e.path().is_dir()) {
            let name = target.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(target.path()).unwrap().flatten() {
                let data = std::fs::read(file.path()).unwrap();
                replay(&name, &data);
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 20,
        "the seed corpora were found ({replayed} files)"
    );
}

#[test]
fn every_fuzz_target_has_a_replay_and_a_seed_corpus() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("tests/fuzz");
    let rs_stems = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".rs").map(str::to_owned)
            })
            .collect();
        names.sort();
        names
    };
    let mut known: Vec<String> = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    known.sort();
    assert_eq!(
        rs_stems(&root.join("bodies")),
        known,
        "tests/fuzz/bodies/ and TARGETS disagree"
    );
    // The fuzz crate is not part of the published package; check it where it exists.
    let fuzz = manifest_dir.join("fuzz");
    if fuzz.join("Cargo.toml").is_file() {
        assert_eq!(
            rs_stems(&fuzz.join("fuzz_targets")),
            known,
            "fuzz/fuzz_targets/ and TARGETS disagree"
        );
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        for t in TARGETS {
            assert!(
                manifest.contains(&format!("name = \"{t}\"\npath = \"fuzz_targets/{t}.rs\"")),
                "{t} has no [[bin]] entry in fuzz/Cargo.toml"
            );
        }
    }
    for t in TARGETS {
        let seeds = std::fs::read_dir(root.join("corpus").join(t))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(seeds > 0, "{t} has no seed corpus");
        // Short inputs take every early exit.
        for data in [&b""[..], &[0], &[1], &[0xff; 7]] {
            replay(t, data);
        }
    }
}
