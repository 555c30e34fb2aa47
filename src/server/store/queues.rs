//! Queues in the store.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::StoreError;

/// Creates the queue with parallelism 1 unless it exists (enqueueing creates queues).
pub fn ensure(c: &Connection, name: &str, now: i64) -> Result<(), StoreError> {
    c.prepare_cached("INSERT OR IGNORE INTO queues(name, created_at, updated_at, parallelism, paused) VALUES (?1, ?2, ?2, 1, 0)")?
        .execute(params![name, now])?;
    Ok(())
}

pub fn upsert(
    c: &Connection,
    name: &str,
    parallelism: u32,
    paused: Option<bool>,
    now: i64,
) -> Result<(u32, bool), StoreError> {
    ensure(c, name, now)?;
    c.prepare_cached("UPDATE queues SET parallelism = ?2, updated_at = ?3 WHERE name = ?1")?
        .execute(params![name, parallelism, now])?;
    if let Some(p) = paused {
        c.prepare_cached("UPDATE queues SET paused = ?2 WHERE name = ?1")?
            .execute(params![name, p])?;
    }
    let paused: bool = c.query_row("SELECT paused FROM queues WHERE name = ?1", [name], |r| {
        r.get(0)
    })?;
    Ok((parallelism, paused))
}

/// Sets `paused`; returns the parallelism, or None when the queue does not exist.
pub fn set_paused(
    c: &Connection,
    name: &str,
    paused: bool,
    now: i64,
) -> Result<Option<u32>, StoreError> {
    let n = c
        .prepare_cached("UPDATE queues SET paused = ?2, updated_at = ?3 WHERE name = ?1")?
        .execute(params![name, paused, now])?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(c.query_row(
        "SELECT parallelism FROM queues WHERE name = ?1",
        [name],
        |r| r.get(0),
    )?))
}

fn to_json(
    c: &Connection,
    name: String,
    created: i64,
    updated: i64,
    parallelism: u32,
    paused: bool,
) -> Result<Value, StoreError> {
    let lag: i64 = c.query_row(
        "SELECT COUNT(*) FROM messages WHERE json_extract(data, '$.queueName') = ?1",
        [&name],
        |r| r.get(0),
    )?;
    Ok(json!({
        "name": name,
        "createdAt": created,
        "updatedAt": updated,
        "parallelism": parallelism,
        "paused": paused,
        "lag": lag,
    }))
}

type Row = (String, i64, i64, u32, bool);

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub fn get(c: &Connection, name: &str) -> Result<Option<Value>, StoreError> {
    let r = c
        .prepare_cached(
            "SELECT name, created_at, updated_at, parallelism, paused FROM queues WHERE name = ?1",
        )?
        .query_row([name], read)
        .optional()?;
    r.map(|(n, cr, up, p, pa)| to_json(c, n, cr, up, p, pa))
        .transpose()
}

pub fn list(c: &Connection) -> Result<Vec<Value>, StoreError> {
    let mut st = c.prepare(
        "SELECT name, created_at, updated_at, parallelism, paused FROM queues ORDER BY name",
    )?;
    let rows = st.query_map([], read)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(n, cr, up, p, pa)| to_json(c, n, cr, up, p, pa))
        .collect()
}

pub fn delete(c: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("DELETE FROM queues WHERE name = ?1")?
        .execute([name])?
        == 1)
}
