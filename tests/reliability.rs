//! Proof that bulk recovery cannot lose or duplicate a message: a run killed with SIGKILL at
//! many points and resumed, the graceful Ctrl-C path, faults during bulk retry and delete, and
//! the dev server under concurrent clients.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Dev, Receiver, dlq_with_stdin};

/// Bodies still in the DLQ, and how many times each body was delivered with success.
async fn states(
    dev: &Dev,
    rx: &Receiver,
    path: &str,
) -> (HashSet<Vec<u8>>, HashMap<Vec<u8>, usize>) {
    let in_dlq: HashSet<Vec<u8>> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["body"].as_str().unwrap().as_bytes().to_vec())
        .collect();
    let mut delivered: HashMap<Vec<u8>, usize> = HashMap::new();
    // The first request of every body failed (it is how it reached the DLQ); later ones succeed.
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    for r in rx.requests_to(path) {
        let n = seen.entry(r.body.clone()).or_default();
        *n += 1;
        if *n > 1 {
            *delivered.entry(r.body).or_default() += 1;
        }
    }
    (in_dlq, delivered)
}

/// Every body is in exactly one state: still in the DLQ, or delivered once. Waits for
/// republished messages in flight to arrive.
async fn assert_exactly_once(
    dev: &Dev,
    rx: &Receiver,
    path: &str,
    bodies: &[Vec<u8>],
    trial: &str,
) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (in_dlq, delivered) = states(dev, rx, path).await;
        let dup: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dup.is_empty(), "{trial}: delivered twice: {dup:?}");
        let both = bodies
            .iter()
            .filter(|b| in_dlq.contains(*b) && delivered.contains_key(*b))
            .count();
        assert_eq!(both, 0, "{trial}: in the DLQ and delivered");
        let lost = bodies
            .iter()
            .filter(|b| !in_dlq.contains(*b) && !delivered.contains_key(*b))
            .count();
        if lost == 0 {
            return in_dlq.len();
        }
        assert!(
            Instant::now() < deadline,
            "{trial}: {lost} entries neither in the DLQ nor delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fill(dev: &Dev, rx: &Receiver, path: &str, n: usize) -> Vec<Vec<u8>> {
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| format!("m-{i:05}").into_bytes()).collect();
    let url = format!("{}{path}", rx.url);
    let mut batch = Vec::new();
    for b in &bodies {
        batch.push(serde_json::json!({ "destination": url, "body": String::from_utf8_lossy(b), "headers": { "Upstash-Retries": "0" } }));
        if batch.len() == 100 {
            let res = dev
                .req(reqwest::Method::POST, "/v2/batch")
                .json(&batch)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
            batch.clear();
        }
    }
    if !batch.is_empty() {
        dev.req(reqwest::Method::POST, "/v2/batch")
            .json(&batch)
            .send()
            .await
            .unwrap();
    }
    dev.wait_dlq("/v2/dlq", n).await;
    bodies
}

