//! Sends a text message to a Session ID through a 3-node onion path.
//!
//! ```text
//! cargo run -p session-testnet -- --nodes 30                  # prints the seed address
//! cargo run -p session-client --example send -- --seed 127.0.0.1:PORT --to 05… --text hi
//! ```

#[path = "support/args.rs"]
mod args;

use session_client::Session;
use session_protocol::client::Config;
use session_protocol::envelope::Content;

const HELP: &str = "\
send: store a text message for a Session ID, through a 3-node onion path

USAGE:
    cargo run -p session-client --example send -- --seed ADDR --to SESSION_ID [OPTIONS]

OPTIONS:
    --seed ADDR     seed node (IPv4:port), e.g. what session-testnet printed
    --to ID         the recipient's Session ID (66 hex digits, 05 prefix)
    --text TEXT     the message (default: \"hello from session-client\")
    --key-file PATH the sender's 32-byte seed, 64 hex digits, in a file (or in the
                    environment variable SESSION_KEY; default: a fresh random account)
    -h, --help      this text";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let pairs = args::pairs(HELP, &["--seed", "--to", "--text", "--key-file"]);
    let seed = args::seed(&pairs);
    let to = args::session_id(&pairs, "--to");
    let text = args::get(&pairs, "--text").unwrap_or("hello from session-client");
    let me = args::identity(&pairs);
    println!("sending as {}", me.session_id());

    let mut session = match Session::new(me, Config::default(), vec![seed]) {
        Ok(s) => s,
        Err(e) => args::fail(&e.to_string()),
    };
    let content = Content::text(text, session_client::now_ms()).to_bytes();
    match session.send(&to, &content).await {
        Ok(stored) => {
            let path: Vec<String> = session
                .client()
                .paths()
                .next()
                .unwrap_or_default()
                .iter()
                .map(|n| format!("{}:{}", n.ip(), n.https_port().unwrap_or(0)))
                .collect();
            println!(
                "stored as {} ({} swarm members confirmed); current path {}",
                stored.hash,
                stored.confirmations,
                path.join(" -> ")
            );
        }
        Err(e) => {
            eprintln!("not sent: {e}");
            std::process::exit(1);
        }
    }
}
