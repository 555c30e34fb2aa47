//! `context.waitForEvent` and `notify`: waiters registered by `POST /v2/wait/{eventId}`, resolved
//! by `POST /v2/notify/…` or by their timeout.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::protocol::internal_publish;
use crate::server::message::{HeaderMap, Message};
use crate::server::store::StoreError;

type Result<T> = std::result::Result<T, StoreError>;

/// A run waiting for an event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiter {
    pub event_id: String,
    pub run_id: String,
    /// Where the event's step goes, with which publish headers.
    pub url: String,
    pub headers: HeaderMap,
    /// Unix ms.
    pub deadline: i64,
    /// The duration as given (`7d`), for the step.
    pub timeout: String,
    pub timeout_url: String,
    pub timeout_headers: HeaderMap,
    /// The wait step (`stepId`, `stepName`, `stepType`, `concurrent`, `targetStep`).
    pub step: Value,
    pub caller_ip: String,
}

impl Waiter {
    /// The `Waiter` shape of the API (deadline in Unix seconds, as documented).
    pub fn api_json(&self) -> Value {
        json!({
            "url": self.url,
            "deadline": self.deadline / 1000,
            "headers": self.headers,
            "timeoutUrl": self.timeout_url,
            "timeoutHeaders": self.timeout_headers,
        })
    }

    /// The step the run receives: with the event's data, or marked as timed out.
    fn step(&self, data: Option<&[u8]>) -> Vec<u8> {
        let mut step = self.step.clone();
        if !step.is_object() {
            step = json!({});
        }
        if let Some(d) = data {
            step["out"] = json!(STANDARD.encode(d));
        }
        step["waitEventId"] = json!(self.event_id);
        step["timeout"] = json!(self.timeout);
        step["waitTimeout"] = json!(data.is_none());
        step.to_string().into_bytes()
    }
}

/// Registers a waiter, or resolves it at once with an event that was sent for its run before
/// it waited (the lookback of `notify/{workflowRunId}/{eventId}`).
pub fn register(c: &Connection, w: Waiter, now: i64) -> Result<Vec<Message>> {
    let stored: Option<(i64, Vec<u8>)> = c
        .prepare_cached(
            "SELECT rowid, data FROM wf_events WHERE run_id = ?1 AND event_id = ?2 ORDER BY rowid LIMIT 1",
        )?
        .query_row(params![w.run_id, w.event_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((rowid, data)) = stored {
        c.prepare_cached("DELETE FROM wf_events WHERE rowid = ?1")?
            .execute([rowid])?;
        return Ok(resolve(c, &w, Some(&data), now)?.into_iter().collect());
    }
    c.prepare_cached(
        "INSERT INTO wf_waiters(event_id, run_id, deadline, data) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        w.event_id,
        w.run_id,
        w.deadline,
        serde_json::to_string(&w)?
    ])?;
    Ok(Vec::new())
}

fn resolve(c: &Connection, w: &Waiter, data: Option<&[u8]>, now: i64) -> Result<Option<Message>> {
    let (url, headers) = match data {
        Some(_) => (&w.url, &w.headers),
        None => (&w.timeout_url, &w.timeout_headers),
    };
    internal_publish(c, url, headers, w.step(data), &w.caller_ip, now)
}

fn waiters(c: &Connection, event_id: &str, run_id: Option<&str>) -> Result<Vec<(i64, Waiter)>> {
    let mut st =
        c.prepare_cached("SELECT id, data FROM wf_waiters WHERE event_id = ?1 ORDER BY id")?;
    let rows = st
        .query_map([event_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (id, d) in rows {
        let w: Waiter = serde_json::from_str(&d)?;
        if run_id.is_none_or(|r| r == w.run_id) {
            out.push((id, w));
        }
    }
    Ok(out)
}

/// Sends an event to every run waiting for it (only to `run_id` when given, which also keeps
/// the event for that run if it is not waiting yet). Returns the API's answer, one item per
/// waiter notified, and the messages created.
pub fn notify(
    c: &Connection,
    event_id: &str,
    run_id: Option<&str>,
    data: &[u8],
    now: i64,
) -> Result<(Vec<Value>, Vec<Message>)> {
    let found = waiters(c, event_id, run_id)?;
    let mut answers = Vec::new();
    let mut created = Vec::new();
    for (id, w) in &found {
        c.prepare_cached("DELETE FROM wf_waiters WHERE id = ?1")?
            .execute([id])?;
        let m = resolve(c, w, Some(data), now)?;
        answers.push(json!({
            "waiter": w.api_json(),
            "messageId": m.as_ref().map(|m| m.message_id.clone()).unwrap_or_default(),
            "error": if m.is_some() { "" } else { "the workflow run is not running" },
        }));
        created.extend(m);
    }
    if found.is_empty()
        && let Some(r) = run_id
    {
        c.prepare_cached(
            "INSERT INTO wf_events(run_id, event_id, data, at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![r, event_id, data, now])?;
    }
    Ok((answers, created))
}

/// The waiters of an event, in the API's shape.
pub fn list(c: &Connection, event_id: &str) -> Result<Vec<Value>> {
    Ok(waiters(c, event_id, None)?
        .into_iter()
        .map(|(_, w)| w.api_json())
        .collect())
}

/// Resolves the waiters whose deadline has passed with a timed-out step.
pub fn fire_timeouts(c: &Connection, now: i64) -> Result<Vec<Message>> {
    let mut st = c.prepare_cached(
        "SELECT id, data FROM wf_waiters WHERE deadline <= ?1 ORDER BY deadline, id",
    )?;
    let due = st
        .query_map([now], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut created = Vec::new();
    for (id, d) in due {
        c.prepare_cached("DELETE FROM wf_waiters WHERE id = ?1")?
            .execute([id])?;
        let w: Waiter = serde_json::from_str(&d)?;
        created.extend(resolve(c, &w, None, now)?);
    }
    Ok(created)
}

/// When the next waiter times out (Unix ms).
pub fn next_deadline(c: &Connection) -> Result<Option<i64>> {
    Ok(c.prepare_cached("SELECT MIN(deadline) FROM wf_waiters")?
        .query_row([], |r| r.get(0))?)
}
