//! Where nodes keep messages: in memory, or in a SQLite file (`--db PATH`).
//!
//! Each node has its own copy of what its swarm stored (rows are keyed by the node), so a
//! killed node's copy goes with it while its swarm peers keep theirs. Messages are listed in
//! the order they were stored; expired ones are never listed and are deleted as pages are read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The namespace.
    pub namespace: i16,
    /// The storage hash.
    pub hash: String,
    /// The sender's timestamp (ms).
    pub timestamp_ms: u64,
    /// When it expires (ms).
    pub expiry_ms: u64,
    /// The stored bytes.
    pub data: Vec<u8>,
}

/// A storage failure (SQLite's error, as text: the store is shared across threads).
#[derive(Debug, thiserror::Error)]
#[error("message store: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

/// Which messages [`Store::page`] lists: up to `limit` unexpired messages of `account` in
/// `namespace` held by node `node` (whose key is `node_key`), after the one whose hash is
/// `after` (from the start when it is absent or unknown), whose data together stay within
/// `max_bytes` (the first message always fits).
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The node's index.
    pub node: usize,
    /// The node's Ed25519 key in hex.
    pub node_key: &'a str,
    /// The account's Session ID in hex.
    pub account: &'a str,
    /// The namespace.
    pub namespace: i16,
    /// The last hash the client has.
    pub after: Option<&'a str>,
    /// The node's time.
    pub now_ms: u64,
    /// Most messages per page.
    pub limit: usize,
    /// Most data bytes per page.
    pub max_bytes: usize,
}

/// The nodes' message store.
pub enum Store {
    /// In memory: (node index, account) to messages in storing order.
    Memory(Mutex<HashMap<(usize, String), Vec<Message>>>),
    /// In a SQLite database.
    Sqlite(Mutex<Connection>),
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    account TEXT NOT NULL,
    namespace INTEGER NOT NULL,
    hash TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (node, hash)
);
CREATE INDEX IF NOT EXISTS messages_by_account ON messages (node, account, namespace, id);
CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expiry);
";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the data consistent (every update is one call).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn to_sql(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn from_sql(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl std::fmt::Debug for Store {
    // The kind only: the messages are many and large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(_) => f.write_str("Store::Memory"),
            Self::Sqlite(_) => f.write_str("Store::Sqlite"),
        }
    }
}

impl Store {
    /// An empty in-memory store.
    pub fn memory() -> Self {
        Self::Memory(Mutex::new(HashMap::new()))
    }

