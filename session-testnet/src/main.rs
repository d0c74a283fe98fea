//! `session-testnet`: starts a local Session network on loopback and prints its seed node.
//!
//! ```text
//! cargo run -p session-testnet -- --nodes 30
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use session_testnet::{Config, Stats, Testnet};

const HELP: &str = "\
session-testnet: a local Session network on loopback addresses

USAGE:
    session-testnet [OPTIONS]

OPTIONS:
    --nodes N         service nodes (default 30; at most 65024)
    --swarm-size N    nodes per swarm (default 5)
    --db PATH         keep messages in this SQLite file (default: in memory)
    --key-seed N      derive the nodes' keys from N (the same keys every run)
    --seed-port P     the seed node's port on 127.0.0.1 (default: any free port)
    --for SECONDS     stop after this long (default: run until Ctrl-C)
    -h, --help        this text

Clients bootstrap from the printed seed address (POST /json_rpc get_n_service_nodes) and
send onion requests to the nodes (POST /onion_req/v2); see the session-client examples.";

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse()
        .map_err(|_| format!("{flag}: '{v}' is not a valid value"))
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<(Config, Option<Duration>)>, String> {
    let mut config = Config::default();
    let mut run_for = None;
    let mut args = args;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--nodes" => {
                config.nodes = value(&flag, args.next())?;
                if !(1..=session_testnet::MAX_NODES).contains(&config.nodes) {
                    return Err(format!(
                        "--nodes: between 1 and {}",
                        session_testnet::MAX_NODES
                    ));
                }
            }
            "--swarm-size" => {
                config.swarm_size = value(&flag, args.next())?;
                if config.swarm_size == 0 {
                    return Err("--swarm-size: at least 1".into());
                }
            }
            "--db" => config.db = Some(PathBuf::from(value::<String>(&flag, args.next())?)),
            "--key-seed" => config.key_seed = Some(value(&flag, args.next())?),
            "--seed-port" => config.seed_port = value(&flag, args.next())?,
            "--for" => run_for = Some(Duration::from_secs(value(&flag, args.next())?)),
            other => return Err(format!("unknown option '{other}' (try --help)")),
        }
    }
    Ok(Some((config, run_for)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (config, run_for) = match parse(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("session-testnet: {e}");
            return ExitCode::from(2);
        }
    };
    let nodes = config.nodes;
    let db = config.db.clone();
    let net = match Testnet::start(config).await {
        Ok(net) => net,
        Err(e) => {
            eprintln!("session-testnet: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("seed node: {}", net.seed());
    println!(
        "{nodes} service nodes on 127.1.0.1 onwards, messages {}",
        db.map_or("in memory".to_owned(), |p| format!("in {}", p.display()))
    );
    match run_for {
        Some(d) => tokio::time::sleep(d).await,
        None => {
            println!("Ctrl-C stops it.");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    let s = net.stats();
    println!(
        "served: {} onion requests, {} relays, {} storage RPCs, {} messages stored, {} refused, {} seed answers",
        Stats::get(&s.onion_requests),
        Stats::get(&s.relayed),
        Stats::get(&s.rpcs),
        Stats::get(&s.stored),
        Stats::get(&s.refused),
        Stats::get(&s.seed_requests),
    );
    net.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(s: &str) -> impl Iterator<Item = String> {
        s.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags_parse_and_bad_values_name_the_flag() {
        let (c, d) = parse(args(
            "--nodes 12 --swarm-size 3 --db x.db --key-seed 7 --seed-port 9 --for 2",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.nodes, c.swarm_size, c.key_seed, c.seed_port),
            (12, 3, Some(7), 9)
        );
        assert_eq!(c.db, Some(PathBuf::from("x.db")));
        assert_eq!(d, Some(Duration::from_secs(2)));
        assert!(parse(args("--help")).unwrap().is_none());
        assert_eq!(parse(args("--nodes")).unwrap_err(), "--nodes needs a value");
        assert_eq!(
            parse(args("--nodes x")).unwrap_err(),
            "--nodes: 'x' is not a valid value"
        );
        assert_eq!(
            parse(args("--nodes 0")).unwrap_err(),
            "--nodes: between 1 and 65024"
        );
        assert_eq!(
            parse(args("--swarm-size 0")).unwrap_err(),
            "--swarm-size: at least 1"
        );
        assert_eq!(
            parse(args("--what")).unwrap_err(),
            "unknown option '--what' (try --help)"
        );
    }
}
