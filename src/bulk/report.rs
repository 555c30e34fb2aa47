//! Bulk runs as text: what a run will do (the dry run and the confirmation), its per-entry
//! records and how it ended. Pure and writer-generic (kept beside the bulk types so that
//! `render` does not depend on `bulk`).

use std::io::Write;
use std::path::Path;

use crate::bulk::follow::{FinalState, settled};
use crate::bulk::preview::{Preview, Row};
use crate::bulk::verdict::entries;
use crate::bulk::{Action, Group, Outcome, Status, Summary, Verb};
use crate::model::DlqEntry;
use crate::render::table::{self, Cell, Column, Fit};
use crate::render::{Style, status_cell, status_color, when_cell};
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

/// Failures listed after a run (all of them are in the records and the journal).
const FAILURES_SHOWN: usize = 20;

/// The confirmation: "Retry 3 DLQ entries to 2 URLs on https://qstash.upstash.io (profile
/// prod)?" (the URLs when the entries were read).
pub fn question(groups: &[Group], entries: Option<&[DlqEntry]>, target: &str) -> String {
    let mut q = capitalized(&describe(groups));
    if let Some(es) = entries {
        let dests: std::collections::BTreeSet<&str> = es
            .iter()
            .filter_map(|e| e.url.as_deref().or(e.workflow_url.as_deref()))
            .collect();
        let n = dests.len();
        q.push_str(&format!(" to {n} {}", if n == 1 { "URL" } else { "URLs" }));
    }
    q.push_str(&format!(" on {}?", sanitize::inline(target)));
    q
}

/// How a run ended, for a person: the counts, the first failures, and how to finish what was
/// not done (`--resume` with the journal and `resume_flags`, such as ` --canary`, or the same
/// command when there is none).
pub fn ending<W: Write>(
    w: &mut W,
    verb: Verb,
    s: &Summary,
    outcomes: &[Outcome],
    untouched: usize,
    journal: Option<&Path>,
    resume_flags: &str,
) -> std::io::Result<()> {
    let not_attempted = if untouched > 0 {
        format!(", not attempted {untouched}")
    } else {
        String::new()
    };
    writeln!(
        w,
        "{} {}, {} {}, failed {}{not_attempted}.",
        verb.done_word(),
        s.done,
        verb.gone_word(),
        s.not_found,
        s.failed,
    )?;
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.status == Status::Failed)
        .collect();
    failure_lines(w, &failed)?;
    if outcomes.iter().any(|o| o.final_state.is_some()) {
        settled_lines(w, outcomes)?;
    }
    // A --resume helps with what was not attempted or failed for a reason that may pass.
    let resumable = failed.iter().any(|o| !o.permanent);
    if untouched > 0 || resumable {
        match journal {
            Some(j) => writeln!(
                w,
                "Finish with: dlq {} --resume {}{resume_flags}",
                verb.name(),
                j.display()
            )?,
            None => writeln!(w, "Try again with the same command.")?,
        }
    }
    Ok(())
}

/// The failures, alike ones on one line, the first few errors named.
fn failure_lines<W: Write>(w: &mut W, failed: &[&Outcome]) -> std::io::Result<()> {
    let alike = failures_alike(failed);
    for (error, ids) in alike.iter().take(FAILURES_SHOWN) {
        let error = sanitize::inline(error);
        match ids.as_slice() {
            [one] => writeln!(w, "  {one}: {error}")?,
            many => writeln!(
                w,
                "  {} entries ({}{}): {error}",
                many.len(),
                many[..many.len().min(3)].join(", "),
                if many.len() > 3 { ", …" } else { "" }
            )?,
        }
    }
    if alike.len() > FAILURES_SHOWN {
        let more: usize = alike[FAILURES_SHOWN..]
            .iter()
            .map(|(_, ids)| ids.len())
            .sum();
        writeln!(
            w,
            "  …and {more} more failures (-o ndjson for every record)"
        )?;
    }
    Ok(())
}

/// `--wait`: what became of the retried ones, and which failed again (with their new entry).
fn settled_lines<W: Write>(w: &mut W, outcomes: &[Outcome]) -> std::io::Result<()> {
    let f = settled(outcomes);
    let mut line = format!("Delivered {}, failed again {}", f.delivered, f.failed);
    if f.pending > 0 {
        line.push_str(&format!(", still pending {}", f.pending));
    }
    if f.unknown > 0 {
        line.push_str(&format!(", not followed {}", f.unknown));
    }
    writeln!(w, "{line}.")?;
    let again: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.final_state == Some(FinalState::Failed))
        .collect();
    for o in again.iter().take(FAILURES_SHOWN) {
        let now = o.new_dlq_id.as_deref().map(sanitize::inline);
        let now = now
            .map(|n| format!(": now {n} (dlq show {n})"))
            .unwrap_or_default();
        writeln!(w, "  {} failed again{now}", o.dlq_id)?;
    }
    if again.len() > FAILURES_SHOWN {
        writeln!(
            w,
            "  …and {} more (-o ndjson for every record)",
            again.len() - FAILURES_SHOWN
        )?;
    }
    Ok(())
}

