//! The workflow DLQ: list/get/delete, resume and restart (single and bulk), and re-running
//! the failure callback.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

use super::dlq::{
    WORKFLOW_FILTERS, bulk_delete_in, delete_entry, get_entry, list_page, parse_filter,
    select_for_bulk,
};
use super::{ApiError, ApiResult, AppState, Query};
use crate::server::headers::{PublishOptions, parse_publish_headers};
use crate::server::message::{AttemptResponse, Kind, Message, callback_body, callback_message};
use crate::server::store::StoreError;
use crate::server::store::db::insert_new;
use crate::server::store::db::{self, DlqRow};
use crate::server::workflow;
use crate::server::workflow::protocol::{self, Rerun};

/// Most runs one bulk restart handles (documented: 50 per request, cursor to continue).
pub const RESTART_BATCH: usize = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/workflows/dlq", get(list).delete(bulk_delete))
        .route(
            "/v2/workflows/dlq/{dlq_id}",
            get(get_one).delete(delete_one),
        )
        .route("/v2/workflows/dlq/resume/{dlq_id}", post(resume_one))
        .route("/v2/workflows/dlq/restart/{dlq_id}", post(restart_one))
        .route("/v2/workflows/dlq/resume", post(bulk_resume))
        .route("/v2/workflows/dlq/restart", post(bulk_restart))
        .route(
            "/v2/workflows/dlq/callback/{dlq_id}",
            post(callback_rerun).delete(callback_cancel),
        )
}

fn allowed(base: &[&'static str]) -> Vec<&'static str> {
    super::dlq::allowed(base, WORKFLOW_FILTERS)
}

async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&allowed(&["cursor", "count"]))?;
    list_page(&st, &q, true, super::dlq::AnySource::No).await
}

async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    get_entry(&st, id, Some(true)).await
}

async fn delete_one(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    delete_entry(&st, id, Some(true)).await
}

async fn bulk_delete(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&allowed(&["cursor", "count", "dlqIds"]))?;
    bulk_delete_in(&st, &q, &body, true, super::dlq::AnySource::No).await
}

/// Republishes a failed run as a new run (resume: from the failed step; restart: from the
/// first) and removes its DLQ entry, in the caller's transaction.
fn rerun(
    c: &rusqlite::Connection,
    r: &DlqRow,
    o: &PublishOptions,
    mode: Rerun,
    now: i64,
) -> Result<Vec<Message>, StoreError> {
    let m = protocol::rerun(c, &r.message, o, mode, now)?;
    db::delete_dlq(c, r.key)?;
    Ok(m)
}

fn run_json(m: &Message) -> Value {
    let w = m.workflow.as_ref();
    json!({
        "workflowRunId": w.map(|w| w.run_id.clone()),
        "workflowCreatedAt": w.map(|w| w.created_at),
    })
}

async fn single(st: AppState, id: String, headers: HeaderMap, mode: Rerun) -> ApiResult<Response> {
    let opts = parse_publish_headers(&headers).map_err(ApiError::bad_request)?;
    let now = st.engine.now_ms();
    let key = id.clone();
    let res = st
        .engine
        .store()
        .call(move |c| match db::get_dlq(c, &key)? {
            Some(r) if r.workflow => rerun(c, &r, &opts, mode, now).map(Ok),
            Some(_) => Ok(Err(ApiError::bad_request(format!(
                "DLQ message '{key}' is not a workflow message"
            )))),
            None => Ok(Err(ApiError::not_found(format!(
                "DLQ message '{key}' not found"
            )))),
        })
        .await??;
    st.engine.schedule(&res);
    let first = res.first().ok_or_else(|| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "nothing was started".into(),
        )
    })?;
    Ok(axum::Json(run_json(first)).into_response())
}

async fn resume_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    single(st, id, headers, Rerun::Resume).await
}

async fn restart_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    single(st, id, headers, Rerun::Restart).await
}

async fn bulk(
    st: AppState,
    raw: Option<String>,
    headers: HeaderMap,
    mode: Rerun,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&allowed(&["cursor", "count", "dlqIds"]))?;
    let f = parse_filter(&q, true)?;
    let opts = parse_publish_headers(&headers).map_err(ApiError::bad_request)?;
    let max = if mode == Rerun::Restart {
        RESTART_BATCH
    } else {
        100
    };
    let count = q.count(max, 100)?.min(max);
    if mode == Rerun::Restart && f.dlq_ids.len() > RESTART_BATCH {
        return Err(ApiError::bad_request(format!(
            "restart takes at most {RESTART_BATCH} runs per request"
        )));
    }
    let cursor = q.dlq_cursor()?;
    let now = st.engine.now_ms();
    let res = st
        .engine
        .store()
        .call(move |c| match select_for_bulk(c, &f, cursor, count)? {
            Some((rows, next)) => {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(rerun(c, r, &opts, mode, now)?);
                }
                Ok(Some((out, next)))
            }
            None => Ok(None),
        })
        .await?;
    let Some((created, next)) = res else {
        return Err(ApiError::not_found("Some DLQ messages were not found"));
    };
    st.engine.schedule(&created.concat());
    // One run per entry: its first message names it.
    let runs: Vec<Value> = created
        .iter()
        .filter_map(|ms| ms.first())
        .map(run_json)
        .collect();
    Ok(
        axum::Json(json!({ "workflowRuns": runs, "cursor": next.unwrap_or_default() }))
            .into_response(),
    )
}

