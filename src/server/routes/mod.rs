//! HTTP routes of the dev server, one file per API area. Routes parse and answer; they hand
//! messages to the engine and never deliver anything themselves.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::engine::Engine;
use super::fault::Faults;

mod dlq;
mod flow;
mod hooks;
mod logs;
mod messages;
mod publish;
mod queues;
mod runs;
mod schedules;
mod topics;
mod trigger;
mod workflow;

pub use schedules::{ScheduleClock, fire_due_schedules};

/// Shared state of all routes.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub token: Arc<String>,
    pub faults: Arc<Faults>,
    pub schedule_clock: Arc<ScheduleClock>,
}

pub use super::error::{ApiError, ApiResult};

/// Query string helper: repeated or comma-separated multi-values, and rejection of unknown
/// parameters (the service rejects a typo such as `labeel`).
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: raw
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// 400 for any parameter not in `allowed` (the auth parameter is always allowed).
    pub fn allow(&self, allowed: &[&str]) -> ApiResult<()> {
        for (k, _) in &self.pairs {
            if k != "qstash_token" && !allowed.contains(&k.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "unknown query parameter '{k}'"
                )));
            }
        }
        Ok(())
    }

    /// A single-valued parameter (the last one wins); empty values count as absent.
    pub fn one(&self, k: &str) -> Option<String> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// All values of a multi-valued parameter, repeated or comma-separated.
    pub fn multi(&self, k: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == k)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect()
    }

    pub fn int(&self, k: &str) -> ApiResult<Option<i64>> {
        match self.one(k) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "query parameter '{k}' must be an integer, got '{v}'"
                ))
            }),
        }
    }

    pub fn ints(&self, k: &str) -> ApiResult<Vec<i64>> {
        self.multi(k)
            .into_iter()
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "query parameter '{k}' must be an integer, got '{v}'"
                    ))
                })
            })
            .collect()
    }

    /// `count`: default `default`, between 1 and `max`.
    pub fn count(&self, default: usize, max: usize) -> ApiResult<usize> {
        match self.int("count")? {
            None => Ok(default),
            Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
            Some(n) => Err(ApiError::bad_request(format!(
                "count must be between 1 and {max}, got {n}"
            ))),
        }
    }

    /// `cursor`: opaque to clients; here where the next entry is in the pages' order.
    pub fn dlq_cursor(&self) -> ApiResult<Option<super::store::db::DlqCursor>> {
        match self.one("cursor") {
            None => Ok(None),
            Some(c) => super::store::db::DlqCursor::parse(&c)
                .map(Some)
                .ok_or_else(|| ApiError::bad_request(format!("invalid cursor '{c}'"))),
        }
    }
}

/// The caller's IP address, put in the request extensions by the server.
#[derive(Debug, Clone)]
pub struct CallerIp(pub String);

async fn auth(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let header_token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let query_token = Query::parse(req.uri().query()).one("qstash_token");
    let given = header_token.or(query_token);
    match given {
        None => ApiError(
            StatusCode::UNAUTHORIZED,
            "authorization required: send 'Authorization: Bearer <token>' or '?qstash_token=<token>'".into(),
        )
        .into_response(),
        Some(t) if !constant_time_eq(t.as_bytes(), st.token.as_bytes()) => {
            ApiError(StatusCode::UNAUTHORIZED, "invalid token".into()).into_response()
        }
        Some(_) => next.run(req).await,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this endpoint".into(),
    )
}

/// Maps axum's own rejections (bad JSON, too large bodies) to the `{"error"}` shape.
async fn error_shape(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let msg = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "request body too large".to_string(),
            _ => {
                let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
                    .await
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&body).trim().to_string();
                if text.is_empty() {
                    status.canonical_reason().unwrap_or("error").to_string()
                } else {
                    text
                }
            }
        };
        return ApiError(status, msg).into_response();
    }
    res
}

/// Runs each handler in its own task, so a client that disconnects mid-request cannot cancel
/// it between a committed store change and the engine learning about it (a retry whose new
/// message was stored but never scheduled would be stuck until a restart).
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()).into_response()
        }
    }
}

/// Header map helper for handlers that read one optional header.
pub fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Whether a query pair is the token (`qstash_token=…`, its key compared decoded, as the
/// authentication reads it: `qstash%5Ftoken=` is the token too).
pub fn is_token_pair(pair: &str) -> bool {
    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
    percent_encoding::percent_decode_str(&key.replace('+', " "))
        .decode_utf8_lossy()
        .eq_ignore_ascii_case("qstash_token")
}

/// A query string without the token's pairs and empty ones; `None` when nothing is left.
pub fn query_without_token(q: &str) -> Option<String> {
    let kept: Vec<&str> = q
        .split('&')
        .filter(|p| !p.is_empty() && !is_token_pair(p))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

/// `-v`: one line per API request: method, path and query (without `qstash_token`), status,
/// time. The `Authorization` header is never read here.
async fn log_request(req: Request, next: Next) -> Response {
    use std::io::Write as _;
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let mut target = req.uri().path().to_string();
    if let Some(q) = req.uri().query().and_then(query_without_token) {
        target.push('?');
        target.push_str(&q);
    }
    let res = next.run(req).await;
    let _ = writeln!(
        std::io::stderr().lock(),
        "dlq dev: {method} {} -> {} ({} ms)",
        target.escape_debug(),
        res.status().as_u16(),
        started.elapsed().as_millis()
    );
    res
}

/// Builds the router with auth, fault injection and the error shape applied.
pub fn router(state: AppState, max_body: usize, verbose: bool) -> Router {
    let api = Router::new()
        .merge(publish::routes())
        .merge(dlq::routes())
        .merge(flow::routes())
        .merge(workflow::routes())
        .merge(runs::routes())
        .merge(logs::routes())
        .merge(messages::routes())
        .merge(topics::routes())
        .merge(trigger::routes())
        .merge(queues::routes())
        .merge(schedules::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(run_to_completion))
        .layer(middleware::from_fn_with_state(state.clone(), auth));
    // Webhooks are called by third parties, without the token.
    let app = api
        .merge(hooks::routes())
        .layer(middleware::from_fn_with_state(
            super::fault::FaultLayer {
                faults: state.faults.clone(),
                engine: state.engine.clone(),
            },
            super::fault::layer,
        ))
        .layer(middleware::from_fn(error_shape))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state);
    if verbose {
        app.layer(middleware::from_fn(log_request))
    } else {
        app
    }
}
