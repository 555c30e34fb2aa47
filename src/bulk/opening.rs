//! Opening the journal stage: which runs keep one, and where.

use std::path::PathBuf;

use super::Action;
use super::journal::{self, Journal};
use super::resolve::{JOURNAL_KEEP, Plan};
use crate::cli::BulkArgs;
use crate::config::TargetName;
use crate::error::{CliError, Exit};

/// A single id needs no journal (its outcome is printed), unless one is asked for; a resumed
/// run continues its own; a run that selects as it goes always keeps one.
pub fn wanted(p: &Plan, journal: Option<&std::path::Path>) -> bool {
    p.resume.is_some() || journal.is_some() || p.total() > 1 || p.selecting.is_some()
}

/// Where a new journal goes: `--journal FILE`, or a stamped file in the journal directory
/// (old finished journals there are pruned first).
fn new_path(p: &Plan, given: Option<&std::path::Path>) -> PathBuf {
    match given {
        Some(path) => path.to_path_buf(),
        None => {
            journal::prune(&journal::dir(), JOURNAL_KEEP);
            let first = p.groups.first().map(|g| g.action).unwrap_or(Action::Retry);
            journal::default_path(first)
        }
    }
}

/// Opens the run's journal, if it keeps one: the resumed journal, or a new one with the plan.
pub fn open(p: &Plan, b: &BulkArgs, target: &TargetName) -> Result<Option<Journal>, CliError> {
    if !wanted(p, b.journal.as_deref()) {
        return Ok(None);
    }
    let opened = match &p.resume {
        Some(path) => Journal::reopen(path),
        None => {
            let path = new_path(p, b.journal.as_deref());
            let selection = p.selecting.as_ref().map(|s| journal::Selection {
                select: s.sel.save(),
                until: s.until,
            });
            let start = journal::Start {
                selection,
                target: Some(target.clone()),
            };
            Journal::create(&path, &p.groups, start)
        }
    };
    opened.map(Some).map_err(|e| CliError {
        exit: Exit::Error,
        message: format!("cannot write the journal: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::Group;

    fn plan(n: usize) -> Plan {
        Plan {
            groups: vec![Group {
                action: Action::Delete,
                workflow: false,
                ids: (0..n).map(|i| format!("{i}-0")).collect(),
            }],
            ..Plan::default()
        }
    }

    #[test]
    fn one_id_keeps_no_journal_unless_asked() {
        assert!(!wanted(&plan(1), None));
        assert!(wanted(&plan(1), Some(std::path::Path::new("j.ndjson"))));
        assert!(wanted(&plan(2), None));
        let mut resumed = plan(1);
        resumed.resume = Some("j.ndjson".into());
        assert!(wanted(&resumed, None));
    }

    #[test]
    fn a_new_journal_holds_the_plan_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.ndjson");
        let p = plan(2);
        let j = Journal::create(&new_path(&p, Some(&path)), &p.groups, Default::default()).unwrap();
        assert_eq!(j.path(), path);
        let l = journal::load(&path).unwrap();
        assert_eq!(l.ids, ["0-0", "1-0"]);
        assert!(Journal::create(&path, &p.groups, Default::default()).is_err());
    }
}
