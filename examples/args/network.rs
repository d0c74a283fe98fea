//! The network example's command line (`examples/network/main.rs`).

use crate::cli::{Args, Parsed, is_help, probability, unknown, whole};

/// `--help` for the network example.
pub(crate) const USAGE: &str = "\
Runs an in-memory Session network end to end: service nodes grouped into swarms and a seed node,
and users who each run the crate's sans-io client: they bootstrap from the seed, store signed
profiles in their swarms, send each other messages through 3-node onion paths and poll their
swarms for them. Every byte is built and checked by session-protocol (the clients' requests,
the nodes' peeling and storage handlers); the network is function calls. Prints delivery and
fault accounting, what each node on one message's path knew, per-call costs and packet sizes.

Usage: cargo run --release --example network -- [OPTIONS]

Options:
  --nodes N       service nodes (default 1500; 8 to 100000)
  --swarms N      swarms the nodes are grouped into (default 250; 1 to 100000)
  --users N       users, each a client with an identity and a profile (default 200; 2 to 100000)
  --messages N    messages each user sends to other users (default 3; 0 to 1000)
  --seed N        seed of every random choice: the same seed gives the same run
                  (default 1; 0 to 18446744073709551615)
  --drop F        fraction of nodes that drop about half the packets they handle
                  (default 0; 0 to 1)
  --corrupt F     fraction of nodes that flip a bit in about half the packets they handle
                  (default 0; 0 to 1)
  --attempts N    attempts per request before the client gives up; it retries on a fresh
                  path, avoiding the nodes it blamed (default 3; 1 to 20)
  -h, --help      print this help

Exit status: 0 when nothing arrived altered or from the wrong sender, every error is explained
by an injected fault, no node knew both ends of a message and, without injected faults, every
message arrived; 1 otherwise; 2 for a bad command line.
";

/// The network's size, seed and faults.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    pub(crate) nodes: usize,
    pub(crate) swarms: usize,
    pub(crate) users: usize,
    pub(crate) messages: usize,
    pub(crate) seed: u64,
    pub(crate) drop: f64,
    pub(crate) corrupt: f64,
    pub(crate) attempts: usize,
}

impl Default for Options {
    /// The defaults [`USAGE`] states.
    fn default() -> Self {
        Self {
            nodes: 1500,
            swarms: 250,
            users: 200,
            messages: 3,
            seed: 1,
            drop: 0.0,
            corrupt: 0.0,
            attempts: 3,
        }
    }
}

/// Reads the arguments after the program name.
pub(crate) fn parse(args: &[String]) -> Result<Parsed<Options>, String> {
    let mut o = Options::default();
    let mut args = Args::new(args);
    while let Some(flag) = args.next_arg() {
        if is_help(flag) {
            return Ok(Parsed::Help);
        }
        match flag {
            "--nodes" => o.nodes = whole(flag, args.value(flag)?, 8, 100_000)?,
            "--swarms" => o.swarms = whole(flag, args.value(flag)?, 1, 100_000)?,
            "--users" => o.users = whole(flag, args.value(flag)?, 2, 100_000)?,
            "--messages" => o.messages = whole(flag, args.value(flag)?, 0, 1000)?,
            "--seed" => o.seed = whole(flag, args.value(flag)?, 0, u64::MAX)?,
            "--drop" => o.drop = probability(flag, args.value(flag)?)?,
            "--corrupt" => o.corrupt = probability(flag, args.value(flag)?)?,
            "--attempts" => o.attempts = whole(flag, args.value(flag)?, 1, 20)?,
            other => return Err(unknown(other)),
        }
    }
    Ok(Parsed::Run(o))
}
