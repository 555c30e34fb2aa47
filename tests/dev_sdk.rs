//! `dlq dev` as the local QStash of an app: the official clients (@upstash/qstash from the Node
//! fixture, qstash-py from the Python one) call its messages, logs, bulk cancel, flow control,
//! schedules, queues and URL groups, and read the answers with their own types.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::workflow_app::App;
use crate::support::workflow_py::PyApp;
use crate::support::{Dev, Receiver};

/// Polls `f` (an SDK call) until `ok` holds for its answer, which is returned.
async fn eventually<F, Fut>(what: &str, mut f: F, ok: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let v = f().await;
        if ok(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: last {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A JS SDK call that must succeed.
async fn js(app: &App, method: &str, args: Value) -> Value {
    let (s, v) = app.qstash(method, None, args).await;
    assert_eq!(s, 200, "{method}: {v}");
    v
}

/// A Python SDK call that must succeed; its result as JSON.
async fn py(app: &PyApp, method: &str, args: Value) -> Value {
    let (s, v) = app.client(method, args).await;
    assert_eq!(s, 200, "{method}: {v}");
    v["result"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn js_sdk_reads_messages_and_logs_and_cancels_by_id_ids_filter_and_all() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let rx = Receiver::always(200).await;
    let url = format!("{}/later", rx.url);
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut opts = json!({ "url": url, "body": format!("m{i}"), "delay": 3600 });
        if i < 2 {
            opts["label"] = json!("batch-a");
        }
        let v = js(&app, "publish", json!([opts])).await;
        ids.push(v["messageId"].as_str().unwrap().to_string());
    }
    let m = js(&app, "messages.get", json!([ids[0]])).await;
    assert_eq!(
        (m["messageId"].as_str(), m["url"].as_str()),
        (Some(&*ids[0]), Some(&*url))
    );
    assert_eq!(m["labels"], json!(["batch-a"]));

    // `logs()` reads `/v2/events` (its entries under `events`).
    let l = js(&app, "logs", json!([{ "filter": { "messageId": ids[0] } }])).await;
    let states: Vec<&str> = l["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["CREATED"]);
    assert_eq!(l["events"], l["logs"]);

    let one = js(&app, "messages.cancel", json!([ids[4]])).await;
    assert_eq!(one, json!({ "cancelled": 1 }));
    let by_ids = js(&app, "messages.cancel", json!([[ids[3], ids[4]]])).await;
    assert_eq!(by_ids["cancelled"], 1, "one of the two was already gone");
    let by_label = js(
        &app,
        "messages.cancel",
        json!([{ "filter": { "label": "batch-a" } }]),
    )
    .await;
    assert_eq!(by_label["cancelled"], 2);
    assert_eq!(dev.get(&format!("/v2/messages/{}", ids[0])).await.0, 404);
    assert_eq!(dev.get(&format!("/v2/messages/{}", ids[2])).await.0, 200);
    let all = js(&app, "messages.cancel", json!([{ "all": true }])).await;
    assert_eq!(all["cancelled"], 1);

    // Each cancelled message's log says CANCELED, the SDKs' spelling.
    let l = js(&app, "logs", json!([{ "filter": { "state": "CANCELED" } }])).await;
    let mut cancelled: Vec<String> = l["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_string())
        .collect();
    cancelled.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(cancelled, want);
    let (s, v) = app.qstash("messages.cancel", None, json!([ids[0]])).await;
    assert_eq!((s, &v["status"]), (500, &json!(404)), "{v}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.requests().is_empty(),
        "a cancelled message was delivered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn js_sdk_sees_and_steers_a_flow_control_key() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let rx = Receiver::always(200).await;
    rx.set_delay(Duration::from_millis(600));
    let url = format!("{}/fc", rx.url);
    let fc = json!({ "key": "fc-a", "parallelism": 1 });
    let mut last = String::new();
    for i in 0..3 {
        let v = js(
            &app,
            "publish",
            json!([{ "url": url, "body": i.to_string(), "flowControl": fc }]),
        )
        .await;
        last = v["messageId"].as_str().unwrap().to_string();
    }
    // A parallelism without a rate reads back with the default period, a second (the third
    // message waits behind the first two for over a second).
    let (s, m) = dev.get(&format!("/v2/messages/{last}")).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        (m["parallelism"].clone(), m["period"].clone()),
        (json!(1), json!(1))
    );
    let info = eventually(
        "one in flight, two waiting",
        || async { js(&app, "flowControl.get", json!(["fc-a"])).await },
        |v| v["parallelismCount"] == 1 && v["waitListSize"] == 2,
    )
    .await;
    assert_eq!(info["flowControlKey"], "fc-a");
    assert_eq!(
        (info["parallelismMax"].clone(), info["isPaused"].clone()),
        (json!(1), json!(false))
    );

    js(&app, "flowControl.pause", json!(["fc-a"])).await;
    js(
        &app,
        "flowControl.pin",
        json!(["fc-a", { "parallelism": 3, "rate": 5, "period": 10 }]),
    )
    .await;
    // A message's own settings do not change what is pinned.
    js(
        &app,
        "publish",
        json!([{ "url": url, "body": "late", "flowControl": fc }]),
    )
    .await;
    let info = js(&app, "flowControl.get", json!(["fc-a"])).await;
    assert_eq!(info["isPaused"], true);
    assert_eq!(
        [
            &info["parallelismMax"],
            &info["rateMax"],
            &info["ratePeriod"]
        ],
        [&json!(3), &json!(5), &json!(10)]
    );
    assert_eq!(
        (
            info["isPinnedParallelism"].clone(),
            info["isPinnedRate"].clone()
        ),
        (json!(true), json!(true))
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let delivered = rx.requests_to("/fc").len();
    assert_eq!(delivered, 1, "a paused key delivers nothing more");

    js(
        &app,
        "flowControl.unpin",
        json!(["fc-a", { "parallelism": true }]),
    )
    .await;
    js(&app, "flowControl.resetRate", json!(["fc-a"])).await;
    let info = js(&app, "flowControl.get", json!(["fc-a"])).await;
    assert_eq!(
        (
            info["isPinnedParallelism"].clone(),
            info["isPinnedRate"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(info["rateCount"], 0);
    js(&app, "flowControl.resume", json!(["fc-a"])).await;
    rx.wait_for("/fc", 4).await;

    let g = js(&app, "flowControl.getGlobalParallelism", json!([])).await;
    assert!(g["parallelismMax"].as_u64().unwrap() >= 1, "{g}");
    // The SDKs have no list method; the OpenAPI file's `GET /v2/flowControl` lists the keys.
    let (s, list) = dev.get("/v2/flowControl").await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["flowControlKey"], "fc-a");
    let (s, v) = app
        .qstash("flowControl.get", None, json!(["no-such-key"]))
        .await;
    assert_eq!((s, &v["status"]), (500, &json!(404)), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn js_sdk_schedules_keep_their_queue_pause_by_patch_and_queues_start_paused() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let rx = Receiver::always(200).await;
    let url = format!("{}/sched", rx.url);

    let (s, v) = app
        .qstash(
            "upsert",
            Some("held"),
            json!([{ "parallelism": 2, "paused": true }]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let q = {
        let (s, q) = app.qstash("get", Some("held"), json!([])).await;
        assert_eq!(s, 200, "{q}");
        q
    };
    assert_eq!(
        (
            q["name"].clone(),
            q["paused"].clone(),
            q["parallelism"].clone()
        ),
        (json!("held"), json!(true), json!(2))
    );
    let (s, v) = app
        .qstash(
            "enqueueJSON",
            Some("held"),
            json!([{ "url": url, "body": {"n": 1} }]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        rx.requests_to("/sched").is_empty(),
        "a paused queue delivered"
    );
    let (s, _) = app.qstash("resume", Some("held"), json!([])).await;
    assert_eq!(s, 200);
    rx.wait_for("/sched", 1).await;

    let created = js(
        &app,
        "schedules.create",
        json!([{ "destination": url, "cron": "0 0 1 1 *", "queueName": "held",
                 "flowControl": { "key": "fc-s", "rate": 10 } }]),
    )
    .await;
    let id = created["scheduleId"].as_str().unwrap().to_string();
    let s = js(&app, "schedules.get", json!([id])).await;
    assert_eq!(s["queueName"], "held");
    assert_eq!(
        (s["rate"].clone(), s["period"].clone()),
        (json!(10), json!(1))
    );
    js(&app, "schedules.pause", json!([{ "schedule": id }])).await;
    assert_eq!(
        js(&app, "schedules.get", json!([id])).await["isPaused"],
        true
    );
    js(&app, "schedules.resume", json!([{ "schedule": id }])).await;
    assert_eq!(
        js(&app, "schedules.get", json!([id])).await["isPaused"],
        false
    );

    // Clean-up code deletes first: a URL group that does not exist is not an error.
    let (s, v) = app
        .qstash("urlGroups.delete", None, json!(["never-made"]))
        .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_cancels_reads_events_and_steers_flow_control_schedules_and_queues() {
    let dev = Dev::start().await;
    let app = PyApp::start(&dev).await;
    let rx = Receiver::always(200).await;
    let url = format!("{}/py", rx.url);
    let mut ids = Vec::new();
    for i in 0..4 {
        let r = py(
            &app,
            "message.publish_json",
            json!({ "url": url, "body": {"i": i}, "delay": "1h",
                    "flow_control": { "key": "fc-py", "parallelism": 2 } }),
        )
        .await;
        ids.push(r["message_id"].as_str().unwrap().to_string());
    }
    // The SDK parses the message's flow control, its period the default.
    let m = py(&app, "message.get", json!({ "message_id": ids[0] })).await;
    assert_eq!(
        m["flow_control"],
        json!({ "key": "fc-py", "parallelism": 2, "rate": null, "period": 1 })
    );
    // `log.list` reads `/v2/events`; 1000 is its documented most.
    let l = py(
        &app,
        "log.list",
        json!({ "count": 1000, "filter": { "message_id": ids[0] } }),
    )
    .await;
    assert_eq!(l["logs"][0]["state"], "CREATED");
    py(&app, "message.cancel", json!({ "message_id": ids[0] })).await;
    let n = py(
        &app,
        "message.cancel_many",
        json!({ "message_ids": [ids[0], ids[1]] }),
    )
    .await;
    assert_eq!(n, 1);
    assert_eq!(py(&app, "message.cancel_all", json!({})).await, 2);
    let l = py(
        &app,
        "log.list",
        json!({ "filter": { "message_id": ids[0] } }),
    )
    .await;
    let states: Vec<&str> = l["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["CANCELED", "CANCEL_REQUESTED", "CREATED"],
        "newest first"
    );

    let f = py(
        &app,
        "flow_control.get",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    assert_eq!(
        (f["key"].clone(), f["parallelism_max"].clone()),
        (json!("fc-py"), json!(2))
    );
    py(
        &app,
        "flow_control.pause",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    py(
        &app,
        "flow_control.pin",
        json!({ "flow_control_key": "fc-py", "options": { "rate": 7 } }),
    )
    .await;
    let f = py(
        &app,
        "flow_control.get",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    assert_eq!(
        [
            &f["is_paused"],
            &f["is_pinned_rate"],
            &f["rate_max"],
            &f["rate_period"]
        ],
        [&json!(true), &json!(true), &json!(7), &json!(1)]
    );
    py(
        &app,
        "flow_control.unpin",
        json!({ "flow_control_key": "fc-py", "options": { "rate": true } }),
    )
    .await;
    py(
        &app,
        "flow_control.reset_rate",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    py(
        &app,
        "flow_control.resume",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    let f = py(
        &app,
        "flow_control.get",
        json!({ "flow_control_key": "fc-py" }),
    )
    .await;
    assert_eq!(
        (f["is_paused"].clone(), f["is_pinned_rate"].clone()),
        (json!(false), json!(false))
    );
    let g = py(&app, "flow_control.get_global_parallelism", json!({})).await;
    assert!(g["parallelism_max"].as_u64().unwrap() >= 1, "{g}");

    py(
        &app,
        "queue.upsert",
        json!({ "queue": "py-q", "parallelism": 3, "paused": true }),
    )
    .await;
    let q = py(&app, "queue.get", json!({ "queue": "py-q" })).await;
    assert_eq!(
        (q["paused"].clone(), q["parallelism"].clone()),
        (json!(true), json!(3))
    );
    let sid = py(
        &app,
        "schedule.create",
        json!({ "destination": url, "cron": "0 0 1 1 *", "queue": "py-q" }),
    )
    .await;
    let sid = sid.as_str().unwrap().to_string();
    assert_eq!(
        py(&app, "schedule.get", json!({ "schedule_id": sid })).await["queue"],
        "py-q"
    );
    py(&app, "schedule.pause", json!({ "schedule_id": sid })).await;
    assert_eq!(
        py(&app, "schedule.get", json!({ "schedule_id": sid })).await["paused"],
        true
    );
    py(&app, "schedule.resume", json!({ "schedule_id": sid })).await;
    assert_eq!(
        py(&app, "schedule.get", json!({ "schedule_id": sid })).await["paused"],
        false
    );
    py(
        &app,
        "url_group.delete",
        json!({ "url_group": "never-made" }),
    )
    .await;
    // The cancelled messages and the paused key's never reach the receiver.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.requests().is_empty(),
        "{:?}",
        rx.requests_to("/py").len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rest_trigger_starts_runs_of_a_real_app_and_its_failure_function_runs() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let wf = format!("{}/wf/order", app.url);
    let res = dev
        .req(reqwest::Method::POST, &format!("/v2/trigger/{wf}"))
        .header("Upstash-Retries", "0")
        .header("Upstash-Forward-X-Tenant", "acme")
        .header("Upstash-Workflow-RunId", "wfr_rest-1")
        .json(&json!({ "orderId": "o-1", "amount": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["workflowRunId"], "wfr_rest-1");
    assert!(v["workflowCreatedAt"].as_i64().unwrap() > 0, "{v}");
    // The charge fails: the app's own failure function gets the run, its payload and the
    // forwarded header, with no failure URL given.
    let f = app.wait_events("failure", Some("wfr_rest-1"), 1).await;
    assert_eq!(f[0]["payload"]["orderId"], "o-1");
    assert_eq!(f[0]["tenant"], "acme");
    assert_eq!(f[0]["failResponse"], "card declined for order o-1");

    // A failure URL of its own is called instead, with the run's failure headers.
    let res = dev
        .req(reqwest::Method::POST, &format!("/v2/trigger/{wf}"))
        .header("Upstash-Retries", "0")
        .header(
            "Upstash-Failure-Callback",
            format!("{}/failure-sink", app.url),
        )
        .header("Upstash-Workflow-RunId", "wfr_rest-sink")
        .json(&json!({ "orderId": "o-9", "amount": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sink = app.wait_events("failure-url", None, 1).await.remove(0);
    assert_eq!(
        sink["headers"]["upstash-workflow-runid"], "wfr_rest-sink",
        "{sink}"
    );
    assert!(
        app.events_of("failure", Some("wfr_rest-sink"))
            .await
            .is_empty()
    );

    app.control(json!({ "chargeFails": false })).await;
    let body = |o: &str| json!({ "orderId": o, "amount": 1 }).to_string();
    let res = dev
        .req(reqwest::Method::POST, "/v2/batch/trigger")
        .json(&json!([
            { "destination": wf, "body": body("o-2"), "headers": { "Upstash-Workflow-RunId": "wfr_rest-2" } },
            { "destination": wf, "body": body("o-3") },
            { "destination": wf, "body": body("o-2"), "headers": { "Upstash-Workflow-RunId": "wfr_rest-2" } },
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let runs: Vec<Value> = res.json().await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["workflowRunId"], "wfr_rest-2");
    assert_eq!(
        [
            &runs[0]["deduplicated"],
            &runs[1]["deduplicated"],
            &runs[2]["deduplicated"]
        ],
        [&json!(false), &json!(false), &json!(true)],
        "a run already running is not started twice"
    );
    let other = runs[1]["workflowRunId"].as_str().unwrap();
    assert!(other.starts_with("wfr_"), "{other}");
    for id in ["wfr_rest-2", other] {
        app.wait_run_state(id, "RUN_SUCCESS").await;
    }
    assert_eq!(
        app.events_of("step", Some("wfr_rest-2"))
            .await
            .iter()
            .filter(|e| e["step"] == "ship")
            .count(),
        1
    );
    let (s, v) = dev
        .call(reqwest::Method::POST, "/v2/trigger/not-a-url")
        .await;
    assert_eq!(s, 400, "{v}");

    // A trigger of something that answers a plain 2xx (no Workflow SDK behind it) fails the
    // run at once, as the SDK's own trigger does (`WF_DetectTrigger`): it is not finished.
    let res = dev
        .req(
            reqwest::Method::POST,
            &format!("/v2/trigger/{}/third-party", app.url),
        )
        .header("Upstash-Workflow-RunId", "wfr_rest-plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let log = app.wait_run_state("wfr_rest-plain", "RUN_FAILED").await;
    assert!(
        log.to_string()
            .contains("detected a non-workflow destination"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_mib_payloads_results_calls_and_errors_pass_whole_with_a_raised_max_body() {
    const MIB5: usize = 5 * 1024 * 1024;
    let dev = Dev::start_with(dlq::server::ServerConfig {
        max_body: 16 * 1024 * 1024,
        ..dlq::server::ServerConfig::for_tests()
    })
    .await;
    let app = App::start(&dev).await;
    let pad = "a".repeat(MIB5);
    let run = app
        .trigger(json!({ "url": "/wf/large", "body": { "bytes": MIB5, "pad": pad }, "retries": 0 }))
        .await;
    let run = run["workflowRunId"].as_str().unwrap().to_string();
    // Each delivery carries every step before it (some 30 MiB by the end), and the SDK takes
    // seconds over each: the run is given two minutes.
    let long = Duration::from_secs(120);
    let got = app.wait_events_within("large", Some(&run), 1, long).await;
    let g = &got[0];
    assert_eq!(
        [
            &g["padLen"],
            &g["bigLen"],
            &g["p1Len"],
            &g["okLen"],
            &g["badLen"]
        ],
        [&json!(MIB5); 5],
        "the payload, a step result, a parallel result and both call answers arrive whole"
    );
    assert_eq!(
        (
            g["p2"].clone(),
            g["okStatus"].clone(),
            g["badStatus"].clone()
        ),
        (json!(2), json!(200), json!(500))
    );
    eventually(
        "the large run finishes",
        || async {
            let (_, v) = dev
                .get(&format!("/v2/workflows/logs?workflowRunId={run}"))
                .await;
            v["runs"][0]["workflowState"].clone()
        },
        |s| s == "RUN_SUCCESS",
    )
    .await;

    let run = app
        .trigger(json!({ "url": "/wf/large-fail", "body": { "bytes": MIB5 }, "retries": 0 }))
        .await;
    let run = run["workflowRunId"].as_str().unwrap().to_string();
    let f = app
        .wait_events_within("large-failure", Some(&run), 1, long)
        .await;
    assert_eq!(
        f[0]["failLen"], MIB5,
        "the failure function parses the whole error"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_made_by_the_sdk_is_called_without_the_token_and_wakes_its_run() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let run = app
        .trigger(json!({ "url": "/wf/hooked", "body": {} }))
        .await;
    let run = run["workflowRunId"].as_str().unwrap().to_string();
    let hook = app.wait_events("hook", Some(&run), 1).await.remove(0);
    let url = hook["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!(
            "{}/v2/workflows/hooks/defaultUser/{run}/",
            dev.url
        )),
        "{url}"
    );

    // Another user's hook, or a run that does not exist, is not there.
    let http = reqwest::Client::new();
    let other = url.replace("/defaultUser/", "/someoneElse/");
    assert_eq!(
        http.post(&other).body("x").send().await.unwrap().status(),
        404
    );
    let res = http
        .post(&url)
        .header("X-Sender", "billing")
        .body(r#"{"paid":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "no token is needed");
    let got = app.wait_events("hooked", Some(&run), 1).await.remove(0);
    assert_eq!(
        (
            &got["timeout"],
            &got["method"],
            &got["sender"],
            &got["body"]
        ),
        (
            &json!(false),
            &json!("POST"),
            &json!("billing"),
            &json!(r#"{"paid":true}"#)
        )
    );
    app.wait_run_state(&run, "RUN_SUCCESS").await;
    assert_eq!(
        http.post(&url).body("again").send().await.unwrap().status(),
        404,
        "the run has ended"
    );

    // A hook nobody calls times out.
    let run = app
        .trigger(json!({ "url": "/wf/hooked", "body": { "timeout": "1s" } }))
        .await;
    let run = run["workflowRunId"].as_str().unwrap().to_string();
    let got = app.wait_events("hooked", Some(&run), 1).await.remove(0);
    assert_eq!(
        (&got["timeout"], &got["body"]),
        (&json!(true), &Value::Null)
    );
}

/// A receiver that fails paths under `/fail` (500) and answers the rest 200.
async fn failing_under_fail() -> Receiver {
    Receiver::start(|r, _| {
        let status = if r.path.starts_with("/fail") {
            500
        } else {
            200
        };
        (status, vec![], b"ok".to_vec())
    })
    .await
}

/// The fields a value must have, each of a JSON type (`"s"` string, `"n"` number, `"b"`
/// boolean, `"a"` array, `"o"` object): the SDK type's required fields.
fn has(v: &Value, fields: &[(&str, &str)]) {
    for (k, t) in fields {
        let f = &v[*k];
        let ok = match *t {
            "s" => f.is_string(),
            "n" => f.is_number(),
            "b" => f.is_boolean(),
            "a" => f.is_array(),
            _ => f.is_object(),
        };
        assert!(ok, "field {k} should be {t} in {v}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_other_js_qstash_client_method_is_served_and_answers_in_its_type() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let rx = failing_under_fail().await;
    let u = |p: &str| format!("{}{p}", rx.url);

    let v = js(
        &app,
        "publishJSON",
        json!([{ "url": u("/a"), "body": { "x": 1 } }]),
    )
    .await;
    has(&v, &[("messageId", "s")]);
    let v = js(
        &app,
        "batch",
        json!([[{ "url": u("/b1"), "body": "1" }, { "url": u("/b2"), "body": "2" }]]),
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    has(&v[0], &[("messageId", "s")]);
    let v = js(
        &app,
        "batchJSON",
        json!([[{ "url": u("/b3"), "body": { "n": 3 } }]]),
    )
    .await;
    has(&v[0], &[("messageId", "s")]);
    let (s, v) = app
        .qstash(
            "enqueue",
            Some("jq"),
            json!([{ "url": u("/q"), "body": "q" }]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    rx.wait_for("/a", 1).await;
    rx.wait_for("/b1", 1).await;
    rx.wait_for("/b3", 1).await;
    rx.wait_for("/q", 1).await;
    assert_eq!(rx.requests_to("/a")[0].json(), json!({ "x": 1 }));

    let (s, v) = app.qstash("list", Some("jq"), json!([])).await;
    assert_eq!(s, 200, "{v}");
    has(
        &v[0],
        &[
            ("name", "s"),
            ("parallelism", "n"),
            ("lag", "n"),
            ("paused", "b"),
            ("createdAt", "n"),
        ],
    );
    let (s, _) = app.qstash("pause", Some("jq"), json!([])).await;
    assert_eq!(s, 200);
    let (s, _) = app.qstash("delete", Some("jq"), json!([])).await;
    assert_eq!(s, 200);
    let (s, _) = app.qstash("get", Some("jq"), json!([])).await;
    assert_eq!(s, 500, "a deleted queue is gone");

    // Deprecated names still in the SDK.
    let v = js(&app, "events", json!([{ "count": 1000 }])).await;
    assert!(v["logs"].as_array().unwrap().len() >= 5);
    let later: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let v = js(
                &app,
                "publish",
                json!([{ "url": u("/later"), "body": "l", "delay": 3600 }]),
            )
            .await;
            ids.push(v["messageId"].as_str().unwrap().to_string());
        }
        ids
    };
    assert_eq!(
        js(&app, "messages.delete", json!([later[0]])).await,
        Value::Null
    );
    assert_eq!(
        js(&app, "messages.deleteMany", json!([[later[1]]])).await,
        1
    );
    assert_eq!(js(&app, "messages.deleteAll", json!([])).await, 1);

    let sid = js(
        &app,
        "schedules.create",
        json!([{ "destination": u("/s"), "cron": "0 0 1 1 *" }]),
    )
    .await;
    let sid = sid["scheduleId"].as_str().unwrap().to_string();
    let list = js(&app, "schedules.list", json!([])).await;
    has(
        &list[0],
        &[
            ("scheduleId", "s"),
            ("cron", "s"),
            ("destination", "s"),
            ("createdAt", "n"),
            ("isPaused", "b"),
        ],
    );
    js(&app, "schedules.delete", json!([sid])).await;
    assert_eq!(js(&app, "schedules.list", json!([])).await, json!([]));

    js(&app, "urlGroups.addEndpoints", json!([{ "name": "grp", "endpoints": [{ "url": u("/g1") }, { "url": u("/g2"), "name": "two" }] }])).await;
    let g = js(&app, "urlGroups.get", json!(["grp"])).await;
    has(
        &g,
        &[
            ("name", "s"),
            ("createdAt", "n"),
            ("updatedAt", "n"),
            ("endpoints", "a"),
        ],
    );
    assert_eq!(g["endpoints"].as_array().unwrap().len(), 2);
    assert_eq!(
        js(&app, "urlGroups.list", json!([])).await[0]["name"],
        "grp"
    );
    let v = js(
        &app,
        "publish",
        json!([{ "urlGroup": "grp", "body": "fan" }]),
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    rx.wait_for("/g2", 1).await;
    js(
        &app,
        "urlGroups.removeEndpoints",
        json!([{ "name": "grp", "endpoints": [{ "url": u("/g1") }] }]),
    )
    .await;
    assert_eq!(
        js(&app, "urlGroups.get", json!(["grp"])).await["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    js(&app, "urlGroups.delete", json!(["grp"])).await;

    // The DLQ: three failures, listed, retried, deleted one way and another.
    for i in 0..3 {
        js(
            &app,
            "publish",
            json!([{ "url": u(&format!("/fail{i}")), "body": "f", "retries": 0 }]),
        )
        .await;
    }
    dev.wait_dlq("/v2/dlq", 3).await;
    let page = js(&app, "dlq.listMessages", json!([{ "count": 10 }])).await;
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    has(
        &msgs[0],
        &[
            ("dlqId", "s"),
            ("messageId", "s"),
            ("url", "s"),
            ("createdAt", "n"),
            ("responseStatus", "n"),
        ],
    );
    let ids: Vec<String> = msgs
        .iter()
        .map(|m| m["dlqId"].as_str().unwrap().to_string())
        .collect();
    let r = js(&app, "dlq.retry", json!([ids[0]])).await;
    has(&r["responses"][0], &[("messageId", "s")]);
    assert_eq!(js(&app, "dlq.delete", json!([ids[1]])).await["deleted"], 1);
    assert_eq!(
        js(&app, "dlq.deleteMany", json!([{ "dlqIds": [ids[2]] }])).await["deleted"],
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_other_python_qstash_client_method_is_served_and_parsed_by_the_sdk() {
    let dev = Dev::start().await;
    let app = PyApp::start(&dev).await;
    let rx = failing_under_fail().await;
    let u = |p: &str| format!("{}{p}", rx.url);

    let r = py(
        &app,
        "message.publish",
        json!({ "url": u("/a"), "body": "raw" }),
    )
    .await;
    assert!(r["message_id"].is_string(), "{r}");
    let r = py(
        &app,
        "message.enqueue",
        json!({ "queue": "pq", "url": u("/q"), "body": "q" }),
    )
    .await;
    assert!(r["message_id"].is_string(), "{r}");
    let r = py(
        &app,
        "message.enqueue_json",
        json!({ "queue": "pq", "url": u("/q"), "body": {"n": 1} }),
    )
    .await;
    assert!(r["message_id"].is_string(), "{r}");
    let r = py(
        &app,
        "message.batch",
        json!({ "messages": [{ "url": u("/b"), "body": "1" }] }),
    )
    .await;
    assert!(r[0]["message_id"].is_string(), "{r}");
    let r = py(
        &app,
        "message.batch_json",
        json!({ "messages": [{ "url": u("/b"), "body": {"n": 2} }] }),
    )
    .await;
    assert!(r[0]["message_id"].is_string(), "{r}");
    rx.wait_for("/q", 2).await;
    rx.wait_for("/b", 2).await;

    let qs = py(&app, "queue.list", json!({})).await;
    assert_eq!(qs[0]["name"], "pq");
    py(&app, "queue.pause", json!({ "queue": "pq" })).await;
    py(&app, "queue.resume", json!({ "queue": "pq" })).await;
    py(&app, "queue.delete", json!({ "queue": "pq" })).await;
    assert_eq!(py(&app, "queue.list", json!({})).await, json!([]));

    let sid = py(
        &app,
        "schedule.create_json",
        json!({ "destination": u("/s"), "cron": "0 0 1 1 *", "body": {"s": 1} }),
    )
    .await;
    let sid = sid.as_str().unwrap().to_string();
    let list = py(&app, "schedule.list", json!({})).await;
    assert_eq!(list[0]["schedule_id"], sid.as_str());
    py(&app, "schedule.delete", json!({ "schedule_id": sid })).await;
    assert_eq!(py(&app, "schedule.list", json!({})).await, json!([]));

    py(
        &app,
        "url_group.upsert_endpoints",
        json!({ "url_group": "pg", "endpoints": [{ "url": u("/g1") }, { "url": u("/g2") }] }),
    )
    .await;
    assert_eq!(
        py(&app, "url_group.get", json!({ "url_group": "pg" })).await["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    py(
        &app,
        "url_group.remove_endpoints",
        json!({ "url_group": "pg", "endpoints": [{ "url": u("/g1") }] }),
    )
    .await;
    assert_eq!(
        py(&app, "url_group.list", json!({})).await[0]["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    py(&app, "url_group.delete", json!({ "url_group": "pg" })).await;

    let k = py(&app, "signing_key.get", json!({})).await;
    assert_eq!(k["current"], dlq::server::DEFAULT_CURRENT_SIGNING_KEY);
    let k2 = py(&app, "signing_key.rotate", json!({})).await;
    assert_eq!(
        k2["current"], k["next"],
        "the next key becomes the current one"
    );

    for i in 0..2 {
        py(
            &app,
            "message.publish",
            json!({ "url": u(&format!("/fail{i}")), "body": "f", "retries": 0 }),
        )
        .await;
    }
    dev.wait_dlq("/v2/dlq", 2).await;
    let page = py(&app, "dlq.list", json!({})).await;
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{page}");
    let id = msgs[0]["dlq_id"].as_str().unwrap().to_string();
    assert_eq!(
        py(&app, "dlq.get", json!({ "dlq_id": id })).await["dlq_id"],
        id.as_str()
    );
    py(&app, "dlq.delete", json!({ "dlq_id": id })).await;
    let other = msgs[1]["dlq_id"].as_str().unwrap();
    assert_eq!(
        py(&app, "dlq.delete_many", json!({ "dlq_ids": [other] })).await,
        1
    );
}

/// The branches of the run's first parallel group, as the SDK's `client.logs` gives them:
/// (stepName, state, the first error's status).
async fn branches(app: &App, run: &str) -> Vec<(String, String, Value)> {
    let (s, v) = app.client("logs", json!([{ "workflowRunId": run }])).await;
    assert_eq!(s, 200, "{v}");
    let groups = v["runs"][0]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(g) = groups.iter().find(|g| g["type"] == "parallel") else {
        return Vec::new();
    };
    g["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stepName"].as_str().unwrap_or("").to_string(),
                s["state"].as_str().unwrap_or("").to_string(),
                s["errors"][0]["status"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdks_logs_show_a_parallel_groups_failed_and_unfinished_branches() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    // While the run sleeps, its sleeping branch is in progress.
    app.control(json!({ "cFails": false, "aFails": false }))
        .await;
    let t = app
        .trigger(json!({ "url": "/wf/parallel-fail", "workflowRunId": "pl-ok", "body": {} }))
        .await;
    let run = t["workflowRunId"].as_str().unwrap().to_string();
    let b = eventually(
        "a branch in progress",
        || async { json!(branches(&app, &run).await) },
        |v| v.to_string().contains("STEP_PROGRESS"),
    )
    .await;
    let pause = b
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[0] == "pause")
        .cloned();
    assert_eq!(
        pause.map(|p| p[1].clone()),
        Some(json!("STEP_PROGRESS")),
        "{b}"
    );
    app.wait_run_state(&run, "RUN_SUCCESS").await;

    // A failed branch: its name, STEP_FAILED and the status of its error.
    app.control(json!({ "cFails": true })).await;
    let t = app
        .trigger(json!({ "url": "/wf/parallel-fail", "workflowRunId": "pl-bad", "retries": 0, "body": {} }))
        .await;
    let run = t["workflowRunId"].as_str().unwrap().to_string();
    app.wait_run_state(&run, "RUN_FAILED").await;
    let b = branches(&app, &run).await;
    let c = b
        .iter()
        .find(|x| x.0 == "c")
        .unwrap_or_else(|| panic!("{b:?}"));
    assert_eq!((c.1.as_str(), &c.2), ("STEP_FAILED", &json!(500)), "{b:?}");
    assert!(
        b.iter().any(|x| x.0 == "a" && x.1 == "STEP_SUCCESS"),
        "{b:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_larger_than_max_body_is_fetched_by_the_sdk_instead_of_sent() {
    const KIB600: usize = 600 * 1024;
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    let run = app
        .trigger(json!({ "url": "/wf/large", "body": { "bytes": KIB600, "pad": "a".repeat(KIB600) }, "retries": 0 }))
        .await;
    let run = run["workflowRunId"].as_str().unwrap().to_string();
    let got = app
        .wait_events_within("large", Some(&run), 1, Duration::from_secs(60))
        .await;
    assert_eq!(
        [
            &got[0]["padLen"],
            &got[0]["bigLen"],
            &got[0]["p1Len"],
            &got[0]["okLen"]
        ],
        [&json!(KIB600); 4]
    );
    let sizes: Vec<u64> = app
        .events_of("delivery", Some(&run))
        .await
        .iter()
        .map(|e| e["bytes"].as_u64().unwrap())
        .collect();
    let limit = dlq::wire::dev::DEFAULT_MAX_BODY as u64;
    assert!(
        sizes.iter().all(|b| *b <= limit),
        "no delivery over --max-body: {sizes:?}"
    );
    assert!(
        sizes.contains(&0),
        "the later steps come without their log: {sizes:?}"
    );
    assert!(
        sizes.iter().any(|b| *b > 0),
        "the first ones carry it: {sizes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_runs_pairs_match_a_run_by_its_id_and_creation_time() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({ "chargeFails": false })).await;
    app.trigger(json!({ "url": "/wf/bare", "workflowRunId": "paired", "body": { "n": 1 } }))
        .await;
    let r = app.wait_run_state("wfr_paired", "RUN_SUCCESS").await;
    let t = r["workflowRunCreatedAt"].as_i64().unwrap();
    let runs = |q: String| {
        let dev = &dev;
        async move {
            let (s, v) = dev
                .get(&format!("/v2/workflows/logs?workflowRuns={q}"))
                .await;
            assert_eq!(s, 200, "{v}");
            v["runs"].as_array().unwrap().len()
        }
    };
    assert_eq!(runs(format!("wfr_paired@{t}")).await, 1);
    assert_eq!(
        runs(format!("wfr_paired@{}", t + 1)).await,
        0,
        "another run of the id"
    );
    assert_eq!(runs(format!("nope@{t},wfr_paired@{t}")).await, 1);
    let (s, _) = dev
        .get("/v2/workflows/logs?workflowRuns=wfr_paired@soon")
        .await;
    assert_eq!(s, 400);
}
