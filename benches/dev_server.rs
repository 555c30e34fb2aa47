//! Benchmark of `dlq dev` (prints figures; not a test):
//! 1. messages per second from publish to DLQ entry, retries 0, receiver answering 500;
//! 2. `GET /v2/dlq?count=100` page latency at 10k, 100k and 1M stored entries, unfiltered and
//!    with each filter `dlq` sends.
//!
//! `cargo bench --bench dev_server [-- N] [--batch] [--no-pages]` (default N = 100000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use dlq::server::message::{AttemptResponse, Message, WorkflowInfo};
use dlq::server::store::db;
use dlq::server::{Server, ServerConfig};
use futures::StreamExt;

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    // `--batch`: publish through `POST /v2/batch`, 100 messages a request, so the publishing
    // client (which shares this machine's two cores) costs less than the server it measures.
    let batch = std::env::args().any(|a| a == "--batch");
    // `--no-pages`: the publish figures only.
    let pages = !std::env::args().any(|a| a == "--no-pages");
    let mut cfg = ServerConfig::for_tests();
    // `DLQ_BENCH_DB=FILE`: measure the SQLite file store instead of the in-memory one.
    cfg.db = std::env::var_os("DLQ_BENCH_DB").map(Into::into);
    let server = Server::start(cfg).await.unwrap();
    let url = server.url().to_string();
    let token = ServerConfig::default().token;

    let app = axum::Router::new()
        .fallback(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "fail") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx = format!("http://{}/sink", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let started = Instant::now();
    let publish_batches = futures::stream::iter((0..n).step_by(100))
        .map(|start| {
            let http = http.clone();
            let (url, rx, token) = (url.clone(), rx.clone(), token.clone());
            async move {
                let items: Vec<serde_json::Value> = (start..(start + 100).min(n))
                    .map(|i| {
                        let label = if i % 10 == 0 { "rare" } else { "common" };
                        serde_json::json!({
                            "destination": rx,
                            "body": format!("{{\"n\":{i}}}"),
                            "headers": { "Upstash-Retries": "0", "Upstash-Label": label },
                        })
                    })
                    .collect();
                let res = http
                    .post(format!("{url}/v2/batch"))
                    .bearer_auth(token)
                    .json(&items)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>();
    let publish_single = futures::stream::iter(0..n)
        .map(|i| {
            let http = http.clone();
            let (url, rx, token) = (url.clone(), rx.clone(), token.clone());
            async move {
                let label = if i % 10 == 0 { "rare" } else { "common" };
                let res = http
                    .post(format!("{url}/v2/publish/{rx}"))
                    .bearer_auth(token)
                    .header("Upstash-Retries", "0")
                    .header("Upstash-Label", label)
                    .body(format!("{{\"n\":{i}}}"))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>();
    if batch {
        publish_batches.await;
    } else {
        publish_single.await;
    }
    let published = started.elapsed();
    let store = server.engine().store().clone();
    loop {
        let count = store.call(db::count_dlq).await.unwrap();
        if count as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = started.elapsed();
    let how = if batch {
        "POST /v2/batch, 100 a request"
    } else {
        "POST /v2/publish, 64 in flight"
    };
    println!("publish -> DLQ, retries 0, receiver 500: {n} messages ({how})");
    println!(
        "  publish phase   {:>8.0} msg/s ({:.2?})",
        n as f64 / published.as_secs_f64(),
        published
    );
    println!(
        "  into the DLQ    {:>8.0} msg/s ({:.2?} until all {n} were dead-lettered)",
        n as f64 / total.as_secs_f64(),
        total
    );

    server.shutdown().await;
    if pages {
        page_latency(&http, &token).await;
    }
}

/// Entries per DLQ size the page latency is measured at; and the span they are spread over.
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const SPAN_MS: i64 = 30 * 86_400_000;
const DAY_MS: i64 = 86_400_000;

/// `GET /v2/dlq?count=100` at each of [`SIZES`], unfiltered and with each filter the pager and
/// the commands send, each in a random one-day window of the 30 days the entries span (as
/// `dlq list` reads them): p50 and p99 side by side. The DLQ is filled in the store directly
/// (the publish figures above measure the way in).
async fn page_latency(http: &reqwest::Client, token: &str) {
    let now = chrono::Utc::now().timestamp_millis();
    println!("GET /v2/dlq?count=100, p50 / p99 (ms), entries over 30 days:");
    println!(
        "  {:<26} {:>15} {:>15} {:>15}",
        "page", "10,000", "100,000", "1,000,000"
    );
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for &n in &SIZES {
        let server = Server::start(ServerConfig::for_tests()).await.unwrap();
        let url = server.url().to_string();
        fill(server.engine().store(), n, now).await;
        for (k, (name, path)) in cases().into_iter().enumerate() {
            let mut times = Vec::new();
            for i in 0..300u64 {
                let day = now - SPAN_MS + (mix(i + k as u64 * 1000) % 29) as i64 * DAY_MS;
                let u = format!("{url}{}", path(i, day, n as u64));
                let t = Instant::now();
                let res = http.get(u).bearer_auth(token).send().await.unwrap();
                assert!(res.status().is_success());
                let body = res.bytes().await.unwrap();
                times.push(t.elapsed());
                assert!(
                    body.len() > 20,
                    "{name}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            times.sort();
            let cell = format!(
                "{:.2} / {:.2}",
                times[times.len() / 2].as_secs_f64() * 1e3,
                times[times.len() * 99 / 100].as_secs_f64() * 1e3
            );
            match rows.get_mut(k) {
                Some(r) => r.1.push(cell),
                None => rows.push((name.to_string(), vec![cell])),
            }
        }
        server.shutdown().await;
    }
    for (name, cells) in rows {
        print!("  {name:<26}");
        for c in cells {
            print!(" {c:>15}");
        }
        println!();
    }
}

type PathOf = Box<dyn Fn(u64, i64, u64) -> String>;

/// The pages measured: a name, and the request's path for try `i` with a day starting at `day`,
/// in a DLQ of `n` entries.
fn cases() -> Vec<(&'static str, PathOf)> {
    let win = |day: i64| format!("&fromDate={day}&toDate={}", day + DAY_MS - 1);
    vec![
        (
            "unfiltered, first page",
            Box::new(|_, _, _| "/v2/dlq?count=100".into()),
        ),
        (
            "one-day window",
            Box::new(move |_, d, _| format!("/v2/dlq?count=100{}", win(d))),
        ),
        (
            "label=rare, one day",
            Box::new(move |_, d, _| format!("/v2/dlq?count=100&label=rare{}", win(d))),
        ),
        (
            "url, one day",
            Box::new(move |i, d, _| {
                format!("/v2/dlq?count=100&url=https://app.test/{}{}", i % 7, win(d))
            }),
        ),
        (
            "status 404, one day",
            Box::new(move |_, d, _| format!("/v2/dlq?count=100&responseStatus=404{}", win(d))),
        ),
        (
            "workflow run id",
            Box::new(|i, _, n: u64| {
                format!(
                    "/v2/workflows/dlq?count=100&workflowRunId=wfr_{}",
                    mix(i) % (n / 30)
                )
            }),
        ),
        (
            "workflow url, one day",
            Box::new(move |_, d, _| {
                format!(
                    "/v2/workflows/dlq?count=100&workflowUrl=https://app.test/wf{}",
                    win(d)
                )
            }),
        ),
    ]
}

/// A well-spread hash of `i` (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// Fills the DLQ with `n` entries as `dlq dev` stores them: dead-lettered in about the order
/// they were created (each up to 10 minutes after, as retries take), over the 30 days before
/// `now`; one in ten labelled `rare` and answered 404, one in ten a workflow step (three to a
/// run); seven URLs.
async fn fill(store: &dlq::server::store::Store, n: usize, now: i64) {
    let ids = store.ids();
    for start in (0..n).step_by(10_000) {
        let end = (start + 10_000).min(n);
        let ids = ids.clone();
        store
            .call(move |c| {
                for i in start..end {
                    let created_at = now - SPAN_MS + (i as i64 * SPAN_MS) / n as i64
                        - (mix(i as u64) % 600_000) as i64;
                    let (m, resp) = entry(i, created_at);
                    db::dead_letter(c, &mut ids.lock(), &m, &resp, now)?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }
}

fn entry(i: usize, created_at: i64) -> (Message, AttemptResponse) {
    let rare = i.is_multiple_of(10);
    let workflow = (i % 10 == 5).then(|| WorkflowInfo {
        run_id: format!("wfr_{}", i / 30),
        url: "https://app.test/wf".into(),
        created_at,
        call: Default::default(),
        index: None,
        lazy_fetch: false,
    });
    let m = Message {
        message_id: format!("msg_{i}"),
        url: format!("https://app.test/{}", i % 7),
        method: "POST".into(),
        body: format!("{{\"n\":{i}}}").into_bytes(),
        created_at,
        labels: vec![if rare { "rare" } else { "common" }.into()],
        caller_ip: "127.0.0.1".into(),
        workflow,
        ..Message::default()
    };
    let resp = AttemptResponse {
        status: if rare { 404 } else { 500 },
        body: b"fail".to_vec(),
        ..AttemptResponse::default()
    };
    (m, resp)
}
