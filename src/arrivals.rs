//! What arrived in a DLQ since the last look (`dlq watch`).
//!
//! [`Feed::Events`]: the logs' `FAILED` events since the last look (a message moving to the
//! DLQ logs one), then each new entry by its id: a look costs one call when nothing arrived,
//! whatever the DLQ holds, and one more per arrival. [`Feed::Full`]: every matching entry,
//! compared with what the last look saw, where the logs cannot say (an API without them, or
//! events of the Workflow DLQ that name no `dlqId`).

use std::collections::{HashMap, HashSet};

use futures::StreamExt;

use crate::client::{ApiError, Client, DlqKind};
use crate::model::{DlqEntry, LogEvent};
use crate::pager::{Pager, Reading};
use crate::select::Selection;

/// How far back each look reads the events before the newest one seen: events of the same
/// moment may be logged a little out of order. (The logs API's order is not documented, so a
/// look reads every event of its window; the window is kept short.)
const SLACK_MS: i64 = 2_000;

/// How a watch finds arrivals; see the module's documentation.
pub enum Feed {
    Events(Events),
    Full { seen: HashSet<String> },
}

/// The events read so far.
pub struct Events {
    /// The oldest event time the next look asks for.
    from_ms: i64,
    /// Events handled (by message id and time), with their times, for the slack window.
    known: HashMap<(String, i64), i64>,
    /// Entries already passed on.
    printed: HashSet<String>,
    /// The API names the `dlqId` in dead-letter events (then a `FAILED` event without one is
    /// not a dead-letter: a failed callback, a failed `context.call`).
    names_dlq_ids: bool,
}

/// One look's outcome: how many were new, or why the look failed (what was passed on before
/// the failure stays passed on, and is not passed on again).
pub type Look = Result<u64, ApiError>;

impl Feed {
    /// Starts at `now_ms`: what is in the DLQ then is not an arrival. The events feed when the
    /// logs answer, else the full one (which reads the DLQ now).
    pub async fn start(
        client: &Client,
        sel: &Selection,
        now_ms: i64,
        concurrency: usize,
    ) -> std::io::Result<Result<Feed, ApiError>> {
        let mut ev = Events {
            from_ms: now_ms - SLACK_MS,
            known: HashMap::new(),
            printed: HashSet::new(),
            names_dlq_ids: false,
        };
        Ok(match failed_since(client, ev.from_ms).await {
            Ok(events) => {
                for e in events {
                    ev.mark(&e);
                }
                Ok(Feed::Events(ev))
            }
            Err(ApiError::NotFound { .. } | ApiError::BadRequest { .. }) => {
                let mut seen = HashSet::new();
                full_look(client, sel, concurrency, &mut seen, |_| Ok(()))
                    .await?
                    .map(|_| Feed::Full { seen })
            }
            Err(e) => Err(e),
        })
    }

    /// One look: each entry that arrived since the last (and matches `sel`) is passed to
    /// `each_new`, once.
    pub async fn look(
        &mut self,
        client: &Client,
        sel: &Selection,
        concurrency: usize,
        each_new: impl FnMut(DlqEntry) -> std::io::Result<()>,
    ) -> std::io::Result<Look> {
        match self {
            Feed::Events(ev) => match ev.look(client, sel, concurrency, each_new).await? {
                Err(Fallback) => {
                    let mut seen = HashSet::new();
                    let r = full_look(client, sel, concurrency, &mut seen, |_| Ok(())).await?;
                    *self = Feed::Full { seen };
                    Ok(r.map(|_| 0))
                }
                Ok(r) => Ok(r),
            },
            Feed::Full { seen } => {
                let r = full_look(client, sel, concurrency, seen, each_new).await?;
                Ok(r.map(|(new, there)| {
                    // Entries gone from the DLQ are forgotten (ids are never reused).
                    *seen = there;
                    new
                }))
            }
        }
    }
}

/// The events feed cannot find an arrival's entry: the full feed takes over.
struct Fallback;

impl Events {
    fn key(e: &LogEvent) -> Option<((String, i64), i64)> {
        let t = e.time?;
        Some(((e.message_id.clone()?, t), t))
    }

    fn mark(&mut self, e: &LogEvent) {
        self.names_dlq_ids |= dlq_id_of(e).is_some();
        if let Some((k, t)) = Events::key(e) {
            self.known.insert(k, t);
        }
    }

