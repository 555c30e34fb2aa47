//! Executing a bulk run's calls: chunks of ids, bounded concurrency, a rate cap, a failure
//! budget, the journal, and exact per-id outcomes. Relies on the API's retry being "republish
//! and remove" in one step, so a second retry of the same id answers 404 instead of
//! publishing a duplicate.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use parking_lot::Mutex;

use super::{Action, Halt, Outcome, Progress, Status, StopFlag, journal, order};
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

/// Calls in a row that could not reach the API before a run stops (the server is gone: every
/// further call would fail the same way).
pub const UNREACHABLE_STOP: u32 = 3;

/// What a run did.
#[derive(Debug, Default)]
pub struct Executed {
    pub outcomes: Vec<Outcome>,
    /// Why it stopped early, if it did.
    pub halt: Option<Halt>,
    pub journal_error: Option<std::io::Error>,
    /// `Halt::Unreachable`: what the last calls met.
    pub cause: Option<String>,
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

/// `--max-failures`: the failures known so far and the ids in calls not yet answered. A call
/// leaves only while those together stay below the cap, and once failures appear it carries
/// no more ids than the cap has left, so a run stops within one call's worth of it.
struct Budget {
    max: Option<u64>,
    failed: AtomicU64,
    elsewhere: Option<Arc<AtomicU64>>,
    in_flight: Mutex<u64>,
    changed: tokio::sync::Notify,
}

impl Budget {
    fn new(opts: &RunOptions) -> Budget {
        Budget {
            max: opts.max_failures,
            failed: AtomicU64::new(0),
            elsewhere: opts.failed_elsewhere.clone(),
            in_flight: Mutex::new(0),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn known(&self) -> u64 {
        self.failed.load(Ordering::SeqCst)
            + self
                .elsewhere
                .as_ref()
                .map_or(0, |f| f.load(Ordering::SeqCst))
    }

    /// How many of `want` ids the next call may carry; `None` once the cap is reached.
    async fn admit(&self, want: usize) -> Option<usize> {
        let Some(max) = self.max else {
            return Some(want);
        };
        loop {
            let known = self.known();
            if known >= max {
                return None;
            }
            {
                let mut in_flight = self.in_flight.lock();
                if known + *in_flight < max {
                    let n = if known == 0 {
                        want
                    } else {
                        want.min((max - known) as usize)
                    };
                    *in_flight += n as u64;
                    return Some(n);
                }
            }
            // Failures counted elsewhere change without a call ending: look again soon.
            let _ = tokio::time::timeout(Duration::from_millis(200), self.changed.notified()).await;
        }
    }

    fn answered(&self, sent: usize, failed: u64) {
        self.failed.fetch_add(failed, Ordering::SeqCst);
        if self.max.is_some() {
            *self.in_flight.lock() -= sent as u64;
        }
        self.changed.notify_waiters();
    }
}

/// The shared state of a run's calls.
struct Shared<'a> {
    opts: &'a RunOptions,
    client: &'a Client,
    journal: Option<&'a Mutex<journal::Journal>>,
    progress: &'a dyn Progress,
    stop: &'a StopFlag,
    budget: Budget,
    limiter: Option<RateLimiter>,
    halted: Mutex<Option<Halt>>,
    journal_error: Mutex<Option<std::io::Error>>,
    /// Calls in a row that could not reach the API, and what they met.
    unreachable: AtomicU32,
    cause: Mutex<Option<String>>,
}

impl Shared<'_> {
    /// Whether a call may leave now: not after Ctrl-C, a halt, or a journal that cannot be
    /// written.
    fn may_send(&self) -> bool {
        if self.stop.stopped() {
            self.halt(Halt::Interrupted);
        }
        self.halted.lock().is_none() && self.journal_error.lock().is_none()
    }

    fn halt(&self, h: Halt) {
        self.halted.lock().get_or_insert(h);
    }

