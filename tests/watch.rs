//! `dlq watch` against `dlq dev`: new entries printed once as they arrive, exit codes for CI,
//! API failures survived.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Dev, Receiver};

pub(crate) fn watch(dev: &Dev, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .arg("watch")
        .args(args)
        .env("QSTASH_URL", &dev.url)
        .env("QSTASH_TOKEN", &dev.token)
        .env("DLQ_RETRY_SCALE", crate::support::RETRY_SCALE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

pub(crate) async fn finish(child: tokio::process::Child) -> (i32, Vec<Value>, String) {
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("watch ended")
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn new_entries_are_printed_once_and_the_timeout_says_whether_any_came() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/old", rx.url), 2, &[]).await;
    dev.wait_dlq("/v2/dlq", 2).await;
    let child = watch(
        &dev,
        &["-o", "ndjson", "--interval", "100ms", "--timeout", "2500ms"],
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    dev.fail_many(&format!("{}/new", rx.url), 3, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("3 new DLQ entries arrived"), "{stderr}");
    assert_eq!(lines.len(), 3, "only the arrivals, once each: {lines:?}");
    let mut ids: Vec<&str> = lines.iter().map(|e| e["dlqId"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert!(lines.iter().all(|e| e["url"] == format!("{}/new", rx.url)));

    // Nothing new: exit 0 when the time is up.
    let (code, lines, stderr) =
        finish(watch(&dev, &["--interval", "100ms", "--timeout", "500ms"])).await;
    assert_eq!((code, lines.len()), (0, 0), "{stderr}");

    // Filters apply: only the arrival at the filtered URL is printed.
    let child = watch(
        &dev,
        &[
            "--url",
            &format!("{}/only", rx.url),
            "-o",
            "ndjson",
            "--interval",
            "100ms",
            "--timeout",
            "1500ms",
        ],
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    dev.fail_many(&format!("{}/other", rx.url), 1, &[]).await;
    dev.fail_many(&format!("{}/only", rx.url), 1, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    assert_eq!((code, lines.len()), (3, 1), "{stderr}");
    assert_eq!(lines[0]["url"], format!("{}/only", rx.url));
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_on_first_ends_the_watch_when_an_entry_arrives() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let started = std::time::Instant::now();
    let child = watch(
        &dev,
        &["--exit-on-first", "--interval", "100ms", "--timeout", "60s"],
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    dev.fail_many(&format!("{}/first", rx.url), 1, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(lines.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it did not wait for --timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_survives_a_failing_api_and_prints_nothing_twice() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let child = watch(
        &dev,
        &["--interval", "100ms", "--timeout", "3s", "-o", "ndjson"],
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    dev.fail_many(&format!("{}/a", rx.url), 2, &[]).await;
    dev.server().faults().set_fault_rate(1.0);
    tokio::time::sleep(Duration::from_millis(900)).await;
    dev.server().faults().set_fault_rate(0.0);
    dev.fail_many(&format!("{}/b", rx.url), 1, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("reading the DLQ failed"), "{stderr}");
    assert!(stderr.contains("trying again in"), "{stderr}");
    assert_eq!(lines.len(), 3, "each arrival once: {lines:?}");
}

/// `--timeout` shorter than `--interval`: the watch looks once more at the deadline, so an
/// entry that arrived between looks is seen (exit 3), never a false green.
#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_looks_at_the_deadline_before_it_says_nothing_came() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let child = watch(&dev, &["-o", "ndjson", "--timeout", "1500ms"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    dev.fail_many(&format!("{}/between", rx.url), 1, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

/// On a terminal an arrival's age is told from when it is printed, not from when the watch
/// began ("just now", never "in 6s").
#[tokio::test(flavor = "multi_thread")]
async fn ages_are_told_from_now_not_from_the_start_of_the_watch() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .args([
            "watch",
            "--interval",
            "200ms",
            "--exit-on-first",
            "--timeout",
            "30s",
        ])
        .env("QSTASH_URL", &dev.url)
        .env("QSTASH_TOKEN", &dev.token)
        .env("DLQ_FORCE_TTY", "1")
        .env_remove("DLQ_NOW_MS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(6500)).await;
    dev.fail_many(&format!("{}/late", rx.url), 1, &[]).await;
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("just now") && !text.contains(" in "),
        "{text}"
    );
}

/// A look costs a call when nothing arrived, however large the DLQ: the logs' dead-letter
/// events since the last look say what is new (reading 3,000 entries takes 30 calls a look).
#[tokio::test(flavor = "multi_thread")]
async fn a_look_costs_in_proportion_to_what_arrived_not_to_the_dlq() {
    let dev = Dev::start().await;
    dev.fail_batched("big", 3000, Duration::ZERO).await;
    dev.wait_dlq("/v2/dlq", 3000).await;
    // Entries that have been there a while (the last seconds' events are read at each look).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let rx = Receiver::always(500).await;
    let before = dev.server().faults().requests();
    let child = watch(
        &dev,
        &["-o", "ndjson", "--interval", "500ms", "--timeout", "3s"],
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    dev.fail_many(&format!("{}/late", rx.url), 2, &[]).await;
    let (code, lines, stderr) = finish(child).await;
    let calls = dev.server().faults().requests() - before;
    assert_eq!((code, lines.len()), (3, 2), "{stderr}");
    assert!(lines.iter().all(|e| e["url"] == format!("{}/late", rx.url)));
    // Start, about six looks, two arrivals (the publishes of `fail_many` counted too).
    eprintln!("watch: {calls} calls for a 3 s watch over 3,000 entries");
    assert!(calls <= 20, "{calls} calls for a 3 s watch");
}
