//! Rendering a request or response body for people: JSON pretty-printed, HTML reduced to its
//! title and text, text whole, binary as a size and a hex preview. Always inert.

use std::fmt::Write as _;

use super::{Style, paint, sanitize};
pub use crate::text::html::html_text;

/// Longest body shown on a terminal before it is cut (the raw flags give all of it).
pub const TTY_LIMIT: usize = 64 * 1024;

/// Longest decoded workflow value (a step's result, the payload) shown on a terminal.
pub const STEP_LIMIT: usize = 16 * 1024;

pub use crate::text::kind::{Kind, kind};

/// Renders a body as indented lines.
pub fn render(bytes: &[u8], content_type: Option<&str>, style: &Style, raw_flag: &str) -> String {
    let limit = if style.tty { TTY_LIMIT } else { usize::MAX };
    match kind(bytes, content_type) {
        Kind::Empty => paint(style, super::DIM, "(empty body)"),
        Kind::Json => {
            let v: serde_json::Value =
                serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null);
            let mut out = String::new();
            pretty(&v, 0, style, &mut out);
            cut(out, limit, bytes.len(), raw_flag)
        }
        Kind::Html => {
            let text = String::from_utf8_lossy(bytes);
            let (title, content) = html_text(&text);
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}",
                paint(
                    style,
                    super::DIM,
                    &format!("HTML page, {} bytes (markup: {raw_flag})", bytes.len())
                )
            );
            if let Some(t) = title {
                let _ = writeln!(out, "Title: {}", sanitize::inline(&t));
            }
            out.push_str(&sanitize::block(&content));
            cut(out, limit, bytes.len(), raw_flag)
        }
        Kind::Text => cut(sanitize::block_bytes(bytes), limit, bytes.len(), raw_flag),
        Kind::Binary => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}",
                paint(
                    style,
                    super::DIM,
                    &format!("binary, {} bytes (exact bytes: {raw_flag})", bytes.len())
                )
            );
            out.push_str(&hex_preview(&bytes[..bytes.len().min(256)]));
            if bytes.len() > 256 {
                let _ = write!(out, "\n… {} more bytes", bytes.len() - 256);
            }
            out
        }
    }
}

fn cut(s: String, limit: usize, total: usize, raw_flag: &str) -> String {
    if s.len() <= limit {
        return s;
    }
    let mut end = limit;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // At a line's end when one is near, so no colour sequence is split; else mid-line with
    // any colour ended.
    let mut kept = match s[..end].rfind('\n') {
        Some(nl) if nl >= limit / 2 => s[..nl].to_string(),
        _ => s[..end].to_string(),
    };
    if let Some(esc) = kept.rfind('\x1b') {
        if !kept[esc..].contains('m') {
            kept.truncate(esc);
        }
        kept.push_str("\x1b[0m");
    }
    format!(
        "{}\n… cut at {} KiB of {} bytes (all of it: {raw_flag})",
        kept,
        limit / 1024,
        total
    )
}

/// `xxd`-style lines: offset, 16 hex bytes, printable ASCII.
pub fn hex_preview(b: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in b.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", i * 16);
        for j in 0..16 {
            match chunk.get(j) {
                Some(x) => {
                    let _ = write!(out, "{x:02x} ");
                }
                None => out.push_str("   "),
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '.'
            }
        }));
        if i + 1 < b.len().div_ceil(16) {
            out.push('\n');
        }
    }
    out
}

/// A JSON value, pretty-printed (strings shown inert), as indented lines.
pub fn json(v: &serde_json::Value, style: &Style) -> String {
    let mut out = String::new();
    pretty(v, 0, style, &mut out);
    out
}

/// A decoded workflow value, cut on a terminal at [`STEP_LIMIT`] with its full size named.
pub fn step_value(v: &serde_json::Value, style: &Style) -> String {
    let out = json(v, style);
    if !style.tty {
        return out;
    }
    let size = serde_json::to_string(v).map_or(0, |s| s.len());
    cut(out, STEP_LIMIT, size, "-o json")
}

fn pretty(v: &serde_json::Value, indent: usize, style: &Style, out: &mut String) {
    use serde_json::Value;
    let pad = "  ".repeat(indent + 1);
    let end_pad = "  ".repeat(indent);
    match v {
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(m) => {
            out.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&paint(
                    style,
                    "\u{1b}[34m",
                    &sanitize::inline(&Value::String(k.clone()).to_string()),
                ));
                out.push_str(": ");
                pretty(x, indent + 1, style, out);
                if i + 1 < m.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&end_pad);
            out.push('}');
        }
        Value::Array(a) => {
            out.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                out.push_str(&pad);
                pretty(x, indent + 1, style, out);
                if i + 1 < a.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&end_pad);
            out.push(']');
        }
        Value::String(_) => out.push_str(&paint(
            style,
            "\u{1b}[32m",
            &sanitize::inline(&v.to_string()),
        )),
        Value::Number(_) => out.push_str(&paint(style, "\u{1b}[33m", &v.to_string())),
        Value::Bool(_) | Value::Null => out.push_str(&paint(style, "\u{1b}[35m", &v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_keeps_whole_lines_and_ends_its_colour() {
        let lines = "line\n".repeat(100);
        let c = cut(lines.clone(), 52, 500, "--raw-body");
        assert_eq!(
            c,
            format!(
                "{}\n… cut at 0 KiB of 500 bytes (all of it: --raw-body)",
                &lines[..49]
            )
        );
        let coloured = format!("\x1b[32m{}", "g".repeat(100));
        let c = cut(coloured, 3, 100, "x");
        assert!(
            c.starts_with("\x1b[0m\n"),
            "a split escape is dropped: {c:?}"
        );
        let c = cut(format!("\x1b[32m{}", "g".repeat(100)), 10, 100, "x");
        assert!(c.starts_with("\x1b[32mggggg\x1b[0m\n"), "{c:?}");
    }

    #[test]
    fn kinds() {
        assert_eq!(kind(b"", None), Kind::Empty);
        assert_eq!(kind(br#"{"a":1}"#, None), Kind::Json);
        assert_eq!(kind(b"<!DOCTYPE html><html></html>", None), Kind::Html);
        assert_eq!(kind(b"plain words", None), Kind::Text);
        assert_eq!(kind(&[0, 159, 146, 150], None), Kind::Binary);
    }

    #[test]
    fn html_is_reduced_to_title_and_text() {
        let (t, body) = html_text(
            "<html><head><title>ngrok - 404</title><style>p{}</style></head><body><h1>Not Found</h1><p>The endpoint &amp; tunnel\n   <b>abc</b> is offline.</p><script>alert(1)</script></body></html>",
        );
        assert_eq!(t.as_deref(), Some("ngrok - 404"));
        assert_eq!(body, "Not Found\nThe endpoint & tunnel abc is offline.");
    }

    #[test]
    fn hex() {
        assert_eq!(
            hex_preview(b"AB\x00"),
            "00000000  41 42 00                                         AB."
        );
    }
}
