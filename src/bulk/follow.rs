//! `retry --wait`: following what a run retried until each message is delivered, fails again
//! (back in the DLQ, with a new dlqId) or the time is up. QStash messages are followed through
//! the logs (`DELIVERED` and `FAILED` events since the run started: a page per hundred events,
//! not a call per message); workflow runs through the workflow logs (the run's state); re-run
//! failure functions through their entry's `failureFunctionState`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{Outcome, Status};
use crate::client::{ApiError, Client, DlqFilter, DlqKind};

/// What became of a retried entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalState {
    /// Delivered (a workflow run: finished; a failure function: succeeded).
    Delivered,
    /// Failed again: back in the DLQ (`failed_again`; journals written before 0.2 say
    /// `failed`).
    #[serde(rename = "failed_again", alias = "failed")]
    Failed,
    /// Still being delivered or retried when the wait ended.
    Pending,
    /// Cannot be followed: the retry's answer did not say which message or run it made.
    Unknown,
}

/// A QStash log state's meaning for a retried message, if it is final.
pub fn message_state(state: &str) -> Option<FinalState> {
    match state {
        "DELIVERED" => Some(FinalState::Delivered),
        "FAILED" => Some(FinalState::Failed),
        _ => None,
    }
}

/// A workflow run state's meaning, if it is final.
pub fn run_state(state: &str) -> Option<FinalState> {
    match state {
        "RUN_SUCCESS" => Some(FinalState::Delivered),
        "RUN_FAILED" | "RUN_CANCELED" => Some(FinalState::Failed),
        _ => None,
    }
}

/// A failure function's state's meaning, if it is final.
pub fn callback_state(state: &str) -> Option<FinalState> {
    match state {
        "CALLBACK_SUCCESS" => Some(FinalState::Delivered),
        "CALLBACK_FAIL" | "CALLBACK_CANCELED" => Some(FinalState::Failed),
        _ => None,
    }
}

/// How one retried entry is followed.
#[derive(Debug, Clone)]
enum Track {
    Message(String),
    Run(String),
    Callback(String),
}

/// Counts of a finished wait.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub delivered: usize,
    pub failed: usize,
    pub pending: usize,
    pub unknown: usize,
}

pub fn settled<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Settled {
    let mut s = Settled::default();
    for o in outcomes {
        match o.final_state {
            Some(FinalState::Delivered) => s.delivered += 1,
            Some(FinalState::Failed) => s.failed += 1,
            Some(FinalState::Pending) => s.pending += 1,
            Some(FinalState::Unknown) => s.unknown += 1,
            None => {}
        }
    }
    s
}

/// What became of each followed entry, by dlqId.
pub type Results = HashMap<String, (FinalState, Option<String>)>;

/// How a wait runs.
pub struct Wait {
    /// Re-run failure functions (followed through their entry) rather than runs.
    pub callback: bool,
    /// Log events before this (ms, the server's clock) are not about this run.
    pub since_ms: i64,
    /// How long to follow after the last retry was sent.
    pub timeout: Duration,
    pub interval: Duration,
}

/// Follows retried outcomes as they arrive on `rx` (the run's calls go on meanwhile) until
/// each settles, or `timeout` after `rx` closes (the last call answered); polling every
/// `interval`. Counts entries that failed again in `failed_again` (`--max-failures` reads it
/// while the run goes on). Entries still open at the end are `Pending`.
pub async fn follow(
    client: &Client,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Outcome>,
    w: &Wait,
    failed_again: &AtomicU64,
) -> Result<Results, ApiError> {
    let mut results = Results::new();
    let mut open: HashMap<String, Track> = HashMap::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    // Quick looks first (most deliveries take moments), then every `interval`.
    let mut pause = w.interval.min(Duration::from_millis(250));
    loop {
        // Take what the run retried since the last round.
        loop {
            match rx.try_recv() {
                Ok(o) => intake(&o, w.callback, &mut open, &mut results),
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                    deadline.get_or_insert_with(|| tokio::time::Instant::now() + w.timeout);
                    break;
                }
            }
        }
        if !open.is_empty() {
            for (id, f) in round(client, &open, w.since_ms).await? {
                if let Some(t) = open.remove(&id) {
                    let new_id = if f == FinalState::Failed {
                        failed_again.fetch_add(1, Ordering::SeqCst);
                        new_dlq_id(client, &t).await?
                    } else {
                        None
                    };
                    results.insert(id, (f, new_id));
                }
            }
        }
        pause = (pause * 2).min(w.interval);
        match deadline {
            Some(_) if open.is_empty() => break,
            Some(d) if tokio::time::Instant::now() >= d => break,
            Some(d) => {
                tokio::time::sleep_until((tokio::time::Instant::now() + w.interval).min(d)).await
            }
            None => {
                // Wake for the next round, or as soon as the run sends more.
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    got = rx.recv() => match got {
                        Some(o) => intake(&o, w.callback, &mut open, &mut results),
                        None => {
                            deadline = Some(tokio::time::Instant::now() + w.timeout);
                        }
                    },
                }
            }
        }
    }
    for id in open.into_keys() {
        results.insert(id, (FinalState::Pending, None));
    }
    Ok(results)
}