async fn bulk_resume(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    bulk(st, raw, headers, Rerun::Resume).await
}

async fn bulk_restart(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    bulk(st, raw, headers, Rerun::Restart).await
}

/// The destination's last response, as stored on the entry.
fn stored_response(entry: &Value) -> AttemptResponse {
    let body = match (
        entry["responseBody"].as_str(),
        entry["responseBodyBase64"].as_str(),
    ) {
        (Some(s), _) => s.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    AttemptResponse {
        status: entry["responseStatus"].as_u64().unwrap_or(0) as u16,
        header: serde_json::from_value(entry["responseHeader"].clone()).unwrap_or_default(),
        body,
        error: None,
    }
}

/// `POST /v2/workflows/dlq/callback/{dlqId}`: runs the failure callback again; only when it
/// failed before.
async fn callback_rerun(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let now = st.engine.now_ms();
    let key = id.clone();
    let res = st
        .engine
        .store()
        .call(move |c| {
            let Some(r) = db::get_dlq(c, &key)? else {
                return Ok(Err(ApiError::not_found(format!("DLQ message '{key}' not found"))));
            };
            let entry: Value = serde_json::from_str(&r.entry)?;
            let state = entry["failureFunctionState"].as_str().unwrap_or("");
            let Some(fcb) = r.message.failure_callback.clone() else {
                return Ok(Err(ApiError::bad_request(format!("DLQ message '{key}' has no failure callback"))));
            };
            if state != "CALLBACK_FAIL" {
                return Ok(Err(ApiError::bad_request(format!(
                    "the failure callback of '{key}' can be re-run only after it failed (state: {})",
                    if state.is_empty() { "none" } else { state }
                ))));
            }
            let resp = stored_response(&entry);
            let run = match &r.message.workflow {
                Some(w) => workflow::get_run(c, &w.run_id)?,
                None => None,
            };
            // A workflow run's failure callback is sent as the run sends it (with its run id
            // and initial payload).
            let m = match run
                .as_ref()
                .and_then(|run| protocol::failure_message(run, &r.message, &resp, &r.dlq_id, now))
            {
                Some(m) => m,
                None => callback_message(
                    &r.message,
                    &fcb,
                    callback_body(&r.message, &resp, Some(&r.dlq_id)),
                    Kind::FailureCallback {
                        dlq_id: r.dlq_id.clone(),
                    },
                    now,
                ),
            };
            if let Some(run) = &run {
                protocol::failure_function_done(c, &run.run_id, "CALLBACK_INPROGRESS", None)?;
            }
            insert_new(c, &m, now)?;
            db::set_failure_callback_info(c, &r.dlq_id, "CALLBACK_INPROGRESS", None)?;
            Ok(Ok((m, r.message.workflow.clone())))
        })
        .await??;
    let (m, wf) = res;
    st.engine.schedule(std::slice::from_ref(&m));
    Ok(axum::Json(json!({
        "workflowRunId": wf.as_ref().map(|w| w.run_id.clone()),
        "workflowCreatedAt": wf.as_ref().map(|w| w.created_at),
    }))
    .into_response())
}

/// `DELETE /v2/workflows/dlq/callback/{dlqId}`: cancels a failure callback in progress.
/// Answers 302, as documented.
async fn callback_cancel(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let key = id;
    st.engine
        .store()
        .call(move |c| {
            let Some(r) = db::get_dlq(c, &key)? else {
                return Ok(Err(ApiError::not_found(format!(
                    "DLQ message '{key}' not found"
                ))));
            };
            let entry: Value = serde_json::from_str(&r.entry)?;
            if entry["failureFunctionState"].as_str() != Some("CALLBACK_INPROGRESS") {
                return Ok(Err(ApiError::bad_request(format!(
                    "no failure callback of '{key}' is in progress"
                ))));
            }
            let pattern = format!("%\"dlqId\":\"{}\"%", r.dlq_id);
            let ids = c
                .prepare("SELECT message_id FROM messages WHERE data LIKE ?1")?
                .query_map([&pattern], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            for id in &ids {
                db::delete_message(c, id)?;
            }
            db::set_failure_callback_info(c, &r.dlq_id, "CALLBACK_CANCELED", None)?;
            Ok(Ok(ids))
        })
        .await??
        .iter()
        .for_each(|id| st.engine.cancel(id));
    Ok(StatusCode::FOUND.into_response())
}
