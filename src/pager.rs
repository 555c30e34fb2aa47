//! How commands read many DLQ entries: the API's pages (following the cursor) with the local
//! refinements the API cannot do (`--status 5xx`, `--grep`, `--header`) applied, one page at a
//! time, so memory does not grow with the DLQ ([`Pager`]: `list` and the bulk plan read through
//! it); and the newest entries first, for a person at a terminal ([`newest_first`]).

use crate::client::{ApiError, Client};
use crate::model::DlqEntry;
use crate::select::Selection;

/// Reads the entries a selection matches, in the order the API pages them.
pub struct Pager<'a> {
    client: &'a Client,
    sel: &'a Selection,
    cursor: Option<String>,
    page_size: usize,
    done: bool,
}

impl<'a> Pager<'a> {
    /// A pager that wants at most `want` entries (smaller pages when the API's filters are all
    /// there is).
    pub fn new(client: &'a Client, sel: &'a Selection, want: Option<usize>) -> Pager<'a> {
        let page_size = match want {
            Some(n) if sel.refine.is_empty() => n.clamp(1, 100),
            _ => 100,
        };
        Pager {
            client,
            sel,
            cursor: None,
            page_size,
            done: false,
        }
    }

    /// The next page's matching entries; `None` after the last page.
    pub async fn next(&mut self) -> Result<Option<Vec<DlqEntry>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .client
            .dlq_page(
                self.sel.kind,
                &self.sel.server,
                self.cursor.as_deref(),
                self.page_size,
            )
            .await?;
        match page.cursor {
            Some(c) => self.cursor = Some(c),
            None => self.done = true,
        }
        Ok(Some(
            page.messages
                .into_iter()
                .filter(|e| self.sel.refine.matches(e))
                .collect(),
        ))
    }

    /// Whether pages may follow.
    pub fn has_more(&self) -> bool {
        !self.done
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
                .then_with(|| b.dlq_id.cmp(&a.dlq_id))
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
