//! Schedules: `POST /v2/schedules/{destination}`, `GET /v2/schedules`,
//! `GET/DELETE /v2/schedules/{scheduleId}`, pause and resume; and the firing of due schedules.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::publish::{parse_destination, publish_to, valid_name};
use super::{ApiError, ApiResult, AppState, CallerIp};
use crate::server::cron::Cron;
use crate::server::headers::Origin;
use crate::server::headers::{PublishOptions, parse_publish_headers};
use crate::server::message::{b64, new_id, put_body};
use crate::server::store::StoreError;

/// A stored schedule: the create request, replayed each time it fires.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub schedule_id: String,
    pub cron: String,
    pub destination: String,
    pub created_at: i64,
    /// The configuration and forwarded headers of the create request.
    pub headers: Vec<(String, String)>,
    #[serde(with = "b64")]
    pub body: Vec<u8>,
    pub caller_ip: String,
    pub is_paused: bool,
    #[serde(default)]
    pub last_schedule_time: Option<i64>,
    pub next_schedule_time: i64,
    #[serde(default)]
    pub last_states: Map<String, Value>,
}

impl Schedule {
    fn header_map(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                h.append(k, v);
            }
        }
        h
    }

    fn options(&self) -> PublishOptions {
        parse_publish_headers(&self.header_map()).unwrap_or_default()
    }

    /// The queue each firing is enqueued to (`Upstash-Queue-Name` on the create request).
    fn queue_name(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("upstash-queue-name"))
            .map(|(_, v)| v.clone())
            .filter(|q| !q.is_empty())
    }

    fn to_json(&self) -> Value {
        let o = self.options();
        let mut m = Map::new();
        m.insert("scheduleId".into(), json!(self.schedule_id));
        m.insert("cron".into(), json!(self.cron));
        m.insert("destination".into(), json!(self.destination));
        m.insert("createdAt".into(), json!(self.created_at));
        m.insert(
            "method".into(),
            json!(o.method.clone().unwrap_or_else(|| "POST".into())),
        );
        m.insert("header".into(), json!(o.forward));
        put_body(&mut m, "body", "bodyBase64", &self.body);
        m.insert(
            "retries".into(),
            json!(o.retries.unwrap_or(crate::server::message::DEFAULT_RETRIES)),
        );
        if let Some(d) = o.delay_ms {
            m.insert("delay".into(), json!(d / 1000));
        }
        if let Some(c) = &o.callback {
            m.insert("callback".into(), json!(c.url));
        }
        if let Some(c) = &o.failure_callback {
            m.insert("failureCallback".into(), json!(c.url));
        }
        m.insert("callerIp".into(), json!(self.caller_ip));
        m.insert("isPaused".into(), json!(self.is_paused));
        if let Some(q) = self.queue_name() {
            m.insert("queueName".into(), json!(q));
        }
        if let Some(fc) = &o.flow_control {
            m.insert("flowControlKey".into(), json!(fc.key));
            if let Some(v) = fc.parallelism {
                m.insert("parallelism".into(), json!(v));
            }
            if let Some(v) = fc.rate {
                m.insert("rate".into(), json!(v));
            }
            m.insert("period".into(), json!(fc.period_secs()));
        }
        if let Some(r) = &o.retry_delay {
            m.insert("retryDelayExpression".into(), json!(r.source()));
        }
        if let Some(labels) = o.labels.filter(|l| !l.is_empty()) {
            m.insert("label".into(), json!(labels[0]));
            m.insert("labels".into(), json!(labels));
        }
        if let Some(t) = self.last_schedule_time {
            m.insert("lastScheduleTime".into(), json!(t));
        }
        m.insert("nextScheduleTime".into(), json!(self.next_schedule_time));
        m.insert(
            "lastScheduleStates".into(),
            Value::Object(self.last_states.clone()),
        );
        Value::Object(m)
    }
}

fn save(c: &rusqlite::Connection, s: &Schedule) -> Result<(), StoreError> {
    c.prepare_cached("INSERT OR REPLACE INTO schedules(schedule_id, data) VALUES (?1, ?2)")?
        .execute(params![s.schedule_id, serde_json::to_string(s)?])?;
    Ok(())
}

