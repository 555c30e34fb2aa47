//! Turning filter flags into a server-side filter plus the refinements the API lacks.

use crate::cli::FilterArgs;
use crate::client::{DlqFilter, DlqKind};
use crate::error::CliError;
use crate::model::DlqEntry;
use crate::parse::{HeaderMatch, Since, StatusFilter};

/// What to select: which DLQ, what the server filters, what is checked here.
#[derive(Debug, Clone)]
pub struct Selection {
    pub kind: DlqKind,
    pub server: DlqFilter,
    pub refine: Refine,
}

/// Checks the API cannot do (or the workflow API no longer does).
#[derive(Debug, Clone, Default)]
pub struct Refine {
    pub status: Vec<StatusFilter>,
    pub grep: Vec<String>,
    pub headers: Vec<HeaderMatch>,
    pub message_id: Option<String>,
}

impl Refine {
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.grep.is_empty()
            && self.headers.is_empty()
            && self.message_id.is_none()
    }

    pub fn matches(&self, e: &DlqEntry) -> bool {
        if let Some(m) = &self.message_id
            && e.message_id.as_deref() != Some(m.as_str())
        {
            return false;
        }
        if !self.status.is_empty() {
            let s = e.response_status.unwrap_or(-1);
            if !self.status.iter().any(|f| f.matches(s)) {
                return false;
            }
        }
        if !self.grep.is_empty() {
            let req = e.body_bytes();
            let res = e.response_bytes();
            let hay = |needle: &str| {
                contains(&req, needle.as_bytes()) || contains(&res, needle.as_bytes())
            };
            if !self.grep.iter().all(|g| hay(g)) {
                return false;
            }
        }
        for h in &self.headers {
            let found = [e.header.as_ref(), e.response_header.as_ref()]
                .into_iter()
                .flatten()
                .any(|map| {
                    map.iter().any(|(k, vs)| {
                        k.eq_ignore_ascii_case(&h.name)
                            && h.value
                                .as_ref()
                                .is_none_or(|want| vs.iter().any(|v| v == want))
                    })
                });
            if !found {
                return false;
            }
        }
        true
    }
}

impl Selection {
    /// Whether `e` (an entry of the `workflow` DLQ or not) matches, checked here as the API
    /// would (`dlq import` selects from a file).
    pub fn matches_local(&self, e: &DlqEntry, workflow: bool) -> bool {
        let f = &self.server;
        let any = |want: &[String], have: Option<&String>| {
            want.is_empty() || have.is_some_and(|h| want.contains(h))
        };
        let labels = e.labels.clone().unwrap_or_default();
        (self.kind == DlqKind::Workflow) == workflow
            && (f.dlq_ids.is_empty() || f.dlq_ids.contains(&e.dlq_id))
            && any(&f.url, e.url.as_ref())
            && any(&f.url_group, e.topic_name.as_ref())
            && any(&f.queue, e.queue_name.as_ref())
            && any(&f.schedule_id, e.schedule_id.as_ref())
            && f.message_id
                .as_ref()
                .is_none_or(|m| e.message_id.as_ref() == Some(m))
            && (f.label.is_empty() || labels.iter().any(|l| f.label.contains(l)))
            && any(&f.flow_control_key, e.flow_control_key.as_ref())
            && (f.response_status.is_empty()
                || e.response_status
                    .is_some_and(|s| f.response_status.iter().any(|w| i64::from(*w) == s)))
            && any(&f.caller_ip, e.caller_ip.as_ref())
            && f.from_ms
                .is_none_or(|t| e.created_at.is_some_and(|c| c >= t))
            && f.to_ms.is_none_or(|t| e.created_at.is_some_and(|c| c <= t))
            && f.run_id
                .as_ref()
                .is_none_or(|r| e.workflow_run_id.as_ref() == Some(r))
            && any(&f.workflow_url, e.workflow_url.as_ref())
            && f.workflow_created_at
                .is_none_or(|t| e.workflow_created_at == Some(t))
            && any(&f.failure_state, e.failure_function_state.as_ref())
            && self.refine.matches(e)
    }
}

/// A selection as a journal keeps it (the local refinements in their command-line form).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub workflow: bool,
    pub filter: DlqFilter,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grep: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

