//! `dlq demo`: the whole story on the embedded dev server, with no account. A local receiver
//! fails for a while; messages and workflow steps are published through the real API, retried
//! and dead-lettered; then the real `list`, `show` and `retry` run, the receiver recovers, and
//! the demo ends with every message delivered and the DLQ empty.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::http::StatusCode;
use clap::Args;

use crate::server::store::db;
use crate::server::{Server, ServerConfig};

const NGROK_404: &str = "<!DOCTYPE html><html><head><title>ngrok - Tunnel abc.ngrok.app not found</title></head>\
<body><div class=\"error\"><h1>The endpoint abc.ngrok.app is offline.</h1>\
<p>ERR_NGROK_3200</p><p>Start an agent with <code>ngrok http 3000</code>.</p></div></body></html>";

#[derive(Default)]
struct Receiver {
    recovered: AtomicBool,
    delivered: AtomicUsize,
    /// Workflow runs that reached their end.
    finished_runs: AtomicUsize,
    failure_callbacks: parking_lot::Mutex<Vec<String>>,
    /// The dev server's URL and token (for the workflow endpoint's own calls), and the
    /// receiver's own URL.
    qstash: parking_lot::Mutex<(String, String, String)>,
}

/// The demo's workflow: reserve stock, charge the card (fails until the endpoint is fixed).
const WORKFLOW_STEPS: [&str; 2] = ["reserve-stock", "charge-card"];
const FEATURES: &str = "LazyFetch,InitialBody,WF_DetectTrigger,WF_TriggerOnConfig";

/// A small endpoint that speaks the Upstash Workflow steps protocol as the SDK's `serve()`
/// does: it replays the run's log, runs the next step, publishes its result to QStash and
/// answers 200; after the last step it ends the run. A failing step answers 500 with the
/// SDK's error shape and `Upstash-Error-Step-Name`, so the DLQ holds what a real run leaves.
async fn workflow_endpoint(
    st: &Receiver,
    url: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> anyhow::Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let run_id = h("upstash-workflow-runid").to_string();
    if h("upstash-workflow-failure-callback") == "true" {
        st.failure_callbacks
            .lock()
            .push(String::from_utf8_lossy(body).into_owned());
        let out = serde_json::json!({ "result": format!("refund issued for {run_id}") });
        return Ok((StatusCode::OK, SDK_HEADER, out.to_string()).into_response());
    }
    let raw: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    let done = raw
        .iter()
        .skip(1)
        .filter(|e| e["callType"] == "step")
        .count();
    let ok = serde_json::json!({ "workflowRunId": run_id, "finishCondition": "success" });
    let ok = (StatusCode::OK, SDK_HEADER, ok.to_string()).into_response();
    let Some(&name) = WORKFLOW_STEPS.get(done) else {
        end_run(st, &run_id).await?;
        return Ok(ok);
    };
    if name == "charge-card" && !st.recovered.load(Ordering::SeqCst) {
        return Ok(step_failed(name));
    }
    let step = serde_json::json!({
        "stepId": done + 1, "stepName": name, "stepType": "Run",
        "out": step_result(name, &raw).to_string(), "concurrent": 1,
    });
    let item = serde_json::json!([{
        "destination": url,
        "body": step.to_string(),
        "headers": {
            "upstash-workflow-init": "false", "upstash-workflow-runid": run_id,
            "upstash-workflow-url": url, "upstash-workflow-sdk-version": "1",
            "upstash-forward-upstash-workflow-sdk-version": "1",
            "upstash-feature-set": FEATURES, "content-type": "application/json",
            "upstash-method": "POST",
        },
    }]);
    let (qstash, token, _) = st.qstash.lock().clone();
    let http = reqwest::Client::new();
    post_batch(&http, &qstash, &token, &item, "publishing the step").await?;
    Ok(ok)
}

const SDK_HEADER: [(&str, &str); 1] = [("upstash-workflow-sdk-version", "1")];

