//! `retry --edit`: the text a person edits (forwarded headers, a blank line, the body; JSON
//! pretty-printed), reading it back, a line diff, and the edit journal (the edited message is
//! written before it is published, its publish before the original is deleted).

use std::io::{BufRead, Write};
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::client::Headers;
use crate::model::DlqEntry;

const PREAMBLE: &str =
    "# Edit the headers forwarded to the destination (Name: value) and the body below the
# blank line, then save and quit. Lines starting with # up here are ignored. Leaving the
# file unchanged sends nothing. Secret values (Authorization, tokens, keys) read
# <hidden, kept>: left so, the original value is sent; replace it to change it.
";

/// What a secret header's value reads in the text: the scratch file never holds it.
pub const KEPT: &str = "<hidden, kept>";

/// What an edit changes: the forwarded headers and the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub headers: Vec<(String, String)>,
    #[serde(with = "b64")]
    pub body: Vec<u8>,
}

mod b64 {
    use super::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// The entry's message, as it would be sent again.
pub fn message_of(e: &DlqEntry) -> Message {
    let mut headers: Vec<(String, String)> = e
        .header
        .iter()
        .flatten()
        .map(|(k, vs)| (k.clone(), vs.join(",")))
        .collect();
    headers.sort();
    Message {
        headers,
        body: e.body_bytes(),
    }
}

/// The text to edit; `Err` for a body that is not text.
pub fn to_text(m: &Message) -> Result<String, String> {
    let body = std::str::from_utf8(&m.body)
        .map_err(|_| "the body is binary; --edit works on text bodies".to_string())?;
    let body = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) if !body.trim().is_empty() => {
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| body.to_string())
        }
        _ => body.to_string(),
    };
    let mut out = String::from(PREAMBLE);
    for (k, v) in &m.headers {
        let v = if crate::text::secrets::is_sensitive(k) {
            KEPT
        } else {
            v
        };
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(&body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Reads an edited text back. A body that is JSON is sent compact when the original was
/// compact JSON (so an unchanged body is byte-identical); the trailing newline the text adds
/// is dropped unless the original had one.
pub fn from_text(text: &str, original: &Message) -> Result<Message, String> {
    let mut lines = text.split_inclusive('\n');
    let mut headers = Vec::new();
    let mut in_preamble = true;
    let mut consumed = 0usize;
    for line in lines.by_ref() {
        consumed += line.len();
        let l = line.trim_end_matches(['\n', '\r']);
        if in_preamble && l.starts_with('#') {
            continue;
        }
        in_preamble = false;
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').ok_or_else(|| {
            format!("'{l}' is not a header line (Name: value); a blank line ends the headers")
        })?;
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!("'{k}' is not a header name"));
        }
        let v = match v.trim() {
            KEPT => original
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("{k} reads {KEPT} but the original message has no {k}"))?,
            v => v.to_string(),
        };
        headers.push((k.to_string(), v));
    }
    let mut body = text[consumed.min(text.len())..].to_string();
    if !original.body.ends_with(b"\n") && body.ends_with('\n') {
        body.pop();
    }
    let compact_json = std::str::from_utf8(&original.body)
        .ok()
        .and_then(|b| {
            serde_json::from_str::<serde_json::Value>(b)
                .ok()
                .map(|v| (b, v))
        })
        .is_some_and(|(b, v)| serde_json::to_string(&v).is_ok_and(|c| c == b));
    if compact_json && let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
        body = serde_json::to_string(&v).map_err(|e| e.to_string())?;
    }
    headers.sort();
    Ok(Message {
        headers,
        body: body.into_bytes(),
    })
}

/// One line of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
    /// Unchanged lines left out between two changes.
    Gap(usize),
}

/// Unchanged lines shown around each change.
const CONTEXT: usize = 2;

/// The changed lines of two texts with `CONTEXT` unchanged lines around each change (a
/// longest common subsequence diff; edits are small); `None` when the texts are too long
/// to compare line by line.
pub fn diff<'a>(before: &'a str, after: &'a str) -> Option<Vec<Line<'a>>> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (n, m) = (a.len(), b.len());
    if n * m > 4_000_000 {
        return None;
    }
    let mut l = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            l[i][j] = if a[i] == b[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut all = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            all.push(Line::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || l[i + 1][j] >= l[i][j + 1]) {
            all.push(Line::Removed(a[i]));
            i += 1;
        } else {
            all.push(Line::Added(b[j]));
            j += 1;
        }
    }
    Some(with_context(&all))
}

