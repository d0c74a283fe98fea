//! Derive a Session identity and print what a user sees of it.
//!
//! ```text
//! cargo run --example identity                          # a new identity (OS randomness)
//! cargo run --example identity -- --seed <64 hex>       # the identity of a given seed
//! cargo run --example identity -- --phrase "<13 words>" # restore from a recovery phrase
//! cargo run --example identity -- --server <64 hex>     # also show its community-blinded ids
//! cargo run --example identity -- --help
//! ```
//!
//! All randomness comes from here, never from inside the crate: the library is sans-io.

use std::process::ExitCode;

use session_protocol::rand_core::UnwrapErr;
use session_protocol::{Blinding, Identity, blind15_ids};

#[path = "args/identity.rs"]
mod args;
#[path = "args/cli.rs"]
mod cli;

use args::Source;

fn main() -> ExitCode {
    let options = match cli::options_or_exit(args::USAGE, args::parse(&cli::env_args())) {
        Ok(options) => options,
        Err(code) => return code,
    };

    let me = match options.source {
        Source::Seed(seed) => Identity::from_seed(&seed),
        Source::Phrase(words) => match Identity::from_mnemonic(&words) {
            Ok(me) => me,
            Err(e) => {
                eprintln!("error: --phrase: {e}\n(run with --help for usage)");
                return ExitCode::from(2);
            }
        },
        Source::Random => Identity::generate(&mut UnwrapErr(getrandom::SysRng)),
    };

    println!("Session ID       {}", me.session_id());
    println!("Ed25519 public   {}", hex(me.ed25519_public().as_bytes()));
    println!("Recovery phrase  {}", &*me.mnemonic());

    if let Some(server) = options.server {
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
