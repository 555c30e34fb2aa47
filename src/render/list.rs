//! `dlq list` output: an aligned table on a terminal, tab-separated columns off it, or
//! JSON / NDJSON / CSV / ids. Pages are written as they arrive.

use crate::diagnose;
use std::io::{self, Write};

use super::table::{self, Cell, Column, Fit};
use super::{Format, Style, rfc3339, sanitize, status_color};
use crate::model::DlqEntry;

/// CSV columns: the API's field names.
pub const CSV_FIELDS: &[&str] = &[
    "dlqId",
    "messageId",
    "createdAt",
    "responseStatus",
    "method",
    "url",
    "topicName",
    "endpointName",
    "queueName",
    "scheduleId",
    "workflowRunId",
    "workflowUrl",
    "labels",
    "flowControlKey",
    "callerIP",
    "maxRetries",
    "failureFunctionState",
    "responseBody",
    // The diagnosis's catalogue id (empty when only the status could be read).
    "cause",
];

/// More CSV columns of a workflow listing, after the API's: the failed step and the error
/// message, as the table shows them.
pub const CSV_WORKFLOW_FIELDS: &[&str] = &["failedStep", "error"];

/// Characters of the response body a CSV cell keeps (all of it with `--full`).
pub const CSV_BODY_CHARS: usize = 200;

/// Writes entries as they come, in one format.
pub struct ListWriter<W: Write> {
    out: W,
    format: Format,
    style: Style,
    workflow: bool,
    /// CSV: whole response bodies.
    full: bool,
    rows: Vec<DlqEntry>,
    written: usize,
}

impl<W: Write> ListWriter<W> {
    pub fn new(out: W, format: Format, style: Style, workflow: bool) -> Self {
        ListWriter {
            out,
            format,
            style,
            workflow,
            full: false,
            rows: Vec::new(),
            written: 0,
        }
    }

    /// CSV cells keep whole response bodies.
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    pub fn written(&self) -> usize {
        self.written
    }

