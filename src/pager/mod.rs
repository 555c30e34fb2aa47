//! How commands read many DLQ entries. [`Pager`]: every matching entry exactly once, oldest
//! first, read through disjoint date windows side by side ([`windows`] plans them), with the
//! local refinements the API cannot do (`--status 5xx`, `--grep`, `--header`) applied; pages
//! stream out as soon as the windows before them are read, and memory stays bounded
//! (`list`, the bulk plan and the picker read through it). [`newest_first`]: the newest
//! entries, for a person at a terminal.

pub mod windows;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use serde_json::value::RawValue;

use crate::client::{ApiError, Client, DlqFilter};
use crate::model::{DlqEntry, EntryKey};
use crate::select::Selection;
use windows::{Dated, Page, Request, Windows};

/// A read-ahead entry: its order key and the JSON the API sent (parsed when handed out).
struct Held {
    key: EntryKey,
    raw: Box<RawValue>,
}

impl Dated for Held {
    fn created_at(&self) -> Option<i64> {
        self.key.created_at
    }
    fn dlq_id(&self) -> &str {
        &self.key.dlq_id
    }
}

/// Entries as the API sent them, with their order keys.
fn held(raw: Vec<Box<RawValue>>) -> Result<Vec<Held>, ApiError> {
    raw.into_iter()
        .map(|raw| {
            let key: EntryKey = serde_json::from_str(raw.get()).map_err(|e| {
                ApiError::Decode(format!("cannot read a DLQ entry the API sent: {e}"))
            })?;
            Ok(Held { key, raw })
        })
        .collect()
}

/// Whether the selection's local refinements keep `h` (they need the whole entry; without
/// them the key is enough).
fn keep(sel: &Selection, h: &Held) -> bool {
    sel.refine.is_empty() || parse_entry(&h.raw).is_ok_and(|e| sel.refine.matches(&e))
}

fn parse_entry(raw: &RawValue) -> Result<DlqEntry, ApiError> {
    serde_json::from_str(raw.get())
        .map_err(|e| ApiError::Decode(format!("cannot read a DLQ entry the API sent: {e}")))
}

/// Calls in flight at once when reading many entries, unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Entries read ahead of the output at most (beyond the pages in flight): a few MiB.
pub(crate) const MAX_HELD: usize = 20_000;

/// How far past its own clock the pager looks: the server's clock may be ahead.
const CLOCK_SLACK_MS: i64 = 60_000;

/// Reads the entries a selection matches, oldest first (by `createdAt`, then `dlqId`).
pub struct Pager {
    rx: mpsc::Receiver<Result<Vec<Held>, ApiError>>,
    task: tokio::task::JoinHandle<()>,
    done: bool,
}

/// How a [`Pager`] reads.
#[derive(Debug, Clone)]
pub struct Reading {
    /// Calls in flight at once.
    pub concurrency: usize,
    /// The newest `createdAt` to read (ms); `None`: now, plus slack for the server's clock.
    pub until_ms: Option<i64>,
    /// The oldest `createdAt` to read (ms), narrowing the selection's own `--from`.
    pub since_ms: Option<i64>,
}

impl Reading {
    /// The defaults, with `concurrency` calls in flight.
    pub fn with_concurrency(concurrency: usize) -> Reading {
        Reading {
            concurrency,
            ..Reading::default()
        }
    }
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            concurrency: DEFAULT_CONCURRENCY,
            until_ms: None,
            since_ms: None,
        }
    }
}

impl Pager {
    /// A pager over `sel`; it starts reading at once, in the background.
    pub fn new(client: &Client, sel: &Selection, reading: Reading) -> Pager {
        // Enough room that the windows' reader rarely waits for the output.
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(read(client.clone(), sel.clone(), reading, tx));
        Pager {
            rx,
            task,
            done: false,
        }
    }

