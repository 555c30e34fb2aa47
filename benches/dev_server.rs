//! Benchmark of `dlq dev` (prints figures; not a test):
//! 1. messages per second from publish to DLQ entry, retries 0, receiver answering 500;
//! 2. `GET /v2/dlq` page latency with that many stored entries.
//!
//! `cargo bench --bench dev_server [-- N]` (default N = 100000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

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

    // Page latency: first page, pages deep in the DLQ (following cursors), and a filtered page.
    let mut cursors = vec![None];
    let mut cursor: Option<String> = None;
    for _ in 0..(n / 100).min(1000) {
        let mut u = format!("{url}/v2/dlq?count=100");
        if let Some(c) = &cursor {
            u.push_str(&format!("&cursor={c}"));
        }
        let v: serde_json::Value = http
            .get(u)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match v["cursor"].as_str() {
            Some(c) => {
                cursor = Some(c.to_string());
                cursors.push(cursor.clone());
            }
            None => break,
        }
    }
    for (name, extra) in [("unfiltered", ""), ("label=rare", "&label=rare")] {
        let mut times = Vec::new();
        for i in 0..500 {
            let mut u = format!("{url}/v2/dlq?count=100{extra}");
            if let Some(Some(c)) = cursors.get((i * 7919) % cursors.len()) {
                u.push_str(&format!("&cursor={c}"));
            }
            let t = Instant::now();
            let body = http
                .get(u)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            times.push(t.elapsed());
            assert!(body.len() > 100);
        }
        times.sort();
        println!(
            "GET /v2/dlq?count=100 ({name}) with {n} entries: p50 {:.2?}  p90 {:.2?}  p99 {:.2?}",
            times[times.len() / 2],
            times[times.len() * 9 / 10],
            times[times.len() * 99 / 100]
        );
    }
    server.shutdown().await;
}
