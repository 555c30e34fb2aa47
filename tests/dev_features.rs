//! `dlq dev`: URL groups, schedules and queues produce DLQ entries the way QStash does.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Dev, Receiver};

#[tokio::test(flavor = "multi_thread")]
async fn url_group_fan_out_dead_letters_only_the_failing_endpoint() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|r, _| {
        if r.path == "/bad" {
            (500, vec![], b"no".to_vec())
        } else {
            (200, vec![], vec![])
        }
    })
    .await;
    let res = dev
        .req(Method::POST, "/v2/topics/orders/endpoints")
        .json(&json!({ "endpoints": [
            { "name": "a", "url": format!("{}/good-a", rx.url) },
            { "name": "b", "url": format!("{}/bad", rx.url) },
            { "url": format!("{}/good-c", rx.url) },
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (s, g) = dev.get("/v2/topics/orders").await;
    assert_eq!(s, 200);
    assert_eq!(g["name"], "orders");
    assert_eq!(g["endpoints"].as_array().unwrap().len(), 3);
    assert_eq!(dev.get("/v2/topics").await.1.as_array().unwrap().len(), 1);

    let fail_cb = Receiver::always(200).await;
    let v = dev
        .publish(
            "orders",
            &[
                ("Upstash-Retries", "0"),
                ("Upstash-Failure-Callback", &format!("{}/cb", fail_cb.url)),
            ],
            "order-1",
        )
        .await;
    let arr = v.as_array().expect("a URL group publish answers an array");
    assert_eq!(arr.len(), 3);
    assert!(
        arr.iter()
            .all(|m| m["messageId"].as_str().unwrap().starts_with("msg_") && m["url"].is_string())
    );

    let entries = dev.wait_dlq("/v2/dlq", 1).await;
    rx.wait_for("/good-a", 1).await;
    rx.wait_for("/good-c", 1).await;
    assert_eq!(
        rx.requests_to("/good-a")[0].header("upstash-topic-name"),
        Some("orders")
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let entries = if entries.len() == 1 {
        dev.dlq_all("/v2/dlq").await
    } else {
        entries
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["topicName"], "orders");
    assert_eq!(entries[0]["endpointName"], "b");
    assert_eq!(entries[0]["url"], json!(format!("{}/bad", rx.url)));
    let cb = fail_cb.wait_for("/cb", 1).await[0].json();
    assert_eq!(cb["topicName"], "orders");
    assert_eq!(cb["endpointName"], "b");

    assert_eq!(dev.dlq_all("/v2/dlq?topicName=orders").await.len(), 1);
    assert_eq!(dev.dlq_all("/v2/dlq?topicName=other,orders").await.len(), 1);
    assert_eq!(dev.dlq_all("/v2/dlq?topicName=other").await.len(), 0);

    // Removing endpoints; removing the last one deletes the group.
    let del = |eps: Value| {
        dev.req(Method::DELETE, "/v2/topics/orders/endpoints")
            .json(&json!({ "endpoints": eps }))
            .send()
    };
    assert_eq!(
        del(json!([{ "name": "a" }, { "name": "b" }]))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        dev.get("/v2/topics/orders").await.1["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        del(json!([{ "url": format!("{}/good-c", rx.url) }]))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(dev.get("/v2/topics/orders").await.0, 404);
    // Deleting a URL group that is gone succeeds, as the service's does (clean-up code).
    assert_eq!(dev.call(Method::DELETE, "/v2/topics/orders").await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_due_schedule_publishes_and_its_failure_lands_with_the_schedule_id() {
    // schedule_scale 0.001: each cron minute lasts 60 ms.
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let res = dev
        .req(Method::POST, &format!("/v2/schedules/{}/tick", rx.url))
        .header("Upstash-Cron", "* * * * *")
        .header("Upstash-Retries", "0")
        .header("Upstash-Label", "nightly")
        .body("scheduled body")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let id = res.json::<Value>().await.unwrap()["scheduleId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("scd_"));
    let got = rx.wait_for("/tick", 1).await;
    assert_eq!(got[0].header("upstash-schedule-id"), Some(id.as_str()));
    assert_eq!(got[0].body, b"scheduled body");
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert_eq!(e["scheduleId"], json!(id));
    let by_schedule = dev.dlq_all(&format!("/v2/dlq?scheduleId={id}")).await;
    assert!(!by_schedule.is_empty());
    assert!(by_schedule.iter().all(|e| e["scheduleId"] == json!(id)));
    assert_eq!(dev.dlq_all("/v2/dlq?scheduleId=scd_other").await.len(), 0);

    let (s, v) = dev.get(&format!("/v2/schedules/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["cron"], "* * * * *");
    assert_eq!(v["destination"], json!(format!("{}/tick", rx.url)));
    assert_eq!(v["retries"], 0);
    assert_eq!(v["labels"], json!(["nightly"]));
    assert_eq!(v["isPaused"], false);
    assert!(v["lastScheduleTime"].is_i64() && v["nextScheduleTime"].is_i64());
    assert_eq!(
        dev.get("/v2/schedules").await.1.as_array().unwrap().len(),
        1
    );

    assert_eq!(
        dev.call(Method::POST, &format!("/v2/schedules/{id}/pause"))
            .await
            .0,
        200
    );
    assert_eq!(
        dev.get(&format!("/v2/schedules/{id}")).await.1["isPaused"],
        true
    );
    // Let a message fired just before the pause arrive.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let n = rx.requests_to("/tick").len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.requests_to("/tick").len(),
        n,
        "a paused schedule does not fire"
    );
    assert_eq!(
        dev.call(Method::POST, &format!("/v2/schedules/{id}/resume"))
            .await
            .0,
        200
    );
    rx.wait_for("/tick", n + 1).await;
    assert_eq!(
        dev.call(Method::DELETE, &format!("/v2/schedules/{id}"))
            .await
            .0,
        200
    );
    assert_eq!(dev.get(&format!("/v2/schedules/{id}")).await.0, 404);

    let res = dev
        .req(Method::POST, &format!("/v2/schedules/{}/x", rx.url))
        .header("Upstash-Cron", "61 * * * *")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(
        res.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("cron")
    );
    let res = dev
        .req(Method::POST, &format!("/v2/schedules/{}/x", rx.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400, "Upstash-Cron is required");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_delivers_in_order_and_dead_letters_with_its_name() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|r, _| {
        if r.body == b"3" {
            (500, vec![], vec![])
        } else {
            (200, vec![], vec![])
        }
    })
    .await;
    let res = dev
        .req(Method::POST, "/v2/queues")
        .json(&json!({ "queueName": "serial", "parallelism": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    for i in 0..6 {
        let res = dev
            .req(Method::POST, &format!("/v2/enqueue/serial/{}/q", rx.url))
            .header("Upstash-Retries", "1")
            .body(i.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    let got = rx.wait_for("/q", 7).await;
    let order: Vec<String> = got
        .iter()
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    // The failing message holds the queue through its retry: strict order.
    assert_eq!(order, ["0", "1", "2", "3", "3", "4", "5"]);
    assert!(
        got.iter()
            .all(|r| r.header("upstash-queue-name") == Some("serial"))
    );
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    assert_eq!(e["queueName"], "serial");
    assert_eq!(dev.dlq_all("/v2/dlq?queueName=serial").await.len(), 1);
    assert_eq!(dev.dlq_all("/v2/dlq?queueName=other").await.len(), 0);

    let (s, q) = dev.get("/v2/queues/serial").await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            q["name"].as_str(),
            q["parallelism"].as_i64(),
            q["paused"].as_bool()
        ),
        (Some("serial"), Some(1), Some(false))
    );

    // A paused queue holds messages until resumed.
    assert_eq!(
        dev.call(Method::POST, "/v2/queues/serial/pause").await.0,
        200
    );
    dev.req(Method::POST, &format!("/v2/enqueue/serial/{}/q", rx.url))
        .body("held")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.requests_to("/q").len(), 7);
    assert_eq!(dev.get("/v2/queues/serial").await.1["lag"], 1);
    assert_eq!(
        dev.call(Method::POST, "/v2/queues/serial/resume").await.0,
        200
    );
    assert_eq!(rx.wait_for("/q", 8).await[7].body, b"held");

    assert_eq!(dev.get("/v2/queues").await.1.as_array().unwrap().len(), 1);
    assert_eq!(dev.call(Method::DELETE, "/v2/queues/serial").await.0, 200);
    assert_eq!(dev.get("/v2/queues/serial").await.0, 404);
    let res = dev
        .req(Method::POST, "/v2/queues")
        .json(&json!({ "queueName": "bad name!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_schedules_and_queues_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dlq::server::ServerConfig {
        db: Some(dir.path().join("s.db")),
        schedule_scale: 1.0,
        ..dlq::server::ServerConfig::for_tests()
    };
    let mut dev = Dev::start_with(cfg.clone()).await;
    dev.req(Method::POST, "/v2/topics/g/endpoints")
        .json(&json!({ "endpoints": [{ "url": "http://127.0.0.1:9/e" }] }))
        .send()
        .await
        .unwrap();
    dev.req(Method::POST, "/v2/queues")
        .json(&json!({ "queueName": "q", "parallelism": 3 }))
        .send()
        .await
        .unwrap();
    dev.req(Method::POST, "/v2/schedules/http://127.0.0.1:9/s")
        .header("Upstash-Cron", "0 0 1 1 *")
        .header("Upstash-Schedule-Id", "yearly.v2")
        .send()
        .await
        .unwrap();
    dev.stop().await;
    let dev = Dev::start_with(cfg).await;
    assert_eq!(dev.get("/v2/topics/g").await.0, 200);
    assert_eq!(dev.get("/v2/queues/q").await.1["parallelism"], 3);
    assert_eq!(
        dev.get("/v2/schedules/yearly.v2").await.1["cron"],
        "0 0 1 1 *"
    );
}
