//! URL groups: `/v2/topics`, `/v2/topics/{urlGroupName}`, `/v2/topics/{urlGroupName}/endpoints`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::publish::valid_name;
use super::{ApiError, ApiResult, AppState};
use crate::server::store::topics::{self, Endpoint};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/topics", get(list))
        .route("/v2/topics/{name}", get(get_one).delete(delete_one))
        .route("/v2/topics/{name}/endpoints", post(add).delete(remove))
}

#[derive(Deserialize)]
struct Endpoints {
    endpoints: Vec<Endpoint>,
}

fn parse_endpoints(body: &[u8]) -> ApiResult<Vec<Endpoint>> {
    let e: Endpoints = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("invalid body: expected {{\"endpoints\": [{{\"url\": \"...\", \"name\": \"...\"}}]}}: {e}"))
    })?;
    if e.endpoints.is_empty() {
        return Err(ApiError::bad_request("endpoints must not be empty"));
    }
    Ok(e.endpoints)
}

fn check_name(name: &str) -> ApiResult<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid URL group name '{name}': use letters, digits, '-', '_' and '.'"
        )))
    }
}

async fn add(
    State(st): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    check_name(&name)?;
    let eps = parse_endpoints(&body)?;
    for e in &eps {
        match url::Url::parse(&e.url) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.has_host() => {}
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid endpoint URL '{}': use http:// or https://",
                    e.url
                )));
            }
        }
    }
    let now = st.engine.now_ms();
    st.engine
        .store()
        .call(move |c| topics::add(c, &name, eps, now))
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn remove(
    State(st): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let eps = parse_endpoints(&body)?;
    if eps.iter().any(|e| e.url.is_empty() && e.name.is_none()) {
        return Err(ApiError::bad_request(
            "each endpoint to remove needs a url or a name",
        ));
    }
    let now = st.engine.now_ms();
    let n = name.clone();
    let found = st
        .engine
        .store()
        .call(move |c| topics::remove(c, &n, &eps, now))
        .await?;
    if found {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("URL group '{name}' not found")))
    }
}

async fn list(State(st): State<AppState>) -> ApiResult<Response> {
    let groups = st.engine.store().call(topics::list).await?;
    Ok(axum::Json(groups).into_response())
}

async fn get_one(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    let n = name.clone();
    match st.engine.store().call(move |c| topics::get(c, &n)).await? {
        Some(g) => Ok(axum::Json(g).into_response()),
        None => Err(ApiError::not_found(format!("URL group '{name}' not found"))),
    }
}

async fn delete_one(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    // Deleting a URL group that does not exist succeeds, as the service does: the SDKs' own
    // tests delete first to clean up.
    st.engine
        .store()
        .call(move |c| topics::delete(c, &name))
        .await?;
    Ok(StatusCode::OK.into_response())
}
