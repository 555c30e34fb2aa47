//! `dlq stats`: matching entries grouped by what they have in common, counted as they stream
//! past (one row per distinct key, whatever the DLQ's size).

use std::collections::HashMap;

use clap::ValueEnum;

use crate::model::DlqEntry;

/// What entries are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum By {
    /// The last attempt's response status
    Status,
    /// The destination (or the workflow's URL)
    Url,
    /// The response body's fingerprint: numbers, ids, times and UUIDs made alike
    Error,
    /// The entry's labels
    Label,
    /// The queue it was published to
    Queue,
    /// A workflow run's failed step
    Step,
    /// The day it was created (UTC)
    Day,
    /// The diagnosis: the failure signature's id (`status-NNN` when only the status says)
    Cause,
}

impl By {
    pub fn name(self) -> &'static str {
        match self {
            By::Status => "status",
            By::Url => "url",
            By::Error => "error",
            By::Label => "label",
            By::Queue => "queue",
            By::Step => "step",
            By::Day => "day",
            By::Cause => "cause",
        }
    }

    /// The entry's value for this grouping ([`MISSING`] when it has none).
    pub fn key(self, e: &DlqEntry) -> String {
        let dash = || MISSING.to_string();
        match self {
            By::Status => e
                .response_status
                .map(|s| s.to_string())
                .unwrap_or_else(dash),
            By::Url => e
                .url
                .clone()
                .or_else(|| e.workflow_url.clone())
                .unwrap_or_else(dash),
            By::Error => match crate::workflow_run::error_message(e) {
                Some(text) => fingerprint(&text),
                None => {
                    let body = e.response_bytes();
                    let ct = e.response_header_value("Content-Type");
                    match crate::text::kind::kind(&body, ct.as_deref()) {
                        crate::text::kind::Kind::Binary => "(binary body)".to_string(),
                        _ => fingerprint(&String::from_utf8_lossy(&body)),
                    }
                }
            },
            By::Label => match &e.labels {
                Some(l) if !l.is_empty() => l.join(","),
                _ => dash(),
            },
            By::Queue => e.queue_name.clone().unwrap_or_else(dash),
            By::Cause => crate::diagnose::diagnose(e).id,
            // A step is of one workflow: "step 4" of two workflows are two groups.
            By::Step => match (&e.workflow_run_id, crate::workflow_run::row_summary(e).0) {
                (Some(_), Some(step)) => match &e.workflow_url {
                    Some(url) => format!("{step} in {url}"),
                    None => step,
                },
                _ => dash(),
            },
            By::Day => e
                .created_at
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(dash),
        }
    }
}

/// The key of entries without a value for a grouping (no labels, no queue…).
pub const MISSING: &str = "-";

/// Characters of a fingerprint kept.
pub const FINGERPRINT_CHARS: usize = 120;

/// An error text with what varies between occurrences of one failure made alike: a word
/// holding a digit becomes `<n>` (a number, keeping a unit such as `ms`) or `<id>` (ids, UUIDs,
/// hashes, parts of timestamps); whitespace is collapsed. "timeout after 30012 ms" and
/// "timeout after 30987 ms" both become "timeout after <n> ms".
/// A short word with a few digits that names a thing rather than an instance of it: `S3`,
/// `EC2`, `HTTP2`, `IPv6`, `sha256` (a letter first, at most 6 characters, one run of at most
/// 3 digits, nothing else).
fn is_name(word: &str) -> bool {
    let b = word.as_bytes();
    if b.len() > 6 || !b.first().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let runs = b
        .windows(2)
        .filter(|w| !w[0].is_ascii_digit() && w[1].is_ascii_digit())
        .count();
    runs == 1 && b.iter().filter(|c| c.is_ascii_digit()).count() <= 3
}

pub fn fingerprint(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        if !word.chars().any(|c| c.is_ascii_digit()) || is_name(word) {
            out.push_str(word);
        } else {
            let digits = word
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
                .map_or(word.len(), |(i, _)| i);
            let unit = &word[digits..];
            if digits == word.len() {
                out.push_str("<n>");
            } else if digits > 0 && unit.len() <= 3 && unit.chars().all(|c| c.is_ascii_alphabetic())
            {
                out.push_str("<n>");
                out.push_str(unit);
            } else {
                out.push_str("<id>");
            }
        }
        word.clear();
    };
    let mut space = false;
    for c in text.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+') {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if c.is_whitespace() {
                space = true;
            } else {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    if out.is_empty() {
        return "(empty)".into();
    }
    if out.chars().count() > FINGERPRINT_CHARS {
        out = out
            .chars()
            .take(FINGERPRINT_CHARS - 1)
            .chain(['…'])
            .collect();
    }
    out
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The key's parts, in the order of `--by`.
    pub key: Vec<String>,
    pub count: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// The newest entry of the group (the one to `dlq show`).
    pub example: String,
}