/// After the last step: the run's end, as the SDK reports it.
async fn end_run(st: &Receiver, run_id: &str) -> anyhow::Result<()> {
    let (qstash, token, _) = st.qstash.lock().clone();
    let res = reqwest::Client::new()
        .delete(format!("{qstash}/v2/workflows/runs/{run_id}?cancel=false"))
        .bearer_auth(&token)
        .body(r#"{"shipped":true}"#)
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "ending the run: {}",
        res.status()
    );
    st.finished_runs.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

/// A step that throws, answered as the SDK answers it.
fn step_failed(name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let err = serde_json::json!({
        "error": "Error",
        "message": "card processor timeout after 30000 ms",
        "stack": "Error: card processor timeout after 30000 ms\n    at charge (app/api/workflow/route.ts:18:11)",
    });
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [
            ("upstash-workflow-sdk-version", "1"),
            ("upstash-error-step-name", name),
        ],
        err.to_string(),
    )
        .into_response()
}

/// What a step returns: the reservation of the run's payload, or the charge.
fn step_result(name: &str, raw: &[serde_json::Value]) -> serde_json::Value {
    use base64::Engine as _;
    let payload = raw
        .first()
        .and_then(|e| e["body"].as_str())
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    if name == "reserve-stock" {
        serde_json::json!({ "reserved": serde_json::from_slice::<serde_json::Value>(&payload).ok() })
    } else {
        serde_json::json!({ "chargeId": "ch_demo_1", "amount": 4200 })
    }
}

