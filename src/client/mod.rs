//! The QStash API client: one async reqwest client, typed responses and errors, automatic
//! retries of 429/5xx/network failures. It never prints; `--verbose` lines go to a sink the
//! caller provides.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

pub mod error;
pub mod filter;

pub use error::ApiError;
pub use filter::{DlqFilter, DlqKind};

use crate::model::{
    BulkDeleteResponse, BulkRetryResponse, BulkWorkflowResponse, DlqEntry, DlqPage, LogEvent,
    LogPage, PublishResponse, RawDlqPage, WorkflowRun,
};
use crate::secret::SecretString;

/// Where `--verbose` lines go.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// Largest response body read (a DLQ page of 100 entries with 1 MiB bodies fits).
const MAX_RESPONSE: usize = 256 * 1024 * 1024;

/// The response size limit; `DLQ_MAX_RESPONSE_BYTES` (a hidden test hook) lowers it.
fn max_response() -> usize {
    std::env::var("DLQ_MAX_RESPONSE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_RESPONSE)
}

/// Retry policy for failed calls.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, first one included.
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The policy of the command line: the default, with its waits scaled by
    /// `DLQ_RETRY_SCALE` (a hidden test hook: tests of failing APIs need not sleep through the
    /// real backoff; the number of attempts stays).
    pub fn from_env() -> RetryPolicy {
        let p = RetryPolicy::default();
        match std::env::var("DLQ_RETRY_SCALE")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|f| f.is_finite() && *f >= 0.0)
        {
            Some(f) => RetryPolicy {
                base: p.base.mul_f64(f),
                cap: p.cap.mul_f64(f),
                ..p
            },
            None => p,
        }
    }
}

/// Settings of a client.
#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub token: SecretString,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub log: Option<LogSink>,
}

/// The API client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    /// Shared by every clone: when a call is rate limited, all calls wait until this instant,
    /// so a 429 slows the whole run, not just the one call.
    paused_until: Arc<parking_lot::Mutex<Option<tokio::time::Instant>>>,
}

