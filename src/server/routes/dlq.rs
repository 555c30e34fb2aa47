//! The QStash DLQ: `GET/DELETE /v2/dlq`, `GET/DELETE /v2/dlq/{dlqId}`,
//! `POST /v2/dlq/retry/{dlqId}` and `POST /v2/dlq/retry`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, Query};
use crate::server::headers::{PublishOptions, parse_publish_headers};
use crate::server::message::{Kind, Message, new_id};
use crate::server::store::db::insert_new;
use crate::server::store::db::{self, DlqFilter, DlqRow};

/// Filters of the QStash DLQ (list, bulk delete, bulk retry).
pub const QSTASH_FILTERS: &[&str] = &[
    "messageId",
    "url",
    "topicName",
    "scheduleId",
    "queueName",
    "fromDate",
    "toDate",
    "responseStatus",
    "callerIp",
    // Deprecated spelling, still accepted (the response field is `callerIP`).
    "callerIP",
    "label",
    "flowControlKey",
];

/// Filters of the workflow DLQ. `url`, `responseStatus` and `messageId` are deprecated in the
/// workflow SDK ("no longer supported in the new API") but still accepted here.
pub const WORKFLOW_FILTERS: &[&str] = &[
    "fromDate",
    "toDate",
    "workflowUrl",
    "workflowRunId",
    "workflowCreatedAt",
    "label",
    "failureFunctionState",
    // The OpenAPI spells it `callerIp`; the old docs `callerIP`.
    "callerIp",
    "callerIP",
    "flowControlKey",
    "url",
    "responseStatus",
    "messageId",
];

const FAILURE_STATES: &[&str] = &[
    "CALLBACK_INPROGRESS",
    "CALLBACK_SUCCESS",
    "CALLBACK_FAIL",
    "CALLBACK_CANCELED",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/dlq", get(list).delete(bulk_delete))
        .route("/v2/dlq/{dlq_id}", get(get_one).delete(delete_one))
        .route("/v2/dlq/retry/{dlq_id}", post(retry_one))
        .route("/v2/dlq/retry", post(bulk_retry))
}

/// Parses the filters; `workflow` selects which DLQ (and which filter names apply).
pub fn parse_filter(q: &Query, workflow: bool) -> ApiResult<DlqFilter> {
    let mut f = DlqFilter {
        workflow: Some(workflow),
        dlq_ids: q.multi("dlqIds"),
        message_id: q.one("messageId"),
        url: q.multi("url"),
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
        response_status: q.ints("responseStatus")?,
        label: q.multi("label"),
        flow_control_key: q.multi("flowControlKey"),
        ..DlqFilter::default()
    };
    f.caller_ip = q.multi("callerIp");
    f.caller_ip.extend(q.multi("callerIP"));
    if workflow {
        f.workflow_url = q.multi("workflowUrl");
        f.workflow_run_id = q.one("workflowRunId");
        f.workflow_created_at = q.int("workflowCreatedAt")?;
        f.failure_state = q.multi("failureFunctionState");
        for s in &f.failure_state {
            if !FAILURE_STATES.contains(&s.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "invalid failureFunctionState '{s}': use one of {}",
                    FAILURE_STATES.join(", ")
                )));
            }
        }
    } else {
        f.topic_name = q.multi("topicName");
        f.schedule_id = q.multi("scheduleId");
        f.queue_name = q.multi("queueName");
    }
    Ok(f)
}

pub fn allowed(base: &[&'static str], filters: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(filters).copied().collect()
}

/// `{"messages": [...], "cursor": "..."}` from stored entry JSON, without re-parsing it.
pub fn page_json(entries: Vec<String>, cursor: Option<String>) -> Response {
    let mut s = String::with_capacity(entries.iter().map(|e| e.len() + 1).sum::<usize>() + 64);
    s.push_str("{\"messages\":[");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(e);
    }
    s.push(']');
    if let Some(c) = cursor {
        s.push_str(",\"cursor\":");
        s.push_str(&Value::String(c).to_string());
    }
    s.push('}');
    ([("content-type", "application/json")], s).into_response()
}

