//! Prints each operation beside the sum of its primitives, from the estimates criterion
//! wrote in this same run (`<target>/criterion/<id>/new/estimates.json`, median).
// Each bench uses the parts it needs.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::SystemTime;

static RUN_STARTED: OnceLock<SystemTime> = OnceLock::new();

/// Marks the start of this run: estimates written before it (by an earlier or filtered run)
/// are then left out of the tables, so every ratio compares numbers from one run.
pub(crate) fn start() {
    let _ = RUN_STARTED.set(SystemTime::now());
}

/// An operation and the primitives whose costs bound it from below.
pub(crate) struct Floor {
    /// Criterion id of the operation.
    pub(crate) op: &'static str,
    /// Criterion ids of its primitives, each with how many times the operation performs it.
    pub(crate) parts: &'static [(&'static str, f64)],
    /// The goal for `op / sum(parts)`, if there is one.
    pub(crate) goal: Option<f64>,
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

fn median_ns(id: &str) -> Option<f64> {
    // Criterion keeps the group as a directory and flattens the rest of the id ('/' -> '_').
    let (group, function) = id.split_once('/')?;
    let path = criterion_dir()
        .join(group)
        .join(function.replace('/', "_"))
        .join("new")
        .join("estimates.json");
    if let Some(started) = RUN_STARTED.get() {
        let written = std::fs::metadata(&path).ok()?.modified().ok()?;
        if written < *started {
            return None;
        }
    }
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("median")?.get("point_estimate")?.as_f64()
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// An operation with an absolute time budget.
pub(crate) struct Budget {
    /// Criterion id of the operation.
    pub(crate) op: &'static str,
    /// The goal, in nanoseconds.
    pub(crate) max_ns: f64,
}

/// Prints each budgeted operation's median beside its goal.
pub(crate) fn print_budgets(budgets: &[Budget]) {
    let rows: Vec<String> = budgets
        .iter()
        .filter_map(|b| {
            let op = median_ns(b.op)?;
            let verdict = if op <= b.max_ns { "met" } else { "MISSED" };
            Some(format!(
                "{:<44} {:>11}   goal <= {}: {verdict}",
                b.op,
                fmt_ns(op),
                fmt_ns(b.max_ns)
            ))
        })
        .collect();
    if !rows.is_empty() {
        println!(
            "
operations with a time budget (medians, this run):"
        );
        for r in rows {
            println!("{r}");
        }
    }
}

/// Prints the table; entries whose estimates are missing or older than [`start`] (filtered
/// out, or `--no-run`) are skipped.
pub(crate) fn print(floors: &[Floor]) {
    let mut rows = Vec::new();
    for f in floors {
        let Some(op) = median_ns(f.op) else { continue };
        let parts: Option<Vec<f64>> = f
            .parts
            .iter()
            .map(|(p, n)| median_ns(p).map(|ns| ns * n))
            .collect();
        let Some(parts) = parts else { continue };
        let floor: f64 = parts.iter().sum();
        let ratio = op / floor;
        let verdict = match f.goal {
            Some(g) if ratio <= g => format!("goal <= {g:.2}: met"),
            Some(g) => format!("goal <= {g:.2}: MISSED"),
            None => String::new(),
        };
        rows.push(format!(
            "{:<44} {:>11}   floor {:>11}   ratio {:>5.2}   {}",
            f.op,
            fmt_ns(op),
            fmt_ns(floor),
            ratio,
            verdict
        ));
        for ((p, n), ns) in f.parts.iter().zip(&parts) {
            rows.push(format!("    {:<40} {:>11}   (x{n})", p, fmt_ns(*ns)));
        }
    }
    if !rows.is_empty() {
        println!("\noperation vs the sum of its primitives (medians, this run):");
        for r in rows {
            println!("{r}");
        }
    }
}
