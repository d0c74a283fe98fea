//! Alice encodes a message for Bob's Session ID; Bob decodes it and sees Alice's Session ID.
//!
//! ```text
//! cargo run --example message
//! cargo run --example message -- "text to send"
//! cargo run --example message -- --help
//! ```
//!
//! The stored bytes are what the official clients put in the recipient's swarm (namespace 0).

use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{Content, ProSignature, open_1o1, seal_1o1};
use session_protocol::storage::{Namespace, message_hash};

#[path = "args/message.rs"]
mod args;
#[path = "args/cli.rs"]
mod cli;

fn main() -> ExitCode {
    let text = match cli::options_or_exit(args::USAGE, args::parse(&cli::env_args())) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    let alice = Identity::generate(&mut rng);
    let bob = Identity::generate(&mut rng);
    println!("Alice {}", alice.session_id());
    println!("Bob   {}\n", bob.session_id());

    let sent_ms = 1_700_000_000_000;
    let content = Content::text(&text, sent_ms).to_bytes();
    let stored = match seal_1o1(
        &alice,
        &bob.session_id(),
        &content,
        sent_ms,
        ProSignature::Decoy,
        &mut rng,
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("encode: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Alice stores {} bytes in Bob's swarm (content {} bytes, padded to a multiple of 160, sealed, signed);",
        stored.len(),
        content.len()
    );
    println!(
        "the swarm knows it by hash {}\n",
        message_hash(&bob.session_id(), Namespace::DEFAULT, &stored)
    );

    match open_1o1(&bob, &stored) {
        Ok(msg) => {
            println!("Bob decodes it: from {}", msg.sender);
            println!("  sender is Alice: {}", msg.sender == alice.session_id());
            println!(
                "  sent at {} ms; content {} bytes",
                msg.timestamp_ms,
                msg.content.len()
            );
            let ok = msg.content[..] == content[..];
            let body = Content::from_bytes(&msg.content)
                .ok()
                .and_then(|c| c.data_message)
                .and_then(|d| d.body);
            println!("  text: {:?}", body.unwrap_or_default());
            println!("  content intact: {ok}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("decode: {e}");
            ExitCode::FAILURE
        }
    }
}
