//! What `retry` and `delete` share: selecting, previewing, confirming, running with a
//! journal and progress, reporting per entry, and the exit code.

use std::io::{Read, Write};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::bulk::{
    self, Action, Group, Halt, Outcome, RunOptions, Status, StopFlag, journal, plan,
};
use crate::cli::{BulkArgs, BulkFormat};
use crate::client::{DlqKind, Headers};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::model::DlqEntry;
use crate::render::{progress::Bar, sanitize};
use crate::select::Selection;

/// How a command maps entries to actions.
pub struct Spec {
    /// "retry" or "delete".
    pub verb: &'static str,
    /// The action for entries of a DLQ.
    pub action: fn(DlqKind) -> Action,
    /// Only workflow entries make sense (--restart, --failure-function).
    pub workflow_only: bool,
    pub headers: Headers,
    pub max_failures: Option<u64>,
    /// `--new-run-id`: the id of the run a single resume or restart starts.
    pub new_run_id: Option<String>,
}

struct Planned {
    /// One group per DLQ the run acts on.
    groups: Vec<Group>,
    /// The selected entries, when the selection read them (for the preview).
    entries: Option<Vec<DlqEntry>>,
    needs_yes: bool,
    resume: Option<std::path::PathBuf>,
    /// `--new-run-id`: the id of the one run a resume or restart starts.
    new_run_id: Option<String>,
}

impl Planned {
    fn total(&self) -> usize {
        self.groups.iter().map(|g| g.ids.len()).sum()
    }

    fn one(kind: DlqKind, action: Action, ids: Vec<String>) -> Vec<Group> {
        vec![Group {
            action,
            workflow: kind == DlqKind::Workflow,
            ids,
        }]
    }
}

/// Failures listed after a run (all of them are in the records and the journal).
const FAILURES_SHOWN: usize = 20;

/// Completed journals are removed after two weeks.
const JOURNAL_KEEP: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// "1 entry", "3 entries".
fn entries(n: usize) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    CliError::usage(msg).into()
}

