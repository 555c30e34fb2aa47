//! `POST /v2/publish/{destination}`, `POST /v2/enqueue/{queueName}/{destination}`, `POST /v2/batch`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{ApiError, ApiResult, AppState, CallerIp};
use crate::server::headers::{Origin, build_message};
use crate::server::headers::{PublishOptions, parse_publish_headers};
use crate::server::message::HeaderMap as Headers;
use crate::server::message::Message;
use crate::server::store::db::insert_new;
use crate::server::store::{db, topics};
use crate::server::workflow::protocol;

/// Deduplication window (the docs and OpenAPI say 10 minutes).
pub const DEDUP_WINDOW_MS: i64 = 10 * 60 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/publish/{*destination}", post(publish))
        .route("/v2/enqueue/{queue}/{*destination}", post(enqueue))
        .route("/v2/batch", post(batch))
}

/// The destination as sent: everything after the route prefix, with the query string (minus
/// `qstash_token`). SDKs send it unencoded; a percent-encoded URL is decoded.
pub(super) fn raw_destination(uri: &axum::http::Uri, prefix_segments: usize) -> ApiResult<String> {
    let path = uri.path();
    let mut rest = path;
    for _ in 0..prefix_segments {
        rest = rest.trim_start_matches('/');
        rest = rest.split_once('/').map(|(_, r)| r).unwrap_or("");
    }
    let mut dest = rest.to_string();
    let lower = dest.to_ascii_lowercase();
    if lower.starts_with("http%3a") || lower.starts_with("https%3a") {
        dest = percent_encoding::percent_decode_str(&dest)
            .decode_utf8_lossy()
            .into_owned();
    }
    // Some proxies collapse `//`: accept `https:/host`.
    for scheme in ["http:/", "https:/"] {
        if dest.starts_with(scheme) && !dest.starts_with(&format!("{scheme}/")) {
            dest = format!("{scheme}/{}", &dest[scheme.len()..]);
        }
    }
    if let Some(q) = uri.query().and_then(super::query_without_token) {
        dest.push('?');
        dest.push_str(&q);
    }
    if dest.is_empty() {
        return Err(ApiError::bad_request(
            "destination is missing: use /v2/publish/<url or URL group name>",
        ));
    }
    Ok(dest)
}

/// A destination: a URL or a URL group name.
pub enum Destination {
    Url(String),
    Group(String),
}

pub fn parse_destination(dest: &str) -> ApiResult<Destination> {
    if dest.contains("://") || dest.starts_with("http:") || dest.starts_with("https:") {
        match url::Url::parse(dest) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.has_host() => {
                Ok(Destination::Url(dest.to_string()))
            }
            _ => Err(ApiError::bad_request(format!(
                "invalid destination '{dest}': it must be an http:// or https:// URL or a URL group name"
            ))),
        }
    } else if valid_name(dest) {
        Ok(Destination::Group(dest.to_string()))
    } else {
        Err(ApiError::bad_request(format!(
            "invalid destination '{dest}': it must be an http:// or https:// URL or a URL group name"
        )))
    }
}

/// Names of URL groups, queues: letters, digits, `-`, `_`, `.`.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn dedup_key(o: &PublishOptions, m: &Message) -> Option<String> {
    if let Some(id) = &o.dedup_id {
        return Some(format!("id\n{id}\n{}", m.url));
    }
    if o.content_dedup {
        let mut h = Sha256::new();
        h.update(m.url.as_bytes());
        h.update(b"\n");
        h.update(&m.body);
        for (k, vs) in &m.header {
            h.update(k.as_bytes());
            for v in vs {
                h.update(v.as_bytes());
            }
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        return Some(format!("content\n{hex}"));
    }
    None
}

/// The messages of one destination (one per endpoint of a URL group), not yet stored.
pub struct Prepared {
    is_group: bool,
    queue: Option<String>,
    /// The Workflow protocol headers of the publish (see [`protocol::accept`]).
    workflow: Headers,
    msgs: Vec<(Message, Option<String>)>,
}

