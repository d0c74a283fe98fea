//! The main demonstration: an in-memory Session network, end to end.
//!
//! ```text
//! cargo run --release --example network
//! cargo run --release --example network -- --nodes 600 --users 50 --messages 4 --seed 7
//! cargo run --release --example network -- --drop 0.02 --corrupt 0.02
//! ```
//!
//! Service nodes (default 1 500) are grouped into swarms (default 250). Users (default 200)
//! each store a signed profile in their own swarm, send messages to other users (a padded,
//! signed, sealed `Content` in an `Envelope`, stored through a 3-node onion path at a random
//! member of the recipient's swarm and replicated across it), then poll their swarm with a
//! signed `retrieve` through their own path and decode what they find. Every byte a node or
//! client handles goes through the crate; the "network" is function calls in `sim.rs`.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod sim;

fn usage() -> ExitCode {
    eprintln!(
        "usage: network [--nodes N] [--swarms N] [--users N] [--messages N] [--seed N] [--drop F] [--corrupt F] [--attempts N]"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<sim::Config> {
    let mut cfg = sim::Config::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.chunks(2);
    for pair in &mut it {
        let [flag, value] = pair else { return None };
        match flag.as_str() {
            "--nodes" => cfg.nodes = value.parse().ok()?,
            "--swarms" => cfg.swarms = value.parse().ok()?,
            "--users" => cfg.users = value.parse().ok()?,
            "--messages" => cfg.messages_per_user = value.parse().ok()?,
            "--seed" => cfg.seed = value.parse().ok()?,
            "--drop" => cfg.drop_rate = value.parse().ok()?,
            "--corrupt" => cfg.corrupt_rate = value.parse().ok()?,
            "--attempts" => cfg.attempts = value.parse().ok()?,
            _ => return None,
        }
    }
    (cfg.nodes >= 8 && cfg.users >= 2 && cfg.swarms >= 1 && cfg.attempts >= 1).then_some(cfg)
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} us")
    }
}

fn main() -> ExitCode {
    let Some(cfg) = parse_args() else {
        return usage();
    };
    let started = Instant::now();
    println!(
        "building a network of {} service nodes in {} swarms, {} users, {} messages each (seed {})",
        cfg.nodes, cfg.swarms, cfg.users, cfg.messages_per_user, cfg.seed
    );
    let mut net = sim::Network::new(cfg.clone());
    let (dropping, corrupting) = net.faulty_nodes();
    println!(
        "{} swarms in use; {dropping} nodes drop and {corrupting} corrupt what they relay ({:.1?} to set up)\n",
        net.swarm_count(),
        started.elapsed()
    );

    let mut last = Instant::now();
    let expected = net.run(|done, total| {
        if last.elapsed() > Duration::from_millis(200) || done == total {
            last = Instant::now();
            let width = 40;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} requests",
                "=".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        }
    });
    eprintln!();

    let s = &net.stats;
    println!(
        "\nmessages sent {}, stored {}, delivered {}, delivered intact with the right sender {}, wrong {}",
        s.sent,
        expected.len(),
        s.delivered,
        s.intact,
        s.wrong
    );
    if s.failures.is_empty() {
        println!("failures: none");
    } else {
        println!("failures:");
        for (why, n) in &s.failures {
            println!("  {n:>6}  {why}");
        }
    }
    if !s.errors_caught.is_empty() {
        println!(
            "errors caught (each followed by a retry on a fresh path, {} retries in all):",
            s.retries
        );
        for (why, n) in &s.errors_caught {
            println!("  {n:>6}  {why}");
        }
    }

    println!("\ncost per operation (this machine, this run):");
    println!(
        "  {:<24} {:>8} {:>10} {:>10}",
        "operation", "count", "mean", "p99"
    );
    for (op, times) in &s.costs {
        let mut sorted = times.clone();
        sorted.sort();
        let mean = sorted.iter().sum::<Duration>()
            / u32::try_from(sorted.len().max(1)).unwrap_or(u32::MAX);
        let p99 = sorted
            .get((sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default();
        println!(
            "  {op:<24} {:>8} {:>10} {:>10}",
            sorted.len(),
            fmt_dur(mean),
            fmt_dur(p99)
        );
    }

    println!("\nbytes on the wire, received at each position (mean over all requests):");
    for (hop, sizes) in &s.bytes_per_hop {
        let mean = sizes.iter().sum::<usize>() / sizes.len().max(1);
        println!("  {hop:<28} {mean:>8} bytes");
    }

    if let Some(sample) = &s.sample {
        println!("\nwhat each node on one message's path knew:");
        println!(
            "  {:<12} {:<10} {:<22} {:<12} {:<16} {:<18}",
            "role", "node", "received from", "sent to", "knows sender", "knows recipient"
        );
        for h in sample {
            println!(
                "  {:<12} {:<10} {:<22} {:<12} {:<16} {:<18}",
                h.role,
                h.node,
                h.from,
                h.to,
                if h.knows_sender { "yes (its IP)" } else { "no" },
                if h.knows_recipient {
                    "yes (Session ID)"
                } else {
                    "no"
                }
            );
        }
        let both = sample.iter().any(|h| h.knows_sender && h.knows_recipient);
        println!("  no node knew both sender and recipient: {}", !both);
    }
    println!("\ndone in {:.1?}", started.elapsed());
    // Nothing may ever arrive altered or from the wrong sender; without injected faults,
    // everything must arrive.
    let faults = dropping + corrupting > 0;
    let complete = s.intact == expected.len() && s.failures.is_empty();
    if s.wrong == 0 && (faults || complete) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
