//! What `retry` and `delete` share: selecting, previewing, confirming, running with a
//! journal and progress, reporting per entry, and the exit code.

use std::io::{Read, Write};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::bulk::{self, Action, Halt, Outcome, RunOptions, Status, StopFlag, journal, plan};
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
}

struct Planned {
    ids: Vec<String>,
    kind: DlqKind,
    action: Action,
    entries: Option<Vec<DlqEntry>>,
    needs_yes: bool,
    resume: Option<std::path::PathBuf>,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    CliError::usage(msg).into()
}

async fn resolve(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<Planned> {
    if let Some(path) = &b.resume {
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
        let ids: Vec<String> = loaded
            .ids
            .iter()
            .filter(|i| !loaded.done.contains(*i))
            .cloned()
            .collect();
        return Ok(Planned {
            ids,
            kind: if loaded.workflow {
                DlqKind::Workflow
            } else {
                DlqKind::Qstash
            },
            action: loaded.action,
            entries: None,
            needs_yes: false,
            resume: Some(path.clone()),
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
        let (ids, workflow_hint, needs_yes) = if b.ids.iter().any(|i| i == "-") {
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
            (s.ids, s.workflow, true)
        } else {
            let mut ids = b.ids.clone();
            plan::dedup(&mut ids);
            (ids, None, false)
        };
        if workflow_hint == Some(false) && spec.workflow_only {
            return Err(usage(
                "--restart and --failure-function apply to Workflow DLQ entries; stdin holds QStash entries",
            ));
        }
        let kind = plan::kind_for(fargs.workflow, workflow_hint);
        return Ok(Planned {
            ids,
            kind,
            action: (spec.action)(kind),
            entries: None,
            needs_yes,
            resume: None,
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
                ids: vec![],
                kind: sel.kind,
                action: (spec.action)(sel.kind),
                entries: Some(vec![]),
                needs_yes: false,
                resume: None,
            });
        }
        let items: Vec<String> = entries.iter().map(|e| pick_line(e, ctx.now_ms)).collect();
        let chosen = crate::prompt::pick(
            &format!("Entries to {} (space selects, enter confirms)", spec.verb),
            &items,
        )?;
        let picked: Vec<DlqEntry> = chosen
            .into_iter()
            .filter_map(|i| entries.get(i).cloned())
            .collect();
        return Ok(Planned {
            ids: picked.iter().map(|e| e.dlq_id.clone()).collect(),
            kind: sel.kind,
            action: (spec.action)(sel.kind),
            entries: Some(picked),
            needs_yes: false,
            resume: None,
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
            ids: entries.iter().map(|e| e.dlq_id.clone()).collect(),
            kind: sel.kind,
            action: (spec.action)(sel.kind),
            entries: Some(entries),
            needs_yes: true,
            resume: None,
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

fn describe(action: Action, n: usize) -> String {
    let what = match action {
        Action::Retry => "Retry",
        Action::Resume => "Resume",
        Action::Restart => "Restart",
        Action::Callback => "Re-run the failure callback of",
        Action::Delete => "Delete",
    };
    format!(
        "{what} {n} {}",
        if n == 1 { "DLQ entry" } else { "DLQ entries" }
    )
}

async fn dry_run(ctx: &Ctx, p: &Planned) -> anyhow::Result<()> {
    let entries = match &p.entries {
        Some(e) => e.clone(),
        None => {
            let mut v = Vec::new();
            for id in &p.ids {
                match ctx.client.dlq_get(p.kind, id).await {
                    Ok(e) => v.push(e),
                    Err(e) if e.is_not_found() => v.push(DlqEntry {
                        dlq_id: id.clone(),
                        url: Some("(not in the DLQ)".into()),
                        ..DlqEntry::default()
                    }),
                    Err(e) => return Err(e.into()),
                }
            }
            v
        }
    };
    let mut out = std::io::stdout().lock();
    let what = describe(p.action, p.ids.len());
    let what = format!("{}{}", what[..1].to_lowercase(), &what[1..]);
    writeln!(out, "Dry run: would {what} (nothing was changed)")?;
    writeln!(out, "\nBy destination and status:")?;
    for (dest, status, n) in plan::groups(&entries) {
        writeln!(out, "  {n:>6}  {status:>4}  {}", sanitize::inline(&dest))?;
    }
    writeln!(out, "\nEntries:")?;
    for e in &entries {
        writeln!(out, "  {}", pick_line(e, ctx.now_ms))?;
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
    let p = resolve(ctx, &b, &spec).await?;
    if p.ids.is_empty() {
        if b.output == BulkFormat::Json {
            println_json_empty()?;
        }
        if !b.quiet {
            eprintln!("Nothing to {}: no DLQ entries selected.", spec.verb);
        }
        return Ok(());
    }
    if b.dry_run {
        return dry_run(ctx, &p).await;
    }
    let single_retry = !p.needs_yes && p.ids.len() == 1 && spec.verb == "retry";
    if !b.yes && p.resume.is_none() {
        if ctx.stdin_tty && ctx.stderr_tty {
            if !single_retry {
                let mut q = describe(p.action, p.ids.len());
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
                    return Err(CliError {
                        exit: Exit::Error,
                        message: "cancelled; nothing was changed".into(),
                    }
                    .into());
                }
            }
        } else if p.needs_yes {
            return Err(usage(format!(
                "refusing to {} {} entries without --yes when not running on a terminal (preview with --dry-run)",
                spec.verb,
                p.ids.len()
            )));
        }
    }

    let journal = match &p.resume {
        Some(path) => journal::Journal::reopen(path),
        None => {
            let path = b
                .journal
                .clone()
                .unwrap_or_else(|| journal::default_path(p.action));
            journal::Journal::create(&path, p.action, p.kind == DlqKind::Workflow, &p.ids)
        }
    }
    .map_err(|e| CliError {
        exit: Exit::Error,
        message: format!("cannot write the journal: {e}"),
    })?;
    let journal_path = journal.path().to_path_buf();
    if !b.quiet {
        eprintln!(
            "Journal: {} (continue an interrupted run with --resume)",
            journal_path.display()
        );
    }
    let journal = Mutex::new(journal);

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
    let bar = Arc::new(Bar::new(
        p.ids.len() as u64,
        spec.verb,
        ctx.stderr_tty && !b.quiet,
    ));
    let opts = RunOptions {
        action: p.action,
        kind: p.kind,
        headers: spec.headers.clone(),
        concurrency: b.concurrency,
        rate: b.rate,
        max_failures: spec.max_failures,
    };
    let total = p.ids.len();
    let (outcomes, halt, jerr) = bulk::run(
        &ctx.client,
        p.ids,
        &opts,
        Some(&journal),
        bar.as_ref(),
        &stop,
    )
    .await;
    bar.finish();
    watcher.abort();
    write_records(b.output, &outcomes)?;

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
        for o in outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .take(3)
        {
            eprintln!(
                "  {}: {}",
                o.dlq_id,
                sanitize::inline(o.error.as_deref().unwrap_or(""))
            );
        }
        if untouched > 0 || s.failed > 0 {
            eprintln!(
                "Finish with: dlq {} --resume {}",
                spec.verb,
                journal_path.display()
            );
        }
    }
    if let Some(e) = jerr {
        return Err(CliError {
            exit: Exit::Error,
            message: format!(
                "cannot write the journal {}: {e}; stopped sending",
                journal_path.display()
            ),
        }
        .into());
    }
    match halt {
        Some(Halt::Interrupted) => {
            return Err(CliError {
                exit: Exit::Interrupted,
                message: format!("interrupted with {untouched} entries not attempted"),
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
                    "stopped after {} failures (--max-failures); {untouched} entries not attempted",
                    s.failed
                ),
            }
            .into());
        }
        None => {}
    }
    if s.failed == 0 && (s.not_found == 0 || p.resume.is_some()) {
        Ok(())
    } else if s.failed == 0 {
        // Asked-for entries that were not in the DLQ (a resumed run expects those).
        Err(CliError {
            exit: Exit::Partial,
            message: format!(
                "{} of {total} entries were not in the DLQ (already retried, deleted or expired)",
                s.not_found
            ),
        }
        .into())
    } else if s.done + s.not_found > 0 {
        Err(CliError {
            exit: Exit::Partial,
            message: format!("{} of {total} entries failed", s.failed),
        }
        .into())
    } else {
        Err(CliError {
            exit: Exit::Error,
            message: format!("all {total} entries failed"),
        }
        .into())
    }
}

fn println_json_empty() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "[]")
}