    /// One chunk of ids: sent in calls the budget admits, journaled and counted as answered.
    async fn chunk(&self, ids: Vec<String>) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(ids.len());
        let mut rest: &[String] = &ids;
        while !rest.is_empty() {
            if !self.may_send() {
                break;
            }
            let Some(n) = self.budget.admit(rest.len()).await else {
                self.halt(Halt::TooManyFailures);
                break;
            };
            let (part, next) = rest.split_at(n);
            rest = next;
            if let Some(l) = &self.limiter {
                l.acquire(part.len()).await;
            }
            // A call that waited for its turn must not leave after Ctrl-C or a halt.
            if !self.may_send() {
                self.budget.answered(part.len(), 0);
                break;
            }
            let (done, cause) = process(self.client, part, self.opts).await;
            self.answered(part.len(), &done, cause);
            out.extend(done);
        }
        out
    }

    /// Journals and counts a call's outcomes; stops the run when the API stays unreachable.
    fn answered(&self, sent: usize, done: &[Outcome], cause: Option<ApiError>) {
        if let Some(j) = self.journal
            && let Err(e) = j.lock().outcomes(done)
        {
            self.journal_error.lock().get_or_insert(e);
        }
        let failed = done.iter().filter(|o| o.status == Status::Failed).count() as u64;
        self.budget.answered(sent, failed);
        match cause {
            Some(e) if e.is_transport() && failed as usize == done.len() => {
                *self.cause.lock() = Some(e.brief());
                if self.unreachable.fetch_add(1, Ordering::SeqCst) + 1 >= UNREACHABLE_STOP {
                    self.halt(Halt::Unreachable);
                }
            }
            _ => self.unreachable.store(0, Ordering::SeqCst),
        }
        self.progress.advance(done);
    }
}

/// Runs `ids`, appending every outcome to `journal` (if any) as responses arrive.
pub async fn run(
    client: &Client,
    ids: Vec<String>,
    opts: &RunOptions,
    journal: Option<&Mutex<journal::Journal>>,
    progress: &dyn Progress,
    stop: &StopFlag,
) -> Executed {
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
) -> Executed {
    // With a rate cap, a call carries at most a second's worth of entries, so the receiving
    // service sees a steady trickle rather than bursts of 100.
    let chunk = match opts.rate {
        Some(r) => opts.action.chunk(opts.kind).min((r.ceil() as usize).max(1)),
        None => opts.action.chunk(opts.kind),
    };
    let shared = Shared {
        opts,
        client,
        journal,
        progress,
        stop,
        budget: Budget::new(opts),
        limiter: opts.rate.map(|r| RateLimiter {
            per_sec: r,
            next: Mutex::new(tokio::time::Instant::now()),
        }),
        halted: Mutex::new(None),
        journal_error: Mutex::new(None),
        unreachable: AtomicU32::new(0),
        cause: Mutex::new(None),
    };
    let results: Vec<Vec<Outcome>> = ids
        .flat_map(futures::stream::iter)
        .chunks(chunk)
        .map(|c| shared.chunk(c))
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let halt = *shared.halted.lock();
    Executed {
        outcomes: results.into_iter().flatten().collect(),
        halt,
        journal_error: shared.journal_error.lock().take(),
        cause: shared
            .cause
            .lock()
            .take()
            .filter(|_| halt == Some(Halt::Unreachable)),
    }
}

/// Why a failure function cannot be re-run, from the entry's state, and what to do instead.
pub async fn callback_refused(client: &Client, id: &str, api_message: &str) -> String {
    let entry = client.dlq_get(DlqKind::Workflow, id).await.ok();
    let state = entry
        .as_ref()
        .and_then(|e| e.failure_function_state.clone());
    let none = entry
        .as_ref()
        .is_some_and(crate::workflow_run::no_failure_function);
    callback_refusal(id, state.as_deref(), none).unwrap_or_else(|| {
        format!(
            "the API refused ({}): {api_message}",
            state.as_deref().unwrap_or("?")
        )
    })
}

/// Why a failure function in `state` cannot be re-run (`None` when it can: CALLBACK_FAIL);
/// `none_configured`: the workflow's SDK answered that it has no failure function.
pub fn callback_refusal(id: &str, state: Option<&str>, none_configured: bool) -> Option<String> {
    if none_configured {
        return Some(format!(
            "the workflow has no failure function (its SDK answered the failure callback that it has none); resume or restart the run: dlq retry {id}"
        ));
    }
    Some(match state {
        Some("CALLBACK_FAIL") => return None,
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
        Some(other) => format!("its failure function's state is {other}, not CALLBACK_FAIL"),
    })
}

