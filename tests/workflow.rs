//! Upstash Workflow on `dlq dev`, driven by a real app written with the official SDK
//! (`tests/workflow-app`): every delivery goes through the SDK's `serve()`, with signature
//! verification on, and the SDK's own `Client` triggers and inspects runs.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::Dev;
use crate::support::workflow_app::App;

/// The run's DLQ entry once it is there (and its failure function has finished).
pub async fn dlq_entry(dev: &Dev, run: &str) -> Value {
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

/// The `next` group of a run's logs: its pending or failed steps.
fn next_group(log: &Value) -> Value {
    log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "next")
        .cloned()
        .unwrap_or_else(|| panic!("no next group: {log:#}"))
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
            "retryDelay": "100 * (1 + retried)",
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
        assert_eq!(r.lines(), std::slice::from_ref(&dlq_id), "{args:?}");
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
    // `--wait` follows the new run until it finishes.
    let r = dev
        .dlq_env(
            &[
                "retry",
                "--restart",
                e["dlqId"].as_str().unwrap(),
                "-o",
                "ndjson",
                "--wait=60s",
            ],
            &[("DLQ_WAIT_INTERVAL_MS", "100")],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    assert_eq!(rec["finalState"], "delivered", "{rec}");
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
        .dlq_env(
            &[
                "retry",
                "--failure-function",
                &id46,
                "-o",
                "ndjson",
                "--wait=60s",
            ],
            &[("DLQ_WAIT_INTERVAL_MS", "100")],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    assert_eq!(
        rec["finalState"], "delivered",
        "the failure function succeeded: {rec}"
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn sleep_and_sleep_until_wait_before_the_next_step() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app.trigger(json!({"url": "/wf/sleepy", "body": {}})).await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("sleep", Some(run), 1).await.remove(0);
    assert!(e["napMs"].as_i64().unwrap() >= 1000, "{e}");
    // sleepUntil targets the next whole second + 1: at least ~1 s later.
    assert!(e["untilMs"].as_i64().unwrap() >= 900, "{e}");
    let log = app.wait_run_state(run, "RUN_SUCCESS").await;
    let types: Vec<&str> = log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["steps"].as_array().unwrap())
        .filter_map(|s| s["stepType"].as_str())
        .collect();
    assert_eq!(
        types,
        ["Initial", "Run", "SleepFor", "Run", "SleepUntil", "Run"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_steps_run_once_each_and_join() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/parallel", "body": {"n": 5}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("parallel", Some(run), 1).await.remove(0);
    assert_eq!(
        (&e["a"], &e["b"], &e["c"]),
        (&json!(6), &json!(10), &json!("c5"))
    );
    let log = app.wait_run_state(run, "RUN_SUCCESS").await;
    assert_eq!(
        app.events_of("step", Some(run)).await.len(),
        1,
        "c ran once"
    );
    let groups = log["steps"].as_array().unwrap();
    let par = groups.iter().find(|g| g["type"] == "parallel").unwrap();
    assert_eq!(par["steps"].as_array().unwrap().len(), 3, "{log:#}");
    assert_eq!(app.events_of("parallel", Some(run)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn context_call_is_made_by_the_server_and_answered_once() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app.trigger(json!({"url": "/wf/call", "body": {}})).await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("call", Some(run), 1).await.remove(0);
    assert_eq!(e["status"], 201);
    assert_eq!(e["body"], json!({"charged": true}));
    let calls = app.events_of("third-party", None).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["method"], "POST");
    assert_eq!(calls[0]["header"], "yes");
    assert_eq!(calls[0]["body"], r#"{"hello":"world"}"#);
    assert_eq!(
        calls[0]["sdkVersion"],
        Value::Null,
        "protocol headers never reach a third party"
    );
    app.wait_run_state(run, "RUN_SUCCESS").await;

    // A failing target is retried as the call says (1), then its last answer is the result:
    // the run goes on (a call's failure is the workflow's to handle).
    app.control(json!({"thirdPartyStatus": 503})).await;
    let t = app.trigger(json!({"url": "/wf/call", "body": {}})).await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("call", Some(run), 1).await.remove(0);
    assert_eq!(e["status"], 503);
    let calls: Vec<Value> = app
        .events_of("third-party", None)
        .await
        .into_iter()
        .filter(|c| c["run"] == run)
        .collect();
    assert_eq!(calls.len(), 2, "1 try + 1 retry");
    app.wait_run_state(run, "RUN_SUCCESS").await;
    assert_eq!(app.events_of("call", Some(run)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_event_is_resolved_by_notify_or_times_out() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/wait", "body": {"key": "k1"}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap().to_string();
    // The SDK's getWaiters sees the waiting run.
    let mut waiters = json!([]);
    for _ in 0..500 {
        let (s, v) = app
            .client("getWaiters", json!([{"eventId": "evt-k1"}]))
            .await;
        assert_eq!(s, 200, "{v}");
        if v.as_array().is_some_and(|a| !a.is_empty()) {
            waiters = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(waiters[0]["url"], format!("{}/wf/wait", app.url));
    assert!(waiters[0]["deadline"].as_i64().unwrap() > 1_700_000_000);
    // The SDK's notify reaches it.
    let (s, v) = app
        .client(
            "notify",
            json!([{"eventId": "evt-k1", "eventData": {"paid": true}}]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert!(v[0]["messageId"].as_str().unwrap().starts_with("msg_"));
    let e = app.wait_events("wait", Some(&run), 1).await.remove(0);
    assert_eq!(e["eventData"], json!({"paid": true}));
    assert_eq!(e["timedOut"], false);
    app.wait_run_state(&run, "RUN_SUCCESS").await;
    // Nobody waits any more: the event is lost.
    let (_, v) = app
        .client("notify", json!([{"eventId": "evt-k1", "eventData": 1}]))
        .await;
    assert_eq!(v, json!([]));

    // A workflow notifies another with context.notify.
    let t = app
        .trigger(json!({"url": "/wf/wait", "body": {"key": "k2"}}))
        .await;
    let waiting = t["workflowRunId"].as_str().unwrap().to_string();
    for _ in 0..500 {
        let (_, v) = app
            .client("getWaiters", json!([{"eventId": "evt-k2"}]))
            .await;
        if v.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t = app
        .trigger(json!({"url": "/wf/notifier", "body": {"key": "k2", "data": "hello"}}))
        .await;
    let notifier = t["workflowRunId"].as_str().unwrap();
    let n = app.wait_events("notify", Some(notifier), 1).await.remove(0);
    assert_eq!(n["waiters"], 1);
    let e = app.wait_events("wait", Some(&waiting), 1).await.remove(0);
    assert_eq!(e["eventData"], "hello");

    // Lookback: an event for a run is kept until that run waits.
    let (s, _) = dev.call(Method::POST, "/v2/notify/wfr_later/evt-k3").await;
    assert_eq!(s, 200);
    app.trigger(json!({"url": "/wf/wait", "workflowRunId": "later", "body": {"key": "k3"}}))
        .await;
    let e = app
        .wait_events("wait", Some("wfr_later"), 1)
        .await
        .remove(0);
    assert_eq!(e["timedOut"], false);

    // No event: the wait times out.
    let t = app
        .trigger(json!({"url": "/wf/wait", "body": {"key": "never", "timeout": "1s"}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("wait", Some(run), 1).await.remove(0);
    assert_eq!(e["timedOut"], true);
    assert_eq!(e["eventData"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_runs_a_child_and_returns_its_result_or_failure() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/many/parent", "body": {"n": 21}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("invoke", Some(run), 1).await.remove(0);
    assert_eq!(e["isFailed"], false);
    assert_eq!(e["body"]["doubled"], 42);
    app.wait_run_state(run, "RUN_SUCCESS").await;
    let (_, v) = app
        .client(
            "logs",
            json!([{"workflowUrl": format!("{}/wf/many/child", app.url)}]),
        )
        .await;
    let child = &v["runs"][0];
    assert_eq!(child["workflowState"], "RUN_SUCCESS");
    assert_eq!(child["invoker"]["workflowRunId"], run);

    // A failing child: the parent learns it failed.
    app.control(json!({"childFails": true})).await;
    let t = app
        .trigger(json!({"url": "/wf/many/parent", "body": {"n": 1}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = app.wait_events("invoke", Some(run), 1).await.remove(0);
    assert_eq!(e["isFailed"], true);
    assert_eq!(e["body"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_that_finishes_after_its_parent_failed_is_recorded_in_the_parents_log() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"childDelayMs": 1500})).await;
    let t = app
        .trigger(json!({"url": "/wf/many/parentFails", "body": {}, "retries": 0}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    app.wait_run_state(run, "RUN_FAILED").await;
    let child_url = format!("{}/wf/many/child", app.url);
    let (_, v) = app
        .client("logs", json!([{"workflowUrl": child_url}]))
        .await;
    assert_eq!(
        v["runs"][0]["workflowState"], "RUN_STARTED",
        "the child outlives its parent"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let out = loop {
        let (_, v) = app.client("logs", json!([{"workflowRunId": run}])).await;
        let steps = v["runs"][0]["steps"].to_string();
        if let Some(i) = steps.find("isFailed") {
            break steps[i.saturating_sub(200)..(i + 100).min(steps.len())].to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the child's result never reached the parent's log: {v:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(out.contains("doubled") && out.contains("42"), "{out}");
    let (_, v) = app
        .client("logs", json!([{"workflowUrl": child_url}]))
        .await;
    assert_eq!(v["runs"][0]["workflowState"], "RUN_SUCCESS");
    assert_eq!(
        dev.dlq_all("/v2/workflows/dlq").await.len(),
        1,
        "only the parent failed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_ends_a_run_without_dead_letter_or_failure_function() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app.trigger(json!({"url": "/wf/cancel", "body": {}})).await;
    let run = t["workflowRunId"].as_str().unwrap();
    app.wait_run_state(run, "RUN_CANCELED").await;
    let steps = app.events_of("step", Some(run)).await;
    assert_eq!(steps_of(&steps, "one"), 1);
    assert_eq!(steps_of(&steps, "never"), 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.events_of("failure", Some(run)).await.is_empty());
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());

    // The SDK's client.cancel: by id, and by URL filter.
    let t = app
        .trigger(json!({"url": "/wf/wait", "body": {"key": "c1"}}))
        .await;
    let waiting = t["workflowRunId"].as_str().unwrap();
    app.wait_run_state(waiting, "RUN_STARTED").await;
    let (s, v) = app.client("cancel", json!([{"ids": waiting}])).await;
    assert_eq!((s, &v), (200, &json!({"cancelled": 1})));
    app.wait_run_state(waiting, "RUN_CANCELED").await;
    let (_, v) = app
        .client("getWaiters", json!([{"eventId": "evt-c1"}]))
        .await;
    assert_eq!(v, json!([]), "a cancelled run waits no more");
    for key in ["c2", "c3"] {
        app.trigger(json!({"url": "/wf/wait", "body": {"key": key}}))
            .await;
    }
    let (s, v) = app
        .client(
            "cancel",
            json!([{"filter": {"workflowUrl": format!("{}/wf/wait", app.url)}}]),
        )
        .await;
    assert_eq!((s, &v), (200, &json!({"cancelled": 2})));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_retryable_error_fails_the_run_at_once() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/strict", "retries": 3, "body": {}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = dlq_entry(&dev, run).await;
    assert_eq!(e["responseStatus"], 489);
    assert_eq!(app.events_of("step", Some(run)).await.len(), 1, "no retry");
    let log = app.wait_run_state(run, "RUN_FAILED").await;
    assert_eq!(log["dlqId"], e["dlqId"]);
    let next = next_group(&log);
    assert_eq!(next["steps"][0]["state"], "STEP_FAILED");
    assert_eq!(next["steps"][0]["errors"][0]["status"], 489);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_the_server_refuses_fails_the_run_visibly() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/bad-call", "retries": 2, "body": {}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    // 412, not 400 (which the SDK reads as "cancelled" and stops silently): the SDK turns it
    // into a non-retryable error, so the run fails with the reason.
    let e = dlq_entry(&dev, run).await;
    assert_eq!(e["responseStatus"], 489);
    assert!(
        e["responseBody"]
            .as_str()
            .unwrap()
            .contains("Upstash-Retries must be at most 100"),
        "{e:#}"
    );
    assert!(app.events_of("third-party", None).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_settings_hold_for_every_step_flow_control_labels_and_failure_url() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    // Flow control with parallelism 1: three runs never work at the same time.
    for _ in 0..3 {
        app.trigger(json!({
            "url": "/wf/gated", "body": {}, "label": ["team-a", "night"],
            "flowControl": {"key": "gate", "parallelism": 1},
        }))
        .await;
    }
    let edges = app.wait_events("gate", None, 6).await;
    let mut open = 0;
    for e in &edges {
        open += if e["edge"] == "start" { 1 } else { -1 };
        assert!(open <= 1, "two runs overlapped: {edges:#?}");
    }
    let start = edges.iter().find(|e| e["edge"] == "start").unwrap();
    assert_eq!(
        start["label"], "team-a",
        "the SDK's context.label is the first label"
    );
    assert_eq!(start["labels"], json!(["team-a", "night"]));

    // failureUrl: the failure goes to another endpoint, with the run's payload.
    app.control(json!({"chargeFails": true})).await;
    let t = app
        .trigger(json!({
            "url": "/wf/order", "failureUrl": "/failure-sink", "retries": 0,
            "body": {"orderId": 7, "amount": 1},
        }))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let sink = app.wait_events("failure-url", None, 1).await.remove(0);
    assert_eq!(sink["headers"]["upstash-workflow-runid"], run);
    assert_eq!(sink["headers"]["upstash-workflow-is-failure"], "true");
    let body: Value = serde_json::from_str(sink["body"].as_str().unwrap()).unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(body["sourceBody"].as_str().unwrap())
        .unwrap();
    assert_eq!(payload, br#"{"orderId":7,"amount":1}"#);
    assert_eq!(body["status"], 500);
    assert!(app.events_of("failure", Some(run)).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trigger_to_something_that_is_not_a_workflow_fails_the_run() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/third-party", "retries": 2, "body": {}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    let e = dlq_entry(&dev, run).await;
    assert_eq!(e["responseStatus"], 201);
    // Deliveries of the run (its raw steps); the failure callback goes there too.
    let deliveries: Vec<Value> = app
        .events_of("third-party", None)
        .await
        .into_iter()
        .filter(|e| e["body"].as_str().unwrap().starts_with('['))
        .collect();
    assert_eq!(deliveries.len(), 1, "no retry");
    let log = app.wait_run_state(run, "RUN_FAILED").await;
    let next = next_group(&log);
    assert!(
        next["steps"][0]["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("detected a non-workflow destination"),
        "{log:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_client_dlq_methods_work_on_dlq_dev() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"chargeFails": true})).await;
    for n in 1..=4 {
        app.trigger(json!({"url": "/wf/order", "workflowRunId": format!("o{n}"), "retries": 0, "label": "sdk", "body": {"orderId": n, "amount": 1}}))
            .await;
    }
    for n in 1..=4 {
        dlq_entry(&dev, &format!("wfr_o{n}")).await;
    }
    let (s, v) = app
        .client("dlq.list", json!([{"filter": {"label": "sdk"}}]))
        .await;
    assert_eq!(s, 200, "{v}");
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(
        v["cursor"],
        Value::Null,
        "an empty cursor reads as undefined"
    );
    let id = |run: &str| {
        msgs.iter().find(|m| m["workflowRunId"] == run).unwrap()["dlqId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    app.control(json!({"chargeFails": false})).await;
    let (s, v) = app
        .client("dlq.resume", json!([{"dlqId": id("wfr_o1"), "retries": 2}]))
        .await;
    assert_eq!(s, 200, "{v}");
    let resumed = v["workflowRunId"].as_str().unwrap().to_string();
    assert!(v["workflowCreatedAt"].as_i64().unwrap() > 0);
    app.wait_run_state(&resumed, "RUN_SUCCESS").await;
    let (s, v) = app.client("dlq.restart", json!([[id("wfr_o2")]])).await;
    assert_eq!(s, 200, "{v}");
    let restarted = v["workflowRuns"][0]["workflowRunId"]
        .as_str()
        .unwrap()
        .to_string();
    app.wait_run_state(&restarted, "RUN_SUCCESS").await;
    let (s, v) = app
        .client("dlq.retryFailureFunction", json!([{"dlqId": id("wfr_o3")}]))
        .await;
    assert_eq!(
        s, 500,
        "the failure function succeeded, so it cannot be re-run: {v}"
    );
    assert_eq!(v["status"], 400);
    let (s, v) = app.client("dlq.delete", json!([id("wfr_o3")])).await;
    assert_eq!((s, &v["deleted"]), (200, &json!(1)), "{v}");
    let (s, v) = app
        .client("dlq.delete", json!([{"filter": {"label": "sdk"}}]))
        .await;
    assert_eq!((s, &v["deleted"]), (200, &json!(1)), "{v}");
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());
    // A second trigger of a running run id is deduplicated; the SDK still returns the id.
    let t = app
        .trigger(json!({"url": "/wf/wait", "workflowRunId": "same", "body": {"key": "d"}}))
        .await;
    let again = app
        .trigger(json!({"url": "/wf/wait", "workflowRunId": "same", "body": {"key": "d"}}))
        .await;
    assert_eq!(t, again);
    let (_, v) = app
        .client("logs", json!([{"workflowRunId": "wfr_same"}]))
        .await;
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dlq_path_treats_workflow_entries_alike() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    for n in 1..=2 {
        app.trigger(json!({"url": "/wf/order", "workflowRunId": format!("p{n}"), "retries": 0, "body": {"orderId": n, "amount": 1}}))
            .await;
    }
    let a = dlq_entry(&dev, "wfr_p1").await["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    let b = dlq_entry(&dev, "wfr_p2").await["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    // Lists pick a DLQ by source; an id names its entry on every path.
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    assert_eq!(dev.dlq_all("/v2/dlq?source=workflow").await.len(), 2);
    assert_eq!(dev.get(&format!("/v2/dlq/{a}")).await.0, 200);
    assert_eq!(dev.get(&format!("/v2/workflows/dlq/{a}")).await.0, 200);
    // The QStash retry would re-deliver the step under the failed run's id: it says to resume.
    let (s, v) = dev.call(Method::POST, &format!("/v2/dlq/retry/{a}")).await;
    assert_eq!(s, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains(&format!("/v2/workflows/dlq/resume/{a}")),
        "{v}"
    );
    let (s, v) = dev
        .call(
            Method::POST,
            &format!("/v2/dlq/retry?dlqIds={a}&dlqIds={b}"),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("workflow runs"),
        "{v}"
    );
    assert_eq!(
        dev.dlq_all("/v2/dlq?source=workflow").await.len(),
        2,
        "nothing retried"
    );
    // Bulk delete by ids finds them, as the single delete does.
    let (s, v) = dev
        .call(Method::DELETE, &format!("/v2/dlq?dlqIds={a}&dlqIds={b}"))
        .await;
    assert_eq!((s, &v["deleted"]), (200, &json!(2)), "{v}");
    assert!(dev.dlq_all("/v2/dlq?source=workflow").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn resuming_a_parallel_group_sends_the_failed_and_the_pending_branches() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let t = app
        .trigger(json!({"url": "/wf/parallel-fail", "retries": 0, "body": {}}))
        .await;
    let run = t["workflowRunId"].as_str().unwrap();
    // c fails while the 1 s sleep branch is still pending: the run fails.
    let e = dlq_entry(&dev, run).await;
    assert_eq!(e["responseHeader"]["Upstash-Error-Step-Name"], json!(["c"]));
    app.control(json!({"cFails": false})).await;
    let (s, v) = app
        .client("dlq.resume", json!([{"dlqId": e["dlqId"]}]))
        .await;
    assert_eq!(s, 200, "{v}");
    let resumed = v["workflowRunId"].as_str().unwrap();
    let done = app
        .wait_events("parallel-fail", Some(resumed), 1)
        .await
        .remove(0);
    assert_eq!((&done["a"], &done["c"]), (&json!(1), &json!(3)));
    let steps = app.events_of("step", Some(resumed)).await;
    assert_eq!(steps_of(&steps, "a"), 0, "a's result was kept: {steps:#?}");
    assert_eq!(steps_of(&steps, "c"), 1);
    app.wait_run_state(resumed, "RUN_SUCCESS").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_publish_to_the_workflow_url_starts_a_run() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    // A plain QStash publish to the workflow URL: the SDK starts a run itself (without a
    // failure callback), through the same protocol.
    dev.publish(
        &format!("{}/wf/parallel", app.url),
        &[("Content-Type", "application/json")],
        r#"{"n": 1}"#,
    )
    .await;
    let e = app.wait_events("parallel", None, 1).await.remove(0);
    assert_eq!(
        (&e["a"], &e["b"], &e["c"]),
        (&json!(2), &json!(2), &json!("c1"))
    );
    let run = e["runId"].as_str().unwrap();
    app.wait_run_state(run, "RUN_SUCCESS").await;
}

/// Two failed runs of the order workflow (`order-a`, `order-b`) and one failed QStash message.
async fn failed_runs_and_a_message(dev: &Dev, app: &App) -> (String, String, String) {
    app.control(json!({"chargeFails": true})).await;
    for id in ["order-a", "order-b"] {
        app.trigger(json!({"url": "/wf/order", "workflowRunId": id, "retries": 0, "label": "cli", "body": {"orderId": id, "amount": 3}}))
            .await;
    }
    let a = dlq_entry(dev, "wfr_order-a").await["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    let b = dlq_entry(dev, "wfr_order-b").await["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    let rx = crate::support::Receiver::always(500).await;
    dev.fail_many(&format!("{}/plain", rx.url), 1, &[]).await;
    let q = dev.wait_dlq("/v2/dlq", 1).await[0]["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    std::mem::forget(rx); // keeps answering 500 for the rest of the test
    (a, b, q)
}

#[tokio::test(flavor = "multi_thread")]
async fn show_and_list_lead_with_the_failed_step_and_the_runs_steps() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let (a, _, _) = failed_runs_and_a_message(&dev, &app).await;

    let r = dev.dlq(&["show", &a]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    for needle in [
        "Workflow run       wfr_order-a",
        "Failed step        'charge' (Run, step 2)",
        "Error              card declined for order order-a",
        "Retries            0 (all used)",
        "Failure function   CALLBACK_SUCCESS, answered 200 OK: {\"result\":\"handled wfr_order-a\"}",
        "Steps\n  initial payload\n    {\n      \"orderId\": \"order-a\",",
        "  step 1 'validate' (Run)\n    {\n      \"orderId\": \"order-a\",\n      \"amount\": 3\n    }",
        "  'charge' (Run, step 2) failed: card declined for order order-a",
        "\nRequest\n",
        "\nResponse\n  500 Internal Server Error",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // The summary comes before the steps, the steps before the request.
    let at = |s: &str| out.find(s).unwrap();
    assert!(at("Failed step") < at("\nSteps\n") && at("\nSteps\n") < at("\nRequest\n"));

    // JSON keeps the API's fields and adds the decoded run under one key.
    let r = dev.dlq(&["show", &a, "-o", "json"]).await;
    let v: Value = serde_json::from_str::<Vec<Value>>(&r.out())
        .unwrap()
        .remove(0);
    assert_eq!(v["dlqId"], json!(a));
    assert_eq!(v["workflowRunId"], "wfr_order-a");
    assert!(
        v["body"].as_str().unwrap().starts_with('['),
        "the raw log stays"
    );
    let d = &v["decodedRun"];
    assert_eq!(
        d["initialPayload"],
        json!({"orderId": "order-a", "amount": 3})
    );
    assert_eq!(d["steps"][0]["stepName"], "validate");
    assert_eq!(
        d["steps"][0]["out"],
        json!({"orderId": "order-a", "amount": 3})
    );
    assert_eq!(d["failedStep"]["name"], "charge");
    assert_eq!(d["failedStep"]["position"], 2);
    assert_eq!(d["error"], "card declined for order order-a");

    // The workflow table names the step and the error; JSON lines keep the API's fields.
    let r = dev.dlq(&["list", "--workflow"]).await;
    assert_eq!(
        r.lines()[0],
        "DLQ ID\tCREATED\tSTATUS\tRUN ID\tSTEP\tURL\tERROR"
    );
    let row = r.lines().into_iter().find(|l| l.starts_with(&a)).unwrap();
    let cells: Vec<&str> = row.split('\t').collect();
    assert_eq!(cells[3..5], ["wfr_order-a", "charge"]);
    assert_eq!(cells[6], "card declined for order order-a");
    let r = dev.dlq(&["list", "--workflow", "-o", "ndjson"]).await;
    let first: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    assert!(first.get("responseBody").is_some() && first.get("decodedRun").is_none());

    // Stats group failed runs by the step that failed.
    let runs = dev
        .dlq(&["list", "--workflow", "-o", "ids"])
        .await
        .lines()
        .len();
    let r = dev
        .dlq(&["stats", "--workflow", "--by", "step", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: Value = serde_json::from_str(&r.lines()[0]).unwrap();
    assert_eq!(r.lines().len(), 1, "{}", r.out());
    assert_eq!(
        (g["step"].as_str(), g["count"].as_u64()),
        (
            Some(format!("charge in {}/wf/order", app.url).as_str()),
            Some(runs as u64)
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_ids_act_by_what_the_entry_is() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let (a, b, q) = failed_runs_and_a_message(&dev, &app).await;
    app.control(json!({"chargeFails": false})).await;

    // A run's message cannot be edited: it is resumed with its recorded steps.
    let r = dev
        .dlq_env(&["retry", &a, "--edit", "--yes"], &[("EDITOR", "true")])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("workflow run"), "{}", r.stderr);

    // The dry run says what would happen to each.
    let r = dev.dlq(&["retry", &a, &q, "--dry-run"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    assert!(
        out.contains("would retry 1 DLQ entry and resume 1 workflow run"),
        "{out}"
    );
    assert!(
        out.contains("\tresume wfr_order-a from 'charge' (Run, step 2)\n"),
        "{out}"
    );
    assert!(out.contains("\tretry POST http://127.0.0.1:"), "{out}");

    // Mixed ids in one run: the message is retried, the run resumed, one journal.
    let r = dev.dlq(&["retry", &a, &q, "-o", "ndjson", "-v"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("/v2/workflows/dlq/resume/"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(&format!("/v2/dlq/retry/{a}")),
        "{}",
        r.stderr
    );
    let recs: Vec<Value> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rec = |id: &str| recs.iter().find(|x| x["dlqId"] == id).unwrap().clone();
    assert!(rec(&q)["messageId"].as_str().unwrap().starts_with("msg_"));
    let resumed = rec(&a)["workflowRunId"].as_str().unwrap().to_string();
    app.wait_run_state(&resumed, "RUN_SUCCESS").await;

    // `list -o ids | delete -` works for workflow entries.
    app.control(json!({"chargeFails": true})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "order-c", "retries": 0, "label": "cli", "body": {"orderId": "c", "amount": 1}}))
        .await;
    dlq_entry(&dev, "wfr_order-c").await;
    let ids = dev
        .dlq(&["list", "--label", "cli", "--workflow", "-o", "ids"])
        .await;
    assert_eq!(ids.lines().len(), 2, "{}", ids.out());
    let r = crate::support::dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["delete", "-", "--yes", "-o", "ndjson"],
        &[],
        Some(ids.out().as_bytes()),
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.lines().iter().all(|l| l.contains("\"deleted\"")),
        "{}",
        r.out()
    );
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());
    let _ = b;
}

#[tokio::test(flavor = "multi_thread")]
async fn run_ids_without_the_prefix_hidden_runs_new_run_ids_and_refusals() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let (a, b, _) = failed_runs_and_a_message(&dev, &app).await;

    // The id given to trigger finds the run the SDK named wfr_<id>.
    let r = dev.dlq(&["list", "--run-id", "order-b", "-o", "ids"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.lines(), std::slice::from_ref(&b));
    assert!(r.stderr.contains("showing wfr_order-b"), "{}", r.stderr);
    // Plain list shows the QStash DLQ and says that workflow runs failed too.
    let r = dev.dlq(&["list"]).await;
    assert_eq!(r.lines().len(), 2);
    assert!(
        r.stderr
            .contains("also 2 failed workflow runs: dlq list --workflow"),
        "{}",
        r.stderr
    );

    // A failure function that succeeded cannot be re-run: the message says why, no --resume.
    let r = dev.dlq(&["retry", "--failure-function", &a]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("already succeeded (CALLBACK_SUCCESS)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("dlq retry {a}")), "{}", r.stderr);
    assert!(
        !r.stderr.contains("Finish with"),
        "no --resume hint: {}",
        r.stderr
    );

    // --new-run-id names the resumed run; it takes one run only.
    let r = dev.dlq(&["retry", &a, &b, "--new-run-id", "wfr_two"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--new-run-id"), "{}", r.stderr);
    app.control(json!({"chargeFails": false})).await;
    let r = dev
        .dlq(&[
            "retry",
            &a,
            "--new-run-id",
            "wfr_order-a-fixed",
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.out().contains("\"workflowRunId\":\"wfr_order-a-fixed\""),
        "{}",
        r.out()
    );
    app.wait_run_state("wfr_order-a-fixed", "RUN_SUCCESS").await;
    let r = dev
        .dlq(&[
            "retry",
            "--restart",
            &b,
            "--new-run-id",
            "wfr_order-b-again",
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    app.wait_run_state("wfr_order-b-again", "RUN_SUCCESS").await;
    // --restart on a QStash entry is refused before anything is sent.
    let q = dev.dlq(&["list", "-o", "ids"]).await.lines()[0].clone();
    let r = dev.dlq(&["retry", "--restart", &q]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a QStash entry"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_prints_failed_runs_as_they_arrive() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let child = crate::watch::watch(
        &dev,
        &[
            "--workflow",
            "-o",
            "ndjson",
            "--interval",
            "100ms",
            "--exit-on-first",
            "--timeout",
            "60s",
        ],
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.control(json!({"chargeFails": true})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "order-w", "retries": 0, "body": {"orderId": 7, "amount": 1}}))
        .await;
    let (code, lines, stderr) = crate::watch::finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["workflowRunId"], "wfr_order-w");
}