/// Extra headers of a request (retry overrides).
pub type Headers = Vec<(String, String)>;

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("dlq/", env!("CARGO_PKG_VERSION")))
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(10))
            // A redirect is an error naming where it points (see ApiError::Redirect).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Network {
                message: format!("cannot build the HTTP client: {e}"),
                attempts: 0,
                url: None,
                unsent: true,
                hint: None,
            })?;
        let mut cfg = cfg;
        cfg.base_url = cfg.base_url.trim_end_matches('/').to_string();
        Ok(Client {
            http,
            cfg: Arc::new(cfg),
            paused_until: Arc::new(parking_lot::Mutex::new(None)),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.cfg.base_url
    }

    fn log(&self, line: &str) {
        if let Some(l) = &self.cfg.log {
            l(line);
        }
    }

    /// Sends a request, retrying 429, 5xx and network failures with capped exponential
    /// backoff and jitter, honouring `Retry-After` and `Burst-RateLimit-Reset`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &Headers,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        self.send_with(method, path, query, headers, true).await
    }

    /// Like [`Client::send`]; with `retry_unknown` false, a 5xx or network failure is returned
    /// at once instead of retried, because the call may have taken effect and only the caller
    /// can find out (a 429 is still retried: it was refused, not applied).
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &Headers,
        retry_unknown: bool,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        self.send_body(method, path, query, headers, None, retry_unknown)
            .await
    }

    /// [`Client::send_with`] with a request body.
    pub async fn send_body(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &Headers,
        body: Option<&[u8]>,
        retry_unknown: bool,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let url = format!("{}{}", self.cfg.base_url, path);
        let call = Call {
            shown: display_url(&url, query),
            method,
            url,
            query,
            headers,
            body,
            retry_unknown,
            max: self.cfg.retry.attempts.max(1),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let pause = *self.paused_until.lock();
            if let Some(until) = pause
                && until > tokio::time::Instant::now()
            {
                tokio::time::sleep_until(until).await;
            }
            let started = std::time::Instant::now();
            let next = match self.send_once(&call).await? {
                Ok(answer) => self.answered(&call, attempt, started, answer),
                Err((message, unsent)) => self.not_answered(&call, attempt, message, unsent),
            };
            match next {
                Next::Done(r) => return r,
                Next::Again(d) => {
                    self.log(&format!(
                        "  retrying in {} ms (attempt {}/{})",
                        d.as_millis(),
                        attempt + 1,
                        call.max
                    ));
                    tokio::time::sleep(d).await;
                }
            }
        }
    }

    /// One attempt: the answer (status, the server's wait, body), or why there was none and
    /// whether the request surely never left. A redirect or an oversized answer ends the call.
    async fn send_once(&self, c: &Call<'_>) -> Result<Result<Answer, (String, bool)>, ApiError> {
        let mut req = self
            .http
            .request(c.method.clone(), &c.url)
            .query(c.query)
            .header(
                "Authorization",
                format!("Bearer {}", self.cfg.token.expose()),
            );
        for (k, v) in c.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(b) = c.body {
            req = req.body(b.to_vec());
        }
        self.log(&format!("> {} {}", c.method, c.shown));
        let res = match req.send().await {
            Ok(res) => res,
            Err(e) => return Ok(Err((describe(&e), e.is_connect()))),
        };
        let status = res.status();
        if status.is_redirection() {
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map_or("(no Location)".to_string(), |l| {
                    crate::text::sanitize::inline(&crate::text::address::mask_userinfo(l))
                });
            self.log(&format!("< {} {} → {location}", status.as_u16(), c.shown));
            return Err(ApiError::Redirect {
                status: status.as_u16(),
                location,
            });
        }
        let wait = server_wait(res.headers());
        match read_body(res).await {
            Ok(body) => Ok(Ok((status, wait, body))),
            // Asking again would get the same answer.
            Err(BodyError::TooLarge(m)) => Err(ApiError::Decode(m)),
            Err(BodyError::Transport(m)) => Ok(Err((m, false))),
        }
    }

    /// An answer: success, an error to report, or (429, a 5xx of a call safe to repeat) a wait
    /// before the next attempt.
    fn answered(
        &self,
        c: &Call<'_>,
        attempt: u32,
        started: std::time::Instant,
        (status, wait, body): Answer,
    ) -> Next {
        if let Some(d) = wait.filter(|_| status.is_success()) {
            // The window's budget is spent: every call waits for the next one.
            self.pause_for(d);
        }
        self.log(&format!(
            "< {} {} ({} ms, {} bytes)",
            status.as_u16(),
            c.shown,
            started.elapsed().as_millis(),
            body.len()
        ));
        if status.is_success() {
            return Next::Done(Ok((status.as_u16(), body)));
        }
        let message = match not_qstash(&body).filter(|_| !body.is_empty()) {
            Some(what) => {
                let m = format!(
                    "this does not look like QStash: {what} from {}; check --qstash-url / QSTASH_URL",
                    brief(&c.shown)
                );
                // A 4xx page from something else is no "not found" of QStash's.
                if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
                    return Next::Done(Err(ApiError::Decode(m)));
                }
                m
            }
            None => error_message(status, &body),
        };
        let limited = status == StatusCode::TOO_MANY_REQUESTS;
        if (limited || (c.retry_unknown && status.is_server_error())) && attempt < c.max {
            let d = wait.unwrap_or_else(|| self.backoff(attempt));
            if limited {
                self.pause_for(d);
            }
            return Next::Again(d);
        }
        Next::Done(Err(classify(status, message, attempt)))
    }

    /// No answer: a network error, asked again when the call may be repeated (or never left),
    /// but not when nothing listens on this machine's port (retrying will not start it).
    fn not_answered(&self, c: &Call<'_>, attempt: u32, message: String, unsent: bool) -> Next {
        self.log(&format!("< error {}: {message}", c.shown));
        let refused_here = message.to_ascii_lowercase().contains("connection refused")
            && is_loopback(&self.cfg.base_url);
        if !refused_here && (c.retry_unknown || unsent) && attempt < c.max {
            return Next::Again(self.backoff(attempt));
        }
        Next::Done(Err(ApiError::Network {
            message,
            attempts: attempt,
            url: Some(brief(&c.shown)),
            unsent,
            hint: refused_here.then(|| dev_hint(&self.cfg.base_url)),
        }))
    }

    /// Makes every call of this client (and its clones) wait `d` before it is sent.
    fn pause_for(&self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        let mut p = self.paused_until.lock();
        if p.is_none_or(|cur| cur < until) {
            *p = Some(until);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let p = &self.cfg.retry;
        let exp = p.base.saturating_mul(1u32 << (attempt - 1).min(16));
        let capped = exp.min(p.cap);
        // Full jitter between half and all of the delay.
        let jitter = 0.5 + rand::random::<f64>() * 0.5;
        capped.mul_f64(jitter)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &Headers,
    ) -> Result<T, ApiError> {
        let (_, body) = self.send(method, path, query, headers).await?;
        self.parse(path, &body)
    }

    /// Parses an answer; one that is not JSON at all names what answered instead.
    fn parse<T: DeserializeOwned>(&self, path: &str, body: &[u8]) -> Result<T, ApiError> {
        parse_json(body).map_err(|e| match not_qstash(body) {
            Some(what) => ApiError::Decode(format!(
                "this does not look like QStash: {what} from {}{path}; check --qstash-url / QSTASH_URL",
                self.cfg.base_url
            )),
            None => e,
        })
    }

    /// A call that changes the DLQ: not retried on an unknown outcome (see `send_with`).
    async fn mutate<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &Headers,
    ) -> Result<T, ApiError> {
        let (_, body) = self.send_with(method, path, query, headers, false).await?;
        self.parse(path, &body)
    }

    /// One page of a DLQ.
    pub async fn dlq_page(
        &self,
        kind: DlqKind,
        filter: &DlqFilter,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<DlqPage, ApiError> {
        let mut page: DlqPage = self.list_page(kind, filter, cursor, count).await?;
        page.cursor = page.cursor.filter(|c| !c.is_empty());
        Ok(page)
    }

    /// [`Client::dlq_page`] with the entries as the API sent them.
    pub async fn dlq_page_raw(
        &self,
        kind: DlqKind,
        filter: &DlqFilter,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<RawDlqPage, ApiError> {
        let mut page: RawDlqPage = self.list_page(kind, filter, cursor, count).await?;
        page.cursor = page.cursor.filter(|c| !c.is_empty());
        Ok(page)
    }

    /// A page of a DLQ list, as `T` (an empty cursor is left to the caller).
    async fn list_page<T: DeserializeOwned>(
        &self,
        kind: DlqKind,
        filter: &DlqFilter,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<T, ApiError> {
        let mut q = filter.to_query(kind);
        q.push(("count".into(), count.clamp(1, 100).to_string()));
        if let Some(c) = cursor {
            q.push(("cursor".into(), c.to_string()));
        }
        self.json(Method::GET, kind.list_path(), &q, &Vec::new())
            .await
    }

    /// Entries of either DLQ by id, with as few calls as the API allows: `GET /v2/dlq?dlqIds=…`
    /// (100 at a time; an id names its entry whichever DLQ it is in), then, for ids that call
    /// did not return, the workflow DLQ's list with the same ids (`source=workflow`, as the
    /// Workflow SDK lists it). Ids in neither are left out.
    pub async fn dlq_by_ids(&self, ids: &[String]) -> Result<Vec<DlqEntry>, ApiError> {
        let mut found: Vec<DlqEntry> = Vec::with_capacity(ids.len());
        for source in [None, Some("workflow")] {
            let seen: std::collections::HashSet<&str> =
                found.iter().map(|e| e.dlq_id.as_str()).collect();
            let todo: Vec<String> = ids
                .iter()
                .filter(|i| !seen.contains(i.as_str()))
                .cloned()
                .collect();
            drop(seen);
            for chunk in todo.chunks(100) {
                let mut q: Vec<(String, String)> = chunk
                    .iter()
                    .map(|i| ("dlqIds".to_string(), i.clone()))
                    .collect();
                if let Some(src) = source {
                    q.push(("source".into(), src.into()));
                }
                q.push(("count".into(), chunk.len().to_string()));
                let page: DlqPage = self
                    .json(Method::GET, DlqKind::Qstash.list_path(), &q, &Vec::new())
                    .await?;
                // Only the ids asked for (a server that ignored the filter answers others).
                found.extend(
                    page.messages
                        .into_iter()
                        .filter(|e| chunk.contains(&e.dlq_id)),
                );
            }
        }
        Ok(found)
    }

    /// One entry; `kind` picks the QStash or Workflow path.
    pub async fn dlq_get(&self, kind: DlqKind, id: &str) -> Result<DlqEntry, ApiError> {
        let mut e: DlqEntry = self
            .json(Method::GET, &kind.entry_path(id), &[], &Vec::new())
            .await?;
        if e.dlq_id.is_empty() {
            // Not every answer carries its own id.
            e.dlq_id = id.to_string();
        }
        Ok(e)
    }

    /// All log events of a message, oldest first.
    pub async fn message_logs(&self, message_id: &str) -> Result<Vec<LogEvent>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = vec![
                ("messageId".to_string(), message_id.to_string()),
                ("count".to_string(), "100".to_string()),
            ];
            if let Some(c) = &cursor {
                q.push(("cursor".into(), c.clone()));
            }
            let page: LogPage = self.json(Method::GET, "/v2/logs", &q, &Vec::new()).await?;
            out.extend(page.logs);
            match page.cursor.filter(|c| !c.is_empty()) {
                Some(c) if out.len() < 10_000 => cursor = Some(c),
                _ => break,
            }
        }
        // Pages come newest first; events in the same millisecond keep their order.
        out.reverse();
        out.sort_by_key(|e| e.time.unwrap_or(0));
        Ok(out)
    }

    /// Messages with a log event in `state` at or after `from_ms`: one page (newest first).
    pub async fn logs_page(
        &self,
        state: &str,
        from_ms: i64,
        cursor: Option<&str>,
    ) -> Result<LogPage, ApiError> {
        let mut q = vec![
            ("state".to_string(), state.to_string()),
            ("fromDate".to_string(), from_ms.to_string()),
            ("count".to_string(), "100".to_string()),
        ];
        if let Some(c) = cursor {
            q.push(("cursor".into(), c.to_string()));
        }
        let mut page: LogPage = self.json(Method::GET, "/v2/logs", &q, &Vec::new()).await?;
        page.cursor = page.cursor.filter(|c| !c.is_empty());
        Ok(page)
    }

    /// The state of the newest workflow run with this id (`RUN_STARTED`, `RUN_SUCCESS`,
    /// `RUN_FAILED`, `RUN_CANCELED`), from the workflow logs; `None` if there is no such run.
    pub async fn workflow_run_state(&self, run_id: &str) -> Result<Option<String>, ApiError> {
        let runs = self.workflow_runs(run_id, 1).await?;
        Ok(runs
            .first()
            .and_then(|r| r["workflowState"].as_str())
            .map(String::from))
    }

    /// Up to `count` runs with this id from the workflow logs (`GET /v2/workflows/logs`, run
    /// mode), newest first: a custom run id can name more than one run.
    pub async fn workflow_runs(
        &self,
        run_id: &str,
        count: usize,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        let q = vec![
            ("workflowRunId".to_string(), run_id.to_string()),
            ("count".to_string(), count.to_string()),
        ];
        let v: serde_json::Value = self
            .json(Method::GET, "/v2/workflows/logs", &q, &Vec::new())
            .await?;
        Ok(match v.get("runs") {
            Some(serde_json::Value::Array(r)) => r.clone(),
            _ => Vec::new(),
        })
    }

    /// `POST /v2/publish/{destination}`: the destination URL as it is (as the SDKs send it).
    /// Safe to ask again after a lost answer only with a deduplication id among `headers`
    /// (`dedup`), which the caller says it sent.
    pub async fn publish(
        &self,
        destination: &str,
        headers: &Headers,
        body: &[u8],
        dedup: bool,
    ) -> Result<PublishResponse, ApiError> {
        let path = format!("/v2/publish/{destination}");
        let (_, out) = self
            .send_body(Method::POST, &path, &[], headers, Some(body), dedup)
            .await?;
        self.parse(&path, &out)
    }

    /// `POST /v2/dlq/retry/{dlqId}`.
    pub async fn retry_one(
        &self,
        id: &str,
        headers: &Headers,
    ) -> Result<PublishResponse, ApiError> {
        self.mutate(
            Method::POST,
            &format!("/v2/dlq/retry/{}", seg(id)),
            &[],
            headers,
        )
        .await
    }

    /// `POST /v2/dlq/retry?dlqIds=…`.
    pub async fn retry_bulk(
        &self,
        ids: &[String],
        headers: &Headers,
    ) -> Result<BulkRetryResponse, ApiError> {
        let q = ids_query(ids);
        self.mutate(Method::POST, "/v2/dlq/retry", &q, headers)
            .await
    }

    /// `POST /v2/workflows/dlq/{resume|restart}/{dlqId}`.
    pub async fn workflow_rerun_one(
        &self,
        action: &str,
        id: &str,
        headers: &Headers,
    ) -> Result<WorkflowRun, ApiError> {
        self.mutate(
            Method::POST,
            &format!("/v2/workflows/dlq/{action}/{}", seg(id)),
            &[],
            headers,
        )
        .await
    }

    /// `POST /v2/workflows/dlq/{resume|restart}?dlqIds=…`.
    pub async fn workflow_rerun_bulk(
        &self,
        action: &str,
        ids: &[String],
        headers: &Headers,
    ) -> Result<BulkWorkflowResponse, ApiError> {
        let q = ids_query(ids);
        self.mutate(
            Method::POST,
            &format!("/v2/workflows/dlq/{action}"),
            &q,
            headers,
        )
        .await
    }

    /// `POST /v2/workflows/dlq/callback/{dlqId}`.
    pub async fn workflow_callback(&self, id: &str) -> Result<WorkflowRun, ApiError> {
        self.mutate(
            Method::POST,
            &format!("/v2/workflows/dlq/callback/{}", seg(id)),
            &[],
            &Vec::new(),
        )
        .await
    }

    /// `DELETE /v2/dlq?dlqIds=…` (or the workflow DLQ's).
    pub async fn delete_bulk(
        &self,
        kind: DlqKind,
        ids: &[String],
    ) -> Result<BulkDeleteResponse, ApiError> {
        let q = ids_query(ids);
        self.mutate(Method::DELETE, kind.list_path(), &q, &Vec::new())
            .await
    }

    /// `DELETE /v2/dlq/{dlqId}` (or the workflow DLQ's).
    pub async fn delete_one(&self, kind: DlqKind, id: &str) -> Result<(), ApiError> {
        self.send(Method::DELETE, &kind.entry_path(id), &[], &Vec::new())
            .await
            .map(|_| ())
    }
}

