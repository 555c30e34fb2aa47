//! Upstash Workflow with the official Python SDK (`upstash-workflow`, `qstash`; FastAPI): runs
//! fail, dead-letter and are found, shown and recovered as the JS SDK's are.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::Dev;
use crate::support::workflow_py::PyApp;

/// The workflow DLQ entry of the run whose workflow URL ends with `path`.
pub async fn failed_run(dev: &Dev, path: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = dev.dlq_all("/v2/workflows/dlq").await;
        if let Some(e) = all
            .into_iter()
            .find(|e| e["workflowUrl"].as_str().is_some_and(|u| u.ends_with(path)))
        {
            return e;
        }
        assert!(Instant::now() < deadline, "no failed run of {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first `ship` step's event, once a run got there.
async fn shipped(app: &PyApp) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let steps = app.events_of("step", None).await;
        if let Some(e) = steps.into_iter().find(|e| e["step"] == "ship") {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "no run shipped: {:?}",
            app.events().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn id_of(e: &Value) -> String {
    e["dlqId"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_run_fails_is_shown_and_resumed() {
    let dev = Dev::start().await;
    let app = PyApp::start(&dev).await;
    app.trigger_path("/wf/order", json!({"orderId": "py-1", "amount": 5}))
        .await;
    let e = failed_run(&dev, "/wf/order").await;
    let (id, run) = (id_of(&e), e["workflowRunId"].as_str().unwrap().to_string());
    // The failure function ran (the Python SDK calls it with the failed step's answer).
    let failure = app.wait_events("failure", Some(&run), 1).await;
    assert_eq!(failure[0]["failStatus"], 500, "{failure:?}");

    // workflow-py does not name the failing step: it is told by position and what came before.
    let r = dev.dlq(&["show", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    for needle in [
        &format!("Workflow run       {run}") as &str,
        "Failed step        step 2 (Run, after 'validate')",
        "Error              card declined for order py-1",
        "  step 1 'validate' (Run)\n    {\n      \"orderId\": \"py-1\",",
        "  step 2 (Run, after 'validate') failed: card declined for order py-1",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // The SDK sends every field of a step, most of them null: they are not shown.
    assert!(!out.contains("null") && !out.contains("method: "), "{out}");

    // The workflow table names the step and the error.
    let r = dev.dlq(&["list", "--workflow"]).await;
    let row = r.lines().into_iter().find(|l| l.starts_with(&id)).unwrap();
    let cells: Vec<&str> = row.split('\t').collect();
    assert_eq!(
        cells[3..5],
        [run.as_str(), "step 2 (Run, after 'validate')"]
    );
    assert_eq!(cells[6], "card declined for order py-1");

    // Fixed, the run is resumed from the failed step: validate is not run again.
    app.control(json!({"chargeFails": false})).await;
    let validated = app
        .events_of("step", None)
        .await
        .iter()
        .filter(|e| e["step"] == "validate")
        .count();
    let r = dev
        .dlq(&["retry", &id, "--yes", "--wait", "-o", "json"])
        .await;
    // (A step's answer could dead-letter while the delivery before it was still being
    // answered; the resume then sent that delivery again and validate ran twice.)
    assert_eq!(
        r.code,
        0,
        "{}\n{}\n{:?}",
        r.out(),
        r.stderr,
        app.events().await
    );
    // A resumed run has a new id; the record names it.
    let ship = shipped(&app).await;
    assert_eq!(ship["charged"], json!({"chargeId": "ch_py-1", "amount": 5}));
    let resumed = ship["runId"].as_str().unwrap();
    assert_ne!(resumed, run);
    assert!(r.out().contains(resumed), "{}", r.out());
    let steps = app.events_of("step", None).await;
    let again = steps.iter().filter(|e| e["step"] == "validate").count();
    assert_eq!(again, validated, "validate ran again: {steps:?}");
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unnamed_steps_of_two_workflows_are_two_groups() {
    let dev = Dev::start().await;
    let app = PyApp::start(&dev).await;
    // Nothing failed yet: the table still has its header off a terminal.
    let r = dev.dlq(&["list", "--workflow"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.lines(),
        ["DLQ ID\tCREATED\tSTATUS\tRUN ID\tSTEP\tURL\tERROR"]
    );

    for path in ["/wf/order", "/wf/plain"] {
        app.trigger_path(path, json!({"orderId": "py-2", "amount": 1}))
            .await;
        failed_run(&dev, path).await;
    }
    let r = dev
        .dlq(&["stats", "--workflow", "--by", "step", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut keys: Vec<String> = r
        .lines()
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["step"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    keys.sort();
    let step = "step 2 (Run, after 'validate')";
    assert_eq!(
        keys,
        [
            format!("{step} in {}/wf/order", app.url),
            format!("{step} in {}/wf/plain", app.url)
        ]
    );
    // Without a failure function, no failure function line claims one ran.
    let plain = id_of(&failed_run(&dev, "/wf/plain").await);
    let out = dev.dlq(&["show", &plain]).await.out();
    assert!(!out.contains("Failure function"), "{out}");
}
