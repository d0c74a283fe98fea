//! The onion_walk example's command line (`examples/onion_walk.rs`).

use crate::cli::{Args, Parsed, is_help, unknown, whole};

/// `--help` for the onion_walk example.
pub(crate) const USAGE: &str = "\
Builds an onion request for a destination node and walks it through three in-memory service
nodes, printing what each hop learned (only its predecessor and successor), then opens the
destination's answer on the client.

Usage: cargo run --example onion_walk -- [--aes-gcm] [--seed N]

Options:
  --aes-gcm       encrypt the layers with AES-256-GCM (default: XChaCha20-Poly1305)
  --seed N        seed of the nodes' keys and of the client's randomness (default 1; 0 to 255)
  -h, --help      print this help

Exit status: 0 on success, 1 if the walk fails, 2 for a bad command line.
";

/// The layers' cipher and the seed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    pub(crate) aes_gcm: bool,
    pub(crate) seed: u8,
}

/// Reads the arguments after the program name.
pub(crate) fn parse(args: &[String]) -> Result<Parsed<Options>, String> {
    let mut o = Options {
        aes_gcm: false,
        seed: 1,
    };
    let mut args = Args::new(args);
    while let Some(flag) = args.next_arg() {
        if is_help(flag) {
            return Ok(Parsed::Help);
        }
        match flag {
            "--aes-gcm" => o.aes_gcm = true,
            "--seed" => o.seed = whole(flag, args.value(flag)?, 0, u8::MAX)?,
            other => return Err(unknown(other)),
        }
    }
    Ok(Parsed::Run(o))
}