fn load(c: &rusqlite::Connection, id: &str) -> Result<Option<Schedule>, StoreError> {
    let d: Option<String> = c
        .prepare_cached("SELECT data FROM schedules WHERE schedule_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    d.map(|d| serde_json::from_str(&d).map_err(StoreError::from))
        .transpose()
}

fn load_all(c: &rusqlite::Connection) -> Result<Vec<Schedule>, StoreError> {
    let mut st = c.prepare("SELECT data FROM schedules ORDER BY rowid")?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.iter()
        .map(|d| serde_json::from_str(d).map_err(StoreError::from))
        .collect()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/schedules", get(list))
        .route("/v2/schedules/{*rest}", any(dispatch))
}

/// One catch-all route: the destination of a create is a full URL with slashes, which the
/// router cannot tell apart from `{scheduleId}/pause`.
async fn dispatch(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let rest = uri.path().trim_start_matches("/v2/schedules/").to_string();
    let segs: Vec<&str> = rest.split('/').collect();
    // Only a POST is ambiguous: `{id}/pause` vs. a destination URL (which has a scheme, so a
    // colon) or a URL group name (one segment).
    let looks_like_id = !rest.contains(':');
    match (&method, segs.as_slice()) {
        (&Method::GET, [id]) if looks_like_id => get_one(st, id.to_string()).await,
        (&Method::DELETE, [id]) if looks_like_id => delete_one(st, id.to_string()).await,
        // The SDKs (JS and Python) send PATCH; the OpenAPI file says POST: both are taken.
        (&Method::POST | &Method::PATCH, [id, "pause"]) if looks_like_id => {
            set_paused(st, id.to_string(), true).await
        }
        (&Method::POST | &Method::PATCH, [id, "resume"]) if looks_like_id => {
            set_paused(st, id.to_string(), false).await
        }
        (&Method::POST, _) => create(st, ip, uri, headers, body).await,
        _ => Err(ApiError(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this endpoint".into(),
        )),
    }
}

async fn create(
    st: AppState,
    ip: CallerIp,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let mut dest = uri.path().trim_start_matches("/v2/schedules/").to_string();
    if let Some(q) = uri.query().and_then(super::query_without_token) {
        dest = format!("{dest}?{q}");
    }
    parse_destination(&dest)?;
    let opts = parse_publish_headers(&headers).map_err(ApiError::bad_request)?;
    let cron_src = opts.cron.clone().ok_or_else(|| {
        ApiError::bad_request("Upstash-Cron header is required (a 5-field cron expression in UTC)")
    })?;
    Cron::parse(&cron_src).map_err(ApiError::bad_request)?;
    let id = match &opts.schedule_id {
        Some(id) if valid_name(id) => id.clone(),
        Some(id) => {
            return Err(ApiError::bad_request(format!(
                "invalid schedule id '{id}': schedule IDs can only contain alphanumeric characters, hyphens, periods, and underscores"
            )));
        }
        None => new_id("scd_"),
    };
    let kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            (k.starts_with("upstash-") && k != "upstash-cron" && k != "upstash-schedule-id")
                || k == "content-type"
        })
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
        .collect();
    let now = st.engine.now_ms();
    let sched = Schedule {
        schedule_id: id.clone(),
        cron: cron_src,
        destination: dest,
        created_at: now,
        headers: kept,
        body: body.to_vec(),
        caller_ip: ip.0,
        is_paused: false,
        last_schedule_time: None,
        next_schedule_time: 0,
        last_states: Map::new(),
    };
    let mut sched = sched;
    sched.next_schedule_time = st
        .schedule_clock
        .next_fire(&sched.cron, now)
        .unwrap_or(i64::MAX);
    st.engine
        .store()
        .call(move |c| {
            // An existing id is updated in place, keeping its creation time.
            if let Some(old) = load(c, &sched.schedule_id)? {
                sched.created_at = old.created_at;
            }
            save(c, &sched)
        })
        .await?;
    Ok(axum::Json(json!({ "scheduleId": id })).into_response())
}

