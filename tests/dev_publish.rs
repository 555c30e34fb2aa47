//! `dlq dev` publishing and delivery (`server/routes/publish.rs`, the engine): real deliveries to
//! a local receiver, retries and backoff, callbacks, deduplication, delays, batches, the store.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dlq::server::{ServerConfig, signing};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Dev, Receiver};

#[tokio::test(flavor = "multi_thread")]
async fn failing_message_is_retried_with_backoff_then_dead_lettered_with_everything() {
    let dev = Dev::start_with(ServerConfig {
        backoff_scale: 0.001,
        ..ServerConfig::for_tests()
    })
    .await;
    let rx = Receiver::start(|_, _| {
        (
            500,
            vec![
                ("content-type", "application/json".into()),
                ("x-trace", "t-1".into()),
            ],
            br#"{"error":"db down"}"#.to_vec(),
        )
    })
    .await;
    let dest = format!("{}/hook?x=1", rx.url);
    let res = dev
        .publish(
            &dest,
            &[
                ("Content-Type", "application/json"),
                ("Upstash-Retries", "3"),
                ("Upstash-Forward-X-Api-Key", "k-123"),
                ("Upstash-Label", "billing,eu"),
            ],
            r#"{"order":42}"#,
        )
        .await;
    let id = res["messageId"].as_str().unwrap().to_string();
    assert!(id.starts_with("msg_"));
    assert_eq!(res["url"], json!(dest));

    let got = rx.wait_for("/hook", 4).await;
    let retried: Vec<&str> = got
        .iter()
        .map(|r| r.header("upstash-retried").unwrap())
        .collect();
    assert_eq!(retried, ["0", "1", "2", "3"]);
    for r in &got {
        assert_eq!(r.header("upstash-message-id"), Some(id.as_str()));
        assert_eq!(r.header("user-agent"), Some("Upstash-QStash"));
        assert_eq!(r.header("x-api-key"), Some("k-123"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body, br#"{"order":42}"#);
        let sig = r.header("upstash-signature").unwrap();
        assert!(signing::verify(
            dlq::server::DEFAULT_CURRENT_SIGNING_KEY,
            sig,
            &r.body
        ));
    }
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(
        gaps[0] < gaps[1] && gaps[1] < gaps[2],
        "gaps should grow: {gaps:?}"
    );
    // e^(2.5*3) s scaled by 0.001 is about 1.8 s.
    assert!(gaps[2] >= Duration::from_millis(1500), "{gaps:?}");

    let entries = dev.wait_dlq("/v2/dlq", 1).await;
    assert_eq!(entries.len(), 1, "exactly one DLQ entry");
    let e = &entries[0];
    let dlq_id = e["dlqId"].as_str().unwrap();
    let (ms, seq) = dlq_id.split_once('-').unwrap();
    assert!(ms.parse::<i64>().unwrap() > 1_600_000_000_000 && seq.parse::<u32>().is_ok());
    assert_eq!(e["messageId"], json!(id));
    assert_eq!(e["url"], json!(dest));
    assert_eq!(e["method"], "POST");
    assert_eq!(e["header"]["Content-Type"], json!(["application/json"]));
    assert_eq!(e["header"]["X-Api-Key"], json!(["k-123"]));
    assert_eq!(e["body"], r#"{"order":42}"#);
    assert!(e.get("bodyBase64").is_none());
    assert_eq!(e["maxRetries"], 3);
    assert_eq!(e["responseStatus"], 500);
    assert_eq!(e["responseHeader"]["X-Trace"], json!(["t-1"]));
    assert_eq!(e["responseBody"], r#"{"error":"db down"}"#);
    assert_eq!(e["callerIP"], "127.0.0.1");
    assert_eq!(e["label"], "billing");
    assert_eq!(e["labels"], json!(["billing", "eu"]));
    assert!(
        e["createdAt"].as_i64().unwrap() > 0
            && e["notBefore"].as_i64().unwrap() >= e["createdAt"].as_i64().unwrap()
    );

    let (status, single) = dev.get(&format!("/v2/dlq/{dlq_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(&single, e);

    // The attempt history is in the logs, newest first.
    let (_, logs) = dev.get(&format!("/v2/logs?messageId={id}")).await;
    let states: Vec<&str> = logs["logs"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&"CREATED"));
    assert_eq!(states.last(), Some(&"FAILED"));
    assert_eq!(states.iter().filter(|s| **s == "ERROR").count(), 4);
    assert_eq!(states.iter().filter(|s| **s == "RETRY").count(), 3);
    let err = logs["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "ERROR")
        .unwrap();
    assert_eq!(err["responseStatus"], 500);
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_bodies_round_trip_through_base64() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|_, _| (502, vec![], vec![0xff, 0x00, 0xfe, 0x80])).await;
    let body: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0x00, 0xff];
    dev.publish(
        &format!("{}/bin", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Content-Type", "application/octet-stream"),
        ],
        body.clone(),
    )
    .await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert!(e.get("body").is_none());
    assert_eq!(
        STANDARD.decode(e["bodyBase64"].as_str().unwrap()).unwrap(),
        body
    );
    assert!(e.get("responseBody").is_none());
    assert_eq!(
        STANDARD
            .decode(e["responseBodyBase64"].as_str().unwrap())
            .unwrap(),
        vec![0xff, 0x00, 0xfe, 0x80]
    );
    assert_eq!(rx.requests_to("/bin")[0].body, body);
}

#[tokio::test(flavor = "multi_thread")]
async fn failure_callback_gets_the_documented_body() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|r, _| {
        if r.path == "/fail" {
            (200, vec![], b"ok".to_vec())
        } else {
            (
                404,
                vec![("ngrok-error-code", "ERR_NGROK_3200".into())],
                b"<html>not found</html>".to_vec(),
            )
        }
    })
    .await;
    let res = dev
        .publish(
            &format!("{}/work", rx.url),
            &[
                ("Upstash-Retries", "1"),
                ("Upstash-Method", "PUT"),
                ("Upstash-Failure-Callback", &format!("{}/fail", rx.url)),
                ("Upstash-Failure-Callback-Forward-X-Secret", "s3"),
                ("Upstash-Forward-X-Tenant", "t9"),
            ],
            "payload",
        )
        .await;
    let cb = rx.wait_for("/fail", 1).await.remove(0);
    assert_eq!(cb.method, "POST");
    assert_eq!(cb.header("x-secret"), Some("s3"));
    let b = cb.json();
    let entry = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert_eq!(b["status"], 404);
    assert_eq!(b["header"]["Ngrok-Error-Code"], json!(["ERR_NGROK_3200"]));
    assert_eq!(
        STANDARD.decode(b["body"].as_str().unwrap()).unwrap(),
        b"<html>not found</html>"
    );
    assert_eq!(b["retried"], 1);
    assert_eq!(b["maxRetries"], 1);
    assert_eq!(b["dlqId"], entry["dlqId"]);
    assert_eq!(b["sourceMessageId"], res["messageId"]);
    assert_eq!(b["url"], json!(format!("{}/work", rx.url)));
    assert_eq!(b["method"], "PUT");
    assert_eq!(b["sourceHeader"]["X-Tenant"], json!(["t9"]));
    assert_eq!(
        STANDARD.decode(b["sourceBody"].as_str().unwrap()).unwrap(),
        b"payload"
    );
    assert!(
        b["notBefore"].is_string() && b["createdAt"].is_string(),
        "documented as strings"
    );
    assert_eq!(b["callerIP"], "127.0.0.1");
    assert_eq!(rx.requests_to("/work")[0].method, "PUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_are_refused_with_413() {
    let dev = Dev::start_with(ServerConfig {
        max_body: 1024,
        ..ServerConfig::for_tests()
    })
    .await;
    let res = dev
        .req(Method::POST, "/v2/publish/http://127.0.0.1:9/x")
        .body(vec![b'a'; 2048])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn non_retryable_489_goes_straight_to_the_dlq() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|_, _| {
        (
            489,
            vec![("upstash-nonretryable-error", "true".into())],
            b"stop".to_vec(),
        )
    })
    .await;
    dev.publish(&format!("{}/n", rx.url), &[("Upstash-Retries", "5")], "x")
        .await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert_eq!(e["responseStatus"], 489);
    assert_eq!(rx.requests_to("/n").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_retry_delay_and_retry_after_are_honoured() {
    let dev = Dev::start_with(ServerConfig {
        backoff_scale: 1.0,
        ..ServerConfig::for_tests()
    })
    .await;
    // With scale 1 the default backoff would wait 12 s; the expression asks for 50 ms.
    let rx = Receiver::always(500).await;
    dev.publish(
        &format!("{}/e", rx.url),
        &[
            ("Upstash-Retries", "2"),
            ("Upstash-Retry-Delay", "50 * (1 + retried)"),
        ],
        "x",
    )
    .await;
    let got = rx.wait_for("/e", 3).await;
    assert!(got[2].at - got[0].at < Duration::from_secs(5));
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert_eq!(e["retryDelayExpression"], "50 * (1 + retried)");

    let ra = Receiver::start(|_, _| (429, vec![("retry-after", "0".into())], vec![])).await;
    dev.publish(&format!("{}/ra", ra.url), &[("Upstash-Retries", "2")], "x")
        .await;
    ra.wait_for("/ra", 3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dedup_ids_answer_202_with_the_first_message_id() {
    let dev = Dev::start().await;
    let rx = Receiver::always(200).await;
    let dest = format!("{}/dd", rx.url);
    let first = dev
        .publish(&dest, &[("Upstash-Deduplication-Id", "abc")], "1")
        .await;
    let res = dev
        .req(Method::POST, &format!("/v2/publish/{dest}"))
        .header("Upstash-Deduplication-Id", "abc")
        .body("2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["messageId"], first["messageId"]);
    assert_eq!(v["deduplicated"], true);
    let a = dev
        .publish(
            &dest,
            &[("Upstash-Content-Based-Deduplication", "True")],
            "same",
        )
        .await;
    let res = dev
        .req(Method::POST, &format!("/v2/publish/{dest}"))
        .header("Upstash-Content-Based-Deduplication", "true")
        .body("same")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["messageId"],
        a["messageId"]
    );
    rx.wait_for("/dd", 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.requests_to("/dd").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn delayed_messages_wait_and_can_be_cancelled() {
    let dev = Dev::start().await;
    let rx = Receiver::always(200).await;
    let m = dev
        .publish(&format!("{}/late", rx.url), &[("Upstash-Delay", "1h")], "x")
        .await;
    let id = m["messageId"].as_str().unwrap();
    let (s, v) = dev.get(&format!("/v2/messages/{id}")).await;
    assert_eq!(s, 200);
    assert!(v["notBefore"].as_i64().unwrap() > v["createdAt"].as_i64().unwrap() + 3_500_000);
    assert_eq!(
        dev.call(Method::DELETE, &format!("/v2/messages/{id}"))
            .await
            .0,
        200
    );
    assert_eq!(dev.get(&format!("/v2/messages/{id}")).await.0, 404);
    let (_, logs) = dev
        .get(&format!("/v2/logs?messageId={id}&state=CANCELLED"))
        .await;
    assert_eq!(logs["logs"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_publishes_each_item() {
    let dev = Dev::start().await;
    let rx = Receiver::always(200).await;
    let res = dev
        .req(Method::POST, "/v2/batch")
        .json(&json!([
            { "destination": format!("{}/b1", rx.url), "body": "one", "headers": { "Upstash-Forward-X-N": "1" } },
            { "destination": format!("{}/b2", rx.url), "body": "two", "queue": "bq" },
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(rx.wait_for("/b1", 1).await[0].header("x-n"), Some("1"));
    assert_eq!(rx.wait_for("/b2", 1).await[0].body, b"two");
    let res = dev
        .req(Method::POST, "/v2/batch")
        .body("[{\"body\":1}]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_db_file_keeps_the_dlq_and_pending_deliveries_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dev.sqlite");
    let cfg = ServerConfig {
        db: Some(db.clone()),
        ..ServerConfig::for_tests()
    };
    let rx = Receiver::always(500).await;
    let ok = Receiver::always(200).await;
    let mut dev = Dev::start_with(cfg.clone()).await;
    dev.publish(
        &format!("{}/p", rx.url),
        &[("Upstash-Retries", "0")],
        "persist me",
    )
    .await;
    let before = dev.wait_dlq("/v2/dlq", 1).await;
    let delay_s = ((std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs())
        + 2)
    .to_string();
    dev.publish(
        &format!("{}/later", ok.url),
        &[("Upstash-Not-Before", &delay_s)],
        "resume me",
    )
    .await;
    dev.stop().await;
    assert!(ok.requests_to("/later").is_empty());

    let dev = Dev::start_with(cfg).await;
    let after = dev.dlq_all("/v2/dlq").await;
    assert_eq!(after, before);
    let got = ok.wait_for("/later", 1).await;
    assert_eq!(got[0].body, b"resume me");
    // New entries keep ordering after the old ones.
    dev.publish(&format!("{}/p2", rx.url), &[("Upstash-Retries", "0")], "x")
        .await;
    let all = dev.wait_dlq("/v2/dlq", 2).await;
    assert_eq!(all[0], before[0]);
}

/// Deduplication ids hold for the documented 10 minutes, then a publish is new again.
#[tokio::test(flavor = "multi_thread")]
async fn dedup_ids_expire_after_the_documented_ten_minutes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = Arc::new(crate::pager::TestClock(AtomicI64::new(t0)));
    let cfg = dlq::server::ServerConfig::for_tests();
    let token = cfg.token.clone();
    let server = dlq::server::Server::start_with_clock(cfg, clock.clone())
        .await
        .unwrap();
    let dev = Dev {
        url: server.url().to_string(),
        server: Some(server),
        token,
        http: reqwest::Client::new(),
    };
    let dest = "http://127.0.0.1:1/dd";
    let send = || async {
        let res = dev
            .req(Method::POST, &format!("/v2/publish/{dest}"))
            .header("Upstash-Deduplication-Id", "import-1")
            .body("x")
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (s, first) = send().await;
    assert_eq!(s, 200);
    clock.0.store(t0 + 10 * 60_000 - 1, Ordering::SeqCst);
    let (s, v) = send().await;
    assert_eq!(
        (s, &v["messageId"]),
        (202, &first["messageId"]),
        "within the window"
    );
    clock.0.store(t0 + 10 * 60_000 + 1, Ordering::SeqCst);
    let (s, v) = send().await;
    assert_eq!(s, 200, "after the window: a new message");
    assert_ne!(v["messageId"], first["messageId"]);
}
