//! `dlq watch` output: a line per new entry on a terminal, or NDJSON. Pure, writer-generic;
//! each entry is flushed at once.

use std::io::{self, Write};

use super::{Style, sanitize, status_cell, when_cell};
use crate::model::DlqEntry;

/// Writes one new entry: NDJSON, or `DLQ ID  CREATED  STATUS  URL or RUN  RESPONSE` (two
/// spaces apart, tabs off a terminal).
pub fn write<W: Write>(out: &mut W, e: &DlqEntry, ndjson: bool, style: &Style) -> io::Result<()> {
    if ndjson {
        serde_json::to_writer(&mut *out, e)?;
        writeln!(out)?;
        return out.flush();
    }
    let target = match &e.workflow_run_id {
        Some(run) => {
            let (step, _) = crate::workflow_run::row_summary(e);
            match step {
                Some(s) => format!("{run} {s}"),
                None => run.clone(),
            }
        }
        None => e.url.clone().unwrap_or_else(|| "-".into()),
    };
    let cells = [
        sanitize::inline(&e.dlq_id),
        when_cell(e.created_at, style),
        status_cell(e.response_status),
        sanitize::inline(&target),
        super::list::snippet(e).chars().take(120).collect(),
    ];
    writeln!(out, "{}", cells.join(if style.tty { "  " } else { "\t" }))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_or_a_json_line_per_entry() {
        let e = DlqEntry {
            dlq_id: "1700000000000-0".into(),
            created_at: Some(1_700_000_000_000),
            response_status: Some(500),
            url: Some("https://api.example/\u{1b}[31morders".into()),
            response_body: Some("down".into()),
            ..DlqEntry::default()
        };
        let style = Style {
            tty: true,
            color: false,
            width: 100,
            now_ms: 1_700_000_060_000,
        };
        let mut out = Vec::new();
        write(&mut out, &e, false, &style).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(
            line.starts_with("1700000000000-0  1m ago  500  https://api.example/"),
            "{line}"
        );
        assert!(
            !line.contains('\u{1b}'),
            "terminal escapes neutralised: {line:?}"
        );
        assert!(line.ends_with("down\n"));
        let mut out = Vec::new();
        write(&mut out, &e, true, &style).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["dlqId"], "1700000000000-0");
    }
}
