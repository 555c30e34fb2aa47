//! Why a delivery failed: the first rule of the catalogue ([`rules::RULES`]) that matches the
//! entry's last response gives its id, a cause, a fix and the evidence that matched. When none
//! does, only the status's meaning is given, marked generic. A workflow entry's failure
//! callback answer is diagnosed too. Pure: no I/O.

pub mod rules;

use serde::Serialize;

use crate::model::{DlqEntry, FailureCallbackInfo, Headers, decode_body};
use crate::text::secrets::is_sensitive;
use rules::{H, RULES, Retry, Rule, Sig, Status};

/// How much of a body is searched (signatures sit near the start of an error page).
const SCAN: usize = 64 * 1024;

/// What a diagnosis concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The catalogue's id, or `status-NNN` / `status-Nxx` for a generic one.
    pub id: String,
    pub cause: String,
    pub fix: String,
    /// What matched: `status 404`, `header Ngrok-Error-Code: ERR_NGROK_3200`, `body "…"`.
    pub evidence: Vec<String>,
    /// Only the status was read: no rule of the catalogue matched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generic: bool,
    /// A retry of the entry as it is cannot succeed until something changes.
    #[serde(rename = "needsChange", skip_serializing_if = "std::ops::Not::not")]
    pub needs_change: bool,
    /// The catalogue row's evidence grade and sources (empty for a generic diagnosis).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub grade: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub source: &'static str,
}

/// An entry's diagnosis, and its failure function's when that ran and failed: what `show`,
/// `list` and `-o json` add as `diagnosis`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub main: Diagnosis,
    #[serde(rename = "failureFunction", skip_serializing_if = "Option::is_none")]
    pub failure_function: Option<Diagnosis>,
}

/// The key under which JSON output adds the diagnosis beside the API's fields.
pub const KEY: &str = "diagnosis";

/// An entry's [`Report`].
pub fn report(e: &DlqEntry) -> Report {
    Report {
        main: diagnose(e),
        failure_function: diagnose_failure_function(e),
    }
}

/// One response as the rules read it.
pub struct Response<'a> {
    /// `None` or 0: no HTTP response.
    pub status: Option<i64>,
    pub headers: Option<&'a Headers>,
    pub body: String,
    pub url: &'a str,
}

impl<'a> Response<'a> {
    /// The entry's last delivery attempt (`responseBody` or the decoded `responseBodyBase64`).
    pub fn of_entry(e: &'a DlqEntry) -> Response<'a> {
        Response::new(
            e.response_status,
            e.response_header.as_ref(),
            text(&e.response_bytes()),
            e.url.as_deref().or(e.workflow_url.as_deref()).unwrap_or(""),
        )
    }

    /// A workflow run's failure callback answer.
    pub fn of_callback(info: &'a FailureCallbackInfo, url: &'a str) -> Response<'a> {
        Response::new(
            info.response_status,
            info.response_headers.as_ref(),
            text(&decode_body(info.response_body.as_deref(), None)),
            url,
        )
    }

    pub fn new(
        status: Option<i64>,
        headers: Option<&'a Headers>,
        body: String,
        url: &'a str,
    ) -> Response<'a> {
        Response {
            status,
            headers,
            body,
            url,
        }
    }

    fn status(&self) -> Option<u16> {
        self.status
            .filter(|s| *s > 0)
            .and_then(|s| u16::try_from(s).ok())
    }

    /// The header's values, its name matched case-insensitively.
    fn header(&self, name: &str) -> Option<(&str, &[String])> {
        self.headers?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(SCAN)]).into_owned()
}

/// The diagnosis of an entry's last response.
pub fn diagnose(e: &DlqEntry) -> Diagnosis {
    let r = Response::of_entry(e);
    first_match(&r).unwrap_or_else(|| generic(&r))
}

/// The diagnosis of a workflow run's failure callback, when it ran and did not succeed.
pub fn diagnose_failure_function(e: &DlqEntry) -> Option<Diagnosis> {
    let info = e.failure_callback_info.as_ref()?;
    let state = info.state.as_deref()?;
    if state == "CALLBACK_SUCCESS" || state == "CALLBACK_INPROGRESS" {
        return None;
    }
    let url = e.failure_callback.as_deref().unwrap_or("");
    let r = Response::of_callback(info, url);
    let mut d = first_match(&r).unwrap_or_else(|| {
        let mut d = conclude(&rules::FAILURE_FUNCTION, Vec::new());
        d.evidence.extend(status_evidence(&r));
        d
    });
    d.evidence.insert(0, format!("failure callback {state}"));
    Some(d)
}

/// The first rule that matches, with what matched.
pub fn first_match(r: &Response) -> Option<Diagnosis> {
    RULES.iter().find_map(|rule| {
        rule.when
            .iter()
            .find_map(|sig| matches(sig, r))
            .map(|evidence| conclude(rule, evidence))
    })
}