async fn receiver(state: Arc<Receiver>) -> anyhow::Result<String> {
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let st = state.clone();
            async move {
                let path = uri.path().to_string();
                if path == "/workflow" {
                    let url = format!("{}/workflow", st.qstash.lock().2);
                    return match workflow_endpoint(&st, &url, &headers, &body).await {
                        Ok(r) => r,
                        Err(e) => {
                            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
                        }
                    };
                }
                if path == "/failure" {
                    st.failure_callbacks
                        .lock()
                        .push(String::from_utf8_lossy(&body).into_owned());
                    return (StatusCode::OK, "noted").into_response();
                }
                if st.recovered.load(Ordering::SeqCst) {
                    st.delivered.fetch_add(1, Ordering::SeqCst);
                    return (StatusCode::OK, "ok").into_response();
                }
                match path.as_str() {
                    "/ngrok" => (
                        StatusCode::NOT_FOUND,
                        [
                            ("content-type", "text/html"),
                            ("ngrok-error-code", "ERR_NGROK_3200"),
                        ],
                        NGROK_404,
                    )
                        .into_response(),
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [("content-type", "application/json")],
                        r#"{"error":"database unavailable","code":"ECONNRESET"}"#,
                    )
                        .into_response(),
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot start the demo receiver")?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

#[allow(clippy::print_stdout)]
fn step(title: &str, command: &str) {
    let bold = crate::ctx::stdout_style().color;
    println!();
    if bold {
        println!("\u{1b}[1m# {title}\u{1b}[0m");
        println!("\u{1b}[36m$ {command}\u{1b}[0m");
    } else {
        println!("# {title}");
        println!("$ {command}");
    }
    let _ = std::io::stdout().flush();
}

/// Runs a real `dlq` command line in this process.
async fn dlq(runner: Runner, url: &str, token: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut argv: Vec<String> = ["dlq", "--qstash-url", url, "--token", token]
        .iter()
        .map(|s| s.to_string())
        .collect();
    argv.extend(args.iter().map(|s| s.to_string()));
    runner(argv).await
}

/// Runs a parsed command line: the app's dispatch, handed in so that this module does not
/// depend on the module that depends on it.
pub type Runner =
    fn(Vec<String>) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>>>>;

/// The demo's steps: start, fail, look, recover, check; optionally leave fresh failures.
pub async fn run(args: DemoArgs, runner: Runner) -> anyhow::Result<()> {
    let started = Instant::now();
    let demo = Demo::start(runner).await?;
    demo.publish_failures(FIRST_ORDERS, &["demo_checkout_1", "demo_checkout_2"], true)
        .await?;
    demo.wait_for_dlq(6).await?;
    demo.tell_callbacks();
    demo.explore().await?;
    demo.recover().await?;
    demo.check(started).await?;
    if args.keep_running {
        demo.keep_running().await?;
    }
    demo.server.shutdown().await;
    Ok(())
}

const FIRST_ORDERS: &[&str] = &[
    r#"{"order":1001}"#,
    r#"{"order":1002}"#,
    r#"{"order":1003}"#,
];
const MORE_ORDERS: &[&str] = &[r#"{"order":2001}"#, r#"{"order":2002}"#];

/// The demo's server, its receiver and the way to run a `dlq` command line.
struct Demo {
    server: Server,
    url: String,
    token: String,
    /// The receiver's URL.
    rx: String,
    state: Arc<Receiver>,
    http: reqwest::Client,
    runner: Runner,
}

impl Demo {
    #[allow(clippy::print_stdout)]
    async fn start(runner: Runner) -> anyhow::Result<Demo> {
        let server = Server::start(ServerConfig {
            port: 0,
            backoff_scale: 0.001,
            ..ServerConfig::default()
        })
        .await?;
        let url = server.url().to_string();
        let token = crate::server::DEFAULT_TOKEN.to_string();
        let state = Arc::new(Receiver::default());
        let rx = receiver(state.clone()).await?;
        *state.qstash.lock() = (url.clone(), token.clone(), rx.clone());
        println!(
            "dlq demo: a local QStash-compatible server on {url} and an endpoint on {rx} that fails for now."
        );
        println!("Each step shows the command you would run against your own QStash.");
        Ok(Demo {
            server,
            url,
            token,
            rx,
            state,
            http: reqwest::Client::new(),
            runner,
        })
    }

    /// Runs a real `dlq` command line against the demo's server.
    async fn dlq(&self, args: &[&str]) -> anyhow::Result<()> {
        dlq(self.runner, &self.url, &self.token, args).await
    }

    /// The headers of a demo message: retries, a label, a failure callback, a forwarded
    /// secret (which `show` masks).
    fn headers(&self, label: &str) -> Vec<(&'static str, String)> {
        vec![
            ("Upstash-Retries", "3".into()),
            ("Content-Type", "application/json".into()),
            ("Upstash-Label", label.to_string()),
            ("Upstash-Failure-Callback", format!("{}/failure", self.rx)),
            (
                "Upstash-Forward-Authorization",
                "Bearer sk_demo_secret".into(),
            ),
        ]
    }

    async fn publish(&self, path: &str, label: &str, body: &'static str) -> anyhow::Result<()> {
        let mut r = self
            .http
            .post(format!("{}/v2/publish/{}{path}", self.url, self.rx))
            .bearer_auth(&self.token)
            .body(body);
        for (k, v) in self.headers(label) {
            r = r.header(k, v);
        }
        let res = r.send().await?;
        anyhow::ensure!(
            res.status().is_success(),
            "publish failed: {}",
            res.status()
        );
        Ok(())
    }

    /// Orders to the failing endpoint, a webhook to a dead ngrok tunnel, workflow runs whose
    /// second step fails; `narrate` shows the commands as steps.
    async fn publish_failures(
        &self,
        orders: &[&'static str],
        runs: &[&str],
        narrate: bool,
    ) -> anyhow::Result<()> {
        let rx = &self.rx;
        if narrate {
            step(
                "Publish messages; the endpoint answers 500, and one URL is a dead ngrok tunnel (404)",
                &format!(
                    "curl -X POST \"$QSTASH_URL/v2/publish/{rx}/orders\" -H \"Authorization: Bearer $QSTASH_TOKEN\" -H \"Upstash-Retries: 3\" -H \"Upstash-Failure-Callback: {rx}/failure\" -d '{{\"order\":1001}}'"
                ),
            );
        }
        for body in orders {
            self.publish("/orders", "orders", body).await?;
        }
        self.publish("/ngrok", "webhooks", r#"{"event":"invoice.paid"}"#)
            .await?;
        if narrate {
            step(
                "Start two workflow runs (as the Workflow SDK does); their second step fails",
                "(your app) await client.trigger({ url: \"https://your.app/api/workflow\" })",
            );
        }
        let triggers = serde_json::json!(workflow_triggers(&format!("{rx}/workflow"), runs));
        post_batch(&self.http, &self.url, &self.token, &triggers, "the trigger").await
    }

    /// Waits until the DLQ holds `n` entries (the retries run 1000× faster than QStash's).
    #[allow(clippy::print_stdout)]
    async fn wait_for_dlq(&self, n: i64) -> anyhow::Result<()> {
        println!(
            "Waiting for 4 attempts each (retries 3, backoff 1000× faster than the real 12 s, 2 m 28 s, 30 m)…"
        );
        let store = self.server.engine().store().clone();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let have = store.call(db::count_dlq).await?;
            if have >= n {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the demo messages did not reach the DLQ in time ({have}/{n})"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Let the failure callbacks of the last ones arrive.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    }

    #[allow(clippy::print_stdout)]
    fn tell_callbacks(&self) {
        let callbacks = self.state.failure_callbacks.lock().clone();
        println!(
            "All 6 are in the DLQ. The failure callback was called {} times; the first one got:",
            callbacks.len()
        );
        if let Some(first) = callbacks.first() {
            let v: serde_json::Value = serde_json::from_str(first).unwrap_or_default();
            println!(
                "  {{\"status\": {}, \"dlqId\": {}, \"sourceMessageId\": {}, \"retried\": {}, …}}",
                v["status"], v["dlqId"], v["sourceMessageId"], v["retried"]
            );
        }
    }

    /// `list`, `stats`, a run found by its id, then `show` of the run and of the ngrok
    /// failure.
    async fn explore(&self) -> anyhow::Result<()> {
        step("List the failed messages", "dlq list");
        self.dlq(&["list"]).await?;
        step("What failed most, by status and destination", "dlq stats");
        self.dlq(&["stats"]).await?;
        let run_id = "wfr_demo_checkout_2";
        step(
            "Find a workflow run's failure by its run id",
            &format!("dlq list --run-id {run_id}"),
        );
        self.dlq(&["list", "--run-id", run_id]).await?;
        let webhook = self
            .first_id(
                crate::client::DlqKind::Qstash,
                crate::client::DlqFilter {
                    label: vec!["webhooks".into()],
                    ..Default::default()
                },
            )
            .await?;
        let run = self
            .first_id(
                crate::client::DlqKind::Workflow,
                crate::client::DlqFilter {
                    run_id: Some(run_id.into()),
                    ..Default::default()
                },
            )
            .await?;
        if let Some(id) = run {
            step(
                "See the failed run: the request is the run's log, the response names the failing step",
                &format!("dlq show {id}"),
            );
            self.dlq(&["show", &id]).await?;
        }
        if let Some(id) = webhook {
            step(
                "See everything about the ngrok failure (the secret header stays masked)",
                &format!("dlq show {id} --attempts"),
            );
            self.dlq(&["show", &id, "--attempts"]).await?;
        }
        Ok(())
    }

    /// The id of the first entry that matches `filter`.
    async fn first_id(
        &self,
        kind: crate::client::DlqKind,
        filter: crate::client::DlqFilter,
    ) -> anyhow::Result<Option<String>> {
        let client = crate::client::Client::new(crate::client::ClientConfig {
            base_url: self.url.clone(),
            token: crate::secret::SecretString::new(self.token.clone()),
            timeout: Duration::from_secs(10),
            retry: Default::default(),
            log: None,
        })?;
        let page = client.dlq_page(kind, &filter, None, 1).await?;
        Ok(page.messages.into_iter().next().map(|e| e.dlq_id))
    }

    /// The endpoint is fixed: preview, retry and wait, resume the runs (each journaled), and
    /// wait until all were delivered.
    #[allow(clippy::print_stdout)]
    async fn recover(&self) -> anyhow::Result<()> {
        println!("\n(The endpoint is fixed now.)");
        self.state.recovered.store(true, Ordering::SeqCst);
        let dir = crate::fsx::private_dir("dlq-demo-")
            .context("cannot create a directory for the demo's journals")?;
        let j1 = dir.join("retry.ndjson").to_string_lossy().into_owned();
        let j2 = dir.join("resume.ndjson").to_string_lossy().into_owned();
        step(
            "Preview, then retry every failed message and wait until each is delivered",
            "dlq retry --all-matching --dry-run && dlq retry --all-matching --yes --wait",
        );
        self.dlq(&["retry", "--all-matching", "--dry-run"]).await?;
        let wait = ["--yes", "--wait=30s", "--journal", &j1];
        self.dlq(&[&["retry", "--all-matching"][..], &wait].concat())
            .await?;
        step(
            "Resume the failed workflow runs from the failed step",
            "dlq retry --workflow --all-matching --yes",
        );
        let resume = [
            "retry",
            "--workflow",
            "--all-matching",
            "--yes",
            "--journal",
            &j2,
        ];
        self.dlq(&resume).await?;
        let _ = std::fs::remove_dir_all(&dir);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.state.delivered.load(Ordering::SeqCst) < 4
            || self.state.finished_runs.load(Ordering::SeqCst) < 2
        {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the retried messages were not delivered in time"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Both DLQs are empty.
    #[allow(clippy::print_stdout)]
    async fn check(&self, started: Instant) -> anyhow::Result<()> {
        let left = self.server.engine().store().call(db::count_dlq).await?;
        step("Check", "dlq list --all && dlq list --workflow --all");
        self.dlq(&["list", "--all"]).await?;
        self.dlq(&["list", "--workflow", "--all"]).await?;
        anyhow::ensure!(left == 0, "{left} entries are still in the DLQ");
        println!(
            "\nDone in {:.1} s: the 4 messages were delivered and the 2 workflow runs finished after their retry; the DLQ is empty.",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Fresh failures to explore by hand, and how to point `dlq` at the server, until Ctrl-C.
    #[allow(clippy::print_stdout)]
    async fn keep_running(&self) -> anyhow::Result<()> {
        self.state.recovered.store(false, Ordering::SeqCst);
        self.publish_failures(MORE_ORDERS, &["demo_checkout_3"], false)
            .await?;
        let store = self.server.engine().store().clone();
        let deadline = Instant::now() + Duration::from_secs(20);
        while store.call(db::count_dlq).await? < 4 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the new demo failures did not reach the DLQ in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let url = &self.url;
        println!(
            "\nThe server keeps running with 3 failed messages and 1 failed workflow run to explore."
        );
        println!("In another terminal, point dlq at it:\n");
        println!("  export QSTASH_URL={url}");
        println!("  export QSTASH_TOKEN={}", self.token);
        for cmd in [
            "list",
            "list --workflow",
            "show <DLQ ID>",
            "retry --all-matching --dry-run\n",
        ] {
            println!("  dlq {cmd}");
        }
        println!(
            "(or pass --qstash-url {url} --token … to each command). Ctrl-C here stops the server."
        );
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")
    }
}

/// `POST /v2/batch` of `items` to the dev server.
async fn post_batch(
    http: &reqwest::Client,
    qstash: &str,
    token: &str,
    items: &serde_json::Value,
    what: &str,
) -> anyhow::Result<()> {
    let res = http
        .post(format!("{qstash}/v2/batch"))
        .bearer_auth(token)
        .json(items)
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "{what} failed: {}", res.status());
    Ok(())
}

/// Triggers of the demo workflow as `Client.trigger` sends them: the run's settings (retries,
/// label, failure callback, forwarded headers) come once, here, and hold for every step.
fn workflow_triggers(wf: &str, ids: &[&str]) -> Vec<serde_json::Value> {
    ids.iter()
        .map(|id| {
            serde_json::json!({
                "destination": wf,
                "body": r#"{"cart":["book","lamp"]}"#,
                "headers": {
                    "upstash-workflow-init": "true", "upstash-workflow-runid": format!("wfr_{id}"),
                    "upstash-workflow-url": wf, "upstash-workflow-sdk-version": "1",
                    "upstash-forward-upstash-workflow-sdk-version": "1",
                    "upstash-feature-set": FEATURES, "upstash-method": "POST",
                    "content-type": "application/json", "upstash-retries": "3",
                    "upstash-label": "checkout", "upstash-forward-upstash-label": "checkout",
                    "upstash-forward-authorization": "Bearer sk_demo_secret",
                    "upstash-failure-callback": wf,
                    "upstash-failure-callback-forward-upstash-workflow-is-failure": "true",
                    "upstash-failure-callback-forward-upstash-workflow-failure-callback": "true",
                    "upstash-failure-callback-workflow-runid": format!("wfr_{id}"),
                    "upstash-failure-callback-workflow-init": "false",
                    "upstash-failure-callback-workflow-url": wf,
                    "upstash-failure-callback-workflow-calltype": "failureCall",
                },
            })
        })
        .collect()
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Afterwards, leave the server running with a few fresh failures to explore, and print how
    /// to point dlq at it
    #[arg(long)]
    pub keep_running: bool,
}
