//! Turning ids, stdin or filters into the list of dlqIds a bulk run acts on.

use crate::client::{Client, DlqKind};
use crate::error::CliError;
use crate::model::DlqEntry;
use crate::select::Selection;

/// Ids read from stdin, and whether they named workflow entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StdinIds {
    pub ids: Vec<String>,
    /// `Some(true)` when NDJSON lines carried `workflowRunId`, `Some(false)` when they did not,
    /// `None` for bare ids.
    pub workflow: Option<bool>,
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
            let wf = e.is_workflow();
            match out.workflow {
                Some(prev) if prev != wf => {
                    return Err(CliError::usage(
                        "stdin mixes QStash and Workflow entries; retry them in two runs (filter with --workflow)",
                    ));
                }
                _ => out.workflow = Some(wf),
            }
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

/// Every entry matching `sel`, following the cursor (⌈N/100⌉ calls).
pub async fn matching(
    client: &Client,
    sel: &Selection,
    max: Option<usize>,
) -> Result<Vec<DlqEntry>, crate::client::ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client
            .dlq_page(sel.kind, &sel.server, cursor.as_deref(), 100)
            .await?;
        out.extend(page.messages.into_iter().filter(|e| sel.refine.matches(e)));
        if let Some(m) = max
            && out.len() >= m
        {
            out.truncate(m);
            break;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Counts by destination and status, largest first: the dry run's and the prompt's summary.
pub fn groups(entries: &[DlqEntry]) -> Vec<(String, String, usize)> {
    let mut m: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for e in entries {
        let dest = e
            .url
            .clone()
            .or_else(|| e.workflow_url.clone())
            .unwrap_or_else(|| "-".into());
        let status = e
            .response_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        *m.entry((dest, status)).or_default() += 1;
    }
    let mut v: Vec<(String, String, usize)> = m.into_iter().map(|((d, s), n)| (d, s, n)).collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Which DLQ entries in `kind` are named by a workflow flag.
pub fn kind_for(workflow_flag: bool, stdin: Option<bool>) -> DlqKind {
    if workflow_flag || stdin == Some(true) {
        DlqKind::Workflow
    } else {
        DlqKind::Qstash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_forms() {
        let s = parse_stdin("1-0\n\n 2-0 \n1-0\n").unwrap();
        assert_eq!(s.ids, vec!["1-0", "2-0"]);
        assert_eq!(s.workflow, None);
        let s = parse_stdin("{\"dlqId\":\"3-0\",\"workflowRunId\":\"wfr_x\"}\n{\"dlqId\":\"4-0\",\"workflowRunId\":\"wfr_y\"}").unwrap();
        assert_eq!((s.ids.len(), s.workflow), (2, Some(true)));
        assert!(
            parse_stdin("{\"dlqId\":\"3-0\",\"workflowRunId\":\"w\"}\n{\"dlqId\":\"4-0\"}")
                .is_err()
        );
        let e = parse_stdin("1-0\nnot an id\n").unwrap_err();
        assert!(e.message.contains("line 2"));
        assert!(parse_stdin("{\"messageId\":\"m\"}").is_err());
    }
}
