//! Turning ids, stdin or filters into the list of dlqIds a bulk run acts on.

use crate::client::{Client, DlqKind};
use crate::error::CliError;
use crate::model::DlqEntry;

/// Ids read from stdin, with the DLQ of those read from NDJSON lines (bare ids are looked up).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StdinIds {
    pub ids: Vec<String>,
    /// What an NDJSON line said of its entry: a workflow run (`workflowRunId`) or not.
    pub known: std::collections::HashMap<String, DlqKind>,
}

pub use crate::text::lines::{MAX_LINE, bounded_line};

/// What an NDJSON line or a JSON array item says of its entry: its id and whether it is a
/// workflow run (every other field is ignored, so large bodies are not kept).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Item {
    Id(String),
    Entry {
        #[serde(rename = "dlqId")]
        dlq_id: Option<String>,
        #[serde(rename = "workflowRunId")]
        workflow_run_id: Option<serde::de::IgnoredAny>,
    },
}

impl StdinIds {
    fn push(&mut self, item: Item, at: &str) -> Result<(), CliError> {
        match item {
            Item::Id(id) => {
                let id = crate::parse::parse_dlq_id(&id)
                    .map_err(|e| CliError::usage(format!("stdin {at}: {e}")))?;
                self.ids.push(id);
            }
            Item::Entry {
                dlq_id,
                workflow_run_id,
            } => {
                let Some(id) = dlq_id.filter(|i| !i.is_empty()) else {
                    return Err(CliError::usage(format!(
                        "stdin {at}: the JSON object has no dlqId"
                    )));
                };
                let id = crate::parse::parse_dlq_id(&id)
                    .map_err(|e| CliError::usage(format!("stdin {at}: {e}")))?;
                let kind = if workflow_run_id.is_some() {
                    DlqKind::Workflow
                } else {
                    DlqKind::Qstash
                };
                self.known.insert(id.clone(), kind);
                self.ids.push(id);
            }
        }
        Ok(())
    }
}

/// How a JSON object begins (a named constant: a brace in a literal confuses brace-counting
/// tools).
const OBJECT: char = '{';

/// Reads ids from `dlq list -o ids` (one a line), `-o ndjson` (each line's `dlqId`, mixed with
/// bare ids if need be) or `-o json` (an array of entries, or of ids). A bad line is named by
/// its number and the start of its text.
pub fn parse_stdin(mut input: impl std::io::BufRead) -> Result<StdinIds, CliError> {
    let read_err = |e: std::io::Error| CliError::usage(format!("cannot read ids from stdin: {e}"));
    let mut out = StdinIds::default();
    if first_byte(&mut input).map_err(read_err)? == Some(b'[') {
        let items: Vec<Item> = serde_json::from_reader(input).map_err(|e| {
            CliError::usage(format!(
                "stdin: not a JSON array of DLQ entries or ids: {}",
                crate::text::sanitize::prefix(&e.to_string(), 200)
            ))
        })?;
        for (n, item) in items.into_iter().enumerate() {
            out.push(item, &format!("item {}", n + 1))?;
        }
    } else {
        let mut buf = Vec::new();
        let mut n = 0;
        while bounded_line(&mut input, &mut buf, MAX_LINE)
            .map_err(|e| CliError::usage(format!("stdin line {}: {e}", n + 1)))?
        {
            n += 1;
            let line = String::from_utf8_lossy(&buf);
            let l = line.trim();
            if l.is_empty() {
                continue;
            }
            let at = format!("line {n}");
            let item = if l.starts_with(OBJECT) {
                serde_json::from_str::<Item>(l).map_err(|e| {
                    CliError::usage(format!(
                        "stdin {at}: not a DLQ entry JSON object ({e}): {}",
                        crate::text::sanitize::inline(&crate::text::sanitize::prefix(l, 60))
                    ))
                })?
            } else {
                Item::Id(l.to_string())
            };
            out.push(item, &at)?;
        }
    }
    dedup(&mut out.ids);
    Ok(out)
}

/// The first byte that is not whitespace, left unread.
fn first_byte(input: &mut impl std::io::BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = input.fill_buf()?;
        let Some(i) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
            if buf.is_empty() {
                return Ok(None);
            }
            let n = buf.len();
            input.consume(n);
            continue;
        };
        let b = buf[i];
        input.consume(i);
        return Ok(Some(b));
    }
}

