//! Workflow runs: their log (`GET /v2/workflows/runs/{id}`), their end and cancellation
//! (`DELETE /v2/workflows/runs/{id}`, `DELETE /v2/workflows/runs`), the logs API
//! (`GET /v2/workflows/events`, `/v2/workflows/logs`), and events (`POST /v2/wait/{eventId}`,
//! `POST /v2/notify/…`, `GET /v2/waiters/{eventId}`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, CallerIp, Query};
use crate::parse::{canonical_header_name, parse_qstash_duration};
use crate::server::message::HeaderMap as Headers;
use crate::server::workflow::logs::{self, RunFilter};
use crate::server::workflow::protocol::{self, Ended};
use crate::server::workflow::wait::{self, Waiter};
use crate::server::workflow::{self as wf, RunState};

/// Runs per page of the logs API (run mode: at most 10, as documented).
const MAX_RUNS_PER_PAGE: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/workflows/runs/{run_id}", get(steps).delete(end))
        .route("/v2/workflows/runs", delete(bulk_cancel))
        .route("/v2/workflows/events", get(run_logs))
        .route("/v2/workflows/logs", get(run_logs))
        .route("/v2/wait/{event_id}", post(wait_for))
        .route("/v2/notify/{event_id}", post(notify))
        .route("/v2/notify/{run_id}/{event_id}", post(notify_run))
        .route("/v2/waiters/{event_id}", get(waiters))
}

fn apply(st: &AppState, ended: Ended) {
    for id in &ended.cancelled {
        st.engine.cancel(id);
    }
    st.engine.schedule(&ended.created);
}

/// `GET /v2/workflows/runs/{id}`: the run's log, for the SDK's lazy fetch. 404 once the run
/// has ended (the SDK then answers "workflow already ended").
async fn steps(State(st): State<AppState>, Path(run_id): Path<String>) -> ApiResult<Response> {
    let id = run_id.clone();
    let entries = st
        .engine
        .store()
        .call(move |c| match wf::get_run(c, &id)? {
            Some(r) if r.is_active() => Ok(Some(wf::log(c, &id, None)?)),
            _ => Ok(None),
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("workflow run {run_id} is not running")))?;
    Ok((
        [("content-type", "application/json")],
        wf::steps_json(&entries),
    )
        .into_response())
}

