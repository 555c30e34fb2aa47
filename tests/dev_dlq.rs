//! `dlq dev`'s DLQ API (`server/routes/dlq.rs`): retry, bulk retry and delete, filters, cursors.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Dev, Receiver};

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
    // The walk is in createdAt order (then dlqId, the order date windows are read in) with no
    // repeats.
    let key = |e: &Value| {
        let (a, b) = e["dlqId"].as_str().unwrap().split_once('-').unwrap();
        let t = e["createdAt"].as_i64().unwrap();
        (t, a.parse::<i64>().unwrap(), b.parse::<i64>().unwrap())
    };
    let before: Vec<_> = all.iter().map(key).collect();
    let mut ids = before.clone();
    ids.sort();
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

/// A bulk retry by ids answers in the order the ids were asked for (the answer names no
/// dlqId, so that order is how a client pairs them), whatever the dlqIds' own order.
#[tokio::test(flavor = "multi_thread")]
async fn bulk_retry_by_ids_answers_in_the_order_asked() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for i in 0..3 {
        dev.publish(
            &format!("{}/o", rx.url),
            &[("Upstash-Retries", "0")],
            format!("b{i}"),
        )
        .await;
    }
    let all = dev.wait_dlq("/v2/dlq", 3).await;
    let id_of = |body: &str| -> String {
        all.iter().find(|e| e["body"] == body).unwrap()["dlqId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let asked = ["b2", "b0", "b1"];
    let q: Vec<String> = asked
        .iter()
        .map(|b| format!("dlqIds={}", id_of(b)))
        .collect();
    let (status, v) = dev
        .call(Method::POST, &format!("/v2/dlq/retry?{}", q.join("&")))
        .await;
    assert_eq!(status, 201, "{v}");
    let got = rx.wait_for("/o", 6).await;
    let answered: Vec<String> = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let m = r["messageId"].as_str().unwrap();
            let req = got
                .iter()
                .find(|g| g.header("upstash-message-id") == Some(m))
                .unwrap();
            String::from_utf8(req.body.clone()).unwrap()
        })
        .collect();
    assert_eq!(answered, asked);
}