    /// The next batch of matching entries; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<DlqEntry>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        match self.rx.recv().await {
            // Parsed here, by the consumer: the windows' task keeps to the network.
            Some(Ok(b)) => match b.iter().map(|h| parse_entry(&h.raw)).collect() {
                Ok(entries) => Ok(Some(entries)),
                Err(e) => {
                    self.done = true;
                    Err(e)
                }
            },
            Some(Err(e)) => {
                self.done = true;
                Err(e)
            }
            None => {
                self.done = true;
                // The channel closes when the reader ends: after the last window, or if it
                // panicked, which must not pass for the end of the DLQ.
                match (&mut self.task).await {
                    Err(e) if e.is_panic() => Err(ApiError::Decode(
                        "listing stopped unexpectedly (a bug in dlq's pager); nothing after the entries shown was read".into(),
                    )),
                    _ => Ok(None),
                }
            }
        }
    }

    /// Every matching entry (up to `max`).
    pub async fn collect(mut self, max: Option<usize>) -> Result<Vec<DlqEntry>, ApiError> {
        let mut out = Vec::new();
        while let Some(batch) = self.next().await? {
            out.extend(batch);
            if let Some(m) = max
                && out.len() >= m
            {
                out.truncate(m);
                break;
            }
        }
        Ok(out)
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        // Nothing more is read for a pager nobody reads.
        self.task.abort();
    }
}

/// The reader behind a [`Pager`]: plans windows, keeps `concurrency` calls in flight, sends
/// what is ready in order. Any error is sent and ends the reading.
async fn read(
    client: Client,
    sel: Selection,
    reading: Reading,
    tx: mpsc::Sender<Result<Vec<Held>, ApiError>>,
) {
    let read = if sel.server.dlq_ids.is_empty() {
        read_windows(&client, &sel, &reading, &tx).await
    } else {
        read_ids(&client, &sel, &tx).await
    };
    if let Err(e) = read {
        let _ = tx.send(Err(e)).await;
    }
}

