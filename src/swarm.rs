//! Swarms: where an account's messages live, the node records a client learns, and onion path
//! selection.
//!
//! Pure functions over data the caller fetched: nothing here talks to the network.
//!
//! * [`swarm_space`] places a key on the `u64` ring; [`SwarmMap::assign`] finds the nearest
//!   swarm, as the storage server does.
//! * [`decode_swarm_response`] and [`decode_service_nodes`] turn the JSON a client receives
//!   into [`ServiceNode`] records.
//! * [`NodePool`] groups nodes into swarms, picks a random member of an account's swarm and
//!   follows nodes as they join, leave or move.
//! * [`select_path`] picks the nodes of an onion path under [`PathRules`].

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;

use crate::identity::SessionId;

mod node;
mod path;
mod pool;

pub use node::{
    NodeError, NodeList, NodeListError, ServiceNode, SkippedNode, SwarmResponse,
    decode_service_nodes, decode_swarm_response,
};
pub use path::{Diversity, PathError, PathRules, select_path};
pub use pool::NodePool;

/// A swarm's id: a point on the `u64` ring.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwarmId(pub u64);

impl SwarmId {
    /// `0xffffffffffffffff`: what a service node reports when it is in no swarm. A
    /// [`SwarmMap`] never contains it (accounts may still have that space value and are
    /// assigned normally).
    pub const INVALID: Self = Self(u64::MAX);
}

impl fmt::Debug for SwarmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SwarmId({:#018x})", self.0)
    }
}

impl fmt::Display for SwarmId {
    /// Lowercase hex without leading zeros, as the storage server writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// The position of a 32-byte account key on the swarm ring: the XOR of its four 8-byte words,
/// read big-endian. For a [`SessionId`] pass [`SessionId::key`] (the prefix byte is ignored).
///
/// ```
/// let mut key = [0u8; 32];
/// key[31] = 0x64;
/// assert_eq!(session_protocol::swarm::swarm_space(&key), 100);
/// ```
pub fn swarm_space(key: &[u8; 32]) -> u64 {
    key.chunks_exact(8).fold(0, |acc, word| {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        acc ^ u64::from_be_bytes(w)
    })
}

/// The set of live swarms, sorted and deduplicated by construction, without
/// [`SwarmId::INVALID`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SwarmMap {
    ids: Vec<u64>,
}

impl SwarmMap {
    /// A map of the given swarm ids, in any order, with repeats and `INVALID` dropped.
    pub fn new(ids: impl IntoIterator<Item = SwarmId>) -> Self {
        let mut ids: Vec<u64> = ids
            .into_iter()
            .filter(|id| *id != SwarmId::INVALID)
            .map(|id| id.0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Self { ids }
    }

    /// The swarm ids, ascending.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = SwarmId> + '_ {
        self.ids.iter().map(|&id| SwarmId(id))
    }

    /// How many swarms.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no swarms.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether `id` is one of the swarms.
    pub fn contains(&self, id: SwarmId) -> bool {
        self.ids.binary_search(&id.0).is_ok()
    }

    /// The swarm that stores `account`'s messages: see [`SwarmMap::assign_space`].
    pub fn assign(&self, account: &SessionId) -> Option<SwarmId> {
        self.assign_space(swarm_space(account.key()))
    }

    /// The swarm nearest to `space` on the ring (distances wrap around `2^64`); on a tie the
    /// lower neighbour, which across the wrap point is the highest swarm. `None` with no
    /// swarms; with one swarm, always that swarm.
    pub fn assign_space(&self, space: u64) -> Option<SwarmId> {
        let (&first, &last) = (self.ids.first()?, self.ids.last()?);
        let i = self.ids.partition_point(|&id| id < space);
        let right = self.ids.get(i).copied().unwrap_or(first);
        let left = i
            .checked_sub(1)
            .and_then(|j| self.ids.get(j))
            .copied()
            .unwrap_or(last);
        let dr = right.wrapping_sub(space);
        let dl = space.wrapping_sub(left);
        Some(SwarmId(if dr < dl { right } else { left }))
    }
}

impl fmt::Debug for SwarmMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwarmMap")
            .field("swarms", &self.ids.len())
            .finish()
    }
}

/// A uniformly random index below `n` (`n > 0`), by rejection sampling so that no index is
/// favoured.
pub(crate) fn uniform_index<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> usize {
    let n = n as u64;
    if n <= 1 {
        return 0;
    }
    // Reject the top `2^64 mod n` values so that every residue is equally likely.
    let rejected = u64::MAX
        .checked_rem(n)
        .unwrap_or(0)
        .saturating_add(1)
        .checked_rem(n)
        .unwrap_or(0);
    let zone = u64::MAX.saturating_sub(rejected);
    loop {
        let x = rng.next_u64();
        if x <= zone {
            // x % n < n, which came from a usize.
            return usize::try_from(x.checked_rem(n).unwrap_or(0)).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn invalid_and_repeats_are_dropped() {
        let m = SwarmMap::new([SwarmId(5), SwarmId::INVALID, SwarmId(1), SwarmId(5)]);
        assert_eq!(m.ids().collect::<Vec<_>>(), [SwarmId(1), SwarmId(5)]);
        assert!(!m.contains(SwarmId::INVALID));
        assert_eq!(SwarmMap::new([SwarmId::INVALID]).assign_space(3), None);
    }

    #[test]
    fn display_is_the_servers_hex() {
        assert_eq!(SwarmId::INVALID.to_string(), "ffffffffffffffff");
        assert_eq!(SwarmId(0x1f).to_string(), "1f");
    }

    #[test]
    fn uniform_index_stays_below_n() {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
        for n in [1usize, 2, 3, 7, 1000, usize::MAX] {
            for _ in 0..100 {
                assert!(uniform_index(&mut rng, n) < n);
            }
        }
    }
}
