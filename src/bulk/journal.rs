//! The append-only NDJSON journal of a bulk run: one plan record, then one record per id and
//! outcome, flushed after each response and before the next chunk is sent. A torn last line
//! (the process was killed mid-write) is ignored when resuming. It never holds the token.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Action, Group, Outcome, Status};
use crate::config::TargetName;

/// What a new journal's plan record holds besides its groups.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// The ids are selected as the run goes, by this selection.
    pub selection: Option<Selection>,
    pub target: Option<TargetName>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Record {
    #[serde(rename_all = "camelCase")]
    Plan {
        version: u32,
        action: Action,
        workflow: bool,
        ids: Vec<String>,
        created_at: String,
        /// More groups of a run that acts on both DLQs (retried QStash entries and resumed
        /// workflow runs); the fields above are its first group.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        also: Vec<Group>,
        /// The ids are selected as the run goes (listing and acting side by side): they follow
        /// in `selected` records, each written before any of its ids is acted on, and a
        /// `selectionDone` record ends them.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        selecting: bool,
        /// What a selecting run lists, so that `--resume` can list the rest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selection: Option<Box<Selection>>,
        /// What the run acts on (URL and profile, never the token): `--resume` acts only there.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<TargetName>,
    },
    /// More ids of the (first) group, selected while the run went on; `through`: the newest
    /// `createdAt` selected so far (entries are listed oldest first).
    Selected {
        ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        through: Option<i64>,
    },
    /// The selection was read to its end: `count` ids in all.
    #[serde(rename_all = "camelCase")]
    SelectionDone {
        count: usize,
    },
    Outcome(Outcome),
}

/// What a selecting run lists: the filters and the newest `createdAt` it takes (the time the
/// run started; later entries are not part of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub select: crate::select::Saved,
    pub until: i64,
}

/// An open journal.
pub struct Journal {
    path: PathBuf,
    file: File,
}

/// What a journal says.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub action: Action,
    pub workflow: bool,
    pub ids: Vec<String>,
    /// The run's other groups (see [`Record::Plan`]).
    pub also: Vec<Group>,
    /// Ids with a final outcome (retried, deleted or gone).
    pub done: HashSet<String>,
    pub outcomes: Vec<Outcome>,
    /// False when ids were selected as the run went and the listing stopped before its end:
    /// the plan holds what was selected until then, and `selection` what is left to list
    /// (from `through` on).
    pub selection_complete: bool,
    pub selection: Option<Selection>,
    pub through: Option<i64>,
    /// When the journal was begun (ms), from its plan record.
    pub created_ms: Option<i64>,
    /// What the run acted on (journals before 0.2 do not say).
    pub target: Option<TargetName>,
}

impl Loaded {
    /// Every group of the plan, first one first.
    pub fn groups(&self) -> Vec<Group> {
        let mut g = vec![Group {
            action: self.action,
            workflow: self.workflow,
            ids: self.ids.clone(),
        }];
        g.extend(self.also.iter().cloned());
        g
    }
}

impl Journal {
    /// Creates a journal and writes the plan (at least one group); with `selecting`, the
    /// first group's ids follow in [`Journal::selected`] records.
    pub fn create(path: &Path, groups: &[Group], start: Start) -> std::io::Result<Journal> {
        let Start { selection, target } = start;
        let Some((first, also)) = groups.split_first() else {
            return Err(std::io::Error::other("a journal needs a plan"));
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists; a journal is never overwritten (use --resume to continue it)",
                    path.display()
                ),
            ));
        }
        // The plan is written to a side file and renamed into place, so a journal always
        // starts with a whole plan, even if the process is killed while writing it.
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let (tmp, mut f) = crate::fsx::create_scratch(dir, ".dlq-journal-", ".tmp")?;
        {
            let plan = Record::Plan {
                version: 1,
                action: first.action,
                workflow: first.workflow,
                ids: first.ids.clone(),
                created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                also: also.to_vec(),
                selecting: selection.is_some(),
                selection: selection.map(Box::new),
                target,
            };
            let mut buf = serde_json::to_vec(&plan)?;
            buf.push(b'\n');
            f.write_all(&buf)?;
            f.sync_all()?;
        }
        drop(f);
        std::fs::rename(&tmp, path)?;
        let file = crate::fsx::open_append(path)?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Opens an existing journal to continue it.
    pub fn reopen(path: &Path) -> std::io::Result<Journal> {
        let file = crate::fsx::open_append(path)?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
        };
        // A torn last line would glue onto the next record: start on a fresh line.
        j.file.write_all(b"\n")?;
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A journal whose writes all fail (its file open for reading only), for tests of what
    /// a run does when it cannot record.
    #[cfg(test)]
    pub(crate) fn unwritable(path: &Path) -> std::io::Result<Journal> {
        Ok(Journal {
            path: path.to_path_buf(),
            file: File::open(path)?,
        })
    }

    /// Appends records and flushes them to the OS.
    pub fn append(&mut self, records: &[Record]) -> std::io::Result<()> {
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r)?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()
    }

    /// Records ids selected as the run goes, the newest created `through`; called before any
    /// of them is acted on.
    pub fn selected(&mut self, ids: &[String], through: Option<i64>) -> std::io::Result<()> {
        self.append(&[Record::Selected {
            ids: ids.to_vec(),
            through,
        }])
    }

    /// Records that the selection was read to its end.
    pub fn selection_done(&mut self, count: usize) -> std::io::Result<()> {
        self.append(&[Record::SelectionDone { count }])
    }

    pub fn outcomes(&mut self, o: &[Outcome]) -> std::io::Result<()> {
        let recs: Vec<Record> = o.iter().cloned().map(Record::Outcome).collect();
        self.append(&recs)
    }
}

