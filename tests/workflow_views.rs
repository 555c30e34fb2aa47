//! What the workflow views say, with the official JS SDK's app: a missing failure function, a
//! resume that would replay a cached failed result, a call's body, the CSV columns.

use serde_json::{Value, json};

use crate::support::Dev;
use crate::support::workflow_app::App;
use crate::workflow::dlq_entry;

fn id_of(e: &Value) -> String {
    e["dlqId"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_without_a_failure_function_reads_none_configured() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.trigger(
        json!({"url": "/wf/bare", "workflowRunId": "bare-1", "retries": 0, "body": {"n": 1}}),
    )
    .await;
    let id = id_of(&dlq_entry(&dev, "wfr_bare-1").await);
    let r = dev.dlq(&["show", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    assert!(
        out.contains("  Failure function   none configured"),
        "{out}"
    );
    assert!(!out.contains("CALLBACK_SUCCESS"), "{out}");
    // A failure function re-run is refused for it, in the dry run as in the run.
    let dry = dev
        .dlq(&["retry", &id, "--failure-function", "--dry-run"])
        .await;
    let run = dev
        .dlq(&["retry", &id, "--failure-function", "--yes"])
        .await;
    assert!(dry.all().contains("no failure function"), "{}", dry.all());
    assert!(run.all().contains("no failure function"), "{}", run.all());
    assert_ne!(run.code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_that_would_replay_a_failed_call_says_so_and_restart_is_the_way_out() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"thirdPartyStatus": 500})).await;
    app.trigger(
        json!({"url": "/wf/checked-call", "workflowRunId": "cc-1", "retries": 0, "body": {}}),
    )
    .await;
    let id = id_of(&dlq_entry(&dev, "wfr_cc-1").await);

    // The call's answer is shown decoded, its type named, the failed step typed.
    let out = dev.dlq(&["show", &id]).await.out();
    for needle in [
        "Failed step        'use charge' (Run, step 2)",
        "Error              charge api answered 500",
        "  step 1 'charge api' (Call)",
        "\"body\": {\n        \"charged\": false\n      },",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }

    // The outside cause is fixed; the dry run and the confirmation say a resume replays it.
    app.control(json!({"thirdPartyStatus": 201})).await;
    let warning = "resuming replays step 1 'charge api' (Call) answered 500";
    let dry = dev.dlq(&["retry", &id, "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.all().contains(warning) && dry.all().contains("--restart"),
        "{}",
        dry.all()
    );

    // As warned (the run says it too): the resume fails the same way, a restart calls again
    // and succeeds.
    let r = dev
        .dlq(&["retry", &id, "--yes", "--wait", "-o", "json"])
        .await;
    assert!(r.stderr.contains(warning), "{}", r.stderr);
    assert_eq!(r.code, 3, "{}\n{}", r.out(), r.stderr);
    let rec: Vec<Value> = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(rec[0]["finalState"], "failed_again", "{rec:?}");
    let again = rec[0]["newDlqId"].as_str().unwrap().to_string();
    let r = dev
        .dlq(&[
            "retry",
            &again,
            "--restart",
            "--yes",
            "--wait",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    let rec: Vec<Value> = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(rec[0]["finalState"], "delivered", "{rec:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_failure_function_answer_is_cut_with_its_size() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"failureAnswerBytes": 5000})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "long-1", "retries": 0, "body": {"orderId": "l1", "amount": 1}}))
        .await;
    let id = id_of(&dlq_entry(&dev, "wfr_long-1").await);
    let out = dev.dlq(&["show", &id]).await.out();
    let line = out
        .lines()
        .find(|l| l.starts_with("  Failure function"))
        .unwrap();
    // The SDK answers `{"result":"xx…"}`: 5013 bytes.
    assert!(line.ends_with("xxx… (5013 bytes)"), "{line}");
    assert!(line.len() < 400, "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_300_kb_step_result_is_cut_on_a_terminal() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"blobBytes": 300_000})).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "big-1", "retries": 0, "body": {"orderId": "b1", "amount": 1}}))
        .await;
    let id = id_of(&dlq_entry(&dev, "wfr_big-1").await);
    let r = dev.dlq_env(&["show", &id], &[("DLQ_FORCE_TTY", "1")]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    assert!(out.contains("… cut at 16 KiB of 300"), "{}", &out[..500]);
    assert!(out.len() < 200_000, "{} bytes", out.len());
    // JSON has all of it.
    let r = dev.dlq(&["show", &id, "-o", "json"]).await;
    let v: Vec<Value> = serde_json::from_str(&r.out()).unwrap();
    let blob = v[0]["decodedRun"]["steps"][0]["out"]["blob"]
        .as_str()
        .unwrap();
    assert_eq!(blob.len(), 300_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_csv_has_the_failed_step_and_the_error() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.trigger(json!({"url": "/wf/order", "workflowRunId": "csv-1", "retries": 0, "body": {"orderId": "c1", "amount": 1}}))
        .await;
    let id = id_of(&dlq_entry(&dev, "wfr_csv-1").await);
    let r = dev.dlq(&["list", "--workflow", "-o", "csv"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rows = csv_rows(&r.out());
    let header = rows.remove(0);
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {header:?}"))
    };
    let row = rows.iter().find(|r| r[col("dlqId")] == id).unwrap();
    assert_eq!(row[col("failedStep")], "charge");
    assert_eq!(row[col("error")], "card declined for order c1");
}

/// Rows of a CSV text, the header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect()
}

/// A parallel group in its real states, from the run's log: the branch that had succeeded
/// with its result, the sleeping branch that never finished, the failed one; `-o json` gives
/// each plan its `branchState`.
#[tokio::test(flavor = "multi_thread")]
async fn a_parallel_groups_branches_are_shown_in_their_real_states() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"cFails": true, "aFails": false})).await;
    app.trigger(
        json!({"url": "/wf/parallel-fail", "workflowRunId": "pf-c", "retries": 0, "body": {}}),
    )
    .await;
    let id = id_of(&dlq_entry(&dev, "wfr_pf-c").await);
    let out = dev.dlq(&["show", &id]).await.out();
    let steps = section(&out, "Steps");
    for needle in [
        "  step 1 'a' (Run): succeeded, a parallel branch\n    1\n",
        "  step 2 'pause' (SleepFor): cancelled before it finished, a parallel branch\n",
        "  step 3 'c' (Run): failed, a parallel branch\n",
    ] {
        assert!(steps.contains(needle), "{needle:?} in:\n{steps}");
    }
    assert!(!steps.contains("planned"), "{steps}");

    let v: Value =
        serde_json::from_str(&dev.dlq(&["show", &id, "-o", "json"]).await.out()).unwrap();
    let states: Vec<(&str, &str)> = v[0]["decodedRun"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stepName"].as_str().unwrap(),
                s["branchState"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("a", "STEP_SUCCESS"),
            ("pause", "STEP_CANCELED"),
            ("c", "STEP_FAILED")
        ]
    );
}

/// When the first branch fails, the failed delivery carried only its own plan: the branches
/// planned after it are still listed, from the run's log, in branch order.
#[tokio::test(flavor = "multi_thread")]
async fn branches_the_failed_delivery_did_not_carry_are_listed_from_the_runs_log() {
    let dev = Dev::start().await;
    let app = App::start(&dev).await;
    app.control(json!({"aFails": true})).await;
    app.trigger(
        json!({"url": "/wf/parallel-fail", "workflowRunId": "pf-a", "retries": 0, "body": {}}),
    )
    .await;
    let e = dlq_entry(&dev, "wfr_pf-a").await;
    let id = id_of(&e);
    let out = dev.dlq(&["show", &id]).await.out();
    let steps = section(&out, "Steps");
    let a = steps
        .find("  step 1 'a' (Run): failed, a parallel branch")
        .expect(&steps);
    let pause = steps
        .find("  step 2 'pause' (SleepFor): cancelled before it finished, a parallel branch")
        .expect(&steps);
    let c = steps
        .find("  step 3 'c' (Run): succeeded, a parallel branch\n    3\n")
        .expect(&steps);
    assert!(a < pause && pause < c, "{steps}");
    assert!(!steps.contains("more branch"), "{steps}");
}

/// The text of one section of `show` (from its title to the next blank line).
fn section(out: &str, title: &str) -> String {
    let start = out.find(&format!("{title}\n")).expect(out);
    let rest = &out[start..];
    rest[..rest.find("\n\n").unwrap_or(rest.len())].to_string() + "\n"
}
