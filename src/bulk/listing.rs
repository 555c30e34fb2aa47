//! Listing and acting side by side (`--all-matching --yes`): the selection's batches become
//! a stream of ids for the executor, each batch journaled (a `selected` record with the newest
//! `createdAt` so far) before any of its ids is acted on, so `--resume` after a stop lists the
//! rest and acts on nothing twice.

use std::collections::HashSet;

use parking_lot::Mutex;

use super::journal::Journal;
use super::{Progress, StopFlag};
use crate::client::ApiError;
use crate::model::DlqEntry;
use crate::pager::Pager;

/// Where the selection's batches come from: the [`Pager`] (or, in tests, a list).
pub trait Batches: Send {
    /// The next batch of matching entries; `None` after the last.
    fn next_batch(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Vec<DlqEntry>>, ApiError>> + Send;
}

impl Batches for Pager {
    async fn next_batch(&mut self) -> Result<Option<Vec<DlqEntry>>, ApiError> {
        self.next().await
    }
}

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
    pager: impl Batches + 'a,
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
        match pager.next_batch().await {
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

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::bulk::journal::{self, Start};
    use crate::bulk::{Action, Group, Outcome};

    /// Batches from a list, then an end or an error.
    struct Listed_(Vec<Result<Vec<DlqEntry>, ApiError>>);

    impl Batches for Listed_ {
        async fn next_batch(&mut self) -> Result<Option<Vec<DlqEntry>>, ApiError> {
            if self.0.is_empty() {
                return Ok(None);
            }
            self.0.remove(0).map(Some)
        }
    }

    fn entry(id: &str, created_at: i64) -> DlqEntry {
        serde_json::from_value(serde_json::json!({"dlqId": id, "createdAt": created_at})).unwrap()
    }

    struct Count(Mutex<u64>);
    impl Progress for Count {
        fn advance(&self, _: &[Outcome]) {}
        fn grow(&self, n: u64) {
            *self.0.lock() += n;
        }
    }

    fn journal(dir: &std::path::Path) -> (std::path::PathBuf, Mutex<Journal>) {
        let p = dir.join("j.ndjson");
        let g = Group {
            action: Action::Delete,
            workflow: false,
            ids: vec![],
        };
        let selection = journal::Selection {
            select: crate::select::Saved::default(),
            until: 99,
        };
        let start = Start {
            selection: Some(selection),
            target: None,
        };
        let j = Journal::create(&p, &[g], start).unwrap();
        (p, Mutex::new(j))
    }

    #[tokio::test]
    async fn each_batch_is_journaled_before_its_ids_are_handed_on() {
        let dir = tempfile::tempdir().unwrap();
        let (path, j) = journal(dir.path());
        let source = Listed_(vec![
            Ok(vec![entry("1-0", 1), entry("3-0", 3), entry("2-0", 2)]),
            Ok(vec![entry("4-0", 4)]),
        ]);
        let skip: HashSet<String> = ["3-0".to_string()].into();
        let (listed, bar, stop) = (Listed::after(1), Count(Mutex::new(0)), StopFlag::default());
        let mut s = std::pin::pin!(ids(source, &skip, &listed, Some(&j), &bar, &stop));
        let first = s.next().await.unwrap();
        assert_eq!(first, ["1-0", "2-0"], "an id selected before is skipped");
        // The batch is in the journal, through its newest createdAt, before it is acted on.
        let l = journal::load(&path).unwrap();
        assert_eq!((l.ids.clone(), l.through), (first.clone(), Some(3)));
        assert!(!l.selection_complete);
        assert_eq!(s.next().await.unwrap(), ["4-0"]);
        assert!(s.next().await.is_none());
        assert_eq!(
            *listed.count.lock(),
            4,
            "the one selected before and three new"
        );
        assert_eq!(*bar.0.lock(), 3, "the bar grows by what is new");
        assert!(journal::load(&path).unwrap().selection_complete);
    }

    #[tokio::test]
    async fn a_stop_or_a_listing_error_ends_the_ids_and_is_kept() {
        let (skip, bar) = (HashSet::new(), Count(Mutex::new(0)));
        let source = Listed_(vec![
            Ok(vec![entry("1-0", 1)]),
            Err(ApiError::Decode("boom".into())),
            Ok(vec![entry("2-0", 2)]),
        ]);
        let (listed, stop) = (Listed::default(), StopFlag::default());
        let all: Vec<Vec<String>> = ids(source, &skip, &listed, None, &bar, &stop)
            .collect()
            .await;
        assert_eq!(all, [vec!["1-0".to_string()]]);
        assert!(
            listed.list_error.lock().is_some(),
            "the error is kept for the report"
        );

        let source = Listed_(vec![Ok(vec![entry("1-0", 1)]), Ok(vec![entry("2-0", 2)])]);
        let listed = Listed::default();
        let stop = StopFlag::default();
        let mut s = std::pin::pin!(ids(source, &skip, &listed, None, &bar, &stop));
        assert_eq!(s.next().await.unwrap(), ["1-0"]);
        stop.stop();
        assert!(s.next().await.is_none(), "nothing is listed after a stop");
        assert_eq!(*listed.count.lock(), 1);
    }

    #[tokio::test]
    async fn a_journal_that_cannot_be_written_hands_on_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = journal(dir.path());
        let j = Mutex::new(Journal::unwritable(&path).unwrap());
        let source = Listed_(vec![Ok(vec![entry("1-0", 1)]), Ok(vec![entry("2-0", 2)])]);
        let (skip, bar) = (HashSet::new(), Count(Mutex::new(0)));
        let (listed, stop) = (Listed::default(), StopFlag::default());
        let all: Vec<Vec<String>> = ids(source, &skip, &listed, Some(&j), &bar, &stop)
            .collect()
            .await;
        assert!(
            all.is_empty(),
            "an id not journaled is never acted on: {all:?}"
        );
        assert!(
            listed.journal_error.lock().is_some(),
            "the error is kept for the report"
        );
        assert_eq!((*listed.count.lock(), *bar.0.lock()), (0, 0));
    }
}
