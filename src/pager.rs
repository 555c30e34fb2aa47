//! The one way commands read many DLQ entries: the API's pages (following the cursor) with the
//! local refinements the API cannot do (`--status 5xx`, `--grep`, `--header`) applied, one page
//! at a time, so memory does not grow with the DLQ. `list` and the bulk plan read through it.

use crate::client::{ApiError, Client};
use crate::model::DlqEntry;
use crate::select::Selection;

/// Reads the entries a selection matches, oldest first, as the API pages them.
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