pub async fn list_page(
    st: &AppState,
    q: &Query,
    workflow: bool,
    any: AnySource,
) -> ApiResult<Response> {
    let mut f = parse_filter(q, workflow)?;
    if any == AnySource::ById && !f.dlq_ids.is_empty() && q.one("source").is_none() {
        f.workflow = None;
    }
    let cursor = q.dlq_cursor()?;
    let count = q.count(100, 100)?;
    let (entries, next) = st
        .engine
        .store()
        .call(move |c| db::list_dlq(c, &f, cursor, count))
        .await?;
    Ok(page_json(entries, next))
}

async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    // `source=workflow` is what @upstash/workflow's `dlq.list` calls; without it this lists the
    // plain QStash entries (the console keeps the two DLQs apart).
    let workflow = source_checked(&q)?;
    list_page(&st, &q, workflow, AnySource::ById).await
}

/// GET of one entry; `workflow` restricts it to the workflow DLQ.
pub async fn get_entry(st: &AppState, id: String, workflow: Option<bool>) -> ApiResult<Response> {
    let key = id.clone();
    let row = st
        .engine
        .store()
        .call(move |c| db::get_dlq(c, &key))
        .await?;
    match row {
        Some(r) if workflow.is_none_or(|w| w == r.workflow) => {
            Ok(([("content-type", "application/json")], r.entry).into_response())
        }
        _ => Err(ApiError::not_found(format!("DLQ message '{id}' not found"))),
    }
}

async fn get_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    Query::parse(raw.as_deref()).allow(&[])?;
    get_entry(&st, id, None).await
}

pub async fn delete_entry(
    st: &AppState,
    id: String,
    workflow: Option<bool>,
) -> ApiResult<Response> {
    let key = id.clone();
    let gone = st
        .engine
        .store()
        .call(move |c| match db::get_dlq(c, &key)? {
            Some(r) if workflow.is_none_or(|w| w == r.workflow) => db::delete_dlq(c, r.key),
            _ => Ok(false),
        })
        .await?;
    if gone {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("DLQ message '{id}' not found")))
    }
}

async fn delete_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    Query::parse(raw.as_deref()).allow(&[])?;
    delete_entry(&st, id, None).await
}

/// The ids of a bulk call's legacy JSON body `{"dlqIds": [...]}` (none for an empty body);
/// a malformed body or an empty list is a 400, never "everything".
fn body_ids(body: &[u8]) -> ApiResult<Vec<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    #[derive(serde::Deserialize)]
    struct Legacy {
        #[serde(rename = "dlqIds")]
        dlq_ids: Vec<String>,
    }
    let legacy: Legacy = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid body: expected {{\"dlqIds\": [\"...\"]}}: {e}"
        ))
    })?;
    if legacy.dlq_ids.is_empty() {
        return Err(ApiError::bad_request("dlqIds must not be empty"));
    }
    Ok(legacy.dlq_ids)
}

/// Bulk delete by `dlqIds` (query or the legacy JSON body `{"dlqIds": [...]}`) or by filter.
/// Ids that are already gone are skipped, not an error.
pub async fn bulk_delete_in(
    st: &AppState,
    q: &Query,
    body: &[u8],
    workflow: bool,
    any: AnySource,
) -> ApiResult<Response> {
    let mut f = parse_filter(q, workflow)?;
    f.dlq_ids.extend(body_ids(body)?);
    let by_ids = !f.dlq_ids.is_empty();
    if by_ids && any == AnySource::ById {
        f.workflow = None;
    }
    let count = if by_ids {
        f.dlq_ids.len().max(1)
    } else {
        q.count(100, 100)?
    };
    let cursor = if by_ids { None } else { q.dlq_cursor()? };
    let (deleted, next) = st
        .engine
        .store()
        .call(move |c| {
            let (rows, next) = db::select_dlq_rows(c, &f, cursor, count)?;
            let mut n = 0;
            for r in rows {
                if db::delete_dlq(c, r.key)? {
                    n += 1;
                }
            }
            Ok((n, next))
        })
        .await?;
    let mut out = json!({ "deleted": deleted });
    if let Some(c) = next {
        out["cursor"] = json!(c);
    }
    Ok(axum::Json(out).into_response())
}

async fn bulk_delete(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let workflow = source_checked(&q)?;
    bulk_delete_in(&st, &q, &body, workflow, AnySource::ById).await
}

