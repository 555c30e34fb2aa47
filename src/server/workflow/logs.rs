//! The workflow logs API (`GET /v2/workflows/events`, `/v2/workflows/logs`): runs with their
//! steps, in the shape of the SDK's `WorkflowRunLog`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::{Run, RunState, log, runs_page};
use crate::server::message::Kind;
use crate::server::store::StoreError;
use crate::server::store::db;

type Result<T> = std::result::Result<T, StoreError>;

/// Filters of the logs API. Values within one field are ORed.
#[derive(Debug, Default, Clone)]
pub struct RunFilter {
    pub run_ids: Vec<String>,
    pub url: Option<String>,
    pub url_prefix: bool,
    pub created_at: Option<i64>,
    pub states: Vec<String>,
    pub labels: Vec<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub caller_ip: Vec<String>,
    pub flow_control_key: Vec<String>,
    /// `workflowRuns=ID@TS,…`: exactly these runs (a pair without a time: every run of the id).
    pub pairs: Vec<(String, Option<i64>)>,
}

impl RunFilter {
    pub fn matches(&self, r: &Run) -> bool {
        (self.run_ids.is_empty() || self.run_ids.contains(&r.run_id))
            && self.url.as_ref().is_none_or(|u| {
                if self.url_prefix {
                    r.url.starts_with(u.as_str())
                } else {
                    &r.url == u
                }
            })
            && self.created_at.is_none_or(|t| r.created_at == t)
            && (self.pairs.is_empty()
                || self
                    .pairs
                    .iter()
                    .any(|(id, t)| id == &r.run_id && t.is_none_or(|t| t == r.created_at)))
            && (self.states.is_empty() || self.states.iter().any(|s| s == r.state.as_str()))
            && (self.labels.is_empty() || r.labels.iter().any(|l| self.labels.contains(l)))
            && self.from.is_none_or(|t| r.created_at >= t)
            && self.to.is_none_or(|t| r.created_at <= t)
            && (self.caller_ip.is_empty() || self.caller_ip.contains(&r.caller_ip))
            && (self.flow_control_key.is_empty()
                || r.flow_control
                    .as_ref()
                    .is_some_and(|f| self.flow_control_key.contains(&f.key)))
    }
}

/// Cursor of the logs API: `<createdAt>_<runId>` of the last run of the previous page.
pub fn parse_cursor(s: &str) -> Option<(i64, String)> {
    let (at, id) = s.split_once('_')?;
    Some((at.parse().ok()?, id.to_string()))
}

/// Up to `count` matching runs, newest first, and the cursor of the next page.
pub fn page(
    c: &Connection,
    f: &RunFilter,
    cursor: Option<(i64, String)>,
    count: usize,
) -> Result<(Vec<Run>, Option<String>)> {
    let mut out = Vec::new();
    let mut before = cursor;
    loop {
        let batch = runs_page(c, before.clone(), 200)?;
        let Some(last) = batch.last() else {
            return Ok((out, None));
        };
        before = Some((last.created_at, last.run_id.clone()));
        for r in batch {
            if !f.matches(&r) {
                continue;
            }
            if out.len() == count {
                let next = out
                    .last()
                    .map(|l: &Run| format!("{}_{}", l.created_at, l.run_id));
                return Ok((out, next));
            }
            out.push(r);
        }
    }
}

