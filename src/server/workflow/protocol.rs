//! The steps protocol: what a publish of a workflow message does to its run, what a delivery's
//! outcome does, and how a failed run is resumed or restarted. Every function runs inside a
//! store job (one transaction with the change that called it).

use rusqlite::Connection;
use serde_json::{Value, json};

use super::{Invoker, Run, RunState, append_log, clear_log, copy_log, get_run, log, put_run};
use super::{set_log_message_id, steps_json, superseded};
use crate::server::headers::{Origin, PublishOptions, build_message, parse_publish_headers};
use crate::server::message::{
    AttemptResponse, CallType, DEFAULT_RETRIES, HeaderMap, Kind, Message, WorkflowInfo,
    callback_body, new_id,
};
use crate::server::store::StoreError;
use crate::server::store::db;
use crate::server::store::db::insert_new;

type Result<T> = std::result::Result<T, StoreError>;

pub const RUN_ID: &str = "Upstash-Workflow-Runid";
const INIT: &str = "Upstash-Workflow-Init";
const URL: &str = "Upstash-Workflow-Url";
const CALL_TYPE: &str = "Upstash-Workflow-Calltype";
const CREATED_AT: &str = "Upstash-Workflow-Createdat";
const INVOKE: &str = "Upstash-Workflow-Invoke";
const FEATURE_SET: &str = "Upstash-Feature-Set";
const TRIGGER_BY_SDK: &str = "Upstash-Workflow-Trigger-By-Sdk";
pub const SDK_VERSION: &str = "Upstash-Workflow-Sdk-Version";

/// The error the run gets when its first delivery reached something that is not a workflow
/// endpoint (feature `WF_DetectTrigger`), worded as the service words it.
pub const NON_WORKFLOW_ERROR: &str = "detected a non-workflow destination for trigger/invoke. make sure you are sending the request to the correct endpoint";

fn get<'a>(h: &'a HeaderMap, k: &str) -> Option<&'a str> {
    h.get(k).and_then(|v| v.first()).map(String::as_str)
}

/// The run id a publish names, if it is a message of a workflow run.
pub fn run_id_of(ctrl: &HeaderMap) -> Option<&str> {
    get(ctrl, RUN_ID).filter(|v| !v.is_empty())
}

fn call_type(ctrl: &HeaderMap) -> CallType {
    match get(ctrl, CALL_TYPE) {
        Some("toCallback") => CallType::ToCallback,
        Some("fromCallback") => CallType::FromCallback,
        Some("failureCall") => CallType::FailureCall,
        _ => CallType::Step,
    }
}

/// What accepting a workflow publish did.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// `m` is ready to store and schedule.
    New,
    /// A trigger of a run that is still running: the id of its first message.
    Duplicate(String),
}

/// Applies a publish carrying `Upstash-Workflow-RunId` to its run: a trigger starts the run, a
/// step result or `context.call` request joins its log. `m` comes from the publish headers and
/// leaves ready to deliver: body, headers and settings as the run says.
pub fn accept(c: &Connection, m: &mut Message, ctrl: &HeaderMap, now: i64) -> Result<Accepted> {
    let Some(run_id) = run_id_of(ctrl).map(String::from) else {
        return Ok(Accepted::New);
    };
    let existing = get_run(c, &run_id)?;
    // The SDK always says; a hand-made publish without it starts the run it names.
    let init = match get(ctrl, INIT) {
        Some(v) => v.eq_ignore_ascii_case("true"),
        None => existing.is_none(),
    };
    if init {
        return start_run(c, m, ctrl, existing, &run_id, now);
    }
    let run = match existing {
        Some(r) if r.is_active() => r,
        Some(r) => {
            // The SDK reads a 400 as "the run was cancelled or has ended" and stops quietly.
            return Err(StoreError::rejected(
                400,
                format!(
                    "workflow run {run_id} is not running ({}): nothing more can be added to it",
                    r.state.as_str()
                ),
            ));
        }
        None => {
            return Err(StoreError::rejected(
                400,
                format!("workflow run {run_id} does not exist"),
            ));
        }
    };
    match call_type(ctrl) {
        CallType::ToCallback => {
            let idx = append_log(c, &run_id, &m.message_id, "toCallback", &m.body, now)?;
            // The call keeps its own retries, timeout and flow control; its callback brings
            // the answer back to the run.
            m.workflow = Some(info(&run, CallType::ToCallback, Some(idx)));
            m.labels = run.labels.clone();
        }
        _ => {
            let idx = append_log(c, &run_id, &m.message_id, "step", &m.body, now)?;
            m.body = steps_json(&log(c, &run_id, Some(idx))?);
            apply_run(m, &run, CallType::Step, Some(idx));
        }
    }
    Ok(Accepted::New)
}

