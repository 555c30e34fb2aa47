//! `retry --wait`: following what a run retried until each message is delivered, fails again
//! (back in the DLQ, with a new dlqId) or the time is up. QStash messages are followed through
//! the logs (`DELIVERED` and `FAILED` events since the run started: a page per hundred events,
//! not a call per message); workflow runs through the workflow logs (the run's state); re-run
//! failure functions through their entry's `failureFunctionState`.

use std::collections::HashMap;
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
    /// Failed again: back in the DLQ.
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

pub fn settled(outcomes: &[Outcome]) -> Settled {
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

/// Follows every retried outcome (`action` says what the retry did to workflow entries) until
/// it settles or `timeout` passes, polling every `interval`; `since_ms` is when the run began
/// (log events before it are not about this run). Sets `final_state` (and `new_dlq_id`) on
/// each retried outcome; `progress` is told how many settled so far.
pub async fn follow(
    client: &Client,
    outcomes: &mut [Outcome],
    callback: bool,
    since_ms: i64,
    timeout: Duration,
    interval: Duration,
    progress: &dyn Fn(usize),
) -> Result<(), ApiError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut open: HashMap<usize, Track> = HashMap::new();
    for (i, o) in outcomes.iter_mut().enumerate() {
        if o.status != Status::Retried {
            continue;
        }
        let track = match (&o.workflow_run_id, &o.message_id) {
            (Some(_), _) if callback => Some(Track::Callback(o.dlq_id.clone())),
            (Some(r), _) => Some(Track::Run(r.clone())),
            (None, Some(m)) => Some(Track::Message(m.clone())),
            (None, None) => None,
        };
        match track {
            Some(t) => {
                open.insert(i, t);
            }
            None => o.final_state = Some(FinalState::Unknown),
        }
    }
    let total = open.len();
    loop {
        let messages: HashMap<&str, usize> = open
            .iter()
            .filter_map(|(i, t)| match t {
                Track::Message(m) => Some((m.as_str(), *i)),
                _ => None,
            })
            .collect();
        let mut done: Vec<(usize, FinalState)> = Vec::new();
        if !messages.is_empty() {
            for state in ["DELIVERED", "FAILED"] {
                let mut cursor: Option<String> = None;
                loop {
                    let page = client.logs_page(state, since_ms, cursor.as_deref()).await?;
                    for ev in &page.logs {
                        if let (Some(m), Some(f)) = (
                            ev.message_id.as_deref(),
                            ev.state.as_deref().and_then(message_state),
                        ) && let Some(&i) = messages.get(m)
                        {
                            done.push((i, f));
                        }
                    }
                    match page.cursor {
                        Some(c) if !page.logs.is_empty() => cursor = Some(c),
                        _ => break,
                    }
                }
            }
        }
        let others: Vec<(usize, &Track)> = open
            .iter()
            .filter(|(_, t)| !matches!(t, Track::Message(_)))
            .map(|(i, t)| (*i, t))
            .collect();
        let checked: Vec<Result<Option<(usize, FinalState)>, ApiError>> =
            futures::stream::iter(others)
                .map(|(i, t)| async move {
                    let state = match t {
                        Track::Run(r) => client
                            .workflow_run_state(r)
                            .await?
                            .and_then(|s| run_state(&s)),
                        Track::Callback(id) => client
                            .dlq_get(DlqKind::Workflow, id)
                            .await?
                            .failure_function_state
                            .and_then(|s| callback_state(&s)),
                        Track::Message(_) => None,
                    };
                    Ok(state.map(|s| (i, s)))
                })
                .buffer_unordered(8)
                .collect()
                .await;
        for c in checked {
            if let Some(d) = c? {
                done.push(d);
            }
        }
        // A message delivered and failed in one round (not possible for one message, but a
        // log may hold both for an earlier attempt): failure wins, it is what is in the DLQ.
        done.sort_by_key(|(i, f)| (*i, *f != FinalState::Failed));
        done.dedup_by_key(|(i, _)| *i);
        for (i, f) in done {
            if let Some(t) = open.remove(&i) {
                outcomes[i].final_state = Some(f);
                if f == FinalState::Failed {
                    outcomes[i].new_dlq_id = new_dlq_id(client, &t).await?;
                }
            }
        }
        progress(total - open.len());
        if open.is_empty() || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep_until((tokio::time::Instant::now() + interval).min(deadline)).await;
    }
    for i in open.into_keys() {
        outcomes[i].final_state = Some(FinalState::Pending);
    }
    Ok(())
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