/// One call's ids: sent in the parts whose answers pair with their ids (see [`order`]), then
/// exact per-id outcomes; the error that failed what is left, if any.
async fn process(
    client: &Client,
    ids: &[String],
    opts: &RunOptions,
) -> (Vec<Outcome>, Option<ApiError>) {
    let parts = match opts.action {
        Action::Retry | Action::Resume | Action::Restart => order::calls(ids),
        _ => vec![ids.to_vec()],
    };
    let mut out = Vec::with_capacity(ids.len());
    let mut cause = None;
    for part in parts {
        let (done, e) = process_part(client, part, opts).await;
        out.extend(done);
        cause = e.or(cause);
    }
    (out, cause)
}

/// Ids gone from the DLQ (`not_found`, or `handled` after a call that may have been applied)
/// are settled; the rest are tried again.
fn partition(
    todo: Vec<String>,
    present: &HashSet<String>,
    out: &mut Vec<Outcome>,
    gone: impl Fn(&str) -> Outcome,
) -> Vec<String> {
    let (keep, left): (Vec<String>, Vec<String>) =
        todo.into_iter().partition(|i| present.contains(i));
    out.extend(left.iter().map(|i| gone(i)));
    keep
}

/// One call: a 404 (some ids gone) or a lost answer is settled per id and the rest is sent
/// again; any other error fails what is left.
async fn process_part(
    client: &Client,
    ids: Vec<String>,
    opts: &RunOptions,
) -> (Vec<Outcome>, Option<ApiError>) {
    let mut todo = ids;
    let mut out = Vec::with_capacity(todo.len());
    let mut last: Option<ApiError> = None;
    let handled = |i: &str| match opts.action {
        Action::Delete => Outcome::deleted(i),
        _ => Outcome::retried(i, None, None),
    };
    for round in 0..5u64 {
        if todo.is_empty() {
            return (out, None);
        }
        match call(client, &todo, opts).await {
            Ok(Called { done, again }) => {
                out.extend(done);
                todo = again;
            }
            Err(e) if e.is_not_found() && todo.len() == 1 => {
                out.push(Outcome::not_found(&todo[0]));
                return (out, None);
            }
            Err(e) if e.is_not_found() || e.outcome_unknown() => {
                let gone: &dyn Fn(&str) -> Outcome = if e.is_not_found() {
                    &Outcome::not_found
                } else {
                    &handled
                };
                match existing_patiently(client, &todo, opts.kind).await {
                    Ok(present) => todo = partition(todo, &present, &mut out, gone),
                    Err(e2) => {
                        // Neither the call's answer nor the DLQ's state could be read: the
                        // entry may or may not have been handled. Say so; `dlq show` or a
                        // `--resume` (which answers not_found for what is gone) settles it.
                        let why = format!(
                            "outcome unknown: {}; checking the DLQ failed too: {}",
                            e.brief(),
                            e2.brief()
                        );
                        out.extend(todo.iter().map(|i| Outcome::failed(i, why.clone())));
                        return (out, Some(e2));
                    }
                }
                if !e.is_not_found() {
                    tokio::time::sleep(Duration::from_millis(100 * (round + 1))).await;
                }
                last = Some(e);
            }
            Err(e) => {
                out.extend(todo.iter().map(|i| Outcome::failed(i, e.brief())));
                return (out, Some(e));
            }
        }
    }
    let why = match &last {
        Some(e) => e.brief(),
        None => "the DLQ kept changing under this call; try again".into(),
    };
    out.extend(todo.iter().map(|i| Outcome::failed(i, why.clone())));
    (out, last)
}

/// A call's answer: outcomes for the ids it settled, and ids to send again (a bulk answer with
/// fewer results than ids: what left the DLQ was handled, what is still there goes again).
struct Called {
    done: Vec<Outcome>,
    again: Vec<String>,
}

impl Called {
    fn all(done: Vec<Outcome>) -> Called {
        Called {
            done,
            again: Vec::new(),
        }
    }
}

