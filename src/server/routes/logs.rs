//! `GET /v2/logs` and `GET /v2/events` (the message log), `GET /v2/keys`, `POST /v2/keys/rotate`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, Query};
use crate::server::store::db::{self, LogFilter};

/// The message log's states. The OpenAPI file spells the last `CANCELLED`; both SDKs'
/// types say `CANCELED` (the Python SDK's `LogState` cannot parse the other), so the log
/// writes `CANCELED` and a filter takes either.
const STATES: &[&str] = &[
    "CREATED",
    "ACTIVE",
    "RETRY",
    "ERROR",
    "IN_PROGRESS",
    "DELIVERED",
    "FAILED",
    "CANCEL_REQUESTED",
    "CANCELED",
];

/// Most entries in one page: qstash-py documents 1000 as the default and the maximum, the JS
/// SDK's type says "Max 1000".
const MAX_COUNT: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/logs", get(logs))
        // Both SDKs' `logs()` call `/v2/events` and read the entries under `events`; the docs
        // name `/v2/logs` with `logs`: both are served.
        .route("/v2/events", get(events))
        .route("/v2/keys", get(keys))
        .route("/v2/keys/rotate", post(rotate))
}

async fn logs(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    page(st, raw, "logs").await
}

async fn events(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    page(st, raw, "events").await
}

fn filter(q: &Query) -> ApiResult<LogFilter> {
    q.allow(&[
        "cursor",
        "count",
        "messageId",
        "messageIds",
        "state",
        "url",
        "topicName",
        "scheduleId",
        "queueName",
        "fromDate",
        "toDate",
        "label",
    ])?;
    let mut state = q.multi("state");
    for s in &mut state {
        if s == "CANCELLED" {
            *s = "CANCELED".into();
        }
        if !STATES.contains(&s.as_str()) {
            return Err(ApiError::bad_request(format!(
                "invalid state '{s}': use one of {}",
                STATES.join(", ")
            )));
        }
    }
    let mut message_id = q.multi("messageId");
    message_id.extend(q.multi("messageIds"));
    Ok(LogFilter {
        message_id,
        state,
        url: q.multi("url"),
        topic_name: q.multi("topicName"),
        schedule_id: q.multi("scheduleId"),
        queue_name: q.multi("queueName"),
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
        label: q.multi("label"),
    })
}

/// One page of the log, newest first, its entries under `field`.
async fn page(st: AppState, raw: Option<String>, field: &str) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let f = filter(&q)?;
    let cursor = match q.one("cursor") {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid cursor '{c}'")))?,
        ),
    };
    let count = q.count(100, MAX_COUNT)?;
    let (entries, next) = st
        .engine
        .store()
        .call(move |c| db::list_logs(c, &f, cursor, count))
        .await?;
    let mut s = format!("{{\"{field}\":[");
    s.push_str(&entries.join(","));
    s.push(']');
    if let Some(c) = next {
        s.push_str(",\"cursor\":");
        s.push_str(&Value::String(c).to_string());
    }
    s.push('}');
    Ok(([("content-type", "application/json")], s).into_response())
}

async fn keys(State(st): State<AppState>) -> Response {
    let k = st.engine.keys();
    axum::Json(json!({ "current": k.current, "next": k.next })).into_response()
}

async fn rotate(State(st): State<AppState>) -> Response {
    let k = st.engine.rotate_keys();
    axum::Json(json!({ "current": k.current, "next": k.next })).into_response()
}
