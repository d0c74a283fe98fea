//! Alice encodes a message for Bob's Session ID; Bob decodes it and sees Alice's Session ID.
//!
//! ```text
//! cargo run --example message [-- "text to send"]
//! ```
//!
//! The `Content` protobuf here is a minimal `DataMessage { body }`, encoded by hand; the stored
//! bytes are what the official clients put in the recipient's swarm (namespace 0).

use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{ProSignature, decode_envelope, encode_for_1o1};
use session_protocol::storage::{Namespace, message_hash};

/// `Content { dataMessage (1) { body (1): text } }`.
fn content_with_body(text: &str) -> Vec<u8> {
    let mut data_message = vec![0x0a];
    varint(&mut data_message, text.len() as u64);
    data_message.extend_from_slice(text.as_bytes());
    let mut content = vec![0x0a];
    varint(&mut content, data_message.len() as u64);
    content.extend_from_slice(&data_message);
    content
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    let low7 = |v: u64| u8::try_from(v & 0x7f).unwrap_or(0);
    while v >= 0x80 {
        out.push(low7(v) | 0x80);
        v >>= 7;
    }
    out.push(low7(v));
}

fn main() -> ExitCode {
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Hello Bob, it's Alice.".to_owned());
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    let alice = Identity::generate(&mut rng);
    let bob = Identity::generate(&mut rng);
    println!("Alice {}", alice.session_id());
    println!("Bob   {}\n", bob.session_id());

    let sent_ms = 1_700_000_000_000;
    let content = content_with_body(&text);
    let stored = match encode_for_1o1(
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

    match decode_envelope(&bob, &stored) {
        Ok(msg) => {
            println!("Bob decodes it: from {}", msg.sender);
            println!("  sender is Alice: {}", msg.sender == alice.session_id());
            println!(
                "  sent at {} ms; content {} bytes",
                msg.timestamp_ms,
                msg.content.len()
            );
            let ok = msg.content[..] == content[..];
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