async fn call(client: &Client, ids: &[String], opts: &RunOptions) -> Result<Called, ApiError> {
    match opts.action {
        // Archived entries are published by `dlq import` itself (they are not in the DLQ).
        Action::Import => Err(ApiError::Decode(
            "an import is run by `dlq import FILE`, not from DLQ ids".into(),
        )),
        Action::Retry if ids.len() == 1 => {
            let r = client.retry_one(&ids[0], &opts.headers).await?;
            Ok(Called::all(vec![Outcome::retried(
                &ids[0],
                Some(r.message_id),
                None,
            )]))
        }
        Action::Retry => {
            let r = client.retry_bulk(ids, &opts.headers).await?;
            if r.responses.len() != ids.len() {
                return settle_partial(client, ids, opts.kind).await;
            }
            // The ids were sent in an order every plausible answer order agrees with.
            Ok(Called::all(
                ids.iter()
                    .zip(r.responses)
                    .map(|(i, m)| Outcome::retried(i, Some(m.message_id), None))
                    .collect(),
            ))
        }
        Action::Resume | Action::Restart if ids.len() == 1 => {
            let r = client
                .workflow_rerun_one(opts.action.name(), &ids[0], &opts.headers)
                .await?;
            Ok(Called::all(vec![Outcome::retried(
                &ids[0],
                None,
                Some(r.workflow_run_id),
            )]))
        }
        Action::Resume | Action::Restart => {
            let r = client
                .workflow_rerun_bulk(opts.action.name(), ids, &opts.headers)
                .await?;
            if r.workflow_runs.len() != ids.len() {
                return settle_partial(client, ids, opts.kind).await;
            }
            Ok(Called::all(
                ids.iter()
                    .zip(r.workflow_runs)
                    .map(|(i, w)| Outcome::retried(i, None, Some(w.workflow_run_id)))
                    .collect(),
            ))
        }
        Action::Callback => callbacks(client, ids).await.map(Called::all),
        Action::Delete if opts.kind == DlqKind::Workflow || ids.len() == 1 => {
            let mut out = Vec::new();
            for i in ids {
                match client.delete_one(opts.kind, i).await {
                    Ok(()) => out.push(Outcome::deleted(i)),
                    Err(e) if e.is_not_found() => out.push(Outcome::not_found(i)),
                    Err(e) => return Err(e),
                }
            }
            Ok(Called::all(out))
        }
        Action::Delete => delete_bulk(client, ids, opts.kind).await.map(Called::all),
    }
}

/// Failure functions re-run one by one; a refusal says why from the entry's state.
async fn callbacks(client: &Client, ids: &[String]) -> Result<Vec<Outcome>, ApiError> {
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

/// Which ids are there decides deleted vs. already gone; a bulk delete of missing ids is not
/// an error, so the count alone cannot tell.
async fn delete_bulk(
    client: &Client,
    ids: &[String],
    kind: DlqKind,
) -> Result<Vec<Outcome>, ApiError> {
    let present = existing(client, ids, kind).await?;
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
    if todo.is_empty() {
        return Ok(out);
    }
    let r = client.delete_bulk(kind, &todo).await?;
    if r.deleted as usize == todo.len() {
        out.extend(todo.iter().map(|i| Outcome::deleted(i)));
        return Ok(out);
    }
    let still = existing_patiently(client, &todo, kind).await?;
    for i in &todo {
        if still.contains(i) {
            out.push(Outcome::failed(i, "the API did not delete it".into()));
        } else {
            out.push(Outcome::deleted(i));
        }
    }
    Ok(out)
}

/// A bulk answer with fewer results than ids: what left the DLQ was handled (its new id is not
/// known); what is still there is sent again.
async fn settle_partial(
    client: &Client,
    ids: &[String],
    kind: DlqKind,
) -> Result<Called, ApiError> {
    let still = existing_patiently(client, ids, kind).await?;
    let mut done = Vec::new();
    let again = partition(ids.to_vec(), &still, &mut done, |i| {
        Outcome::retried(i, None, None)
    });
    Ok(Called { done, again })
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
        let done = tokio::time::timeout(
            Duration::from_secs(20),
            run_stream(&client, stream, &opts, None, &Quiet, &StopFlag::default()),
        )
        .await
        .expect("the run waited for the whole selection before acting");
        watcher.await.unwrap();
        assert!(done.halt.is_none() && done.journal_error.is_none());
        assert_eq!(done.outcomes.len(), 150);
        assert!(done.outcomes.iter().all(|o| o.status == Status::Retried));
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