/// Keeps the changes and `CONTEXT` lines around them; runs left out become one `Gap`.
fn with_context<'a>(all: &[Line<'a>]) -> Vec<Line<'a>> {
    let changed: Vec<usize> = (0..all.len())
        .filter(|&k| !matches!(all[k], Line::Same(_)))
        .collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= CONTEXT);
    let mut out = Vec::new();
    let mut skipped = 0;
    for (k, line) in all.iter().enumerate() {
        if near(k) {
            if skipped > 0 && !out.is_empty() {
                out.push(Line::Gap(skipped));
            }
            skipped = 0;
            out.push(*line);
        } else {
            skipped += 1;
        }
    }
    out
}

/// A diff as text: `-` removed, `+` added, two spaces before context, `…` for a gap; the
/// changes red and green when `color`.
pub fn diff_text(lines: &[Line], color: bool) -> String {
    let paint = |code: &str, s: String| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s
        }
    };
    let mut out = String::new();
    for l in lines {
        let line = match l {
            Line::Same(s) => format!("  {}", crate::text::sanitize::inline(s)),
            Line::Removed(s) => paint("31", format!("-{}", crate::text::sanitize::inline(s))),
            Line::Added(s) => paint("32", format!("+{}", crate::text::sanitize::inline(s))),
            Line::Gap(n) => paint(
                "2",
                format!("  … {n} unchanged line{}", if *n == 1 { "" } else { "s" }),
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Why a body sent as JSON is not JSON (`None` when it is, or is not declared JSON).
pub fn json_problem(m: &Message) -> Option<String> {
    let declared = m.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && v.to_ascii_lowercase().contains("json")
    });
    if !declared || m.body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    serde_json::from_slice::<serde_json::Value>(&m.body)
        .err()
        .map(|e| format!("the body is not valid JSON ({e}) though its Content-Type says JSON"))
}

/// The publish headers of an edited message: its forwarded headers, the original's method,
/// labels, retries and callbacks, and a deduplication id naming the edit (so a resumed run
/// publishing it again is deduplicated).
pub fn publish_headers(e: &DlqEntry, m: &Message, dedup_id: &str) -> Headers {
    let mut h: Headers = vec![("Upstash-Deduplication-Id".into(), dedup_id.to_string())];
    h.extend(super::import::settings_of(e, &m.headers));
    h
}

/// The edit journal's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Step {
    /// Written first: what will be published, where, under which deduplication id.
    #[serde(rename_all = "camelCase")]
    Edit {
        dlq_id: String,
        destination: String,
        headers: Headers,
        #[serde(with = "b64")]
        body: Vec<u8>,
    },
    /// The edited copy was published.
    #[serde(rename_all = "camelCase")]
    Published { message_id: String },
    /// The original was deleted (or was already gone): the edit is complete.
    Deleted,
}

/// Appends a step and flushes it to the OS.
pub fn record(path: &Path, step: &Step) -> std::io::Result<()> {
    // The journal holds the forwarded headers: its owner's only, never through a symlink.
    let mut f = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => crate::fsx::create_private(path)?,
        _ => crate::fsx::open_append(path)?,
    };
    let mut line = serde_json::to_vec(step)?;
    line.push(b'\n');
    f.write_all(&line)?;
    f.sync_data()
}

/// The steps of an edit journal, or `None` if the file is not one (a torn last line is
/// ignored).
pub fn steps(path: &Path) -> std::io::Result<Option<Vec<Step>>> {
    let f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Step>(&line) {
            Ok(s) => out.push(s),
            Err(_) if out.is_empty() => return Ok(None),
            Err(_) => {}
        }
    }
    Ok(matches!(out.first(), Some(Step::Edit { .. })).then_some(out))
}