/// Whether ids given explicitly on a `/v2/dlq` path address entries of either DLQ. Lists and
/// filters pick one DLQ (`source`); an id names one entry, whatever it is, as `GET` and
/// `DELETE /v2/dlq/{dlqId}` do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AnySource {
    ById,
    No,
}

/// `source=workflow` (what @upstash/workflow's `dlq.list` sends) picks the workflow DLQ;
/// without it (or `qstash`) the plain QStash DLQ.
fn source(q: &Query) -> ApiResult<bool> {
    match q.one("source").as_deref() {
        None | Some("qstash") => Ok(false),
        Some("workflow") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "invalid source '{other}': use 'workflow' or 'qstash'"
        ))),
    }
}

/// The DLQ a `/v2/dlq` list or bulk delete acts on, after rejecting parameters that DLQ's
/// filters do not know.
fn source_checked(q: &Query) -> ApiResult<bool> {
    let workflow = source(q)?;
    let filters = if workflow {
        WORKFLOW_FILTERS
    } else {
        QSTASH_FILTERS
    };
    q.allow(&allowed(&["cursor", "count", "dlqIds", "source"], filters))?;
    Ok(workflow)
}

/// The QStash retry republishes a message under its old identity: for a workflow run's step
/// that would re-deliver it under the failed run's id. Such entries are resumed instead.
fn refuse_workflow(rows: &[DlqRow]) -> Result<(), ApiError> {
    let wf: Vec<&DlqRow> = rows.iter().filter(|r| r.workflow).collect();
    match wf.as_slice() {
        [] => Ok(()),
        [one] => Err(ApiError::bad_request(format!(
            "DLQ entry '{}' is a failed workflow run ({}): resume it with POST /v2/workflows/dlq/resume/{} (or restart it)",
            one.dlq_id,
            one.message
                .workflow
                .as_ref()
                .map(|w| w.run_id.as_str())
                .unwrap_or("?"),
            one.dlq_id
        ))),
        many => Err(ApiError::bad_request(format!(
            "{} of the DLQ entries are failed workflow runs ({}…): resume them with POST /v2/workflows/dlq/resume",
            many.len(),
            many[0].dlq_id
        ))),
    }
}

/// The message a retry publishes: the original's request with the override headers applied.
pub fn republish(orig: &Message, o: &PublishOptions, now: i64) -> Message {
    let not_before = match (o.not_before_s, o.delay_ms) {
        (Some(s), _) => s.saturating_mul(1000),
        (None, Some(d)) => now + d as i64,
        (None, None) => now,
    };
    let mut header = orig.header.clone();
    for (k, v) in &o.forward {
        header.insert(k.clone(), v.clone());
    }
    Message {
        message_id: new_id("msg_"),
        url: orig.url.clone(),
        method: o.method.clone().unwrap_or_else(|| orig.method.clone()),
        header,
        body: orig.body.clone(),
        max_retries: o.retries.unwrap_or(orig.max_retries),
        retried: 0,
        not_before,
        created_at: now,
        next_delivery: not_before,
        timeout_ms: o.timeout_ms.or(orig.timeout_ms),
        callback: o.callback.clone().or_else(|| orig.callback.clone()),
        failure_callback: o
            .failure_callback
            .clone()
            .or_else(|| orig.failure_callback.clone()),
        queue_name: orig.queue_name.clone(),
        schedule_id: orig.schedule_id.clone(),
        topic_name: orig.topic_name.clone(),
        endpoint_name: orig.endpoint_name.clone(),
        caller_ip: orig.caller_ip.clone(),
        labels: o.labels.clone().unwrap_or_else(|| orig.labels.clone()),
        flow_control: o.flow_control.clone().or_else(|| orig.flow_control.clone()),
        retry_delay_expression: o
            .retry_delay
            .as_ref()
            .map(|r| r.source().to_string())
            .or_else(|| orig.retry_delay_expression.clone()),
        workflow: orig.workflow.clone(),
        kind: Kind::Normal,
        dedup_id: None,
        redact: orig.redact.clone(),
    }
}

/// Republishes `rows` and removes them from the DLQ, in the caller's transaction.
pub fn retry_rows(
    c: &rusqlite::Connection,
    rows: &[DlqRow],
    o: &PublishOptions,
    now: i64,
) -> Result<Vec<Message>, crate::server::store::StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let m = republish(&r.message, o, now);
        insert_new(c, &m, now)?;
        db::delete_dlq(c, r.key)?;
        out.push(m);
    }
    Ok(out)
}

