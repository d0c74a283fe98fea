//! An echo bot on the sans-io client: Alice messages the bot, the bot answers, Alice reads the
//! answer. The network is the in-memory one in `examples/support/memnet.rs` (real onion
//! requests, real node-side storage handlers); a real application hands each `Transmit` to an
//! HTTPS client instead (`cargo run --example bot`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/memnet.rs"]
mod memnet;

use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
use session_protocol::client::{Client, Config, Event};
use session_protocol::{Identity, envelope::Content};

fn main() {
    let mut net = memnet::MemNet::new(1, 60, 10);
    let mut rng = ChaCha20Rng::seed_from_u64(1); // reproducible; applications use rng::os_rng()

    // --- the bot: user code starts here ---
    let bot_id = Identity::from_seed(&[0xb0; 32]);
    let bot_sid = bot_id.session_id();
    let mut bot = Client::new(bot_id, Config::default(), vec![memnet::SEED]);
    let mut alice = Client::new(
        Identity::from_seed(&[0xa1; 32]),
        Config::default(),
        vec![memnet::SEED],
    );

    let hi = Content::text("ping", net.now_ms).to_bytes();
    alice
        .send_message(net.now_ms, &bot_sid, &hi, &mut rng)
        .unwrap();
    net.run(&mut [&mut alice, &mut bot], &[0, 0], &mut rng, 1000);

    bot.poll(net.now_ms, &mut rng);
    let events = net.run(&mut [&mut alice, &mut bot], &[0, 0], &mut rng, 1000);
    for event in &events[1] {
        if let Event::MessageReceived { from, content, .. } = event {
            let text = Content::from_bytes(content)
                .unwrap()
                .data_message
                .and_then(|d| d.body);
            println!("bot got {text:?} from {from}");
            let reply = Content::text(&format!("echo: {}", text.unwrap_or_default()), net.now_ms);
            bot.send_message(net.now_ms, from, &reply.to_bytes(), &mut rng)
                .unwrap();
        }
    }
    net.run(&mut [&mut alice, &mut bot], &[0, 0], &mut rng, 1000);

    alice.poll(net.now_ms, &mut rng);
    let events = net.run(&mut [&mut alice, &mut bot], &[0, 0], &mut rng, 1000);
    // --- user code ends here ---

    let answer = events[0].iter().find_map(|e| match e {
        Event::MessageReceived { content, .. } => {
            Content::from_bytes(content).ok()?.data_message?.body
        }
        _ => None,
    });
    println!("alice got {answer:?}");
    assert_eq!(answer.as_deref(), Some("echo: ping"));
}