/// Failures grouped by their error, in the order each error first appeared: a server that is
/// gone makes one line, not hundreds.
fn failures_alike<'a>(failed: &[&'a Outcome]) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for o in failed {
        let e = o.error.as_deref().unwrap_or("");
        let i = *at.entry(e).or_insert_with(|| {
            groups.push((e, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(o.dlq_id.as_str());
    }
    groups
}

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
                Action::Import => format!("publish {n} archived {entries} again"),
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
        Action::Import => format!(
            "publish {} {}",
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

/// The dry run as records: one per entry (what would be done, or why it would be refused),
/// then one per missing id.
fn preview_records(v: &Preview) -> Vec<serde_json::Value> {
    let canaries: std::collections::HashSet<String> =
        v.lanes().into_iter().flat_map(|l| l.canaries).collect();
    let overrides: serde_json::Map<String, serde_json::Value> = v
        .overrides
        .iter()
        .map(|(k, val)| (k.clone(), serde_json::Value::String(val.clone())))
        .collect();
    v.rows
        .iter()
        .map(|r| {
            let e = &r.entry;
            let mut rec = serde_json::json!({
                "dlqId": e.dlq_id, "action": r.action.name(), "plan": intent(r.action, e),
                "workflowRunId": e.workflow_run_id, "url": e.url.clone().or_else(|| e.workflow_url.clone()),
                "responseStatus": e.response_status,
            });
            if let Some(why) = &r.refusal {
                rec["refused"] = why.clone().into();
            }
            if let Some(w) = &r.warning {
                rec["warning"] = w.clone().into();
            }
            if canaries.contains(&e.dlq_id) {
                rec["canary"] = true.into();
            }
            if !overrides.is_empty() {
                rec["overrides"] = overrides.clone().into();
            }
            rec
        })
        .chain(v.missing.iter().map(|id| {
            serde_json::json!({"dlqId": id, "action": null, "plan": "not in the DLQ"})
        }))
        .collect()
}

/// The dry run's head: what would be done where, the overrides, what is missing or refused.
fn preview_head<W: Write>(w: &mut W, v: &Preview) -> std::io::Result<()> {
    let what = if v.present.is_empty() {
        "do nothing".to_string()
    } else {
        describe(&v.present)
    };
    writeln!(
        w,
        "Dry run on {}: would {what} (nothing was changed)",
        sanitize::inline(&v.target)
    )?;
    if !v.overrides.is_empty() {
        let o: Vec<String> = v
            .overrides
            .iter()
            .map(|(k, val)| format!("{k}: {val}"))
            .collect();
        writeln!(w, "With overrides: {}", sanitize::inline(&o.join(", ")))?;
    }
    if !v.missing.is_empty() {
        let n = v.missing.len();
        writeln!(
            w,
            "{} not in the DLQ and left out (already retried, deleted or expired): {}{}",
            if n == 1 {
                "1 id is".to_string()
            } else {
                format!("{n} ids are")
            },
            sanitize::inline(&v.missing[..n.min(5)].join(", ")),
            if n > 5 { ", …" } else { "" }
        )?;
    }
    let warned: Vec<&Row> = v.rows.iter().filter(|r| r.warning.is_some()).collect();
    if !warned.is_empty() {
        writeln!(w, "Warning for {}:", entries(warned.len()))?;
        for r in warned.iter().take(DRY_RUN_SHOWN) {
            let why = r.warning.as_deref().unwrap_or_default();
            writeln!(w, "  {}: {}", r.entry.dlq_id, sanitize::inline(why))?;
        }
    }
    let refused: Vec<&Row> = v.rows.iter().filter(|r| r.refusal.is_some()).collect();
    if !refused.is_empty() {
        writeln!(w, "{} would be refused:", entries(refused.len()))?;
        for r in refused.iter().take(DRY_RUN_SHOWN) {
            let why = r.refusal.as_deref().unwrap_or_default();
            writeln!(w, "  {}: {}", r.entry.dlq_id, sanitize::inline(why))?;
        }
    }
    Ok(())
}

/// The dry run: what would be done, grouped, then entry by entry (or as records with -o).
pub fn preview<W: Write>(
    w: &mut W,
    v: &Preview,
    format: Option<Records>,
    style: &Style,
) -> std::io::Result<()> {
    if let Some(f @ (Records::Json | Records::Ndjson)) = format {
        return preview_as_records(w, v, f);
    }
    preview_head(w, v)?;
    if v.rows.is_empty() {
        return Ok(());
    }
    writeln!(w, "\nBy destination and status:")?;
    preview_groups(w, v, style)?;
    writeln!(w, "\nEntries:")?;
    preview_entries(w, v, style)?;
    preview_canaries(w, v)
}

/// `--canary`: which entries go first for each destination, and how many wait for them.
fn preview_canaries<W: Write>(w: &mut W, v: &Preview) -> std::io::Result<()> {
    let lanes = v.lanes();
    if lanes.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "\nCanaries (sent first; the rest of a destination only once they are delivered):"
    )?;
    for l in &lanes {
        writeln!(
            w,
            "  {}: {} first, then {} more",
            sanitize::inline(&l.dest),
            sanitize::inline(&l.canaries.join(", ")),
            l.rest.len()
        )?;
    }
    Ok(())
}

fn preview_as_records<W: Write>(w: &mut W, v: &Preview, f: Records) -> std::io::Result<()> {
    let records = preview_records(v);
    if f == Records::Json {
        serde_json::to_writer_pretty(&mut *w, &records)?;
        writeln!(w)?;
    } else {
        for r in &records {
            serde_json::to_writer(&mut *w, r)?;
            writeln!(w)?;
        }
    }
    Ok(())
}

/// Indent of the dry run's tables on a terminal.
const INDENT: &str = "  ";

/// The table's lines, indented.
fn indented<W: Write>(w: &mut W, table: &str) -> std::io::Result<()> {
    for line in table.lines() {
        writeln!(w, "{INDENT}{line}")?;
    }
    Ok(())
}

/// A style for a table drawn after [`INDENT`].
fn inside(style: &Style) -> Style {
    Style {
        width: style.width.saturating_sub(INDENT.len()),
        ..*style
    }
}

/// Counts by destination and status. On a terminal a table whose URLs lose their middle to
/// fit; off it the lines as they always were.
fn preview_groups<W: Write>(w: &mut W, v: &Preview, style: &Style) -> std::io::Result<()> {
    let listed: Vec<DlqEntry> = v.rows.iter().map(|r| r.entry.clone()).collect();
    let groups = by_destination(&listed);
    if !style.tty {
        for (dest, status, n) in groups {
            writeln!(w, "  {n:>6}  {status:>4}  {}", sanitize::inline(&dest))?;
        }
        return Ok(());
    }
    let cols = [
        Column::keep("").right(),
        Column::keep("").right(),
        Column::fit("", Fit::Url, 16),
    ];
    let rows: Vec<Vec<Cell>> = groups
        .into_iter()
        .map(|(dest, status, n)| {
            let color = status.parse().ok().map(status_color);
            vec![
                Cell::from(n.to_string()),
                Cell {
                    text: status,
                    color,
                },
                Cell::from(sanitize::inline(&dest)),
            ]
        })
        .collect();
    let inner = inside(style);
    indented(w, &table::rows(&cols, &rows, &inner, true))
}

/// Entry by entry: on a terminal the first [`DRY_RUN_SHOWN`] in a table whose plans are cut
/// to fit; off it every entry, tab-separated.
fn preview_entries<W: Write>(w: &mut W, v: &Preview, style: &Style) -> std::io::Result<()> {
    let rows = &v.rows;
    let shown = if style.tty {
        rows.len().min(DRY_RUN_SHOWN)
    } else {
        rows.len()
    };
    let cells: Vec<Vec<Cell>> = rows[..shown]
        .iter()
        .map(|r| {
            let plan = match &r.refusal {
                Some(_) => format!("refused: {}", intent(r.action, &r.entry)),
                None => intent(r.action, &r.entry),
            };
            let status = r.entry.response_status;
            vec![
                Cell::from(sanitize::inline(&r.entry.dlq_id)),
                Cell::from(when_cell(r.entry.created_at, style)),
                Cell {
                    text: status_cell(status),
                    color: status.map(status_color),
                },
                Cell::from(plan),
            ]
        })
        .collect();
    if !style.tty {
        for r in &cells {
            let line: Vec<&str> = r.iter().map(|c| c.text.as_str()).collect();
            writeln!(w, "{}", line.join("\t"))?;
        }
        return Ok(());
    }
    let cols = [
        Column::keep(""),
        Column::keep(""),
        Column::keep("").right(),
        Column::fit("", Fit::End, 20),
    ];
    indented(w, &table::rows(&cols, &cells, &inside(style), true))?;
    if rows.len() > shown {
        writeln!(w, "  …and {} more; -o ndjson for all", rows.len() - shown)?;
    }
    Ok(())
}

/// One record per entry: text lines, a JSON array or JSON lines.
fn final_word(f: FinalState) -> &'static str {
    match f {
        FinalState::Delivered => "delivered",
        FinalState::Failed => "failed_again",
        FinalState::Pending => "pending",
        FinalState::Unknown => "unknown",
    }
}

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
                    Status::Imported => "imported",
                    Status::AlreadyImported => "already_imported",
                    Status::NotFound => "not_found",
                    Status::Failed => "failed",
                };
                let detail = o
                    .workflow_run_id
                    .clone()
                    .or_else(|| o.message_id.clone())
                    .or_else(|| o.error.clone())
                    .unwrap_or_default();
                match o.final_state {
                    // `--wait`: what became of it, and its new entry if it failed again.
                    Some(f) => writeln!(
                        out,
                        "{}\t{status}\t{}\t{}{}",
                        o.dlq_id,
                        sanitize::inline(&detail),
                        final_word(f),
                        o.new_dlq_id
                            .as_deref()
                            .map(|n| format!("\t{}", sanitize::inline(n)))
                            .unwrap_or_default()
                    )?,
                    None => writeln!(out, "{}\t{status}\t{}", o.dlq_id, sanitize::inline(&detail))?,
                }
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(action: Action, n: usize) -> Group {
        Group {
            action,
            workflow: action != Action::Retry,
            ids: (0..n).map(|i| format!("id{i}")).collect(),
        }
    }

    #[test]
    fn the_question_counts_what_happens_and_where() {
        let groups = [group(Action::Retry, 3), group(Action::Resume, 1)];
        let entries: Vec<DlqEntry> = [
            "https://a.example/x",
            "https://b.example/y",
            "https://a.example/x",
        ]
        .iter()
        .map(|u| DlqEntry {
            url: Some(u.to_string()),
            ..DlqEntry::default()
        })
        .chain([DlqEntry {
            workflow_url: Some("https://c.example/wf".into()),
            ..DlqEntry::default()
        }])
        .collect();
        assert_eq!(
            question(&groups, Some(&entries), "https://q.example (profile p)"),
            "Retry 3 DLQ entries and resume 1 workflow run to 3 URLs on https://q.example (profile p)?"
        );
        assert_eq!(
            question(&groups[..1], None, "http://127.0.0.1:8080"),
            "Retry 3 DLQ entries on http://127.0.0.1:8080?"
        );
    }

    fn ending_text(outcomes: &[Outcome], untouched: usize, journal: Option<&Path>) -> String {
        let mut out = Vec::new();
        let s = crate::bulk::summarize(outcomes);
        ending(&mut out, Verb::Retry, &s, outcomes, untouched, journal, "").unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_ending_lists_the_first_failures_and_says_how_to_finish() {
        let mut outcomes = vec![
            Outcome::retried("ok", None, None),
            Outcome::not_found("gone"),
        ];
        outcomes.extend(
            (0..22).map(|i| Outcome::failed(&format!("f{i}"), format!("HTTP 500 {i}\x1b[31m"))),
        );
        outcomes.extend((0..4).map(|i| Outcome::failed(&format!("g{i}"), "refused".into())));
        let text = ending_text(&outcomes, 5, Some(Path::new("/j/run.ndjson")));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Retried 1, already gone 1, failed 26, not attempted 5."
        );
        assert_eq!(lines[1], "  f0: HTTP 500 0\\e[31m");
        assert_eq!(lines.len(), 1 + 20 + 2);
        assert_eq!(
            lines[21],
            "  …and 6 more failures (-o ndjson for every record)"
        );
        assert_eq!(lines[22], "Finish with: dlq retry --resume /j/run.ndjson");
        let alike = ending_text(&outcomes[24..], 0, None);
        assert_eq!(
            alike.lines().nth(1),
            Some("  4 entries (g0, g1, g2, …): refused")
        );
        assert_eq!(
            ending_text(&outcomes[..1], 1, None).lines().last(),
            Some("Try again with the same command.")
        );
    }

    #[test]
    fn nothing_to_finish_when_every_failure_is_permanent_and_all_was_attempted() {
        let outcomes = [
            Outcome::retried("ok", None, None),
            Outcome::refused("r", "the failure function already ran".into()),
        ];
        let text = ending_text(&outcomes, 0, Some(Path::new("/j")));
        assert_eq!(
            text,
            "Retried 1, already gone 0, failed 1.\n  r: the failure function already ran\n"
        );
    }
}