fn dlq_cmd(dev: &Dev, home: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"));
    c.args(args)
        .env_clear()
        .env("QSTASH_URL", &dev.url)
        .env("QSTASH_TOKEN", &dev.token)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("DLQ_RETRY_SCALE", crate::support::RETRY_SCALE)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_twenty_points_then_resume_loses_and_duplicates_nothing() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let bodies = fill(&dev, &rx, "/crash", 1000).await;
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("crash.ndjson");
    let journal_s = journal.to_str().unwrap().to_string();
    // 1000 entries at 40 a second (calls of 40): the run lasts about 25 s; kill it at 20 or
    // more points spread across it (a fresh process each time, resuming the journal).
    let mut trials = 0;
    let mut started_fresh = false;
    let mut left = 1000;
    for k in 0..80 {
        if left == 0 {
            break;
        }
        let mut args = vec!["retry", "--yes", "--rate", "40", "--concurrency", "1"];
        if started_fresh {
            args.extend(["--resume", &journal_s]);
        } else {
            args.extend(["--all-matching", "--journal", &journal_s]);
            started_fresh = true;
        }
        let mut child = dlq_cmd(&dev, dir.path(), &args).spawn().unwrap();
        if k == 0 {
            // Let the first run list its selection and write the plan.
            while !journal.exists() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        // Kill points move through a run: start-up, reading the journal, listing, in a call,
        // between calls (5..300 ms in).
        tokio::time::sleep(Duration::from_millis(5 + (k * 29) % 295)).await;
        let running = child.try_wait().ok().flatten().is_none();
        let _ = child.start_kill();
        let _ = child.wait().await;
        if running {
            trials += 1;
        }
        left = assert_exactly_once(&dev, &rx, "/crash", &bodies, &format!("kill {k}")).await;
        if trials >= 20 {
            break;
        }
    }
    assert!(trials >= 20, "only {trials} kills");
    // The final resume finishes everything.
    let out = dlq_cmd(
        &dev,
        dir.path(),
        &["retry", "--resume", &journal_s, "-o", "ndjson"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left = assert_exactly_once(&dev, &rx, "/crash", &bodies, "final").await;
    assert_eq!(left, 0, "the resumed run finished them all");
    let (_, delivered) = states(&dev, &rx, "/crash").await;
    assert_eq!(delivered.len(), 1000);
    assert!(delivered.values().all(|n| *n == 1));
    let loaded = dlq::bulk::journal::load(&journal).unwrap();
    assert_eq!(loaded.done.len(), 1000);
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        !text.contains(&dev.token),
        "the journal never holds the token"
    );
}

/// Sends SIGINT (as Ctrl-C does) `after_ms` after the run journaled its first outcome.
async fn interrupt_after_first_outcome(
    child: &tokio::process::Child,
    journal: &std::path::Path,
    after_ms: u64,
) {
    for _ in 0..4000 {
        let text = std::fs::read_to_string(journal).unwrap_or_default();
        if text.contains("\"type\":\"outcome\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(after_ms)).await;
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A `retry --all-matching` of `n` entries stopped by SIGINT once its first outcome is
/// journaled (and `interrupt_after_ms` more); checks what every interrupted run must leave: exit 130, a journal holding exactly
/// the printed records, and each entry either retried once or still in the DLQ.
struct Interrupted {
    dir: tempfile::TempDir,
    journal: std::path::PathBuf,
    bodies: Vec<Vec<u8>>,
    stderr: String,
    records: usize,
}

async fn interrupt_a_retry(
    dev: &Dev,
    rx: &Receiver,
    path: &str,
    n: usize,
    rate: &str,
    concurrency: &str,
    interrupt_after_ms: u64,
) -> Interrupted {
    let bodies = fill(dev, rx, path, n).await;
    rx.set(|_, _| (200, vec![], b"ok".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("interrupted.ndjson");
    let child = dlq_cmd(
        dev,
        dir.path(),
        &[
            "retry",
            "--all-matching",
            "--yes",
            "--rate",
            rate,
            "--concurrency",
            concurrency,
            "-o",
            "ndjson",
            "--journal",
            journal.to_str().unwrap(),
        ],
    )
    .spawn()
    .unwrap();
    interrupt_after_first_outcome(&child, &journal, interrupt_after_ms).await;
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        records.len() < n,
        "calls left after the interrupt: {} retried",
        records.len()
    );
    // The journal holds exactly what was done, as the printed records say.
    let loaded = dlq::bulk::journal::load(&journal).unwrap();
    assert_eq!(
        loaded.outcomes.len(),
        records.len(),
        "the journal matches the records"
    );
    // Nothing was retried that the journal does not know of.
    let left = assert_exactly_once(dev, rx, path, &bodies, "after SIGINT").await;
    assert_eq!(left, n - records.len());
    Interrupted {
        dir,
        journal,
        bodies,
        stderr,
        records: records.len(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_gracefully_with_exit_130_and_a_complete_journal() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    // One call of 100 at a time, 200 entries a second: the interrupt comes between calls.
    let run = interrupt_a_retry(&dev, &rx, "/int", 600, "200", "1", 200).await;
    assert!(
        run.stderr.contains("Interrupted") && run.stderr.contains("--resume"),
        "{}",
        run.stderr
    );
    assert!(run.records > 0);
    let out = dlq_cmd(
        &dev,
        run.dir.path(),
        &["retry", "--resume", run.journal.to_str().unwrap()],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        assert_exactly_once(&dev, &rx, "/int", &run.bodies, "resumed").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_delete_under_faults_accounts_for_every_entry() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    fill(&dev, &rx, "/del", 1000).await;
    let ids: Vec<String> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    dev.server().faults().set_fault_rate(0.3);
    dev.server().faults().set_rate_limit(20);
    let stdin = ids.join("\n");
    let r = dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["delete", "-", "--yes", "-o", "ndjson"],
        &[],
        Some(stdin.as_bytes()),
    )
    .await;
    dev.server().faults().set_fault_rate(0.0);
    dev.server().faults().set_rate_limit(0);
    let recs: Vec<Value> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 1000, "{}", r.stderr);
    let ids_seen: HashSet<&str> = recs.iter().map(|o| o["dlqId"].as_str().unwrap()).collect();
    assert_eq!(ids_seen.len(), 1000, "one record per id");
    let failed: HashSet<&str> = recs
        .iter()
        .filter(|o| o["outcome"] == "failed")
        .map(|o| o["dlqId"].as_str().unwrap())
        .collect();
    let gone = recs
        .iter()
        .filter(|o| o["outcome"] == "deleted" || o["outcome"] == "not_found")
        .count();
    assert_eq!(failed.len() + gone, 1000);
    let left: HashSet<String> = dev
        .dlq_all("/v2/dlq")
        .await
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();
    let failed_owned: HashSet<String> = failed.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        left, failed_owned,
        "exactly the failed ones are still there"
    );
    let expected = if failed.is_empty() { 0 } else { 3 };
    assert_eq!(r.code, expected, "{}", r.stderr);
    // The client paces itself by the rate-limit headers, so 429s may not even happen.
    let injected = dev.server().faults().injected();
    assert!(injected > 0, "no faults were injected");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_clients_leave_the_store_consistent() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let url = format!("{}/cc", rx.url);
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (http, base, token, url) = (
            dev.http.clone(),
            dev.url.clone(),
            dev.token.clone(),
            url.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                let res = http
                    .post(format!("{base}/v2/publish/{url}"))
                    .bearer_auth(&token)
                    .header("Upstash-Retries", "0")
                    .body(format!("t{t}-{i}"))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        }));
    }
    // Meanwhile: list, retry and delete from other clients.
    let mut retried = 0;
    let mut deleted = 0;
    for round in 0..30 {
        let page: Value = dev.get("/v2/dlq?count=10").await.1;
        let ids: Vec<String> = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["dlqId"].as_str().unwrap().to_string())
            .collect();
        if let Some(first) = ids.first() {
            let (s, _) = dev
                .call(reqwest::Method::POST, &format!("/v2/dlq/retry/{first}"))
                .await;
            if s == 201 {
                retried += 1;
            }
        }
        if let Some(second) = ids.get(1)
            && round % 2 == 0
        {
            let (s, _) = dev
                .call(reqwest::Method::DELETE, &format!("/v2/dlq/{second}"))
                .await;
            if s == 200 {
                deleted += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 400 published; each retry adds one more failing delivery (retries kept at 0) that comes
    // back to the DLQ; each delete removes one for good.
    let expected = 400 - deleted;
    let all = dev.wait_dlq("/v2/dlq", expected).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all2 = dev.dlq_all("/v2/dlq").await;
    assert_eq!(all.len(), all2.len(), "settled");
    assert_eq!(all2.len(), expected, "retried {retried}, deleted {deleted}");
    let unique: HashSet<&str> = all2.iter().map(|e| e["dlqId"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), all2.len(), "no duplicate ids");
    let bodies: HashSet<&str> = all2.iter().map(|e| e["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), expected, "each message is in the DLQ once");
    assert_eq!(rx.requests_to("/cc").len(), 400 + retried);
}

/// A `dlq dev` subprocess on a random port with a `--db` file.
struct DevProcess {
    child: tokio::process::Child,
    url: String,
    stderr: tokio::task::JoinHandle<String>,
}

impl DevProcess {
    async fn start(db: &std::path::Path, extra: &[&str]) -> DevProcess {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
            .args(["dev", "--port", "0", "--db"])
            .arg(db)
            .args(extra)
            .env_clear()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next_line().await.unwrap().unwrap();
        let url = first
            .strip_prefix("export QSTASH_URL=")
            .unwrap()
            .to_string();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut err = child.stderr.take().unwrap();
        let stderr = tokio::spawn(async move {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s).await;
            s
        });
        DevProcess { child, url, stderr }
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.id().unwrap().to_string();
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    async fn wait(mut self) -> (std::process::ExitStatus, String) {
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("dlq dev did not stop")
            .unwrap();
        (status, self.stderr.await.unwrap())
    }
}

async fn publish_batch(url: &str, dest: &str, n: usize) {
    let items: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"destination": dest, "body": format!("m{i}")}))
        .collect();
    let res = reqwest::Client::new()
        .post(format!("{url}/v2/batch"))
        .bearer_auth(dlq::server::DEFAULT_TOKEN)
        .json(&items)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
}

/// Message id → how many times the receiver got it.
fn deliveries(rx: &Receiver) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rx.requests() {
        *m.entry(r.header("upstash-message-id").unwrap().to_string())
            .or_insert(0) += 1;
    }
    m
}

async fn wait_delivered(rx: &Receiver, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while deliveries(rx).len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} delivered",
            deliveries(rx).len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_stops_gracefully_on_sigterm_and_a_restart_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dev.db");
    let rx = Receiver::always(200).await;
    rx.set_delay(Duration::from_millis(300));
    let n = 120;

    // SIGTERM while deliveries are in flight: they finish and are recorded.
    let dev = DevProcess::start(&db, &[]).await;
    publish_batch(&dev.url, &format!("{}/a", rx.url), n).await;
    while rx.requests().len() < 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dev.signal("-TERM");
    let (status, stderr) = dev.wait().await;
    assert!(status.success(), "{status:?} {stderr}");
    assert!(stderr.contains("deliveries in flight finish"), "{stderr}");
    let dev = DevProcess::start(&db, &["-v"]).await;
    wait_delivered(&rx, n).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let twice: Vec<_> = deliveries(&rx)
        .into_iter()
        .filter(|(_, c)| *c > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "delivered again after a graceful stop: {twice:?}"
    );

    // -v logs each request and delivery, never the token.
    publish_batch(&dev.url, &format!("{}/v", rx.url), 1).await;
    wait_delivered(&rx, n + 1).await;
    let res = reqwest::Client::new()
        .get(format!("{}/v2/dlq?count=5", dev.url))
        .bearer_auth(dlq::server::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    dev.signal("-INT");
    let (status, stderr) = dev.wait().await;
    assert!(status.success());
    assert!(stderr.contains("GET /v2/dlq?count=5 -> 200"), "{stderr}");
    assert!(stderr.contains("dlq dev: deliver msg_"), "{stderr}");
    assert!(!stderr.contains(dlq::server::DEFAULT_TOKEN));

    // SIGKILL: at most the deliveries in flight at that moment are sent again.
    let before = rx.requests().len();
    let dev = DevProcess::start(&db, &[]).await;
    publish_batch(&dev.url, &format!("{}/b", rx.url), n).await;
    while rx.requests().len() < before + 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dev.signal("-KILL");
    let killed_at = Instant::now();
    dev.wait().await;
    // In flight: not answered yet, or answered just before the kill (not yet recorded).
    let in_flight: HashSet<String> = rx
        .requests_answered()
        .into_iter()
        .filter(|(_, at)| at.is_none_or(|t| t + Duration::from_millis(100) > killed_at))
        .map(|(r, _)| r.header("upstash-message-id").unwrap().to_string())
        .collect();
    let _dev = DevProcess::start(&db, &[]).await;
    wait_delivered(&rx, 2 * n + 1).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    for (id, count) in deliveries(&rx) {
        if count > 1 {
            assert!(
                in_flight.contains(&id),
                "{id} was delivered {count} times but was not in flight at the kill"
            );
            assert_eq!(count, 2, "{id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_calls_waiting_on_the_rate_limiter() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    // Three calls of 100 at 100 a second, four workers: two wait on the limiter when Ctrl-C
    // comes, and neither may be sent after it.
    interrupt_a_retry(&dev, &rx, "/rate", 300, "100", "4", 300).await;
}