/// Reads a journal; lines that do not parse (a torn write) are skipped.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let f = File::open(path).map_err(|e| format!("cannot open journal {}: {e}", path.display()))?;
    let mut plan = None;
    let mut outcomes = Vec::new();
    let mut selected: Vec<String> = Vec::new();
    let mut selecting = false;
    let mut selection_done = false;
    let mut selection = None;
    let mut through: Option<i64> = None;
    let mut created_ms = None;
    let mut target = None;
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(&line) {
            Ok(Record::Plan {
                action,
                workflow,
                ids,
                also,
                selecting: s,
                selection: sel,
                created_at,
                target: t,
                ..
            }) if plan.is_none() => {
                target = t;
                created_ms = chrono::DateTime::parse_from_rfc3339(&created_at)
                    .ok()
                    .map(|t| t.timestamp_millis());
                selecting = s;
                selection = sel.map(|b| *b);
                plan = Some((action, workflow, ids, also));
            }
            Ok(Record::Plan { .. }) => {}
            Ok(Record::Selected { ids, through: t }) => {
                selected.extend(ids);
                through = through.max(t);
            }
            Ok(Record::SelectionDone { .. }) => selection_done = true,
            Ok(Record::Outcome(o)) => outcomes.push(o),
            Err(_) => {}
        }
    }
    let (action, workflow, mut ids, also) =
        plan.ok_or_else(|| format!("{} is not a dlq journal (no plan record)", path.display()))?;
    ids.extend(selected);
    let done = outcomes
        .iter()
        .filter(|o| o.status != Status::Failed)
        .map(|o| o.dlq_id.clone())
        .collect();
    Ok(Loaded {
        action,
        workflow,
        ids,
        also,
        done,
        outcomes,
        selection_complete: !selecting || selection_done,
        selection,
        through,
        created_ms,
        target,
    })
}

/// Where journals live: `<state dir>/dlq/journals` (`~/.local/state/dlq/journals` on Linux).
pub fn dir() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("dlq")
        .join("journals")
}

/// `<journal dir>/<time>-<action>.ndjson`.
pub fn default_path(action: Action) -> PathBuf {
    stamped(action.name())
}

/// `<journal dir>/<time>-<what>.ndjson`.
pub fn stamped(what: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    dir().join(format!("{stamp}-{what}.ndjson"))
}

impl Loaded {
    /// Every id of the plan has a final outcome.
    pub fn is_complete(&self) -> bool {
        self.groups()
            .iter()
            .flat_map(|g| g.ids.iter())
            .all(|i| self.done.contains(i))
    }

    /// Ids without a final outcome yet.
    pub fn left(&self) -> usize {
        self.groups()
            .iter()
            .flat_map(|g| g.ids.iter())
            .filter(|i| !self.done.contains(*i))
            .count()
    }
}

/// Journals in `dir`, newest first (by name: they start with their creation time).
fn journals_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .collect();
    v.sort();
    v.reverse();
    v
}

/// Removes completed journals older than `max_age` from `dir`; returns how many. Unfinished
/// ones are kept whatever their age (they are what `--resume` needs).
pub fn prune(dir: &Path, max_age: std::time::Duration) -> usize {
    let mut n = 0;
    for p in journals_in(dir) {
        let old = std::fs::metadata(&p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > max_age);
        if old && load(&p).is_ok_and(|l| l.is_complete()) && std::fs::remove_file(&p).is_ok() {
            n += 1;
        }
    }
    n
}

/// The newest unfinished journal in `dir` of a run on `target` that `accepts` (retry or
/// delete); journals that do not name their target are left to be given by path.
pub fn latest_unfinished(
    dir: &Path,
    target: &TargetName,
    accepts: impl Fn(Action) -> bool,
) -> Option<(PathBuf, Loaded)> {
    journals_in(dir).into_iter().find_map(|p| {
        let l = load(&p).ok()?;
        (accepts(l.action) && !l.is_complete() && l.target.as_ref() == Some(target))
            .then_some((p, l))
    })
}

