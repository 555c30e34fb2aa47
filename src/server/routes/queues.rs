//! Queues: `/v2/queues`, `/v2/queues/{queueName}`, pause and resume.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::publish::valid_name;
use super::{ApiError, ApiResult, AppState};
use crate::server::store::queues;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/queues", get(list).post(upsert))
        .route("/v2/queues/{name}", get(get_one).delete(delete_one))
        .route("/v2/queues/{name}/pause", post(pause))
        .route("/v2/queues/{name}/resume", post(resume))
}

fn check_name(name: &str) -> ApiResult<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid queue name '{name}': queue names can only contain alphanumeric characters, hyphens, periods, and underscores"
        )))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Upsert {
    queue_name: String,
    #[serde(default)]
    parallelism: Option<i64>,
    /// Sets the queue paused or running; left out, an existing queue keeps its state.
    #[serde(default)]
    paused: Option<bool>,
}

async fn upsert(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let u: Upsert = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid body: expected {{\"queueName\": \"...\", \"parallelism\": 1, \"paused\": false}}: {e}"
        ))
    })?;
    check_name(&u.queue_name)?;
    let p = u.parallelism.unwrap_or(1);
    if !(1..=1000).contains(&p) {
        return Err(ApiError::bad_request(format!(
            "parallelism must be between 1 and 1000, got {p}"
        )));
    }
    let now = st.engine.now_ms();
    let (name, paused) = (u.queue_name.clone(), u.paused);
    let (p, paused) = st
        .engine
        .store()
        .call(move |c| queues::upsert(c, &name, p as u32, paused, now))
        .await?;
    st.engine.set_queue(&u.queue_name, p, paused);
    Ok(StatusCode::OK.into_response())
}

async fn list(State(st): State<AppState>) -> ApiResult<Response> {
    Ok(axum::Json(st.engine.store().call(queues::list).await?).into_response())
}

async fn get_one(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    check_name(&name)?;
    let n = name.clone();
    match st.engine.store().call(move |c| queues::get(c, &n)).await? {
        Some(q) => Ok(axum::Json(q).into_response()),
        None => Err(ApiError::not_found(format!("queue '{name}' not found"))),
    }
}

async fn delete_one(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    check_name(&name)?;
    let n = name.clone();
    if st
        .engine
        .store()
        .call(move |c| queues::delete(c, &n))
        .await?
    {
        st.engine.remove_queue(&name);
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("queue '{name}' not found")))
    }
}

async fn set_paused(st: AppState, name: String, paused: bool) -> ApiResult<Response> {
    check_name(&name)?;
    let now = st.engine.now_ms();
    let n = name.clone();
    match st
        .engine
        .store()
        .call(move |c| queues::set_paused(c, &n, paused, now))
        .await?
    {
        Some(p) => {
            st.engine.set_queue(&name, p, paused);
            Ok(StatusCode::OK.into_response())
        }
        None => Err(ApiError::not_found(format!("queue '{name}' not found"))),
    }
}

async fn pause(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    set_paused(st, name, true).await
}

async fn resume(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    set_paused(st, name, false).await
}
