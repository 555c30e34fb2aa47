//! DLQ filters as the API expects them.

/// Which DLQ: QStash's or Workflow's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DlqKind {
    Qstash,
    Workflow,
}

impl DlqKind {
    pub fn list_path(self) -> &'static str {
        match self {
            DlqKind::Qstash => "/v2/dlq",
            DlqKind::Workflow => "/v2/workflows/dlq",
        }
    }

    pub fn entry_path(self, id: &str) -> String {
        format!("{}/{}", self.list_path(), super::seg(id))
    }
}

/// Server-side filters. Multi-valued fields are sent as repeated parameters. Serialisable: a
/// bulk run's journal keeps the selection it is still listing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DlqFilter {
    /// Exact ids (the API then ignores the other filters).
    pub dlq_ids: Vec<String>,
    pub url: Vec<String>,
    pub url_group: Vec<String>,
    pub queue: Vec<String>,
    pub schedule_id: Vec<String>,
    pub message_id: Option<String>,
    pub label: Vec<String>,
    pub flow_control_key: Vec<String>,
    pub response_status: Vec<u16>,
    pub caller_ip: Vec<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub run_id: Option<String>,
    pub workflow_url: Vec<String>,
    pub workflow_created_at: Option<i64>,
    pub failure_state: Vec<String>,
}

impl DlqFilter {
    /// Query parameters for `kind`'s list and bulk endpoints.
    pub fn to_query(&self, kind: DlqKind) -> Vec<(String, String)> {
        let mut q = Vec::new();
        let mut many = |k: &str, vs: &[String]| {
            for v in vs {
                q.push((k.to_string(), v.clone()));
            }
        };
        many("dlqIds", &self.dlq_ids);
        many("label", &self.label);
        many("flowControlKey", &self.flow_control_key);
        // `callerIp` with a lower-case p, though entries spell it `callerIP`.
        many("callerIp", &self.caller_ip);
        match kind {
            DlqKind::Qstash => {
                many("url", &self.url);
                many("topicName", &self.url_group);
                many("queueName", &self.queue);
                many("scheduleId", &self.schedule_id);
            }
            DlqKind::Workflow => {
                many("workflowUrl", &self.workflow_url);
                many("failureFunctionState", &self.failure_state);
            }
        }
        if let Some(m) = &self.message_id {
            q.push(("messageId".into(), m.clone()));
        }
        for s in &self.response_status {
            q.push(("responseStatus".into(), s.to_string()));
        }
        if let Some(f) = self.from_ms {
            q.push(("fromDate".into(), f.to_string()));
        }
        if let Some(t) = self.to_ms {
            q.push(("toDate".into(), t.to_string()));
        }
        if kind == DlqKind::Workflow {
            if let Some(r) = &self.run_id {
                q.push(("workflowRunId".into(), r.clone()));
            }
            if let Some(c) = self.workflow_created_at {
                q.push(("workflowCreatedAt".into(), c.to_string()));
            }
        }
        q
    }

    pub fn is_empty(&self) -> bool {
        *self == DlqFilter::default()
    }
}
