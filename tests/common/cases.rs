//! A case-table harness: every named case runs, and every failing case is reported at once
//! (not just the first), each with its name, what it got and what it wanted.
#![allow(dead_code, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

/// Runs `f` on each case's input and compares the result with the case's expected value.
/// Panics after all cases ran if any differed, listing every failing case by name; also
/// panics (before running anything) if two cases share a name or the table is empty.
///
/// ```ignore
/// run_cases(&[("empty", "", Err(E::Empty)), ("one", "1", Ok(1))], |s| parse(s));
/// ```
#[track_caller]
pub(crate) fn run_cases<I, E, F>(cases: &[(&str, I, E)], mut f: F)
where
    E: PartialEq + Debug,
    F: FnMut(&I) -> E,
{
    assert!(!cases.is_empty(), "empty case table");
    let mut names = BTreeSet::new();
    for (name, _, _) in cases {
        assert!(names.insert(*name), "duplicate case name {name:?}");
    }
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, input, want)| {
            let got = f(input);
            (got != *want).then(|| format!("{name}: got {got:?}, want {want:?}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Collects case outcomes per category across several tables and reports every mismatch at
/// once: call [`Suite::eq`] or [`Suite::table`] for each case, then [`Suite::finish`] (or
/// inspect `failures` and `counts` directly).
#[derive(Default)]
pub(crate) struct Suite {
    /// Cases run per category.
    pub(crate) counts: BTreeMap<&'static str, usize>,
    /// One line per mismatching case: category, label, got, want.
    pub(crate) failures: Vec<String>,
}

impl Suite {
    /// One case: `got` must equal `want`.
    pub(crate) fn eq<T: PartialEq + Debug>(
        &mut self,
        category: &'static str,
        label: &str,
        got: T,
        want: T,
    ) {
        *self.counts.entry(category).or_default() += 1;
        if got != want {
            self.failures
                .push(format!("{category} / {label}: got {got:?}, want {want:?}"));
        }
    }

    /// A table: every input through `f`, each with its exact expected error.
    pub(crate) fn table<E: PartialEq + Debug>(
        &mut self,
        category: &'static str,
        cases: Vec<(&'static str, Vec<u8>, E)>,
        f: impl Fn(&[u8]) -> Result<(), E>,
    ) {
        for (label, input, want) in cases {
            self.eq(category, label, f(&input), Err(want));
        }
    }

    /// Panics listing every mismatch, if there were any; returns the total number of cases.
    #[track_caller]
    pub(crate) fn finish(&self) -> usize {
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        self.counts.values().sum()
    }
}
