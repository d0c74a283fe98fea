//! The identity example's command line (`examples/identity.rs`).

use session_protocol::parse_hex_key;

use crate::cli::{Args, Parsed, is_help, unknown};

/// `--help` for the identity example.
pub(crate) const USAGE: &str = "\
Derives a Session identity and prints its Session ID, Ed25519 public key and recovery phrase,
and with --server its community-blinded ids. All randomness comes from the example,
never from inside the crate.

Usage: cargo run --example identity -- [--seed HEX | --phrase WORDS] [--server HEX]

Options:
  --seed HEX      the identity of this 32-byte seed, as 64 hex characters
                  (default: a new identity from the operating system's randomness)
  --phrase WORDS  restore the identity of a recovery phrase of 13 or 25 words
                  (one argument: quote it)
  --server HEX    also print the blinded ids on the community server with this 32-byte
                  public key, as 64 hex characters (default: none)
  -h, --help      print this help

--seed and --phrase cannot be combined. Exit status: 0 on success, 2 for a bad command line.
";

/// Where the identity comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Source {
    /// A new identity from the operating system's randomness.
    Random,
    /// `--seed`.
    Seed([u8; 32]),
    /// `--phrase` (checked when the identity is restored).
    Phrase(String),
}

/// The identity to derive and the community server, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    pub(crate) source: Source,
    pub(crate) server: Option<[u8; 32]>,
}

fn key(flag: &str, value: &str) -> Result<[u8; 32], String> {
    // The value is not echoed: a seed is a secret.
    parse_hex_key(value)
        .map_err(|e| format!("{flag}: expected a 32-byte key as 64 hex characters: {e}"))
}

/// Reads the arguments after the program name.
pub(crate) fn parse(args: &[String]) -> Result<Parsed<Options>, String> {
    let mut source = Source::Random;
    let mut server = None;
    let mut args = Args::new(args);
    while let Some(flag) = args.next_arg() {
        if is_help(flag) {
            return Ok(Parsed::Help);
        }
        let new_source = match flag {
            "--seed" => Source::Seed(key(flag, args.value(flag)?)?),
            "--phrase" => Source::Phrase(args.value(flag)?.to_owned()),
            "--server" => {
                server = Some(key(flag, args.value(flag)?)?);
                continue;
            }
            other => return Err(unknown(other)),
        };
        if let (Source::Seed(_), Source::Phrase(_)) | (Source::Phrase(_), Source::Seed(_)) =
            (&source, &new_source)
        {
            return Err("--seed and --phrase cannot be combined: give one".to_owned());
        }
        source = new_source;
    }
    Ok(Parsed::Run(Options { source, server }))
}