fn info(run: &Run, call: CallType, index: Option<usize>) -> WorkflowInfo {
    WorkflowInfo {
        run_id: run.run_id.clone(),
        url: run.url.clone(),
        created_at: run.created_at,
        call,
        index,
        lazy_fetch: run.lazy_fetch,
    }
}

/// Headers of a delivery to the workflow URL: the run's forwarded headers, the message's own
/// (by name, the message's win), and the run's identity.
fn delivery_headers(run: &Run, own: &HeaderMap, call: CallType) -> HeaderMap {
    let mut h = run.forward.clone();
    for (k, v) in own {
        h.insert(k.clone(), v.clone());
    }
    if call == CallType::FromCallback {
        // With it the SDK would parse the callback body as the run's steps.
        h.remove(SDK_VERSION);
    }
    h.insert(RUN_ID.into(), vec![run.run_id.clone()]);
    h.insert(CREATED_AT.into(), vec![run.created_at.to_string()]);
    if !run.labels.is_empty() {
        h.insert("Upstash-Label".into(), vec![run.labels.join(",")]);
    }
    h
}

/// Gives `m` the run's settings: they are sent once, with the trigger, and hold for every
/// delivery of the run.
fn apply_run(m: &mut Message, run: &Run, call: CallType, index: Option<usize>) {
    m.header = delivery_headers(run, &m.header, call);
    m.max_retries = run.retries;
    if m.retry_delay_expression.is_none() {
        m.retry_delay_expression = run.retry_delay.clone();
    }
    if m.flow_control.is_none() {
        m.flow_control = run.flow_control.clone();
    }
    m.failure_callback = run.failure.clone();
    m.labels = run.labels.clone();
    if m.redact.is_empty() {
        m.redact = run.redact.clone();
    }
    m.workflow = Some(info(run, call, index));
}

fn start_run(
    c: &Connection,
    m: &mut Message,
    ctrl: &HeaderMap,
    existing: Option<Run>,
    run_id: &str,
    now: i64,
) -> Result<Accepted> {
    let retrigger = get(ctrl, TRIGGER_BY_SDK).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if let Some(r) = &existing
        && r.is_active()
        && !retrigger
    {
        let first = log(c, run_id, Some(0))?
            .into_iter()
            .next()
            .map(|e| e.message_id)
            .unwrap_or_default();
        return Ok(Accepted::Duplicate(first));
    }
    let invoke = get(ctrl, INVOKE).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (payload, invoker) = if invoke {
        parse_invoke(&m.body)?
    } else {
        (m.body.clone(), None)
    };
    let features = get(ctrl, FEATURE_SET).unwrap_or("");
    let run = Run {
        run_id: run_id.to_string(),
        url: get(ctrl, URL)
            .map(String::from)
            .unwrap_or_else(|| m.url.clone()),
        created_at: now,
        state: RunState::RunStarted,
        labels: m.labels.clone(),
        caller_ip: m.caller_ip.clone(),
        payload,
        forward: m.header.clone(),
        retries: m.max_retries,
        retry_delay: m.retry_delay_expression.clone(),
        flow_control: m.flow_control.clone(),
        failure: m.failure_callback.clone(),
        invoker,
        detect_trigger: features.split(',').any(|f| f.trim() == "WF_DetectTrigger"),
        lazy_fetch: features.split(',').any(|f| f.trim() == "LazyFetch"),
        completed_at: None,
        response: None,
        dlq_id: None,
        failure_function: None,
        redact: m.redact.clone(),
        suspended: Vec::new(),
    };
    clear_log(c, run_id)?;
    put_run(c, &run)?;
    let idx = append_log(c, run_id, &m.message_id, "step", &run.payload, now)?;
    m.body = steps_json(&log(c, run_id, Some(idx))?);
    apply_run(m, &run, CallType::Step, Some(idx));
    Ok(Accepted::New)
}