/// Exact ids: the API ignores every other filter, dates included; there are few of them, so
/// the cursor is followed.
async fn read_ids(
    client: &Client,
    sel: &Selection,
    tx: &mpsc::Sender<Result<Vec<Held>, ApiError>>,
) -> Result<(), ApiError> {
    let mut cursor: Option<String> = None;
    loop {
        let p = client
            .dlq_page_raw(sel.kind, &sel.server, cursor.as_deref(), 100)
            .await?;
        let mut batch: Vec<Held> = held(p.messages)?
            .into_iter()
            .filter(|h| keep(sel, h))
            .collect();
        windows::sort(&mut batch);
        if tx.send(Ok(batch)).await.is_err() {
            return Ok(());
        }
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

/// The `createdAt` range to read: the selection's, narrowed by `reading`, and never past now
/// plus slack for the server's clock.
fn bounds(sel: &Selection, reading: &Reading) -> (i64, i64) {
    let lo = sel
        .server
        .from_ms
        .into_iter()
        .chain(reading.since_ms)
        .max()
        .unwrap_or(0)
        .max(0);
    let now = chrono::Utc::now().timestamp_millis();
    let hi = reading
        .until_ms
        .unwrap_or(now + CLOCK_SLACK_MS)
        .min(sel.server.to_ms.unwrap_or(i64::MAX));
    (lo, hi)
}

/// One page of one window.
async fn fetch(
    client: &Client,
    sel: &Selection,
    r: Request,
) -> (Request, Result<Page<Held>, ApiError>) {
    let mut f: DlqFilter = sel.server.clone();
    f.from_ms = Some(r.from);
    f.to_ms = Some(r.to);
    let page = client
        .dlq_page_raw(sel.kind, &f, r.cursor.as_deref(), 100)
        .await
        .and_then(|p| {
            Ok(Page {
                entries: held(p.messages)?,
                cursor: p.cursor,
            })
        });
    (r, page)
}

/// Every date window of the range, `concurrency` calls in flight, batches sent in order.
async fn read_windows(
    client: &Client,
    sel: &Selection,
    reading: &Reading,
    tx: &mpsc::Sender<Result<Vec<Held>, ApiError>>,
) -> Result<(), ApiError> {
    let (lo, hi) = bounds(sel, reading);
    let workers = reading.concurrency.max(1);
    let mut plan: Windows<Held> = Windows::new(lo, hi, workers, MAX_HELD);
    let mut flight = FuturesUnordered::new();
    loop {
        while let Some(batch) = plan.pop_ready() {
            if tx.send(Ok(batch)).await.is_err() {
                return Ok(());
            }
        }
        while flight.len() < workers {
            match plan.next_request() {
                Some(r) => flight.push(fetch(client, sel, r)),
                None => break,
            }
        }
        let Some((req, page)) = flight.next().await else {
            if !plan.is_finished() {
                // Never a silent end: windows left unread would be entries missing.
                return Err(ApiError::Decode(
                    "listing stalled with date windows unread (a bug in dlq's pager)".into(),
                ));
            }
            return Ok(());
        };
        plan.complete(&req, page?, |h| keep(sel, h))
            .map_err(|r| refused(&r))?;
    }
}

/// The error for an answer the listing cannot stay exact with.
fn refused(r: &windows::Refused) -> ApiError {
    match r {
        windows::Refused::Outside(o) => misfiled(o),
        windows::Refused::OrderChanged { from, to } => ApiError::Decode(format!(
            "the API answered entries created from {from} to {to} out of the createdAt order its earlier pages were in; the listing stopped rather than risk missing entries"
        )),
    }
}

/// The error for an entry the API answered outside the window asked for.
fn misfiled(o: &windows::OutsideWindow) -> ApiError {
    ApiError::Decode(format!(
        "the API answered an entry created at {} to a request for entries created from {} to {} (fromDate/toDate): it does not filter by date as documented",
        o.created_at
            .map_or_else(|| "an unknown time".to_string(), |t| t.to_string()),
        o.from,
        o.to
    ))
}

/// The first window the newest-first walk reads; it narrows where entries are dense and widens
/// through quiet times.
const FIRST_WINDOW_MS: i64 = 3_600_000;

/// Up to `limit` matching entries, newest first, without an assumption about the API's order:
/// date windows are read backwards from now (`fromDate`/`toDate`, inclusive). A window holding
/// more than a page is narrowed to its newest part before it is read; an empty one makes the
/// next wider. Memory stays at about `limit` + one page. Returns the entries and whether older
/// ones may exist.
pub async fn newest_first(
    client: &Client,
    sel: &Selection,
    now_ms: i64,
    limit: usize,
) -> Result<(Vec<DlqEntry>, bool), ApiError> {
    let lower = sel.server.from_ms.unwrap_or(0).max(0);
    // A little beyond now: the server's clock may be ahead of this one.
    let mut to = sel.server.to_ms.unwrap_or(now_ms + 60_000);
    let mut width = FIRST_WINDOW_MS;
    let mut out: Vec<DlqEntry> = Vec::new();
    while to >= lower && out.len() < limit {
        let from = to.saturating_sub(width - 1).max(lower);
        let mut f = sel.server.clone();
        f.from_ms = Some(from);
        f.to_ms = Some(to);
        let page = client.dlq_page(sel.kind, &f, None, 100).await?;
        if page.cursor.is_some() && from < to {
            // More than a page in this window: read only its newest part first.
            width = ((to - from + 1) / 4).max(1);
            continue;
        }
        let mut batch = page.messages;
        let mut cursor = page.cursor;
        // One millisecond holding more than a page: follow the cursor.
        while let Some(c) = cursor {
            let next = client.dlq_page(sel.kind, &f, Some(&c), 100).await?;
            batch.extend(next.messages);
            cursor = next.cursor;
        }
        batch.retain(|e| sel.refine.matches(e));
        batch.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| crate::parse::compare_dlq_ids(&b.dlq_id, &a.dlq_id))
        });
        if batch.is_empty() {
            width = width.saturating_mul(4);
        }
        out.extend(batch);
        if from == lower {
            to = lower - 1;
            break;
        }
        to = from - 1;
    }
    let more = out.len() > limit || (out.len() >= limit && to >= lower);
    out.truncate(limit);
    Ok((out, more))
}
