//! `dlq retry` and `dlq delete` against `dlq dev` with a receiver that fails, then recovers.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Dev, Receiver, Run, dlq_with_stdin};

/// A receiver that fails until told to recover; bodies name the messages.
async fn failing() -> Receiver {
    Receiver::always(500).await
}

fn recover(rx: &Receiver) {
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
}

fn records(r: &Run) -> Vec<Value> {
    r.lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// How many times each body reached the receiver.
fn deliveries(rx: &Receiver, path: &str) -> HashMap<Vec<u8>, usize> {
    let mut m = HashMap::new();
    for r in rx.requests_to(path) {
        *m.entry(r.body).or_default() += 1;
    }
    m
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_by_ids_stdin_and_filter_delivers_each_once_and_empties_the_dlq() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/r", rx.url), 9, &[("Upstash-Label", "batch")])
        .await;
    let all = dev.wait_dlq("/v2/dlq", 9).await;
    let ids: Vec<String> = all
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    recover(&rx);

    // By ids as arguments (no --yes needed off a terminal).
    let r = dev.dlq(&["retry", &ids[0], &ids[1], "-o", "ndjson"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs = records(&r);
    assert_eq!(recs.len(), 2);
    assert!(
        recs.iter()
            .all(|o| o["outcome"] == "retried"
                && o["messageId"].as_str().unwrap().starts_with("msg_"))
    );

    // From stdin: plain ids, and `dlq list -o ndjson` lines.
    let plain = format!("{}\n{}\n", ids[2], ids[3]);
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["retry", "-", "--yes"],
        &[],
        Some(plain.as_bytes()),
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let nd = dev
        .dlq(&["list", "--label", "batch", "-o", "ndjson", "--limit", "2"])
        .await;
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["retry", "-", "--yes", "-o", "ndjson"],
        &[],
        Some(&nd.stdout),
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(records(&r).len(), 2);

    // By filter.
    let r = dev
        .dlq(&[
            "retry",
            "--label",
            "batch",
            "--all-matching",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs: Vec<Value> = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(recs.len(), 3);
    assert!(
        r.stderr.contains("Retried 3, already gone 0, failed 0"),
        "{}",
        r.stderr
    );

    rx.wait_for("/r", 9 + 9).await;
    settle().await;
    let d = deliveries(&rx, "/r");
    assert_eq!(d.len(), 9);
    assert!(
        d.values().all(|n| *n == 2),
        "each message: one failed attempt, one delivery after the retry: {d:?}"
    );
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn overrides_reach_the_server_as_headers() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/o", rx.url), 1, &[("Upstash-Label", "old")])
        .await;
    let id = dev.wait_dlq("/v2/dlq", 1).await[0]["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = dev
        .dlq(&[
            "retry",
            &id,
            "--retries",
            "1",
            "--retry-delay",
            "10 * retried",
            "--new-label",
            "fixed,v2",
            "--new-flow-control-key",
            "fk",
            "--new-flow-control-value",
            "parallelism=2",
            "--failure-callback",
            &format!("{}/fcb", rx.url),
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The republished message fails again (twice: retries 1) and lands with the overrides.
    let e = loop {
        let all = dev.dlq_all("/v2/dlq").await;
        if let Some(e) = all
            .into_iter()
            .find(|e| e["dlqId"] != Value::String(id.clone()))
        {
            break e;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(e["maxRetries"], 1);
    assert_eq!(e["retryDelayExpression"], "10 * retried");
    assert_eq!(e["labels"], serde_json::json!(["fixed", "v2"]));
    assert_eq!(e["flowControlKey"], "fk");
    assert_eq!(e["parallelism"], 2);
    assert_eq!(
        e["failureCallback"],
        Value::String(format!("{}/fcb", rx.url))
    );
    assert_eq!(rx.requests_to("/o").len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_changes_nothing_and_refusals_exit_2() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/a", rx.url), 3, &[("Upstash-Label", "x")])
        .await;
    dev.fail_many(&format!("{}/b", rx.url), 2, &[("Upstash-Label", "x")])
        .await;
    dev.wait_dlq("/v2/dlq", 5).await;
    let before = dev.dlq_all("/v2/dlq").await;
    let r = dev
        .dlq(&["retry", "--label", "x", "--all-matching", "--dry-run"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    assert!(out.contains("would retry 5 DLQ entries"), "{out}");
    assert!(
        out.contains(&format!("     3   500  {}/a", rx.url)),
        "{out}"
    );
    assert!(
        out.contains(&format!("     2   500  {}/b", rx.url)),
        "{out}"
    );
    let r = dev.dlq(&["delete", "--all-matching", "--dry-run"]).await;
    assert!(r.out().contains("would delete 5 DLQ entries"));
    assert_eq!(
        dev.dlq_all("/v2/dlq").await,
        before,
        "dry runs change nothing"
    );

    let id = before[0]["dlqId"].as_str().unwrap();
    for (args, needle) in [
        (vec!["retry", "--label", "x"], "--all-matching"),
        (vec!["delete", "--label", "x"], "--all-matching"),
        (vec!["retry", "--label", "x", "--all-matching"], "--yes"),
        (vec!["delete", "--all-matching"], "--yes"),
        (vec!["retry"], "nothing selected"),
        (vec!["retry", id, "--label", "x"], "not both"),
        (vec!["retry", "-i"], "terminal"),
        (
            vec!["retry", "--resume", "/nonexistent/j.ndjson"],
            "journal",
        ),
        (vec!["retry", "--concurrency", "0", id], "--concurrency"),
        (vec!["retry", "--rate=-1", id], "--rate"),
        (vec!["retry", "--delay", "soon", id], "--delay"),
        (vec!["retry", "--retry-delay", "pow(", id], "--retry-delay"),
        (vec!["retry", "--retries", "1000", id], "--retries"),
        (
            vec!["retry", "--failure-callback", "nope", id],
            "--failure-callback",
        ),
        (
            vec!["retry", "--new-flow-control-key", "k", id],
            "--new-flow-control-value",
        ),
        (vec!["retry", "bad/id"], "DLQ_ID"),
    ] {
        let r = dev.dlq(&args).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(needle),
            "{args:?} should mention {needle}: {}",
            r.stderr
        );
    }
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["delete", "-"],
        &[],
        Some(id.as_bytes()),
    )
    .await;
    assert_eq!(r.code, 2, "stdin ids need --yes off a terminal");
    assert_eq!(
        dev.dlq_all("/v2/dlq").await,
        before,
        "refusals change nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_ids_are_not_found_records_and_exit_3() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/m", rx.url), 3, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 3).await;
    let ids: Vec<&str> = all.iter().map(|e| e["dlqId"].as_str().unwrap()).collect();
    let r = dev
        .dlq(&["retry", ids[0], "1-0", ids[1], "2-0", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    let recs = records(&r);
    let by: HashMap<String, String> = recs
        .iter()
        .map(|o| {
            (
                o["dlqId"].as_str().unwrap().into(),
                o["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(by[ids[0]], "retried");
    assert_eq!(by[ids[1]], "retried");
    assert_eq!(by["1-0"], "not_found");
    assert_eq!(by["2-0"], "not_found");
    let r = dev.dlq(&["delete", ids[2], "3-0", "-o", "ndjson"]).await;
    assert_eq!(r.code, 3);
    let recs = records(&r);
    assert_eq!(recs.iter().filter(|o| o["outcome"] == "deleted").count(), 1);
    assert_eq!(
        recs.iter().filter(|o| o["outcome"] == "not_found").count(),
        1
    );
    assert!(
        dev.dlq_all("/v2/dlq")
            .await
            .iter()
            .all(|e| e["dlqId"] != ids[2])
    );
    // One rule for show, retry and delete: 4 when none of the ids is there, 3 when some are.
    for verb in ["retry", "delete", "show"] {
        let r = dev.dlq(&[verb, "8-0", "9-0"]).await;
        assert_eq!(r.code, 4, "{verb}: {}", r.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_delete_by_filter_removes_exactly_the_matches() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/keep", rx.url), 3, &[("Upstash-Label", "keep")])
        .await;
    dev.fail_many(
        &format!("{}/drop", rx.url),
        150,
        &[("Upstash-Label", "drop")],
    )
    .await;
    dev.wait_dlq("/v2/dlq", 153).await;
    let r = dev
        .dlq(&["delete", "--label", "drop", "--all-matching", "--yes", "-v"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Deleted 150, already gone 0, failed 0"),
        "{}",
        r.stderr
    );
    let deletes = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("> DELETE"))
        .count();
    assert_eq!(deletes, 2, "150 ids take two bulk calls");
    let left = dev.dlq_all("/v2/dlq").await;
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(|e| e["label"] == "keep"));
}

#[tokio::test(flavor = "multi_thread")]
async fn retrying_many_uses_bulk_calls_of_100() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/many", rx.url), 250, &[]).await;
    dev.wait_dlq("/v2/dlq", 250).await;
    recover(&rx);
    let r = dev
        .dlq(&["retry", "--all-matching", "--yes", "-v", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let posts = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("> POST") && l.contains("/v2/dlq/retry"))
        .count();
    assert_eq!(posts, 3, "250 ids: three bulk retry calls");
    assert_eq!(records(&r).len(), 250);
    rx.wait_for("/many", 500).await;
    settle().await;
    assert!(deliveries(&rx, "/many").values().all(|n| *n == 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_run_loses_nothing_and_resume_finishes_without_duplicates() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/k", rx.url), 300, &[]).await;
    dev.wait_dlq("/v2/dlq", 300).await;
    recover(&rx);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("run.ndjson");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .args([
            "retry",
            "--all-matching",
            "--yes",
            "--rate",
            "150",
            "--concurrency",
            "1",
            "--journal",
        ])
        .arg(&journal)
        .env_clear()
        .env("QSTASH_URL", &dev.url)
        .env("QSTASH_TOKEN", &dev.token)
        .env("HOME", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the first call's outcomes are in the journal (the next call is 0.67 s away).
    for _ in 0..2000 {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.contains("\"type\":\"outcome\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let partly = dev.dlq_all("/v2/dlq").await.len();
    assert!(partly > 0 && partly < 300, "killed mid-run: {partly} left");

    let r = dev
        .dlq(&[
            "retry",
            "--resume",
            journal.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    rx.wait_for("/k", 600).await;
    settle().await;
    let d = deliveries(&rx, "/k");
    assert_eq!(d.len(), 300);
    assert!(
        d.values().all(|n| *n == 2),
        "no message delivered twice after its retry"
    );
    // The journal accounts for every id.
    let loaded = dlq::bulk::journal::load(&journal).unwrap();
    assert_eq!(loaded.done.len(), 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_faults_on_a_bulk_run_accounts_for_every_entry() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/f", rx.url), 1000, &[]).await;
    dev.wait_dlq("/v2/dlq", 1000).await;
    recover(&rx);
    let ids: Vec<String> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    dev.server().faults().set_fault_rate(0.5);
    let stdin = ids.join("\n");
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["retry", "-", "--yes", "-o", "ndjson"],
        &[],
        Some(stdin.as_bytes()),
    )
    .await;
    dev.server().faults().set_fault_rate(0.0);
    let recs = records(&r);
    assert_eq!(recs.len(), 1000, "one record per entry: {}", r.stderr);
    let failed: Vec<&Value> = recs.iter().filter(|o| o["outcome"] == "failed").collect();
    let expected = if failed.is_empty() { 0 } else { 3 };
    assert_eq!(
        r.code, expected,
        "exit code matches the records: {}",
        r.stderr
    );
    assert!(dev.server().faults().injected() > 0);
    // Failed ones are still in the DLQ; everything else was delivered exactly once more.
    let left: Vec<String> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left.len(), failed.len());
    rx.wait_for("/f", 2000 - failed.len()).await;
    settle().await;
    let d = deliveries(&rx, "/f");
    assert_eq!(d.values().filter(|n| **n == 2).count(), 1000 - failed.len());
    assert!(d.values().all(|n| *n <= 2), "nothing duplicated");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_failures_stops_the_run() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/mf", rx.url), 250, &[]).await;
    dev.wait_dlq("/v2/dlq", 250).await;
    dev.server().faults().set_fault_rate(1.0);
    let r = dev
        .dlq(&[
            "retry",
            "--all-matching",
            "--yes",
            "--max-failures",
            "1",
            "--concurrency",
            "1",
            "-o",
            "ndjson",
        ])
        .await;
    dev.server().faults().set_fault_rate(0.0);
    // Listing failed under 100% faults, so nothing was selected: exit 1 from the list call.
    assert_ne!(r.code, 0);
    // NDJSON lines say what each entry is, so nothing is looked up before the run.
    let ids = dev.dlq(&["list", "-o", "ndjson"]).await.out();
    dev.server().faults().set_fault_rate(1.0);
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &[
            "retry",
            "-",
            "--yes",
            "--max-failures",
            "1",
            "--concurrency",
            "1",
            "-o",
            "ndjson",
        ],
        &[],
        Some(ids.as_bytes()),
    )
    .await;
    dev.server().faults().set_fault_rate(0.0);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--max-failures"), "{}", r.stderr);
    let recs = records(&r);
    assert_eq!(recs.len(), 100, "only the first chunk was tried");
    assert!(recs.iter().all(|o| o["outcome"] == "failed"));
    assert_eq!(
        dev.dlq_all("/v2/dlq").await.len(),
        250,
        "failed retries leave entries in the DLQ"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_entries_resume_restart_and_rerun_the_failure_function() {
    let dev = Dev::start().await;
    let rx = Receiver::start(|r, _| {
        if r.path == "/fcb" {
            (500, vec![], vec![])
        } else {
            (500, vec![], b"step failed".to_vec())
        }
    })
    .await;
    for run in ["wfr_a", "wfr_b", "wfr_c"] {
        dev.publish(
            &format!("{}/wf", rx.url),
            &[
                ("Upstash-Retries", "0"),
                ("Upstash-Workflow-RunId", run),
                ("Upstash-Failure-Callback", &format!("{}/fcb", rx.url)),
            ],
            run,
        )
        .await;
    }
    let all = dev.wait_dlq("/v2/workflows/dlq", 3).await;
    // Wait for the failure callbacks to fail (CALLBACK_FAIL).
    for _ in 0..500 {
        if dev
            .dlq_all("/v2/workflows/dlq?failureFunctionState=CALLBACK_FAIL")
            .await
            .len()
            == 3
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rx.set(|_, _| (200, vec![], vec![]));
    // By run: a gets its failure function re-run, b is resumed, c restarted.
    let id = |i: usize| {
        let run = ["wfr_a", "wfr_b", "wfr_c"][i];
        all.iter().find(|e| e["workflowRunId"] == run).unwrap()["dlqId"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let r = dev
        .dlq(&["retry", "--failure-function", &id(0), "-v", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("/v2/workflows/dlq/callback/{}", id(0))),
        "{}",
        r.stderr
    );

    let r = dev
        .dlq(&["retry", "--workflow", &id(1), "-v", "-o", "ndjson"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("/v2/workflows/dlq/resume/{}", id(1))),
        "{}",
        r.stderr
    );
    let run = records(&r)[0]["workflowRunId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(run.starts_with("wfr_"));
    let got = rx.wait_for("/wf", 4).await;
    assert!(
        got.iter()
            .any(|g| g.header("upstash-workflow-runid") == Some(run.as_str()))
    );

    let r = dev
        .dlq(&[
            "retry",
            "--restart",
            "--run-id",
            "wfr_c",
            "--all-matching",
            "--yes",
            "-v",
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("/v2/workflows/dlq/restart"),
        "{}",
        r.stderr
    );
    assert!(
        records(&r)[0]["workflowRunId"]
            .as_str()
            .unwrap()
            .starts_with("wfr_")
    );
    let left = dev.dlq_all("/v2/workflows/dlq").await;
    assert_eq!(
        left.len(),
        1,
        "the callback re-run keeps its entry; resume and restart remove theirs"
    );
    assert_eq!(left[0]["dlqId"], Value::String(id(0)));

    let r = dev
        .dlq(&[
            "delete",
            "--workflow",
            "--all-matching",
            "--yes",
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/workflows/dlq").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn journals_single_ids_and_resume_without_a_path() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/j", rx.url), 3, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 3).await;
    let state = tempfile::tempdir().unwrap();
    let env = [("XDG_STATE_HOME", state.path().to_str().unwrap())];
    let journals = || {
        std::fs::read_dir(state.path().join("dlq/journals"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    // One id: its outcome is printed; no journal, no bar.
    let one = all[0]["dlqId"].as_str().unwrap();
    let r = dev.dlq_env(&["delete", one, "--yes"], &env).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("Journal:"), "{}", r.stderr);
    assert_eq!(journals(), 0);

    // An interrupted run leaves an unfinished journal (written here as a run writes it)…
    let dir = state.path().join("dlq/journals");
    std::fs::create_dir_all(&dir).unwrap();
    dlq::bulk::journal::Journal::create(
        &dir.join("20261130T010000.000Z-delete.ndjson"),
        &[dlq::bulk::Group {
            action: dlq::bulk::Action::Delete,
            workflow: false,
            ids: all[1..]
                .iter()
                .map(|e| e["dlqId"].as_str().unwrap().to_string())
                .collect(),
        }],
        dlq::bulk::journal::Start {
            selection: None,
            target: Some(dlq::config::TargetName {
                url: dev.url.clone(),
                profile: None,
            }),
        },
    )
    .unwrap();
    assert_eq!(journals(), 1);
    // …which `--resume` without a path finds; off a terminal it wants --yes.
    let r = dev.dlq_env(&["delete", "--resume"], &env).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the latest unfinished delete journal is")
            && r.stderr.contains("(2 of 2 entries left)"),
        "{}",
        r.stderr
    );
    let r = dev.dlq_env(&["retry", "--resume", "--yes"], &env).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no unfinished retry journal"),
        "{}",
        r.stderr
    );
    let r = dev.dlq_env(&["delete", "--resume", "--yes"], &env).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
}

/// `retry --all-matching --yes --wait=30s -o FORMAT`, polling every 100 ms.
async fn retry_all_waiting(dev: &Dev, format: &str) -> Run {
    let args = [
        "retry",
        "--all-matching",
        "--yes",
        "--wait=30s",
        "-o",
        format,
    ];
    dev.dlq_env(&args, &[("DLQ_WAIT_INTERVAL_MS", "100")]).await
}

/// `retry --wait` follows each retried message: delivered where the endpoint recovered,
/// failed again (with its new DLQ entry) where it stays broken, pending when time runs out.
#[tokio::test(flavor = "multi_thread")]
async fn retry_wait_reports_what_became_of_each_message() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/fixed", rx.url), 2, &[]).await;
    dev.fail_many(&format!("{}/broken", rx.url), 2, &[]).await;
    dev.wait_dlq("/v2/dlq", 4).await;
    rx.set(|r, _| {
        if r.path == "/fixed" {
            (200, vec![], b"ok".to_vec())
        } else {
            (500, vec![], b"still down".to_vec())
        }
    });
    let r = retry_all_waiting(&dev, "ndjson").await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("2 of 4 retried entries were not delivered: 2 failed again"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Delivered 2, failed again 2."),
        "{}",
        r.stderr
    );
    let recs = records(&r);
    assert_eq!(recs.len(), 4);
    let dlq = dev.dlq_all("/v2/dlq").await;
    for rec in &recs {
        let new_id = rec.get("newDlqId").and_then(Value::as_str);
        match rec["finalState"].as_str() {
            Some("delivered") => assert!(new_id.is_none()),
            Some("failed_again") => {
                // The new entry is in the DLQ, under the retried message's id.
                let n = new_id.expect("a failed-again record names its new entry");
                assert_ne!(n, rec["dlqId"].as_str().unwrap());
                let e = dlq.iter().find(|e| e["dlqId"] == n).expect("in the DLQ");
                assert_eq!(e["messageId"], rec["messageId"]);
                assert_eq!(e["url"], format!("{}/broken", rx.url));
            }
            other => panic!("unexpected final state {other:?}: {rec}"),
        }
    }

    // Fixed for good: every one delivered, exit 0.
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let r = retry_all_waiting(&dev, "text").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.lines().len(), 2);
    assert!(
        r.lines().iter().all(|l| l.ends_with("\tdelivered")),
        "{}",
        r.out()
    );

    // A flapping endpoint: each retried message ends one way or the other, none pending.
    rx.set(|_, _| (500, vec![], b"down".to_vec()));
    dev.fail_many(&format!("{}/flap", rx.url), 4, &[]).await;
    dev.wait_dlq("/v2/dlq", 4).await;
    rx.set(|_, n| {
        if n % 2 == 0 {
            (200, vec![], b"ok".to_vec())
        } else {
            (503, vec![], b"flap".to_vec())
        }
    });
    let r = retry_all_waiting(&dev, "ndjson").await;
    let recs = records(&r);
    let delivered = recs
        .iter()
        .filter(|r| r["finalState"] == "delivered")
        .count();
    let failed = recs
        .iter()
        .filter(|r| r["finalState"] == "failed_again")
        .count();
    assert_eq!(delivered + failed, 4, "{recs:?}");
    assert_eq!(r.code, if failed == 0 { 0 } else { 3 }, "{}", r.stderr);
    assert_eq!(dev.dlq_all("/v2/dlq").await.len(), failed);

    // Time runs out before a slow endpoint answers: pending.
    let rx2 = Receiver::always(500).await;
    dev.fail_many(&format!("{}/slow", rx2.url), 1, &[]).await;
    dev.wait_dlq(
        &format!("/v2/dlq?url={}/slow", crate::support::urlencode(&rx2.url)),
        1,
    )
    .await;
    rx2.set(|_, _| (200, vec![], b"ok".to_vec()));
    rx2.set_delay(Duration::from_secs(3));
    let r = dev
        .dlq_env(
            &[
                "retry",
                "--url",
                &format!("{}/slow", rx2.url),
                "--all-matching",
                "--yes",
                "--wait=300ms",
            ],
            &[("DLQ_WAIT_INTERVAL_MS", "100")],
        )
        .await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 still pending when the wait ended"),
        "{}",
        r.stderr
    );
    assert!(r.out().ends_with("\tpending\n"), "{}", r.out());
}

/// With `--wait`, retried entries that fail again count toward `--max-failures`: the run stops
/// sending while the endpoint is still broken, and the rest stay in the DLQ untouched.
#[tokio::test(flavor = "multi_thread")]
async fn max_failures_counts_entries_that_failed_again_while_waiting() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/down", rx.url), 300, &[]).await;
    dev.wait_dlq("/v2/dlq", 300).await;
    // A call of 100 a second, one at a time: the first call's entries fail again before the
    // second is due.
    let r = dev
        .dlq_env(
            &[
                "retry",
                "--all-matching",
                "--yes",
                "--wait=20s",
                "--max-failures",
                "50",
                "--rate",
                "100",
                "--concurrency",
                "1",
                "-o",
                "ndjson",
            ],
            &[("DLQ_WAIT_INTERVAL_MS", "50")],
        )
        .await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--max-failures"), "{}", r.stderr);
    assert!(
        r.stderr.contains("retried and failed again"),
        "{}",
        r.stderr
    );
    let recs = records(&r);
    assert!(
        recs.len() < 300,
        "stopped before retrying everything: {} records",
        recs.len()
    );
    assert!(recs.iter().all(|r| r["finalState"] == "failed_again"));
    // Nothing lost: what was not retried is still there, beside the new entries.
    let dlq = dev.dlq_all("/v2/dlq").await;
    assert_eq!(
        dlq.len(),
        300,
        "untouched originals + new entries of the retried"
    );
}

/// `--resume --wait` follows what the journal says was retried before, too.
#[tokio::test(flavor = "multi_thread")]
async fn a_resumed_wait_follows_what_was_retried_before() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/later", rx.url), 3, &[]).await;
    let ids: Vec<String> = dev
        .wait_dlq("/v2/dlq", 3)
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    recover(&rx);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.ndjson");
    let j = journal.to_str().unwrap();
    let mut args = vec!["retry", "--journal", j];
    args.extend(ids.iter().map(String::as_str));
    let r = dev.dlq(&args).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = dev
        .dlq_env(
            &["retry", "--resume", j, "--wait=20s", "-o", "ndjson"],
            &[("DLQ_WAIT_INTERVAL_MS", "50")],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs = records(&r);
    assert_eq!(recs.len(), 3, "{}", r.out());
    assert!(
        recs.iter().all(|r| r["finalState"] == "delivered"),
        "{recs:?}"
    );
}

/// `retry --edit`: the corrected copy is published and only then the original deleted; an
/// unchanged edit sends nothing; a crash in between leaves the original and `--resume`
/// finishes without publishing twice.
#[tokio::test(flavor = "multi_thread")]
async fn retry_edit_publishes_the_corrected_copy_then_deletes_the_original() {
    let dev = Dev::start().await;
    let rx = failing().await;
    let publish = |qty: i32| {
        let url = format!("{}/orders", rx.url);
        let dev = &dev;
        async move {
            dev.publish(
                &url,
                &[
                    ("Upstash-Retries", "0"),
                    ("Content-Type", "application/json"),
                    ("Upstash-Forward-X-Trace", "t-9"),
                ],
                format!(r#"{{"order":1,"qty":{qty}}}"#),
            )
            .await["messageId"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let m1 = publish(-1).await;
    let m2 = publish(-2).await;
    let dlq = dev.wait_dlq("/v2/dlq", 2).await;
    let id_of = |m: &str| {
        dlq.iter().find(|e| e["messageId"] == m).unwrap()["dlqId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (id1, id2) = (id_of(&m1), id_of(&m2));
    recover(&rx);
    let fix = r#"sed -i -e 's/"qty": -[0-9]*/"qty": 1/'"#;

    // Unchanged: nothing is sent.
    let r = dev
        .dlq_env(&["retry", &id1, "--edit", "--yes"], &[("EDITOR", "true")])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("No change: nothing was sent"),
        "{}",
        r.stderr
    );
    assert_eq!(dev.get(&format!("/v2/dlq/{id1}")).await.0, 200);

    // Edited: the diff, the corrected copy delivered with its headers, the original gone.
    let r = dev
        .dlq_env(&["retry", &id1, "--edit", "--yes"], &[("EDITOR", fix)])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("-  \"qty\": -1\n+  \"qty\": 1\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.out().starts_with(&format!("{id1}\tedited\tmsg_")),
        "{}",
        r.out()
    );
    let got = rx.wait_for("/orders", 3).await;
    let fixed = &got[2];
    assert_eq!(fixed.body, br#"{"order":1,"qty":1}"#);
    assert_eq!(fixed.header("x-trace"), Some("t-9"));
    assert_eq!(dev.get(&format!("/v2/dlq/{id1}")).await.0, 404);

    // A crash between the publish and the delete: the original stays; --resume deletes it
    // and publishes nothing again.
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("edit.ndjson");
    let js = j.to_str().unwrap();
    let r = dev
        .dlq_env(
            &["retry", &id2, "--edit", "--yes", "--journal", js],
            &[("EDITOR", fix), ("DLQ_TEST_EXIT_AFTER_PUBLISH", "1")],
        )
        .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        dev.get(&format!("/v2/dlq/{id2}")).await.0,
        200,
        "the original stays"
    );
    rx.wait_for("/orders", 4).await;
    let r = dev.dlq(&["retry", "--resume", js]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dev.get(&format!("/v2/dlq/{id2}")).await.0, 404);
    settle().await;
    assert_eq!(
        rx.requests_to("/orders").len(),
        4,
        "the edited copy was delivered once"
    );
    let r = dev.dlq(&["retry", "--resume", js]).await;
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("complete"), "{}", r.stderr);

    // Bad edits are refused with nothing sent.
    let r = dev
        .dlq_env(&["retry", "--edit", "--yes"], &[("EDITOR", "true")])
        .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exactly one DLQ id"), "{}", r.stderr);
}

/// Entries whose createdAt order and dlqId order differ: each record's new messageId is the
/// message that was delivered with that entry's body, with and without `--wait`, and in the
/// journal (QStash's bulk answer names no dlqId, so pairing must not trust an order).
#[tokio::test(flavor = "multi_thread")]
async fn each_record_names_the_message_made_from_its_own_entry() {
    let dev = Dev::start().await;
    let rx = failing().await;
    let url = format!("{}/pair", rx.url);
    // Published first but dead-lettered last (it is retried twice): the oldest createdAt gets
    // the newest dlqId.
    dev.publish(&url, &[("Upstash-Retries", "2")], "slow-0")
        .await;
    dev.fail_many(&url, 5, &[]).await;
    dev.publish(&url, &[("Upstash-Retries", "2")], "slow-1")
        .await;
    let all = dev.wait_dlq("/v2/dlq", 7).await;
    let mut by_created = all.clone();
    by_created.sort_by_key(|e| {
        (
            e["createdAt"].as_i64(),
            e["dlqId"].as_str().map(String::from),
        )
    });
    let mut by_id = all.clone();
    by_id.sort_by_key(|e| e["dlqId"].as_str().map(String::from));
    assert_ne!(by_created, by_id, "the two orders differ");
    let body_of: HashMap<String, String> = all
        .iter()
        .map(|e| {
            (
                e["dlqId"].as_str().unwrap().into(),
                e["body"].as_str().unwrap().into(),
            )
        })
        .collect();
    recover(&rx);
    let check = |recs: &[Value]| {
        for o in recs {
            let msg = o["messageId"].as_str().unwrap();
            let got = rx
                .requests_to("/pair")
                .into_iter()
                .find(|r| r.header("upstash-message-id") == Some(msg))
                .map(|r| String::from_utf8(r.body).unwrap())
                .expect("the record's message was delivered");
            assert_eq!(got, body_of[o["dlqId"].as_str().unwrap()], "{o}");
        }
    };
    // Ids given in neither order, answered by the API in a documented way or not.
    let (a, b, c) = (
        by_created[0]["dlqId"].as_str().unwrap(),
        by_created[3]["dlqId"].as_str().unwrap(),
        by_created[6]["dlqId"].as_str().unwrap(),
    );
    let r = dev
        .dlq(&["retry", c, a, b, "--yes", "--wait=20s", "-o", "json"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs: Vec<Value> = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(recs.len(), 3);
    rx.wait_for("/pair", 7 + 2 * 2 + 3).await;
    check(&recs);
    // The rest by filter, journaled.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pair.ndjson");
    let r = dev
        .dlq(&[
            "retry",
            "--all-matching",
            "--yes",
            "-o",
            "ndjson",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs = records(&r);
    assert_eq!(recs.len(), 4);
    rx.wait_for("/pair", 7 + 4 + 7).await;
    check(&recs);
    let journaled: Vec<Value> = dlq::bulk::journal::load(&journal)
        .unwrap()
        .outcomes
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect();
    assert_eq!(journaled.len(), 4);
    check(&journaled);
}

/// The server dies mid-run: the run stops after a few calls that cannot reach it, says so in
/// one line naming the URL once and `--resume` once, and the resumed run finishes the rest
/// with nothing delivered twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_stops_when_the_server_is_gone_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dlq::server::ServerConfig {
        db: Some(dir.path().join("dev.db")),
        ..dlq::server::ServerConfig::for_tests()
    };
    let mut dev = Dev::start_with(cfg.clone()).await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/gone", rx.url), 600, &[]).await;
    dev.wait_dlq("/v2/dlq", 600).await;
    recover(&rx);
    let ids = dev.dlq(&["list", "-o", "ids"]).await.out();
    let journal = dir.path().join("gone.ndjson");
    let (url, token, j) = (dev.url.clone(), dev.token.clone(), journal.clone());
    let run = tokio::spawn(async move {
        dlq_with_stdin(
            &url,
            Some(&token),
            &[
                "retry",
                "-",
                "--yes",
                "--rate",
                "100",
                "-o",
                "ndjson",
                "--journal",
                j.to_str().unwrap(),
            ],
            &[],
            Some(ids.as_bytes()),
        )
        .await
    });
    rx.wait_for("/gone", 600 + 150).await;
    dev.stop().await;
    let r = run.await.unwrap();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stderr.matches(&dev.url).count(), 1, "{}", r.stderr);
    assert_eq!(r.stderr.matches("--resume").count(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("could not be reached"), "{}", r.stderr);
    assert!(r.stderr.lines().all(|l| l.len() < 300), "{}", r.stderr);
    let failed = records(&r)
        .iter()
        .filter(|o| o["outcome"] == "failed")
        .count();
    assert!(
        failed <= 400,
        "stopped soon after the server went: {failed} failed"
    );
    assert!(r.stderr.contains("not attempted"), "{}", r.stderr);

    let port: u16 = dev.url.rsplit(':').next().unwrap().parse().unwrap();
    let dev = Dev::start_with(dlq::server::ServerConfig { port, ..cfg }).await;
    let r = dev
        .dlq(&[
            "retry",
            "--resume",
            journal.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    rx.wait_for("/gone", 1200).await;
    settle().await;
    let d = deliveries(&rx, "/gone");
    assert_eq!(d.len(), 600);
    assert!(
        d.values().all(|n| *n == 2),
        "each delivered once after its retry"
    );
}

/// `--max-failures N` stops within one call's worth of N, however many calls may be in
/// flight at once.
#[tokio::test(flavor = "multi_thread")]
async fn max_failures_stops_within_one_calls_worth() {
    let dev = Dev::start().await;
    let rx = failing().await;
    dev.fail_many(&format!("{}/cap", rx.url), 400, &[]).await;
    dev.wait_dlq("/v2/dlq", 400).await;
    let ids = dev.dlq(&["list", "-o", "ndjson"]).await.out();
    dev.server().faults().set_fault_rate(1.0);
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &[
            "retry",
            "-",
            "--yes",
            "--max-failures",
            "5",
            "--rate",
            "50",
            "--concurrency",
            "4",
            "-o",
            "ndjson",
        ],
        &[],
        Some(ids.as_bytes()),
    )
    .await;
    dev.server().faults().set_fault_rate(0.0);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let failed = records(&r)
        .iter()
        .filter(|o| o["outcome"] == "failed")
        .count();
    assert!(
        (5..5 + 50).contains(&failed),
        "within one call of 50 past the cap: {failed}"
    );
    assert_eq!(dev.dlq_all("/v2/dlq").await.len(), 400);
}

/// `--edit`: the scratch file is its owner's only, in a private directory, and holds no
/// secret; a body declared JSON that no longer is gets a warning; `--wait` follows the copy.
#[tokio::test(flavor = "multi_thread")]
async fn retry_edit_keeps_secrets_out_of_its_file_warns_of_broken_json_and_waits() {
    let dev = Dev::start().await;
    let rx = failing().await;
    let url = format!("{}/orders", rx.url);
    let headers = [
        ("Upstash-Retries", "0"),
        ("Content-Type", "application/json"),
        ("Upstash-Forward-Authorization", "Bearer sk_live_9"),
    ];
    for qty in [-1, -2, -3] {
        dev.publish(&url, &headers, format!(r#"{{"qty":{qty}}}"#))
            .await;
    }
    let dlq = dev.wait_dlq("/v2/dlq", 3).await;
    let id = |qty: &str| {
        dlq.iter()
            .find(|e| e["body"].as_str().unwrap().contains(qty))
            .unwrap()["dlqId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    recover(&rx);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let editor = |name: &str, edit: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\nstat -c %a \"$1\" > {d}/mode\nstat -c %a \"$(dirname \"$1\")\" > {d}/dirmode\ncp \"$1\" {d}/seen\n{edit}\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        p.display().to_string()
    };

    let fix = editor("fix", "sed -i -e 's/\"qty\": -1/\"qty\": 1/' \"$1\"");
    let r = dev
        .dlq_env(
            &["retry", &id("-1"), "--edit", "--yes", "--wait=30s"],
            &[("EDITOR", &fix)],
        )
        .await;
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(
        (read("mode").trim(), read("dirmode").trim()),
        ("600", "700")
    );
    let seen = read("seen");
    assert!(
        !seen.contains("sk_live_9") && seen.contains("Authorization: <hidden, kept>"),
        "{seen}"
    );
    let lines = r.lines();
    assert!(
        lines[0].contains("\tedited\tmsg_") && lines[1].ends_with("\tdelivered"),
        "{lines:?}"
    );
    let got = rx.wait_for("/orders", 4).await;
    assert_eq!(got[3].body, br#"{"qty":1}"#);
    assert_eq!(
        got[3].header("authorization"),
        Some("Bearer sk_live_9"),
        "the kept secret is sent"
    );

    // Broken JSON under a JSON content type: said before it is sent.
    let broken = editor("broken", "sed -i -e 's/\"qty\": -2/\"qty\": 2,/' \"$1\"");
    let r = dev
        .dlq_env(
            &["retry", &id("-2"), "--edit", "--yes"],
            &[("EDITOR", &broken)],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Warning: the body is not valid JSON"),
        "{}",
        r.stderr
    );

    // A text that does not read back: nothing is sent, the original stays.
    let bad = editor("bad", "sed -i -e 's/^Content-Type: /Content-Type /' \"$1\"");
    let r = dev
        .dlq_env(
            &["retry", &id("-3"), "--edit", "--yes"],
            &[("EDITOR", &bad)],
        )
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    assert_eq!(dev.get(&format!("/v2/dlq/{}", id("-3"))).await.0, 200);
}