/// `DELETE /v2/workflows/runs/{id}?cancel=false`: the SDK ends a run that returned, with its
/// return value as the body; `cancel=true` (and no parameter, as documented) cancels it.
async fn end(
    State(st): State<AppState>,
    Path(run_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&["cancel"])?;
    let cancel = match q.one("cancel").as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "cancel must be true or false, got '{other}'"
            )));
        }
    };
    let body = (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned());
    let now = st.engine.now_ms();
    let ended = st
        .engine
        .store()
        .call(move |c| protocol::end_run(c, &run_id, cancel, body, now))
        .await?;
    apply(&st, ended);
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /v2/workflows/runs`: cancels runs by id or by filter (`count` at a time).
async fn bulk_cancel(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&[
        "workflowRunIds",
        "workflowUrl",
        "workflowUrlExactMatch",
        "fromDate",
        "toDate",
        "callerIp",
        "flowControlKey",
        "label",
        "count",
        "cursor",
        "host",
        "path",
    ])?;
    let mut f = RunFilter {
        run_ids: q.multi("workflowRunIds"),
        url: q.one("workflowUrl"),
        url_prefix: q.one("workflowUrlExactMatch").as_deref() != Some("true"),
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
        caller_ip: q.multi("callerIp"),
        flow_control_key: q.multi("flowControlKey"),
        labels: q.multi("label"),
        ..RunFilter::default()
    };
    if !f.run_ids.is_empty() {
        // "If provided, the other filters are ignored."
        f = RunFilter {
            run_ids: f.run_ids,
            ..RunFilter::default()
        };
    }
    let count = q.count(100, 1000)?;
    let now = st.engine.now_ms();
    let (n, ended) = st
        .engine
        .store()
        .call(move |c| {
            let mut all = Ended::default();
            let mut n = 0;
            for r in wf::active_runs(c)? {
                if n == count {
                    break;
                }
                if !f.matches(&r) {
                    continue;
                }
                let e = protocol::end_run(c, &r.run_id, true, None, now)?;
                all.created.extend(e.created);
                all.cancelled.extend(e.cancelled);
                n += 1;
            }
            Ok((n, all))
        })
        .await?;
    apply(&st, ended);
    Ok(axum::Json(json!({ "cancelled": n })).into_response())
}

/// `GET /v2/workflows/events` (the SDK's `client.logs`) and `/v2/workflows/logs` (the docs):
/// runs, newest first, in the `WorkflowRunLog` shape.
async fn run_logs(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&[
        "groupBy",
        "cursor",
        "count",
        "workflowRunId",
        "workflowUrl",
        "workflowCreatedAt",
        "workflowRuns",
        "state",
        "fromDate",
        "toDate",
        "label",
        "flowControlKey",
        "callerIp",
        "messageId",
        "trimBody",
        "host",
        "path",
    ])?;
    let f = run_filter(&q)?;
    let count = q.count(MAX_RUNS_PER_PAGE, 1000)?.min(MAX_RUNS_PER_PAGE);
    let cursor = match q.one("cursor") {
        None => None,
        Some(c) => Some(
            logs::parse_cursor(&c)
                .ok_or_else(|| ApiError::bad_request(format!("invalid cursor '{c}'")))?,
        ),
    };
    let out = st
        .engine
        .store()
        .call(move |c| {
            let (runs, next) = logs::page(c, &f, cursor, count)?;
            let runs = runs
                .iter()
                .map(|r| logs::run_json(c, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({ "cursor": next.unwrap_or_default(), "runs": runs }))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

/// The runs a `GET /v2/workflows/logs` selects.
fn run_filter(q: &Query) -> ApiResult<RunFilter> {
    if let Some(g) = q.one("groupBy")
        && g != "workflowRunId"
    {
        return Err(ApiError::bad_request(format!(
            "groupBy must be workflowRunId, got '{g}'"
        )));
    }
    let states = q.multi("state");
    for s in &states {
        if RunState::parse(s).is_none() {
            return Err(ApiError::bad_request(format!(
                "invalid state '{s}': use RUN_STARTED, RUN_SUCCESS, RUN_FAILED or RUN_CANCELED"
            )));
        }
    }
    let mut f = RunFilter {
        run_ids: q.multi("workflowRunId"),
        url: q.one("workflowUrl"),
        created_at: q.int("workflowCreatedAt")?,
        states,
        labels: q.multi("label"),
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
        caller_ip: q.multi("callerIp"),
        flow_control_key: q.multi("flowControlKey"),
        ..RunFilter::default()
    };
    if let Some(list) = q.one("workflowRuns") {
        // `ID1@TS1,ID2@TS2`: the other filters are ignored. Several runs may share an id, so
        // each run is matched by its id and creation time (`RunFilter::matches`).
        let mut pairs = Vec::new();
        for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, at) = p.split_once('@').unwrap_or((p, ""));
            let at = match at.trim() {
                "" => None,
                t => Some(t.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "workflowRuns: '{p}' is not workflowRunId@workflowCreatedAt (ms)"
                    ))
                })?),
            };
            pairs.push((id.trim().to_string(), at));
        }
        f = RunFilter {
            run_ids: pairs.iter().map(|(id, _)| id.clone()).collect(),
            pairs,
            ..RunFilter::default()
        };
    }
    Ok(f)
}

/// The publish headers of a protocol request (`Upstash-*` and `Content-Type`), by canonical
/// name, for the step it will publish later.
fn protocol_headers(h: &HeaderMap) -> Headers {
    let mut out = Headers::new();
    for (k, v) in h {
        let name = k.as_str();
        if (name.starts_with("upstash-") || name == "content-type")
            && let Ok(v) = v.to_str()
        {
            out.insert(canonical_header_name(name), vec![v.to_string()]);
        }
    }
    out
}

/// `POST /v2/wait/{eventId}`: `context.waitForEvent` registers its run as waiting.
async fn wait_for(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid wait body: expected {{url, timeout, timeoutUrl, timeoutHeaders, step}}: {e}"
        ))
    })?;
    let hdrs = protocol_headers(&headers);
    let run_id = protocol::run_id_of(&hdrs)
        .map(String::from)
        .ok_or_else(|| ApiError::bad_request("Upstash-Workflow-RunId is missing"))?;
    let url = v["url"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("wait body: 'url' is missing"))?
        .to_string();
    let timeout = match &v["timeout"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => format!("{n}s"),
        _ => "7d".to_string(),
    };
    let ms = match timeout.parse::<u64>() {
        Ok(secs) => secs.saturating_mul(1000),
        Err(_) => parse_qstash_duration(&timeout)
            .map_err(|e| ApiError::bad_request(format!("wait body: timeout: {e}")))?,
    };
    let now = st.engine.now_ms();
    let timeout_headers: Headers =
        serde_json::from_value(v["timeoutHeaders"].clone()).unwrap_or_else(|_| hdrs.clone());
    let w = Waiter {
        event_id,
        run_id: run_id.clone(),
        url: url.clone(),
        headers: hdrs,
        deadline: now.saturating_add(ms as i64),
        timeout,
        timeout_url: v["timeoutUrl"].as_str().unwrap_or(&url).to_string(),
        timeout_headers,
        step: v["step"].clone(),
        caller_ip: ip.0,
    };
    let created = st
        .engine
        .store()
        .call(move |c| {
            if !wf::get_run(c, &run_id)?.is_some_and(|r| r.is_active()) {
                return Err(crate::server::store::StoreError::rejected(
                    400,
                    format!("workflow run {run_id} is not running"),
                ));
            }
            wait::register(c, w, now)
        })
        .await?;
    st.engine.schedule(&created);
    st.engine.wake_timers();
    Ok(axum::Json(json!({})).into_response())
}

async fn notify_in(
    st: AppState,
    event_id: String,
    run_id: Option<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let now = st.engine.now_ms();
    let data = body.to_vec();
    let (answers, created) = st
        .engine
        .store()
        .call(move |c| wait::notify(c, &event_id, run_id.as_deref(), &data, now))
        .await?;
    st.engine.schedule(&created);
    Ok(axum::Json(Value::Array(answers)).into_response())
}

/// `POST /v2/notify/{eventId}`: the event reaches every run waiting for it; with nobody
/// waiting it is lost (`[]`).
async fn notify(
    State(st): State<AppState>,
    Path(event_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    notify_in(st, event_id, None, body).await
}

/// `POST /v2/notify/{workflowRunId}/{eventId}`: the event reaches that run, now or when it
/// starts waiting (lookback).
async fn notify_run(
    State(st): State<AppState>,
    Path((run_id, event_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    notify_in(st, event_id, Some(run_id), body).await
}

/// `GET /v2/waiters/{eventId}`.
async fn waiters(State(st): State<AppState>, Path(event_id): Path<String>) -> ApiResult<Response> {
    let list = st
        .engine
        .store()
        .call(move |c| wait::list(c, &event_id))
        .await?;
    Ok(axum::Json(Value::Array(list)).into_response())
}
