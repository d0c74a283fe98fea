//! Onion path selection.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::{ServiceNode, uniform_index};

/// How far apart the nodes of one path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Diversity {
    /// No two nodes in the same IPv4 /24 (the desktop client's rule).
    #[default]
    Subnet24,
    /// No two nodes with the same IPv4 address (libsession's rule).
    DistinctIp,
}

impl Diversity {
    fn conflicts(self, a: &ServiceNode, b: &ServiceNode) -> bool {
        let (a, b) = (a.ip().octets(), b.ip().octets());
        match self {
            Self::Subnet24 => a.get(..3) == b.get(..3),
            Self::DistinctIp => a == b,
        }
    }
}

/// The rules a path must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRules {
    hops: usize,
    diversity: Diversity,
    excluded: BTreeSet<[u8; 32]>,
}

impl Default for PathRules {
    fn default() -> Self {
        Self {
            hops: Self::DEFAULT_HOPS,
            diversity: Diversity::default(),
            excluded: BTreeSet::new(),
        }
    }
}

impl PathRules {
    /// Nodes in a path: the guard and two more (the destination is an extra hop).
    pub const DEFAULT_HOPS: usize = 3;
    /// The most hops a service node relays (`hop_no` above 15 is refused).
    pub const MAX_HOPS: usize = 15;

    /// Three hops, /24 diversity, nothing excluded.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of nodes in the path (1 to [`PathRules::MAX_HOPS`]).
    #[must_use]
    pub fn hops(mut self, hops: usize) -> Self {
        self.hops = hops;
        self
    }

    /// The diversity rule.
    #[must_use]
    pub fn diversity(mut self, diversity: Diversity) -> Self {
        self.diversity = diversity;
        self
    }

    /// Never use this node: the request's destination, a node already in another path, a node
    /// that failed too often.
    #[must_use]
    pub fn exclude(mut self, ed25519: [u8; 32]) -> Self {
        self.excluded.insert(ed25519);
        self
    }

    /// [`PathRules::exclude`] for each key.
    #[must_use]
    pub fn exclude_all(mut self, keys: impl IntoIterator<Item = [u8; 32]>) -> Self {
        self.excluded.extend(keys);
        self
    }
}

/// Why no path could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The rules ask for 0 hops or more than 15.
    #[error("a path has 1 to 15 hops, {0} requested")]
    BadLength(usize),
    /// Too few eligible nodes (after exclusions and diversity) for the hops requested.
    #[error("only {found} of {needed} path nodes could be chosen")]
    NotEnoughNodes {
        /// Hops requested.
        needed: usize,
        /// How many could be chosen before the pool ran out.
        found: usize,
    },
}

/// Picks the nodes of an onion path, guard first: each a uniformly random choice among the
/// nodes that are not excluded and do not conflict (by `rules`' diversity) with those already
/// chosen. Deterministic for a given pool order and RNG state.
///
/// ```
/// use std::net::Ipv4Addr;
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::swarm::{PathRules, ServiceNode, SwarmId, select_path};
///
/// let pool: Vec<ServiceNode> = (1..=8u8)
///     .map(|i| {
///         let key = Identity::from_seed(&[i; 32]).ed25519_public();
///         ServiceNode::new(key, Ipv4Addr::new(10, 0, i, 1), 443, 22020, SwarmId(1))
///     })
///     .collect::<Result<_, _>>()?;
/// let destination = *pool[0].ed25519();
/// let mut rng = ChaCha20Rng::from_seed([3; 32]);
/// let path = select_path(&pool, &PathRules::new().exclude(destination), &mut rng)?;
/// assert_eq!(path.len(), 3);
/// assert!(path.iter().all(|n| *n.ed25519() != destination));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`PathError::BadLength`] for 0 or more than 15 hops, [`PathError::NotEnoughNodes`] when the
/// pool cannot satisfy the rules.
pub fn select_path<R: CryptoRng + ?Sized>(
    pool: &[ServiceNode],
    rules: &PathRules,
    rng: &mut R,
) -> Result<Vec<ServiceNode>, PathError> {
    if rules.hops == 0 || rules.hops > PathRules::MAX_HOPS {
        return Err(PathError::BadLength(rules.hops));
    }
    let mut eligible: Vec<&ServiceNode> = pool
        .iter()
        .filter(|n| !rules.excluded.contains(n.ed25519()))
        .collect();
    let mut path = Vec::with_capacity(rules.hops);
    while path.len() < rules.hops {
        if eligible.is_empty() {
            return Err(PathError::NotEnoughNodes {
                needed: rules.hops,
                found: path.len(),
            });
        }
        // `remove` (not `swap_remove`) keeps pool order, so the draws alone decide the path.
        let chosen = eligible.remove(uniform_index(rng, eligible.len()));
        eligible
            .retain(|n| !rules.diversity.conflicts(n, chosen) && n.ed25519() != chosen.ed25519());
        path.push(chosen.clone());
    }
    Ok(path)
}
