//! Paired timing for noisy hosts: two operations timed alternately, sample by sample, in one
//! process, and summarised as the median of the per-pair ratios. A slow spell (the other core
//! busy, a frequency change) hits both members of a pair, so the ratio survives it where two
//! separate medians would not. Shared by `benches/paired.rs` (each operation against its
//! primitive floor) and `perf/libsodium-standin` (the crate against the C stand-in).
#![allow(
    dead_code,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::time::Instant;

/// One paired measurement.
pub(crate) struct Pair {
    /// Median time of `a` per call, in nanoseconds.
    pub(crate) a_ns: f64,
    /// Median time of `b` per call, in nanoseconds.
    pub(crate) b_ns: f64,
    /// Median of the per-pair ratios `a / b`.
    pub(crate) ratio: f64,
    /// The 25th and 75th percentiles of the per-pair ratios.
    pub(crate) ratio_iqr: (f64, f64),
}

fn median(xs: &mut [f64]) -> f64 {
    percentile(xs, 0.5)
}

fn percentile(xs: &mut [f64], q: f64) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i]
}

/// Time per call of `f` over `iters` calls.
fn sample(iters: u32, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// Calls per sample so that one sample of the slower operation lasts about `target_ns`.
fn calibrate(a: &mut dyn FnMut(), b: &mut dyn FnMut(), target_ns: f64) -> u32 {
    for _ in 0..3 {
        a();
        b();
    }
    let slow = sample(3, a).max(sample(3, b));
    ((target_ns / slow).ceil() as u32).clamp(1, 1_000_000)
}

/// Times `a` against `b`: `pairs` pairs of samples, the order within each pair alternating,
/// each sample about 1 ms of the slower operation.
pub(crate) fn paired(pairs: usize, a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> Pair {
    let iters = calibrate(a, b, 1e6);
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = sample(iters, a);
            (x, sample(iters, b))
        } else {
            let y = sample(iters, b);
            (sample(iters, a), y)
        };
        ta.push(x);
        tb.push(y);
        ratios.push(x / y);
    }
    let q1 = percentile(&mut ratios, 0.25);
    let q3 = percentile(&mut ratios, 0.75);
    Pair {
        a_ns: median(&mut ta),
        b_ns: median(&mut tb),
        ratio: median(&mut ratios),
        ratio_iqr: (q1, q3),
    }
}

/// `12.3 us`-style time.
pub(crate) fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// The host line: CPU model, the vector extensions curve25519-dalek can use, and which
/// backend this binary was built for.
pub(crate) fn host() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let model = field("model name").unwrap_or_else(|| "unknown CPU".into());
    let flags = field("flags").unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let backend = if cfg!(curve25519_dalek_backend = "avx512") {
        "avx512 build (IFMA if detected at run time, else AVX2)"
    } else {
        "default build (AVX2 if detected at run time)"
    };
    format!(
        "{model}, {cores} cores; avx2: {}, avx512ifma: {}; curve25519-dalek {backend}",
        if has("avx2") { "yes" } else { "no" },
        if has("avx512ifma") { "yes" } else { "no" },
    )
}

/// `PAIRS` from the environment, or `default`.
pub(crate) fn pairs_from_env(default: usize) -> usize {
    std::env::var("PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
