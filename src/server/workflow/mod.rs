//! Upstash Workflow runs on the dev server.
//!
//! The Workflow SDK is stateless: every delivery to the workflow URL carries the run's log (the
//! initial payload and each step result published so far), the SDK replays it, runs one new step
//! and publishes its result back. This module keeps that log and applies the run's settings
//! (given once, at the trigger) to every message of the run. Its functions run inside store
//! jobs: the publish routes call [`protocol::accept`], the engine calls the outcome hooks.
//!
//! The protocol as the SDK implements it: `shared/docs/workflow-protocol.md` (the SDK's own code
//! is the authority).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::message::{CallbackConfig, FlowControl, HeaderMap, b64};
use super::store::StoreError;

pub mod logs;
pub mod protocol;
pub mod wait;

type Result<T> = std::result::Result<T, StoreError>;

/// The states of a run, as the logs API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    RunStarted,
    RunSuccess,
    RunFailed,
    RunCanceled,
}

impl RunState {
    pub fn parse(s: &str) -> Option<RunState> {
        [
            RunState::RunStarted,
            RunState::RunSuccess,
            RunState::RunFailed,
            RunState::RunCanceled,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::RunStarted => "RUN_STARTED",
            RunState::RunSuccess => "RUN_SUCCESS",
            RunState::RunFailed => "RUN_FAILED",
            RunState::RunCanceled => "RUN_CANCELED",
        }
    }
}

/// The run that started a run with `context.invoke`, and where its result goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoker {
    pub run_id: String,
    pub url: String,
    pub created_at: i64,
    /// Publish headers (protocol headers of the invoking run) for the result step.
    pub headers: HeaderMap,
    /// The invoke step (`stepId`, `stepName`, `stepType`, `concurrent`, `targetStep`).
    pub step: Value,
    /// The body given to the invoked run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// One workflow run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub run_id: String,
    pub url: String,
    pub created_at: i64,
    pub state: RunState,
    #[serde(default)]
    pub labels: Vec<String>,
    pub caller_ip: String,
    /// The initial payload, byte-exact.
    #[serde(with = "b64")]
    pub payload: Vec<u8>,
    /// Headers the trigger forwarded (`Upstash-Forward-*`, `Content-Type`): sent with every
    /// delivery of the run.
    #[serde(default)]
    pub forward: HeaderMap,
    /// Retries of each delivery of the run (the trigger's `Upstash-Retries`, default 3).
    pub retries: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_control: Option<FlowControl>,
    /// The failure callback (failureFunction or failureUrl), if the trigger set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<CallbackConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoker: Option<Invoker>,
    /// Fail the run when the first delivery is answered by something that is not the SDK
    /// (feature `WF_DetectTrigger`).
    #[serde(default)]
    pub detect_trigger: bool,
    /// The SDK fetches the steps itself when a delivery comes without them (feature
    /// `LazyFetch`): a log too large for one message is not sent in the body.
    #[serde(default)]
    pub lazy_fetch: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<i64>,
    /// The body of the SDK's end-of-run call (`JSON.stringify` of the route's return value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dlq_id: Option<String>,
    /// The failure function's log (`FailureFunctionLog` of the SDK's types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_function: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<String>,
    /// Messages of the run that were still pending when it failed (a parallel branch, a
    /// sleep): a resume sends them again with the failed one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suspended: Vec<super::message::Message>,
}

impl Run {
    pub fn is_active(&self) -> bool {
        self.state == RunState::RunStarted
    }
}

/// One entry of a run's log: what every delivery to the workflow URL carries.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub index: usize,
    pub message_id: String,
    pub call_type: String,
    pub body: Vec<u8>,
    pub at: i64,
}

pub fn get_run(c: &Connection, run_id: &str) -> Result<Option<Run>> {
    let d: Option<String> = c
        .prepare_cached("SELECT data FROM wf_runs WHERE run_id = ?1")?
        .query_row([run_id], |r| r.get(0))
        .optional()?;
    Ok(match d {
        Some(d) => Some(serde_json::from_str(&d)?),
        None => None,
    })
}

pub fn put_run(c: &Connection, run: &Run) -> Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO wf_runs(run_id, created_at, state, url, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        run.run_id,
        run.created_at,
        run.state.as_str(),
        run.url,
        serde_json::to_string(run)?
    ])?;
    Ok(())
}

/// Starts a run's log afresh (a run id given again after its run ended).
pub fn clear_log(c: &Connection, run_id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM wf_log WHERE run_id = ?1")?
        .execute([run_id])?;
    Ok(())
}

