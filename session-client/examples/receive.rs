//! Polls an account's swarm and prints the messages that arrive.
//!
//! ```text
//! cargo run -p session-client --example receive -- --seed 127.0.0.1:PORT --key-file bob.key
//! ```

#[path = "support/args.rs"]
mod args;

use std::time::Duration;

use session_client::Session;
use session_protocol::client::Config;
use session_protocol::envelope::Content;

const HELP: &str = "\
receive: poll an account's swarm through onion paths and print what arrives

USAGE:
    cargo run -p session-client --example receive -- --seed ADDR [OPTIONS]

OPTIONS:
    --seed ADDR     seed node (IPv4:port), e.g. what session-testnet printed
    --key-file PATH the account's 32-byte seed, 64 hex digits, in a file (or in the
                    environment variable SESSION_KEY; default: a fresh random account)
    --wait SECONDS  how long to keep polling (default 30)
    --count N       stop after N messages (default: wait the whole time)
    -h, --help      this text";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let pairs = args::pairs(HELP, &["--seed", "--key-file", "--wait", "--count"]);
    let seed = args::seed(&pairs);
    let me = args::identity(&pairs);
    let wait = args::seconds(&pairs, "--wait", 30);
    let count = args::get(&pairs, "--count").map(|v| {
        v.parse::<usize>()
            .unwrap_or_else(|_| args::fail(&format!("--count: '{v}' is not a whole number")))
    });
    println!("receiving as {}", me.session_id());

    let mut session = match Session::new(me, Config::default(), vec![seed]) {
        Ok(s) => s,
        Err(e) => args::fail(&e.to_string()),
    };
    let mut got = 0usize;
    let until = tokio::time::Instant::now()
        .checked_add(Duration::from_secs(wait))
        .unwrap_or_else(|| args::fail("--wait: too long"));
    while tokio::time::Instant::now() < until && count.is_none_or(|c| got < c) {
        match session.receive().await {
            Ok(messages) => {
                for m in messages {
                    let text = Content::from_bytes(&m.content)
                        .ok()
                        .and_then(|c| c.data_message)
                        .and_then(|d| d.body)
                        .unwrap_or_else(|| format!("({} bytes, not text)", m.content.len()));
                    println!("{} says: {text}", m.from);
                    got += 1;
                }
            }
            Err(e) => eprintln!("poll failed: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!("{got} message(s) received");
}