/// Removes repeated ids, keeping the first.
pub fn dedup(ids: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(i.clone()));
}

/// Ids sorted by the DLQ their entry is in.
#[derive(Debug, Clone, Default)]
pub struct Classified {
    pub qstash: Vec<String>,
    pub workflow: Vec<String>,
    /// In neither DLQ (already retried, deleted or expired).
    pub missing: Vec<String>,
    /// The entries looked up (for the preview).
    pub entries: Vec<DlqEntry>,
}

/// A read may be asked again: the entries of `ids`, trying a few times when the API fails.
async fn lookup_patiently(
    client: &Client,
    ids: &[String],
) -> Result<Vec<DlqEntry>, crate::client::ApiError> {
    let mut round = 0u64;
    loop {
        match client.dlq_by_ids(ids).await {
            Err(e) if e.outcome_unknown() && round < 3 => {
                round += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250 * round)).await;
            }
            other => return other,
        }
    }
}

/// Sorts `ids` by what their entries are: those `known` (from NDJSON lines) as they say, the
/// others looked up (one call per 100 ids, a second for ids of the workflow DLQ that the first
/// did not return). Keeps the order of `ids` within each DLQ.
pub async fn classify(
    client: &Client,
    ids: &[String],
    known: &std::collections::HashMap<String, DlqKind>,
) -> Result<Classified, crate::client::ApiError> {
    let unknown: Vec<String> = ids
        .iter()
        .filter(|i| !known.contains_key(*i))
        .cloned()
        .collect();
    let entries = if unknown.is_empty() {
        Vec::new()
    } else {
        lookup_patiently(client, &unknown).await?
    };
    let looked_up: std::collections::HashMap<&str, DlqKind> = entries
        .iter()
        .map(|e| {
            let k = if e.is_workflow() {
                DlqKind::Workflow
            } else {
                DlqKind::Qstash
            };
            (e.dlq_id.as_str(), k)
        })
        .collect();
    let mut c = Classified::default();
    for id in ids {
        match known.get(id).or_else(|| looked_up.get(id.as_str())) {
            Some(DlqKind::Workflow) => c.workflow.push(id.clone()),
            Some(DlqKind::Qstash) => c.qstash.push(id.clone()),
            None => c.missing.push(id.clone()),
        }
    }
    c.entries = entries;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_forms() {
        let s = parse_stdin("1-0\n\n 2-0 \n1-0\n".as_bytes()).unwrap();
        assert_eq!(s.ids, vec!["1-0", "2-0"]);
        assert!(s.known.is_empty());
        // Mixed NDJSON is fine: each line says what its entry is.
        let s = parse_stdin(
            "{\"dlqId\":\"3-0\",\"workflowRunId\":\"w\"}\n{\"dlqId\":\"4-0\"}\n5-0".as_bytes(),
        )
        .unwrap();
        assert_eq!(s.ids, vec!["3-0", "4-0", "5-0"]);
        assert_eq!(s.known["3-0"], DlqKind::Workflow);
        assert_eq!(s.known["4-0"], DlqKind::Qstash);
        assert!(!s.known.contains_key("5-0"));
        // `dlq list -o json`: one pretty array.
        let s = parse_stdin(
            "[\n  {\n    \"dlqId\": \"6-0\",\n    \"workflowRunId\": \"w\"\n  },\n  \"7-0\"\n]\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(s.ids, vec!["6-0", "7-0"]);
        assert_eq!(s.known["6-0"], DlqKind::Workflow);
    }

    #[test]
    fn bad_stdin_is_named_by_line_and_never_echoed_whole() {
        let e = parse_stdin("1-0\ngarbage\n".as_bytes()).unwrap_err();
        assert!(
            e.message.contains("line 2") && e.message.contains("garbage"),
            "{}",
            e.message
        );
        assert!(parse_stdin("{\"messageId\":\"m\"}".as_bytes()).is_err());
        assert!(parse_stdin("[".as_bytes()).is_err());
        let long = format!("{{{}", "x".repeat(100_000));
        let e = parse_stdin(long.as_bytes()).unwrap_err();
        assert!(e.message.len() < 400, "{}", e.message);
        let mut buf = Vec::new();
        let e = bounded_line(&mut "abcdef\n".as_bytes(), &mut buf, 3).unwrap_err();
        assert!(e.to_string().contains("longer than"));
    }
}
