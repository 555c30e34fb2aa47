//! Upstash Workflow on `dlq dev`, driven by a real app written with the official SDK
//! (`tests/workflow-app`): every delivery goes through the SDK's `serve()`, with signature
//! verification on, and the SDK's own `Client` triggers and inspects runs.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::Dev;
use crate::support::workflow_app::App;

/// The run's DLQ entry once it is there (and its failure function has finished).
async fn dlq_entry(dev: &Dev, run: &str) -> Value {
    for _ in 0..2000 {
        let (_, v) = dev
            .get(&format!("/v2/workflows/dlq?workflowRunId={run}"))
            .await;
        if let Some(e) = v["messages"].as_array().and_then(|m| m.first())
            && e["failureFunctionState"] != "CALLBACK_INPROGRESS"
        {
            return e.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("run {run} has no DLQ entry");
}

fn steps_of(events: &[Value], step: &str) -> usize {
    events.iter().filter(|e| e["step"] == step).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_story_a_failed_run_is_found_fixed_and_resumed() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let url = format!("{}/wf/order", app.url);

    // A step throws; the run's retries (1) are used with backoff, then it is dead-lettered.
    let t = app
        .trigger(json!({
            "url": "/wf/order", "workflowRunId": "order-42", "retries": 1, "label": "orders",
            "body": {"orderId": 42, "amount": 10}, "headers": {"X-Tenant": "t1"},
        }))
        .await;
    assert_eq!(t["workflowRunId"], "wfr_order-42");
    let failure = app
        .wait_events("failure", Some("wfr_order-42"), 1)
        .await
        .remove(0);
    let steps = app.events_of("step", Some("wfr_order-42")).await;
    assert_eq!(steps_of(&steps, "validate"), 1, "{steps:#?}");
    assert_eq!(steps_of(&steps, "charge"), 2, "1 try + 1 retry: {steps:#?}");
    let retried: Vec<&Value> = steps
        .iter()
        .filter(|e| e["step"] == "charge")
        .map(|e| &e["retried"])
        .collect();
    assert_eq!(retried, [&json!(0), &json!(1)]);
    assert_eq!(steps_of(&steps, "ship"), 0);

    // The failure function gets the run's payload and the failure.
    assert_eq!(failure["payload"], json!({"orderId": 42, "amount": 10}));
    assert_eq!(failure["failStatus"], 500);
    assert_eq!(failure["failResponse"], "card declined for order 42");
    assert_eq!(failure["stepName"], "charge");
    assert_eq!(failure["label"], "orders");
    assert_eq!(failure["tenant"], "t1");

    // The DLQ entry: run id, URL, creation time, label, the failing step's request and
    // response, the failure function's state.
    let e = dlq_entry(&dev, "wfr_order-42").await;
    assert_eq!(e["workflowRunId"], "wfr_order-42");
    assert_eq!(e["workflowUrl"], json!(url));
    assert!(e["workflowCreatedAt"].as_i64().unwrap() > 0);
    assert_eq!(e["label"], "orders");
    assert_eq!(e["labels"], json!(["orders"]));
    assert_eq!(e["responseStatus"], 500);
    assert_eq!(
        e["responseHeader"]["Upstash-Error-Step-Name"],
        json!(["charge"])
    );
    assert!(
        e["responseBody"]
            .as_str()
            .unwrap()
            .contains("card declined for order 42")
    );
    assert_eq!(e["failureFunctionState"], "CALLBACK_SUCCESS");
    assert_eq!(
        e["failureCallbackInfo"]["responseBody"],
        r#"{"result":"handled wfr_order-42"}"#
    );
    // The request is the run's log as delivered: the payload, then validate's result.
    let raw: Vec<Value> = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
    assert_eq!(raw.len(), 2);
    assert!(raw.iter().all(|s| s["callType"] == "step"));
    let dlq_id = e["dlqId"].as_str().unwrap().to_string();

    // The CLI finds it by run id, workflow URL and label.
    for args in [
        vec!["list", "--run-id", "wfr_order-42", "-o", "ids"],
        vec!["list", "--workflow-url", &url, "-o", "ids"],
        vec!["list", "--workflow", "--label", "orders", "-o", "ids"],
    ] {
        let r = dev.dlq(&args).await;
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(r.lines(), [dlq_id.clone()], "{args:?}");
    }

    // After the fix: resume from the failed step; validate is not run again and its result
    // reaches ship.
    app.control(json!({"chargeFails": false})).await;
    let r = dev
        .dlq(&["retry", "--workflow", &dlq_id, "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    assert_eq!(rec["outcome"], "retried");
    let resumed = rec["workflowRunId"].as_str().unwrap().to_string();
    assert_ne!(resumed, "wfr_order-42");
    let steps = app.wait_events("step", Some(&resumed), 2).await;
    let ship = steps.iter().find(|e| e["step"] == "ship").unwrap();
    assert_eq!(ship["validated"], json!({"orderId": 42, "amount": 10}));
    assert_eq!(ship["charged"]["chargeId"], "ch_42");
    let run = app.wait_run_state(&resumed, "RUN_SUCCESS").await;
    assert_eq!(
        run["workflowRunResponse"],
        r#"{"orderId":42,"chargeId":"ch_42"}"#
    );
    let steps = app.events_of("step", Some(&resumed)).await;
    assert_eq!(steps_of(&steps, "validate"), 0, "{steps:#?}");
    assert_eq!(steps_of(&steps, "charge"), 1);
    // The entry is gone; the finished run is no longer served to the SDK.
    assert_eq!(dev.get(&format!("/v2/workflows/dlq/{dlq_id}")).await.0, 404);
    assert_eq!(
        dev.get(&format!("/v2/workflows/runs/{resumed}")).await.0,
        404
    );

    // Restart: from step 1 with the initial payload.
    app.control(json!({"chargeFails": true})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "order-43", "retries": 0, "body": {"orderId": 43, "amount": 5}}))
        .await;
    let e = dlq_entry(&dev, "wfr_order-43").await;
    app.control(json!({"chargeFails": false})).await;
    let r = dev
        .dlq(&[
            "retry",
            "--restart",
            e["dlqId"].as_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    let restarted = rec["workflowRunId"].as_str().unwrap().to_string();
    let steps = app.wait_events("step", Some(&restarted), 3).await;
    assert_eq!(steps_of(&steps, "validate"), 1, "restart runs step 1 again");
    assert_eq!(steps[2]["validated"], json!({"orderId": 43, "amount": 5}));
    app.wait_run_state(&restarted, "RUN_SUCCESS").await;

    // Resume and restart honour a chosen run id.
    app.control(json!({"chargeFails": true})).await;
    for (n, path) in [(44, "resume"), (45, "restart")] {
        app.trigger(json!({"url": "/wf/order", "workflowRunId": format!("order-{n}"), "retries": 0, "body": {"orderId": n, "amount": 1}}))
            .await;
        let e = dlq_entry(&dev, &format!("wfr_order-{n}")).await;
        let res = dev
            .req(
                Method::POST,
                &format!("/v2/workflows/dlq/{path}/{}", e["dlqId"].as_str().unwrap()),
            )
            .header("Upstash-Workflow-RunId", format!("wfr_chosen-{n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["workflowRunId"], format!("wfr_chosen-{n}"));
        app.wait_events("step", Some(&format!("wfr_chosen-{n}")), 1)
            .await;
    }

    // Re-run a failure function that failed, after fixing it.
    app.control(json!({"failureFunctionFails": true})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "order-46", "retries": 0, "body": {"orderId": 46, "amount": 1}}))
        .await;
    let e = dlq_entry(&dev, "wfr_order-46").await;
    assert_eq!(e["failureFunctionState"], "CALLBACK_FAIL");
    let id46 = e["dlqId"].as_str().unwrap().to_string();
    app.control(json!({"failureFunctionFails": false})).await;
    let r = dev
        .dlq(&["retry", "--failure-function", &id46, "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = dlq_entry(&dev, "wfr_order-46").await;
    assert_eq!(e["failureFunctionState"], "CALLBACK_SUCCESS");
    let failures = app.events_of("failure", Some("wfr_order-46")).await;
    // The run's retries (0) hold for its failure callback too; then the re-run.
    assert_eq!(failures.len(), 2, "{failures:#?}");

    // And delete removes it.
    let r = dev.dlq(&["delete", &id46, "--yes"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dev.get(&format!("/v2/workflows/dlq/{id46}")).await.0, 404);
}