/// `dlqIds=a&dlqIds=b…`: ids as repeated parameters.
fn ids_query(ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .map(|i| ("dlqIds".to_string(), i.clone()))
        .collect()
}

/// Characters escaped in a path segment: all but RFC 3986's unreserved ones.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
pub fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// A URL short enough for an error message: a long query string is cut.
fn brief(shown: &str) -> String {
    const MAX: usize = 160;
    if shown.chars().count() <= MAX {
        return shown.to_string();
    }
    let cut: String = shown.chars().take(MAX).collect();
    format!("{cut}…")
}

fn display_url(url: &str, query: &[(String, String)]) -> String {
    let url = crate::text::mask_userinfo(url);
    if query.is_empty() {
        return url;
    }
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.iter().filter(|(k, _)| k != "qstash_token"))
        .finish();
    format!("{url}?{q}")
}

enum BodyError {
    TooLarge(String),
    Transport(String),
}

async fn read_body(res: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    use futures::StreamExt;
    let mut body = Vec::new();
    let mut stream = res.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Transport(describe(&e)))?;
        if body.len() + chunk.len() > max_response() {
            return Err(BodyError::TooLarge(format!(
                "response larger than {} MiB",
                max_response().div_ceil(1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How long the server asks us to wait: `Retry-After` (seconds or HTTP date) or
/// `Burst-RateLimit-Reset` (Unix seconds), capped at a minute.
fn server_wait(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let now = std::time::SystemTime::now();
    if let Some(v) = h.get("retry-after").and_then(|v| v.to_str().ok()) {
        if let Ok(s) = v.trim().parse::<f64>() {
            return Some(Duration::from_secs_f64(s.clamp(0.0, 60.0)));
        }
        if let Ok(t) = httpdate::parse_http_date(v) {
            return Some(
                t.duration_since(now)
                    .unwrap_or_default()
                    .min(Duration::from_secs(60)),
            );
        }
    }
    // On a success, the reset counts only when the window's budget is (nearly) spent: with
    // one call left, another call already in flight would take it.
    if let Some(rem) = h
        .get("burst-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        && rem.trim().parse::<u64>().is_ok_and(|r| r > 1)
    {
        return None;
    }
    let reset = h
        .get("burst-ratelimit-reset")
        .and_then(|v| v.to_str().ok())?
        .trim()
        .parse::<f64>()
        .ok()?;
    let now_s = now
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    // Reset is a Unix time in seconds; wait until then (plus a little), at most a minute.
    let wait = if reset > 1e9 { reset - now_s } else { reset };
    Some(Duration::from_secs_f64(wait.clamp(0.0, 60.0) + 0.05))
}

/// One API call as `send_body` makes it, attempt after attempt.
struct Call<'a> {
    method: Method,
    url: String,
    /// The URL as logged (no token in it).
    shown: String,
    query: &'a [(String, String)],
    headers: &'a Headers,
    body: Option<&'a [u8]>,
    /// Whether a call whose outcome is unknown may be sent again.
    retry_unknown: bool,
    max: u32,
}

/// An answer: its status, the wait the server asked for, its body.
type Answer = (StatusCode, Option<Duration>, Vec<u8>);

/// After an attempt: the call's result, or another attempt after a wait.
enum Next {
    Done(Result<(u16, Vec<u8>), ApiError>),
    Again(Duration),
}

fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = None;
    while let Some(c) = cur {
        last = Some(c.to_string());
        cur = c.source();
    }
    if let Some(l) = last {
        msg.push_str(": ");
        msg.push_str(&l);
    }
    msg
}

fn error_message(status: StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct E {
        error: String,
    }
    if let Ok(e) = serde_json::from_slice::<E>(body) {
        return e.error;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        let short: String = text.chars().take(200).collect();
        crate::text::sanitize::inline(&short)
    }
}

fn classify(status: StatusCode, message: String, attempts: u32) -> ApiError {
    match status.as_u16() {
        401 | 403 => ApiError::Unauthorized {
            status: status.as_u16(),
            message,
        },
        404 => ApiError::NotFound { message },
        429 => ApiError::RateLimited { message, attempts },
        s if s >= 500 => ApiError::Server {
            status: s,
            message,
            attempts,
        },
        s => ApiError::BadRequest { status: s, message },
    }
}

/// What answered, when it is not JSON (QStash always answers JSON): an HTML page, text.
fn not_qstash(body: &[u8]) -> Option<String> {
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let lower = text.trim_start().to_ascii_lowercase();
    Some(
        if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            let (title, _) = crate::text::html::html_text(&text);
            match title {
                Some(t) => format!("an HTML page ({:?})", crate::text::sanitize::inline(&t)),
                None => "an HTML page".into(),
            }
        } else if body.is_empty() {
            "an empty answer".into()
        } else {
            let start: String = text.trim().chars().take(60).collect();
            format!("text ({:?})", crate::text::sanitize::inline(&start))
        },
    )
}

/// Whether a base URL points at this machine.
/// What to do when nothing listens at a loopback address: start `dlq dev` there.
fn dev_hint(base: &str) -> String {
    let port = url::Url::parse(base)
        .ok()
        .and_then(|u| u.port_or_known_default());
    match port {
        Some(p) if p != crate::wire::dev::DEFAULT_PORT => {
            format!("is `dlq dev` running? (start it with `dlq dev --port {p}`)")
        }
        _ => "is `dlq dev` running? (start it with `dlq dev`)".to_string(),
    }
}

fn is_loopback(base: &str) -> bool {
    url::Url::parse(base).is_ok_and(|u| crate::text::is_loopback_url(&u))
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(body).chars().take(80).collect();
        ApiError::Decode(format!(
            "{e} (body starts with {:?})",
            crate::text::sanitize::inline(&preview)
        ))
    })
}
