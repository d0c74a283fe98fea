//! What a node on a path could learn, computed from what it actually handled.
//!
//! Each node's record ([`Seen`], kept by the in-memory network) holds the network address it
//! received the packet from, where it sent it next, and every byte it held: the packet as it
//! arrived, the buffer after its layer was decrypted in place (its plaintext), and the reply it
//! passed back (for the destination, also the answer it wrote). [`judge`] then looks for a party's identity in all of that: its
//! Session ID, X25519 and Ed25519 keys as raw bytes and as lower- or upper-case hex, also inside
//! any base64 text found in those bytes (the storage RPC carries its payload as base64), and
//! whether the packet came straight from the party's device address.

use std::net::Ipv4Addr;

use base64ct::{Base64Unpadded, Encoding};
use session_protocol::SessionId;

pub use super::memnet::Seen;

/// Someone whose traces we look for.
#[derive(Debug, Clone)]
pub struct Party {
    /// A name for the summary ("user 3").
    pub name: String,
    /// The device's network address (what the first node it talks to sees).
    pub addr: Ipv4Addr,
    /// The account.
    pub session_id: SessionId,
    /// The account's Ed25519 public key.
    pub ed25519: [u8; 32],
}

impl Party {
    /// Byte strings that identify the account: raw keys and their hex forms. (The X25519 key
    /// is the Session ID without its prefix byte, so its forms also find the Session ID.)
    fn identity_needles(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for key in [*self.session_id.key(), self.ed25519] {
            let lower = super::hex(&key);
            out.push(key.to_vec());
            out.push(lower.to_uppercase().into_bytes());
            out.push(lower.into_bytes());
        }
        out
    }
}

/// What one node could tell about a message's sender and recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopView {
    /// guard, relay or destination
    pub role: &'static str,
    /// Short form of the node's Ed25519 key.
    pub node: String,
    /// The node's own address.
    pub addr: String,
    /// Address it received from.
    pub from: String,
    /// Where it sent the packet.
    pub to: String,
    /// The packet came from the sender's device (or its address appears in the bytes).
    pub saw_sender_address: bool,
    /// The sender's Session ID or a key of the sender's appears in what it held.
    pub saw_sender_identity: bool,
    /// The recipient's Session ID or a key of the recipient's appears in what it held.
    pub saw_recipient_id: bool,
}

impl HopView {
    /// Could identify the sender (by device address or by key).
    pub fn knows_sender(&self) -> bool {
        self.saw_sender_address || self.saw_sender_identity
    }

    /// Could identify the recipient.
    pub fn knows_recipient(&self) -> bool {
        self.saw_recipient_id
    }
}

/// Totals over every node of every attempt to store a message (failed attempts included: their
/// nodes handled the message too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataTally {
    /// Messages whose store was acknowledged.
    pub messages: usize,
    /// Node records examined, over all attempts.
    pub node_views: usize,
    /// Node records where the node could identify both the sender and the recipient.
    pub knew_both: usize,
    /// Node records where the sender's identity (Session ID or a key) appeared.
    pub saw_sender_identity: usize,
    /// Acknowledged messages whose guard received the packet from the sender's device.
    pub guards_saw_sender_address: usize,
    /// Acknowledged messages whose destination saw the recipient's Session ID.
    pub destinations_saw_recipient: usize,
}

impl MetadataTally {
    pub(super) fn add_attempt(&mut self, views: &[HopView]) {
        self.node_views += views.len();
        self.knew_both += views
            .iter()
            .filter(|v| v.knows_sender() && v.knows_recipient())
            .count();
        self.saw_sender_identity += views.iter().filter(|v| v.saw_sender_identity).count();
    }

    pub(super) fn add_success(&mut self, views: &[HopView]) {
        self.messages += 1;
        if views.first().is_some_and(|v| v.saw_sender_address) {
            self.guards_saw_sender_address += 1;
        }
        if views
            .last()
            .is_some_and(|v| v.role == "destination" && v.saw_recipient_id)
        {
            self.destinations_saw_recipient += 1;
        }
    }
}

/// `buf` itself and the decoding of every long base64 run in it.
fn views(buf: &[u8]) -> Vec<Vec<u8>> {
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let mut out = vec![buf.to_vec()];
    let mut i = 0;
    while i < buf.len() {
        if !is_b64(buf[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < buf.len() && is_b64(buf[i]) {
            i += 1;
        }
        let run = &buf[start..i];
        // 43 characters hold 32 bytes; shorter runs cannot hide a key.
        if run.len() < 43 {
            continue;
        }
        // Every alignment, in case the run does not start on a base64 boundary.
        for skip in 0..4 {
            let rest = &run[skip..];
            let rest = &rest[..rest.len() - rest.len() % 4];
            let text = std::str::from_utf8(rest).unwrap_or_default();
            if let Ok(decoded) = Base64Unpadded::decode_vec(text) {
                out.push(decoded);
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether `party`'s Session ID or one of its keys appears in `buf`, raw, as hex, or inside
/// base64 text.
pub fn reveals_identity(buf: &[u8], party: &Party) -> bool {
    let needles = party.identity_needles();
    views(buf)
        .iter()
        .any(|v| needles.iter().any(|n| contains(v, n)))
}

/// Whether `party`'s device address appears in `buf` as text.
pub fn mentions_address(buf: &[u8], party: &Party) -> bool {
    contains(buf, party.addr.to_string().as_bytes())
}

/// What the node that handled `seen` could tell about `sender` and `recipient`.
pub fn judge(seen: &Seen, sender: &Party, recipient: &Party) -> HopView {
    let in_bytes = |f: &dyn Fn(&[u8]) -> bool| seen.bytes.iter().any(|b| f(b));
    HopView {
        role: seen.role,
        node: super::short(seen.node.as_bytes()),
        addr: seen.addr.to_string(),
        from: seen.from.to_string(),
        to: seen
            .to
            .map_or_else(|| "its swarm".to_string(), |a| a.to_string()),
        saw_sender_address: seen.from == sender.addr || in_bytes(&|b| mentions_address(b, sender)),
        saw_sender_identity: in_bytes(&|b| reveals_identity(b, sender)),
        saw_recipient_id: in_bytes(&|b| reveals_identity(b, recipient)),
    }
}
