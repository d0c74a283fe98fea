//! The examples' command lines: `--help` text, defaults, and an error naming the flag for every
//! bad value, unknown flag and missing value. The parsers live in `examples/args/` and are
//! included here exactly as the examples include them.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

#[path = "../examples/args/cli.rs"]
mod cli;
#[path = "../examples/args/group.rs"]
mod group;
#[path = "../examples/args/identity.rs"]
mod identity;
#[path = "../examples/args/message.rs"]
mod message;
#[path = "../examples/args/network.rs"]
mod network;
#[path = "../examples/args/onion_walk.rs"]
mod onion_walk;
// For the network's defaults.
#[path = "../examples/network/sim.rs"]
mod sim;

use cli::Parsed;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

/// The text after `(default ` that follows `flag`'s line in `usage`, up to `;` or `)`.
fn stated_default<'a>(usage: &'a str, flag: &str) -> &'a str {
    let at = usage
        .find(&format!("\n  {flag} "))
        .unwrap_or_else(|| panic!("{flag} is not in the help text"));
    let rest = &usage[at..];
    let start = rest.find("(default ").unwrap() + "(default ".len();
    let len = rest[start..].find([';', ')']).unwrap();
    &rest[start..start + len]
}

fn help_is_complete(usage: &str, flags: &[&str]) {
    assert!(
        !usage.starts_with("Usage"),
        "the help text starts with what the example does"
    );
    assert!(usage.contains("\nUsage: cargo run "));
    assert!(usage.contains("\n  -h, --help      print this help\n"));
    assert!(usage.contains("Exit status: "));
    for flag in flags {
        assert!(
            usage.contains(&format!("\n  {flag} ")),
            "{flag} is described"
        );
    }
    for line in usage.lines() {
        assert!(line.len() <= 100, "help line too long: {line}");
    }
}

#[test]
fn network_help() {
    let flags = [
        "--nodes",
        "--swarms",
        "--users",
        "--messages",
        "--seed",
        "--drop",
        "--corrupt",
        "--attempts",
    ];
    help_is_complete(network::USAGE, &flags);
    for help in ["--help", "-h", "--nodes 10 --help"] {
        assert_eq!(network::parse(&args(help)), Ok(Parsed::Help), "{help}");
    }
    // The defaults the help states are the parser's, and the simulation's.
    let d = network::Options::default();
    let stated = [
        ("--nodes", d.nodes.to_string()),
        ("--swarms", d.swarms.to_string()),
        ("--users", d.users.to_string()),
        ("--messages", d.messages.to_string()),
        ("--seed", d.seed.to_string()),
        ("--drop", d.drop.to_string()),
        ("--corrupt", d.corrupt.to_string()),
        ("--attempts", d.attempts.to_string()),
    ];
    for (flag, value) in stated {
        assert_eq!(stated_default(network::USAGE, flag), value, "{flag}");
    }
    let c = sim::Config::default();
    assert_eq!(
        (c.nodes, c.swarms, c.users, c.messages_per_user, c.seed),
        (d.nodes, d.swarms, d.users, d.messages, d.seed)
    );
    assert_eq!(
        (c.drop_rate, c.corrupt_rate, c.attempts),
        (d.drop, d.corrupt, d.attempts)
    );
    assert_eq!(network::parse(&[]), Ok(Parsed::Run(d)));
}

#[test]
fn network_accepts_every_flag_at_its_bounds() {
    let line = "--nodes 8 --swarms 100000 --users 2 --messages 0 --seed 18446744073709551615 \
                --drop 1 --corrupt 0.25 --attempts 20";
    assert_eq!(
        network::parse(&args(line)),
        Ok(Parsed::Run(network::Options {
            nodes: 8,
            swarms: 100_000,
            users: 2,
            messages: 0,
            seed: u64::MAX,
            drop: 1.0,
            corrupt: 0.25,
            attempts: 20,
        }))
    );
}

#[test]
fn network_errors_name_the_flag_and_the_problem() {
    let cases = [
        (
            "--drop 1.5",
            "--drop: expected a probability between 0 and 1, got 1.5",
        ),
        (
            "--drop NaN",
            "--drop: expected a probability between 0 and 1, got NaN",
        ),
        (
            "--corrupt -0.1",
            "--corrupt: expected a probability between 0 and 1, got -0.1",
        ),
        (
            "--nodes 7",
            "--nodes: expected a whole number from 8 to 100000, got 7",
        ),
        (
            "--nodes many",
            "--nodes: expected a whole number from 8 to 100000, got many",
        ),
        (
            "--swarms 0",
            "--swarms: expected a whole number from 1 to 100000, got 0",
        ),
        (
            "--users 1",
            "--users: expected a whole number from 2 to 100000, got 1",
        ),
        (
            "--messages 1001",
            "--messages: expected a whole number from 0 to 1000, got 1001",
        ),
        (
            "--seed -1",
            "--seed: expected a whole number from 0 to 18446744073709551615, got -1",
        ),
        (
            "--seed 18446744073709551616",
            "--seed: expected a whole number from 0 to 18446744073709551615, got 18446744073709551616",
        ),
        (
            "--attempts 0",
            "--attempts: expected a whole number from 1 to 20, got 0",
        ),
        (
            "--attempts 2.5",
            "--attempts: expected a whole number from 1 to 20, got 2.5",
        ),
        ("--seed", "--seed: missing value"),
        (
            "--nodes --users 5",
            "--nodes: missing value (found --users)",
        ),
        ("--node 50", "unknown argument --node"),
        ("50", "unknown argument 50"),
    ];
    for (line, error) in cases {
        assert_eq!(network::parse(&args(line)), Err(error.to_owned()), "{line}");
    }
}

