//! Message envelopes: 1:1 sealed messages, padding, protobuf wrapping, groups, blinded DMs.
//!
//! Planned; see the crate's issue tracker. Depends on `wire`, `crypto` and `identity`.