/// Counts entries by key as they come.
#[derive(Debug, Default)]
pub struct Stats {
    by: Vec<By>,
    groups: HashMap<Vec<String>, Group>,
    total: u64,
}

impl Stats {
    pub fn new(by: &[By]) -> Stats {
        Stats {
            by: by.to_vec(),
            ..Stats::default()
        }
    }

    pub fn add(&mut self, e: &DlqEntry) {
        self.total += 1;
        let key: Vec<String> = self.by.iter().map(|b| b.key(e)).collect();
        let g = self.groups.entry(key.clone()).or_insert_with(|| Group {
            key,
            count: 0,
            first: None,
            last: None,
            example: e.dlq_id.clone(),
        });
        g.count += 1;
        if let Some(t) = e.created_at {
            g.first = Some(g.first.map_or(t, |f| f.min(t)));
            if g.last.is_none_or(|l| t >= l) {
                g.last = Some(t);
                g.example = e.dlq_id.clone();
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn by(&self) -> &[By] {
        &self.by
    }

    /// The groups, largest first (ties by key).
    pub fn sorted(self) -> Vec<Group> {
        let mut v: Vec<Group> = self.groups.into_values().collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_varies_between_occurrences_is_made_alike() {
        for (a, b) in [
            ("timeout after 30012 ms", "timeout after 30987 ms"),
            ("timeout after 30012ms", "timeout after 987ms"),
            (
                r#"{"error":"order 1234 not found","requestId":"req_8f3a9c"}"#,
                r#"{"error":"order 98 not found","requestId":"req_00b1e2"}"#,
            ),
            (
                "user 123e4567-e89b-12d3-a456-426614174000 locked at 2026-11-30T03:08:03Z",
                "user 9b2f0c1e-0000-4000-8000-000000000001 locked at 2025-01-02T23:59:59.123Z",
            ),
            ("a   b\n c", "a b c"),
        ] {
            assert_eq!(fingerprint(a), fingerprint(b), "{a} ~ {b}");
        }
        assert_eq!(
            fingerprint("timeout after 30012 ms"),
            "timeout after <n> ms"
        );
        assert_ne!(
            fingerprint("card declined"),
            fingerprint("database unavailable")
        );
        assert_eq!(fingerprint(""), "(empty)");
        // Names with digits stay; ids become alike.
        assert_eq!(
            fingerprint("S3 upload to EC2 over HTTP2 failed: a1b2c3"),
            "S3 upload to EC2 over HTTP2 failed: <id>"
        );
        assert_eq!(fingerprint("order123456 gone"), "<id> gone");
    }

    #[test]
    fn groups_count_share_and_keep_the_newest_example() {
        let e = |id: &str, status: i64, t: i64| DlqEntry {
            dlq_id: id.into(),
            response_status: Some(status),
            url: Some("https://a".into()),
            created_at: Some(t),
            ..DlqEntry::default()
        };
        let mut s = Stats::new(&[By::Status, By::Url]);
        for x in [
            e("1", 500, 10),
            e("2", 404, 20),
            e("3", 500, 30),
            e("4", 500, 5),
        ] {
            s.add(&x);
        }
        assert_eq!(s.total(), 4);
        let g = s.sorted();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].key, ["500", "https://a"]);
        assert_eq!(
            (g[0].count, g[0].first, g[0].last, g[0].example.as_str()),
            (3, Some(5), Some(30), "3")
        );
        assert_eq!(g[1].count, 1);
    }

    proptest! {
        #[test]
        fn fingerprints_keep_no_numbers_are_short_and_never_panic(s in ".{0,400}") {
            let f = fingerprint(&s);
            // Digits survive only inside short names (S3, HTTP2): never a run of four.
            let longest = f
                .split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0);
            prop_assert!(longest <= 3, "{f}");
            prop_assert!(f.chars().count() <= FINGERPRINT_CHARS);
        }
    }
}
