//! Executing a bulk run's calls: chunks of ids, bounded concurrency, a rate cap, the journal,
//! and exact per-id outcomes. Relies on the API's retry being "republish and remove" in one
//! step, so a second retry of the same id answers 404 instead of publishing a duplicate.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use parking_lot::Mutex;

use super::{Action, Halt, Outcome, Progress, Status, StopFlag, journal};
use crate::client::{ApiError, Client, DlqFilter, DlqKind, Headers};

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    pub action: Action,
    pub kind: DlqKind,
    /// Override headers (`Upstash-Retries`, …).
    pub headers: Headers,
    pub concurrency: usize,
    /// Entries per second; None = no cap.
    pub rate: Option<f64>,
    /// Stop issuing calls after this many failed entries.
    pub max_failures: Option<u64>,
    /// Failures counted elsewhere toward `max_failures` (`--wait`: retried entries that
    /// failed again).
    pub failed_elsewhere: Option<Arc<AtomicU64>>,
}

struct RateLimiter {
    per_sec: f64,
    next: Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    async fn acquire(&self, n: usize) {
        let start = {
            let mut next = self.next.lock();
            let now = tokio::time::Instant::now();
            let start = (*next).max(now);
            *next = start + Duration::from_secs_f64(n as f64 / self.per_sec);
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

/// Runs `ids`, appending every outcome to `journal` (if any) as responses arrive. Returns the
/// outcomes and why it stopped early, if it did.
pub async fn run(
    client: &Client,
    ids: Vec<String>,
    opts: &RunOptions,
    journal: Option<&Mutex<journal::Journal>>,
    progress: &dyn Progress,
    stop: &StopFlag,
) -> (Vec<Outcome>, Option<Halt>, Option<std::io::Error>) {
    run_stream(
        client,
        futures::stream::iter([ids]),
        opts,
        journal,
        progress,
        stop,
    )
    .await
}

/// [`run`] over ids that arrive as the run goes (a listing read side by side with the calls):
/// calls start as soon as a chunk's worth is known.
pub async fn run_stream(
    client: &Client,
    ids: impl futures::Stream<Item = Vec<String>>,
    opts: &RunOptions,
    journal: Option<&Mutex<journal::Journal>>,
    progress: &dyn Progress,
    stop: &StopFlag,
) -> (Vec<Outcome>, Option<Halt>, Option<std::io::Error>) {
    // With a rate cap, a call carries at most a second's worth of entries, so the receiving
    // service sees a steady trickle rather than bursts of 100.
    let chunk = match opts.rate {
        Some(r) => opts.action.chunk(opts.kind).min((r.ceil() as usize).max(1)),
        None => opts.action.chunk(opts.kind),
    };
    let chunks = ids.flat_map(futures::stream::iter).chunks(chunk);
    let failures = AtomicU64::new(0);
    let halted: Mutex<Option<Halt>> = Mutex::new(None);
    let journal_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let limiter = opts.rate.map(|r| RateLimiter {
        per_sec: r,
        next: Mutex::new(tokio::time::Instant::now()),
    });
    let results: Vec<Vec<Outcome>> = chunks
        .map(|c| {
            let (failures, halted, journal_error, limiter) =
                (&failures, &halted, &journal_error, &limiter);
            async move {
                // Checked before each call: nothing new is sent after Ctrl-C, the circuit
                // breaker, or a journal that cannot be written.
                if stop.stopped() {
                    halted.lock().get_or_insert(Halt::Interrupted);
                    return Vec::new();
                }
                if opts.max_failures.is_some_and(|m| {
                    failures.load(Ordering::SeqCst)
                        + opts
                            .failed_elsewhere
                            .as_ref()
                            .map_or(0, |f| f.load(Ordering::SeqCst))
                        >= m
                }) {
                    halted.lock().get_or_insert(Halt::TooManyFailures);
                    return Vec::new();
                }
                if journal_error.lock().is_some() {
                    return Vec::new();
                }
                if let Some(l) = limiter {
                    l.acquire(c.len()).await;
                    // A call that waited for its turn must not leave after Ctrl-C.
                    if stop.stopped() {
                        halted.lock().get_or_insert(Halt::Interrupted);
                        return Vec::new();
                    }
                }
                let out = process(client, &c, opts).await;
                if let Some(j) = journal
                    && let Err(e) = j.lock().outcomes(&out)
                {
                    journal_error.lock().get_or_insert(e);
                }
                let f = out.iter().filter(|o| o.status == Status::Failed).count() as u64;
                failures.fetch_add(f, Ordering::SeqCst);
                progress.advance(&out);
                out
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let halt = *halted.lock();
    let jerr = journal_error.lock().take();
    (results.into_iter().flatten().collect(), halt, jerr)
}

/// Why a failure function cannot be re-run, from the entry's state, and what to do instead.
async fn callback_refused(client: &Client, id: &str, api_message: &str) -> String {
    let state = match client.dlq_get(DlqKind::Workflow, id).await {
        Ok(e) => e.failure_function_state,
        Err(_) => None,
    };
    match state.as_deref() {
        Some("CALLBACK_SUCCESS") => format!(
            "its failure function already succeeded (CALLBACK_SUCCESS): only a failed one (CALLBACK_FAIL) is re-run; to run the workflow again: dlq retry {id} (resume) or dlq retry --restart {id}"
        ),
        Some("CALLBACK_INPROGRESS") => format!(
            "its failure function is still running (CALLBACK_INPROGRESS): wait until it ends (dlq show {id})"
        ),
        Some("CALLBACK_CANCELED") => format!(
            "its failure function was cancelled (CALLBACK_CANCELED) and cannot be re-run; resume or restart the run: dlq retry {id}"
        ),
        None => format!(
            "the run has no failure function (failureFunction or failureUrl) to re-run; resume or restart it: dlq retry {id}"
        ),
        Some(other) => format!("the API refused ({other}): {api_message}"),
    }
}

/// One chunk: the call, then exact per-id outcomes.
async fn process(client: &Client, ids: &[String], opts: &RunOptions) -> Vec<Outcome> {
    let mut todo: Vec<String> = ids.to_vec();
    let mut out = Vec::with_capacity(ids.len());
    let mut last_error: Option<String> = None;
    // A 404 on a bulk call means some ids are gone: find them, then try the rest again.
    for round in 0..5 {
        if todo.is_empty() {
            break;
        }
        match call(client, &todo, opts).await {
            Ok(mut done) => {
                out.append(&mut done);
                return out;
            }
            Err(e) if e.is_not_found() => {
                if todo.len() == 1 {
                    out.push(Outcome::not_found(&todo[0]));
                    return out;
                }
                match existing_patiently(client, &todo, opts.kind).await {
                    Ok(present) => {
                        let (keep, gone): (Vec<String>, Vec<String>) =
                            todo.into_iter().partition(|i| present.contains(i));
                        out.extend(gone.iter().map(|i| Outcome::not_found(i)));
                        todo = keep;
                    }
                    Err(e2) => {
                        out.extend(todo.iter().map(|i| Outcome::failed(i, e2.to_string())));
                        return out;
                    }
                }
            }
            Err(e) if e.outcome_unknown() => {
                // The answer was lost and the call may have been applied: what left the DLQ
                // was handled by it (its new id is unknown); what is still there is tried
                // again, and fails only when the API keeps failing.
                last_error = Some(e.to_string());
                match existing_patiently(client, &todo, opts.kind).await {
                    Ok(present) => {
                        let (keep, gone): (Vec<String>, Vec<String>) =
                            todo.into_iter().partition(|i| present.contains(i));
                        for i in &gone {
                            out.push(if opts.action == Action::Delete {
                                Outcome::deleted(i)
                            } else {
                                Outcome::retried(i, None, None)
                            });
                        }
                        todo = keep;
                        tokio::time::sleep(Duration::from_millis(100 * (round as u64 + 1))).await;
                    }
                    Err(e2) => {
                        // Neither the call's answer nor the DLQ's state could be read: the
                        // entry may or may not have been retried. Say so; `dlq show` or a
                        // `--resume` (which answers not_found for what is gone) settles it.
                        let why =
                            format!("outcome unknown: {e}; and checking the DLQ failed: {e2}");
                        out.extend(todo.iter().map(|i| Outcome::failed(i, why.clone())));
                        return out;
                    }
                }
            }
            Err(e) => {
                out.extend(todo.iter().map(|i| Outcome::failed(i, e.to_string())));
                return out;
            }
        }
    }
    let why =
        last_error.unwrap_or_else(|| "the DLQ kept changing under this call; try again".into());
    out.extend(todo.iter().map(|i| Outcome::failed(i, why.clone())));
    out
}

async fn call(
    client: &Client,
    ids: &[String],
    opts: &RunOptions,
) -> Result<Vec<Outcome>, ApiError> {
    match opts.action {
        // Archived entries are published by `dlq import` itself (they are not in the DLQ).
        Action::Import => Err(ApiError::Decode(
            "an import is run by `dlq import FILE`, not from DLQ ids".into(),
        )),
        Action::Retry if ids.len() == 1 => {
            let r = client.retry_one(&ids[0], &opts.headers).await?;
            Ok(vec![Outcome::retried(&ids[0], Some(r.message_id), None)])
        }
        Action::Retry => {
            let r = client.retry_bulk(ids, &opts.headers).await?;
            if r.responses.len() == ids.len() {
                // Answers come in the order of the ids sent.
                Ok(ids
                    .iter()
                    .zip(r.responses)
                    .map(|(i, m)| Outcome::retried(i, Some(m.message_id), None))
                    .collect())
            } else {
                settle_partial(client, ids, opts.kind).await
            }
        }
        Action::Resume | Action::Restart if ids.len() == 1 => {
            let r = client
                .workflow_rerun_one(opts.action.name(), &ids[0], &opts.headers)
                .await?;
            Ok(vec![Outcome::retried(
                &ids[0],
                None,
                Some(r.workflow_run_id),
            )])
        }
        Action::Resume | Action::Restart => {
            let r = client
                .workflow_rerun_bulk(opts.action.name(), ids, &opts.headers)
                .await?;
            if r.workflow_runs.len() == ids.len() {
                Ok(ids
                    .iter()
                    .zip(r.workflow_runs)
                    .map(|(i, w)| Outcome::retried(i, None, Some(w.workflow_run_id)))
                    .collect())
            } else {
                settle_partial(client, ids, opts.kind).await
            }
        }
        Action::Callback => {
            let mut out = Vec::new();
            for i in ids {
                match client.workflow_callback(i).await {
                    Ok(r) => out.push(Outcome::retried(i, None, Some(r.workflow_run_id))),
                    Err(ApiError::BadRequest { message, .. }) => out.push(Outcome::refused(
                        i,
                        callback_refused(client, i, &message).await,
                    )),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }
        Action::Delete if opts.kind == DlqKind::Workflow || ids.len() == 1 => {
            let mut out = Vec::new();
            for i in ids {
                match client.delete_one(opts.kind, i).await {
                    Ok(()) => out.push(Outcome::deleted(i)),
                    Err(e) if e.is_not_found() => out.push(Outcome::not_found(i)),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }
        Action::Delete => {
            // Which ids are there decides deleted vs. already gone; a bulk delete of missing
            // ids is not an error, so the count alone cannot tell.
            let present = existing(client, ids, opts.kind).await?;
            let todo: Vec<String> = ids
                .iter()
                .filter(|i| present.contains(*i))
                .cloned()
                .collect();
            let mut out: Vec<Outcome> = ids
                .iter()
                .filter(|i| !present.contains(*i))
                .map(|i| Outcome::not_found(i))
                .collect();
            if !todo.is_empty() {
                let r = client.delete_bulk(opts.kind, &todo).await?;
                if r.deleted as usize == todo.len() {
                    out.extend(todo.iter().map(|i| Outcome::deleted(i)));
                } else {
                    let still = existing_patiently(client, &todo, opts.kind).await?;
                    for i in &todo {
                        if still.contains(i) {
                            out.push(Outcome::failed(i, "the API did not delete it".into()));
                        } else {
                            out.push(Outcome::deleted(i));
                        }
                    }
                }
            }
            Ok(out)
        }
    }
}

/// A bulk answer with fewer results than ids: what is gone was handled (its new id is not
/// known); what is still there failed.
async fn settle_partial(
    client: &Client,
    ids: &[String],
    kind: DlqKind,
) -> Result<Vec<Outcome>, ApiError> {
    let still = existing(client, ids, kind).await?;
    Ok(ids
        .iter()
        .map(|i| {
            if still.contains(i) {
                Outcome::failed(i, "not retried by the bulk call".into())
            } else {
                Outcome::retried(i, None, None)
            }
        })
        .collect())
}

/// [`existing`], asked again a few times: after a call whose answer was lost, knowing what
/// happened matters more than a few seconds (it is a read, so asking again is safe).
async fn existing_patiently(
    client: &Client,
    ids: &[String],
    kind: DlqKind,
) -> Result<HashSet<String>, ApiError> {
    let mut last = None;
    for round in 0..4u64 {
        match existing(client, ids, kind).await {
            Ok(p) => return Ok(p),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(250 * (round + 1))).await;
    }
    Err(last.unwrap_or_else(|| ApiError::Decode("no answer".into())))
}

/// Which of `ids` are still in the DLQ.
pub async fn existing(
    client: &Client,
    ids: &[String],
    kind: DlqKind,
) -> Result<HashSet<String>, ApiError> {
    let mut present = HashSet::new();
    match kind {
        DlqKind::Qstash => {
            for chunk in ids.chunks(100) {
                let f = DlqFilter {
                    dlq_ids: chunk.to_vec(),
                    ..DlqFilter::default()
                };
                let page = client.dlq_page(kind, &f, None, 100).await?;
                present.extend(page.messages.into_iter().map(|e| e.dlq_id));
            }
        }
        DlqKind::Workflow => {
            // The workflow list takes no id filter: look each one up.
            for i in ids {
                match client.dlq_get(kind, i).await {
                    Ok(_) => {
                        present.insert(i.clone());
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(present)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientConfig, RetryPolicy};
    use crate::server::{Server, ServerConfig};
    use futures::StreamExt;

    struct Quiet;

    impl Progress for Quiet {
        fn advance(&self, _: &[Outcome]) {}
    }

    /// Bulk runs act as ids are listed: the first chunk's call goes out while the rest of the
    /// selection is still unknown (here the rest comes only once the first chunk has left the
    /// DLQ; a run that waited for the whole selection would wait forever).
    #[tokio::test(flavor = "multi_thread")]
    async fn a_run_acts_on_the_first_ids_before_the_rest_are_known() {
        let server = Server::start(ServerConfig::for_tests()).await.unwrap();
        let token = ServerConfig::for_tests().token;
        let items: Vec<serde_json::Value> = (0..150)
            .map(|i| {
                serde_json::json!({
                    "destination": "http://127.0.0.1:1/pipe",
                    "body": i.to_string(),
                    "headers": {"Upstash-Retries": "0"},
                })
            })
            .collect();
        let http = reqwest::Client::new();
        for part in items.chunks(100) {
            http.post(format!("{}/v2/batch", server.url()))
                .bearer_auth(&token)
                .json(part)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
        }
        let client = Client::new(ClientConfig {
            base_url: server.url().to_string(),
            token: crate::secret::SecretString::new(token),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            log: None,
        })
        .unwrap();
        let mut ids = Vec::new();
        for _ in 0..500 {
            ids = all_ids(&client).await;
            if ids.len() == 150 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(ids.len(), 150);
        let (first, rest) = (ids[..100].to_vec(), ids[100..].to_vec());
        let watched = first.clone();
        let (open, gate) = tokio::sync::oneshot::channel::<()>();
        let watcher = {
            let client = client.clone();
            tokio::spawn(async move {
                while !existing(&client, &watched, DlqKind::Qstash)
                    .await
                    .unwrap()
                    .is_empty()
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let _ = open.send(());
            })
        };
        let stream = futures::stream::iter([first]).chain(futures::stream::once(async move {
            let _ = gate.await;
            rest
        }));
        let opts = RunOptions {
            action: Action::Retry,
            kind: DlqKind::Qstash,
            headers: vec![],
            concurrency: 2,
            rate: None,
            max_failures: None,
            failed_elsewhere: None,
        };
        let (out, halt, err) = tokio::time::timeout(
            Duration::from_secs(20),
            run_stream(&client, stream, &opts, None, &Quiet, &StopFlag::default()),
        )
        .await
        .expect("the run waited for the whole selection before acting");
        watcher.await.unwrap();
        assert!(halt.is_none() && err.is_none());
        assert_eq!(out.len(), 150);
        assert!(out.iter().all(|o| o.status == Status::Retried));
    }

    /// The ids of the QStash DLQ, by the API's cursor.
    async fn all_ids(client: &Client) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = client
                .dlq_page(
                    DlqKind::Qstash,
                    &DlqFilter::default(),
                    cursor.as_deref(),
                    100,
                )
                .await
                .unwrap();
            ids.extend(page.messages.into_iter().map(|e| e.dlq_id));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return ids,
            }
        }
    }
}