fn conclude(rule: &Rule, evidence: Vec<String>) -> Diagnosis {
    Diagnosis {
        id: rule.id.to_string(),
        cause: rule.cause.to_string(),
        fix: rule.fix.to_string(),
        evidence,
        generic: false,
        needs_change: rule.retry == Retry::NeedsChange,
        grade: rule.grade,
        source: rule.source,
    }
}

/// The evidence when every part of `sig` holds for `r`.
fn matches(sig: &Sig, r: &Response) -> Option<Vec<String>> {
    let mut ev = Vec::new();
    match (sig.status, r.status()) {
        // The status is evidence even when the signature does not ask for one.
        (Status::Any, Some(s)) => ev.push(format!("status {s}")),
        (Status::Any, None) => {}
        (Status::Absent, None) => ev.push("no HTTP response".to_string()),
        (Status::Is(set), Some(s)) if set.contains(&s) => ev.push(format!("status {s}")),
        (Status::Class(c), Some(s)) if s / 100 == c => ev.push(format!("status {s}")),
        _ => return None,
    }
    for h in sig.headers {
        ev.extend(header_holds(h, r)?);
    }
    if sig.body_empty && !r.body.trim().is_empty() {
        return None;
    }
    if sig.body_not.iter().any(|n| find_ci(&r.body, n).is_some()) {
        return None;
    }
    for n in sig.body_all {
        ev.push(fragment(&r.body, n)?);
    }
    if !sig.body_any.is_empty() {
        ev.push(sig.body_any.iter().find_map(|n| fragment(&r.body, n))?);
    }
    if !sig.url_any.is_empty() {
        let u = sig.url_any.iter().find(|n| r.url.contains(**n))?;
        ev.push(format!("URL contains {u}"));
    }
    Some(ev)
}

/// Whether one header condition holds: its evidence (nothing for an absence).
fn header_holds(h: &H, r: &Response) -> Option<Option<String>> {
    match *h {
        H::Has(name) => r.header(name).map(|(k, v)| {
            Some(if is_sensitive(k) {
                format!("header {k} (value masked)")
            } else {
                format!("header {k}: {}", inert(&v.join(", ")))
            })
        }),
        H::Contains(name, want) => {
            let (k, vs) = r.header(name)?;
            vs.iter().find(|v| find_ci(v, want).is_some()).map(|v| {
                // A secret's value is never shown: only the part that matched.
                Some(if is_sensitive(k) {
                    format!("header {k}: …{want}…")
                } else {
                    format!("header {k}: {}", inert(v))
                })
            })
        }
        H::Absent(name) => r.header(name).is_none().then_some(None),
    }
}

/// Where `needle` (ASCII, as the table's are) first occurs in `hay`, in any case; no
/// allocation, so the table's hundreds of checks per entry stay cheap.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

/// The body around the first (case-insensitive) occurrence of `needle`, quoted.
fn fragment(body: &str, needle: &str) -> Option<String> {
    let at = find_ci(body, needle)?;
    let start = floor(body, at.saturating_sub(30));
    let end = floor(body, (at + needle.len() + 30).min(body.len()));
    let mut s = inert(&body[start..end]);
    if start > 0 {
        s.insert(0, '…');
    }
    if end < body.len() {
        s.push('…');
    }
    Some(format!("body \"{}\"", s.trim()))
}

/// Control characters (terminal escapes, newlines) as spaces.
fn inert(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn status_evidence(r: &Response) -> Vec<String> {
    vec![match r.status() {
        Some(s) => format!("status {s}"),
        None => "no HTTP response".to_string(),
    }]
}

/// Only the status's meaning, marked generic.
fn generic(r: &Response) -> Diagnosis {
    let (id, cause, fix) = match r.status() {
        Some(s) => match rules::BY_STATUS.iter().find(|(set, ..)| set.contains(&s)) {
            Some((_, cause, fix)) => (format!("status-{s}"), *cause, *fix),
            None => (
                format!("status-{}xx", s / 100),
                class_cause(s),
                class_fix(s),
            ),
        },
        None => (
            "status-none".to_string(),
            "No HTTP response was recorded.",
            "Check that the URL is publicly reachable over valid HTTPS and answers in time.",
        ),
    };
    Diagnosis {
        id,
        cause: cause.to_string(),
        fix: fix.to_string(),
        evidence: status_evidence(r),
        generic: true,
        needs_change: false,
        grade: "",
        source: "",
    }
}

fn class_cause(s: u16) -> &'static str {
    match s / 100 {
        2 => {
            "The last attempt was answered with a success status, yet the entry was dead-lettered."
        }
        3 => "The endpoint redirected; the redirect was recorded as the failure.",
        4 => "The endpoint refused the request.",
        _ => "The endpoint failed to handle the request.",
    }
}

fn class_fix(s: u16) -> &'static str {
    match s / 100 {
        3 => "Publish to the final URL from Location.",
        4 => "Compare the request with what the endpoint expects.",
        _ => "Read the endpoint's logs for that time and message id.",
    }
}

#[cfg(test)]
mod tests;
