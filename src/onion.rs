//! Onion requests: building (client), peeling (service node), replies and responses.
//!
//! Planned; see the crate's issue tracker. Depends on `wire`, `crypto` and `identity`.