async fn retry_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    Query::parse(raw.as_deref()).allow(&[])?;
    let opts = parse_publish_headers(&headers).map_err(ApiError::bad_request)?;
    let now = st.engine.now_ms();
    let key = id.clone();
    let created = st
        .engine
        .store()
        .call(move |c| match db::get_dlq(c, &key)? {
            Some(r) => match refuse_workflow(std::slice::from_ref(&r)) {
                Ok(()) => retry_rows(c, &[r], &opts, now).map(|m| Some(Ok(m))),
                Err(e) => Ok(Some(Err(e))),
            },
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("DLQ message '{id}' not found")))??;
    st.engine.schedule(&created);
    let id = created
        .first()
        .map(|m| m.message_id.clone())
        .unwrap_or_default();
    Ok((StatusCode::CREATED, axum::Json(json!({ "messageId": id }))).into_response())
}

/// Rows of one bulk step and the cursor of the next.
pub type Page = (Vec<DlqRow>, Option<String>);

/// Selects the rows of a bulk action: by ids (all-or-nothing: any missing id is a 404 and
/// nothing is done: `None`) or by filter (up to `count`, with a cursor for the rest).
pub fn select_for_bulk(
    c: &rusqlite::Connection,
    f: &DlqFilter,
    cursor: Option<db::DlqCursor>,
    count: usize,
) -> Result<Option<Page>, crate::server::store::StoreError> {
    if f.dlq_ids.is_empty() {
        return Ok(Some(db::select_dlq_rows(c, f, cursor, count)?));
    }
    // The rows come back in the order the ids were asked for (each once), so an answer that
    // names no dlqId still pairs with the request by position.
    let mut wanted: Vec<&String> = Vec::with_capacity(f.dlq_ids.len());
    let mut seen = std::collections::HashSet::new();
    wanted.extend(f.dlq_ids.iter().filter(|i| seen.insert(i.as_str())));
    let (rows, _) = db::select_dlq_rows(c, f, None, wanted.len())?;
    if rows.len() != wanted.len() {
        return Ok(None);
    }
    let mut by_id: std::collections::HashMap<String, DlqRow> =
        rows.into_iter().map(|r| (r.dlq_id.clone(), r)).collect();
    let ordered: Option<Vec<DlqRow>> = wanted.iter().map(|i| by_id.remove(i.as_str())).collect();
    Ok(ordered.map(|rows| (rows, None)))
}

async fn bulk_retry(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    // `cursor` and `count` are sent by the JS SDK though the OpenAPI omits them; accept both.
    q.allow(&allowed(&["cursor", "count", "dlqIds"], QSTASH_FILTERS))?;
    let mut f = parse_filter(&q, false)?;
    // The body is read as bulk delete reads it: its ids, or a 400 (it used to be ignored,
    // and an empty filter means the whole DLQ).
    f.dlq_ids.extend(body_ids(&body)?);
    if !f.dlq_ids.is_empty() {
        // Explicit ids are found in either DLQ, so a workflow entry is named, not "not found".
        f.workflow = None;
    }
    let opts = parse_publish_headers(&headers).map_err(ApiError::bad_request)?;
    let count = q.count(100, 100)?;
    let cursor = q.dlq_cursor()?;
    let now = st.engine.now_ms();
    let res = st
        .engine
        .store()
        .call(move |c| match select_for_bulk(c, &f, cursor, count)? {
            Some((rows, next)) => match refuse_workflow(&rows) {
                Ok(()) => Ok(Some(Ok((retry_rows(c, &rows, &opts, now)?, next)))),
                Err(e) => Ok(Some(Err(e))),
            },
            None => Ok(None),
        })
        .await?
        .transpose()?;
    let Some((created, next)) = res else {
        return Err(ApiError::not_found(
            "Some messages were not found in the DLQ",
        ));
    };
    st.engine.schedule(&created);
    let responses: Vec<Value> = created
        .iter()
        .map(|m| json!({ "messageId": m.message_id }))
        .collect();
    let mut out = json!({ "responses": responses });
    if let Some(c) = next {
        out["cursor"] = json!(c);
    }
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}
