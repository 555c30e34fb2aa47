//! `dlq dev` end to end: real deliveries to a local receiver, retries, the DLQ API.

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
async fn retry_republishes_to_a_recovered_receiver_and_removes_the_entry() {
    let dev = Dev::start().await;
    let rx = Receiver::always(503).await;
    dev.publish(
        &format!("{}/r", rx.url),
        &[("Upstash-Retries", "0"), ("Upstash-Forward-X-Keep", "yes")],
        "again",
    )
    .await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let dlq_id = e["dlqId"].as_str().unwrap().to_string();
    rx.set(|_, _| (200, vec![], b"fine".to_vec()));

    let res = dev
        .req(Method::POST, &format!("/v2/dlq/retry/{dlq_id}"))
        .header("Upstash-Retries", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let v: Value = res.json().await.unwrap();
    let new_id = v["messageId"].as_str().unwrap().to_string();
    assert_ne!(new_id, e["messageId"].as_str().unwrap());

    let got = rx.wait_for("/r", 2).await;
    assert_eq!(got[1].header("upstash-message-id"), Some(new_id.as_str()));
    assert_eq!(got[1].header("x-keep"), Some("yes"));
    assert_eq!(got[1].body, b"again");
    assert_eq!(dev.get(&format!("/v2/dlq/{dlq_id}")).await.0, 404);
    assert_eq!(
        dev.call(Method::POST, &format!("/v2/dlq/retry/{dlq_id}"))
            .await
            .0,
        404
    );
    // The retried message was delivered once and nothing went back to the DLQ.
    let (_, logs) = dev
        .get(&format!("/v2/logs?messageId={new_id}&state=DELIVERED"))
        .await;
    assert_eq!(logs["logs"].as_array().unwrap().len(), 1);
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        rx.requests_to("/r").len(),
        2,
        "delivered exactly once after the retry"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_retry_is_all_or_nothing_for_ids_and_chunks_by_filter() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for i in 0..5 {
        let label = if i < 3 { "a" } else { "b" };
        dev.publish(
            &format!("{}/b{i}", rx.url),
            &[("Upstash-Retries", "0"), ("Upstash-Label", label)],
            "x",
        )
        .await;
    }
    let all = dev.wait_dlq("/v2/dlq", 5).await;
    // Ids of the `a` entries (entries are in failure order, not publish order).
    let ids: Vec<&str> = all
        .iter()
        .filter(|e| e["label"] == "a")
        .map(|e| e["dlqId"].as_str().unwrap())
        .collect();
    rx.set(|_, _| (200, vec![], vec![]));

    let (status, v) = dev
        .call(
            Method::POST,
            &format!("/v2/dlq/retry?dlqIds={},999-0", ids[0]),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(v["error"], "Some messages were not found in the DLQ");
    assert_eq!(
        dev.dlq_all("/v2/dlq").await.len(),
        5,
        "nothing retried when an id is missing"
    );

    let (status, v) = dev
        .call(
            Method::POST,
            &format!("/v2/dlq/retry?dlqIds={}&dlqIds={}", ids[0], ids[1]),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(v["responses"].as_array().unwrap().len(), 2);
    assert!(v.get("cursor").is_none());

    let (status, v) = dev
        .call(Method::POST, "/v2/dlq/retry?label=b&count=1")
        .await;
    assert_eq!(status, 201);
    assert_eq!(v["responses"].as_array().unwrap().len(), 1);
    assert!(v["cursor"].is_string());
    let left = dev.dlq_all("/v2/dlq").await;
    assert_eq!(left.len(), 2);
    assert_eq!(left.iter().filter(|e| e["label"] == "a").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_filter_narrows_and_the_cursor_walks_more_than_100() {
    let dev = Dev::start().await;
    let ok = Receiver::always(500).await;
    let other = Receiver::always(404).await;
    for i in 0..130 {
        let (dest, label) = if i % 10 == 0 {
            (format!("{}/other", other.url), "rare")
        } else {
            (format!("{}/main", ok.url), "common")
        };
        let mut h = vec![("Upstash-Retries", "0"), ("Upstash-Label", label)];
        if i == 7 {
            h.push(("Upstash-Flow-Control-Key", "fk-7"));
        }
        dev.publish(&dest, &h, format!("{i}")).await;
    }
    let all = dev.wait_dlq("/v2/dlq", 130).await;
    assert_eq!(all.len(), 130);
    // The walk is in dlqId order with no repeats.
    let mut ids: Vec<&str> = all.iter().map(|e| e["dlqId"].as_str().unwrap()).collect();
    let before = ids.clone();
    ids.sort_by_key(|s| {
        let (a, b) = s.split_once('-').unwrap();
        (a.parse::<i64>().unwrap(), b.parse::<i64>().unwrap())
    });
    ids.dedup();
    assert_eq!(ids, before);

    let (_, page) = dev.get("/v2/dlq?count=100").await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 100);
    assert!(page["cursor"].is_string());
    let (_, page) = dev.get("/v2/dlq?count=7").await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 7);

    let n = |v: Vec<Value>| v.len();
    assert_eq!(n(dev.dlq_all("/v2/dlq?label=rare").await), 13);
    assert_eq!(n(dev.dlq_all("/v2/dlq?label=rare,common").await), 130);
    assert_eq!(n(dev.dlq_all("/v2/dlq?label=rare&label=nope").await), 13);
    assert_eq!(
        n(dev
            .dlq_all(&format!("/v2/dlq?url={}/other", other.url))
            .await),
        13
    );
    assert_eq!(n(dev.dlq_all("/v2/dlq?responseStatus=404").await), 13);
    assert_eq!(n(dev.dlq_all("/v2/dlq?responseStatus=404,500").await), 130);
    assert_eq!(
        n(dev.dlq_all("/v2/dlq?responseStatus=404&label=common").await),
        0
    );
    assert_eq!(n(dev.dlq_all("/v2/dlq?callerIp=127.0.0.1").await), 130);
    assert_eq!(n(dev.dlq_all("/v2/dlq?callerIp=10.0.0.1").await), 0);
    assert_eq!(n(dev.dlq_all("/v2/dlq?flowControlKey=fk-7").await), 1);
    let mid = all[50]["messageId"].as_str().unwrap();
    let one = dev.dlq_all(&format!("/v2/dlq?messageId={mid}")).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["messageId"], json!(mid));
    let t = all[60]["createdAt"].as_i64().unwrap();
    let from = dev.dlq_all(&format!("/v2/dlq?fromDate={t}")).await;
    assert!(from.iter().all(|e| e["createdAt"].as_i64().unwrap() >= t) && !from.is_empty());
    let to = dev.dlq_all(&format!("/v2/dlq?toDate={t}")).await;
    assert!(to.iter().all(|e| e["createdAt"].as_i64().unwrap() <= t));
    assert_eq!(
        from.len() + to.len()
            - to.iter()
                .filter(|e| e["createdAt"].as_i64() == Some(t))
                .count(),
        130
    );
    let ids = format!(
        "{},{}",
        all[1]["dlqId"].as_str().unwrap(),
        all[2]["dlqId"].as_str().unwrap()
    );
    assert_eq!(n(dev.dlq_all(&format!("/v2/dlq?dlqIds={ids}")).await), 2);
}

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

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
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
async fn bulk_delete_by_query_by_legacy_body_and_by_filter() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for i in 0..6 {
        let label = if i < 2 { "x" } else { "y" };
        dev.publish(
            &format!("{}/d", rx.url),
            &[("Upstash-Retries", "0"), ("Upstash-Label", label)],
            "b",
        )
        .await;
    }
    let all = dev.wait_dlq("/v2/dlq", 6).await;
    // The four `y` entries (entries are in failure order, not publish order).
    let ys: Vec<String> = all
        .iter()
        .filter(|e| e["label"] == "y")
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    let id = |i: usize| ys[i - 2].clone();

    let (s, v) = dev
        .call(
            Method::DELETE,
            &format!("/v2/dlq?dlqIds={}&dlqIds=1-0", id(2)),
        )
        .await;
    assert_eq!((s, v["deleted"].as_i64()), (200, Some(1)));
    let res = dev
        .req(Method::DELETE, "/v2/dlq")
        .header("content-type", "application/json")
        .body(json!({ "dlqIds": [id(3), id(4)] }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "deleted": 2 }));
    let (_, v) = dev.call(Method::DELETE, "/v2/dlq?label=x").await;
    assert_eq!(v, json!({ "deleted": 2 }));
    assert_eq!(
        dev.call(Method::DELETE, &format!("/v2/dlq/{}", id(5)))
            .await
            .0,
        200
    );
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    let (_, v) = dev.call(Method::DELETE, "/v2/dlq?label=x").await;
    assert_eq!(v, json!({ "deleted": 0 }), "no cursor when nothing matched");
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
