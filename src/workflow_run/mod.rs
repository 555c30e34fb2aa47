//! What a workflow run's DLQ entry says, decoded: the request of a step delivery is the run's
//! log (`[{messageId, body: base64, callType}, …]`: the initial payload, then each step's
//! result), the response names the step that threw (`Upstash-Error-Step-Name`) and carries the
//! SDK's error (`{"error", "message", "stack"}`). Pure functions over [`DlqEntry`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{DlqEntry, Headers};
use crate::text::secrets as redact;

pub mod branches;

pub use branches::BranchLog;

/// A run's entry, decoded (`dlq show -o json` adds it as `decodedRun`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedRun {
    /// The payload the run was triggered with (JSON when it parses, else text).
    pub initial_payload: Value,
    /// The steps the failed delivery carried, in log order.
    pub steps: Vec<DecodedStep>,
    pub failed_step: Option<FailedStep>,
    /// The error message from the response.
    pub error: Option<String>,
    /// Whether the request carried the run's log (a `context.call` answer does not).
    #[serde(skip)]
    pub has_log: bool,
    /// Whether the branches' states were read from the workflow logs API.
    #[serde(skip)]
    pub branch_log: BranchLog,
}

/// One step of the run's log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedStep {
    pub message_id: String,
    pub step_id: Option<i64>,
    pub step_name: Option<String>,
    pub step_type: Option<String>,
    /// A step's result (the SDK stores it as JSON text: parsed when it parses).
    pub out: Option<Value>,
    pub concurrent: Option<i64>,
    /// Set on the plan steps of a parallel group (they carry no result).
    pub target_step: Option<i64>,
    /// A planned branch's state in the run's log (`STEP_SUCCESS`, `STEP_FAILED`,
    /// `STEP_CANCELED`, …), when the log was read and names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_state: Option<String>,
    /// Other fields of the step (`sleepFor`, `waitEventId`, …).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl DecodedStep {
    /// A planned branch of a parallel group, not a result.
    pub fn is_plan(&self) -> bool {
        self.step_id == Some(0) && self.target_step.is_some()
    }
}

/// The step that failed, as far as the entry tells.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedStep {
    pub name: Option<String>,
    pub step_type: Option<String>,
    /// Its position in the run (step 1 is the first after the initial payload).
    pub position: Option<i64>,
    /// The nearest named step before it (an SDK that names no failed step, as workflow-py,
    /// still tells where the run was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl FailedStep {
    /// `'charge' (Run, step 2)`, or `step 2 (Run, after 'validate')` when the SDK did not name
    /// it.
    pub fn describe(&self) -> String {
        let after = self.after.as_ref().map(|a| format!("after '{a}'"));
        let (head, detail): (String, Vec<String>) = match (&self.name, self.position) {
            (Some(n), p) => (
                format!("'{n}'"),
                self.step_type
                    .iter()
                    .cloned()
                    .chain(p.map(|p| format!("step {p}")))
                    .collect(),
            ),
            (None, Some(p)) => (
                format!("step {p}"),
                self.step_type.iter().cloned().chain(after).collect(),
            ),
            (None, None) => (
                "unknown".into(),
                self.step_type.iter().cloned().chain(after).collect(),
            ),
        };
        if detail.is_empty() {
            head
        } else {
            format!("{head} ({})", detail.join(", "))
        }
    }
}

fn header<'a>(h: Option<&'a Headers>, name: &str) -> Option<&'a str> {
    h?.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

