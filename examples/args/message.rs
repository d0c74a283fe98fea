//! The message example's command line (`examples/message.rs`).

use crate::cli::{Args, Parsed, is_help, unknown};

/// `--help` for the message example.
pub(crate) const USAGE: &str = "\
Alice encodes a text message for Bob's Session ID (padded, signed, sealed and wrapped as the
clients store it in his swarm); Bob decodes it and sees Alice's Session ID. Prints both ids, the
stored bytes' size and hash, and what Bob read.

Usage: cargo run --example message -- [TEXT]

Arguments:
  TEXT            the message (default: \"Hello Bob, it's Alice.\"); put -- before a text that
                  starts with -
Options:
  -h, --help      print this help

Exit status: 0 on success, 1 if encoding or decoding fails, 2 for a bad command line.
";

/// The text Alice sends when none is given.
pub(crate) const DEFAULT_TEXT: &str = "Hello Bob, it's Alice.";

/// Reads the arguments after the program name: the text to send.
pub(crate) fn parse(args: &[String]) -> Result<Parsed<String>, String> {
    let mut text = None;
    let mut flags_done = false;
    let mut args = Args::new(args);
    while let Some(arg) = args.next_arg() {
        if !flags_done && is_help(arg) {
            return Ok(Parsed::Help);
        }
        if !flags_done && arg == "--" {
            flags_done = true;
        } else if !flags_done && arg.starts_with('-') {
            return Err(unknown(arg));
        } else if text.is_some() {
            return Err(format!(
                "TEXT: expected one argument (quote a text with spaces), got a second: {arg}"
            ));
        } else {
            text = Some(arg.to_owned());
        }
    }
    Ok(Parsed::Run(text.unwrap_or_else(|| DEFAULT_TEXT.to_owned())))
}
