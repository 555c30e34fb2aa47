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

/// Reads `dlq list -o ids` (one id a line) or `-o ndjson` (takes `dlqId`) output.
pub fn parse_stdin(text: &str) -> Result<StdinIds, CliError> {
    let mut out = StdinIds::default();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if l.starts_with('{') {
            let e: DlqEntry = serde_json::from_str(l).map_err(|e| {
                CliError::usage(format!(
                    "stdin line {}: not a DLQ entry JSON object: {e}",
                    n + 1
                ))
            })?;
            if e.dlq_id.is_empty() {
                return Err(CliError::usage(format!(
                    "stdin line {}: the JSON object has no dlqId",
                    n + 1
                )));
            }
            let kind = if e.is_workflow() {
                DlqKind::Workflow
            } else {
                DlqKind::Qstash
            };
            out.known.insert(e.dlq_id.clone(), kind);
            out.ids.push(e.dlq_id);
        } else {
            let id = crate::parse::parse_dlq_id(l)
                .map_err(|e| CliError::usage(format!("stdin line {}: {e}", n + 1)))?;
            out.ids.push(id);
        }
    }
    dedup(&mut out.ids);
    Ok(out)
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
        let s = parse_stdin("1-0\n\n 2-0 \n1-0\n").unwrap();
        assert_eq!(s.ids, vec!["1-0", "2-0"]);
        assert!(s.known.is_empty());
        // Mixed NDJSON is fine: each line says what its entry is.
        let s =
            parse_stdin("{\"dlqId\":\"3-0\",\"workflowRunId\":\"w\"}\n{\"dlqId\":\"4-0\"}\n5-0")
                .unwrap();
        assert_eq!(s.ids, vec!["3-0", "4-0", "5-0"]);
        assert_eq!(s.known["3-0"], DlqKind::Workflow);
        assert_eq!(s.known["4-0"], DlqKind::Qstash);
        assert!(!s.known.contains_key("5-0"));
        let e = parse_stdin("1-0\nnot an id\n").unwrap_err();
        assert!(e.message.contains("line 2"));
        assert!(parse_stdin("{\"messageId\":\"m\"}").is_err());
    }
}
