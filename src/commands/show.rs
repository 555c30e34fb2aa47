//! `dlq show`.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::client::{ApiError, DlqKind};
use crate::ctx::Ctx;
use crate::diagnose;
use crate::error::{CliError, Exit};
use crate::model::DlqEntry;
use crate::render::{detail, redact, sanitize};
use crate::workflow_run;

/// The key under which `-o json` adds a workflow run's decoded steps to the API's fields.
pub const DECODED_KEY: &str = "decodedRun";

/// Fetches an entry from the QStash DLQ, then the Workflow DLQ (or only the latter).
pub async fn fetch(ctx: &Ctx, id: &str, workflow_only: bool) -> Result<Option<DlqEntry>, ApiError> {
    if !workflow_only {
        match ctx.client.dlq_get(DlqKind::Qstash, id).await {
            Ok(e) => return Ok(Some(e)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    match ctx.client.dlq_get(DlqKind::Workflow, id).await {
        Ok(e) => Ok(Some(e)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn run(ctx: &Ctx, mut args: ShowArgs) -> anyhow::Result<()> {
    args.ids = ids(std::mem::take(&mut args.ids))?;
    if (args.raw_body || args.raw_response) && args.ids.len() != 1 {
        return Err(
            CliError::usage("--raw-body and --raw-response take exactly one DLQ id").into(),
        );
    }
    let (found, missing) = fetch_all(ctx, &args).await?;
    match found.first() {
        Some(s) if args.raw_body || args.raw_response => write_raw(&s.entry, args.raw_body)?,
        _ if args.output == ShowFormat::Json => write_json(&found)?,
        _ => write_text(ctx, &found, &args).await?,
    }
    verdict(ctx, &missing, found.is_empty(), args.ids.len())
}

/// The ids asked for: the arguments, or stdin's (`-`).
fn ids(ids: Vec<String>) -> anyhow::Result<Vec<String>> {
    if !ids.iter().any(|i| i == "-") {
        return Ok(ids);
    }
    if ids.len() > 1 {
        return Err(
            CliError::usage("`-` reads the ids from stdin; give no other ids with it").into(),
        );
    }
    let read = crate::bulk::plan::parse_stdin(std::io::stdin().lock())?.ids;
    if read.is_empty() {
        return Err(CliError::usage("no DLQ ids on stdin").into());
    }
    Ok(read)
}

/// The key under which `-o json` names what was masked (unless `--reveal`).
pub const MASKED_KEY: &str = "maskedByDlq";

/// The entries found (masked unless `--reveal`, with what was masked, a run decoded with its
/// branches' states) and the ids that were not.
async fn fetch_all(ctx: &Ctx, args: &ShowArgs) -> anyhow::Result<(Vec<Shown>, Vec<String>)> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in &args.ids {
        match fetch(ctx, id, args.workflow).await? {
            Some(mut e) => {
                // Diagnosed before masking: a rule may read a header that is masked later
                // (its evidence never holds a secret's value).
                let report = diagnose::report(&e);
                let mut masked = if args.reveal {
                    Vec::new()
                } else {
                    redact::entry_masked(&mut e)
                };
                let mut run = workflow_run::decode(&e, args.reveal);
                if let Some(r) = run.as_mut() {
                    masked.extend(branch_states(ctx, &e, r, args.reveal).await);
                }
                found.push(Shown {
                    entry: e,
                    run,
                    masked,
                    report,
                });
            }
            None => missing.push(id.clone()),
        }
    }
    Ok((found, missing))
}

/// A parallel group's branches in their real states, from the run's log (one call, made only
/// for a run with planned branches); when the log cannot be read the view says so and goes
/// on. Returns the keys masked in the branches' results.
async fn branch_states(
    ctx: &Ctx,
    e: &DlqEntry,
    run: &mut workflow_run::DecodedRun,
    reveal: bool,
) -> Vec<String> {
    use workflow_run::branches;
    let Some(run_id) = e.workflow_run_id.as_deref() else {
        return Vec::new();
    };
    if !branches::has_branches(run) {
        return Vec::new();
    }
    match ctx.client.workflow_runs(run_id, 10).await {
        Ok(runs) => match branches::run_of(&runs, &e.dlq_id) {
            Some(log) => branches::apply(run, log, reveal),
            None => {
                run.branch_log = workflow_run::BranchLog::Unreadable(
                    "the workflow logs hold no run for this entry".into(),
                );
                Vec::new()
            }
        },
        Err(err) => {
            let why = format!("the workflow logs could not be read ({err})");
            run.branch_log = workflow_run::BranchLog::Unreadable(why);
            Vec::new()
        }
    }
}

/// An entry as shown, its run decoded, and what was masked in it.
struct Shown {
    entry: DlqEntry,
    run: Option<workflow_run::DecodedRun>,
    masked: Vec<String>,
    report: diagnose::Report,
}

/// The exact request or response body bytes.
fn write_raw(e: &DlqEntry, body: bool) -> std::io::Result<()> {
    let bytes = if body {
        e.body_bytes()
    } else {
        e.response_bytes()
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()
}

/// The API's fields as returned, plus a workflow run's steps decoded under one key; one
/// shape whatever the count: an array.
fn write_json(found: &[Shown]) -> anyhow::Result<()> {
    let values = found
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(&s.entry)?;
            if let Some(o) = v.as_object_mut() {
                o.insert(diagnose::KEY.into(), serde_json::to_value(&s.report)?);
                if let Some(run) = &s.run {
                    o.insert(DECODED_KEY.into(), serde_json::to_value(run)?);
                }
                if !s.masked.is_empty() {
                    o.insert(MASKED_KEY.into(), serde_json::to_value(&s.masked)?);
                }
            }
            Ok(v)
        })
        .collect::<Result<Vec<serde_json::Value>, serde_json::Error>>()?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &values)?;
    writeln!(out)?;
    Ok(())
}

/// Each entry as people read it, through the pager when it is longer than a screen.
async fn write_text(ctx: &Ctx, found: &[Shown], args: &ShowArgs) -> anyhow::Result<()> {
    let mut text = String::new();
    for (i, s) in found.iter().enumerate() {
        let e = &s.entry;
        if i > 0 {
            text.push('\n');
        }
        let attempts = match (&e.message_id, args.attempts) {
            (Some(m), true) => Some(ctx.client.message_logs(m).await?),
            _ => None,
        };
        let why = detail::View {
            report: &s.report,
            explain: args.explain,
        };
        text.push_str(&detail::render_diagnosed(
            e,
            s.run.as_ref(),
            attempts.as_deref(),
            &why,
            &ctx.style,
        ));
    }
    ctx.page(&text)?;
    Ok(())
}

/// Exit 0 when all were found, 4 when none, 3 when some.
fn verdict(ctx: &Ctx, missing: &[String], none_found: bool, asked: usize) -> anyhow::Result<()> {
    let gone = |id: &str| {
        format!(
            "DLQ entry {} not found (already retried, deleted or expired)",
            sanitize::inline(id)
        )
    };
    if missing.len() == 1 && none_found {
        return Err(CliError {
            exit: Exit::NotFound,
            message: gone(&missing[0]),
        }
        .into());
    }
    for id in missing {
        ctx.warn(&gone(id));
    }
    match (none_found, missing.is_empty()) {
        (_, true) => Ok(()),
        (true, false) => Err(CliError {
            exit: Exit::NotFound,
            message: "none of the DLQ entries was found".into(),
        }
        .into()),
        (false, false) => Err(CliError {
            exit: Exit::Partial,
            message: format!("{} of {asked} DLQ entries not found", missing.len()),
        }
        .into()),
    }
}

/// Output formats of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// DLQ ids (1725323658779-0 …), or - to read them from stdin (`dlq list -o ids` or ndjson)
    #[arg(required = true, value_name = "DLQ_ID", value_parser = crate::cli::parse_id_or_stdin)]
    pub ids: Vec<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value = "text")]
    pub output: ShowFormat,
    /// Add the delivery attempts from the logs
    #[arg(long)]
    pub attempts: bool,
    /// Print the evidence of the diagnosis in full: what matched, and the rule's source
    #[arg(long)]
    pub explain: bool,
    /// Write the exact request body bytes to stdout (one id)
    #[arg(long, conflicts_with_all = ["raw_response", "attempts"])]
    pub raw_body: bool,
    /// Write the exact response body bytes to stdout (one id)
    #[arg(long, conflicts_with = "attempts")]
    pub raw_response: bool,
    /// Look in the Workflow DLQ only
    #[arg(long)]
    pub workflow: bool,
    /// Show sensitive header values instead of masking them
    #[arg(long)]
    pub reveal: bool,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}