impl Selection {
    pub fn save(&self) -> Saved {
        Saved {
            workflow: self.kind == DlqKind::Workflow,
            filter: self.server.clone(),
            status: self.refine.status.iter().map(|s| s.to_string()).collect(),
            grep: self.refine.grep.clone(),
            header: self
                .refine
                .headers
                .iter()
                .map(|h| match &h.value {
                    Some(v) => format!("{}={v}", h.name),
                    None => h.name.clone(),
                })
                .collect(),
            message_id: self.refine.message_id.clone(),
        }
    }

    pub fn restore(s: &Saved) -> Result<Selection, String> {
        Ok(Selection {
            kind: if s.workflow {
                DlqKind::Workflow
            } else {
                DlqKind::Qstash
            },
            server: s.filter.clone(),
            refine: Refine {
                status: s
                    .status
                    .iter()
                    .map(|x| crate::parse::parse_status(x))
                    .collect::<Result<_, _>>()?,
                grep: s.grep.clone(),
                headers: s
                    .header
                    .iter()
                    .map(|x| crate::parse::parse_header_match(x))
                    .collect::<Result<_, _>>()?,
                message_id: s.message_id.clone(),
            },
        })
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The DLQ the filters address: a workflow filter selects the Workflow DLQ, where the
/// QStash DLQ's own filters are refused.
fn kind_of(a: &FilterArgs) -> Result<DlqKind, CliError> {
    let workflow = a.workflow
        || a.run_id.is_some()
        || !a.workflow_url.is_empty()
        || a.workflow_created_at.is_some()
        || !a.failure_state.is_empty();
    if !workflow {
        return Ok(DlqKind::Qstash);
    }
    for (flag, set) in [
        ("--url", !a.url.is_empty()),
        ("--url-group", !a.url_group.is_empty()),
        ("--queue", !a.queue.is_empty()),
        ("--schedule-id", !a.schedule_id.is_empty()),
    ] {
        if set {
            return Err(CliError::usage(format!(
                "{flag} filters the QStash DLQ; the Workflow DLQ (selected by --workflow, --run-id, --workflow-url, --workflow-created-at or --failure-state) filters by --workflow-url"
            )));
        }
    }
    Ok(DlqKind::Workflow)
}

/// The oldest `createdAt` selected (`--since` or `--from`), refused when after `--until`.
fn window_start(a: &FilterArgs, now_ms: i64) -> Result<Option<i64>, CliError> {
    let from = match a.since {
        Some(Since::Ago(ms)) => Some(now_ms - ms as i64),
        Some(Since::At(t)) => Some(t),
        None => a.from,
    };
    if let (Some(f), Some(u)) = (from, a.until)
        && f > u
    {
        return Err(CliError::usage(
            "--from/--since is after --until: nothing can match",
        ));
    }
    Ok(from)
}

impl Selection {
    pub fn from_args(a: &FilterArgs, now_ms: i64) -> Result<Selection, CliError> {
        let kind = kind_of(a)?;
        let from = window_start(a, now_ms)?;
        let mut server = DlqFilter {
            url: a.url.clone(),
            url_group: a.url_group.clone(),
            queue: a.queue.clone(),
            schedule_id: a.schedule_id.clone(),
            label: a.label.clone(),
            flow_control_key: a.flow_control_key.clone(),
            caller_ip: a.caller_ip.clone(),
            from_ms: from,
            to_ms: a.until,
            run_id: a.run_id.clone(),
            workflow_url: a.workflow_url.clone(),
            workflow_created_at: a.workflow_created_at,
            failure_state: a
                .failure_state
                .iter()
                .map(|s| s.api_name().to_string())
                .collect(),
            ..DlqFilter::default()
        };
        let mut refine = Refine {
            grep: a.grep.clone(),
            headers: a.header.clone(),
            ..Refine::default()
        };
        // Exact codes go to the server; classes (5xx) are checked here. The workflow API no
        // longer filters by status or message id, so those are checked here for it.
        let all_codes: Option<Vec<u16>> = a
            .status
            .iter()
            .map(|s| match s {
                StatusFilter::Code(c) => Some(*c),
                StatusFilter::Class(_) => None,
            })
            .collect();
        match (kind, all_codes) {
            (DlqKind::Qstash, Some(codes)) => server.response_status = codes,
            _ => refine.status = a.status.clone(),
        }
        match kind {
            DlqKind::Qstash => server.message_id = a.message_id.clone(),
            DlqKind::Workflow => refine.message_id = a.message_id.clone(),
        }
        Ok(Selection {
            kind,
            server,
            refine,
        })
    }

    /// True when nothing narrows the selection.
    pub fn is_everything(&self) -> bool {
        self.server.is_empty() && self.refine.is_empty()
    }
}
