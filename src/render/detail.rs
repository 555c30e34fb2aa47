//! `dlq show`: one entry completely, as text.

use crate::diagnose::{self, Diagnosis, Report};
use std::fmt::Write as _;

use super::{
    BOLD, DIM, Style, body, content_type, paint, relative, rfc3339, sanitize, status_color,
    status_text,
};
use crate::model::{DlqEntry, Headers, LogEvent};
use crate::workflow_run::{BranchLog, DecodedRun, DecodedStep};

fn time(ms: i64, style: &Style) -> String {
    format!("{} ({})", rfc3339(ms), relative(ms, style.now_ms))
}

fn field(out: &mut String, style: &Style, name: &str, value: &str) {
    let _ = writeln!(
        out,
        "  {}  {}",
        paint(style, DIM, &format!("{name:<17}")),
        value
    );
}

fn headers(out: &mut String, style: &Style, h: Option<&Headers>) {
    let Some(h) = h.filter(|h| !h.is_empty()) else {
        let _ = writeln!(out, "  {}", paint(style, DIM, "(no headers)"));
        return;
    };
    for (k, vs) in h {
        for v in vs {
            let _ = writeln!(
                out,
                "  {}: {}",
                paint(style, "\u{1b}[36m", &sanitize::inline(k)),
                sanitize::inline(v)
            );
        }
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The failure function's state and answer on one line; an app whose SDK answered that it
/// has none is "none configured", not a success.
fn failure_function(e: &DlqEntry) -> Option<String> {
    if crate::workflow_run::no_failure_function(e) {
        return Some(
            "none configured (the workflow's SDK answered that it has no failure function)".into(),
        );
    }
    let state = e
        .failure_function_state
        .clone()
        .or_else(|| e.failure_callback_info.as_ref()?.state.clone())?;
    let mut line = sanitize::inline(&state);
    if let Some(info) = &e.failure_callback_info {
        if let Some(code) = info.response_status {
            let _ = write!(line, ", answered {}", status_text(code));
        }
        if let Some(b) = info.response_body.as_deref().filter(|b| !b.is_empty()) {
            let _ = write!(line, ": {}", sanitize::inline(&sanitize::prefix(b, 200)));
        }
    }
    Some(line)
}

/// A workflow run's summary: which run, which step failed and why, what was tried.
fn run_summary(out: &mut String, e: &DlqEntry, run: &DecodedRun, style: &Style) {
    let s = |v: &Option<String>| v.as_deref().map(sanitize::inline);
    if let Some(r) = s(&e.workflow_run_id) {
        field(out, style, "Workflow run", &r);
    }
    if let Some(u) = s(&e.workflow_url) {
        field(out, style, "Workflow URL", &u);
    }
    if let Some(t) = e.workflow_created_at {
        field(out, style, "Run created", &time(t, style));
    }
    if let Some(f) = &run.failed_step {
        field(
            out,
            style,
            "Failed step",
            &paint(style, BOLD, &sanitize::inline(&f.describe())),
        );
    }
    if let Some(err) = &run.error {
        let short: String = err.chars().take(300).collect();
        field(out, style, "Error", &sanitize::inline(&short));
    }
    match (e.response_status, e.max_retries) {
        (Some(489), _) => field(
            out,
            style,
            "Retries",
            "none: the step failed as non-retryable (489)",
        ),
        (_, Some(r)) => field(out, style, "Retries", &format!("{r} (all used)")),
        _ => {}
    }
    if let Some(ff) = failure_function(e) {
        field(out, style, "Failure function", &ff);
    }
}

/// One result of the run's log: its name and type, its other fields, its value.
fn step_lines(
    out: &mut String,
    st: &DecodedStep,
    style: &Style,
    value: &dyn Fn(&serde_json::Value) -> String,
) {
    let name = sanitize::inline(st.step_name.as_deref().unwrap_or("?"));
    let kind = sanitize::inline(st.step_type.as_deref().unwrap_or("?"));
    let branch = if st.concurrent.is_some_and(|c| c > 1) {
        ", a parallel branch"
    } else {
        ""
    };
    let id = st.step_id.unwrap_or(0);
    let _ = writeln!(out, "  step {id} '{name}' ({kind}){branch}");
    let mut extra: Vec<String> = st
        .other
        .iter()
        // workflow-py sends the route's method with every step; POST is every route's.
        .filter(|(k, v)| !(k.as_str() == "method" && v.as_str() == Some("POST")))
        .map(|(k, v)| {
            format!(
                "{}: {}",
                sanitize::inline(k),
                sanitize::inline(&v.to_string())
            )
        })
        .collect();
    extra.sort();
    if !extra.is_empty() {
        let _ = writeln!(out, "    {}", paint(style, DIM, &extra.join(", ")));
    }
    match &st.out {
        Some(v) => {
            let _ = writeln!(out, "{}", value(v));
        }
        None => {
            let _ = writeln!(out, "    {}", paint(style, DIM, "(no result)"));
        }
    }
}

/// A planned branch of a parallel group in its state (from the run's log when it was read);
/// `None` when the entry's log holds the branch's result, which is shown as a step. With the
/// last plan of a group: how many of its branches neither log names.
fn branch_line(run: &DecodedRun, i: usize) -> Option<(String, Option<i64>)> {
    let st = &run.steps[i];
    let target = st.target_step;
    if run
        .steps
        .iter()
        .any(|s| !s.is_plan() && s.step_id.is_some() && s.step_id == target)
    {
        return None;
    }
    let failed = run.failed_step.as_ref().is_some_and(|f| {
        f.name.is_some() && f.name == st.step_name || f.name.is_none() && f.position == target
    });
    let state = match (st.branch_state.as_deref(), &run.branch_log) {
        (Some("STEP_SUCCESS"), _) => "succeeded".to_string(),
        (Some("STEP_FAILED"), _) => "failed".to_string(),
        (Some("STEP_RETRY"), _) => "being retried".to_string(),
        (Some("STEP_PROGRESS"), _) => "in progress".to_string(),
        (Some("STEP_CANCELED"), _) => "cancelled before it finished".to_string(),
        (Some(other), _) => other.to_string(),
        (None, BranchLog::Read) if failed => "failed".to_string(),
        (None, BranchLog::Read) => "not finished (the run's log holds no result)".to_string(),
        (None, BranchLog::Unreadable(_)) if failed => "failed".to_string(),
        (None, _) => "planned".to_string(),
    };
    let line = format!(
        "step {} '{}' ({}): {state}, a parallel branch",
        target.unwrap_or(0),
        st.step_name.as_deref().unwrap_or("?"),
        st.step_type.as_deref().unwrap_or("?"),
    );
    let last_plan = run.steps.get(i + 1).is_none_or(|n| !n.is_plan());
    let first = run.steps[..i]
        .iter()
        .rposition(|s| !s.is_plan())
        .map_or(0, |p| p + 1);
    let listed = (i + 1 - first) as i64;
    let unlisted = st
        .concurrent
        .map(|c| c - listed)
        .filter(|n| last_plan && *n > 0);
    Some((line, unlisted))
}

/// The run's steps as the failed delivery carried them: the initial payload, each result.
fn steps_section(out: &mut String, run: &DecodedRun, style: &Style) {
    let _ = writeln!(out, "\n{}", paint(style, BOLD, "Steps"));
    let value = |v: &serde_json::Value| indent(&indent(&body::step_value(v, style)));
    let _ = writeln!(out, "  {}", paint(style, DIM, "initial payload"));
    if run.initial_payload.is_null() {
        let _ = writeln!(out, "    {}", paint(style, DIM, "(empty)"));
    } else {
        let _ = writeln!(out, "{}", value(&run.initial_payload));
    }
    if let BranchLog::Unreadable(why) = &run.branch_log {
        let why = format!("the branches' states are unknown: {why}");
        let _ = writeln!(out, "  {}", paint(style, DIM, &sanitize::inline(&why)));
    }
    for (i, st) in run.steps.iter().enumerate() {
        if st.is_plan() {
            let Some((line, unlisted)) = branch_line(run, i) else {
                continue;
            };
            let _ = writeln!(out, "  {}", paint(style, DIM, &sanitize::inline(&line)));
            if let (Some(v), Some("STEP_SUCCESS")) = (&st.out, st.branch_state.as_deref()) {
                let _ = writeln!(out, "{}", value(v));
            }
            if let Some(n) = unlisted {
                let more = format!("{n} more branch(es) of this group, named in neither log");
                let _ = writeln!(out, "  {}", paint(style, DIM, &more));
            }
            continue;
        }
        step_lines(out, st, style, &value);
    }
    if let Some(f) = &run.failed_step {
        let mut line = format!("{} failed", f.describe());
        if let Some(err) = &run.error {
            let short: String = err.chars().take(120).collect();
            let _ = write!(line, ": {short}");
        }
        let _ = writeln!(
            out,
            "  {}",
            paint(style, "\u{1b}[31m", &sanitize::inline(&line))
        );
    }
}

/// The full text view of an entry (with the delivery timeline when `attempts` is given). A
/// workflow run's entry (`run`, decoded) leads with the run and its steps.
pub fn render(
    e: &DlqEntry,
    run: Option<&DecodedRun>,
    attempts: Option<&[LogEvent]>,
    style: &Style,
) -> String {
    let why = View {
        report: &diagnose::report(e),
        explain: false,
    };
    render_diagnosed(e, run, attempts, &why, style)
}

/// How the diagnosis is shown: its report (made before anything was masked) and whether the
/// evidence is given in full (`--explain`).
pub struct View<'a> {
    pub report: &'a Report,
    pub explain: bool,
}

/// [`render`] with a diagnosis made beforehand: Cause and Fix lead the view.
pub fn render_diagnosed(
    e: &DlqEntry,
    run: Option<&DecodedRun>,
    attempts: Option<&[LogEvent]>,
    why: &View,
    style: &Style,
) -> String {
    let mut out = String::new();
    let title = format!("DLQ entry {}", sanitize::inline(&e.dlq_id));
    let _ = writeln!(out, "{}", paint(style, BOLD, &title));
    diagnosis_fields(&mut out, why, style);
    if let Some(run) = run {
        run_summary(&mut out, e, run, style);
    }
    message_fields(&mut out, e, run.is_some(), style);
    routing_fields(&mut out, e, run.is_some(), style);
    if let Some(run) = run.filter(|r| r.has_log) {
        steps_section(&mut out, run, style);
    }
    request_section(&mut out, e, style);
    response_section(&mut out, e, style);
    if let Some(events) = attempts {
        attempts_section(&mut out, events, style);
    }
    out
}

/// Cause and Fix (the catalogue's id, or that only the status was read), the failure
/// function's when it failed too, and with `--explain` the evidence and the rule's source.
fn diagnosis_fields(out: &mut String, why: &View, style: &Style) {
    let one = |out: &mut String, d: &Diagnosis, cause: &str, fix: &str| {
        let tag = if d.generic {
            "generic: from the status only".to_string()
        } else {
            sanitize::inline(&d.id)
        };
        let text = format!(
            "{} {}",
            sanitize::inline(&d.cause),
            paint(style, DIM, &format!("[{tag}]"))
        );
        field(out, style, cause, &text);
        field(out, style, fix, &sanitize::inline(&d.fix));
        if why.explain {
            for ev in &d.evidence {
                field(out, style, "  evidence", &sanitize::inline(ev));
            }
            if !d.source.is_empty() {
                let rule = format!("{} ({})", d.grade, d.source);
                field(out, style, "  source", &sanitize::inline(&rule));
            }
        }
    };
    one(out, &why.report.main, "Cause", "Fix");
    if let Some(f) = &why.report.failure_function {
        one(out, f, "Failure fn cause", "Failure fn fix");
    }
}

fn opt(v: &Option<String>) -> Option<String> {
    v.as_deref().map(sanitize::inline)
}

/// The message, its run (when the run summary did not name it), its times and retries.
fn message_fields(out: &mut String, e: &DlqEntry, has_run: bool, style: &Style) {
    if let Some(m) = opt(&e.message_id) {
        field(out, style, "Message", &m);
    }
    if !has_run {
        if let Some(r) = opt(&e.workflow_run_id) {
            field(out, style, "Workflow run", &r);
        }
        if let Some(u) = opt(&e.workflow_url) {
            field(out, style, "Workflow URL", &u);
        }
        if let Some(t) = e.workflow_created_at {
            field(out, style, "Run created", &time(t, style));
        }
    }
    if let Some(t) = e.created_at {
        field(out, style, "Created", &time(t, style));
    }
    if let Some(t) = e.not_before {
        field(out, style, "Not before", &time(t, style));
    }
    if let (false, Some(r)) = (has_run, e.max_retries) {
        field(out, style, "Retries", &format!("{r} (all used)"));
    }
    if let Some(x) = opt(&e.retry_delay_expression) {
        field(out, style, "Retry delay", &x);
    }
    let labels = e.all_labels();
    if !labels.is_empty() {
        field(out, style, "Labels", &sanitize::inline(&labels.join(", ")));
    }
}

/// Where it was going and how: group, endpoint, queue, schedule, callbacks, flow control, the
/// failure callback's state, and every field the API added that this tool does not know.
fn routing_fields(out: &mut String, e: &DlqEntry, has_run: bool, style: &Style) {
    for (name, v) in [
        ("URL group", &e.topic_name),
        ("Endpoint", &e.endpoint_name),
        ("Queue", &e.queue_name),
        ("Schedule", &e.schedule_id),
        ("Caller IP", &e.caller_ip),
        ("Callback", &e.callback),
        ("Failure callback", &e.failure_callback),
    ] {
        if let Some(v) = opt(v) {
            field(out, style, name, &v);
        }
    }
    if let Some(mut fc) = opt(&e.flow_control_key) {
        if let Some(p) = e.parallelism {
            let _ = write!(fc, ", parallelism {p}");
        }
        if let Some(r) = e.rate {
            let _ = write!(fc, ", rate {r}");
        }
        if let Some(p) = e.period {
            let _ = write!(fc, " per {p}s");
        }
        field(out, style, "Flow control", &fc);
    }
    if !has_run && let Some(ff) = failure_function(e) {
        // A workflow run has a failure function; a message, a failure callback.
        let label = if e.is_workflow() {
            "Failure function"
        } else {
            "Callback state"
        };
        field(out, style, label, &ff);
    }
    for (k, v) in &e.extra {
        let shown = match v {
            serde_json::Value::String(x) => x.clone(),
            other => other.to_string(),
        };
        field(out, style, &sanitize::inline(k), &sanitize::inline(&shown));
    }
}

fn request_section(out: &mut String, e: &DlqEntry, style: &Style) {
    let _ = writeln!(out, "\n{}", paint(style, BOLD, "Request"));
    let _ = writeln!(
        out,
        "  {} {}",
        sanitize::inline(e.method.as_deref().unwrap_or("POST")),
        sanitize::inline(e.url.as_deref().unwrap_or("-"))
    );
    headers(out, style, e.header.as_ref());
    let _ = writeln!(out);
    let ct = content_type(e.header.as_ref());
    let req = body::render(&e.body_bytes(), ct.as_deref(), style, "--raw-body");
    let _ = writeln!(out, "{}", indent(&req));
}

fn response_section(out: &mut String, e: &DlqEntry, style: &Style) {
    let _ = writeln!(out, "\n{}", paint(style, BOLD, "Response"));
    let status = e.response_status.unwrap_or(-1);
    let status_line = if status < 0 {
        "(unknown status)".to_string()
    } else {
        status_text(status)
    };
    let _ = writeln!(
        out,
        "  {}",
        paint(style, status_color(status), &status_line)
    );
    headers(out, style, e.response_header.as_ref());
    let _ = writeln!(out);
    let ct = content_type(e.response_header.as_ref());
    let res = body::render(&e.response_bytes(), ct.as_deref(), style, "--raw-response");
    let _ = writeln!(out, "{}", indent(&res));
}

/// The delivery attempts from the logs: time, state, status, what happened, laid out as a
/// table (the text of what happened cut to the terminal's width on one).
fn attempts_section(out: &mut String, events: &[LogEvent], style: &Style) {
    use super::table::{Cell, Column, Fit};
    let _ = writeln!(out, "\n{}", paint(style, BOLD, "Attempts"));
    if events.is_empty() {
        let none = "(no log events: they may have expired)";
        let _ = writeln!(out, "  {}", paint(style, DIM, none));
        return;
    }
    let rows: Vec<Vec<Cell>> = events
        .iter()
        .map(|ev| {
            let mut what = Vec::new();
            if let Some(err) = ev.error.as_deref().filter(|e| !e.is_empty()) {
                what.push(sanitize::inline(&err.chars().take(160).collect::<String>()));
            }
            if let Some(n) = ev.next_delivery_time {
                what.push(format!("next attempt {}", rfc3339(n)));
            }
            vec![
                Cell::from(ev.time.map(rfc3339).unwrap_or_else(|| "-".into())),
                Cell::from(sanitize::inline(ev.state.as_deref().unwrap_or("?"))),
                Cell {
                    text: ev.response_status.map(status_text).unwrap_or_default(),
                    color: Some(status_color(ev.response_status.unwrap_or(0))),
                },
                Cell::from(what.join("  ")),
            ]
        })
        .collect();
    let cols = [
        Column::keep(""),
        Column::keep(""),
        Column::keep(""),
        Column::fit("", Fit::End, 20),
    ];
    let inner = Style {
        width: style.width.saturating_sub(2),
        ..*style
    };
    for line in super::table::rows(&cols, &rows, &inner, style.tty).lines() {
        let _ = writeln!(out, "  {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(target: i64, name: &str, state: Option<&str>) -> DecodedStep {
        DecodedStep {
            step_id: Some(0),
            step_name: Some(name.into()),
            step_type: Some("Run".into()),
            concurrent: Some(2),
            target_step: Some(target),
            branch_state: state.map(String::from),
            ..DecodedStep::default()
        }
    }

    fn steps_of(run: &DecodedRun) -> String {
        let mut out = String::new();
        steps_section(&mut out, run, &Style::plain(0));
        out
    }

    /// Without the run's log the branches are "planned", and the view says why it cannot
    /// tell more; the failed branch is still named failed.
    #[test]
    fn branches_whose_log_could_not_be_read_say_so() {
        let run = DecodedRun {
            steps: vec![plan(1, "a", None), plan(2, "b", None)],
            failed_step: Some(crate::workflow_run::FailedStep {
                name: Some("b".into()),
                ..Default::default()
            }),
            branch_log: BranchLog::Unreadable("the workflow logs could not be read (429)".into()),
            ..DecodedRun::default()
        };
        let out = steps_of(&run);
        assert!(
            out.contains(
                "the branches' states are unknown: the workflow logs could not be read (429)"
            ),
            "{out}"
        );
        assert!(
            out.contains("step 1 'a' (Run): planned, a parallel branch"),
            "{out}"
        );
        assert!(
            out.contains("step 2 'b' (Run): failed, a parallel branch"),
            "{out}"
        );
    }

    /// A branch whose result the entry's own log carries is shown once, as a result.
    #[test]
    fn a_branch_with_its_result_in_the_entry_is_shown_as_the_result() {
        let result = DecodedStep {
            step_id: Some(1),
            step_name: Some("a".into()),
            step_type: Some("Run".into()),
            concurrent: Some(2),
            out: Some(serde_json::json!(1)),
            ..DecodedStep::default()
        };
        let run = DecodedRun {
            steps: vec![
                plan(1, "a", None),
                plan(2, "b", Some("STEP_SUCCESS")),
                result,
            ],
            branch_log: BranchLog::Read,
            ..DecodedRun::default()
        };
        let out = steps_of(&run);
        assert!(!out.contains("step 1 'a' (Run): "), "{out}");
        assert!(
            out.contains("  step 1 'a' (Run), a parallel branch\n    1\n"),
            "{out}"
        );
        assert!(out.contains("step 2 'b' (Run): succeeded"), "{out}");
    }
}
