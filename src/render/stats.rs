//! `dlq stats` output: an aligned table on a terminal (tab-separated columns off it), JSON,
//! NDJSON, CSV or each group's example id. Pure and writer-generic.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::list::{csv_line, defuse};
use super::table::{self, Cell, Column, Fit};
use super::{Format, Style, rfc3339, sanitize, when_cell};
use crate::stats::{By, Group, MISSING};

/// "42.1%".
fn share(count: u64, total: u64) -> String {
    if total == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * count as f64 / total as f64)
}

fn object(by: &[By], g: &Group, total: u64) -> Value {
    let mut o = Map::new();
    for (b, k) in by.iter().zip(&g.key) {
        // "-" is the table's "none": null here.
        let v = match (b, k.parse::<i64>()) {
            _ if k == MISSING => Value::Null,
            // A status is the API's number.
            (By::Status, Ok(n)) => json!(n),
            _ => json!(k),
        };
        o.insert(b.name().into(), v);
    }
    o.insert("count".into(), json!(g.count));
    let share = if total == 0 {
        0.0
    } else {
        g.count as f64 / total as f64
    };
    o.insert("share".into(), json!((share * 10_000.0).round() / 10_000.0));
    o.insert("firstSeen".into(), json!(g.first));
    o.insert("lastSeen".into(), json!(g.last));
    o.insert("exampleDlqId".into(), json!(g.example));
    Value::Object(o)
}

/// Writes the groups (largest first) of `total` matching entries.
pub fn write<W: Write>(
    out: &mut W,
    format: Format,
    style: &Style,
    by: &[By],
    groups: &[Group],
    total: u64,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let v: Vec<Value> = groups.iter().map(|g| object(by, g, total)).collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            for g in groups {
                serde_json::to_writer(&mut *out, &object(by, g, total))?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            let mut header: Vec<&str> = by.iter().map(|b| b.name()).collect();
            header.extend(["count", "share", "firstSeen", "lastSeen", "exampleDlqId"]);
            out.write_all(&csv_line(&header)?)?;
            for g in groups {
                let mut row: Vec<String> = g
                    .key
                    .iter()
                    .map(|k| {
                        if k == MISSING {
                            String::new()
                        } else {
                            defuse(k)
                        }
                    })
                    .collect();
                row.push(g.count.to_string());
                row.push(share(g.count, total));
                row.push(g.first.map(rfc3339).unwrap_or_default());
                row.push(g.last.map(rfc3339).unwrap_or_default());
                row.push(defuse(&g.example));
                out.write_all(&csv_line(&row)?)?;
            }
        }
        Format::Ids => {
            // One example a group: `dlq stats -o ids | xargs dlq show` shows each kind once.
            for g in groups {
                writeln!(out, "{}", sanitize::inline(&g.example))?;
            }
        }
        Format::Table => table(out, style, by, groups, total)?,
    }
    out.flush()
}

fn table<W: Write>(
    out: &mut W,
    style: &Style,
    by: &[By],
    groups: &[Group],
    total: u64,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let mut r: Vec<String> = g.key.iter().map(|k| sanitize::inline(k)).collect();
            r.push(g.count.to_string());
            r.push(share(g.count, total));
            r.push(when_cell(g.first, style));
            r.push(when_cell(g.last, style));
            r.push(sanitize::inline(&g.example));
            r
        })
        .collect();
    if style.tty {
        let cells: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(Cell::from).collect())
            .collect();
        out.write_all(table::render(&columns(by), &cells, style, true).as_bytes())?;
    } else {
        let header: Vec<String> = columns(by).into_iter().map(|c| c.header).collect();
        writeln!(out, "{}", header.join("\t"))?;
        for r in &rows {
            writeln!(out, "{}", r.join("\t"))?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{} {} in {} {}",
        total,
        if total == 1 { "entry" } else { "entries" },
        groups.len(),
        if groups.len() == 1 { "group" } else { "groups" }
    )
}

/// The keys give way (a URL its middle, other keys their end); on a narrow terminal the
/// first and last seen times are given up, then the example.
fn columns(by: &[By]) -> Vec<Column> {
    let mut cols: Vec<Column> = by
        .iter()
        .map(|b| {
            let name = b.name().to_uppercase();
            match b {
                By::Url => Column::fit(name, Fit::Url, 24),
                By::Status => Column::keep(name),
                _ => Column::fit(name, Fit::End, 20),
            }
        })
        .collect();
    cols.extend([
        Column::keep("COUNT").right(),
        Column::keep("SHARE").right(),
        Column::keep("FIRST SEEN").drop(0),
        Column::keep("LAST SEEN").drop(1),
        Column::keep("EXAMPLE"),
    ]);
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Group> {
        vec![
            Group {
                key: vec!["500".into(), "https://api.example/orders".into()],
                count: 3,
                first: Some(1_000),
                last: Some(61_000),
                example: "61000-0".into(),
            },
            Group {
                key: vec!["404".into(), "=cmd|' /C calc'!A0".into()],
                count: 1,
                first: Some(2_000),
                last: Some(2_000),
                example: "2000-0".into(),
            },
        ]
    }

    fn render(format: Format, tty: bool) -> String {
        let style = Style {
            tty,
            color: false,
            width: 120,
            now_ms: 121_000,
        };
        let mut out = Vec::new();
        write(
            &mut out,
            format,
            &style,
            &[By::Status, By::Url],
            &groups(),
            4,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format() {
        assert_eq!(
            render(Format::Table, true),
            "STATUS  URL                         COUNT  SHARE  FIRST SEEN  LAST SEEN  EXAMPLE\n\
             500     https://api.example/orders      3  75.0%  2m ago      1m ago     61000-0\n\
             404     =cmd|' /C calc'!A0              1  25.0%  1m ago      1m ago     2000-0\n\
             4 entries in 2 groups\n"
        );
        let plain = render(Format::Table, false);
        assert!(
            plain.starts_with("STATUS\tURL\tCOUNT\tSHARE\tFIRST SEEN\tLAST SEEN\tEXAMPLE\n500\t")
        );
        let csv = render(Format::Csv, false);
        assert!(csv.starts_with("status,url,count,share,firstSeen,lastSeen,exampleDlqId\n"));
        assert!(csv.contains("'=cmd"), "formulas defused: {csv}");
        let nd = render(Format::Ndjson, false);
        let first: Value = serde_json::from_str(nd.lines().next().unwrap()).unwrap();
        assert_eq!(first["status"], 500);
        assert_eq!(first["count"], 3);
        assert_eq!(first["share"], 0.75);
        assert_eq!(first["exampleDlqId"], "61000-0");
        let json: Value = serde_json::from_str(&render(Format::Json, false)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        // One example a group, largest group first.
        assert_eq!(render(Format::Ids, false), "61000-0\n2000-0\n");
    }
}
