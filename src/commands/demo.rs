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
    use base64::Engine as _;
    let sdk = [("upstash-workflow-sdk-version", "1")];
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let run_id = h("upstash-workflow-runid").to_string();
    if h("upstash-workflow-failure-callback") == "true" {
        st.failure_callbacks
            .lock()
            .push(String::from_utf8_lossy(body).into_owned());
        let out = serde_json::json!({ "result": format!("refund issued for {run_id}") });
        return Ok((StatusCode::OK, sdk, out.to_string()).into_response());
    }
    let raw: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    let done = raw
        .iter()
        .skip(1)
        .filter(|e| e["callType"] == "step")
        .count();
    let (qstash, token, _) = st.qstash.lock().clone();
    let http = reqwest::Client::new();
    let ok = serde_json::json!({ "workflowRunId": run_id, "finishCondition": "success" });
    if done == WORKFLOW_STEPS.len() {
        let res = http
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
        return Ok((StatusCode::OK, sdk, ok.to_string()).into_response());
    }
    let name = WORKFLOW_STEPS[done];
    if name == "charge-card" && !st.recovered.load(Ordering::SeqCst) {
        let err = serde_json::json!({
            "error": "Error",
            "message": "card processor timeout after 30000 ms",
            "stack": "Error: card processor timeout after 30000 ms\n    at charge (app/api/workflow/route.ts:18:11)",
        });
        return Ok((
            StatusCode::INTERNAL_SERVER_ERROR,
            [
                ("upstash-workflow-sdk-version", "1"),
                ("upstash-error-step-name", name),
            ],
            err.to_string(),
        )
            .into_response());
    }
    let payload = raw
        .first()
        .and_then(|e| e["body"].as_str())
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    let out = if name == "reserve-stock" {
        serde_json::json!({ "reserved": serde_json::from_slice::<serde_json::Value>(&payload).ok() })
    } else {
        serde_json::json!({ "chargeId": "ch_demo_1", "amount": 4200 })
    };
    let step = serde_json::json!({
        "stepId": done + 1, "stepName": name, "stepType": "Run",
        "out": out.to_string(), "concurrent": 1,
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
    post_batch(&http, &qstash, &token, &item, "publishing the step").await?;
    Ok((StatusCode::OK, sdk, ok.to_string()).into_response())
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

#[allow(clippy::print_stdout)]
pub async fn run(args: DemoArgs, runner: Runner) -> anyhow::Result<()> {
    let started = Instant::now();
    let server = Server::start(ServerConfig {
        port: 0,
        backoff_scale: 0.001,
        ..ServerConfig::default()
    })
    .await?;
    let url = server.url().to_string();
    let token = crate::server::DEFAULT_TOKEN.to_string();
    let rx_state = Arc::new(Receiver::default());
    let rx = receiver(rx_state.clone()).await?;
    *rx_state.qstash.lock() = (url.clone(), token.clone(), rx.clone());
    println!(
        "dlq demo: a local QStash-compatible server on {url} and an endpoint on {rx} that fails for now."
    );
    println!("Each step shows the command you would run against your own QStash.");

    let http = reqwest::Client::new();
    let publish = |dest: String, headers: Vec<(&'static str, String)>, body: &'static str| {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        async move {
            let mut r = http
                .post(format!("{url}/v2/publish/{dest}"))
                .bearer_auth(&token)
                .body(body);
            for (k, v) in headers {
                r = r.header(k, v);
            }
            let res = r.send().await?;
            anyhow::ensure!(
                res.status().is_success(),
                "publish failed: {}",
                res.status()
            );
            Ok::<_, anyhow::Error>(())
        }
    };
    step(
        "Publish messages; the endpoint answers 500, and one URL is a dead ngrok tunnel (404)",
        &format!(
            "curl -X POST \"$QSTASH_URL/v2/publish/{rx}/orders\" -H \"Authorization: Bearer $QSTASH_TOKEN\" -H \"Upstash-Retries: 3\" -H \"Upstash-Failure-Callback: {rx}/failure\" -d '{{\"order\":1001}}'"
        ),
    );
    let common = |label: &str| -> Vec<(&'static str, String)> {
        vec![
            ("Upstash-Retries", "3".into()),
            ("Content-Type", "application/json".into()),
            ("Upstash-Label", label.to_string()),
            ("Upstash-Failure-Callback", format!("{rx}/failure")),
            (
                "Upstash-Forward-Authorization",
                "Bearer sk_demo_secret".into(),
            ),
        ]
    };
    for body in [
        r#"{"order":1001}"#,
        r#"{"order":1002}"#,
        r#"{"order":1003}"#,
    ] {
        publish(format!("{rx}/orders"), common("orders"), body).await?;
    }
    publish(
        format!("{rx}/ngrok"),
        common("webhooks"),
        r#"{"event":"invoice.paid"}"#,
    )
    .await?;
    step(
        "Start two workflow runs (as the Workflow SDK does); their second step fails",
        "(your app) await client.trigger({ url: \"https://your.app/api/workflow\" })",
    );
    // The trigger as `Client.trigger` sends it: the run's settings (retries, label, failure
    // callback, forwarded headers) come once, here, and hold for every step.
    let wf = format!("{rx}/workflow");
    let triggers = workflow_triggers(&wf, &["demo_checkout_1", "demo_checkout_2"]);
    post_batch(
        &http,
        &url,
        &token,
        &serde_json::json!(triggers),
        "the trigger",
    )
    .await?;
    println!(
        "Waiting for 4 attempts each (retries 3, backoff 1000× faster than the real 12 s, 2 m 28 s, 30 m)…"
    );
    let store = server.engine().store().clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = store.call(db::count_dlq).await?;
        if n >= 6 {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the demo messages did not reach the DLQ in time ({n}/6)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let callbacks = rx_state.failure_callbacks.lock().clone();
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

    step("List the failed messages", "dlq list");
    dlq(runner, &url, &token, &["list"]).await?;
    step("What failed most, by status and destination", "dlq stats");
    dlq(runner, &url, &token, &["stats"]).await?;
    step(
        "Find a workflow run's failure by its run id",
        "dlq list --run-id wfr_demo_checkout_2",
    );
    dlq(
        runner,
        &url,
        &token,
        &["list", "--run-id", "wfr_demo_checkout_2"],
    )
    .await?;
    let client = crate::client::Client::new(crate::client::ClientConfig {
        base_url: url.clone(),
        token: crate::secret::SecretString::new(token.clone()),
        timeout: Duration::from_secs(10),
        retry: Default::default(),
        log: None,
    })?;
    let page = client
        .dlq_page(
            crate::client::DlqKind::Qstash,
            &crate::client::DlqFilter {
                label: vec!["webhooks".into()],
                ..Default::default()
            },
            None,
            1,
        )
        .await?;
    let runs = client
        .dlq_page(
            crate::client::DlqKind::Workflow,
            &crate::client::DlqFilter {
                run_id: Some("wfr_demo_checkout_2".into()),
                ..Default::default()
            },
            None,
            1,
        )
        .await?;
    if let Some(e) = runs.messages.first() {
        step(
            "See the failed run: the request is the run's log, the response names the failing step",
            &format!("dlq show {}", e.dlq_id),
        );
        dlq(runner, &url, &token, &["show", &e.dlq_id]).await?;
    }
    if let Some(e) = page.messages.first() {
        step(
            "See everything about the ngrok failure (the secret header stays masked)",
            &format!("dlq show {} --attempts", e.dlq_id),
        );
        dlq(runner, &url, &token, &["show", &e.dlq_id, "--attempts"]).await?;
    }

    println!("\n(The endpoint is fixed now.)");
    rx_state.recovered.store(true, Ordering::SeqCst);
    let dir = tempfile_dir()?;
    let j1 = dir.join("retry.ndjson");
    let j2 = dir.join("resume.ndjson");
    step(
        "Preview, then retry every failed message and wait until each is delivered",
        "dlq retry --all-matching --dry-run && dlq retry --all-matching --yes --wait",
    );
    dlq(
        runner,
        &url,
        &token,
        &["retry", "--all-matching", "--dry-run"],
    )
    .await?;
    dlq(
        runner,
        &url,
        &token,
        &[
            "retry",
            "--all-matching",
            "--yes",
            "--wait=30s",
            "--journal",
            &j1.to_string_lossy(),
        ],
    )
    .await?;
    step(
        "Resume the failed workflow runs from the failed step",
        "dlq retry --workflow --all-matching --yes",
    );
    dlq(
        runner,
        &url,
        &token,
        &[
            "retry",
            "--workflow",
            "--all-matching",
            "--yes",
            "--journal",
            &j2.to_string_lossy(),
        ],
    )
    .await?;

    let deadline = Instant::now() + Duration::from_secs(10);
    while rx_state.delivered.load(Ordering::SeqCst) < 4
        || rx_state.finished_runs.load(Ordering::SeqCst) < 2
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the retried messages were not delivered in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = store.call(db::count_dlq).await?;
    step("Check", "dlq list --all && dlq list --workflow --all");
    dlq(runner, &url, &token, &["list", "--all"]).await?;
    dlq(runner, &url, &token, &["list", "--workflow", "--all"]).await?;
    anyhow::ensure!(left == 0, "{left} entries are still in the DLQ");
    println!(
        "\nDone in {:.1} s: the 4 messages were delivered and the 2 workflow runs finished after their retry; the DLQ is empty.",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);

    if args.keep_running {
        // Fresh failures to explore by hand.
        rx_state.recovered.store(false, Ordering::SeqCst);
        for body in [r#"{"order":2001}"#, r#"{"order":2002}"#] {
            publish(format!("{rx}/orders"), common("orders"), body).await?;
        }
        publish(
            format!("{rx}/ngrok"),
            common("webhooks"),
            r#"{"event":"invoice.paid"}"#,
        )
        .await?;
        let more = serde_json::json!(workflow_triggers(&wf, &["demo_checkout_3"]));
        post_batch(&http, &url, &token, &more, "the trigger").await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while store.call(db::count_dlq).await? < 4 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the new demo failures did not reach the DLQ in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "\nThe server keeps running with 3 failed messages and 1 failed workflow run to explore."
        );
        println!("In another terminal, point dlq at it:\n");
        println!("  export QSTASH_URL={url}");
        println!("  export QSTASH_TOKEN={token}");
        println!("  dlq list");
        println!("  dlq list --workflow");
        println!("  dlq show <DLQ ID>");
        println!("  dlq retry --all-matching --dry-run\n");
        println!(
            "(or pass --qstash-url {url} --token … to each command). Ctrl-C here stops the server."
        );
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
    }
    server.shutdown().await;
    Ok(())
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

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "dlq-demo-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    Ok(d)
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Afterwards, leave the server running with a few fresh failures to explore, and print how
    /// to point dlq at it
    #[arg(long)]
    pub keep_running: bool,
}
