//! `dlq import` against `dlq dev`: export → delete → import → import again delivers each
//! message exactly once; a damaged export sends nothing; --to, --dry-run, filters.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Dev, Receiver, Run};

fn isolated(dev: &Dev, home: &std::path::Path) -> impl Fn(&[&str]) -> tokio::process::Command {
    let (url, token, home) = (dev.url.clone(), dev.token.clone(), home.to_path_buf());
    move |args: &[&str]| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"));
        c.args(args)
            .env("QSTASH_URL", &url)
            .env("QSTASH_TOKEN", &token)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("HOME", &home)
            .env("DLQ_RETRY_SCALE", crate::support::RETRY_SCALE)
            .stdin(std::process::Stdio::null());
        c
    }
}

async fn run(mut c: tokio::process::Command) -> Run {
    let out = c.output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn bodies(rx: &Receiver, path: &str) -> HashMap<Vec<u8>, usize> {
    let mut m = HashMap::new();
    for r in rx.requests_to(path) {
        *m.entry(r.body).or_default() += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn export_delete_import_import_again_delivers_each_message_once() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.publish(
        &format!("{}/orders", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Upstash-Method", "PUT"),
            ("Content-Type", "application/octet-stream"),
            ("Upstash-Forward-X-Trace", "t-1"),
            ("Upstash-Forward-Authorization", "Bearer s3cret"),
        ],
        vec![0u8, 255, 1],
    )
    .await;
    dev.fail_many(
        &format!("{}/orders", rx.url),
        4,
        &[("Upstash-Label", "orders")],
    )
    .await;
    dev.wait_dlq("/v2/dlq", 5).await;
    let home = tempfile::tempdir().unwrap();
    let dlq = isolated(&dev, home.path());
    let file = home.path().join("outage.ndjson.gz");
    let f = file.to_str().unwrap();
    let r = run(dlq(&["export", "--include-secrets", "-o", f])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(dlq(&["delete", "--all-matching", "--yes"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/dlq").await.is_empty());
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let failed_before = rx.requests_to("/orders").len();

    // A preview sends nothing.
    let r = run(dlq(&["import", f, "--dry-run"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.lines().len(), 5);
    assert!(r.out().contains("would publish PUT"), "{}", r.out());
    assert!(
        !r.out().contains("\\t"),
        "cells apart by a tab, not a literal \\t"
    );
    let mut previewed: Vec<String> = r
        .lines()
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();

    let r = run(dlq(&["import", f, "--yes", "-o", "ndjson"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs: Vec<Value> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 5);
    assert!(recs.iter().all(|o| o["outcome"] == "imported"), "{recs:?}");
    let mut imported: Vec<String> = recs
        .iter()
        .map(|o| o["dlqId"].as_str().unwrap().to_string())
        .collect();
    previewed.sort();
    imported.sort();
    assert_eq!(
        previewed, imported,
        "the dry run named what the import published"
    );
    // Again: nothing to do (its journal), and even without the journal QStash deduplicates.
    let r = run(dlq(&["import", f, "--yes"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("imported before"), "{}", r.stderr);
    let other_journal = home.path().join("second.ndjson");
    let r = run(dlq(&[
        "import",
        f,
        "--yes",
        "--journal",
        other_journal.to_str().unwrap(),
        "-o",
        "ndjson",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs: Vec<Value> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        recs.iter().all(|o| o["outcome"] == "already_imported"),
        "deduplicated by the id derived from the dlqId: {recs:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let delivered: Vec<_> = rx.requests_to("/orders")[failed_before..].to_vec();
    assert_eq!(delivered.len(), 5, "each message delivered exactly once");
    let once = bodies(&rx, "/orders");
    assert!(
        delivered.iter().all(|d| once[&d.body] == 2),
        "one failure, one delivery each"
    );
    let bin = delivered
        .iter()
        .find(|d| d.body == vec![0u8, 255, 1])
        .unwrap();
    assert_eq!(bin.method, "PUT");
    assert_eq!(bin.header("x-trace"), Some("t-1"));
    assert_eq!(bin.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(bin.header("content-type"), Some("application/octet-stream"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_export_sends_nothing_and_to_rewrites_destinations() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/prod", rx.url), 3, &[("Upstash-Label", "a")])
        .await;
    dev.fail_many(&format!("{}/prod", rx.url), 2, &[("Upstash-Label", "b")])
        .await;
    dev.wait_dlq("/v2/dlq", 5).await;
    let home = tempfile::tempdir().unwrap();
    let dlq = isolated(&dev, home.path());
    let file = home.path().join("x.ndjson");
    let f = file.to_str().unwrap();
    assert_eq!(run(dlq(&["export", "-o", f])).await.code, 0);
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let before = rx.requests().len();

    // An edited entry: refused, nothing sent.
    let text = std::fs::read_to_string(&file).unwrap();
    let damaged = home.path().join("damaged.ndjson");
    std::fs::write(&damaged, text.replacen("\"n\\\":0", "\"n\\\":9", 1)).unwrap();
    let r = run(dlq(&["import", damaged.to_str().unwrap(), "--yes"])).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("checksum") && r.stderr.contains("nothing was sent"),
        "{}",
        r.stderr
    );
    // Cut short: refused.
    let cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&damaged, cut).unwrap();
    let r = run(dlq(&["import", damaged.to_str().unwrap(), "--yes"])).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no trailer"), "{}", r.stderr);
    assert_eq!(rx.requests().len(), before, "nothing was sent");

    // Filters select from the file; --to sends to staging.
    let staging = format!("{}/staging", rx.url);
    let to_staging = |more: &[&str]| {
        let mut args = vec!["import", f, "--label", "b", "--to", &staging, "--yes"];
        args.extend_from_slice(more);
        run(dlq(&args))
    };
    let r = to_staging(&[]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.requests_to("/staging").len(), 2);
    assert_eq!(rx.requests().len(), before + 2);
    // --resume continues an earlier import; there is none with these filters.
    let r = run(dlq(&["import", f, "--label", "a", "--resume", "--yes"])).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no earlier import"), "{}", r.stderr);
    let r = to_staging(&["--resume"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("imported before"), "{}", r.stderr);
    // Off a terminal an import needs --yes.
    let r = run(dlq(&["import", f])).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
}
