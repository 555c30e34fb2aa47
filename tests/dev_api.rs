//! `dlq dev` across its routes: error statuses and shapes, and the fault-injection layer
//! (`server/routes/mod.rs`, `server/fault.rs`).

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::support::{Dev, urlencode};

#[tokio::test(flavor = "multi_thread")]
async fn errors_have_the_documented_status_and_shape() {
    let dev = Dev::start().await;
    let plain = reqwest::Client::new();
    let res = plain
        .get(format!("{}/v2/dlq", dev.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());
    let res = plain
        .get(format!("{}/v2/dlq", dev.url))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = plain
        .get(format!(
            "{}/v2/dlq?qstash_token={}",
            dev.url,
            urlencode(&dev.token)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    for (path, status) in [
        ("/v2/dlq/1-0", 404),
        ("/v2/dlq/not-an-id", 404),
        ("/v2/workflows/dlq/1-0", 404),
        ("/v2/dlq?labeel=x", 400),
        ("/v2/dlq?host=x", 400),
        ("/v2/dlq?count=101", 400),
        ("/v2/dlq?count=0", 400),
        ("/v2/dlq?cursor=garbage", 400),
        ("/v2/dlq?fromDate=yesterday", 400),
        ("/v2/dlq?responseStatus=abc", 400),
        ("/v2/dlq?source=nope", 400),
        ("/v2/workflows/dlq?topicName=x", 400),
        ("/v2/logs?state=NOPE", 400),
        ("/v2/messages/msg_missing", 404),
        ("/v2/nothing-here", 404),
    ] {
        let (got, v) = dev.get(path).await;
        assert_eq!(got, status, "{path}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}: {v}"
        );
    }
    assert_eq!(dev.call(Method::DELETE, "/v2/dlq/1-0").await.0, 404);

    let bad = |h: &'static str, v: &'static str| {
        let r = dev
            .req(Method::POST, "/v2/publish/http://127.0.0.1:9/x")
            .header(h, v)
            .body("x");
        async move {
            let res = r.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    for (h, v, needle) in [
        ("Upstash-Retries", "many", "Upstash-Retries"),
        ("Upstash-Delay", "10 years", "Upstash-Delay"),
        ("Upstash-Retry-Delay", "1000 *", "Upstash-Retry-Delay"),
        (
            "Upstash-Flow-Control-Value",
            "rate=5",
            "Upstash-Flow-Control-Key",
        ),
        (
            "Upstash-Failure-Callback",
            "not a url",
            "Upstash-Failure-Callback",
        ),
    ] {
        let (status, body) = bad(h, v).await;
        assert_eq!(status, 400, "{h}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{h}: {body}"
        );
    }
    for dest in ["ftp://x/y", "http://", "not a url!"] {
        let res = dev
            .req(Method::POST, &format!("/v2/publish/{dest}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{dest}");
    }
    let res = dev
        .req(Method::POST, "/v2/publish/no-such-group")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let res = dev
        .req(Method::DELETE, "/v2/dlq")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
}

/// `--latency` models a round trip: every answer comes that much later, and requests in flight
/// together wait side by side rather than one after another.
#[tokio::test(flavor = "multi_thread")]
async fn latency_delays_every_answer_without_serialising_requests() {
    let dev = Dev::start().await;
    let rtt = Duration::from_millis(300);
    dev.server().faults().set_latency(rtt);
    let started = std::time::Instant::now();
    let calls = (0..8).map(|_| async {
        let t = std::time::Instant::now();
        let res = dev.req(Method::GET, "/v2/dlq").send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        t.elapsed()
    });
    let took = futures::future::join_all(calls).await;
    assert!(took.iter().all(|t| *t >= rtt), "{took:?}");
    // Eight round trips one after another would take 2.4 s.
    assert!(started.elapsed() < rtt * 6, "{:?}", started.elapsed());
    // A refused request is late too: the delay is the network's, not the handler's.
    let t = std::time::Instant::now();
    let res = reqwest::Client::new()
        .get(format!("{}/v2/dlq", dev.url))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(t.elapsed() >= rtt);
    dev.server().faults().set_latency(Duration::ZERO);
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_injection_gives_the_advertised_429_and_500_mix() {
    let dev = Dev::start().await;
    dev.server().faults().set_rate_limit(5);
    let mut limited = 0;
    for _ in 0..20 {
        let res = dev.req(Method::GET, "/v2/dlq").send().await.unwrap();
        if res.status().as_u16() == 429 {
            limited += 1;
            let h = res.headers();
            assert_eq!(h["burst-ratelimit-limit"], "5");
            assert_eq!(h["burst-ratelimit-remaining"], "0");
            let reset: i64 = h["burst-ratelimit-reset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            assert!(reset >= now && reset <= now + 2);
            assert_eq!(
                res.json::<Value>().await.unwrap()["error"],
                "rate limit exceeded"
            );
        }
    }
    assert!(limited >= 10, "only {limited} of 20 were limited");
    dev.server().faults().set_rate_limit(0);

    dev.server().faults().set_fault_rate(0.5);
    let (mut ok, mut five, mut dropped) = (0, 0, 0);
    for _ in 0..200 {
        match reqwest::Client::new()
            .get(format!("{}/v2/dlq", dev.url))
            .bearer_auth(&dev.token)
            .timeout(Duration::from_secs(5))
            .send()
            .await
        {
            Ok(r) if r.status().as_u16() == 500 => five += 1,
            Ok(r) if r.status().is_success() => ok += 1,
            Ok(r) => panic!("unexpected {}", r.status()),
            Err(_) => dropped += 1,
        }
    }
    assert!(
        ok > 50 && five > 10 && dropped > 20,
        "ok {ok}, 500 {five}, dropped {dropped}"
    );
    assert_eq!(dev.server().faults().injected(), (five + dropped) as u64);
}
