//! The dev server's internal message record and the API shapes built from it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub type HeaderMap = BTreeMap<String, Vec<String>>;

/// Default retries when `Upstash-Retries` is absent.
pub const DEFAULT_RETRIES: u32 = 3;

pub use crate::wire::flow_control::FlowControl;

/// Workflow run a message belongs to (from the `Upstash-Workflow-*` headers).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowInfo {
    pub run_id: String,
    pub url: String,
    pub created_at: i64,
    /// What the message is in the run.
    #[serde(default)]
    pub call: CallType,
    /// Position of the message's entry in the run's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The run's SDK fetches its steps when a delivery comes without them (`LazyFetch`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lazy_fetch: bool,
}

/// `Upstash-Workflow-CallType`: what a message of a workflow run is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum CallType {
    /// A delivery of the run's steps to the workflow URL.
    #[default]
    Step,
    /// A `context.call` request to a third-party URL.
    ToCallback,
    /// The answer of a `context.call`, delivered to the workflow URL.
    FromCallback,
    /// The failure callback of a failed run.
    FailureCall,
}

impl CallType {
    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Step => "step",
            CallType::ToCallback => "toCallback",
            CallType::FromCallback => "fromCallback",
            CallType::FailureCall => "failureCall",
        }
    }
}

/// Settings for a callback or failure callback.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallbackConfig {
    pub url: String,
    #[serde(default)]
    pub header: HeaderMap,
    /// Workflow protocol headers of the callback message (`Upstash-Callback-Workflow-*`,
    /// `Upstash-Failure-Callback-Workflow-*`), stored without the callback prefix.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workflow: HeaderMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// What a message is: a user's message, or a callback the server generated.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Kind {
    #[default]
    Normal,
    Callback,
    /// The failure callback of the DLQ entry `dlq_id`.
    FailureCallback {
        dlq_id: String,
    },
}

/// A message waiting for delivery (or being retried).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub message_id: String,
    pub url: String,
    pub method: String,
    /// Headers sent to the destination (already stripped of `Upstash-Forward-`).
    pub header: HeaderMap,
    #[serde(with = "b64")]
    pub body: Vec<u8>,
    pub max_retries: u32,
    /// Attempts that failed so far; `Upstash-Retried` of the next attempt.
    pub retried: u32,
    pub not_before: i64,
    pub created_at: i64,
    /// When the next attempt is due (ms).
    pub next_delivery: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_callback: Option<CallbackConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_name: Option<String>,
    pub caller_ip: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_control: Option<FlowControl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowInfo>,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_id: Option<String>,
    /// Fields redacted from API responses (`Upstash-Redact-Fields`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<String>,
}

pub(crate) mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// Puts `body` (UTF-8) or `bodyBase64` (anything else) into `obj` under the given names.
pub fn put_body(obj: &mut Map<String, Value>, text_key: &str, b64_key: &str, body: &[u8]) {
    if body.is_empty() {
        return;
    }
    match std::str::from_utf8(body) {
        Ok(s) => obj.insert(text_key.into(), Value::String(s.into())),
        Err(_) => obj.insert(b64_key.into(), Value::String(STANDARD.encode(body))),
    };
}

/// The response received from the destination on the last attempt.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptResponse {
    /// 0 when there was no HTTP response (timeout, connection error).
    pub status: u16,
    pub header: HeaderMap,
    #[serde(with = "b64")]
    pub body: Vec<u8>,
    /// Transport error text when there was no response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn redacted(v: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(v.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("REDACTED:{hex}")
}

impl Message {
    /// The fields shared by the `Message`, `DLQMessage` and workflow DLQ schemas.
    pub fn api_fields(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("messageId".into(), json!(self.message_id));
        o.insert("url".into(), json!(self.url));
        if let Some(t) = &self.topic_name {
            o.insert("topicName".into(), json!(t));
        }
        if let Some(e) = &self.endpoint_name {
            o.insert("endpointName".into(), json!(e));
        }
        o.insert("method".into(), json!(self.method));
        o.insert("header".into(), json!(self.shown_header()));
        if self.redact.iter().any(|r| r == "body") {
            o.insert(
                "body".into(),
                json!(redacted(&String::from_utf8_lossy(&self.body))),
            );
        } else {
            put_body(&mut o, "body", "bodyBase64", &self.body);
        }
        o.insert("maxRetries".into(), json!(self.max_retries));
        o.insert("notBefore".into(), json!(self.not_before));
        o.insert("createdAt".into(), json!(self.created_at));
        self.put_callbacks(&mut o);
        if let Some(q) = &self.queue_name {
            o.insert("queueName".into(), json!(q));
        }
        if let Some(s) = &self.schedule_id {
            o.insert("scheduleId".into(), json!(s));
        }
        o.insert("callerIP".into(), json!(self.caller_ip));
        if let Some(first) = self.labels.first() {
            o.insert("label".into(), json!(first));
            o.insert("labels".into(), json!(self.labels));
        }
        self.put_flow_control(&mut o);
        if let Some(e) = &self.retry_delay_expression {
            o.insert("retryDelayExpression".into(), json!(e));
        }
        if let Some(w) = &self.workflow {
            o.insert("workflowRunId".into(), json!(w.run_id));
            o.insert("workflowUrl".into(), json!(w.url));
            o.insert("workflowCreatedAt".into(), json!(w.created_at));
        }
        o
    }