async fn list(State(st): State<AppState>) -> ApiResult<Response> {
    let all = st.engine.store().call(load_all).await?;
    Ok(axum::Json(all.iter().map(Schedule::to_json).collect::<Vec<_>>()).into_response())
}

async fn get_one(st: AppState, id: String) -> ApiResult<Response> {
    let k = id.clone();
    match st.engine.store().call(move |c| load(c, &k)).await? {
        Some(s) => Ok(axum::Json(s.to_json()).into_response()),
        None => Err(ApiError::not_found(format!("schedule '{id}' not found"))),
    }
}

async fn delete_one(st: AppState, id: String) -> ApiResult<Response> {
    let k = id.clone();
    let n = st
        .engine
        .store()
        .call(move |c| Ok(c.execute("DELETE FROM schedules WHERE schedule_id = ?1", [&k])?))
        .await?;
    if n == 1 {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("schedule '{id}' not found")))
    }
}

async fn set_paused(st: AppState, id: String, paused: bool) -> ApiResult<Response> {
    let k = id.clone();
    let now = st.engine.now_ms();
    let clock = st.schedule_clock.clone();
    let found = st
        .engine
        .store()
        .call(move |c| match load(c, &k)? {
            Some(mut s) => {
                if s.is_paused && !paused {
                    s.next_schedule_time = clock.next_fire(&s.cron, now).unwrap_or(i64::MAX);
                }
                s.is_paused = paused;
                save(c, &s)?;
                Ok(true)
            }
            None => Ok(false),
        })
        .await?;
    if found {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!("schedule '{id}' not found")))
    }
}

/// Time for schedules, optionally compressed (`--schedule-scale`) so tests need not wait a
/// minute: a scale of 0.001 turns each cron minute into 60 ms after the server started.
#[derive(Debug, Clone)]
pub struct ScheduleClock {
    pub origin_ms: i64,
    pub scale: f64,
}

impl ScheduleClock {
    /// Real time (ms) of the first cron match after real time `now`.
    pub fn next_fire(&self, cron: &str, now: i64) -> Option<i64> {
        let c = Cron::parse(cron).ok()?;
        let virt = self.origin_ms + ((now - self.origin_ms) as f64 / self.scale) as i64;
        let next_virt = c.next_after(virt)?;
        let real =
            self.origin_ms + ((next_virt - self.origin_ms) as f64 * self.scale).ceil() as i64;
        Some(real.max(now + 1))
    }
}

/// Publishes every due schedule once and moves it to its next time.
pub async fn fire_due_schedules(st: &AppState) -> Result<usize, ApiError> {
    let now = st.engine.now_ms();
    let all = st.engine.store().call(load_all).await?;
    let mut fired = 0;
    for mut s in all
        .into_iter()
        .filter(|s| !s.is_paused && s.next_schedule_time <= now)
    {
        let origin = Origin {
            schedule_id: Some(s.schedule_id.clone()),
            queue_name: s.queue_name(),
            ..Origin::default()
        };
        let res = publish_to(
            st,
            &s.destination,
            &s.options(),
            Bytes::from(s.body.clone()),
            &s.caller_ip,
            origin,
        )
        .await;
        let state = if res.is_ok() { "IN_PROGRESS" } else { "FAILED" };
        s.last_states = Map::new();
        if let Ok((_, results)) = &res {
            for (id, _, _) in results {
                s.last_states.insert(id.clone(), json!(state));
            }
        }
        s.last_schedule_time = Some(now);
        s.next_schedule_time = st
            .schedule_clock
            .next_fire(&s.cron, now)
            .unwrap_or(i64::MAX);
        let id = s.schedule_id.clone();
        st.engine
            .store()
            .call(move |c| {
                // Skip if deleted or paused meanwhile.
                match load(c, &id)? {
                    Some(cur) if !cur.is_paused => save(c, &s),
                    _ => Ok(()),
                }
            })
            .await?;
        fired += 1;
    }
    Ok(fired)
}