/// The body of a `context.invoke` publish: the child's payload and who invoked it.
fn parse_invoke(body: &[u8]) -> Result<(Vec<u8>, Option<Invoker>)> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        StoreError::rejected(
            400,
            format!("invalid invoke body: expected {{body, workflowRunId, workflowUrl, headers, step}}: {e}"),
        )
    })?;
    let s = |k: &str| v[k].as_str().map(String::from);
    let body = s("body");
    let headers: HeaderMap = serde_json::from_value(v["headers"].clone()).unwrap_or_default();
    let invoker = match (s("workflowRunId"), s("workflowUrl")) {
        (Some(run_id), Some(url)) => Some(Invoker {
            run_id,
            url,
            created_at: v["workflowRunCreatedAt"].as_i64().unwrap_or(0),
            headers,
            step: v["step"].clone(),
            body: body.clone(),
        }),
        _ => None,
    };
    Ok((body.unwrap_or_default().into_bytes(), invoker))
}

/// Publishes a step of a run on the server's own behalf (an invoke result, an event, a wait
/// timeout) with the protocol headers the SDK gave for it. `None` when the run is over.
pub fn internal_publish(
    c: &Connection,
    url: &str,
    headers: &HeaderMap,
    body: Vec<u8>,
    caller_ip: &str,
    now: i64,
) -> Result<Option<Message>> {
    let mut h = axum::http::HeaderMap::new();
    for (k, vs) in headers {
        let Ok(name) = axum::http::HeaderName::from_bytes(k.as_bytes()) else {
            continue;
        };
        for v in vs {
            if let Ok(value) = axum::http::HeaderValue::from_str(v) {
                h.append(name.clone(), value);
            }
        }
    }
    let o = parse_publish_headers(&h).map_err(StoreError::Other)?;
    let mut m = build_message(&o, url, &body, caller_ip, now, Origin::default());
    match accept(c, &mut m, &o.workflow, now) {
        Ok(_) => {
            insert_new(c, &m, now)?;
            Ok(Some(m))
        }
        Err(StoreError::Rejected(..)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A `context.call` got its final answer: the callback message that brings it to the run
/// (stored; the caller schedules it). `None` when the run is no longer running.
pub fn call_answered(
    c: &Connection,
    call: &Message,
    resp: &AttemptResponse,
    now: i64,
) -> Result<Option<Message>> {
    let (Some(w), Some(cb)) = (&call.workflow, &call.callback) else {
        return Ok(None);
    };
    let Some(run) = get_run(c, &w.run_id)?.filter(Run::is_active) else {
        return Ok(None);
    };
    let body = callback_body(call, resp, None).to_string().into_bytes();
    let mut header = cb.header.clone();
    header
        .entry("Content-Type".into())
        .or_insert_with(|| vec!["application/json".into()]);
    let delay = cb.delay_ms.unwrap_or(0) as i64;
    let mut m = Message {
        message_id: new_id("msg_"),
        url: cb.url.clone(),
        method: cb.method.clone().unwrap_or_else(|| "POST".into()),
        header,
        not_before: now + delay,
        created_at: now,
        next_delivery: now + delay,
        timeout_ms: cb.timeout_ms,
        caller_ip: run.caller_ip.clone(),
        ..Message::default()
    };
    let idx = append_log(c, &run.run_id, &m.message_id, "fromCallback", &body, now)?;
    m.body = body;
    apply_run(&mut m, &run, CallType::FromCallback, Some(idx));
    if let Some(r) = cb.retries {
        m.max_retries = r;
    }
    insert_new(c, &m, now)?;
    Ok(Some(m))
}

/// What ending a run changed: messages created (failure callback, invoker result) and pending
/// messages removed (the caller tells the engine to drop them).
#[derive(Debug, Default)]
pub struct Ended {
    pub created: Vec<Message>,
    pub cancelled: Vec<String>,
}

/// Removes the run's pending messages (not its failure callback, which outlives it); returns
/// them.
fn drop_pending(c: &Connection, run_id: &str, ended: &mut Ended) -> Result<Vec<Message>> {
    let mut dropped = Vec::new();
    for m in db::run_messages(c, run_id)? {
        if matches!(m.kind, Kind::FailureCallback { .. }) {
            continue;
        }
        db::delete_message(c, &m.message_id)?;
        ended.cancelled.push(m.message_id.clone());
        dropped.push(m);
    }
    super::drop_waiters(c, run_id)?;
    Ok(dropped)
}

/// A message of a run failed for good (retries used up, 489, or not a workflow endpoint) and
/// was dead-lettered as `dlq_id`: the run fails, its other messages are dropped, its failure
/// callback is sent and an invoking run learns of it.
pub fn fail_run(
    c: &Connection,
    failed: &Message,
    resp: &AttemptResponse,
    dlq_id: &str,
    now: i64,
) -> Result<Ended> {
    let mut ended = Ended::default();
    let Some(w) = &failed.workflow else {
        return Ok(ended);
    };
    let Some(mut run) = get_run(c, &w.run_id)?.filter(Run::is_active) else {
        return Ok(ended);
    };
    run.state = RunState::RunFailed;
    run.completed_at = Some(now);
    run.dlq_id = Some(dlq_id.to_string());
    let steps = log(c, &run.run_id, None)?;
    run.suspended = drop_pending(c, &run.run_id, &mut ended)?
        .into_iter()
        .filter(|m| {
            m.workflow.as_ref().is_some_and(|w| {
                w.call == CallType::Step && !w.index.is_some_and(|i| superseded(&steps, i))
            })
        })
        .collect();
    if let Some(f) = failure_message(&run, failed, resp, dlq_id, now) {
        run.failure_function = Some(json!({
            "messageId": f.message_id,
            "url": f.url,
            "state": "CALLBACK_INPROGRESS",
            "failStatus": resp.status,
            "failResponse": String::from_utf8_lossy(&resp.body),
            "failHeaders": resp.header,
            "dlqId": dlq_id,
        }));
        insert_new(c, &f, now)?;
        ended.created.push(f);
    }
    put_run(c, &run)?;
    ended.created.extend(invoker_result(c, &run, now)?);
    Ok(ended)
}

/// The failure callback of a failed run: the documented callback body, whose `sourceBody` is
/// the run's initial payload (the failure function's `context.requestPayload`), sent with the
/// run's current id.
pub fn failure_message(
    run: &Run,
    failed: &Message,
    resp: &AttemptResponse,
    dlq_id: &str,
    now: i64,
) -> Option<Message> {
    let cfg = run.failure.as_ref()?;
    let mut header = cfg.header.clone();
    for (k, v) in &cfg.workflow {
        if k != FEATURE_SET {
            header.insert(k.clone(), v.clone());
        }
    }
    header.insert(RUN_ID.into(), vec![run.run_id.clone()]);
    header.insert(INIT.into(), vec!["false".into()]);
    header.insert(URL.into(), vec![run.url.clone()]);
    header.insert(CALL_TYPE.into(), vec!["failureCall".into()]);
    header
        .entry("Content-Type".into())
        .or_insert_with(|| vec!["application/json".into()]);
    let mut src = failed.clone();
    src.body = run.payload.clone();
    src.url = run.url.clone();
    src.workflow = Some(info(run, CallType::Step, None));
    let body = callback_body(&src, resp, Some(dlq_id));
    let delay = cfg.delay_ms.unwrap_or(0) as i64;
    Some(Message {
        message_id: new_id("msg_"),
        url: cfg.url.clone(),
        method: cfg.method.clone().unwrap_or_else(|| "POST".into()),
        header,
        body: body.to_string().into_bytes(),
        max_retries: cfg.retries.unwrap_or(DEFAULT_RETRIES),
        not_before: now + delay,
        created_at: now,
        next_delivery: now + delay,
        timeout_ms: cfg.timeout_ms,
        caller_ip: run.caller_ip.clone(),
        retry_delay_expression: cfg.retry_delay.clone(),
        kind: Kind::FailureCallback {
            dlq_id: dlq_id.to_string(),
        },
        workflow: Some(info(run, CallType::FailureCall, None)),
        ..Message::default()
    })
}

/// Records the outcome of a run's failure callback in the run's log.
pub fn failure_function_done(
    c: &Connection,
    run_id: &str,
    state: &str,
    resp: Option<&AttemptResponse>,
) -> Result<()> {
    let Some(mut run) = get_run(c, run_id)? else {
        return Ok(());
    };
    let Some(ff) = run.failure_function.as_mut() else {
        return Ok(());
    };
    ff["state"] = json!(state);
    if let Some(r) = resp {
        ff["responseStatus"] = json!(r.status);
        ff["responseBody"] = json!(String::from_utf8_lossy(&r.body));
        ff["responseHeaders"] = json!(r.header);
    }
    put_run(c, &run)
}

/// The SDK's end-of-run call (`DELETE /v2/workflows/runs/{id}?cancel=…`). Ending a run that
/// has already ended changes nothing.
pub fn end_run(
    c: &Connection,
    run_id: &str,
    cancel: bool,
    body: Option<String>,
    now: i64,
) -> Result<Ended> {
    let mut ended = Ended::default();
    let Some(mut run) = get_run(c, run_id)? else {
        return Err(StoreError::rejected(
            404,
            format!("workflow run {run_id} not found"),
        ));
    };
    if !run.is_active() {
        return Ok(ended);
    }
    run.completed_at = Some(now);
    if cancel {
        run.state = RunState::RunCanceled;
        drop_pending(c, run_id, &mut ended)?;
    } else {
        run.state = RunState::RunSuccess;
        run.response = body.filter(|b| !b.is_empty());
        super::drop_waiters(c, run_id)?;
    }
    put_run(c, &run)?;
    ended.created.extend(invoker_result(c, &run, now)?);
    Ok(ended)
}

/// The result step an invoking run receives when the run it invoked ends.
fn invoker_result(c: &Connection, child: &Run, now: i64) -> Result<Vec<Message>> {
    let Some(inv) = &child.invoker else {
        return Ok(Vec::new());
    };
    let out = match child.state {
        RunState::RunSuccess => match &child.response {
            Some(b) => json!({ "body": b, "isFailed": false, "isCanceled": false }),
            None => json!({ "isFailed": false, "isCanceled": false }),
        },
        RunState::RunFailed => json!({ "isFailed": true, "isCanceled": false }),
        RunState::RunCanceled => json!({ "isFailed": false, "isCanceled": true }),
        RunState::RunStarted => return Ok(Vec::new()),
    };
    let mut step = inv.step.clone();
    if !step.is_object() {
        return Ok(Vec::new());
    }
    step["out"] = json!(out.to_string());
    // The invoking run ended (failed or cancelled) before its child: the result is kept in its
    // log all the same, so its logs show what became of the child and a resume of it starts
    // with the result instead of invoking the child again.
    if get_run(c, &inv.run_id)?.is_some_and(|p| !p.is_active()) {
        append_log(c, &inv.run_id, "", "step", step.to_string().as_bytes(), now)?;
        return Ok(Vec::new());
    }
    Ok(internal_publish(
        c,
        &inv.url,
        &inv.headers,
        step.to_string().into_bytes(),
        &child.caller_ip,
        now,
    )?
    .into_iter()
    .collect())
}

/// Whether the run of a first delivery wants non-workflow destinations detected.
pub fn detects_non_workflow(c: &Connection, run_id: &str) -> Result<bool> {
    Ok(get_run(c, run_id)?.is_some_and(|r| r.detect_trigger && r.is_active()))
}

/// How a failed run is recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rerun {
    /// From the failed step, with the results of the steps before it.
    Resume,
    /// From the first step, with the initial payload.
    Restart,
}

/// Starts a new run from a dead-lettered message of a failed run (resume or restart) and
/// returns its messages, stored: the failed one first, then (resume) the steps that were
/// still pending when the run failed. The overrides are the request's publish headers;
/// `Upstash-Workflow-RunId` among them names the new run.
pub fn rerun(
    c: &Connection,
    failed: &Message,
    o: &PublishOptions,
    mode: Rerun,
    now: i64,
) -> Result<Vec<Message>> {
    let old = run_of_entry(c, failed)?;
    let run_id = fresh_run_id(c, o, &old)?;
    let run = renewed(&old, o, run_id, now);
    let not_before = match (o.not_before_s, o.delay_ms) {
        (Some(s), _) => s.saturating_mul(1000),
        (None, Some(d)) => now + d as i64,
        (None, None) => now,
    };
    put_run(c, &run)?;
    match mode {
        Rerun::Resume => resume(c, &old, &run, failed, not_before, now),
        Rerun::Restart => restart(c, &run, failed, not_before, now).map(|m| vec![m]),
    }
}

/// The run a DLQ entry belongs to, refused when the entry is not a run's or the run is unknown.
fn run_of_entry(c: &Connection, failed: &Message) -> Result<Run> {
    let Some(w) = &failed.workflow else {
        return Err(StoreError::rejected(400, "not a workflow run's entry"));
    };
    get_run(c, &w.run_id)?.ok_or_else(|| {
        StoreError::rejected(
            409,
            format!(
                "workflow run {} is unknown to this server, so it cannot be resumed or restarted",
                w.run_id
            ),
        )
    })
}

/// The id of the new run: the caller's (refused when it names a live run or the old one) or a
/// new one.
fn fresh_run_id(c: &Connection, o: &PublishOptions, old: &Run) -> Result<String> {
    let run_id = match run_id_of(&o.workflow) {
        Some(id) => id.to_string(),
        None => new_id_for_run(),
    };
    if let Some(r) = get_run(c, &run_id)?
        && (r.is_active() || run_id == old.run_id)
    {
        return Err(StoreError::rejected(
            400,
            format!("workflow run {run_id} already exists: choose another run id"),
        ));
    }
    Ok(run_id)
}

/// The old run as a new one under `run_id`, with the caller's overrides applied.
fn renewed(old: &Run, o: &PublishOptions, run_id: String, now: i64) -> Run {
    let mut run = old.clone();
    run.run_id = run_id;
    run.created_at = now;
    run.state = RunState::RunStarted;
    run.completed_at = None;
    run.response = None;
    run.dlq_id = None;
    run.failure_function = None;
    run.invoker = None;
    run.suspended = Vec::new();
    if let Some(r) = o.retries {
        run.retries = r;
    }
    if let Some(d) = &o.retry_delay {
        run.retry_delay = Some(d.source().to_string());
    }
    if let Some(fc) = &o.flow_control {
        run.flow_control = Some(fc.clone());
    }
    if let Some(l) = &o.labels {
        run.labels = l.clone();
    }
    if let Some(f) = &o.failure_callback {
        run.failure = Some(match &old.failure {
            Some(prev) => {
                let mut cfg = prev.clone();
                cfg.url = f.url.clone();
                cfg
            }
            None => f.clone(),
        });
    }
    for (k, v) in &o.forward {
        run.forward.insert(k.clone(), v.clone());
    }
    run
}

/// Resume: the new run gets the old one's log, and the failed step and the steps that were
/// waiting with it are sent again.
fn resume(
    c: &Connection,
    old: &Run,
    run: &Run,
    failed: &Message,
    not_before: i64,
    now: i64,
) -> Result<Vec<Message>> {
    copy_log(c, &old.run_id, &run.run_id)?;
    let mut out = Vec::new();
    for (i, prev) in std::iter::once(failed).chain(&old.suspended).enumerate() {
        // The failed step may be delayed; the steps that were waiting keep their time.
        let at = if i == 0 {
            not_before
        } else {
            prev.next_delivery.max(now)
        };
        let m = again(c, run, prev, at, now)?;
        insert_new(c, &m, now)?;
        out.push(m);
    }
    Ok(out)
}

/// Restart: the new run starts from its first call with the old run's payload.
fn restart(
    c: &Connection,
    run: &Run,
    failed: &Message,
    not_before: i64,
    now: i64,
) -> Result<Message> {
    let mut m = Message {
        message_id: new_id("msg_"),
        url: run.url.clone(),
        method: "POST".into(),
        header: run.forward.clone(),
        not_before,
        created_at: now,
        next_delivery: not_before,
        caller_ip: failed.caller_ip.clone(),
        ..Message::default()
    };
    clear_log(c, &run.run_id)?;
    let idx = append_log(c, &run.run_id, &m.message_id, "step", &run.payload, now)?;
    m.body = steps_json(&log(c, &run.run_id, Some(idx))?);
    apply_run(&mut m, run, CallType::Step, Some(idx));
    insert_new(c, &m, now)?;
    Ok(m)
}

/// A message of a failed run, sent again as a message of the resumed run `run`: a step gets
/// the new run's log up to its entry (which now names the new message).
fn again(c: &Connection, run: &Run, prev: &Message, at: i64, now: i64) -> Result<Message> {
    let w = prev.workflow.as_ref();
    let call = w.map(|w| w.call).unwrap_or_default();
    let index = w.and_then(|w| w.index);
    let mut m = Message {
        message_id: new_id("msg_"),
        url: prev.url.clone(),
        method: prev.method.clone(),
        header: prev.header.clone(),
        not_before: at,
        created_at: now,
        next_delivery: at,
        timeout_ms: prev.timeout_ms,
        caller_ip: prev.caller_ip.clone(),
        ..Message::default()
    };
    m.body = match (call, index) {
        (CallType::Step, Some(idx)) => {
            set_log_message_id(c, &run.run_id, idx, &m.message_id)?;
            steps_json(&log(c, &run.run_id, Some(idx))?)
        }
        _ => prev.body.clone(),
    };
    apply_run(&mut m, run, call, index);
    Ok(m)
}

fn new_id_for_run() -> String {
    new_id("wfr_")
}
