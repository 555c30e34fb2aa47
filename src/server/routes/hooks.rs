//! Workflow webhooks: `/v2/workflows/hooks/{userId}/{workflowRunId}/{eventId}`, the URL that
//! `context.createWebhook` makes (from the QStash token's `UserID` and the client's base URL)
//! and `context.waitForWebhook` waits on. A third party calls it without the token, so it is
//! served outside the authentication; the user id in the path must be the token's. The call
//! (method, host, path, headers, body) reaches the run as the SDK reads it, now or when the run
//! starts waiting.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState};
use crate::server::workflow::{get_run, wait};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/workflows/hooks/{user}/{run_id}/{event_id}", any(hook))
}

/// The `UserID` a QStash token carries (base64 of `{"UserID": …, "Password": …}`), as the
/// SDK reads it to build the hook URL.
pub fn user_of(token: &str) -> Option<String> {
    let raw = STANDARD.decode(token.trim()).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    v["UserID"].as_str().map(String::from)
}

/// What the waiting step receives: the SDK's `waitForWebhook` rebuilds a `Request` from it.
fn event_data(method: &Method, uri: &axum::http::Uri, headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut header: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in headers {
        header
            .entry(k.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(v.as_bytes()).into_owned());
    }
    let host = super::header(headers, "host").unwrap_or("localhost");
    let url = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    json!({
        "method": method.as_str(),
        "proto": "http",
        "host": host,
        "url": url,
        "header": header,
        "body": STANDARD.encode(body),
    })
    .to_string()
    .into_bytes()
}

async fn hook(
    State(st): State<AppState>,
    Path((user, run_id, event_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    if user_of(&st.token).is_none_or(|u| u != user) {
        return Err(ApiError::not_found("no such webhook"));
    }
    let data = event_data(&method, &uri, &headers, &body);
    let now = st.engine.now_ms();
    let (answers, created) = st
        .engine
        .store()
        .call(move |c| {
            if get_run(c, &run_id)?.is_none_or(|r| !r.is_active()) {
                return Ok(None);
            }
            wait::notify(c, &event_id, Some(&run_id), &data, now).map(Some)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("no such webhook: the workflow run is not running"))?;
    st.engine.schedule(&created);
    Ok(axum::Json(Value::Array(answers)).into_response())
}
