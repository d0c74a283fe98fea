//! The main demonstration: an in-memory Session network, end to end, driven by the crate's
//! sans-io client.
//!
//! ```text
//! cargo run --release --example network
//! cargo run --release --example network -- --nodes 600 --users 50 --messages 4 --seed 7
//! cargo run --release --example network -- --drop 0.02 --corrupt 0.02
//! cargo run --release --example network -- --help
//! ```
//!
//! Service nodes (default 1 500) are grouped into swarms (default 250); a seed node lists them.
//! Users (default 200) are each a [`session_protocol::client::Client`]: it bootstraps its node
//! pool from the seed, stores a profile in its own swarm (`Client::store_own`, namespace 2,
//! signed by the owner as SPEC 6.3 requires), sends messages to other users
//! (`Client::send_message`: a padded, signed, sealed `Content` in an `Envelope`, stored through
//! a 3-node onion path at a member of the recipient's swarm, into the recipient's namespace 0,
//! a public inbox, unsigned as deployed clients send it) and polls its swarm (`Client::poll`, a
//! signed `retrieve` through its own path). The clients choose targets and paths, retry on
//! fresh ones and decode what they retrieve; deliveries and failures in the summary are their
//! events (`MessageStored`, `MessageReceived`, `MessageFailed`, `PollFailed`), matched to what
//! was sent.
//!
//! The nodes are real node-side handlers (`examples/support/memnet.rs`): each peels its layer
//! with the crate's node API and relays the packet; the destination runs the storage RPC the
//! request JSON names (`store`, `retrieve`, with signatures, clocks, swarms and TTLs checked)
//! and seals the answer, which travels back along the path. The "network" is function calls.
//!
//! The metadata table is observed, not asserted: for each node on the paths of message stores,
//! it reports whether the packet came from the sender's device address, and whether the
//! sender's or recipient's Session ID or keys appear anywhere in the bytes the node held (see
//! `observe.rs`).
//!
//! With `--drop`/`--corrupt`, that fraction of nodes misbehaves on about half the packets it
//! handles, as a relay (requests and replies) and as a destination; the summary accounts for
//! every injected fault: dropped (the client timed out or got a 504 and retried), caught (a
//! corrupted request refused by the next node, with its error; a corrupted reply rejected by
//! the client), harmless (a flip in `hop_no`, which travels in the clear and is not
//! authenticated), or overtaken (a corrupted reply dropped further back).

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[path = "../args/network.rs"]
mod args;
#[path = "../args/cli.rs"]
mod cli;
mod sim;

