//! Test support: the crate's own dev server in-process, and a receiver the test controls.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dlq::server::{Server, ServerConfig};
use parking_lot::Mutex;
use serde_json::Value;

pub mod workflow_app;
pub mod workflow_py;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .get(&k.to_ascii_lowercase())
            .map(String::as_str)
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the receiver answers: status, headers, body.
pub type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);
type Behaviour = Arc<dyn Fn(&Received, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct RecvState {
    log: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    delay: Arc<Mutex<Duration>>,
    /// When each request of `log` was answered (same index).
    answered: Arc<Mutex<Vec<Option<Instant>>>>,
}

/// A local HTTP receiver on a random loopback port.
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    delay: Arc<Mutex<Duration>>,
    answered: Arc<Mutex<Vec<Option<Instant>>>>,
    task: tokio::task::JoinHandle<()>,
}

async fn handle(
    State(st): State<RecvState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = Received {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
    };
    let (n, idx) = {
        let mut log = st.log.lock();
        log.push(r.clone());
        st.answered.lock().push(None);
        (
            log.iter().filter(|x| x.path == r.path).count(),
            log.len() - 1,
        )
    };
    let delay = *st.delay.lock();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    struct Answered(Arc<Mutex<Vec<Option<Instant>>>>, usize);
    impl Drop for Answered {
        fn drop(&mut self) {
            if let Some(a) = self.0.lock().get_mut(self.1) {
                *a = Some(Instant::now());
            }
        }
    }
    let _answered = Answered(st.answered.clone(), idx);
    let b = st.behaviour.lock().clone();
    let (status, hs, body) = b(&r, n);
    let mut res = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (k, v) in hs {
        res.headers_mut().insert(k, v.parse().unwrap());
    }
    res
}

