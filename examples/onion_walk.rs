//! Build an onion request and walk it through three in-memory service nodes to a destination
//! node, printing what each hop learned: only its predecessor and its successor.
//!
//! ```text
//! cargo run --example onion_walk
//! cargo run --example onion_walk -- --aes-gcm --seed 7
//! cargo run --example onion_walk -- --help
//! ```
//!
//! Everything a real node would send over the network is passed between function calls here;
//! the crate itself does no I/O.

// The walk indexes four fixed nodes by a hop counter that the protocol bounds (each node
// forwards at most once; the fourth delivers).
#![allow(clippy::indexing_slicing)]

use session_protocol::storage::request::{self, RetrieveLimits};
use session_protocol::storage::{Auth, Namespace};
use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, build_request, decode_relay, parse_entry,
    peel,
};

#[path = "args/onion_walk.rs"]
mod args;
#[path = "args/cli.rs"]
mod cli;

fn short(key: &[u8; 32]) -> String {
    key[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
}

fn main() -> ExitCode {
    let options = match cli::options_or_exit(args::USAGE, args::parse(&cli::env_args())) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let cipher = if options.aes_gcm {
        HopCipher::Aes256Gcm
    } else {
        HopCipher::XChaCha20
    };
    let seed = options.seed;
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);

    // Three path nodes (guard first) and the destination node.
    let nodes: Vec<Identity> = (0..4u8)
        .map(|i| Identity::from_seed(&[seed.wrapping_add(i + 1); 32]))
        .collect();
    let keys: Vec<NodeKeys> = nodes.iter().map(NodeKeys::from_identity).collect();
    let names = ["guard", "hop 2", "hop 3", "destination"];

    // A signed retrieve of an account's one-to-one messages (namespace 0 needs a signature).
    let account = Identity::from_seed(&[seed.wrapping_add(100); 32]);
    let call = match request::retrieve(
        &account.session_id(),
        Namespace::DEFAULT,
        None,
        RetrieveLimits::new(),
        1_700_000_000_000,
        Some(&Auth::Account(&account)),
    ) {
        Ok(call) => call,
        Err(e) => {
            eprintln!("request failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let request = &call.to_json()[..];
    let onion = match build_request(
        &keys[..3],
        &Destination::Node(keys[3]),
        request,
        cipher,
        &mut rng,
    ) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("build failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "cipher {}; request {} bytes; packet to the guard {} bytes\n",
        cipher.wire_name(),
        request.len(),
        onion.packet.len()
    );

    let mut packet = onion.packet;
    let mut from = String::from("the client (an IP address only)");
    let mut at = 0usize;
    let mut entry = true;
    let answer = loop {
        let layer = if entry {
            parse_entry(&mut packet)
        } else {
            decode_relay(&mut packet)
        };
        let layer = match layer {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{}: refused: {e}", names[at]);
                return ExitCode::FAILURE;
            }
        };
        let received = layer.ciphertext().len();
        let me = short(keys[at].ed25519().as_bytes());
        let peeled = match peel(&NodeSecret::from_identity(&nodes[at]), layer) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", names[at]);
                return ExitCode::FAILURE;
            }
        };
        match peeled.hop {
            Hop::Forward { next, relay } => {
                println!("{:<12} {me}  from {from}", names[at]);
                println!(
                    "{:<12} learned: send {} opaque bytes on to {} (hop_no {}), nothing else",
                    "",
                    relay.data().len(),
                    short(next.as_bytes()),
                    relay.hop_no()
                );
                println!("{:<12} (received {received} encrypted bytes)\n", "");
                from = me;
                packet = relay.encode();
                entry = false;
                at += 1;
            }
            Hop::Deliver { body, reply } => {
                println!("{:<12} {me}  from {from}", names[at]);
                println!("{:<12} learned: the request itself, not who sent it:", "");
                println!("{:<12} {}\n", "", String::from_utf8_lossy(body));
                break reply.seal(200, r#"{"messages":[],"more":false}"#, &mut rng);
            }
            other => {
                eprintln!("{}: unexpected {other:?}", names[at]);
                return ExitCode::FAILURE;
            }
        }
    };
    // The answer goes back through the same nodes unchanged; only the client can open it.
    match onion.response.open(&answer) {
        Ok(r) => println!(
            "client: response status {} body {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ),
        Err(e) => {
            eprintln!("client: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