/// A short fingerprint of an edited message, for its deduplication id.
pub fn fingerprint(m: &Message) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(m).unwrap_or_default());
    crate::archive::hex(&h.finalize())[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &str) -> Message {
        Message {
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn an_unchanged_text_reads_back_byte_identical() {
        for body in [r#"{"order":1,"items":[1,2]}"#, "plain text", "line\n", ""] {
            let m = msg(body);
            let t = to_text(&m).unwrap();
            assert_eq!(from_text(&t, &m).unwrap(), m, "{body:?}");
        }
        let t = to_text(&msg(r#"{"order":1}"#)).unwrap();
        assert!(
            t.contains("{\n  \"order\": 1\n}"),
            "JSON is pretty to edit: {t}"
        );
    }

    #[test]
    fn edits_are_read_and_bad_headers_named() {
        let m = msg(r#"{"order":1}"#);
        let t = to_text(&m).unwrap().replace("\"order\": 1", "\"order\": 2");
        let t = t.replace(
            "Content-Type: application/json\n",
            "Content-Type: application/json\nX-Fixed: yes\n",
        );
        let e = from_text(&t, &m).unwrap();
        assert_eq!(e.body, br#"{"order":2}"#);
        assert!(e.headers.contains(&("X-Fixed".into(), "yes".into())));
        let bad = to_text(&m)
            .unwrap()
            .replace("Content-Type: application/json", "no colon here");
        assert!(from_text(&bad, &m).unwrap_err().contains("no colon here"));
        assert!(
            to_text(&Message {
                headers: vec![],
                body: vec![0xff, 0xfe]
            })
            .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn texts_read_back_as_they_were_written(
            headers in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,15}", "[ -~]{0,30}"), 0..4),
            body in "(?s).{0,200}",
        ) {
            let mut hs: Vec<(String, String)> = headers
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect();
            hs.sort();
            let m = Message { headers: hs, body: body.clone().into_bytes() };
            let t = to_text(&m).unwrap();
            let back = from_text(&t, &m).unwrap();
            proptest::prop_assert_eq!(&back.headers, &m.headers);
            // A body that is JSON may come back re-spaced, never changed in meaning.
            match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(v) if !body.trim().is_empty() => {
                    let b: serde_json::Value = serde_json::from_slice(&back.body).unwrap();
                    proptest::prop_assert_eq!(b, v);
                }
                _ => proptest::prop_assert_eq!(back.body, m.body),
            }
        }
    }

    #[test]
    fn the_diff_shows_changes_with_two_lines_of_context() {
        let d = |a, b| diff_text(&diff(a, b).unwrap(), false);
        assert_eq!(d("a\nb\nc\n", "a\nB\nc\n"), "  a\n-b\n+B\n  c\n");
        assert_eq!(d("a\n", "a\n"), "");
        let before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let after = "one\n2\n3\n4\n5\n6\n7\n8\nnine\n";
        assert_eq!(
            d(before, after),
            "-1\n+one\n  2\n  3\n  … 3 unchanged lines\n  7\n  8\n-9\n+nine\n"
        );
        let coloured = diff_text(&diff("a\n", "b\n").unwrap(), true);
        assert_eq!(coloured, "\x1b[31m-a\x1b[0m\n\x1b[32m+b\x1b[0m\n");
    }

    #[test]
    fn secret_headers_never_reach_the_text_and_are_kept_unless_replaced() {
        let m = Message {
            headers: vec![
                ("Authorization".into(), "Bearer sk_live_1".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: b"{}".to_vec(),
        };
        let text = to_text(&m).unwrap();
        assert!(!text.contains("sk_live_1") && text.contains("Authorization: <hidden, kept>"));
        assert_eq!(from_text(&text, &m).unwrap(), m);
        let replaced = text.replace("Authorization: <hidden, kept>", "Authorization: Bearer new");
        assert_eq!(from_text(&replaced, &m).unwrap().headers[0].1, "Bearer new");
        let added = text.replace("Content-Type", "X-Api-Key: <hidden, kept>\nContent-Type");
        assert!(
            from_text(&added, &m)
                .unwrap_err()
                .contains("has no X-Api-Key")
        );
    }

    #[test]
    fn a_json_body_that_is_not_json_is_named() {
        let m = |ct: &str, body: &str| Message {
            headers: vec![("Content-Type".into(), ct.into())],
            body: body.as_bytes().to_vec(),
        };
        assert!(
            json_problem(&m("application/json", "{\"a\": 1,}"))
                .unwrap()
                .contains("not valid JSON")
        );
        assert_eq!(json_problem(&m("application/json", "{\"a\": 1}")), None);
        assert_eq!(json_problem(&m("text/plain", "{oops")), None);
        assert_eq!(json_problem(&m("application/json", "")), None);
    }

    #[test]
    fn the_journal_reads_back_and_ignores_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.ndjson");
        let edit = Step::Edit {
            dlq_id: "1-0".into(),
            destination: "https://a".into(),
            headers: vec![("Upstash-Deduplication-Id".into(), "x".into())],
            body: vec![0, 1],
        };
        record(&p, &edit).unwrap();
        record(
            &p,
            &Step::Published {
                message_id: "msg_1".into(),
            },
        )
        .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"type\":\"del")
            .unwrap();
        let s = steps(&p).unwrap().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0], edit);
        std::fs::write(&p, "{\"type\":\"plan\"}\n").unwrap();
        assert!(steps(&p).unwrap().is_none(), "not an edit journal");
    }
}
