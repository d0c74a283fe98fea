//! A small in-memory network (the `network` example's simulation) run end to end.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

#[path = "../examples/network/sim.rs"]
mod sim;

fn config() -> sim::Config {
    sim::Config {
        nodes: 60,
        swarms: 10,
        users: 10,
        messages_per_user: 3,
        seed: 5,
        ..sim::Config::default()
    }
}

#[test]
fn every_message_arrives_intact_from_the_right_sender() {
    let mut net = sim::Network::new(config());
    let expected = net.run(|_, _| {});
    let s = &net.stats;
    assert_eq!(s.sent, 30);
    assert_eq!(expected.len(), 30, "every store succeeded");
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert!(s.errors_caught.is_empty(), "{:?}", s.errors_caught);
    assert_eq!((s.delivered, s.intact, s.wrong), (30, 30, 0));
    // Every onion request crossed 3 relays and a destination.
    assert_eq!(
        s.costs["peel (one hop)"].len(),
        4 * s.costs["onion build (3 hops)"].len()
    );
    // No node on the sampled path knew both ends.
    let sample = s.sample.as_ref().unwrap();
    assert_eq!(sample.len(), 4);
    assert!(
        sample
            .iter()
            .all(|h| !(h.knows_sender && h.knows_recipient))
    );
    assert!(sample[0].knows_sender && sample[3].knows_recipient);
}

#[test]
fn corrupted_and_dropped_packets_are_detected_and_never_delivered_wrong() {
    let mut net = sim::Network::new(sim::Config {
        corrupt_rate: 0.25,
        drop_rate: 0.1,
        attempts: 6,
        ..config()
    });
    let (dropping, corrupting) = net.faulty_nodes();
    assert!(dropping > 0 && corrupting > 0);
    let expected = net.run(|_, _| {});
    let s = &net.stats;
    let corrupted: usize = s
        .errors_caught
        .iter()
        .filter(|(k, _)| k.starts_with("refused"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        corrupted > 0,
        "corruption was caught: {:?}",
        s.errors_caught
    );
    assert!(
        s.errors_caught
            .get("dropped (timeout)")
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(s.retries > 0);
    assert_eq!(s.wrong, 0, "nothing arrives altered or misattributed");
    assert!(s.intact <= expected.len());
    assert!(s.intact > 0);
}

#[test]
fn runs_are_deterministic_for_a_seed() {
    let run = || {
        let mut net = sim::Network::new(config());
        let expected = net.run(|_, _| {});
        (expected, net.stats.retries)
    };
    assert_eq!(run(), run());
}