#[test]
fn identity_command_line() {
    help_is_complete(
        identity::USAGE,
        &["--seed HEX", "--phrase WORDS", "--server HEX"],
    );
    assert_eq!(identity::parse(&args("-h")), Ok(Parsed::Help));
    let hex = "1d".repeat(32);
    assert_eq!(
        identity::parse(&args("")),
        Ok(Parsed::Run(identity::Options {
            source: identity::Source::Random,
            server: None,
        }))
    );
    assert_eq!(
        identity::parse(&args(&format!("--seed {hex} --server {hex}"))),
        Ok(Parsed::Run(identity::Options {
            source: identity::Source::Seed([0x1d; 32]),
            server: Some([0x1d; 32]),
        }))
    );
    // A phrase is one argument; its words are checked when the identity is restored.
    let phrase = vec!["--phrase".to_owned(), "three word phrase".to_owned()];
    assert_eq!(
        identity::parse(&phrase),
        Ok(Parsed::Run(identity::Options {
            source: identity::Source::Phrase("three word phrase".to_owned()),
            server: None,
        }))
    );
    let cases = [
        (
            "--seed 1d1d".to_owned(),
            "--seed: expected a 32-byte key as 64 hex characters: expected 64 hex characters, got 4",
        ),
        (
            format!("--server {}", "zz".repeat(32)),
            "--server: expected a 32-byte key as 64 hex characters: invalid hex character",
        ),
        (
            format!("--seed {hex} --phrase words"),
            "--seed and --phrase cannot be combined: give one",
        ),
        (
            format!("--phrase words --seed {hex}"),
            "--seed and --phrase cannot be combined: give one",
        ),
        ("--server".to_owned(), "--server: missing value"),
        (
            "--phrase --server".to_owned(),
            "--phrase: missing value (found --server)",
        ),
        ("--blinded".to_owned(), "unknown argument --blinded"),
    ];
    for (line, error) in cases {
        assert_eq!(
            identity::parse(&args(&line)),
            Err(error.to_owned()),
            "{line}"
        );
    }
}

#[test]
fn onion_walk_command_line() {
    help_is_complete(onion_walk::USAGE, &["--aes-gcm", "--seed N"]);
    assert_eq!(stated_default(onion_walk::USAGE, "--seed N"), "1");
    assert_eq!(onion_walk::parse(&args("--help")), Ok(Parsed::Help));
    assert_eq!(
        onion_walk::parse(&args("")),
        Ok(Parsed::Run(onion_walk::Options {
            aes_gcm: false,
            seed: 1,
        }))
    );
    assert_eq!(
        onion_walk::parse(&args("--seed 255 --aes-gcm")),
        Ok(Parsed::Run(onion_walk::Options {
            aes_gcm: true,
            seed: 255,
        }))
    );
    let cases = [
        (
            "--seed 256",
            "--seed: expected a whole number from 0 to 255, got 256",
        ),
        ("--seed", "--seed: missing value"),
        ("--aes", "unknown argument --aes"),
        ("--aes-gcm yes", "unknown argument yes"),
    ];
    for (line, error) in cases {
        assert_eq!(
            onion_walk::parse(&args(line)),
            Err(error.to_owned()),
            "{line}"
        );
    }
}

#[test]
fn message_command_line() {
    help_is_complete(message::USAGE, &["TEXT"]);
    assert!(message::USAGE.contains(&format!("(default: {:?})", message::DEFAULT_TEXT)));
    assert_eq!(message::parse(&args("-h")), Ok(Parsed::Help));
    assert_eq!(
        message::parse(&[]),
        Ok(Parsed::Run(message::DEFAULT_TEXT.to_owned()))
    );
    assert_eq!(
        message::parse(&["hi Bob".to_owned()]),
        Ok(Parsed::Run("hi Bob".to_owned()))
    );
    // After `--`, a text may start with `-` (even be `--help`).
    assert_eq!(
        message::parse(&args("-- --help")),
        Ok(Parsed::Run("--help".to_owned()))
    );
    let cases = [
        ("--text hi", "unknown argument --text"),
        (
            "hi Bob",
            "TEXT: expected one argument (quote a text with spaces), got a second: Bob",
        ),
    ];
    for (line, error) in cases {
        assert_eq!(message::parse(&args(line)), Err(error.to_owned()), "{line}");
    }
}

#[test]
fn group_command_line() {
    help_is_complete(group::USAGE, &[]);
    assert_eq!(group::parse(&[]), Ok(Parsed::Run(())));
    assert_eq!(group::parse(&args("--help")), Ok(Parsed::Help));
    assert_eq!(group::parse(&args("-h")), Ok(Parsed::Help));
    assert!(
        group::parse(&args("--nodes 3"))
            .unwrap_err()
            .contains("--nodes")
    );
    assert!(group::parse(&args("extra")).unwrap_err().contains("extra"));
}