    /// Opens (or creates) the SQLite database at `path`.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened or its schema created.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self::Sqlite(Mutex::new(conn)))
    }

    /// Stores `message` for `account` at node `node` (whose key is `node_key`); false when
    /// that node already holds a message with its hash.
    ///
    /// # Errors
    /// [`StoreError`] from SQLite.
    pub fn insert(
        &self,
        node: usize,
        node_key: &str,
        account: &str,
        message: &Message,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(map) => {
                let mut map = lock(map);
                let list = map.entry((node, account.to_owned())).or_default();
                if list.iter().any(|m| m.hash == message.hash) {
                    return Ok(false);
                }
                list.push(message.clone());
                Ok(true)
            }
            Self::Sqlite(conn) => {
                let conn = lock(conn);
                let added = conn.execute(
                    "INSERT OR IGNORE INTO messages (node, account, namespace, hash, timestamp, expiry, data)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        node_key,
                        account,
                        message.namespace,
                        message.hash,
                        to_sql(message.timestamp_ms),
                        to_sql(message.expiry_ms),
                        message.data
                    ],
                )?;
                Ok(added == 1)
            }
        }
    }

    /// A page of messages: see [`Query`]. Returns the messages and whether more follow.
    ///
    /// # Errors
    /// [`StoreError`] from SQLite.
    pub fn page(&self, q: &Query<'_>) -> Result<(Vec<Message>, bool), StoreError> {
        let (mut page, more) = self.page_by_count(q)?;
        let mut total = 0usize;
        let fits = page
            .iter()
            .position(|m| {
                total = total.saturating_add(m.data.len());
                total > q.max_bytes
            })
            .map_or(page.len(), |i| i.max(1));
        let trimmed = fits < page.len();
        page.truncate(fits);
        Ok((page, more || trimmed))
    }

    fn page_by_count(&self, q: &Query<'_>) -> Result<(Vec<Message>, bool), StoreError> {
        let Query {
            node,
            node_key,
            account,
            namespace,
            after,
            now_ms,
            limit,
            ..
        } = *q;
        match self {
            Self::Memory(map) => {
                let mut map = lock(map);
                let Some(list) = map.get_mut(&(node, account.to_owned())) else {
                    return Ok((Vec::new(), false));
                };
                list.retain(|m| m.expiry_ms > now_ms);
                let in_ns = list.iter().filter(|m| m.namespace == namespace);
                let start = after
                    .and_then(|h| in_ns.clone().position(|m| m.hash == h))
                    .map_or(0, |i| i.saturating_add(1));
                let mut rest = in_ns.skip(start);
                let page: Vec<Message> = rest.by_ref().take(limit).cloned().collect();
                Ok((page, rest.next().is_some()))
            }
            Self::Sqlite(conn) => {
                let conn = lock(conn);
                conn.execute(
                    "DELETE FROM messages WHERE expiry <= ?1",
                    params![to_sql(now_ms)],
                )?;
                let after_id: i64 = match after {
                    Some(hash) => conn
                        .query_row(
                            "SELECT id FROM messages WHERE node = ?1 AND account = ?2 AND namespace = ?3 AND hash = ?4",
                            params![node_key, account, namespace, hash],
                            |row| row.get(0),
                        )
                        .optional()?
                        .unwrap_or(0),
                    None => 0,
                };
                let mut stmt = conn.prepare_cached(
                    "SELECT namespace, hash, timestamp, expiry, data FROM messages
                     WHERE node = ?1 AND account = ?2 AND namespace = ?3 AND id > ?4
                     ORDER BY id LIMIT ?5",
                )?;
                let wanted = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
                let rows = stmt.query_map(
                    params![node_key, account, namespace, after_id, wanted],
                    |row| {
                        Ok(Message {
                            namespace: row.get(0)?,
                            hash: row.get(1)?,
                            timestamp_ms: from_sql(row.get(2)?),
                            expiry_ms: from_sql(row.get(3)?),
                            data: row.get(4)?,
                        })
                    },
                )?;
                let mut page = rows.collect::<Result<Vec<_>, _>>()?;
                let more = page.len() > limit;
                page.truncate(limit);
                Ok((page, more))
            }
        }
    }

    /// How many messages the store holds (all nodes, expired ones not yet deleted included).
    ///
    /// # Errors
    /// [`StoreError`] from SQLite.
    pub fn len(&self) -> Result<usize, StoreError> {
        match self {
            Self::Memory(map) => Ok(lock(map).values().map(Vec::len).sum()),
            Self::Sqlite(conn) => {
                let n: i64 =
                    lock(conn).query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
                Ok(usize::try_from(n).unwrap_or(0))
            }
        }
    }

    /// Whether the store holds no message.
    ///
    /// # Errors
    /// [`StoreError`] from SQLite.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn message(i: u8, namespace: i16, expiry_ms: u64) -> Message {
        Message {
            namespace,
            hash: format!("hash{i}"),
            timestamp_ms: 1,
            expiry_ms,
            data: vec![i],
        }
    }

    /// The query the tests vary: node 0's page of `account`'s namespace 0 from the start, at
    /// time 5, up to 10 messages of any size.
    fn base(account: &str) -> Query<'_> {
        Query {
            node: 0,
            node_key: "n0",
            account,
            namespace: 0,
            after: None,
            now_ms: 5,
            limit: 10,
            max_bytes: usize::MAX,
        }
    }

    fn exercise(store: &Store) {
        let acct = "05aa";
        for i in 0..5 {
            assert!(store.insert(0, "n0", acct, &message(i, 0, 1_000)).unwrap());
        }
        // A duplicate hash at the same node is not stored twice; another node has its own copy.
        assert!(!store.insert(0, "n0", acct, &message(2, 0, 1_000)).unwrap());
        assert!(store.insert(1, "n1", acct, &message(2, 0, 1_000)).unwrap());
        assert!(store.insert(0, "n0", acct, &message(9, 3, 1_000)).unwrap());
        assert!(store.insert(0, "n0", acct, &message(7, 0, 10)).unwrap());
        assert_eq!(store.len().unwrap(), 8);

        let hashes = |p: &[Message]| p.iter().map(|m| m.hash.clone()).collect::<Vec<_>>();
        let (p, more) = store
            .page(&Query {
                limit: 2,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(
            (hashes(&p), more),
            (vec!["hash0".into(), "hash1".into()], true)
        );
        let (p, more) = store
            .page(&Query {
                after: Some("hash1"),
                ..base(acct)
            })
            .unwrap();
        assert_eq!(hashes(&p), ["hash2", "hash3", "hash4", "hash7"]);
        assert!(!more);
        // Expired: gone. Unknown last hash: from the start. Other namespace, other node.
        let (p, _) = store
            .page(&Query {
                after: Some("nope"),
                now_ms: 10,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(hashes(&p), ["hash0", "hash1", "hash2", "hash3", "hash4"]);
        let (p, _) = store
            .page(&Query {
                namespace: 3,
                now_ms: 10,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(hashes(&p), ["hash9"]);
        let (p, _) = store
            .page(&Query {
                node: 1,
                node_key: "n1",
                now_ms: 10,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(hashes(&p), ["hash2"]);
        let (p, more) = store
            .page(&Query {
                account: "05bb",
                now_ms: 10,
                ..base(acct)
            })
            .unwrap();
        assert!(p.is_empty() && !more);
        assert_eq!(p.first(), None);
        let (p, _) = store
            .page(&Query {
                after: Some("hash4"),
                now_ms: 10,
                ..base(acct)
            })
            .unwrap();
        assert!(p.is_empty());
        // By size: each message holds one byte; two fit in two bytes, and the first always
        // fits, even when it alone is larger than the cap.
        let (p, more) = store
            .page(&Query {
                max_bytes: 2,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(
            (hashes(&p), more),
            (vec!["hash0".into(), "hash1".into()], true)
        );
        let (p, more) = store
            .page(&Query {
                max_bytes: 0,
                ..base(acct)
            })
            .unwrap();
        assert_eq!((hashes(&p), more), (vec!["hash0".into()], true));
        // (hash7 expired at 10 and is gone.)
        let (p, more) = store
            .page(&Query {
                after: Some("hash2"),
                max_bytes: 2,
                ..base(acct)
            })
            .unwrap();
        assert_eq!(
            (hashes(&p), more),
            (vec!["hash3".into(), "hash4".into()], false)
        );
    }

    #[test]
    fn memory_store_pages_dedupes_and_expires() {
        exercise(&Store::memory());
    }

    #[test]
    fn sqlite_store_pages_dedupes_expires_and_persists() {
        let dir =
            std::env::temp_dir().join(format!("session-testnet-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("messages.db");
        let _ = std::fs::remove_file(&path);
        exercise(&Store::open(&path).unwrap());
        // Reopened: the rows are still there (the expired one was deleted by the reads).
        let again = Store::open(&path).unwrap();
        assert_eq!(again.len().unwrap(), 7);
        let (p, _) = again
            .page(&Query {
                node: 1,
                node_key: "n1",
                now_ms: 10,
                ..base("05aa")
            })
            .unwrap();
        assert_eq!(p[0].data, vec![2]);
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