/// What publishing one destination answered: whether it was a URL group, and one
/// `(messageId, url, deduplicated)` per message.
pub type Published = (bool, Vec<(String, String, bool)>);

/// Builds the messages of one destination (fanning out over a URL group).
pub async fn prepare(
    st: &AppState,
    dest: &str,
    opts: &PublishOptions,
    body: &[u8],
    caller_ip: &str,
    origin: Origin,
) -> ApiResult<Prepared> {
    let now = st.engine.now_ms();
    let (is_group, targets) = match parse_destination(dest)? {
        Destination::Url(u) => (false, vec![(u, None)]),
        Destination::Group(g) => {
            let name = g.clone();
            let group = st
                .engine
                .store()
                .call(move |c| topics::get(c, &name))
                .await?
                .ok_or_else(|| ApiError::not_found(format!("URL group '{g}' not found")))?;
            if group.endpoints.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "URL group '{g}' has no endpoints"
                )));
            }
            (
                true,
                group
                    .endpoints
                    .into_iter()
                    .map(|e| (e.url, e.name.filter(|n| !n.is_empty())))
                    .collect(),
            )
        }
    };
    let topic = is_group.then(|| dest.to_string());
    let mut msgs = Vec::with_capacity(targets.len());
    for (url, endpoint_name) in targets {
        let o = Origin {
            topic_name: topic.clone(),
            endpoint_name,
            ..origin.clone()
        };
        let m = build_message(opts, &url, body, caller_ip, now, o);
        let key = dedup_key(opts, &m);
        msgs.push((m, key));
    }
    Ok(Prepared {
        is_group,
        queue: origin.queue_name,
        workflow: opts.workflow.clone(),
        msgs,
    })
}

/// Stores prepared publishes in one transaction (deduplicating) and schedules them.
pub async fn store_all(st: &AppState, preps: Vec<Prepared>) -> ApiResult<Vec<Published>> {
    let now = st.engine.now_ms();
    let (created, results) = st
        .engine
        .store()
        .call(move |c| {
            let mut created = Vec::new();
            let mut results = Vec::with_capacity(preps.len());
            for p in preps {
                if let Some(q) = &p.queue {
                    crate::server::store::queues::ensure(c, q, now)?;
                }
                let mut one = Vec::with_capacity(p.msgs.len());
                for (mut m, key) in p.msgs {
                    if let Some(k) = key
                        && let Some(existing) =
                            db::dedup(c, &k, &m.message_id, now, DEDUP_WINDOW_MS)?
                    {
                        one.push((existing, m.url.clone(), true));
                        continue;
                    }
                    // A workflow trigger of a run that is still running is answered as a
                    // duplicate, as the SDK expects; a step joins its run's log.
                    if let protocol::Accepted::Duplicate(existing) =
                        protocol::accept(c, &mut m, &p.workflow, now)?
                    {
                        one.push((existing, m.url.clone(), true));
                        continue;
                    }
                    insert_new(c, &m, now)?;
                    one.push((m.message_id.clone(), m.url.clone(), false));
                    created.push(m);
                }
                results.push((p.is_group, one));
            }
            Ok((created, results))
        })
        .await?;
    st.engine.schedule(&created);
    Ok(results)
}

/// Publishes to one destination (fanning out over a URL group).
pub async fn publish_to(
    st: &AppState,
    dest: &str,
    opts: &PublishOptions,
    body: Bytes,
    caller_ip: &str,
    origin: Origin,
) -> ApiResult<Published> {
    let p = prepare(st, dest, opts, &body, caller_ip, origin).await?;
    store_all(st, vec![p]).await?.pop().ok_or_else(|| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "nothing was published".into(),
        )
    })
}

