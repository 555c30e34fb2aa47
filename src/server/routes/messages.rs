//! Messages: `GET /v2/messages/{messageId}`, `DELETE /v2/messages/{messageId}` and the bulk
//! cancel `DELETE /v2/messages` (by ids, by filter, or all).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, Query};
use crate::server::message::Message;
use crate::server::store::db;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/messages", delete(cancel_many))
        .route(
            "/v2/messages/{message_id}",
            get(get_message).delete(cancel_one),
        )
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

/// `{"cancelled": 1}`: the JS SDK's `messages.cancel(id)` reads the count; the Python SDK
/// reads nothing.
async fn cancel_one(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let n = cancel(&st, Cancel::Ids(vec![id.clone()])).await?;
    if n == 0 {
        return Err(ApiError::not_found(format!("message '{id}' not found")));
    }
    Ok(axum::Json(json!({ "cancelled": n })).into_response())
}

/// What a bulk cancel takes.
enum Cancel {
    Ids(Vec<String>),
    Matching(Box<Filter>),
}

/// The bulk cancel's filters: any of a filter's values matches (OR), filters combine (AND).
#[derive(Debug, Default)]
struct Filter {
    topic_name: Vec<String>,
    queue_name: Vec<String>,
    url: Vec<String>,
    host: Vec<String>,
    path: Vec<String>,
    label: Vec<String>,
    flow_control_key: Vec<String>,
    schedule_id: Vec<String>,
    caller_ip: Vec<String>,
    from: Option<i64>,
    to: Option<i64>,
}

impl Filter {
    fn matches(&self, m: &Message) -> bool {
        let any = |vs: &[String], v: Option<&str>| {
            vs.is_empty() || v.is_some_and(|v| vs.iter().any(|x| x == v))
        };
        let url = url::Url::parse(&m.url).ok();
        any(&self.topic_name, m.topic_name.as_deref())
            && any(&self.queue_name, m.queue_name.as_deref())
            && any(&self.url, Some(&m.url))
            && any(&self.host, url.as_ref().and_then(|u| u.host_str()))
            && any(&self.path, url.as_ref().map(|u| u.path()))
            && (self.label.is_empty() || m.labels.iter().any(|l| self.label.contains(l)))
            && any(
                &self.flow_control_key,
                m.flow_control.as_ref().map(|f| f.key.as_str()),
            )
            && any(&self.schedule_id, m.schedule_id.as_deref())
            && any(&self.caller_ip, Some(&m.caller_ip))
            && self.from.is_none_or(|f| m.created_at >= f)
            && self.to.is_none_or(|t| m.created_at <= t)
    }
}

/// The Python SDK's `cancel_many` sends `{"messageIds": […]}` as a JSON body; the JS SDK and
/// the OpenAPI file use query parameters: both are taken.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    message_ids: Vec<String>,
}

fn selection(q: &Query, body: &[u8]) -> ApiResult<Cancel> {
    q.allow(&[
        "messageIds",
        "topicName",
        "queueName",
        "url",
        "host",
        "path",
        "label",
        "flowControlKey",
        "fromDate",
        "toDate",
        "scheduleId",
        "callerIp",
        "callerIP",
        // The JS SDK always sends `count` (and a `cursor` when given); its docs say the
        // service ignores `count` and cancels every match in one call, as this does.
        "count",
        "cursor",
    ])?;
    let body: Body = if body.iter().all(u8::is_ascii_whitespace) {
        Body::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!(
                "invalid body: expected {{\"messageIds\": [...]}}: {e}"
            ))
        })?
    };
    let mut ids = q.multi("messageIds");
    ids.extend(body.message_ids);
    if !ids.is_empty() {
        // Ids given: other filters are ignored (the OpenAPI file).
        return Ok(Cancel::Ids(ids));
    }
    let mut caller_ip = q.multi("callerIp");
    caller_ip.extend(q.multi("callerIP"));
    Ok(Cancel::Matching(Box::new(Filter {
        topic_name: q.multi("topicName"),
        queue_name: q.multi("queueName"),
        url: q.multi("url"),
        host: q.multi("host"),
        path: q.multi("path"),
        label: q.multi("label"),
        flow_control_key: q.multi("flowControlKey"),
        schedule_id: q.multi("scheduleId"),
        caller_ip,
        from: q.int("fromDate")?,
        to: q.int("toDate")?,
    })))
}

async fn cancel_many(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let what = selection(&Query::parse(raw.as_deref()), &body)?;
    let n = cancel(&st, what).await?;
    Ok(axum::Json(json!({ "cancelled": n })).into_response())
}

/// Cancels the pending messages selected, in one store call: each gets its CANCEL_REQUESTED
/// and CANCELED events and leaves the store, then the engine forgets it. Returns how many.
async fn cancel(st: &AppState, what: Cancel) -> ApiResult<usize> {
    let now = st.engine.now_ms();
    let gone = st
        .engine
        .store()
        .call(move |c| {
            let chosen: Vec<Message> = match what {
                Cancel::Ids(ids) => ids
                    .iter()
                    .filter_map(|id| db::get_message(c, id).transpose())
                    .collect::<Result<_, _>>()?,
                Cancel::Matching(f) => db::pending_messages(c)?
                    .into_iter()
                    .filter(|m| f.matches(m))
                    .collect(),
            };
            let mut gone = Vec::new();
            for m in chosen {
                db::insert_log(c, &m, "CANCEL_REQUESTED", now, Default::default())?;
                db::insert_log(c, &m, "CANCELED", now, Default::default())?;
                if db::delete_message(c, &m.message_id)? {
                    gone.push(m.message_id);
                }
            }
            Ok(gone)
        })
        .await?;
    for id in &gone {
        st.engine.cancel(id);
    }
    Ok(gone.len())
}