/// `--resume` without a path: the latest unfinished journal of this command, offered.
#[allow(clippy::print_stderr)]
fn latest_journal(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<std::path::PathBuf> {
    let dir = journal::dir();
    let delete = spec.verb == "delete";
    let Some((path, l)) = journal::latest_unfinished(&dir, |a| (a == Action::Delete) == delete)
    else {
        return Err(usage(format!(
            "no unfinished {} journal in {}: give the journal's path to --resume",
            spec.verb,
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

async fn resolve(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<Planned> {
    if let Some(given) = &b.resume {
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
        let compatible = (loaded.action == Action::Delete) == (spec.verb == "delete");
        if !compatible {
            return Err(usage(format!(
                "{} is the journal of a {} run; continue it with `dlq {} --resume`",
                path.display(),
                loaded.action.name(),
                if loaded.action == Action::Delete {
                    "delete"
                } else {
                    "retry"
                }
            )));
        }
        let groups = loaded
            .groups()
            .into_iter()
            .map(|mut g| {
                g.ids.retain(|i| !loaded.done.contains(i));
                g
            })
            .filter(|g| !g.ids.is_empty())
            .collect();
        return Ok(Planned {
            groups,
            entries: None,
            needs_yes: false,
            resume: Some(path.clone()),
            new_run_id: None,
        });
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
        let (ids, known, needs_yes) = if b.ids.iter().any(|i| i == "-") {
            if b.ids.len() > 1 {
                return Err(usage(
                    "`-` reads the ids from stdin; give no other ids with it",
                ));
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| usage(format!("cannot read ids from stdin: {e}")))?;
            let s = plan::parse_stdin(&text)?;
            (s.ids, s.known, true)
        } else {
            let mut ids = b.ids.clone();
            plan::dedup(&mut ids);
            (ids, Default::default(), false)
        };
        // `--workflow` says the ids are workflow entries: nothing to look up.
        if b.filter.workflow {
            let kind = DlqKind::Workflow;
            return Ok(Planned {
                groups: Planned::one(kind, (spec.action)(kind), ids),
                entries: None,
                needs_yes,
                resume: None,
                new_run_id: None,
            });
        }
        // A bare id acts by what its entry is: a QStash message is retried, a workflow run
        // resumed (or restarted, or its failure function re-run).
        let c = plan::classify(&ctx.client, &ids, &known)
            .await
            .map_err(|e| {
                anyhow::Error::new(e).context(
                    "cannot look up the DLQ entries to see what each is (nothing was sent)",
                )
            })?;
        if spec.workflow_only && !c.qstash.is_empty() {
            let n = c.qstash.len();
            return Err(usage(format!(
                "--restart and --failure-function apply to workflow runs; {} {} QStash {} ({}{}): retry {} without those flags",
                n,
                if n == 1 { "is a" } else { "are" },
                if n == 1 { "entry" } else { "entries" },
                c.qstash[..n.min(3)].join(", "),
                if n > 3 { ", …" } else { "" },
                if n == 1 { "it" } else { "them" }
            )));
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
                groups.extend(Planned::one(kind, (spec.action)(kind), ids));
            }
        }
        return Ok(Planned {
            groups,
            entries: Some(c.entries),
            needs_yes,
            resume: None,
            new_run_id: None,
        });
    }
    if b.interactive {
        if !(ctx.stdin_tty && ctx.stderr_tty) {
            return Err(usage(
                "--interactive needs a terminal; select with ids, `-` or filters with --all-matching",
            ));
        }
        let entries = plan::matching(&ctx.client, &sel, Some(1000)).await?;
        if entries.is_empty() {
            return Ok(Planned {
                groups: Vec::new(),
                entries: Some(vec![]),
                needs_yes: false,
                resume: None,
                new_run_id: None,
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
        let chosen = crate::prompt::pick(
            &format!("Entries to {} (space selects, enter confirms)", spec.verb),
            &items,
        )?;
        let picked: Vec<DlqEntry> = chosen
            .into_iter()
            .filter_map(|i| entries.get(i).cloned())
            .collect();
        return Ok(Planned {
            groups: Planned::one(
                sel.kind,
                (spec.action)(sel.kind),
                picked.iter().map(|e| e.dlq_id.clone()).collect(),
            ),
            entries: Some(picked),
            needs_yes: false,
            resume: None,
            new_run_id: None,
        });
    }
    if has_filter || b.all_matching || fargs.workflow {
        if !b.all_matching {
            return Err(usage(format!(
                "filters select entries to {verb} only with --all-matching (so a filter never acts on more than you meant); preview with --dry-run --all-matching",
                verb = spec.verb
            )));
        }
        let entries = plan::matching(&ctx.client, &sel, None).await?;
        return Ok(Planned {
            groups: Planned::one(
                sel.kind,
                (spec.action)(sel.kind),
                entries.iter().map(|e| e.dlq_id.clone()).collect(),
            ),
            entries: Some(entries),
            needs_yes: true,
            resume: None,
            new_run_id: None,
        });
    }
    Err(usage(format!(
        "nothing selected: give DLQ ids, `-` to read ids from stdin, filters with --all-matching, or --interactive (see `dlq {} --help`)",
        spec.verb
    )))
}

fn pick_line(e: &DlqEntry, now: i64) -> String {
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

/// "retry 3 DLQ entries and resume 2 workflow runs".
fn describe(groups: &[Group]) -> String {
    let parts: Vec<String> = groups
        .iter()
        .map(|g| {
            let n = g.ids.len();
            let entries = if n == 1 { "DLQ entry" } else { "DLQ entries" };
            let runs = if n == 1 {
                "workflow run"
            } else {
                "workflow runs"
            };
            match g.action {
                Action::Retry => format!("retry {n} {entries}"),
                Action::Resume => format!("resume {n} {runs}"),
                Action::Restart => format!("restart {n} {runs}"),
                Action::Callback => format!("re-run the failure function of {n} {runs}"),
                Action::Delete => format!("delete {n} {entries}"),
            }
        })
        .collect();
    parts.join(" and ")
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the run will do to one entry: "resume wfr_… from step 'charge'".
fn intent(action: Action, e: &DlqEntry) -> String {
    let run = e.workflow_run_id.as_deref().unwrap_or("?");
    let failed = || {
        crate::workflow_run::decode(e, false)
            .and_then(|r| r.failed_step)
            .map(|f| f.describe())
            .unwrap_or_else(|| "the failed step".into())
    };
    let text = match action {
        Action::Retry => format!(
            "retry {} {}",
            e.method.as_deref().unwrap_or("POST"),
            e.url.as_deref().unwrap_or("-")
        ),
        Action::Resume => format!("resume {run} from {}", failed()),
        Action::Restart => format!("restart {run} from step 1"),
        Action::Callback => format!(
            "re-run the failure function of {run} ({})",
            e.failure_function_state
                .as_deref()
                .unwrap_or("no failure function")
        ),
        Action::Delete => match &e.workflow_run_id {
            Some(r) => format!("delete the failed run {r}"),
            None => format!("delete ({})", e.url.as_deref().unwrap_or("-")),
        },
    };
    sanitize::inline(&text)
}

/// Entries a dry run lists on a terminal (every one off it, and with -o).
const DRY_RUN_SHOWN: usize = 20;

async fn dry_run(ctx: &Ctx, p: &Planned, format: Option<BulkFormat>) -> anyhow::Result<()> {
    let mut by_id: std::collections::HashMap<String, DlqEntry> = p
        .entries
        .iter()
        .flatten()
        .map(|e| (e.dlq_id.clone(), e.clone()))
        .collect();
    let mut rows: Vec<(DlqEntry, Action)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut present: Vec<Group> = Vec::new();
    for g in &p.groups {
        let mut here = Vec::new();
        for id in &g.ids {
            let e = match by_id.remove(id) {
                Some(e) => Some(e),
                None if p.entries.is_some() => None,
                None => match ctx.client.dlq_get(g.kind(), id).await {
                    Ok(e) => Some(e),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e.into()),
                },
            };
            match e {
                Some(e) => {
                    here.push(id.clone());
                    rows.push((e, g.action));
                }
                None => missing.push(id.clone()),
            }
        }
        if !here.is_empty() {
            present.push(Group {
                ids: here,
                ..g.clone()
            });
        }
    }
    let mut out = std::io::stdout().lock();
    if let Some(f @ (BulkFormat::Json | BulkFormat::Ndjson)) = format {
        let records: Vec<serde_json::Value> = rows
            .iter()
            .map(|(e, a)| {
                serde_json::json!({
                    "dlqId": e.dlq_id, "action": a.name(), "plan": intent(*a, e),
                    "workflowRunId": e.workflow_run_id, "url": e.url.clone().or_else(|| e.workflow_url.clone()),
                    "responseStatus": e.response_status,
                })
            })
            .chain(missing.iter().map(|id| {
                serde_json::json!({"dlqId": id, "action": null, "plan": "not in the DLQ"})
            }))
            .collect();
        if f == BulkFormat::Json {
            serde_json::to_writer_pretty(&mut out, &records)?;
            writeln!(out)?;
        } else {
            for r in &records {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
        return Ok(());
    }
    let what = if present.is_empty() {
        "do nothing".to_string()
    } else {
        describe(&present)
    };
    writeln!(out, "Dry run: would {what} (nothing was changed)")?;
    if !missing.is_empty() {
        let n = missing.len();
        writeln!(
            out,
            "{} not in the DLQ and left out (already retried, deleted or expired): {}{}",
            if n == 1 {
                "1 id is".to_string()
            } else {
                format!("{n} ids are")
            },
            sanitize::inline(&missing[..n.min(5)].join(", ")),
            if n > 5 { ", …" } else { "" }
        )?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    let entries: Vec<DlqEntry> = rows.iter().map(|(e, _)| e.clone()).collect();
    writeln!(out, "\nBy destination and status:")?;
    for (dest, status, n) in plan::groups(&entries) {
        writeln!(out, "  {n:>6}  {status:>4}  {}", sanitize::inline(&dest))?;
    }
    writeln!(out, "\nEntries:")?;
    let tty = ctx.style.tty;
    let shown = if tty {
        rows.len().min(DRY_RUN_SHOWN)
    } else {
        rows.len()
    };
    let table: Vec<[String; 4]> = rows[..shown]
        .iter()
        .map(|(e, a)| {
            let when = match e.created_at {
                Some(t) if tty => crate::render::relative(t, ctx.now_ms),
                Some(t) => crate::render::rfc3339(t),
                None => "-".into(),
            };
            let status = e
                .response_status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            [sanitize::inline(&e.dlq_id), when, status, intent(*a, e)]
        })
        .collect();
    if tty {
        let w = |i: usize| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (w(0), w(1), w(2));
        let room = ctx.style.width.saturating_sub(2 + w0 + w1 + w2 + 6).max(20);
        for r in &table {
            let plan: String = if r[3].chars().count() > room {
                r[3].chars()
                    .take(room.saturating_sub(1))
                    .chain(['…'])
                    .collect()
            } else {
                r[3].clone()
            };
            writeln!(out, "  {:<w0$}  {:<w1$}  {:>w2$}  {plan}", r[0], r[1], r[2])?;
        }
        if rows.len() > shown {
            writeln!(out, "  …and {} more; -o ndjson for all", rows.len() - shown)?;
        }
    } else {
        for r in &table {
            writeln!(out, "{}", r.join("\t"))?;
        }
    }
    Ok(())
}

fn write_records(format: BulkFormat, outcomes: &[Outcome]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        BulkFormat::Json => {
            serde_json::to_writer_pretty(&mut out, outcomes)?;
            writeln!(out)?;
        }
        BulkFormat::Ndjson => {
            for o in outcomes {
                serde_json::to_writer(&mut out, o)?;
                writeln!(out)?;
            }
        }
        BulkFormat::Text => {
            for o in outcomes {
                let status = match o.status {
                    Status::Retried => "retried",
                    Status::Deleted => "deleted",
                    Status::NotFound => "not_found",
                    Status::Failed => "failed",
                };
                let detail = o
                    .workflow_run_id
                    .clone()
                    .or_else(|| o.message_id.clone())
                    .or_else(|| o.error.clone())
                    .unwrap_or_default();
                writeln!(out, "{}\t{status}\t{}", o.dlq_id, sanitize::inline(&detail))?;
            }
        }
    }
    out.flush()
}

#[allow(clippy::print_stderr)]
pub async fn run(ctx: &Ctx, b: BulkArgs, spec: Spec) -> anyhow::Result<()> {
    let mut p = resolve(ctx, &b, &spec).await?;
    if let Some(id) = &spec.new_run_id {
        let runs: usize = p
            .groups
            .iter()
            .filter(|g| matches!(g.action, Action::Resume | Action::Restart))
            .map(|g| g.ids.len())
            .sum();
        if runs != 1 || p.total() != 1 {
            return Err(usage(format!(
                "--new-run-id names one new run: it takes exactly one workflow run to resume or restart ({} selected)",
                p.total()
            )));
        }
        p.new_run_id = Some(id.clone());
    }
    if p.total() == 0 {
        if b.output == Some(BulkFormat::Json) {
            println_json_empty()?;
        }
        if !b.quiet {
            eprintln!("Nothing to {}: no DLQ entries selected.", spec.verb);
        }
        return Ok(());
    }
    if b.dry_run {
        return dry_run(ctx, &p, b.output).await;
    }
    let single_retry = !p.needs_yes && p.total() == 1 && spec.verb == "retry";
    if !b.yes && p.resume.is_none() {
        if ctx.stdin_tty && ctx.stderr_tty {
            if !single_retry {
                let mut q = capitalized(&describe(&p.groups));
                if let Some(es) = &p.entries {
                    let dests: std::collections::BTreeSet<String> = es
                        .iter()
                        .filter_map(|e| e.url.clone().or_else(|| e.workflow_url.clone()))
                        .collect();
                    q.push_str(&format!(
                        " to {} {}",
                        dests.len(),
                        if dests.len() == 1 { "URL" } else { "URLs" }
                    ));
                }
                q.push('?');
                if !crate::prompt::confirm(&q)? {
                    eprintln!("Nothing changed.");
                    return Err(CliError::declined().into());
                }
            }
        } else if p.needs_yes {
            return Err(usage(format!(
                "refusing to {} {} without --yes when not running on a terminal (preview with --dry-run)",
                spec.verb,
                entries(p.total())
            )));
        }
    }

    // A single id needs no journal (its outcome is printed), unless one is asked for.
    let journaled = p.resume.is_some() || b.journal.is_some() || p.total() > 1;
    let journal = if journaled {
        let j = match &p.resume {
            Some(path) => journal::Journal::reopen(path),
            None => {
                let first = p.groups.first().map(|g| g.action).unwrap_or(Action::Retry);
                if b.journal.is_none() {
                    journal::prune(&journal::dir(), JOURNAL_KEEP);
                }
                let path = b
                    .journal
                    .clone()
                    .unwrap_or_else(|| journal::default_path(first));
                journal::Journal::create(&path, &p.groups)
            }
        }
        .map_err(|e| CliError {
            exit: Exit::Error,
            message: format!("cannot write the journal: {e}"),
        })?;
        if !b.quiet {
            eprintln!(
                "Journal: {} (continue an interrupted run with --resume)",
                j.path().display()
            );
        }
        Some(j)
    } else {
        None
    };
    let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
    let journal = journal.map(Mutex::new);

    let stop = StopFlag::default();
    let watcher = {
        let stop = stop.clone();
        let quiet = b.quiet;
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.stop();
                if !quiet {
                    eprintln!(
                        "\nInterrupted: finishing the calls in flight (Ctrl-C again to quit at once; the journal stays consistent)"
                    );
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let total = p.total();
    let bar = Arc::new(Bar::new(
        total as u64,
        spec.verb,
        ctx.stderr_tty && !b.quiet,
    ));
    // The groups run one after the other (QStash entries first), sharing the journal, the
    // progress bar, Ctrl-C and --max-failures.
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(total);
    let mut halt = None;
    let mut jerr = None;
    for g in &p.groups {
        let failed = outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .count() as u64;
        let opts = RunOptions {
            action: g.action,
            kind: g.kind(),
            headers: p_headers(&p, &spec, g),
            concurrency: b.concurrency,
            rate: b.rate,
            max_failures: spec.max_failures.map(|m| m.saturating_sub(failed)),
        };
        let (mut out, h, e) = bulk::run(
            &ctx.client,
            g.ids.clone(),
            &opts,
            journal.as_ref(),
            bar.as_ref(),
            &stop,
        )
        .await;
        outcomes.append(&mut out);
        if h.is_some() || e.is_some() {
            halt = h;
            jerr = e;
            break;
        }
    }
    bar.finish();
    watcher.abort();
    // A person at a terminal gets the bar, the summary and the failures; per-entry lines go to
    // stdout off a terminal, or when asked for with -o.
    match (b.output, ctx.style.tty) {
        (Some(f), _) => write_records(f, &outcomes)?,
        (None, false) => write_records(BulkFormat::Text, &outcomes)?,
        (None, true) => {}
    }

    let s = bulk::summarize(&outcomes);
    let untouched = total - outcomes.len();
    if !b.quiet {
        let done_word = if spec.verb == "delete" {
            "Deleted"
        } else {
            "Retried"
        };
        eprintln!(
            "{done_word} {}, already gone {}, failed {}{}.",
            s.done,
            s.not_found,
            s.failed,
            if untouched > 0 {
                format!(", not attempted {untouched}")
            } else {
                String::new()
            }
        );
        let failed: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .collect();
        for o in failed.iter().take(FAILURES_SHOWN) {
            eprintln!(
                "  {}: {}",
                o.dlq_id,
                sanitize::inline(o.error.as_deref().unwrap_or(""))
            );
        }
        if failed.len() > FAILURES_SHOWN {
            eprintln!(
                "  …and {} more failures (-o ndjson for every record)",
                failed.len() - FAILURES_SHOWN
            );
        }
        // A --resume helps with what was not attempted or failed for a reason that may pass.
        let resumable = outcomes
            .iter()
            .any(|o| o.status == Status::Failed && !o.permanent);
        if untouched > 0 || resumable {
            match &journal_path {
                Some(j) => eprintln!("Finish with: dlq {} --resume {}", spec.verb, j.display()),
                None => eprintln!("Try again with the same command."),
            }
        }
    }
    if let Some(e) = jerr {
        return Err(CliError {
            exit: Exit::Error,
            message: format!(
                "cannot write the journal {}: {e}; stopped sending",
                journal_path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
        }
        .into());
    }
    match halt {
        Some(Halt::Interrupted) => {
            return Err(CliError {
                exit: Exit::Interrupted,
                message: format!("interrupted with {} not attempted", entries(untouched)),
            }
            .into());
        }
        Some(Halt::TooManyFailures) => {
            return Err(CliError {
                exit: if s.done + s.not_found > 0 {
                    Exit::Partial
                } else {
                    Exit::Error
                },
                message: format!(
                    "stopped after {} (--max-failures); {} not attempted",
                    if s.failed == 1 {
                        "1 failure".to_string()
                    } else {
                        format!("{} failures", s.failed)
                    },
                    entries(untouched)
                ),
            }
            .into());
        }
        None => {}
    }
    if s.failed == 0 && (s.not_found == 0 || p.resume.is_some()) {
        Ok(())
    } else if s.failed == 0 {
        // Asked-for entries that were not in the DLQ (a resumed run expects those): 4 when none
        // was there, 3 when some were (as `show`).
        Err(CliError {
            exit: if s.done == 0 {
                Exit::NotFound
            } else {
                Exit::Partial
            },
            message: format!(
                "{} of {} {} not in the DLQ (already retried, deleted or expired)",
                s.not_found,
                entries(total),
                if s.not_found == 1 { "was" } else { "were" }
            ),
        }
        .into())
    } else if s.done + s.not_found > 0 {
        Err(CliError {
            exit: Exit::Partial,
            message: format!("{} of {} failed", s.failed, entries(total)),
        }
        .into())
    } else {
        Err(CliError {
            exit: Exit::Error,
            message: if total == 1 {
                "the entry failed".to_string()
            } else {
                format!("all {total} entries failed")
            },
        }
        .into())
    }
}

/// The override headers of a group's calls: `--new-run-id` names the run that a resume or
/// restart starts (the API's `Upstash-Workflow-RunId`).
fn p_headers(p: &Planned, spec: &Spec, g: &Group) -> crate::client::Headers {
    let mut h = spec.headers.clone();
    if matches!(g.action, Action::Resume | Action::Restart)
        && let Some(id) = &p.new_run_id
    {
        h.push(("Upstash-Workflow-RunId".to_string(), id.clone()));
    }
    h
}

fn println_json_empty() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "[]")
}
