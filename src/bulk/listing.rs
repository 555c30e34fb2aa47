//! Listing and acting side by side (`--all-matching --yes`): the selection's batches become
//! a stream of ids for the executor, each batch journaled (a `selected` record with the newest
//! `createdAt` so far) before any of its ids is acted on, so `--resume` after a stop lists the
//! rest and acts on nothing twice.

use std::collections::HashSet;

use parking_lot::Mutex;

use super::journal::Journal;
use super::{Progress, StopFlag};
use crate::client::ApiError;
use crate::pager::Pager;

/// What the listing side reports when the stream ends.
#[derive(Default)]
pub struct Listed {
    /// Ids selected in all (those an interrupted run had selected included).
    pub count: Mutex<usize>,
    /// Listing failed: the ids selected before are in the journal.
    pub list_error: Mutex<Option<ApiError>>,
    pub journal_error: Mutex<Option<std::io::Error>>,
}

impl Listed {
    /// Starts the count at the ids selected before (a resumed listing).
    pub fn after(selected_before: usize) -> Listed {
        Listed {
            count: Mutex::new(selected_before),
            ..Listed::default()
        }
    }
}

/// The ids of each batch `pager` reads, less `skip` (selected by an interrupted run), ending
/// at the listing's end, its first error, a journal that cannot be written, or `stop`.
pub fn ids<'a>(
    pager: Pager,
    skip: &'a HashSet<String>,
    listed: &'a Listed,
    journal: Option<&'a Mutex<Journal>>,
    progress: &'a dyn Progress,
    stop: &'a StopFlag,
) -> impl futures::Stream<Item = Vec<String>> + 'a {
    futures::stream::unfold(pager, move |mut pager| async move {
        if stop.stopped() {
            return None;
        }
        match pager.next().await {
            Ok(Some(batch)) => {
                let through = batch.iter().filter_map(|e| e.created_at).max();
                let ids: Vec<String> = batch
                    .into_iter()
                    .map(|e| e.dlq_id)
                    .filter(|i| !skip.contains(i))
                    .collect();
                if let Some(j) = journal
                    && let Err(e) = j.lock().selected(&ids, through)
                {
                    listed.journal_error.lock().get_or_insert(e);
                    return None;
                }
                *listed.count.lock() += ids.len();
                progress.grow(ids.len() as u64);
                Some((ids, pager))
            }
            Ok(None) => {
                let n = *listed.count.lock();
                if let Some(j) = journal
                    && let Err(e) = j.lock().selection_done(n)
                {
                    listed.journal_error.lock().get_or_insert(e);
                }
                None
            }
            Err(e) => {
                listed.list_error.lock().get_or_insert(e);
                None
            }
        }
    })
}