    fn csv_fields(&self) -> Vec<&'static str> {
        let extra = if self.workflow {
            CSV_WORKFLOW_FIELDS
        } else {
            &[]
        };
        CSV_FIELDS.iter().chain(extra).copied().collect()
    }

    /// Writes (or, for a terminal table, collects) some entries.
    pub fn write(&mut self, entries: &[DlqEntry]) -> io::Result<()> {
        for e in entries {
            match self.format {
                Format::Ids => writeln!(self.out, "{}", sanitize::inline(&e.dlq_id))?,
                Format::Ndjson => {
                    write_with_diagnosis(&mut self.out, e)?;
                    self.out.write_all(b"\n")?;
                }
                Format::Json => {
                    self.out
                        .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                    write_with_diagnosis(&mut self.out, e)?;
                }
                Format::Csv => {
                    if self.written == 0 {
                        self.out.write_all(&csv_line(&self.csv_fields())?)?;
                    }
                    let mut row = csv_values(e, self.full);
                    if self.workflow {
                        let (step, error) = crate::workflow_run::row_summary(e);
                        row.extend([step.unwrap_or_default(), error.unwrap_or_default()]);
                    }
                    let row: Vec<String> = row.iter().map(|v| defuse(v)).collect();
                    self.out.write_all(&csv_line(&row)?)?;
                }
                Format::Table if self.style.tty => self.rows.push(e.clone()),
                Format::Table => {
                    if self.written == 0 {
                        writeln!(self.out, "{}", self.headers().join("\t"))?;
                    }
                    let cells = self.cells(e);
                    writeln!(self.out, "{}", cells.join("\t"))?;
                }
            }
            self.written += 1;
        }
        self.out.flush()
    }

    /// Ends the output (closes the JSON array, lays out a terminal table).
    pub fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?
            }
            // The header row also when nothing matched, so a spreadsheet sees the columns.
            Format::Csv if self.written == 0 => {
                self.out.write_all(&csv_line(&self.csv_fields())?)?
            }
            Format::Table if self.style.tty && !self.rows.is_empty() => {
                let rows = std::mem::take(&mut self.rows);
                let table = self.layout(&rows);
                self.out.write_all(table.as_bytes())?;
            }
            // Off a terminal the columns are named whether or not anything matched.
            Format::Table if !self.style.tty && self.written == 0 => {
                writeln!(self.out, "{}", self.headers().join("\t"))?
            }
            _ => {}
        }
        self.out.flush()
    }

    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec![
            "DLQ ID",
            if self.style.tty { "AGE" } else { "CREATED" },
            "STATUS",
        ];
        if self.workflow {
            // A run's failure reads as the step that failed and the SDK's error message.
            h.extend(["RUN ID", "STEP", "URL", "ERROR"]);
        } else {
            h.extend(["URL", "RESPONSE"]);
        }
        h
    }

    fn cells(&self, e: &DlqEntry) -> Vec<String> {
        let mut c = vec![
            sanitize::inline(&e.dlq_id),
            super::when_cell(e.created_at, &self.style),
            super::status_cell(e.response_status),
        ];
        let url = e
            .url
            .as_deref()
            .or(e.workflow_url.as_deref())
            .unwrap_or("-");
        if self.workflow {
            let (step, error) = crate::workflow_run::row_summary(e);
            c.push(sanitize::inline(
                e.workflow_run_id.as_deref().unwrap_or("-"),
            ));
            c.push(sanitize::inline(step.as_deref().unwrap_or("-")));
            c.push(sanitize::inline(url));
            let one_line = error
                .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| snippet(e));
            c.push(sanitize::inline(
                &one_line.chars().take(200).collect::<String>(),
            ));
        } else {
            c.push(sanitize::inline(url));
            c.push(snippet(e));
        }
        c
    }

    /// The terminal table: the columns' rules (below), the cells shaped to them, then laid out
    /// by [`table::render`]. Below 56 columns the URL is dropped; the response or error stays.
    fn layout(&self, rows: &[DlqEntry]) -> String {
        let mut cols = self.columns();
        let mut cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|e| {
                let mut c: Vec<Cell> = self.cells(e).into_iter().map(Cell::from).collect();
                c[2].color = Some(status_color(e.response_status.unwrap_or(-1)));
                c
            })
            .collect();
        if self.style.width < NARROW {
            let url = cols.len() - 2;
            cols.remove(url);
            for r in &mut cells {
                r.remove(url);
            }
        }
        // The diagnosis's id after the status, whole, or given up first when the terminal is
        // too narrow for it.
        cols.insert(3, Column::keep("CAUSE").drop(0));
        for (r, e) in cells.iter_mut().zip(rows) {
            let c = cause(e);
            r.insert(
                3,
                Cell::from(if c.is_empty() { "-".to_string() } else { c }),
            );
        }
        table::render(&cols, &cells, &self.style, true)
    }

    /// The table's columns and how each gives way: the URL first, then (for runs) the run's
    /// id and the age; the step, the response and the error are cut at their end.
    fn columns(&self) -> Vec<Column> {
        let h = self.headers();
        let mut cols = vec![Column::keep(h[0]), Column::keep(h[1]), Column::keep(h[2])];
        if self.workflow {
            cols[1] = Column::keep(h[1]).drop(3);
            cols.extend([
                Column::fit(h[3], Fit::End, 10).drop(2),
                Column::fit(h[4], Fit::End, 10),
                Column::fit(h[5], Fit::Url, 12).drop(1),
                Column::fit(h[6], Fit::End, 10),
            ]);
        } else {
            cols.extend([
                Column::fit(h[3], Fit::Url, 16),
                Column::fit(h[4], Fit::End, 8),
            ]);
        }
        cols
    }
}

/// Terminal width below which the table drops its URL column.
const NARROW: usize = 56;