/// Starts following a retried outcome (one without the new message's or run's id cannot be).
fn intake(o: &Outcome, callback: bool, open: &mut HashMap<String, Track>, results: &mut Results) {
    if o.status != Status::Retried {
        return;
    }
    let track = match (&o.workflow_run_id, &o.message_id) {
        (Some(_), _) if callback => Some(Track::Callback(o.dlq_id.clone())),
        (Some(r), _) => Some(Track::Run(r.clone())),
        (None, Some(m)) => Some(Track::Message(m.clone())),
        (None, None) => None,
    };
    match track {
        Some(t) => {
            open.insert(o.dlq_id.clone(), t);
        }
        None => {
            results.insert(o.dlq_id.clone(), (FinalState::Unknown, None));
        }
    }
}

/// One round: which open entries settled, and how.
async fn round(
    client: &Client,
    open: &HashMap<String, Track>,
    since_ms: i64,
) -> Result<Vec<(String, FinalState)>, ApiError> {
    let messages: HashMap<&str, &str> = open
        .iter()
        .filter_map(|(id, t)| match t {
            Track::Message(m) => Some((m.as_str(), id.as_str())),
            _ => None,
        })
        .collect();
    let mut done: Vec<(String, FinalState)> = Vec::new();
    if !messages.is_empty() {
        for state in ["DELIVERED", "FAILED"] {
            let mut cursor: Option<String> = None;
            loop {
                let page = client.logs_page(state, since_ms, cursor.as_deref()).await?;
                for ev in &page.logs {
                    if let (Some(m), Some(f)) = (
                        ev.message_id.as_deref(),
                        ev.state.as_deref().and_then(message_state),
                    ) && let Some(id) = messages.get(m)
                    {
                        done.push((id.to_string(), f));
                    }
                }
                match page.cursor {
                    Some(c) if !page.logs.is_empty() => cursor = Some(c),
                    _ => break,
                }
            }
        }
    }
    // Owned, so the calls below borrow nothing but the client.
    let others: Vec<(String, Track)> = open
        .iter()
        .filter(|(_, t)| !matches!(t, Track::Message(_)))
        .map(|(id, t)| (id.clone(), t.clone()))
        .collect();
    let checked: Vec<Result<Option<(String, FinalState)>, ApiError>> =
        futures::stream::iter(others)
            .map(|(id, t)| async move {
                let state = match &t {
                    Track::Run(r) => client
                        .workflow_run_state(r)
                        .await?
                        .and_then(|s| run_state(&s)),
                    Track::Callback(d) => client
                        .dlq_get(DlqKind::Workflow, d)
                        .await?
                        .failure_function_state
                        .and_then(|s| callback_state(&s)),
                    Track::Message(_) => None,
                };
                Ok(state.map(|s| (id, s)))
            })
            .buffer_unordered(8)
            .collect()
            .await;
    for c in checked {
        if let Some(d) = c? {
            done.push(d);
        }
    }
    // Failure wins over delivery for one entry: it is what is in the DLQ now.
    done.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then((a.1 != FinalState::Failed).cmp(&(b.1 != FinalState::Failed)))
    });
    done.dedup_by(|a, b| a.0 == b.0);
    Ok(done)
}

/// The DLQ entry a message or run that failed again left (the newest, for a run id).
async fn new_dlq_id(client: &Client, t: &Track) -> Result<Option<String>, ApiError> {
    let (kind, filter) = match t {
        Track::Message(m) => (
            DlqKind::Qstash,
            DlqFilter {
                message_id: Some(m.clone()),
                ..DlqFilter::default()
            },
        ),
        Track::Run(r) => (
            DlqKind::Workflow,
            DlqFilter {
                run_id: Some(r.clone()),
                ..DlqFilter::default()
            },
        ),
        // A failure function that failed again leaves the same entry.
        Track::Callback(id) => return Ok(Some(id.clone())),
    };
    let page = client.dlq_page(kind, &filter, None, 100).await?;
    Ok(page
        .messages
        .into_iter()
        .max_by_key(|e| e.created_at)
        .map(|e| e.dlq_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_final_states() {
        assert_eq!(message_state("DELIVERED"), Some(FinalState::Delivered));
        assert_eq!(message_state("FAILED"), Some(FinalState::Failed));
        assert_eq!(message_state("RETRY"), None);
        assert_eq!(run_state("RUN_SUCCESS"), Some(FinalState::Delivered));
        assert_eq!(run_state("RUN_CANCELED"), Some(FinalState::Failed));
        assert_eq!(run_state("RUN_STARTED"), None);
        assert_eq!(callback_state("CALLBACK_FAIL"), Some(FinalState::Failed));
        assert_eq!(callback_state("CALLBACK_INPROGRESS"), None);
    }
}