/// JSON when it parses, else text; `Null` when empty.
fn value_of(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Masks the values of sensitive keys (as header names are masked), at any depth.
pub fn mask(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if redact::is_sensitive(k) && !x.is_null() {
                    *x = Value::String(redact::MASK.into());
                } else {
                    mask(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

/// Masks the secrets inside a workflow entry's request body, the run's log: each step's
/// base64 body is decoded, its sensitive keys masked (inside a step's `out`, which is JSON
/// text, too) and encoded again, so the Request section and `-o json` give back no secret
/// that the decoded steps hide. Other bodies are left as they are.
pub fn mask_log(e: &mut DlqEntry) -> Vec<String> {
    let mut keys = Vec::new();
    if !e.is_workflow() {
        return keys;
    }
    let Ok(Value::Array(mut items)) = serde_json::from_slice::<Value>(&e.body_bytes()) else {
        return keys;
    };
    let mut changed = false;
    for item in &mut items {
        let Some(Value::String(b64)) = item.get_mut("body") else {
            continue;
        };
        let Some(mut v) = STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            continue;
        };
        let before = v.clone();
        masked_keys(&v, &mut keys);
        mask(&mut v);
        if let Some(Value::String(out)) = v.get_mut("out")
            && let Ok(mut inner) = serde_json::from_str::<Value>(out)
        {
            masked_keys(&inner, &mut keys);
            mask(&mut inner);
            *out = inner.to_string();
        }
        if v != before {
            *b64 = STANDARD.encode(v.to_string());
            changed = true;
        }
    }
    if changed {
        e.body = Some(Value::Array(items).to_string());
        e.body_base64 = None;
    }
    keys
}

/// The sensitive keys [`mask`] would mask in `v`.
fn masked_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if redact::is_sensitive(k) && !x.is_null() {
                    out.push(k.clone());
                } else {
                    masked_keys(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| masked_keys(x, out)),
        _ => {}
    }
}

/// The error message of a failed step's response: the SDK's `message`, an HTML page's title,
/// else the body's first line.
pub fn error_message(e: &DlqEntry) -> Option<String> {
    use crate::text::html::html_text;
    use crate::text::kind::{Kind, kind};
    let body = e.response_bytes();
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(&body) {
        for k in ["message", "error"] {
            if let Some(m) = o.get(k).and_then(Value::as_str).filter(|m| !m.is_empty()) {
                return Some(m.to_string());
            }
        }
    }
    let ct = crate::model::content_type(e.response_header.as_ref());
    let text = match kind(&body, ct.as_deref()) {
        Kind::Empty => return None,
        Kind::Binary => return Some(format!("<{} bytes binary>", body.len())),
        Kind::Html => {
            let (title, content) = html_text(&String::from_utf8_lossy(&body));
            title.unwrap_or(content)
        }
        Kind::Json | Kind::Text => String::from_utf8_lossy(&body).into_owned(),
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(String::from)
}

/// The raw-steps array of the request, if it is one.
fn raw_steps(e: &DlqEntry) -> Option<Vec<(String, String, Vec<u8>)>> {
    let v: Value = serde_json::from_slice(&e.body_bytes()).ok()?;
    let arr = v.as_array()?;
    let mut out = Vec::with_capacity(arr.len());
    for item in arr {
        let o = item.as_object()?;
        let body = o.get("body").and_then(Value::as_str).unwrap_or("");
        let bytes = STANDARD.decode(body.trim()).ok()?;
        out.push((
            o.get("messageId")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            o.get("callType")
                .and_then(Value::as_str)
                .unwrap_or("step")
                .to_string(),
            bytes,
        ));
    }
    Some(out)
}

/// A step's result as the SDK stores it (JSON text), parsed when it parses; a `context.call`
/// result holds the answer's body as text too: JSON inside JSON, decoded.
fn result_value(v: Value, step_type: Option<&str>) -> Value {
    let mut out = match v {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    };
    if step_type == Some("Call")
        && let Value::Object(r) = &mut out
        && let Some(Value::String(b)) = r.get("body")
        && let Ok(parsed) = serde_json::from_str::<Value>(b)
        && (parsed.is_object() || parsed.is_array())
    {
        r.insert("body".into(), parsed);
    }
    out
}

fn step_of(message_id: String, bytes: &[u8]) -> Option<DecodedStep> {
    let Value::Object(mut o) = serde_json::from_slice::<Value>(bytes).ok()? else {
        return None;
    };
    let int = |o: &mut Map<String, Value>, k: &str| o.remove(k).and_then(|v| v.as_i64());
    let text = |o: &mut Map<String, Value>, k: &str| {
        o.remove(k).and_then(|v| v.as_str().map(String::from))
    };
    // Fields an SDK sends as null (workflow-py sends every field) say nothing.
    o.retain(|_, v| !v.is_null());
    let step_id = int(&mut o, "stepId");
    let step_name = text(&mut o, "stepName");
    let step_type = text(&mut o, "stepType");
    let concurrent = int(&mut o, "concurrent");
    let target_step = int(&mut o, "targetStep");
    let out = o
        .remove("out")
        .map(|v| result_value(v, step_type.as_deref()));
    Some(DecodedStep {
        message_id,
        step_id,
        step_name,
        step_type,
        out,
        concurrent,
        target_step,
        branch_state: None,
        other: o,
    })
}

/// The step that failed: named by the SDK's response header; its type and position from the
/// log the failed delivery carried (the step after the last result, or the planned branch).
fn failed_step(e: &DlqEntry, steps: &[DecodedStep]) -> FailedStep {
    let name = header(e.response_header.as_ref(), "Upstash-Error-Step-Name")
        .or_else(|| header(e.header.as_ref(), "Upstash-Workflow-Stepname"))
        .map(String::from);
    let after = steps
        .iter()
        .filter(|s| !s.is_plan())
        .filter_map(|s| s.step_name.clone())
        .next_back();
    if let Some(plan) = steps.last().filter(|s| s.is_plan()) {
        return FailedStep {
            name: name.or_else(|| plan.step_name.clone()),
            step_type: plan.step_type.clone(),
            position: plan.target_step,
            after: None,
        };
    }
    let last = steps
        .iter()
        .filter(|s| !s.is_plan())
        .filter_map(|s| s.step_id)
        .max()
        .unwrap_or(0);
    // A parallel group's planned branches name their type.
    let step_type = name.as_ref().and_then(|n| {
        steps
            .iter()
            .find(|s| s.step_name.as_deref() == Some(n.as_str()))
            .and_then(|s| s.step_type.clone())
    });
    let step_type = step_type
        .or_else(|| header(e.header.as_ref(), "Upstash-Workflow-Steptype").map(String::from))
        .or_else(|| threw(e).then(|| "Run".to_string()));
    FailedStep {
        after: if name.is_none() { after } else { None },
        name,
        step_type,
        position: Some(last + 1),
    }
}

/// The endpoint answered an error for the step it was executing: only a `context.run` step
/// runs the app's code there (sleeps, calls and waits are planned and carried out by QStash),
/// so that step was a Run.
fn threw(e: &DlqEntry) -> bool {
    e.response_status.is_some_and(|s| (400..600).contains(&s))
}

/// The workflow's failure callback reached an app whose SDK has no failure function: the JS
/// SDK answers 200 with `Upstash-Workflow-Failure-Callback-Notfound: true` and
/// `finishCondition: "failure-callback-undefined"`, which QStash records as a success.
pub fn no_failure_function(e: &DlqEntry) -> bool {
    let Some(info) = &e.failure_callback_info else {
        return false;
    };
    let flagged = header(
        info.response_headers.as_ref(),
        "Upstash-Workflow-Failure-Callback-Notfound",
    ) == Some("true");
    let said = info.response_body.as_deref().is_some_and(|b| {
        serde_json::from_str::<Value>(b)
            .is_ok_and(|v| v["finishCondition"] == "failure-callback-undefined")
    });
    flagged || said
}

/// Results in the run's log that failed outside the app (a `context.call` answered an error,
/// a `waitForEvent` timed out, an invoked run failed): resuming replays them, so the run may
/// fail the same way however the outside cause was fixed; `--restart` makes them anew.
pub fn cached_failures(run: &DecodedRun) -> Vec<String> {
    let mut out = Vec::new();
    for s in run.steps.iter().filter(|s| !s.is_plan()) {
        let what = match (s.step_type.as_deref(), s.out.as_ref()) {
            (Some("Call"), Some(o)) => o
                .get("status")
                .and_then(Value::as_i64)
                .filter(|st| *st >= 300)
                .map(|st| format!("answered {st}")),
            (Some("Wait"), Some(o)) => {
                (o.get("timeout") == Some(&Value::Bool(true))).then(|| "timed out".to_string())
            }
            (Some("Invoke"), Some(o)) => (o.get("isFailed") == Some(&Value::Bool(true))
                || o.get("isCanceled") == Some(&Value::Bool(true)))
            .then(|| "ended without success".to_string()),
            _ => None,
        };
        if let Some(w) = what {
            out.push(format!(
                "step {} '{}' ({}) {w}",
                s.step_id.unwrap_or(0),
                s.step_name.as_deref().unwrap_or("?"),
                s.step_type.as_deref().unwrap_or("?")
            ));
        }
    }
    out
}

/// Decodes a workflow run's entry (`None` for a QStash entry). Sensitive keys in the payload
/// and results are masked unless `reveal`.
pub fn decode(e: &DlqEntry, reveal: bool) -> Option<DecodedRun> {
    if !e.is_workflow() {
        return None;
    }
    let mut run = DecodedRun {
        error: error_message(e),
        ..DecodedRun::default()
    };
    if let Some(raw) = raw_steps(e) {
        run.has_log = true;
        let mut it = raw.into_iter();
        if let Some((_, _, payload)) = it.next() {
            run.initial_payload = value_of(&payload);
        }
        for (id, call_type, bytes) in it {
            if call_type == "step"
                && let Some(s) = step_of(id, &bytes)
            {
                run.steps.push(s);
            }
        }
    }
    run.failed_step = Some(failed_step(e, &run.steps));
    if !reveal {
        mask(&mut run.initial_payload);
        for s in &mut run.steps {
            if let Some(o) = s.out.as_mut() {
                mask(o);
            }
        }
    }
    Some(run)
}

/// The failed step's name and the error message, cheaply (for a list row): from the response
/// when the SDK named the step, else from the log.
pub fn row_summary(e: &DlqEntry) -> (Option<String>, Option<String>) {
    let name = header(e.response_header.as_ref(), "Upstash-Error-Step-Name").map(String::from);
    let name = match name {
        Some(n) => Some(n),
        None => decode(e, true)
            .and_then(|r| r.failed_step)
            .map(|f| f.describe()),
    };
    (name, error_message(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(steps: &[Value], status: i64, resp: &str, step_header: Option<&str>) -> DlqEntry {
        let mut raw = vec![
            json!({"messageId": "m0", "body": STANDARD.encode(r#"{"order":1,"apiToken":"t0p"}"#), "callType": "step"}),
        ];
        for (i, s) in steps.iter().enumerate() {
            raw.push(json!({"messageId": format!("m{}", i + 1), "body": STANDARD.encode(s.to_string()), "callType": "step"}));
        }
        let mut rh = Headers::new();
        if let Some(n) = step_header {
            rh.insert("Upstash-Error-Step-Name".into(), vec![n.into()]);
        }
        DlqEntry {
            dlq_id: "1-0".into(),
            workflow_run_id: Some("wfr_x".into()),
            body: Some(Value::Array(raw).to_string()),
            response_status: Some(status),
            response_body: Some(resp.into()),
            response_header: Some(rh),
            ..DlqEntry::default()
        }
    }

    #[test]
    fn decodes_the_log_and_names_the_failed_step() {
        let e = entry(
            &[
                json!({"stepId": 1, "stepName": "validate", "stepType": "Run", "out": "{\"ok\":true,\"secret\":\"s\"}", "concurrent": 1}),
            ],
            500,
            r#"{"error":"Error","message":"card declined","stack":"Error: card declined\n at x"}"#,
            Some("charge"),
        );
        let r = decode(&e, false).unwrap();
        assert_eq!(
            r.initial_payload,
            json!({"order": 1, "apiToken": "<redacted>"})
        );
        assert_eq!(r.steps.len(), 1);
        assert_eq!(r.steps[0].step_name.as_deref(), Some("validate"));
        assert_eq!(
            r.steps[0].out,
            Some(json!({"ok": true, "secret": "<redacted>"}))
        );
        let f = r.failed_step.unwrap();
        assert_eq!((f.name.as_deref(), f.position), (Some("charge"), Some(2)));
        assert_eq!(f.describe(), "'charge' (Run, step 2)");
        assert_eq!(
            FailedStep {
                position: Some(3),
                ..FailedStep::default()
            }
            .describe(),
            "step 3"
        );
        assert_eq!(r.error.as_deref(), Some("card declined"));
        let revealed = decode(&e, true).unwrap();
        assert_eq!(revealed.initial_payload["apiToken"], "t0p");
    }

    /// workflow-py names no failed step and sends every field, nulls too.
    #[test]
    fn an_unnamed_failed_step_is_placed_after_the_last_named_one() {
        let e = entry(
            &[
                json!({"stepId": 1, "stepName": "validate", "stepType": "Run", "out": "1", "sleepFor": null, "callUrl": null}),
            ],
            500,
            r#"{"error":"Exception","message":"card declined"}"#,
            None,
        );
        let r = decode(&e, false).unwrap();
        assert!(r.steps[0].other.is_empty(), "{:?}", r.steps[0].other);
        assert_eq!(
            r.failed_step.unwrap().describe(),
            "step 2 (Run, after 'validate')"
        );
    }

    #[test]
    fn resuming_replays_results_that_failed_outside_the_app() {
        let e = entry(
            &[
                json!({"stepId": 1, "stepName": "third party", "stepType": "Call", "out": "{\"status\":500,\"body\":\"x\"}"}),
                json!({"stepId": 2, "stepName": "wait", "stepType": "Wait", "out": "{\"timeout\":true}"}),
                json!({"stepId": 3, "stepName": "ok", "stepType": "Call", "out": "{\"status\":200}"}),
            ],
            500,
            "boom",
            None,
        );
        let r = decode(&e, false).unwrap();
        assert_eq!(
            cached_failures(&r),
            [
                "step 1 'third party' (Call) answered 500",
                "step 2 'wait' (Wait) timed out"
            ]
        );
    }

    #[test]
    fn a_failed_parallel_branch_is_its_plan_step() {
        let e = entry(
            &[
                json!({"stepId": 0, "stepName": "a", "stepType": "Run", "concurrent": 2, "targetStep": 1}),
                json!({"stepId": 0, "stepName": "b", "stepType": "SleepFor", "concurrent": 2, "targetStep": 2, "sleepFor": 5}),
            ],
            500,
            "boom",
            None,
        );
        let r = decode(&e, false).unwrap();
        assert!(r.steps.iter().all(DecodedStep::is_plan));
        assert_eq!(r.steps[1].other["sleepFor"], 5);
        let f = r.failed_step.unwrap();
        assert_eq!(f.describe(), "'b' (SleepFor, step 2)");
        assert_eq!(r.error.as_deref(), Some("boom"));
    }

    #[test]
    fn qstash_entries_and_odd_bodies() {
        let mut e = entry(&[], 500, "", None);
        e.workflow_run_id = None;
        assert!(decode(&e, false).is_none());
        let mut e = entry(&[], 0, "connection refused", None);
        e.body = Some("not steps".into());
        let r = decode(&e, false).unwrap();
        assert_eq!(r.initial_payload, Value::Null);
        assert_eq!(r.failed_step.unwrap().position, Some(1));
        assert_eq!(r.error.as_deref(), Some("connection refused"));
    }
}