fn parse_args() -> Result<sim::Config, ExitCode> {
    let o = cli::options_or_exit(args::USAGE, args::parse(&cli::env_args()))?;
    Ok(sim::Config {
        nodes: o.nodes,
        swarms: o.swarms,
        users: o.users,
        messages_per_user: o.messages,
        seed: o.seed,
        drop_rate: o.drop,
        corrupt_rate: o.corrupt,
        attempts: o.attempts,
    })
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
    let cfg = match parse_args() {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let started = Instant::now();
    println!(
        "building a network of {} service nodes in {} swarms, {} users, {} messages each (seed {})",
        cfg.nodes, cfg.swarms, cfg.users, cfg.messages_per_user, cfg.seed
    );
    let mut net = sim::Network::new(cfg.clone());
    let (dropping, corrupting) = net.faulty_nodes();
    println!(
        "{} swarms in use; {dropping} nodes drop and {corrupting} corrupt about half the packets they\nhandle, as path nodes (requests and replies) and as destinations ({:.1?} to set up)\neach user is a sans-io client: bootstrap from the seed, store a profile, send, poll\n",
        net.swarm_count(),
        started.elapsed()
    );

    let mut last = Instant::now();
    let outcome = net.run(|done, total| {
        if last.elapsed() > Duration::from_millis(200) || done == total {
            last = Instant::now();
            let width = 40;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} operations",
                "=".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        }
    });
    eprintln!();
    let group = if cfg.users >= 4 {
        match net.run_group() {
            Ok(report) => Some(report),
            Err(e) => {
                eprintln!("group phase failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };

    let s = &net.stats;
    println!(
        "\nprofiles stored {} of {}; messages sent {}, stored {}, delivered {}, delivered intact with the right sender {}, wrong {}",
        s.profiles_stored, cfg.users, s.sent, s.acknowledged, s.delivered, s.intact, s.wrong
    );
    if s.delivered_unacknowledged > 0 {
        println!(
            "  ({} of those arrived although the sender's client gave up on them: the store took effect, every answer was lost)",
            s.delivered_unacknowledged
        );
    }
    println!(
        "\nstorage requests the destinations handled (retries included; SPEC 6.3 signs every namespace\nnot divisible by 10, and retrieves):"
    );
    for (kind, n) in &s.requests {
        println!("  {n:>6}  {kind}");
    }
    println!(
        "  namespace 0 is a public inbox: the server checks no signature there, and the only one it\n  could check is the recipient's, so senders (like the deployed clients) store unsigned."
    );
    if s.failures.is_empty() {
        println!("\nfailures the clients reported: none");
    } else {
        println!("\nfailures the clients reported (after all attempts):");
        for (why, n) in &s.failures {
            println!("  {n:>6}  {why}");
        }
    }
    if !s.attempt_errors.is_empty() {
        println!(
            "\nonion requests that failed, of {} sent (the clients retried on fresh paths and swarm members):",
            s.attempts
        );
        for (why, n) in &s.attempt_errors {
            println!("  {n:>6}  {why}");
        }
    }
    let f = &s.faults;
    if f.total() > 0 {
        println!("\nfaults injected: {}", f.total());
        for (kind, n) in &f.injected {
            println!("  {n:>6}  {kind}");
        }
        println!("what became of them:");
        println!(
            "  {:>6}  dropped (noticed as a timeout or a 504)",
            f.dropped
        );
        for (how, n) in &f.caught {
            println!("  {n:>6}  caught: {how}");
        }
        // Always shown: the one field no layer protects.
        let hop_no = f.harmless.get(sim::HARMLESS_HOP_NO).copied().unwrap_or(0);
        println!("  {hop_no:>6}  harmless: {}", sim::HARMLESS_HOP_NO);
        for (what, n) in f
            .harmless
            .iter()
            .filter(|(k, _)| **k != sim::HARMLESS_HOP_NO)
        {
            println!("  {n:>6}  harmless: {what}");
        }
        if f.overtaken > 0 {
            println!(
                "  {:>6}  corrupted reply dropped further back before anyone checked it",
                f.overtaken
            );
        }
        println!("  injected {} = accounted for {}", f.total(), f.accounted());
    }
    if !s.unexpected.is_empty() {
        println!("\nUNEXPECTED (no injected fault explains these):");
        for (why, n) in &s.unexpected {
            println!("  {n:>6}  {why}");
        }
    }

    println!("\ncost per call (this machine, this run):");
    println!(
        "  {:<28} {:>8} {:>10} {:>10}",
        "operation", "count", "mean", "p99"
    );
    for (op, times) in net.timings() {
        let mut sorted = times.clone();
        sorted.sort();
        let mean = sorted.iter().sum::<Duration>()
            / u32::try_from(sorted.len().max(1)).unwrap_or(u32::MAX);
        let p99 = sorted
            .get((sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default();
        println!(
            "  {op:<28} {:>8} {:>10} {:>10}",
            sorted.len(),
            fmt_dur(mean),
            fmt_dur(p99)
        );
    }

    println!("\nbytes on the wire (mean over all packets):");
    for (hop, (total, count)) in &s.bytes_per_hop {
        let mean = total / (*count).max(1);
        println!("  {hop:<46} {mean:>6} bytes");
    }

    let yes_no = |b: bool| if b { "yes" } else { "no" };
    if let Some(sample) = &s.sample {
        println!(
            "\nwhat each node on one message's path knew ({} at {} to {}; attempt {}), found in what it handled:",
            sample.sender,
            sample.sender_address,
            sample.recipient,
            sample.attempt + 1
        );
        println!(
            "  {:<12} {:<10} {:<14} {:<14} {:<14} {:<17} {:<16} {:<15}",
            "role",
            "node",
            "address",
            "received from",
            "sent to",
            "sender's address",
            "sender's key/ID",
            "recipient's ID"
        );
        for h in &sample.hops {
            println!(
                "  {:<12} {:<10} {:<14} {:<14} {:<14} {:<17} {:<16} {:<15}",
                h.role,
                h.node,
                h.addr,
                h.from,
                h.to,
                yes_no(h.saw_sender_address),
                yes_no(h.saw_sender_identity),
                yes_no(h.saw_recipient_id)
            );
        }
        println!(
            "  (the last relay knows the destination, a member of the recipient's swarm, one of {}:\n   that narrows the recipient to the accounts that swarm holds without naming one)",
            net.swarm_count()
        );
    }
    let m = &s.metadata;
    println!(
        "over all {} messages stored ({} node records, failed attempts included): a node knew both ends {} times;\n  the sender's key or ID appeared {} times; guards saw the sender's address {} times, destinations the recipient's ID {} times",
        m.messages,
        m.node_views,
        m.knew_both,
        m.saw_sender_identity,
        m.guards_saw_sender_address,
        m.destinations_saw_recipient
    );
    let group_ok = group
        .as_ref()
        .is_none_or(|g| print_group(g, dropping + corrupting > 0));
    println!("\ndone in {:.1?}", started.elapsed());
    // Nothing may ever arrive altered or from the wrong sender, no error may go unexplained,
    // no node may know both ends; without injected faults, everything must arrive.
    let faults = dropping + corrupting > 0;
    let complete = s.intact == outcome.sent.len() && s.failures.is_empty();
    if s.wrong == 0
        && s.unexpected.is_empty()
        && m.knew_both == 0
        && (faults || complete)
        && group_ok
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the group phase; true when every member read exactly what it should (always
/// checked without injected faults; with faults, only that the removed member read nothing
/// sent after its removal).
fn print_group(g: &sim::group_phase::GroupReport, faults: bool) -> bool {
    let Some(id) = g.group else {
        return false;
    };
    println!("\na closed group in its own swarm: {id}");
    println!(
        "  the admin created it with three members, stored its keys, info and members list (12, 13, 14),\n  and handed each member a swarm credential; a member posted with it; the admin removed one member,\n  rekeyed and posted, then revoked the removed member's credential ({} swarm members confirmed)\n  and posted again: {} stores confirmed, {} failed, {} group polls failed otherwise",
        g.revocations,
        g.stored,
        g.store_failures.len(),
        g.poll_failures.len()
    );
    for why in g.store_failures.iter().chain(&g.poll_failures) {
        println!("    failed: {why}");
    }
    let mut ok = true;
    for m in &g.members {
        println!(
            "  {:<9} {:<8} key generation {}, reads {:?} with {} members, read {:?}, could not open {}, polls refused {}",
            m.name,
            if m.removed { "removed" } else { "member" },
            m.generation,
            m.group_name,
            m.members,
            m.read,
            m.unreadable,
            m.refused_polls
        );
        let after = m.read.iter().any(|t| t.starts_with("after the"));
        ok &= !(m.removed && after);
        if !faults {
            ok &= after != m.removed
                && m.generation == i64::from(!m.removed)
                && (m.refused_polls > 0) == m.removed
                && g.revocations > 0;
        }
    }
    ok
}
