//! Storage-server helpers: request signature strings, message hashes, namespaces.
//!
//! Planned; see the crate's issue tracker. Depends on `identity`.