/// One run in the `WorkflowRunLog` shape.
pub fn run_json(c: &Connection, run: &Run) -> Result<Value> {
    let mut o = Map::new();
    o.insert("workflowRunId".into(), json!(run.run_id));
    o.insert("workflowUrl".into(), json!(run.url));
    o.insert("workflowState".into(), json!(run.state.as_str()));
    o.insert("workflowRunCreatedAt".into(), json!(run.created_at));
    if let Some(t) = run.completed_at {
        o.insert("workflowRunCompletedAt".into(), json!(t));
    }
    if let Some(r) = &run.response {
        o.insert("workflowRunResponse".into(), json!(r));
    }
    if let Some(first) = run.labels.first() {
        o.insert("label".into(), json!(first));
        o.insert("labels".into(), json!(run.labels));
    }
    if let Some(d) = &run.dlq_id {
        o.insert("dlqId".into(), json!(d));
    }
    if let Some(inv) = &run.invoker {
        o.insert(
            "invoker".into(),
            json!({
                "workflowRunId": inv.run_id,
                "workflowUrl": inv.url,
                "workflowRunCreatedAt": inv.created_at,
            }),
        );
    }
    if let Some(ff) = &run.failure_function {
        o.insert("failureFunction".into(), ff.clone());
    }
    o.insert("steps".into(), Value::Array(steps(c, run)?));
    Ok(Value::Object(o))
}

/// The run's steps: the initial payload, completed steps (each parallel group with every
/// branch, finished or not), then what is pending or failed outside a group.
fn steps(c: &Connection, run: &Run) -> Result<Vec<Value>> {
    let mut st = StepsLog {
        groups: Vec::new(),
        open: None,
        unfinished: unfinished(c, run)?,
        ended: matches!(run.state, RunState::RunFailed | RunState::RunCanceled),
    };
    for e in &log(c, &run.run_id, None)? {
        st.entry(run, e);
    }
    st.close_group();
    let next: Vec<Value> = st.unfinished.into_iter().map(|(_, v)| v).collect();
    let mut groups = st.groups;
    if !next.is_empty() {
        groups.push(json!({"type": "next", "steps": next}));
    }
    Ok(groups)
}

/// The groups built so far, the parallel group still open, and the run's steps that have not
/// finished (pending or failed messages, with their message ids) not yet claimed by a branch.
struct StepsLog {
    groups: Vec<Value>,
    open: Option<Parallel>,
    unfinished: Vec<(String, Value)>,
    ended: bool,
}

/// A parallel group: its planned branches (message id, plan step) and the results so far.
#[derive(Default)]
struct Parallel {
    plans: Vec<(String, Map<String, Value>)>,
    results: Vec<Value>,
    concurrent: u64,
}

impl StepsLog {
    fn entry(&mut self, run: &Run, e: &super::LogEntry) {
        if e.index == 0 {
            self.groups.push(json!({"type": "sequential", "steps": [{
                "stepId": 0, "stepName": "init", "stepType": "Initial", "callType": "step",
                "messageId": e.message_id, "out": String::from_utf8_lossy(&run.payload),
                "concurrent": 1, "state": "STEP_SUCCESS", "createdAt": e.at,
            }]}));
            return;
        }
        if e.call_type != "step" {
            return;
        }
        let Ok(Value::Object(mut step)) = serde_json::from_slice::<Value>(&e.body) else {
            return;
        };
        let concurrent = step.get("concurrent").and_then(Value::as_u64).unwrap_or(1);
        // Plan steps of a parallel group carry stepId 0 and the branch's targetStep; their
        // results follow.
        if step.get("stepId").and_then(Value::as_i64) == Some(0) {
            let g = self.open.get_or_insert_with(Parallel::default);
            g.concurrent = concurrent;
            g.plans.push((e.message_id.clone(), step));
            return;
        }
        step.insert("callType".into(), json!("step"));
        step.insert("messageId".into(), json!(e.message_id));
        step.insert("state".into(), json!("STEP_SUCCESS"));
        step.insert("createdAt".into(), json!(e.at));
        if concurrent <= 1 {
            self.close_group();
            self.groups
                .push(json!({"type": "sequential", "steps": [Value::Object(step)]}));
            return;
        }
        let g = self.open.get_or_insert_with(Parallel::default);
        g.concurrent = concurrent;
        g.results.push(Value::Object(step));
        if g.results.len() as u64 >= concurrent {
            self.close_group();
        }
    }

