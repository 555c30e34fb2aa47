//! Typed API shapes. Every struct keeps fields it does not know in `extra`, so JSON output
//! carries whatever the API adds.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Header maps: `Record<string, string[]>`.
pub type Headers = BTreeMap<String, Vec<String>>;

/// Accepts an integer, a float or a numeric string (the docs show some times as strings).
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().or_else(|| {
            chrono::DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|t| t.timestamp_millis())
        }),
        Some(_) => None,
    })
}

/// Accepts a header map whose values are arrays or single strings.
fn lenient_headers<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Headers>, D::Error> {
    let v = Option::<BTreeMap<String, Value>>::deserialize(d)?;
    Ok(v.map(|m| {
        m.into_iter()
            .map(|(k, v)| {
                let vals = match v {
                    Value::Array(a) => a
                        .into_iter()
                        .map(|x| match x {
                            Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                    Value::String(s) => vec![s],
                    Value::Null => vec![],
                    other => vec![other.to_string()],
                };
                (k, vals)
            })
            .collect()
    }))
}

/// The state and answer of a workflow's failure callback.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureCallbackInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub response_status: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Plural here, unlike `responseHeader` on the entry.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_headers"
    )]
    pub response_headers: Option<Headers>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A DLQ entry of QStash or of Workflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DlqEntry {
    #[serde(default)]
    pub dlq_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_headers"
    )]
    pub header: Option<Headers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub max_retries: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub not_before: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_callback: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_headers"
    )]
    pub callback_header: Option<Headers>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_headers"
    )]
    pub failure_callback_header: Option<Headers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// `callerIP` in responses (the JS SDK's type says `callerIp`: accept both).
    #[serde(
        default,
        rename = "callerIP",
        alias = "callerIp",
        skip_serializing_if = "Option::is_none"
    )]
    pub caller_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_control_key: Option<String>,
    /// The SDK calls it `ratePerSecond`; the API `rate`.
    #[serde(
        default,
        alias = "ratePerSecond",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub rate: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub parallelism: Option<i64>,
    /// Seconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub period: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay_expression: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub response_status: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_headers"
    )]
    pub response_header: Option<Headers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_url: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub workflow_created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_function_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_callback_info: Option<FailureCallbackInfo>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl DlqEntry {
    /// The request body's bytes (decoding `bodyBase64`).
    pub fn body_bytes(&self) -> Vec<u8> {
        decode_body(self.body.as_deref(), self.body_base64.as_deref())
    }

    /// The response body's bytes (decoding `responseBodyBase64`).
    pub fn response_bytes(&self) -> Vec<u8> {
        decode_body(
            self.response_body.as_deref(),
            self.response_body_base64.as_deref(),
        )
    }

    pub fn is_workflow(&self) -> bool {
        self.workflow_run_id.is_some()
    }

    /// The first value of a response header, by name in any case.
    pub fn response_header_value(&self, name: &str) -> Option<String> {
        self.response_header
            .iter()
            .flatten()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first().cloned())
    }

    /// The entry's labels (`labels`, or the deprecated single `label`).
    pub fn all_labels(&self) -> Vec<String> {
        match (&self.labels, &self.label) {
            (Some(l), _) if !l.is_empty() => l.clone(),
            (_, Some(l)) => vec![l.clone()],
            _ => vec![],
        }
    }
}

pub fn decode_body(text: Option<&str>, b64: Option<&str>) -> Vec<u8> {
    use base64::Engine as _;
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        return t.as_bytes().to_vec();
    }
    match b64 {
        Some(b) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .unwrap_or_else(|_| b.as_bytes().to_vec()),
        None => Vec::new(),
    }
}

/// One page of a DLQ list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DlqPage {
    #[serde(default)]
    pub messages: Vec<DlqEntry>,
    /// Absent or empty on the last page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A DLQ page whose entries are kept as the API sent them (the pager holds read-ahead entries
/// this way: a third of the memory of parsed ones).
#[derive(Debug, Default, Deserialize)]
pub struct RawDlqPage {
    #[serde(default)]
    pub messages: Vec<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// What the pager orders entries by.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryKey {
    #[serde(default)]
    pub dlq_id: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub created_at: Option<i64>,
}

/// A log event (`GET /v2/logs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    #[serde(default, deserialize_with = "lenient_i64")]
    pub time: Option<i64>,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub response_status: Option<i64>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub next_delivery_time: Option<i64>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogPage {
    #[serde(default)]
    pub logs: Vec<LogEvent>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `{messageId, deduplicated?}` from a retry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishResponse {
    #[serde(default)]
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplicated: Option<bool>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `{responses: [...], cursor?}` from a bulk retry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BulkRetryResponse {
    #[serde(default)]
    pub responses: Vec<PublishResponse>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `{deleted, cursor?}` from a bulk delete.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BulkDeleteResponse {
    #[serde(default)]
    pub deleted: i64,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `{workflowRunId, workflowCreatedAt}`: `workflowCreatedAt` is an int64 in the OpenAPI but a
/// string in the SDK's type; both are accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRun {
    #[serde(default)]
    pub workflow_run_id: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub workflow_created_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkWorkflowResponse {
    #[serde(default)]
    pub workflow_runs: Vec<WorkflowRun>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// The `Content-Type` of a header map (names compared without case).
pub fn content_type(h: Option<&Headers>) -> Option<String> {
    h?.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| v.first().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_fields_and_accepts_both_spellings() {
        let e: DlqEntry = serde_json::from_str(
            r#"{"dlqId":"1-0","callerIp":"1.2.3.4","createdAt":"1701198447054","newField":{"a":1},
                "header":{"A":"single"},"workflowCreatedAt":"2023-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(e.caller_ip.as_deref(), Some("1.2.3.4"));
        assert_eq!(e.created_at, Some(1_701_198_447_054));
        assert_eq!(e.header.as_ref().unwrap()["A"], vec!["single".to_string()]);
        assert_eq!(e.workflow_created_at, Some(1_672_531_200_000));
        let out = serde_json::to_value(&e).unwrap();
        assert_eq!(out["newField"]["a"], 1);
        assert_eq!(out["callerIP"], "1.2.3.4");
    }

    #[test]
    fn decodes_bodies() {
        let e = DlqEntry {
            body_base64: Some("/wA=".into()),
            response_body: Some("hi".into()),
            ..DlqEntry::default()
        };
        assert_eq!(e.body_bytes(), vec![0xff, 0]);
        assert_eq!(e.response_bytes(), b"hi");
    }
}
