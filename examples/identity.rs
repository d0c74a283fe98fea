//! Derive a Session identity and print what a user sees of it.
//!
//! ```text
//! cargo run --example identity                          # a new identity (OS randomness)
//! cargo run --example identity -- --seed <64 hex>       # the identity of a given seed
//! cargo run --example identity -- --phrase "<13 words>" # restore from a recovery phrase
//! cargo run --example identity -- --server <64 hex>     # also show its community-blinded ids
//! ```
//!
//! All randomness comes from here, never from inside the crate: the library is sans-io.

use std::process::ExitCode;

use session_protocol::rand_core::UnwrapErr;
use session_protocol::{Blinding, Identity, blind15_ids, parse_hex_key};

fn usage() -> ExitCode {
    eprintln!("usage: identity [--seed HEX64 | --phrase \"WORDS\"] [--server HEX64]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = None;
    let mut phrase = None;
    let mut server = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let Some(value) = it.next() else {
            return usage();
        };
        match flag.as_str() {
            "--seed" => seed = Some(value.clone()),
            "--phrase" => phrase = Some(value.clone()),
            "--server" => server = Some(value.clone()),
            _ => return usage(),
        }
    }

    let me = match (seed, phrase) {
        (Some(hex), None) => match parse_hex_key(&hex) {
            Ok(seed) => Identity::from_seed(&seed),
            Err(e) => {
                eprintln!("--seed: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(words)) => match Identity::from_mnemonic(&words) {
            Ok(me) => me,
            Err(e) => {
                eprintln!("--phrase: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => Identity::generate(&mut UnwrapErr(getrandom::SysRng)),
        (Some(_), Some(_)) => return usage(),
    };

    println!("Session ID       {}", me.session_id());
    println!("Ed25519 public   {}", hex(me.ed25519_public().as_bytes()));
    println!("Recovery phrase  {}", &*me.mnemonic());

    if let Some(server) = server {
        let server = match parse_hex_key(&server) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("--server: {e}");
                return ExitCode::from(2);
            }
        };
        for (label, scheme) in [("15", Blinding::Blind15), ("25", Blinding::Blind25)] {
            match me.blinded_keypair(scheme, &server) {
                Ok(kp) => println!("Blinded id ({label})  {}", kp.id()),
                Err(e) => eprintln!("blinding {label}: {e}"),
            }
        }
        // What the server can compute from the Session ID alone (15: two candidates).
        if let Ok([a, b]) = blind15_ids(&me.session_id(), &server) {
            println!("15 candidates     {a}\n                 {b}");
        }
    }
    ExitCode::SUCCESS
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
