//! Turning a command line into a plan: ids (looked up to see what each entry is), stdin, a
//! filter, the interactive picker, or a journal to resume; the groups (one action per DLQ)
//! the run acts on.

use crate::bulk::{Action, Group, Verb, journal, plan};
use crate::cli::BulkArgs;
use crate::client::{DlqKind, Headers};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::model::DlqEntry;
use crate::pager::{Pager, Reading};
use crate::select::Selection;
use crate::text::sanitize;

/// How a command maps entries to actions.
pub struct Spec {
    pub verb: Verb,
    /// The action for entries of a DLQ.
    pub action: fn(DlqKind) -> Action,
    /// Only workflow entries make sense (--restart, --failure-function).
    pub workflow_only: bool,
    pub headers: Headers,
    pub max_failures: Option<u64>,
    /// `--new-run-id`: the id of the run a single resume or restart starts.
    pub new_run_id: Option<String>,
    /// `--wait`: follow what was retried this long.
    pub wait: Option<std::time::Duration>,
    /// `--canary[=N]`: per destination, N entries first; the rest once they were delivered.
    pub canary: Option<usize>,
}

#[derive(Default)]
pub struct Plan {
    /// One group per DLQ the run acts on.
    pub groups: Vec<Group>,
    /// The selected entries, when the selection read them (for the preview).
    pub entries: Option<Vec<DlqEntry>>,
    pub needs_yes: bool,
    pub resume: Option<std::path::PathBuf>,
    /// `--new-run-id`: the id of the one run a resume or restart starts.
    pub new_run_id: Option<String>,
    /// The ids are this selection's, read as the run goes (after the one group's ids).
    pub selecting: Option<Pending>,
    /// A resumed run: what its journal says was retried before (`--wait` follows them too).
    pub earlier: Vec<super::Outcome>,
    /// A resumed run: when its journal was begun (ms).
    pub since_ms: Option<i64>,
}

/// A selection listed while the run acts on it.
pub struct Pending {
    pub sel: Selection,
    /// The newest `createdAt` taken: the time the run first started.
    pub until: i64,
    /// A resumed listing: from this `createdAt` on, skipping the ids selected before.
    pub since: Option<i64>,
    pub skip: std::collections::HashSet<String>,
}

impl Plan {
    /// Every planned entry: those the selection read, and the others read now by id (in as
    /// few calls as the API allows). Ids no longer in the DLQ are left out.
    pub async fn all_entries(
        &self,
        client: &crate::client::Client,
    ) -> Result<Vec<DlqEntry>, crate::client::ApiError> {
        let mut entries = self.entries.clone().unwrap_or_default();
        let known: std::collections::HashSet<&str> =
            entries.iter().map(|e| e.dlq_id.as_str()).collect();
        let unread: Vec<String> = self
            .groups
            .iter()
            .flat_map(|g| g.ids.iter())
            .filter(|i| !known.contains(i.as_str()))
            .cloned()
            .collect();
        if !unread.is_empty() {
            entries.extend(client.dlq_by_ids(&unread).await?);
        }
        Ok(entries)
    }

    pub fn total(&self) -> usize {
        self.groups.iter().map(|g| g.ids.len()).sum()
    }

    /// One action on entries a selection read (the picker, a filter).
    fn of_entries(kind: DlqKind, action: Action, entries: Vec<DlqEntry>, needs_yes: bool) -> Plan {
        Plan {
            groups: Plan::one(
                kind,
                action,
                entries.iter().map(|e| e.dlq_id.clone()).collect(),
            ),
            entries: Some(entries),
            needs_yes,
            ..Plan::default()
        }
    }

    pub fn one(kind: DlqKind, action: Action, ids: Vec<String>) -> Vec<Group> {
        vec![Group {
            action,
            workflow: kind == DlqKind::Workflow,
            ids,
        }]
    }
}

/// Completed journals are removed after two weeks.
pub const JOURNAL_KEEP: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    CliError::usage(msg).into()
}

