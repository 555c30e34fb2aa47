//! Flow control: `GET /v2/flowControl`, `GET /v2/flowControl/{key}`, its pause, resume, pin,
//! unpin and resetRate actions, and `GET /v2/globalParallelism`. The keys' state lives in
//! the engine's scheduler (in memory: a restart forgets pauses and pins).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::{ApiError, ApiResult, AppState, Query};
use crate::server::engine::{FlowChange, Pin};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/flowControl", get(list))
        .route("/v2/flowControl/{key}", get(get_one))
        .route("/v2/flowControl/{key}/pause", post(pause))
        .route("/v2/flowControl/{key}/resume", post(resume))
        .route("/v2/flowControl/{key}/pin", post(pin))
        .route("/v2/flowControl/{key}/unpin", post(unpin))
        .route("/v2/flowControl/{key}/resetRate", post(reset_rate))
        .route("/v2/globalParallelism", get(global))
}

async fn list(State(st): State<AppState>) -> Response {
    axum::Json(st.engine.flows()).into_response()
}

async fn get_one(State(st): State<AppState>, Path(key): Path<String>) -> ApiResult<Response> {
    match st.engine.flow(&key) {
        Some(f) => Ok(axum::Json(f).into_response()),
        None => Err(ApiError::not_found(format!(
            "flow control key '{key}' not found"
        ))),
    }
}

fn change(st: &AppState, key: &str, c: FlowChange) -> ApiResult<Response> {
    if key.trim().is_empty() {
        return Err(ApiError::bad_request("a flow control key is required"));
    }
    st.engine.change_flow(key, c);
    Ok(StatusCode::OK.into_response())
}

async fn pause(State(st): State<AppState>, Path(key): Path<String>) -> ApiResult<Response> {
    change(&st, &key, FlowChange::Pause(true))
}

async fn resume(State(st): State<AppState>, Path(key): Path<String>) -> ApiResult<Response> {
    change(&st, &key, FlowChange::Pause(false))
}

fn small(q: &Query, k: &str) -> ApiResult<Option<u32>> {
    match q.int(k)? {
        None => Ok(None),
        Some(v) => u32::try_from(v).map(Some).map_err(|_| {
            ApiError::bad_request(format!("{k} must be a non-negative integer, got {v}"))
        }),
    }
}

async fn pin(
    State(st): State<AppState>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&["parallelism", "rate", "period"])?;
    let p = Pin {
        parallelism: small(&q, "parallelism")?,
        rate: small(&q, "rate")?,
        period: small(&q, "period")?,
    };
    if p.period == Some(0) {
        return Err(ApiError::bad_request("period must be at least 1 (second)"));
    }
    change(&st, &key, FlowChange::Pin(p))
}

fn flag(q: &Query, k: &str) -> ApiResult<Option<bool>> {
    match q.one(k).as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::bad_request(format!(
            "{k} must be true or false, got '{v}'"
        ))),
    }
}

async fn unpin(
    State(st): State<AppState>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    q.allow(&["parallelism", "rate"])?;
    // The OpenAPI file defaults both flags to false; an unpin that names neither (the SDKs'
    // `unpin(key, {})`) is read as unpinning both, which is what its caller asks for.
    let (parallelism, rate) = match (flag(&q, "parallelism")?, flag(&q, "rate")?) {
        (None, None) => (true, true),
        (p, r) => (p.unwrap_or(false), r.unwrap_or(false)),
    };
    change(&st, &key, FlowChange::Unpin { parallelism, rate })
}

async fn reset_rate(State(st): State<AppState>, Path(key): Path<String>) -> ApiResult<Response> {
    change(&st, &key, FlowChange::ResetRate)
}

async fn global(State(st): State<AppState>) -> Response {
    let (max, count) = st.engine.global_parallelism();
    axum::Json(json!({ "parallelismMax": max, "parallelismCount": count })).into_response()
}
