//! Flag parsing shared by the examples: `--flag value` pairs, each checked on its own.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddrV4;

use session_protocol::{Identity, SessionId, parse_hex_key};
use zeroize::Zeroizing;

/// Prints `help` and exits 0 on `-h`/`--help`; otherwise returns the `--flag value` pairs, or
/// exits 2 naming a flag without a value or one not in `known`.
pub fn pairs(help: &str, known: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{help}");
            std::process::exit(0);
        }
        if !known.contains(&flag.as_str()) {
            fail(&format!("unknown option '{flag}' (try --help)"));
        }
        match args.next() {
            Some(v) => out.push((flag, v)),
            None => fail(&format!("{flag} needs a value")),
        }
    }
    out
}

/// Exits with status 2 and `why`.
pub fn fail(why: &str) -> ! {
    eprintln!("error: {why}");
    std::process::exit(2)
}

/// The value of `flag`, if given.
pub fn get<'a>(pairs: &'a [(String, String)], flag: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(f, _)| f == flag)
        .map(|(_, v)| v.as_str())
}

/// `--seed HOST:PORT`, required.
pub fn seed(pairs: &[(String, String)]) -> SocketAddrV4 {
    let Some(v) = get(pairs, "--seed") else {
        fail("--seed is required: the seed node address session-testnet printed")
    };
    v.parse()
        .unwrap_or_else(|_| fail(&format!("--seed: '{v}' is not an IPv4 address and port")))
}

/// The account: its 32-byte seed as 64 hex digits from the file `--key-file PATH` or the
/// environment variable `SESSION_KEY` (never the command line, which other users of the
/// machine can read), or a fresh random account. The seed is wiped from memory after use.
pub fn identity(pairs: &[(String, String)]) -> Identity {
    let hex = match (get(pairs, "--key-file"), std::env::var("SESSION_KEY")) {
        (Some(path), _) => match std::fs::read_to_string(path) {
            Ok(text) => Some(("--key-file", Zeroizing::new(text))),
            Err(e) => fail(&format!("--key-file: cannot read '{path}': {e}")),
        },
        (None, Ok(text)) => Some(("SESSION_KEY", Zeroizing::new(text))),
        (None, Err(_)) => None,
    };
    let mut seed = Zeroizing::new([0u8; 32]);
    match hex {
        Some((source, text)) => match parse_hex_key(text.trim()) {
            Ok(s) => *seed = s,
            Err(e) => fail(&format!("{source}: {e} (64 hex digits expected)")),
        },
        None => session_protocol::rand_core::Rng::fill_bytes(
            &mut session_protocol::rng::os_rng(),
            seed.as_mut_slice(),
        ),
    }
    Identity::from_seed(&seed)
}

/// `--to SESSION_ID`, required.
pub fn session_id(pairs: &[(String, String)], flag: &str) -> SessionId {
    let Some(v) = get(pairs, flag) else {
        fail(&format!("{flag} is required"))
    };
    v.parse()
        .unwrap_or_else(|e| fail(&format!("{flag}: '{v}' is not a Session ID ({e})")))
}

/// A whole number of seconds.
pub fn seconds(pairs: &[(String, String)], flag: &str, default: u64) -> u64 {
    get(pairs, flag).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| fail(&format!("{flag}: '{v}' is not a whole number of seconds")))
    })
}