    /// Ends the open group: its results, then each branch without one in its real state.
    fn close_group(&mut self) {
        let Some(g) = self.open.take() else {
            return;
        };
        let done: Vec<i64> = g
            .results
            .iter()
            .filter_map(|r| r.get("stepId").and_then(Value::as_i64))
            .collect();
        let mut steps = g.results;
        for (message_id, plan) in g.plans {
            let target = plan.get("targetStep").and_then(Value::as_i64);
            if target.is_some_and(|t| done.contains(&t)) {
                continue;
            }
            steps.push(self.branch(&message_id, plan, target));
        }
        if !steps.is_empty() {
            self.groups
                .push(json!({"type": "parallel", "steps": steps}));
        }
    }

    /// A branch with no result: failed, pending or running as its message says; when the run
    /// has ended without it, cancelled (its message dropped with the run's; inferred).
    fn branch(&mut self, message_id: &str, plan: Map<String, Value>, target: Option<i64>) -> Value {
        let claimed = self.unfinished.iter().position(|(id, _)| id == message_id);
        let mut o = match claimed.map(|i| self.unfinished.remove(i).1) {
            Some(Value::Object(o)) => o,
            _ => {
                let state = if self.ended {
                    "STEP_CANCELED"
                } else {
                    "STEP_PROGRESS"
                };
                let mut o = Map::new();
                o.insert("messageId".into(), json!(message_id));
                o.insert("state".into(), json!(state));
                o
            }
        };
        for k in [
            "stepName",
            "stepType",
            "concurrent",
            "sleepFor",
            "sleepUntil",
        ] {
            if let Some(v) = plan.get(k) {
                o.entry(k.to_string()).or_insert_with(|| v.clone());
            }
        }
        o.insert("stepId".into(), json!(target.unwrap_or(0)));
        o.insert("callType".into(), json!("step"));
        Value::Object(o)
    }
}

/// The run's pending messages and the one that made it fail, with their ids, in the shape of
/// the `next` group's steps.
fn unfinished(c: &Connection, run: &Run) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for m in db::run_messages(c, &run.run_id)? {
        if matches!(m.kind, Kind::FailureCallback { .. }) {
            continue;
        }
        let state = if m.retried > 0 {
            "STEP_RETRY"
        } else {
            "STEP_PROGRESS"
        };
        let v = pending(
            c,
            &m.message_id,
            state,
            m.max_retries,
            &m.retry_delay_expression,
        )?;
        out.push((m.message_id.clone(), v));
    }
    if run.state == RunState::RunFailed
        && let Some(id) = failed_message(c, run)?
    {
        let v = pending(c, &id, "STEP_FAILED", run.retries, &run.retry_delay)?;
        out.push((id, v));
    }
    Ok(out)
}

/// The message that made the run fail: the last message with a FAILED event.
fn failed_message(c: &Connection, run: &Run) -> Result<Option<String>> {
    let entries = log(c, &run.run_id, None)?;
    for e in entries.iter().rev() {
        if db::has_log_state(c, &e.message_id, "FAILED")? {
            return Ok(Some(e.message_id.clone()));
        }
    }
    Ok(None)
}

fn pending(
    c: &Connection,
    message_id: &str,
    state: &str,
    retries: u32,
    retry_delay: &Option<String>,
) -> Result<Value> {
    let mut errors = Vec::new();
    let mut step_name = None;
    for e in db::log_events(c, message_id, "ERROR")? {
        let body = e["responseBody"]
            .as_str()
            .and_then(|b| STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if let Some(n) = e["responseHeaders"]["Upstash-Error-Step-Name"][0].as_str() {
            step_name = Some(n.to_string());
        }
        errors.push(json!({
            "error": e["error"],
            "body": body,
            "headers": e.get("responseHeaders").cloned().unwrap_or_else(|| json!({})),
            "status": e.get("responseStatus").cloned().unwrap_or(json!(0)),
            "time": e["time"],
        }));
    }
    let mut o = json!({
        "messageId": message_id,
        "state": state,
        "retries": retries,
        "errors": errors,
    });
    if let Some(n) = step_name {
        o["stepName"] = json!(n);
    }
    if let Some(d) = retry_delay {
        o["retryDelay"] = json!(d);
    }
    Ok(o)
}
