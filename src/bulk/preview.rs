//! The dry run's data: exactly what the run would do to each entry. The planned entries are
//! read where the selection did not read them (ids as arguments, NDJSON or JSON on stdin, a
//! journal), so an id is "not in the DLQ" only when the API says so; entries the run would be
//! refused for are named with the reason; the overrides are the run's own; and the exit code
//! is the one the run would give.

use std::collections::HashMap;

use crate::bulk::resolve::{Plan, Spec};
use crate::bulk::{Action, Group, Summary, verdict};
use crate::client::Headers;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::model::DlqEntry;

/// One entry the run would act on.
#[derive(Debug, Clone)]
pub struct Row {
    pub entry: DlqEntry,
    pub action: Action,
    /// Why the run would fail for this entry without changing it (a failure function that
    /// cannot be re-run).
    pub refusal: Option<String>,
    /// Why the action may not do what is hoped (a resume that replays a failed call).
    pub warning: Option<String>,
}

/// What a dry run shows.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// The groups less the ids that are not in the DLQ.
    pub present: Vec<Group>,
    pub rows: Vec<Row>,
    /// Ids the API does not have (already retried, deleted or expired).
    pub missing: Vec<String>,
    /// The publish settings the run sends (`--retries`, `--delay`, …, `--new-run-id`).
    pub overrides: Headers,
    /// What the run acts on.
    pub target: String,
    /// A resumed run: ids already gone are expected (an earlier attempt may have done them).
    pub resumed: bool,
    /// `--canary[=N]`: each destination's first N go alone.
    pub canary: Option<usize>,
}

impl Preview {
    /// The canaries' lanes (`--canary`), of the entries that would not be refused.
    pub fn lanes(&self) -> Vec<super::canary::Lane> {
        let Some(n) = self.canary else {
            return Vec::new();
        };
        let sent: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.refusal.is_none() && r.action != Action::Delete)
            .collect();
        let ids: Vec<String> = sent.iter().map(|r| r.entry.dlq_id.clone()).collect();
        let entries: Vec<DlqEntry> = sent.iter().map(|r| r.entry.clone()).collect();
        super::canary::lanes(&ids, &entries, n)
    }
}

impl Preview {
    /// The exit code the run would give: 3 or 4 when ids are missing, 3 or 1 when entries
    /// would be refused (as the run's verdict decides).
    pub fn verdict(&self) -> Result<(), CliError> {
        let refused = self.rows.iter().filter(|r| r.refusal.is_some()).count();
        let t = verdict::Tally {
            summary: Summary {
                done: self.rows.len() - refused,
                not_found: self.missing.len(),
                failed: refused,
            },
            total: self.rows.len() + self.missing.len(),
            resumed: self.resumed,
            ..verdict::Tally::default()
        };
        verdict::verdict(&t).map_err(|e| CliError {
            exit: e.exit,
            message: format!(
                "dry run: the run would exit {}: {}",
                e.exit as u8, e.message
            ),
        })
    }
}

/// Reads the planned entries (those the selection did not read already, in as few calls as
/// the API allows) and says what the run would do to each.
pub async fn gather(ctx: &Ctx, p: &Plan, spec: &Spec) -> anyhow::Result<Preview> {
    let mut by_id: HashMap<String, DlqEntry> = p
        .all_entries(&ctx.client)
        .await?
        .into_iter()
        .map(|e| (e.dlq_id.clone(), e))
        .collect();
    let mut v = Preview {
        overrides: overrides(p, spec),
        target: ctx.target.to_string(),
        resumed: p.resume.is_some(),
        canary: spec.canary,
        ..Preview::default()
    };
    for g in &p.groups {
        let mut here = Vec::new();
        for id in &g.ids {
            match by_id.remove(id) {
                Some(entry) => {
                    here.push(id.clone());
                    v.rows.push(Row {
                        refusal: refusal(g.action, &entry),
                        warning: warning(g.action, &entry),
                        entry,
                        action: g.action,
                    });
                }
                None => v.missing.push(id.clone()),
            }
        }
        if !here.is_empty() {
            v.present.push(Group {
                ids: here,
                ..g.clone()
            });
        }
    }
    Ok(v)
}

/// Why the API would refuse the action on this entry, if it would.
fn refusal(action: Action, e: &DlqEntry) -> Option<String> {
    match action {
        Action::Callback => crate::bulk::exec::callback_refusal(
            &e.dlq_id,
            e.failure_function_state.as_deref(),
            crate::workflow_run::no_failure_function(e),
        ),
        _ => None,
    }
}

/// What a retry of `e` should be warned of: a diagnosis that says it cannot succeed until
/// something changes (a deleted deployment, a route without the method, a signature
/// mismatch, an intended stop; for a failure function re-run, its own failure's), and a resume
/// that replays a cached failed result. `None` for a delete.
pub fn warning(action: Action, e: &DlqEntry) -> Option<String> {
    let mut w: Vec<String> = Vec::new();
    let diagnosis = match action {
        Action::Retry | Action::Resume | Action::Restart | Action::Import => {
            Some(crate::diagnose::diagnose(e))
        }
        Action::Callback => crate::diagnose::diagnose_failure_function(e),
        Action::Delete => None,
    };
    if let Some(d) = diagnosis.filter(|d| d.needs_change) {
        w.push(format!(
            "{} will fail again until it is fixed: {}",
            d.id, d.fix
        ));
    }
    w.extend(replayed_failure(action, e));
    (!w.is_empty()).then(|| w.join("; "))
}

/// A resume replays the run's cached results: one that failed outside the app (a call that
/// answered an error, a wait that timed out) makes the run fail the same way again.
fn replayed_failure(action: Action, e: &DlqEntry) -> Option<String> {
    if action != Action::Resume {
        return None;
    }
    let run = crate::workflow_run::decode(e, false)?;
    let cached = crate::workflow_run::cached_failures(&run);
    (!cached.is_empty()).then(|| {
        format!(
            "resuming replays {}: the run may fail the same way however the cause was fixed; `--restart` runs it anew",
            cached.join(" and ")
        )
    })
}

/// The headers the run sends with its calls.
fn overrides(p: &Plan, spec: &Spec) -> Headers {
    let mut h = spec.headers.clone();
    if let Some(id) = &p.new_run_id {
        h.push(("Upstash-Workflow-RunId".to_string(), id.clone()));
    }
    h
}
