//! The dev server's state: one SQLite schema, in memory or in a file, owned by one thread.
//!
//! Every operation is a closure run on that thread. The thread groups the closures waiting
//! in its queue into one transaction (each in its own savepoint, so one failing closure does
//! not undo the others) and answers them only after the commit: bursts of deliveries cost
//! one fsync, not thousands, and a reply always means "durable".

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use parking_lot::Mutex;
use rusqlite::Connection;
use tokio::sync::oneshot;

pub mod db;
pub mod queues;
pub mod topics;

/// Error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("invalid stored data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the store has shut down")]
    Closed,
    #[error("{0}")]
    Other(String),
    /// The request cannot be done (answered with this HTTP status); nothing was changed.
    #[error("{1}")]
    Rejected(u16, String),
}

impl StoreError {
    pub fn rejected(status: u16, msg: impl Into<String>) -> StoreError {
        StoreError::Rejected(status, msg.into())
    }
}

type Reply = Box<dyn FnOnce() + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

/// Handle to the store thread. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Job>,
    ids: Arc<Mutex<DlqIdGen>>,
}

/// Generates `<unix-ms>-<seq>` DLQ ids, monotonic even if the clock steps back.
#[derive(Debug, Default)]
pub struct DlqIdGen {
    last_ms: i64,
    seq: i64,
}

/// Entries per millisecond that fit the sort key.
const SEQ_SPACE: i64 = 1_000_000;

impl DlqIdGen {
    /// Next id as (sort key, text id).
    pub fn next(&mut self, now_ms: i64) -> (i64, String) {
        if now_ms > self.last_ms {
            self.last_ms = now_ms;
            self.seq = 0;
        } else {
            self.seq += 1;
            if self.seq >= SEQ_SPACE {
                self.last_ms += 1;
                self.seq = 0;
            }
        }
        let key = self.last_ms * SEQ_SPACE + self.seq;
        (key, format_dlq_id(key))
    }
}

/// `1725323658779-0` from its sort key.
pub fn format_dlq_id(key: i64) -> String {
    format!("{}-{}", key / SEQ_SPACE, key % SEQ_SPACE)
}

