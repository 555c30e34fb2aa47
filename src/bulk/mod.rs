//! Bulk retry, delete and import: the run's vocabulary (verbs, actions, groups, outcomes) and
//! the stages of a run, each in its own module: `resolve` (select), `guard`, `preview` and
//! `report` (the dry run), `confirm`, `journal`, `listing` (list and act side by side), `exec`
//! (the calls), `follow` (`--wait`), `runner` (the run's state through the stages), `verdict`.

use serde::{Deserialize, Serialize};

use crate::client::DlqKind;

pub mod canary;
pub mod confirm;
pub mod edit;
pub mod exec;
pub mod follow;
pub mod guard;
pub mod import;
pub mod interrupt;
pub mod journal;
pub mod listing;
pub mod opening;
pub mod order;
pub mod plan;
pub mod preview;
pub mod report;
pub mod resolve;
pub mod runner;
pub mod verdict;

pub use exec::{RunOptions, existing, run, run_stream};
pub use interrupt::StopFlag;

/// The command a bulk run belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Retry,
    Delete,
    Import,
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::Retry => "retry",
            Verb::Delete => "delete",
            Verb::Import => "import",
        }
    }

    /// "Retried", "Deleted": the summary's first word.
    pub fn done_word(self) -> &'static str {
        match self {
            Verb::Retry => "Retried",
            Verb::Delete => "Deleted",
            Verb::Import => "Imported",
        }
    }

    /// The summary's word for entries that needed nothing.
    pub fn gone_word(self) -> &'static str {
        match self {
            Verb::Import => "already imported",
            Verb::Retry | Verb::Delete => "already gone",
        }
    }

    /// Whether a journal of `action` is one of this command's runs.
    pub fn owns(self, action: Action) -> bool {
        match action {
            Action::Delete => self == Verb::Delete,
            Action::Import => self == Verb::Import,
            Action::Retry | Action::Resume | Action::Restart | Action::Callback => {
                self == Verb::Retry
            }
        }
    }
}

/// What a bulk run does to each id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// QStash: republish (`/v2/dlq/retry`).
    Retry,
    /// Workflow: continue from the failed step.
    Resume,
    /// Workflow: start the run again.
    Restart,
    /// Workflow: run the failure callback again.
    Callback,
    Delete,
    /// `dlq import`: publish an archived entry again.
    Import,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Resume => "resume",
            Action::Restart => "restart",
            Action::Callback => "callback",
            Action::Delete => "delete",
            Action::Import => "import",
        }
    }

    /// Ids per call: 100, 50 for restart (documented cap), 1 where there is no bulk form.
    pub fn chunk(self, kind: DlqKind) -> usize {
        match (self, kind) {
            (Action::Restart, _) => 50,
            (Action::Callback | Action::Import, _) | (Action::Delete, DlqKind::Workflow) => 1,
            _ => 100,
        }
    }
}

/// Ids one action applies to, in one DLQ: a run has one group per DLQ it touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub action: Action,
    pub workflow: bool,
    pub ids: Vec<String>,
}

impl Group {
    pub fn kind(&self) -> DlqKind {
        if self.workflow {
            DlqKind::Workflow
        } else {
            DlqKind::Qstash
        }
    }
}

/// The outcome of one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Retried,
    Deleted,
    /// `dlq import`: published again.
    Imported,
    /// `dlq import`: published before (the publish was deduplicated).
    AlreadyImported,
    /// No longer in the DLQ: retried or deleted earlier, or expired.
    NotFound,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub dlq_id: String,
    #[serde(rename = "outcome")]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A failure that trying again will not change (the entry's state forbids the action).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permanent: bool,
    /// `--wait`: what became of the retried message or run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_state: Option<follow::FinalState>,
    /// `--wait`: the new DLQ entry of a retried message or run that failed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_dlq_id: Option<String>,
}

impl Outcome {
    pub fn retried(
        id: &str,
        message_id: Option<String>,
        workflow_run_id: Option<String>,
    ) -> Outcome {
        Outcome {
            dlq_id: id.to_string(),
            status: Status::Retried,
            message_id,
            workflow_run_id,
            error: None,
            permanent: false,
            final_state: None,
            new_dlq_id: None,
        }
    }
    pub fn deleted(id: &str) -> Outcome {
        Outcome {
            dlq_id: id.to_string(),
            status: Status::Deleted,
            message_id: None,
            workflow_run_id: None,
            error: None,
            permanent: false,
            final_state: None,
            new_dlq_id: None,
        }
    }
    pub fn not_found(id: &str) -> Outcome {
        Outcome {
            dlq_id: id.to_string(),
            status: Status::NotFound,
            message_id: None,
            workflow_run_id: None,
            error: None,
            permanent: false,
            final_state: None,
            new_dlq_id: None,
        }
    }
    pub fn failed(id: &str, error: String) -> Outcome {
        Outcome {
            dlq_id: id.to_string(),
            status: Status::Failed,
            message_id: None,
            workflow_run_id: None,
            error: Some(error),
            permanent: false,
            final_state: None,
            new_dlq_id: None,
        }
    }

    /// A failure that trying again will not change.
    pub fn refused(id: &str, error: String) -> Outcome {
        Outcome {
            permanent: true,
            ..Outcome::failed(id, error)
        }
    }
}

/// Told about progress (a bar on a terminal, nothing elsewhere).
pub trait Progress: Send + Sync {
    fn advance(&self, outcomes: &[Outcome]);
    /// `n` more entries to do (selected while the run goes).
    fn grow(&self, _n: u64) {}
}

impl Progress for crate::render::progress::Bar {
    fn advance(&self, outcomes: &[Outcome]) {
        let failed = outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .count();
        self.advance_by(outcomes.len() as u64, failed);
    }
    fn grow(&self, n: u64) {
        crate::render::progress::Bar::grow(self, n);
    }
}

/// Why a run ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    Interrupted,
    TooManyFailures,
    /// Calls in a row could not reach the API (refused, reset, DNS): the server is gone.
    Unreachable,
}

/// Counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub done: usize,
    pub not_found: usize,
    pub failed: usize,
}

pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let mut s = Summary::default();
    for o in outcomes {
        match o.status {
            Status::Retried | Status::Deleted | Status::Imported => s.done += 1,
            Status::NotFound | Status::AlreadyImported => s.not_found += 1,
            Status::Failed => s.failed += 1,
        }
    }
    s
}