/// Refuses to continue a journal on another target than its own, naming both.
pub fn check_target(path: &Path, l: &Loaded, now: &TargetName) -> Result<(), String> {
    match &l.target {
        Some(t) if t != now => Err(format!(
            "{} is the journal of a run on {t}, not on {now}: resume it against {t} (its URL and profile)",
            path.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(t: &TargetName) -> Start {
        Start {
            selection: None,
            target: Some(t.clone()),
        }
    }

    #[test]
    fn prune_keeps_unfinished_and_recent_journals() {
        let t = TargetName {
            url: "http://127.0.0.1:1".into(),
            profile: Some("p".into()),
        };
        let dir = tempfile::tempdir().unwrap();
        let group = |ids: &[&str]| Group {
            action: Action::Delete,
            workflow: false,
            ids: ids.iter().map(|s| s.to_string()).collect(),
        };
        let done = dir.path().join("20200101T000000.000Z-delete.ndjson");
        let mut j = Journal::create(&done, &[group(&["1-0"])], Start::default()).unwrap();
        j.outcomes(&[Outcome::deleted("1-0")]).unwrap();
        let open = dir.path().join("20200102T000000.000Z-delete.ndjson");
        Journal::create(&open, &[group(&["2-0"])], named(&t)).unwrap();
        assert_eq!(
            prune(dir.path(), std::time::Duration::from_secs(3600)),
            0,
            "recent"
        );
        assert_eq!(prune(dir.path(), std::time::Duration::ZERO), 1);
        assert!(!done.exists() && open.exists());
        let (p, l) = latest_unfinished(dir.path(), &t, |a| a == Action::Delete).unwrap();
        assert_eq!((p, l.left()), (open.clone(), 1));
        assert!(latest_unfinished(dir.path(), &t, |a| a == Action::Retry).is_none());
        let other = TargetName {
            url: "https://elsewhere.example".into(),
            profile: None,
        };
        assert!(latest_unfinished(dir.path(), &other, |a| a == Action::Delete).is_none());
        let e = check_target(&open, &l, &other).unwrap_err();
        assert!(
            e.contains("on http://127.0.0.1:1 (profile p), not on https://elsewhere.example"),
            "{e}"
        );
        assert!(check_target(&open, &l, &t).is_ok());
    }

    #[test]
    fn round_trip_and_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.ndjson");
        let mut j = Journal::create(
            &p,
            &[
                Group {
                    action: Action::Retry,
                    workflow: false,
                    ids: vec!["1-0".into(), "2-0".into()],
                },
                Group {
                    action: Action::Resume,
                    workflow: true,
                    ids: vec!["3-0".into()],
                },
            ],
            Start::default(),
        )
        .unwrap();
        j.outcomes(&[
            Outcome::retried("1-0", Some("msg_a".into()), None),
            Outcome::failed("2-0", "boom".into()),
        ])
        .unwrap();
        drop(j);
        // A torn write at the end.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"type\":\"outcome\",\"dlq")
            .unwrap();
        let l = load(&p).unwrap();
        assert_eq!(l.ids.len(), 2);
        let groups = l.groups();
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[1].action, groups[1].workflow),
            (Action::Resume, true)
        );
        assert!(l.done.contains("1-0") && !l.done.contains("2-0"));
        let mut j = Journal::reopen(&p).unwrap();
        j.outcomes(&[Outcome::not_found("3-0")]).unwrap();
        let l = load(&p).unwrap();
        assert!(
            l.done.contains("3-0"),
            "a record after a torn line still counts"
        );
        assert!(
            Journal::create(&p, &groups, Start::default()).is_err(),
            "never overwrites a journal"
        );
    }

    #[test]
    fn a_selecting_journal_holds_what_was_selected_before_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.ndjson");
        let group = Group {
            action: Action::Retry,
            workflow: false,
            ids: vec![],
        };
        let sel = Selection {
            select: crate::select::Saved {
                workflow: false,
                filter: Default::default(),
                status: vec!["5xx".into()],
                grep: vec![],
                header: vec!["x-a=b".into()],
                message_id: None,
            },
            until: 99,
        };
        let mut j = Journal::create(
            &p,
            std::slice::from_ref(&group),
            Start {
                selection: Some(sel.clone()),
                target: None,
            },
        )
        .unwrap();
        j.selected(&["1-0".into(), "2-0".into()], Some(2)).unwrap();
        j.outcomes(&[Outcome::retried("1-0", None, None)]).unwrap();
        j.selected(&["3-0".into()], Some(3)).unwrap();
        let l = load(&p).unwrap();
        assert_eq!(l.ids, ["1-0", "2-0", "3-0"]);
        assert!(!l.selection_complete, "the listing had not ended");
        assert_eq!((l.selection.clone(), l.through), (Some(sel), Some(3)));
        assert_eq!(l.left(), 2);
        j.selection_done(3).unwrap();
        assert!(load(&p).unwrap().selection_complete);
    }
}