/// The first line of the response body (or a note for binary/empty bodies).
pub fn snippet(e: &DlqEntry) -> String {
    use super::body::{Kind, html_text, kind};
    let b = e.response_bytes();
    let ct = super::content_type(e.response_header.as_ref());
    let text = match kind(&b, ct.as_deref()) {
        Kind::Empty => return String::new(),
        Kind::Binary => return format!("<{} bytes binary>", b.len()),
        Kind::Html => {
            let (title, content) = html_text(&String::from_utf8_lossy(&b));
            title.unwrap_or(content)
        }
        Kind::Json | Kind::Text => String::from_utf8_lossy(&b).into_owned(),
    };
    let first = text.split_whitespace().collect::<Vec<_>>().join(" ");
    sanitize::inline(&first.chars().take(200).collect::<String>())
}

fn csv_values(e: &DlqEntry, full: bool) -> Vec<String> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let body = {
        let b = e.response_bytes();
        let text = match super::body::kind(&b, None) {
            super::body::Kind::Binary => format!("<{} bytes binary>", b.len()),
            _ => String::from_utf8_lossy(&b).into_owned(),
        };
        if full || text.chars().count() <= CSV_BODY_CHARS {
            text
        } else {
            text.chars().take(CSV_BODY_CHARS).chain(['…']).collect()
        }
    };
    vec![
        e.dlq_id.clone(),
        s(&e.message_id),
        e.created_at.map(rfc3339).unwrap_or_default(),
        n(e.response_status),
        s(&e.method),
        s(&e.url),
        s(&e.topic_name),
        s(&e.endpoint_name),
        s(&e.queue_name),
        s(&e.schedule_id),
        s(&e.workflow_run_id),
        s(&e.workflow_url),
        e.all_labels().join(";"),
        s(&e.flow_control_key),
        s(&e.caller_ip),
        n(e.max_retries),
        s(&e.failure_function_state),
        body,
        cause(e),
    ]
}

/// The catalogue id of an entry's diagnosis; empty when it is generic (the status says it).
pub fn cause(e: &DlqEntry) -> String {
    let d = diagnose::diagnose(e);
    if d.generic { String::new() } else { d.id }
}

/// Writes the entry's API fields with its diagnosis beside them (JSON and NDJSON): the
/// entry's object written as it is, the `diagnosis` key added before its closing brace (no
/// intermediate JSON value: listings write many of these).
fn write_with_diagnosis<W: Write>(out: &mut W, e: &DlqEntry) -> io::Result<()> {
    let mut buf = serde_json::to_vec(e)?;
    if buf.last() == Some(&b'}') {
        buf.pop();
        if buf.len() > 1 {
            buf.push(b',');
        }
        serde_json::to_writer(&mut buf, diagnose::KEY)?;
        buf.push(b':');
        serde_json::to_writer(&mut buf, &diagnose::report(e))?;
        buf.push(b'}');
    }
    out.write_all(&buf)
}

/// A cell a spreadsheet cannot be tricked by: control characters escaped, and a leading `'`
/// before `=`, `+`, `-` or `@` (CSV injection). Quoting is the `csv` crate's.
pub(crate) fn defuse(v: &str) -> String {
    let mut v = sanitize::inline(v);
    if v.starts_with(['=', '+', '-', '@']) {
        v.insert(0, '\'');
    }
    v
}

/// One RFC 4180 record (the `csv` crate quotes what needs quoting), `\n`-terminated.
pub(crate) fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(fields).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let line = |cells: &[&str]| {
            let d: Vec<String> = cells.iter().map(|c| defuse(c)).collect();
            String::from_utf8(csv_line(&d).unwrap()).unwrap()
        };
        assert_eq!(line(&["a,b"]), "\"a,b\"\n");
        assert_eq!(line(&["say \"hi\""]), "\"say \"\"hi\"\"\"\n");
        assert_eq!(line(&["=cmd()", "plain"]), "'=cmd(),plain\n");
        assert_eq!(
            line(&["line\nbreak"]),
            "line\\nbreak\n",
            "control characters escaped"
        );
    }
}