    async fn look(
        &mut self,
        client: &Client,
        sel: &Selection,
        concurrency: usize,
        mut each_new: impl FnMut(DlqEntry) -> std::io::Result<()>,
    ) -> std::io::Result<Result<Look, Fallback>> {
        let events = match failed_since(client, self.from_ms).await {
            Ok(e) => e,
            Err(e) => return Ok(Ok(Err(e))),
        };
        let mut new: Vec<LogEvent> = events
            .into_iter()
            .filter(|e| Events::key(e).is_some_and(|(k, _)| !self.known.contains_key(&k)))
            .collect();
        new.sort_by_key(|e| e.time);
        self.names_dlq_ids |= new.iter().any(|e| dlq_id_of(e).is_some());
        if self.names_dlq_ids {
            // Not dead-letters: nothing to look up.
            for e in new.iter().filter(|e| dlq_id_of(e).is_none()) {
                self.mark(e);
            }
            new.retain(|e| dlq_id_of(e).is_some());
        } else if sel.kind == DlqKind::Workflow && !new.is_empty() {
            // The Workflow DLQ cannot be asked by message id.
            return Ok(Err(Fallback));
        }
        let found = futures::stream::iter(new.iter().map(|e| entries_of(client, sel, e)))
            .buffered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut passed = 0;
        for (event, found) in new.iter().zip(found) {
            let entries = match found {
                Ok(entries) => entries,
                Err(e) => return Ok(Ok(Err(e))),
            };
            // Not in this DLQ yet (or any more): looked for again while in the slack window.
            if !entries.is_empty() {
                self.mark(event);
            }
            for entry in entries {
                let workflow = sel.kind == DlqKind::Workflow;
                if sel.matches_local(&entry, workflow) && self.printed.insert(entry.dlq_id.clone())
                {
                    passed += 1;
                    each_new(entry)?;
                }
            }
        }
        self.advance();
        Ok(Ok(Ok(passed)))
    }

    /// Moves the window on to the slack before the newest event seen; forgets what is older.
    fn advance(&mut self) {
        if let Some(&newest) = self.known.values().max() {
            self.from_ms = self.from_ms.max(newest - SLACK_MS);
        }
        let from = self.from_ms;
        self.known.retain(|_, t| *t >= from);
    }
}

/// The `dlqId` a dead-letter event names, where the API puts it in the event.
fn dlq_id_of(e: &LogEvent) -> Option<&str> {
    e.extra.get("dlqId").and_then(|v| v.as_str())
}

/// The DLQ entries an event is about: by its `dlqId`, or by its message id (QStash DLQ).
async fn entries_of(
    client: &Client,
    sel: &Selection,
    e: &LogEvent,
) -> Result<Vec<DlqEntry>, ApiError> {
    if let Some(id) = dlq_id_of(e) {
        return match client.dlq_get(sel.kind, id).await {
            Ok(entry) => Ok(vec![entry]),
            Err(ApiError::NotFound { .. }) => Ok(Vec::new()),
            Err(err) => Err(err),
        };
    }
    let Some(message_id) = e.message_id.clone() else {
        return Ok(Vec::new());
    };
    let f = crate::client::DlqFilter {
        message_id: Some(message_id),
        ..crate::client::DlqFilter::default()
    };
    Ok(client
        .dlq_page(DlqKind::Qstash, &f, None, 100)
        .await?
        .messages)
}

/// Every `FAILED` event at or after `from_ms`.
async fn failed_since(client: &Client, from_ms: i64) -> Result<Vec<LogEvent>, ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client
            .logs_page("FAILED", from_ms, cursor.as_deref())
            .await?;
        out.extend(page.logs);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Reads every matching entry once: those not in `seen` are new (added to it and passed to
/// `each_new`). Returns how many were new and the ids there now. An entry passed on stays in
/// `seen` even when the read fails half-way, so it is never passed on twice.
async fn full_look(
    client: &Client,
    sel: &Selection,
    concurrency: usize,
    seen: &mut HashSet<String>,
    mut each_new: impl FnMut(DlqEntry) -> std::io::Result<()>,
) -> std::io::Result<Result<(u64, HashSet<String>), ApiError>> {
    let mut now = HashSet::new();
    let mut new = 0;
    let mut pager = Pager::new(client, sel, Reading::with_concurrency(concurrency));
    loop {
        match pager.next().await {
            Ok(Some(batch)) => {
                for e in batch {
                    now.insert(e.dlq_id.clone());
                    if seen.insert(e.dlq_id.clone()) {
                        new += 1;
                        each_new(e)?;
                    }
                }
            }
            Ok(None) => return Ok(Ok((new, now))),
            Err(e) => return Ok(Err(e)),
        }
    }
}
