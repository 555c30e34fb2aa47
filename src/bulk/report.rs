//! Bulk runs as text: what a run will do (the dry run), its per-entry records. Pure and
//! writer-generic (kept beside the bulk types so that `render` does not depend on `bulk`).

use std::io::Write;

use crate::bulk::{Action, Group, Outcome, Status};
use crate::model::DlqEntry;
use crate::render::{Style, status_cell, when_cell};
use crate::text::sanitize;

/// Per-entry output of a bulk run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    Text,
    Json,
    Ndjson,
}

/// Entries a dry run lists on a terminal (every one off it, and with -o).
const DRY_RUN_SHOWN: usize = 20;

/// "retry 3 DLQ entries and resume 2 workflow runs".
pub fn describe(groups: &[Group]) -> String {
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

pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the run will do to one entry: "resume wfr_… from step 'charge'".
pub fn intent(action: Action, e: &DlqEntry) -> String {
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

/// Counts by destination and status, largest first: the dry run's summary.
pub fn by_destination(entries: &[DlqEntry]) -> Vec<(String, String, usize)> {
    let mut m: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for e in entries {
        let dest = e
            .url
            .clone()
            .or_else(|| e.workflow_url.clone())
            .unwrap_or_else(|| "-".into());
        let status = e
            .response_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        *m.entry((dest, status)).or_default() += 1;
    }
    let mut v: Vec<(String, String, usize)> = m.into_iter().map(|((d, s), n)| (d, s, n)).collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The dry run: what would be done, grouped, then entry by entry (or as records with -o).
pub fn preview<W: Write>(
    w: &mut W,
    present: &[Group],
    rows: &[(DlqEntry, Action)],
    missing: &[String],
    format: Option<Records>,
    style: &Style,
) -> std::io::Result<()> {
    if let Some(f @ (Records::Json | Records::Ndjson)) = format {
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
        if f == Records::Json {
            serde_json::to_writer_pretty(&mut *w, &records)?;
            writeln!(w)?;
        } else {
            for r in &records {
                serde_json::to_writer(&mut *w, r)?;
                writeln!(w)?;
            }
        }
        return Ok(());
    }
    let what = if present.is_empty() {
        "do nothing".to_string()
    } else {
        describe(present)
    };
    writeln!(w, "Dry run: would {what} (nothing was changed)")?;
    if !missing.is_empty() {
        let n = missing.len();
        writeln!(
            w,
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
    writeln!(w, "\nBy destination and status:")?;
    for (dest, status, n) in by_destination(&entries) {
        writeln!(w, "  {n:>6}  {status:>4}  {}", sanitize::inline(&dest))?;
    }
    writeln!(w, "\nEntries:")?;
    let tty = style.tty;
    let shown = if tty {
        rows.len().min(DRY_RUN_SHOWN)
    } else {
        rows.len()
    };
    let table: Vec<[String; 4]> = rows[..shown]
        .iter()
        .map(|(e, a)| {
            [
                sanitize::inline(&e.dlq_id),
                when_cell(e.created_at, style),
                status_cell(e.response_status),
                intent(*a, e),
            ]
        })
        .collect();
    if tty {
        let width = |i: usize| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        let room = style.width.saturating_sub(2 + w0 + w1 + w2 + 6).max(20);
        for r in &table {
            let plan: String = if r[3].chars().count() > room {
                r[3].chars()
                    .take(room.saturating_sub(1))
                    .chain(['…'])
                    .collect()
            } else {
                r[3].clone()
            };
            writeln!(w, "  {:<w0$}  {:<w1$}  {:>w2$}  {plan}", r[0], r[1], r[2])?;
        }
        if rows.len() > shown {
            writeln!(w, "  …and {} more; -o ndjson for all", rows.len() - shown)?;
        }
    } else {
        for r in &table {
            writeln!(w, "{}", r.join("\t"))?;
        }
    }
    Ok(())
}

/// One record per entry: text lines, a JSON array or JSON lines.
pub fn records<W: Write>(
    out: &mut W,
    format: Records,
    outcomes: &[Outcome],
) -> std::io::Result<()> {
    match format {
        Records::Json => {
            serde_json::to_writer_pretty(&mut *out, outcomes)?;
            writeln!(out)?;
        }
        Records::Ndjson => {
            for o in outcomes {
                serde_json::to_writer(&mut *out, o)?;
                writeln!(out)?;
            }
        }
        Records::Text => {
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