fn publish_json(is_group: bool, results: Vec<(String, String, bool)>) -> (StatusCode, Value) {
    let all_dup = results.iter().all(|r| r.2);
    let items: Vec<Value> = results
        .into_iter()
        .map(|(id, url, dup)| {
            if dup {
                json!({ "messageId": id, "url": url, "deduplicated": true })
            } else {
                json!({ "messageId": id, "url": url })
            }
        })
        .collect();
    // A duplicate is answered 202 Accepted with the existing messageId.
    let status = if all_dup {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    if is_group {
        (status, Value::Array(items))
    } else {
        (status, items.into_iter().next().unwrap_or(Value::Null))
    }
}

/// A request error. For a step of a workflow run it is 412: the Workflow SDK reads a 400 as
/// "the run was cancelled" and stops without a trace, but fails the run visibly (489, into
/// the DLQ) on a 412.
fn invalid(h: &HeaderMap, msg: impl Into<String>) -> ApiError {
    let step = h.contains_key("upstash-workflow-runid")
        && h.get("upstash-workflow-init")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let status = if step {
        StatusCode::PRECONDITION_FAILED
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError(status, msg.into())
}

async fn publish(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let dest = raw_destination(&uri, 2)?;
    let opts = parse_publish_headers(&headers).map_err(|e| invalid(&headers, e))?;
    let (is_group, results) = publish_to(&st, &dest, &opts, body, &ip.0, Origin::default()).await?;
    let (status, v) = publish_json(is_group, results);
    Ok((status, axum::Json(v)).into_response())
}

async fn enqueue(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let queue = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .nth(2)
        .unwrap_or("")
        .to_string();
    let queue = percent_encoding::percent_decode_str(&queue)
        .decode_utf8_lossy()
        .into_owned();
    if !valid_name(&queue) {
        return Err(ApiError::bad_request(format!(
            "invalid queue name '{queue}': use letters, digits, '-', '_' and '.'"
        )));
    }
    let dest = raw_destination(&uri, 3)?;
    let opts = parse_publish_headers(&headers).map_err(|e| invalid(&headers, e))?;
    let origin = Origin {
        queue_name: Some(queue),
        ..Origin::default()
    };
    let (is_group, results) = publish_to(&st, &dest, &opts, body, &ip.0, origin).await?;
    let (status, v) = publish_json(is_group, results);
    Ok((status, axum::Json(v)).into_response())
}

#[derive(Deserialize)]
struct BatchItem {
    destination: String,
    /// A string is the body as is. The Workflow SDK's `context.call` puts a non-string body
    /// (`body: {a: 1}`) into the item as JSON; the docs show strings only: both are accepted,
    /// anything else is sent as its JSON text.
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    queue: Option<String>,
}

async fn batch(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    body: Bytes,
) -> ApiResult<Response> {
    let items: Vec<BatchItem> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid batch body: expected a JSON array of {{destination, body, headers, queue}}: {e}")))?;
    // Validate everything before publishing anything.
    let mut parsed = Vec::with_capacity(items.len());
    for (i, it) in items.into_iter().enumerate() {
        let mut h = HeaderMap::new();
        for (k, v) in &it.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                ApiError::bad_request(format!("batch item {i}: invalid header name '{k}'"))
            })?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                ApiError::bad_request(format!("batch item {i}: invalid value for header '{k}'"))
            })?;
            h.append(name, value);
        }
        let opts =
            parse_publish_headers(&h).map_err(|e| invalid(&h, format!("batch item {i}: {e}")))?;
        parse_destination(&it.destination)
            .map_err(|e| invalid(&h, format!("batch item {i}: {}", e.1)))?;
        if let Some(q) = &it.queue
            && !valid_name(q)
        {
            return Err(ApiError::bad_request(format!(
                "batch item {i}: invalid queue name '{q}'"
            )));
        }
        parsed.push((it, opts));
    }
    // One transaction for the whole batch.
    let mut preps = Vec::with_capacity(parsed.len());
    for (it, opts) in parsed {
        let origin = Origin {
            queue_name: it.queue.clone(),
            ..Origin::default()
        };
        let body = match it.body {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        };
        preps.push(prepare(&st, &it.destination, &opts, body.as_bytes(), &ip.0, origin).await?);
    }
    let out: Vec<Value> = store_all(&st, preps)
        .await?
        .into_iter()
        .map(|(is_group, results)| publish_json(is_group, results).1)
        .collect();
    Ok((StatusCode::OK, axum::Json(Value::Array(out))).into_response())
}