    /// The request's headers as the API shows them: those the publisher asked to redact
    /// (`Upstash-Redact-Fields: headers` or `header[Name]`) replaced by their hash.
    fn shown_header(&self) -> HeaderMap {
        let redact_all_headers = self.redact.iter().any(|r| r == "headers");
        self.header
            .iter()
            .map(|(k, v)| {
                let hide = redact_all_headers
                    || self
                        .redact
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(&format!("header[{k}]")));
                let v = if hide {
                    v.iter().map(|x| redacted(x)).collect()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect()
    }

    fn put_callbacks(&self, o: &mut Map<String, Value>) {
        if let Some(c) = &self.callback {
            o.insert("callback".into(), json!(c.url));
            if !c.header.is_empty() {
                o.insert("callbackHeader".into(), json!(c.header));
            }
        }
        if let Some(c) = &self.failure_callback {
            o.insert("failureCallback".into(), json!(c.url));
            if !c.header.is_empty() {
                o.insert("failureCallbackHeader".into(), json!(c.header));
            }
        }
    }

    fn put_flow_control(&self, o: &mut Map<String, Value>) {
        if let Some(fc) = &self.flow_control {
            o.insert("flowControlKey".into(), json!(fc.key));
            if let Some(r) = fc.rate {
                o.insert("rate".into(), json!(r));
            }
            if let Some(p) = fc.parallelism {
                o.insert("parallelism".into(), json!(p));
            }
            o.insert("period".into(), json!(fc.period_secs()));
        }
    }
}

/// The documented body POSTed to a callback / failure callback.
pub fn callback_body(msg: &Message, resp: &AttemptResponse, dlq_id: Option<&str>) -> Value {
    let mut o = Map::new();
    o.insert("status".into(), json!(resp.status));
    o.insert("header".into(), json!(resp.header));
    o.insert("body".into(), json!(STANDARD.encode(&resp.body)));
    o.insert("retried".into(), json!(msg.retried));
    o.insert("maxRetries".into(), json!(msg.max_retries));
    if let Some(d) = dlq_id {
        o.insert("dlqId".into(), json!(d));
    }
    o.insert("sourceMessageId".into(), json!(msg.message_id));
    if let Some(t) = &msg.topic_name {
        o.insert("topicName".into(), json!(t));
    }
    if let Some(e) = &msg.endpoint_name {
        o.insert("endpointName".into(), json!(e));
    }
    o.insert("url".into(), json!(msg.url));
    o.insert("method".into(), json!(msg.method));
    o.insert("sourceHeader".into(), json!(msg.header));
    o.insert("sourceBody".into(), json!(STANDARD.encode(&msg.body)));
    // The docs show these two as strings in callback bodies.
    o.insert("notBefore".into(), json!(msg.not_before.to_string()));
    o.insert("createdAt".into(), json!(msg.created_at.to_string()));
    if let Some(s) = &msg.schedule_id {
        o.insert("scheduleId".into(), json!(s));
    }
    if let Some(q) = &msg.queue_name {
        o.insert("queueName".into(), json!(q));
    }
    o.insert("callerIP".into(), json!(msg.caller_ip));
    if let Some(w) = &msg.workflow {
        o.insert("workflowRunId".into(), json!(w.run_id));
        o.insert("workflowCreatedAt".into(), json!(w.created_at));
    }
    if let Some(e) = &resp.error {
        o.insert("error".into(), json!(e));
    }
    Value::Object(o)
}

/// A callback or failure-callback message of `src`, with the documented body.
pub fn callback_message(
    src: &Message,
    cfg: &CallbackConfig,
    body: serde_json::Value,
    kind: Kind,
    now: i64,
) -> Message {
    let mut header = cfg.header.clone();
    header
        .entry("Content-Type".into())
        .or_insert_with(|| vec!["application/json".into()]);
    let delay = cfg.delay_ms.unwrap_or(0) as i64;
    Message {
        message_id: new_id("msg_"),
        url: cfg.url.clone(),
        method: cfg.method.clone().unwrap_or_else(|| "POST".into()),
        header,
        body: body.to_string().into_bytes(),
        max_retries: cfg.retries.unwrap_or(src.max_retries),
        retried: 0,
        not_before: now + delay,
        created_at: now,
        next_delivery: now + delay,
        timeout_ms: cfg.timeout_ms,
        caller_ip: src.caller_ip.clone(),
        retry_delay_expression: cfg
            .retry_delay
            .clone()
            .or_else(|| src.retry_delay_expression.clone()),
        kind,
        ..Message::default()
    }
}

/// Generates ids such as `msg_2XbA…` and `wfr_…`.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = String::with_capacity(prefix.len() + 23);
    s.push_str(prefix);
    let (mut a, mut b) = (rand::random::<u64>(), rand::random::<u64>());
    for i in 0..22 {
        let src = if i < 11 { &mut a } else { &mut b };
        s.push(ALPHABET[(*src % 62) as usize] as char);
        *src /= 62;
    }
    s
}