/// Sort key of a DLQ id or cursor in the `<ms>-<seq>` form.
pub fn parse_dlq_id(s: &str) -> Option<i64> {
    let (ms, seq) = s.split_once('-')?;
    if ms.is_empty()
        || seq.is_empty()
        || !ms.bytes().all(|b| b.is_ascii_digit())
        || !seq.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let ms: i64 = ms.parse().ok()?;
    let seq: i64 = seq.parse().ok()?;
    if seq >= SEQ_SPACE || ms > i64::MAX / SEQ_SPACE - 1 {
        return None;
    }
    Some(ms * SEQ_SPACE + seq)
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY,
    next_delivery INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dlq (
    sort_key INTEGER PRIMARY KEY,
    dlq_id TEXT NOT NULL UNIQUE,
    workflow INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    url TEXT NOT NULL,
    topic_name TEXT,
    schedule_id TEXT,
    queue_name TEXT,
    created_at INTEGER NOT NULL,
    response_status INTEGER NOT NULL,
    caller_ip TEXT NOT NULL,
    labels TEXT NOT NULL,
    flow_control_key TEXT,
    workflow_run_id TEXT,
    workflow_url TEXT,
    workflow_created_at INTEGER,
    failure_state TEXT,
    entry TEXT NOT NULL
);
-- The message to send again on a retry, apart: pages read only `dlq`, whose rows stay small.
CREATE TABLE IF NOT EXISTS dlq_messages (
    sort_key INTEGER PRIMARY KEY,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dlq_message_id ON dlq(message_id);
CREATE INDEX IF NOT EXISTS dlq_run_id ON dlq(workflow_run_id);
-- Pages are in (created_at, sort_key) order (the sort key is the rowid, the last column of
-- every index): unfiltered, in date windows (fromDate/toDate, which `dlq list` reads side by
-- side) and with each filter the commands send, a page reads about a page of index entries.
CREATE INDEX IF NOT EXISTS dlq_created_at ON dlq(workflow, created_at);
CREATE INDEX IF NOT EXISTS dlq_url_created ON dlq(workflow, url, created_at);
CREATE INDEX IF NOT EXISTS dlq_wf_url_created ON dlq(workflow, workflow_url, created_at);
CREATE INDEX IF NOT EXISTS dlq_run_created ON dlq(workflow, workflow_run_id, created_at);
CREATE INDEX IF NOT EXISTS dlq_status_created ON dlq(workflow, response_status, created_at);
-- One row per label of an entry, kept by the triggers below: a page filtered by one label.
CREATE TABLE IF NOT EXISTS dlq_labels (
    label TEXT NOT NULL,
    workflow INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sort_key INTEGER NOT NULL,
    PRIMARY KEY (label, workflow, created_at, sort_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dlq_labels_key ON dlq_labels(sort_key);
CREATE TRIGGER IF NOT EXISTS dlq_labels_add AFTER INSERT ON dlq BEGIN
    INSERT OR IGNORE INTO dlq_labels(label, workflow, created_at, sort_key)
        SELECT value, new.workflow, new.created_at, new.sort_key FROM json_each(new.labels);
END;
CREATE TRIGGER IF NOT EXISTS dlq_labels_drop AFTER DELETE ON dlq BEGIN
    DELETE FROM dlq_labels WHERE sort_key = old.sort_key;
    DELETE FROM dlq_messages WHERE sort_key = old.sort_key;
END;
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    state TEXT NOT NULL,
    url TEXT NOT NULL,
    topic_name TEXT,
    schedule_id TEXT,
    queue_name TEXT,
    labels TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_message_id ON logs(message_id);
CREATE TABLE IF NOT EXISTS dedup (
    dedup_key TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wf_runs (
    run_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    url TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wf_runs_created_at ON wf_runs(created_at);
CREATE TABLE IF NOT EXISTS wf_log (
    run_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    call_type TEXT NOT NULL,
    body BLOB NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS wf_waiters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wf_waiters_event ON wf_waiters(event_id);
CREATE INDEX IF NOT EXISTS wf_waiters_deadline ON wf_waiters(deadline);
CREATE TABLE IF NOT EXISTS wf_events (
    run_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    data BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    endpoints TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    parallelism INTEGER NOT NULL,
    paused INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS schedules (
    schedule_id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"#;

/// Brings a store written by an earlier version up to the current schema.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_run_id = conn
        .prepare("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'run_id'")?
        .exists([])?;
    if !has_run_id {
        conn.execute_batch("ALTER TABLE messages ADD COLUMN run_id TEXT")?;
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS messages_run_id ON messages(run_id)")?;
    // Stores from before `dlq_messages`: move the messages there.
    let inline_messages = conn
        .prepare("SELECT 1 FROM pragma_table_info('dlq') WHERE name = 'message'")?
        .exists([])?;
    if inline_messages {
        conn.execute_batch(
            "INSERT OR IGNORE INTO dlq_messages(sort_key, message) SELECT sort_key, message FROM dlq;
             ALTER TABLE dlq DROP COLUMN message;",
        )?;
    }
    // Stores from before the label index: fill it once (the triggers keep it from then on).
    let labelled: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM dlq_labels)", [], |r| r.get(0))?;
    if !labelled {
        conn.execute_batch(
            "INSERT OR IGNORE INTO dlq_labels(label, workflow, created_at, sort_key)
                 SELECT j.value, d.workflow, d.created_at, d.sort_key FROM dlq d, json_each(d.labels) j",
        )?;
    }
    Ok(())
}

/// Most jobs grouped into one transaction.
const MAX_BATCH: usize = 512;

impl Store {
    /// Opens (and creates) the store: a file with `path`, else an in-memory database.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => {
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // 64 MiB of page cache: large DLQs stay fast.
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        let max_key: Option<i64> =
            conn.query_row("SELECT MAX(sort_key) FROM dlq", [], |r| r.get(0))?;
        let mut ids = DlqIdGen::default();
        if let Some(k) = max_key {
            ids.last_ms = k / SEQ_SPACE;
            ids.seq = k % SEQ_SPACE;
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let durable = path.is_some();
        std::thread::Builder::new()
            .name("dlq-dev-store".into())
            .spawn(move || run(conn, rx, durable))
            .map_err(|e| StoreError::Other(format!("cannot start the store thread: {e}")))?;
        Ok(Store {
            tx,
            ids: Arc::new(Mutex::new(ids)),
        })
    }

    /// Shared DLQ id generator (used inside store jobs).
    pub fn ids(&self) -> Arc<Mutex<DlqIdGen>> {
        self.ids.clone()
    }

    /// Runs `f` in a transaction on the store thread and returns its result once committed.
    /// An `Err` from `f` rolls back only what `f` did.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (otx, orx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let res = f(conn);
            let ok = res.is_ok();
            let reply: Reply = Box::new(move || {
                let _ = otx.send(res);
            });
            (ok, reply)
        });
        self.tx.send(job).map_err(|_| StoreError::Closed)?;
        orx.await.map_err(|_| StoreError::Closed)?
    }
}

/// How long an in-memory store keeps one transaction open (see [`run`]).
const MEMORY_COMMIT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// The store thread. A file store commits every batch before answering it. An in-memory
/// store has nothing to make durable and only this thread reads it, so it answers at once
/// and commits every [`MEMORY_COMMIT_EVERY`] (or when idle): SQLite's per-commit cost grows
/// with the page cache, and a busy server would otherwise pay it thousands of times a second.
fn run(conn: Connection, rx: mpsc::Receiver<Job>, durable: bool) {
    let mut open_since: Option<std::time::Instant> = None;
    loop {
        let first = match open_since {
            // A transaction is open: wait only until it is due for commit.
            Some(t) => match rx.recv_timeout(MEMORY_COMMIT_EVERY.saturating_sub(t.elapsed())) {
                Ok(j) => Some(j),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(j) => Some(j),
                Err(_) => break,
            },
        };
        let Some(first) = first else {
            commit(&conn);
            open_since = None;
            continue;
        };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        if open_since.is_none() {
            if conn.execute_batch("BEGIN IMMEDIATE").is_err() {
                // Without a transaction each statement commits on its own; still correct.
            } else {
                open_since = Some(std::time::Instant::now());
            }
        }
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs {
            let sp = savepoint(&conn, "SAVEPOINT job");
            let (ok, reply) = job(&conn);
            if sp {
                if !ok {
                    savepoint(&conn, "ROLLBACK TO job");
                }
                savepoint(&conn, "RELEASE job");
            }
            replies.push(reply);
        }
        let due = open_since.is_some_and(|t| t.elapsed() >= MEMORY_COMMIT_EVERY);
        if durable || due {
            commit(&conn);
            open_since = None;
        }
        for r in replies {
            r();
        }
    }
    if open_since.is_some() {
        commit(&conn);
    }
}

fn savepoint(conn: &Connection, sql: &str) -> bool {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .is_ok()
}

fn commit(conn: &Connection) {
    if conn.is_autocommit() {
        return;
    }
    if conn.execute_batch("COMMIT").is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlq_ids_are_monotonic_and_round_trip() {
        let mut g = DlqIdGen::default();
        let (k1, a) = g.next(1000);
        let (k2, b) = g.next(1000);
        let (k3, c) = g.next(999);
        assert_eq!(a, "1000-0");
        assert_eq!(b, "1000-1");
        assert_eq!(c, "1000-2");
        assert!(k1 < k2 && k2 < k3);
        assert_eq!(parse_dlq_id(&a), Some(k1));
        assert_eq!(parse_dlq_id("x-1"), None);
        assert_eq!(parse_dlq_id("1-"), None);
        assert_eq!(parse_dlq_id("-1"), None);
        assert_eq!(parse_dlq_id("1-2-3"), None);
    }

    #[tokio::test]
    async fn failing_job_rolls_back_only_itself() {
        let s = Store::open(None).unwrap();
        let a = s.call(|c| {
            c.execute("INSERT INTO meta(key, value) VALUES ('a', '1')", [])?;
            Ok(())
        });
        let b = s.call(|c| {
            c.execute("INSERT INTO meta(key, value) VALUES ('b', '1')", [])?;
            Err::<(), _>(StoreError::Other("nope".into()))
        });
        let (a, b) = tokio::join!(a, b);
        assert!(a.is_ok() && b.is_err());
        let n: i64 = s
            .call(|c| Ok(c.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
