//! `GET /v2/logs`, `GET/DELETE /v2/messages/{messageId}`, `GET /v2/keys`, `POST /v2/keys/rotate`.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, Query};
use crate::server::store::db::{self, LogFilter};

const STATES: &[&str] = &[
    "CREATED",
    "ACTIVE",
    "RETRY",
    "ERROR",
    "IN_PROGRESS",
    "DELIVERED",
    "FAILED",
    "CANCEL_REQUESTED",
    "CANCELLED",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/logs", get(logs))
        .route(
            "/v2/messages/{message_id}",
            get(get_message).delete(cancel_message),
        )
        .route("/v2/keys", get(keys))
        .route("/v2/keys/rotate", post(rotate))
}

async fn logs(State(st): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&[
        "cursor",
        "count",
        "messageId",
        "state",
        "url",
        "topicName",
        "scheduleId",
        "queueName",
        "fromDate",
        "toDate",
        "label",
    ])?;
    let state = q.one("state");
    if let Some(s) = &state
        && !STATES.contains(&s.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "invalid state '{s}': use one of {}",
            STATES.join(", ")
        )));
    }
    let f = LogFilter {
        message_id: q.one("messageId"),
        state,
        url: q.one("url"),
        topic_name: q.one("topicName"),
        schedule_id: q.one("scheduleId"),
        queue_name: q.one("queueName"),
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
        label: q.multi("label"),
    };
    let cursor = match q.one("cursor") {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid cursor '{c}'")))?,
        ),
    };
    let count = q.count(100, 100)?;
    let (entries, next) = st
        .engine
        .store()
        .call(move |c| db::list_logs(c, &f, cursor, count))
        .await?;
    let mut s = String::from("{\"logs\":[");
    s.push_str(&entries.join(","));
    s.push(']');
    if let Some(c) = next {
        s.push_str(",\"cursor\":");
        s.push_str(&Value::String(c).to_string());
    }
    s.push('}');
    Ok(([("content-type", "application/json")], s).into_response())
}

async fn get_message(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    match st
        .engine
        .store()
        .call(move |c| db::get_message(c, &key))
        .await?
    {
        Some(m) => Ok(axum::Json(Value::Object(m.api_fields())).into_response()),
        None => Err(ApiError::not_found(format!(
            "message '{id}' not found (it may have been delivered or dead-lettered)"
        ))),
    }
}

async fn cancel_message(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let now = st.engine.now_ms();
    let gone = st
        .engine
        .store()
        .call(move |c| match db::get_message(c, &key)? {
            Some(m) => {
                db::insert_log(c, &m, "CANCEL_REQUESTED", now, Default::default())?;
                db::insert_log(c, &m, "CANCELLED", now, Default::default())?;
                db::delete_message(c, &key)
            }
            None => Ok(false),
        })
        .await?;
    if gone {
        st.engine.cancel(&id);
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("message '{id}' not found")))
    }
}

async fn keys(State(st): State<AppState>) -> Response {
    let k = st.engine.keys();
    axum::Json(json!({ "current": k.current, "next": k.next })).into_response()
}

async fn rotate(State(st): State<AppState>) -> Response {
    let k = st.engine.rotate_keys();
    axum::Json(json!({ "current": k.current, "next": k.next })).into_response()
}