/// Appends an entry to a run's log; returns its index.
pub fn append_log(
    c: &Connection,
    run_id: &str,
    message_id: &str,
    call_type: &str,
    body: &[u8],
    now: i64,
) -> Result<usize> {
    let next: i64 = c
        .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM wf_log WHERE run_id = ?1")?
        .query_row([run_id], |r| r.get(0))?;
    c.prepare_cached(
        "INSERT INTO wf_log(run_id, idx, message_id, call_type, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![run_id, next, message_id, call_type, body, now])?;
    Ok(next as usize)
}

/// Points a log entry at the message that now delivers it (a resumed step).
pub fn set_log_message_id(
    c: &Connection,
    run_id: &str,
    index: usize,
    message_id: &str,
) -> Result<()> {
    c.prepare_cached("UPDATE wf_log SET message_id = ?3 WHERE run_id = ?1 AND idx = ?2")?
        .execute(params![run_id, index as i64, message_id])?;
    Ok(())
}

/// The log up to and including `upto` (all of it with `None`).
pub fn log(c: &Connection, run_id: &str, upto: Option<usize>) -> Result<Vec<LogEntry>> {
    let upto = upto.map(|u| u as i64).unwrap_or(i64::MAX);
    let mut st = c.prepare_cached(
        "SELECT idx, message_id, call_type, body, at FROM wf_log WHERE run_id = ?1 AND idx <= ?2 ORDER BY idx",
    )?;
    let rows = st
        .query_map(params![run_id, upto], |r| {
            Ok(LogEntry {
                index: r.get::<_, i64>(0)? as usize,
                message_id: r.get(1)?,
                call_type: r.get(2)?,
                body: r.get(3)?,
                at: r.get(4)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Whether the delivery of log entry `index` has done its work already: an SDK answering a
/// sequential step publishes the next one before it answers, so when the log has grown past
/// a sequential entry, its delivery's result is in the log (a step result of workflow-py can
/// dead-letter while the delivery before it is still being answered). A parallel group's plan
/// entry (stepId 0, `targetStep` t) is done once a result with stepId t follows it.
pub fn superseded(log: &[LogEntry], index: usize) -> bool {
    let step = |e: &LogEntry| serde_json::from_slice::<Value>(&e.body).ok();
    let Some(entry) = log.iter().find(|e| e.index == index) else {
        return false;
    };
    let later = log.iter().filter(|e| e.index > index);
    let plan_target = (index > 0)
        .then(|| step(entry))
        .flatten()
        .filter(|s| s.get("stepId").and_then(Value::as_i64) == Some(0))
        .and_then(|s| s.get("targetStep").and_then(Value::as_i64));
    match plan_target {
        Some(t) => later
            .filter_map(step)
            .any(|s| s.get("stepId").and_then(Value::as_i64) == Some(t)),
        None => later.count() > 0,
    }
}

/// Copies a run's log to another run id.
pub fn copy_log(c: &Connection, from: &str, to: &str) -> Result<()> {
    clear_log(c, to)?;
    c.prepare_cached(
        "INSERT INTO wf_log(run_id, idx, message_id, call_type, body, at)
         SELECT ?2, idx, message_id, call_type, body, at FROM wf_log WHERE run_id = ?1",
    )?
    .execute(params![from, to])?;
    Ok(())
}

/// The raw-steps array the SDK parses: `[{messageId, body (base64), callType}, …]`.
pub fn steps_json(entries: &[LogEntry]) -> Vec<u8> {
    use base64::Engine as _;
    let arr: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "messageId": e.message_id,
                "body": base64::engine::general_purpose::STANDARD.encode(&e.body),
                "callType": e.call_type,
            })
        })
        .collect();
    Value::Array(arr).to_string().into_bytes()
}

/// Runs, newest first, for the logs API: `(created_at, run_id)` keyset pages.
pub fn runs_page(c: &Connection, before: Option<(i64, String)>, limit: usize) -> Result<Vec<Run>> {
    let (at, id) = before.unwrap_or((i64::MAX, String::new()));
    let mut st = c.prepare_cached(
        "SELECT data FROM wf_runs WHERE created_at < ?1 OR (created_at = ?1 AND run_id < ?2)
         ORDER BY created_at DESC, run_id DESC LIMIT ?3",
    )?;
    let rows = st.query_map(params![at, id, limit as i64], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in rows {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

/// Ids of the active runs (for bulk cancel).
pub fn active_runs(c: &Connection) -> Result<Vec<Run>> {
    let mut st = c.prepare_cached(
        "SELECT data FROM wf_runs WHERE state = 'RUN_STARTED' ORDER BY created_at, run_id",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in rows {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

/// Forgets a run's waiters and kept events (the run ended). Here, beside the run's other
/// records, so that the protocol, which ends runs, need not import the waits, which publish
/// through the protocol.
pub fn drop_waiters(c: &Connection, run_id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM wf_waiters WHERE run_id = ?1")?
        .execute([run_id])?;
    c.prepare_cached("DELETE FROM wf_events WHERE run_id = ?1")?
        .execute([run_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: usize, body: Value) -> LogEntry {
        LogEntry {
            index,
            message_id: format!("msg_{index}"),
            call_type: "step".into(),
            body: serde_json::to_vec(&body).unwrap(),
            at: 0,
        }
    }

    #[test]
    fn a_delivery_is_done_once_the_log_holds_what_it_led_to() {
        let init = LogEntry {
            body: br#"{"orderId":"a"}"#.to_vec(),
            ..entry(0, json!(null))
        };
        let sequential = vec![
            init.clone(),
            entry(1, json!({"stepId": 1, "stepName": "a"})),
        ];
        assert!(superseded(&sequential, 0), "init delivered: step 1 follows");
        assert!(
            !superseded(&sequential, 1),
            "the newest entry's delivery is still owed"
        );

        let plan = |t| json!({"stepId": 0, "targetStep": t, "concurrent": 2});
        let result = |id| json!({"stepId": id, "concurrent": 2});
        let parallel = vec![
            init,
            entry(1, plan(1)),
            entry(2, plan(2)),
            entry(3, result(1)),
        ];
        assert!(superseded(&parallel, 1), "branch 1 answered");
        assert!(!superseded(&parallel, 2), "branch 2 still owes its result");
        assert!(!superseded(&parallel, 9), "an index not in the log");
    }
}
