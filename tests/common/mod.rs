//! Helpers shared by the integration tests: hex, seeded RNGs and a case-table harness.
//!
//! Include with `mod common;` and import what the file needs (`use common::hex::{hex, unhex};`).
//! Each test crate uses only some of the helpers, hence the `dead_code` allowances in the
//! modules. The standalone helpers next to this file (`independent.rs`, `torsion.rs`) are
//! included by path by the tests that need them, not through this module.

pub(crate) mod cases;
pub(crate) mod hex;
pub(crate) mod rng;
