//! The real Upstash Workflow app of `tests/workflow-app` (official SDK, Node), started against
//! an in-process `dlq dev`. Node and the app's `npm ci` are required: a missing one fails the
//! test with what to do, never skips it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::Dev;
use dlq::server::{DEFAULT_CURRENT_SIGNING_KEY, DEFAULT_NEXT_SIGNING_KEY};

pub struct App {
    harness: Harness,
    child: tokio::process::Child,
}

impl std::ops::Deref for App {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.harness
    }
}

/// What the tests reach of a fixture app (Node or Python): its URL and the `/_/` endpoints
/// both apps serve the same way.
pub struct Harness {
    pub url: String,
    http: reqwest::Client,
}

/// Starts a fixture app, reads the `{"port": N}` line it prints, and keeps draining its
/// stdout so it never blocks on a full pipe.
pub async fn spawn(
    cmd: &mut tokio::process::Command,
    what: &str,
) -> (tokio::process::Child, Harness) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // The SDKs log each failing step on the console; the tests assert on events.
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({e})"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{what} did not start within 30 s"))
        .unwrap()
        .unwrap_or_else(|| panic!("{what} exited before listening"));
    let port = serde_json::from_str::<Value>(&line).unwrap()["port"]
        .as_u64()
        .unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let harness = Harness {
        url: format!("http://127.0.0.1:{port}"),
        // Node closes an idle keep-alive connection after 5 s: a request sent on it as it
        // closes is reset. Idle connections are dropped here first.
        http: reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    };
    (child, harness)
}

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/workflow-app")
}

/// Installs the app's pinned packages (`npm ci`) once, if they are missing.
fn ensure_installed(dir: &std::path::Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if dir.join("node_modules/@upstash/workflow").is_dir() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!("the workflow tests need Node.js 20+ and npm ({e}): install them, or run `npm ci` in {}", dir.display())
        });
    assert!(
        status.success(),
        "`npm ci` in {} failed: the workflow tests need the official SDK installed",
        dir.display()
    );
}

impl App {
    /// Starts the app with `dev` as its QStash (base URL and token only), signature
    /// verification on.
    pub async fn start(dev: &Dev) -> App {
        let dir = app_dir();
        let d = dir.clone();
        tokio::task::spawn_blocking(move || ensure_installed(&d))
            .await
            .unwrap();
        let (child, harness) = spawn(
            tokio::process::Command::new("node")
                .arg("app.mjs")
                .current_dir(&dir)
                .env("QSTASH_URL", &dev.url)
                .env("QSTASH_TOKEN", &dev.token)
                .env("QSTASH_CURRENT_SIGNING_KEY", DEFAULT_CURRENT_SIGNING_KEY)
                .env("QSTASH_NEXT_SIGNING_KEY", DEFAULT_NEXT_SIGNING_KEY)
                .env("PORT", "0")
                .env_remove("QSTASH_DEV")
                .env_remove("QSTASH_REGION")
                .env_remove("UPSTASH_WORKFLOW_URL"),
            "`node` for the workflow tests (install Node.js 20+)",
        )
        .await;
        App { harness, child }
    }
}

impl Harness {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// `Client.trigger(opts)` of the SDK (a relative `url` is the app's own).
    pub async fn trigger(&self, opts: Value) -> Value {
        let (s, v) = self.post("/_/trigger", opts).await;
        assert_eq!(s, 200, "trigger failed: {v}");
        v
    }

    /// A method of the SDK's `Client`: `(200, result)` or `(500, {error, status})`.
    pub async fn client(&self, method: &str, args: Value) -> (u16, Value) {
        self.post("/_/client", json!({ "method": method, "args": args }))
            .await
    }

    /// A method of the QStash SDK's `Client` (@upstash/qstash): `(200, result)` or
    /// `(500, {error, status})`. With `queue`, a method of `client.queue({queueName})`.
    pub async fn qstash(&self, method: &str, queue: Option<&str>, args: Value) -> (u16, Value) {
        let mut body = json!({ "method": method, "args": args });
        if let Some(q) = queue {
            body["queue"] = json!(q);
        }
        self.post("/_/qstash", body).await
    }

    /// Changes the switches the app's workflows read.
    pub async fn control(&self, v: Value) {
        let (s, _) = self.post("/_/control", v).await;
        assert_eq!(s, 200);
    }

    pub async fn events(&self) -> Vec<Value> {
        self.events_or_err().await.unwrap()
    }

    /// The events, or the error of an app that is not answering yet.
    pub async fn events_or_err(&self) -> reqwest::Result<Vec<Value>> {
        let res = self
            .http
            .get(format!("{}/_/events", self.url))
            .send()
            .await?;
        res.json::<Vec<Value>>().await
    }

    /// The recorded events of one kind (and run, when given).
    pub async fn events_of(&self, kind: &str, run: Option<&str>) -> Vec<Value> {
        self.events()
            .await
            .into_iter()
            .filter(|e| e["kind"] == kind && run.is_none_or(|r| e["runId"] == r))
            .collect()
    }

    /// Waits for `n` events of a kind (and run).
    pub async fn wait_events(&self, kind: &str, run: Option<&str>, n: usize) -> Vec<Value> {
        self.wait_events_within(kind, run, n, Duration::from_secs(20))
            .await
    }

    /// Waits up to `within` for `n` events of a kind (and run).
    pub async fn wait_events_within(
        &self,
        kind: &str,
        run: Option<&str>,
        n: usize,
        within: Duration,
    ) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.events_of(kind, run).await;
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} '{kind}' events of {run:?}; all events: {:#?}",
                self.events().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The run's log from the SDK's `client.logs`, once it is in `state`.
    pub async fn wait_run_state(&self, run: &str, state: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (s, v) = self.client("logs", json!([{ "workflowRunId": run }])).await;
            assert_eq!(s, 200, "{v}");
            if let Some(r) = v["runs"]
                .as_array()
                .and_then(|runs| runs.iter().find(|r| r["workflowRunId"] == run))
                && r["workflowState"] == state
            {
                return r.clone();
            }
            assert!(
                Instant::now() < deadline,
                "run {run} never reached {state}: {v:#}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