/// `--resume` without a path: the latest unfinished journal of this command, offered.
#[allow(clippy::print_stderr)]
fn latest_journal(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<std::path::PathBuf> {
    let dir = journal::dir();
    let Some((path, l)) = journal::latest_unfinished(&dir, &ctx.target, |a| spec.verb.owns(a))
    else {
        return Err(usage(format!(
            "no unfinished {} journal of a run on {} in {}: give the journal's path to --resume",
            spec.verb.name(),
            ctx.target,
            dir.display()
        )));
    };
    let total: usize = l.groups().iter().map(|g| g.ids.len()).sum();
    let what = format!("{} ({} of {total} entries left)", path.display(), l.left());
    if b.yes {
        return Ok(path);
    }
    if ctx.stdin_tty && ctx.stderr_tty {
        if crate::prompt::confirm(&format!("Resume {what}?"))? {
            return Ok(path);
        }
        eprintln!("Nothing changed.");
        return Err(CliError::declined().into());
    }
    Err(usage(format!(
        "the latest unfinished {} journal is {what}: give its path to --resume, or add --yes",
        spec.verb
    )))
}

/// The plan of a command line: a journal to resume, ids, the picker, or a filter.
pub async fn resolve(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<Plan> {
    if let Some(given) = &b.resume {
        return from_journal(ctx, b, spec, given.as_ref());
    }
    let mut fargs = b.filter.clone();
    if spec.workflow_only {
        fargs.workflow = true;
    }
    let sel = Selection::from_args(&fargs, ctx.now_ms)?;
    let has_filter = !sel.is_everything();
    if !b.ids.is_empty() {
        if has_filter || b.all_matching || b.interactive {
            return Err(usage("give DLQ ids or filters, not both"));
        }
        return from_ids(ctx, b, spec).await;
    }
    if b.interactive {
        return from_picker(ctx, b, spec, sel).await;
    }
    if has_filter || b.all_matching || fargs.workflow {
        return from_filter(ctx, b, spec, sel).await;
    }
    Err(usage(format!(
        "nothing selected: give DLQ ids, `-` to read ids from stdin, filters with --all-matching, or --interactive (see `dlq {} --help`)",
        spec.verb
    )))
}

/// `--resume`: what the journal (given, or the latest of this target) left undone, and the
/// rest of its listing if it stopped while listing.
fn from_journal(
    ctx: &Ctx,
    b: &BulkArgs,
    spec: &Spec,
    given: Option<&std::path::PathBuf>,
) -> anyhow::Result<Plan> {
    let path = &match given {
        Some(p) => p.clone(),
        None => latest_journal(ctx, b, spec)?,
    };
    let sel = Selection::from_args(&b.filter, ctx.now_ms)?;
    if !b.ids.is_empty()
        || !sel.is_everything()
        || b.all_matching
        || b.interactive
        || b.filter.workflow
    {
        return Err(usage(
            "--resume continues the journal's own plan: give no ids or filters with it",
        ));
    }
    let loaded = journal::load(path).map_err(usage)?;
    journal::check_target(path, &loaded, &ctx.target).map_err(usage)?;
    if !spec.verb.owns(loaded.action) {
        return Err(usage(format!(
            "{} is the journal of a {} run; continue it with {}",
            path.display(),
            loaded.action.name(),
            match loaded.action {
                Action::Delete => "`dlq delete --resume`",
                Action::Import => "the same `dlq import FILE` (it continues its journal)",
                _ => "`dlq retry --resume`",
            }
        )));
    }
    // A run stopped while it was listing: list the rest as well.
    let pending = match (&loaded.selection, loaded.selection_complete) {
        (Some(s), false) => Some(Pending {
            sel: Selection::restore(&s.select)
                .map_err(|e| usage(format!("{}: {e}", path.display())))?,
            until: s.until,
            since: loaded.through,
            skip: loaded.ids.iter().cloned().collect(),
        }),
        _ => None,
    };
    let mut groups: Vec<Group> = loaded
        .groups()
        .into_iter()
        .map(|mut g| {
            g.ids.retain(|i| !loaded.done.contains(i));
            g
        })
        .filter(|g| !g.ids.is_empty())
        .collect();
    if pending.is_some() && groups.is_empty() {
        // Nothing selected was left undone, but the listing goes on.
        groups.push(Group {
            action: loaded.action,
            workflow: loaded.workflow,
            ids: Vec::new(),
        });
    }
    Ok(Plan {
        groups,
        resume: Some(path.clone()),
        selecting: pending,
        earlier: loaded
            .outcomes
            .iter()
            .filter(|o| o.status == super::Status::Retried)
            .cloned()
            .collect(),
        since_ms: loaded.created_ms,
        ..Plan::default()
    })
}

/// Ids as arguments or on stdin (`-`), each acted on by what its entry is.
async fn from_ids(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<Plan> {
    let (ids, known, needs_yes) = if b.ids.iter().any(|i| i == "-") {
        if b.ids.len() > 1 {
            return Err(usage(
                "`-` reads the ids from stdin; give no other ids with it",
            ));
        }
        let s = plan::parse_stdin(std::io::stdin().lock())?;
        (s.ids, s.known, true)
    } else {
        let mut ids = b.ids.clone();
        plan::dedup(&mut ids);
        (ids, Default::default(), false)
    };
    // `--workflow` says the ids are workflow entries: nothing to look up.
    if b.filter.workflow {
        let kind = DlqKind::Workflow;
        return Ok(Plan {
            groups: Plan::one(kind, (spec.action)(kind), ids),
            needs_yes,
            ..Plan::default()
        });
    }
    // A bare id acts by what its entry is: a QStash message is retried, a workflow run
    // resumed (or restarted, or its failure function re-run).
    let c = plan::classify(&ctx.client, &ids, &known)
        .await
        .map_err(|e| {
            anyhow::Error::new(e)
                .context("cannot look up the DLQ entries to see what each is (nothing was sent)")
        })?;
    if spec.workflow_only && !c.qstash.is_empty() {
        return Err(usage(not_runs(&c.qstash)));
    }
    // Ids in neither DLQ go with the others: their outcome is `not_found`.
    let (mut q, mut w) = (c.qstash, c.workflow);
    if spec.workflow_only || (q.is_empty() && !w.is_empty()) {
        w.extend(c.missing);
    } else {
        q.extend(c.missing);
    }
    let mut groups = Vec::new();
    for (kind, ids) in [(DlqKind::Qstash, q), (DlqKind::Workflow, w)] {
        if !ids.is_empty() {
            groups.extend(Plan::one(kind, (spec.action)(kind), ids));
        }
    }
    Ok(Plan {
        groups,
        entries: Some(c.entries),
        needs_yes,
        ..Plan::default()
    })
}

/// The refusal of `--restart` / `--failure-function` for QStash entries, naming a few.
fn not_runs(qstash: &[String]) -> String {
    let n = qstash.len();
    format!(
        "--restart and --failure-function apply to workflow runs; {} {} QStash {} ({}{}): retry {} without those flags",
        n,
        if n == 1 { "is a" } else { "are" },
        if n == 1 { "entry" } else { "entries" },
        qstash[..n.min(3)].join(", "),
        if n > 3 { ", …" } else { "" },
        if n == 1 { "it" } else { "them" }
    )
}

/// `--interactive`: the entries picked from a list (at a terminal only).
async fn from_picker(ctx: &Ctx, b: &BulkArgs, spec: &Spec, sel: Selection) -> anyhow::Result<Plan> {
    if !(ctx.stdin_tty && ctx.stderr_tty) {
        return Err(usage(
            "--interactive needs a terminal; select with ids, `-` or filters with --all-matching",
        ));
    }
    let entries = Pager::new(&ctx.client, &sel, reading(b))
        .collect(Some(1000))
        .await?;
    if entries.is_empty() {
        return Ok(Plan {
            entries: Some(vec![]),
            ..Plan::default()
        });
    }
    // The picker's own marks take a few columns; a line never wraps.
    let room = ctx.style.width.saturating_sub(6).max(20);
    let items: Vec<String> = entries
        .iter()
        .map(|e| {
            let l = pick_line(e, ctx.now_ms);
            if l.chars().count() > room {
                l.chars().take(room - 1).chain(['…']).collect()
            } else {
                l
            }
        })
        .collect();
    let title = format!(
        "Entries to {} (space selects, enter confirms)",
        spec.verb.name()
    );
    let Some(chosen) = crate::prompt::pick(&title, &items)? else {
        // Esc is "change nothing", as "no" at the confirmation.
        ctx.hint("Nothing changed.");
        return Err(CliError::declined().into());
    };
    let picked: Vec<DlqEntry> = chosen
        .into_iter()
        .filter_map(|i| entries.get(i).cloned())
        .collect();
    let action = (spec.action)(sel.kind);
    Ok(Plan::of_entries(sel.kind, action, picked, false))
}

/// Filters with `--all-matching`: listed first for a preview or a confirmation, else acted on
/// as they are listed.
async fn from_filter(ctx: &Ctx, b: &BulkArgs, spec: &Spec, sel: Selection) -> anyhow::Result<Plan> {
    if !b.all_matching {
        return Err(usage(format!(
            "filters select entries to {verb} only with --all-matching (so a filter never acts on more than you meant); preview with --dry-run --all-matching",
            verb = spec.verb.name()
        )));
    }
    let action = (spec.action)(sel.kind);
    // Nothing to confirm and nothing to preview: act on entries as they are listed.
    // (A canary run reads its selection first: its lanes are made from the entries.)
    if b.yes && !b.dry_run && spec.new_run_id.is_none() && spec.canary.is_none() {
        return Ok(Plan {
            groups: Plan::one(sel.kind, action, Vec::new()),
            needs_yes: true,
            selecting: Some(Pending {
                sel,
                until: chrono::Utc::now().timestamp_millis(),
                since: None,
                skip: Default::default(),
            }),
            ..Plan::default()
        });
    }
    let entries = Pager::new(&ctx.client, &sel, reading(b))
        .collect(None)
        .await?;
    Ok(Plan::of_entries(sel.kind, action, entries, true))
}

/// How a bulk selection reads: `--concurrency` calls at a time, and only entries that were
/// in the DLQ when the command started (a retried message that fails again is a new entry,
/// not part of this run).
pub fn reading(b: &BulkArgs) -> Reading {
    Reading {
        concurrency: b.concurrency,
        until_ms: Some(chrono::Utc::now().timestamp_millis()),
        since_ms: None,
    }
}

impl Pending {
    /// How its listing reads.
    pub fn reading(&self, b: &BulkArgs) -> Reading {
        Reading {
            concurrency: b.concurrency,
            until_ms: Some(self.until),
            since_ms: self.since,
        }
    }
}

pub fn pick_line(e: &DlqEntry, now: i64) -> String {
    let age = e
        .created_at
        .map(|t| crate::render::relative(t, now))
        .unwrap_or_default();
    let target = e
        .workflow_run_id
        .clone()
        .or_else(|| e.url.clone())
        .unwrap_or_default();
    format!(
        "{}  {:>8}  {}  {}  {}",
        e.dlq_id,
        age,
        e.response_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        sanitize::inline(&target),
        crate::render::list::snippet(e)
            .chars()
            .take(60)
            .collect::<String>()
    )
}
