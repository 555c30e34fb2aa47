//! Pure, writer-generic rendering: tables, JSON/NDJSON/CSV, the detail view, sanitising and
//! redaction. Nothing here talks to the network or decides anything.

pub mod body;
pub mod detail;
pub mod list;
pub mod progress;
pub mod redact;
pub mod stats;
pub mod table;
pub mod watch;
pub use crate::text::sanitize;

/// The output formats of `list` and `stats`: an aligned table on a terminal (tab-separated
/// off it), JSON, NDJSON, CSV, or ids one a line (`stats`: each group's example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
    Ids,
}

/// How output should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// stdout is a terminal: align, truncate to `width`, relative times.
    pub tty: bool,
    /// ANSI colours (a terminal without `NO_COLOR`).
    pub color: bool,
    pub width: usize,
    /// "Now" in Unix ms, for relative times (injected so snapshots are stable).
    pub now_ms: i64,
}

impl Style {
    pub fn plain(now_ms: i64) -> Style {
        Style {
            tty: false,
            color: false,
            width: 100,
            now_ms,
        }
    }
}

pub use crate::model::content_type;

/// RFC 3339 in UTC, to the second (`2024-09-03T00:34:18Z`).
/// An entry's creation as a table cell: its age on a terminal, RFC 3339 off it.
pub fn when_cell(t: Option<i64>, style: &Style) -> String {
    match t {
        Some(t) if style.tty => relative(t, style.now_ms),
        Some(t) => rfc3339(t),
        None => "-".into(),
    }
}

/// A response status as a table cell.
pub fn status_cell(s: Option<i64>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

/// "3m ago", "in 2h", "just now".
pub fn relative(ms: i64, now_ms: i64) -> String {
    let d = now_ms - ms;
    let (future, secs) = if d < 0 {
        (true, (-d) / 1000)
    } else {
        (false, d / 1000)
    };
    let text = if secs < 5 {
        return "just now".into();
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h", secs / 3600)
    } else if secs < 86_400 * 60 {
        format!("{}d", secs / 86_400)
    } else {
        return rfc3339(ms);
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// HTTP status with its reason phrase; 0 means no response at all.
pub fn status_text(status: i64) -> String {
    if status == 0 {
        return "0 (no response: timeout or connection error)".into();
    }
    let reason = u16::try_from(status)
        .ok()
        .and_then(|s| reqwest::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(r) => format!("{status} {r}"),
        None => status.to_string(),
    }
}

/// ANSI colour for a status: red 5xx, yellow 4xx, magenta no response, green 2xx.
pub fn status_color(status: i64) -> &'static str {
    match status {
        0 => "\u{1b}[35m",
        200..=299 => "\u{1b}[32m",
        400..=499 => "\u{1b}[33m",
        500..=599 => "\u{1b}[31m",
        _ => "",
    }
}

pub const RESET: &str = "\u{1b}[0m";
pub const BOLD: &str = "\u{1b}[1m";
pub const DIM: &str = "\u{1b}[2m";

/// Wraps `s` in a colour when colours are on.
pub fn paint(style: &Style, color: &str, s: &str) -> String {
    if style.color && !color.is_empty() {
        format!("{color}{s}{RESET}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(rfc3339(1_725_323_658_779), "2024-09-03T00:34:18Z");
        let now = 1_725_323_658_779;
        assert_eq!(relative(now - 1000, now), "just now");
        assert_eq!(relative(now - 125_000, now), "2m ago");
        assert_eq!(relative(now + 7_200_000, now), "in 2h");
        assert_eq!(relative(now - 3 * 86_400_000, now), "3d ago");
        assert_eq!(status_text(404), "404 Not Found");
        assert_eq!(status_text(489), "489");
    }
}
