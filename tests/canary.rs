//! `dlq retry --canary`: each destination's first entry goes alone, and the rest only once it
//! was delivered. Against `dlq dev` with endpoints that stay broken or have been fixed.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::support::{Dev, Receiver, Run};

/// A receiver whose paths answer 500 while they are in `broken`, 200 once taken out.
async fn endpoints(broken: &[&str]) -> (Receiver, Arc<Mutex<HashSet<String>>>) {
    let set: Arc<Mutex<HashSet<String>>> =
        Arc::new(Mutex::new(broken.iter().map(|s| s.to_string()).collect()));
    let s = set.clone();
    let rx = Receiver::start(move |r, _| {
        if s.lock().contains(&r.path) {
            (500, vec![], b"database unavailable".to_vec())
        } else {
            (200, vec![], b"ok".to_vec())
        }
    })
    .await;
    (rx, set)
}

async fn retry(dev: &Dev, extra: &[&str]) -> Run {
    let mut args = vec!["retry", "--all-matching", "--yes"];
    args.extend_from_slice(extra);
    dev.dlq_env(&args, &[("DLQ_WAIT_INTERVAL_MS", "50")]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_still_broken_gets_only_its_canary_and_the_rest_stay() {
    let dev = Dev::start().await;
    let (rx, _) = endpoints(&["/a"]).await;
    dev.fail_many(&format!("{}/a", rx.url), 3, &[]).await;
    dev.wait_dlq("/v2/dlq", 3).await;
    let r = retry(&dev, &["--canary"]).await;
    assert_eq!(r.code, 3, "{}", r.all());
    assert_eq!(
        rx.requests_to("/a").len(),
        4,
        "three failures, then the canary alone"
    );
    let err = &r.stderr;
    assert!(
        err.contains(&format!("Stopped {}/a: its canary", rx.url)),
        "{err}"
    );
    assert!(
        err.contains("its other 2 entries left untouched in the DLQ"),
        "{err}"
    );
    assert!(err.contains("Its new DLQ entry: "), "{err}");
    assert!(
        err.contains("[status-500]") || err.contains("Cause:"),
        "the new failure's diagnosis: {err}"
    );
    assert!(err.contains("--canary` sends them"), "{err}");
    assert!(
        err.contains("Finish with: dlq retry --resume ") && err.contains(".ndjson --canary\n"),
        "{err}"
    );
    // The two never sent and the canary's new failure.
    assert_eq!(dev.dlq_all("/v2/dlq").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_endpoint_gets_its_canary_then_the_rest() {
    let dev = Dev::start().await;
    let (rx, broken) = endpoints(&["/a"]).await;
    dev.fail_many(&format!("{}/a", rx.url), 3, &[]).await;
    dev.wait_dlq("/v2/dlq", 3).await;
    broken.lock().clear();
    let r = retry(&dev, &["--canary", "--wait"]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        rx.requests_to("/a").len(),
        6,
        "three failures, the canary, then the other two"
    );
    // The canary was answered before the others were sent.
    let answered = rx.requests_answered();
    let canary_done = answered
        .iter()
        .filter(|(q, _)| q.path == "/a")
        .nth(3)
        .and_then(|(_, t)| *t)
        .unwrap();
    let later = answered.iter().filter(|(q, _)| q.path == "/a").skip(4);
    assert!(
        later.clone().all(|(q, _)| q.at >= canary_done),
        "the rest went after the canary was delivered"
    );
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_destinations_the_fixed_one_goes_on_and_the_broken_one_stops() {
    let dev = Dev::start().await;
    let (rx, broken) = endpoints(&["/a", "/b"]).await;
    for p in ["/a", "/b"] {
        dev.fail_many(&format!("{}{p}", rx.url), 3, &[]).await;
    }
    dev.wait_dlq("/v2/dlq", 6).await;
    broken.lock().remove("/a");
    let dry = dev
        .dlq(&["retry", "--all-matching", "--dry-run", "--canary=2"])
        .await;
    let out = dry.all();
    assert!(out.contains("Canaries"), "the dry run names them: {out}");
    assert!(
        out.contains(&format!("{}/a", rx.url)) && out.contains(&format!("{}/b", rx.url)),
        "{out}"
    );
    let r = retry(&dev, &["--canary=2"]).await;
    assert_eq!(r.code, 3, "{}", r.all());
    assert_eq!(
        rx.requests_to("/a").len(),
        6,
        "a: its two canaries, then the third"
    );
    assert_eq!(rx.requests_to("/b").len(), 5, "b: only its two canaries");
    assert!(
        r.stderr.contains(&format!("Stopped {}/b", rx.url)),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(&format!("Stopped {}/a", rx.url)),
        "{}",
        r.stderr
    );
    let left: Vec<String> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        left.len(),
        3,
        "b's untouched one and its two canaries' new failures: {left:?}"
    );
    assert!(left.iter().all(|u| u.ends_with("/b")), "{left:?}");
}

/// How many times the app's `charge` step ran.
async fn charges(app: &crate::support::workflow_app::App) -> usize {
    app.events_of("step", None)
        .await
        .iter()
        .filter(|e| e["step"] == "charge")
        .count()
}

/// The failed runs of `/wf/order` in the workflow DLQ.
async fn failed_runs(dev: &Dev, n: usize) -> Vec<serde_json::Value> {
    dev.wait_dlq("/v2/workflows/dlq", n).await
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_runs_are_resumed_one_first_then_the_rest_once_it_finished() {
    use serde_json::json;
    let dev = Dev::start().await;
    let app = crate::support::workflow_app::App::start(&dev).await;
    app.control(json!({ "chargeFails": true })).await;
    for n in 1..=3 {
        app.trigger(json!({ "url": "/wf/order", "workflowRunId": format!("c{n}"), "retries": 0, "body": { "orderId": n, "amount": 1 } }))
            .await;
    }
    failed_runs(&dev, 3).await;
    assert_eq!(charges(&app).await, 3);

    // Still broken: one run is resumed, fails again; the other two stay.
    let r = retry(&dev, &["--workflow", "--canary"]).await;
    assert_eq!(r.code, 3, "{}", r.all());
    assert_eq!(charges(&app).await, 4, "only the canary's charge ran again");
    assert!(r.stderr.contains("/wf/order: its canary"), "{}", r.stderr);
    assert!(
        r.stderr.contains("[wf-step-threw]"),
        "the new failure's diagnosis: {}",
        r.stderr
    );
    assert_eq!(failed_runs(&dev, 3).await.len(), 3);

    // Fixed: the canary run finishes, then the rest are resumed and finish.
    app.control(json!({ "chargeFails": false })).await;
    let r = retry(&dev, &["--workflow", "--canary", "--wait"]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let ships = app
        .events_of("step", None)
        .await
        .iter()
        .filter(|e| e["step"] == "ship")
        .count();
    assert_eq!(ships, 3, "all three runs finished");
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_canary_run_is_finished_by_resume_once_fixed() {
    let dev = Dev::start().await;
    let (rx, broken) = endpoints(&["/a"]).await;
    dev.fail_many(&format!("{}/a", rx.url), 3, &[]).await;
    let ids: Vec<String> = dev
        .wait_dlq("/v2/dlq", 3)
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    // Ids from stdin, as `dlq list -o ids` writes them.
    let journal = std::env::temp_dir().join(format!("dlq-canary-{}.ndjson", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let j = journal.to_str().unwrap();
    let r = crate::support::dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["retry", "-", "--yes", "--canary", "--journal", j],
        &[("DLQ_WAIT_INTERVAL_MS", "50")],
        Some(ids.join("\n").as_bytes()),
    )
    .await;
    assert_eq!(r.code, 3, "{}", r.all());
    assert_eq!(rx.requests_to("/a").len(), 4);
    broken.lock().clear();
    let r = dev
        .dlq_env(
            &["retry", "--resume", j, "--yes", "--canary"],
            &[("DLQ_WAIT_INTERVAL_MS", "50")],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        rx.requests_to("/a").len(),
        6,
        "the two left are retried, the canary's is not again"
    );
    let _ = std::fs::remove_file(&journal);
}