impl Receiver {
    /// `behaviour(request, n)`: n counts requests to the same path, from 1.
    pub async fn start(
        behaviour: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> Receiver {
        let log = Arc::new(Mutex::new(Vec::new()));
        let behaviour: Arc<Mutex<Behaviour>> = Arc::new(Mutex::new(Arc::new(behaviour)));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let answered = Arc::new(Mutex::new(Vec::new()));
        let st = RecvState {
            log: log.clone(),
            behaviour: behaviour.clone(),
            delay: delay.clone(),
            answered: answered.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(st);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            log,
            behaviour,
            delay,
            answered,
            task,
        }
    }

    /// Always answers `status` with a small body.
    pub async fn always(status: u16) -> Receiver {
        Receiver::start(move |_, _| (status, vec![], format!("status {status}").into_bytes())).await
    }

    /// Makes every answer wait this long.
    pub fn set_delay(&self, d: Duration) {
        *self.delay.lock() = d;
    }

    /// Each request with the time it was answered (`None`: not yet).
    pub fn requests_answered(&self) -> Vec<(Received, Option<Instant>)> {
        let log = self.log.lock().clone();
        let answered = self.answered.lock().clone();
        log.into_iter()
            .zip(answered.into_iter().chain(std::iter::repeat(None)))
            .collect()
    }

    pub fn set(&self, behaviour: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) {
        *self.behaviour.lock() = Arc::new(behaviour);
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Received> {
        self.log
            .lock()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        wait_until(&format!("{n} requests to {path}"), || {
            let got = self.requests_to(path);
            (got.len() >= n).then_some(got)
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls `f` every 10 ms for up to 20 s.
pub async fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An in-process `dlq dev` with an authenticated client.
pub struct Dev {
    pub server: Option<Server>,
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Dev {
    pub async fn start() -> Dev {
        Dev::start_with(ServerConfig::for_tests()).await
    }

    pub async fn start_with(cfg: ServerConfig) -> Dev {
        let token = cfg.token.clone();
        let server = Server::start(cfg).await.unwrap();
        let url = server.url().to_string();
        Dev {
            server: Some(server),
            url,
            token,
            http: reqwest::Client::new(),
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.url, path))
            .bearer_auth(&self.token)
    }

    /// Publishes and returns the JSON answer (asserting success).
    pub async fn publish(
        &self,
        dest: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Value {
        let mut r = self
            .req(reqwest::Method::POST, &format!("/v2/publish/{dest}"))
            .body(body);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "publish failed: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.req(reqwest::Method::GET, path).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn call(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let res = self.req(method, path).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// All DLQ entries of `path` (following the cursor).
    pub async fn dlq_all(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let p = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_string(),
            };
            let (status, v) = self.get(&p).await;
            assert_eq!(status, 200, "{v}");
            out.extend(v["messages"].as_array().unwrap().iter().cloned());
            match v["cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
                _ => return out,
            }
        }
    }

    /// Waits until the DLQ at `path` holds `n` entries; returns them.
    pub async fn wait_dlq(&self, path: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let all = self.dlq_all(path).await;
            if all.len() >= n {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} DLQ entries at {path}, have {}",
                all.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// What a run of the built binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn lines(&self) -> Vec<String> {
        self.out().lines().map(String::from).collect()
    }
    /// stdout and stderr together, for "appears nowhere" checks.
    pub fn all(&self) -> String {
        format!("{}{}", self.out(), self.stderr)
    }
}

/// Runs `dlq` with a clean environment (no QSTASH_*, NO_COLOR, config or profile of the
/// machine), pointed at `url` with `token` unless the args say otherwise.
/// `DLQ_RETRY_SCALE` of every `dlq` the tests run.
pub const RETRY_SCALE: &str = "0.01";

pub async fn dlq_at(url: &str, token: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Run {
    dlq_with_stdin(url, token, args, env, None).await
}

pub async fn dlq_with_stdin(
    url: &str,
    token: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> Run {
    use tokio::io::AsyncWriteExt;
    let home = std::env::temp_dir().join("dlq-test-home");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("QSTASH_URL", url)
        // The client's backoff, 100× shorter: failing-API tests need not sleep through it.
        .env("DLQ_RETRY_SCALE", RETRY_SCALE)
        // Tests that pretend a terminal (DLQ_FORCE_TTY) read stdout: no pager unless asked.
        .env("PAGER", "cat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(t) = token {
        cmd.env("QSTASH_TOKEN", t);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut sin = child.stdin.take().unwrap();
    if let Some(b) = stdin {
        sin.write_all(b).await.unwrap();
    }
    drop(sin);
    let out = child.wait_with_output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Dev {
    /// Runs `dlq` against this server.
    pub async fn dlq(&self, args: &[&str]) -> Run {
        dlq_at(&self.url, Some(&self.token), args, &[]).await
    }

    pub async fn dlq_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        dlq_at(&self.url, Some(&self.token), args, env).await
    }

    /// Publishes `n` messages that fail at once (retries 0, a closed loopback port, path
    /// `path`) through `/v2/batch`, 100 a request, `gap` apart (as a client would send them).
    pub async fn fail_batched(&self, path: &str, n: usize, gap: Duration) {
        let items: Vec<Value> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "destination": format!("http://127.0.0.1:1/{path}"),
                    "body": i.to_string(),
                    "headers": {"Upstash-Retries": "0"},
                })
            })
            .collect();
        for part in items.chunks(100) {
            let res = self
                .req(reqwest::Method::POST, "/v2/batch")
                .json(part)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
            tokio::time::sleep(gap).await;
        }
    }

    /// Publishes `n` messages that fail at once (retries 0) to `url`.
    pub async fn fail_many(&self, url: &str, n: usize, headers: &[(&str, &str)]) {
        let mut h = vec![("Upstash-Retries", "0")];
        h.extend_from_slice(headers);
        for i in 0..n {
            self.publish(url, &h, format!("{{\"n\":{i}}}")).await;
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
