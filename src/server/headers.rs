//! Parsing of the publish configuration headers (`Upstash-*`), shared by publish, enqueue,
//! batch, schedules and the retry/resume override headers.

use axum::http::HeaderMap as HttpHeaders;

use super::message::{CallbackConfig, DEFAULT_RETRIES, FlowControl, HeaderMap, Message, new_id};
use crate::parse::{canonical_header_name, parse_qstash_duration};
use crate::wire::retry_delay::RetryDelay;

/// Most retries the dev server accepts (the service caps retries by plan).
pub const MAX_RETRIES: u32 = 100;

/// Everything the `Upstash-*` headers of one request configure.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    pub method: Option<String>,
    /// Headers for the destination: `Content-Type` and `Upstash-Forward-*` (prefix stripped).
    pub forward: HeaderMap,
    /// Raw `Upstash-Workflow-*` and `Upstash-Feature-Set` headers: instructions of the
    /// Workflow protocol to the server, never forwarded to the destination.
    pub workflow: HeaderMap,
    pub retries: Option<u32>,
    pub retry_delay: Option<RetryDelay>,
    pub delay_ms: Option<u64>,
    pub not_before_s: Option<i64>,
    pub timeout_ms: Option<u64>,
    pub callback: Option<CallbackConfig>,
    pub failure_callback: Option<CallbackConfig>,
    pub dedup_id: Option<String>,
    pub content_dedup: bool,
    pub labels: Option<Vec<String>>,
    pub flow_control: Option<FlowControl>,
    pub redact: Vec<String>,
    pub cron: Option<String>,
    pub schedule_id: Option<String>,
}

fn header_str<'a>(name: &str, v: &'a axum::http::HeaderValue) -> Result<&'a str, String> {
    v.to_str()
        .map(str::trim)
        .map_err(|_| format!("header {name} is not valid text"))
}

fn parse_url(name: &str, v: &str) -> Result<String, String> {
    match url::Url::parse(v) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.has_host() => {
            Ok(v.to_string())
        }
        _ => Err(format!(
            "{name} must be an http:// or https:// URL, got '{v}'"
        )),
    }
}

fn parse_u32(name: &str, v: &str, max: u32) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("{name} must be at most {max}, got '{v}'")),
        Err(_) => Err(format!("{name} must be a non-negative integer, got '{v}'")),
    }
}

fn parse_duration(name: &str, v: &str) -> Result<u64, String> {
    parse_qstash_duration(v).map_err(|e| format!("{name}: {e}"))
}

/// Timeouts: a duration, or a bare number of seconds (`context.call({timeout: 10})` in the
/// Workflow SDK sends `Upstash-Timeout: 10`).
fn parse_timeout(name: &str, v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(secs) => secs
            .checked_mul(1000)
            .ok_or_else(|| format!("{name}: '{v}' is too large")),
        Err(_) => parse_duration(name, v),
    }
}

/// Forwarded headers that must not reach a destination: hop-by-hop headers and copies of the
/// headers the server sets itself on every delivery (a Workflow SDK re-trigger forwards the
/// headers of the delivery it received).
fn is_unforwardable(name: &str) -> bool {
    matches!(
        name,
        "host"
            | "content-length"
            | "connection"
            | "transfer-encoding"
            | "keep-alive"
            | "upstash-signature"
            | "upstash-message-id"
            | "upstash-retried"
            | "upstash-caller-ip"
    )
}

/// Adds a forwarded header, replacing an earlier value of the same name (a repeated forward
/// header must not become `a, a`).
fn put(map: &mut HeaderMap, name: &str, v: &str) {
    if is_unforwardable(name) {
        return;
    }
    map.insert(canonical_header_name(name), vec![v.to_string()]);
}

fn parse_method(name: &str, v: &str) -> Result<String, String> {
    let m = v.to_ascii_uppercase();
    match m.as_str() {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => Ok(m),
        _ => Err(format!(
            "{name} must be one of GET, POST, PUT, PATCH, DELETE, got '{v}'"
        )),
    }
}

pub use crate::wire::flow_control::parse_flow_control_value;

/// Parses the configuration headers of a publish-like request.
pub fn parse_publish_headers(h: &HttpHeaders) -> Result<PublishOptions, String> {
    let mut p = Parsing::default();
    for (name, value) in h {
        let lname = name.as_str();
        let cname = canonical_header_name(lname);
        let v = header_str(&cname, value)?;
        if lname == "content-type" {
            p.o.forward
                .insert("Content-Type".into(), vec![v.to_string()]);
        } else if lname.starts_with("upstash-") && !p.passed_on(lname, &cname, v) {
            p.option(lname, &cname, v)?;
        }
    }
    p.finish()
}

/// The publish's options as its headers are read, its callbacks and flow control apart until
/// all are read.
#[derive(Default)]
struct Parsing {
    o: PublishOptions,
    cb: CallbackConfig,
    fcb: CallbackConfig,
    fc_key: Option<String>,
    fc_value: Option<String>,
}

impl Parsing {
    /// Headers passed on as they are: forwarded ones (to the destination or a callback) and
    /// the workflow headers (of the message or of a callback).
    fn passed_on(&mut self, lname: &str, cname: &str, v: &str) -> bool {
        let workflow = |r: &&str| r.starts_with("workflow-") || *r == "feature-set";
        if let Some(rest) = lname.strip_prefix("upstash-failure-callback-forward-") {
            put(&mut self.fcb.header, rest, v);
        } else if let Some(rest) = lname.strip_prefix("upstash-callback-forward-") {
            put(&mut self.cb.header, rest, v);
        } else if let Some(rest) = lname.strip_prefix("upstash-forward-") {
            put(&mut self.o.forward, rest, v);
        } else if lname.starts_with("upstash-workflow-") || lname == "upstash-feature-set" {
            self.o.workflow.insert(cname.to_string(), vec![v.into()]);
        } else if let Some(rest) = lname
            .strip_prefix("upstash-failure-callback-")
            .filter(workflow)
        {
            let name = canonical_header_name(&format!("upstash-{rest}"));
            self.fcb.workflow.insert(name, vec![v.into()]);
        } else if let Some(rest) = lname.strip_prefix("upstash-callback-").filter(workflow) {
            let name = canonical_header_name(&format!("upstash-{rest}"));
            self.cb.workflow.insert(name, vec![v.into()]);
        } else {
            return false;
        }
        true
    }

    /// One `Upstash-*` option; unknown ones are ignored, as the service does.
    fn option(&mut self, lname: &str, cname: &str, v: &str) -> Result<(), String> {
        if let Some(field) = lname.strip_prefix("upstash-failure-callback") {
            return callback_field(&mut self.fcb, field, cname, v);
        }
        if let Some(field) = lname.strip_prefix("upstash-callback") {
            return callback_field(&mut self.cb, field, cname, v);
        }
        let o = &mut self.o;
        match lname {
            "upstash-method" => o.method = Some(parse_method(cname, v)?),
            "upstash-retries" => o.retries = Some(parse_u32(cname, v, MAX_RETRIES)?),
            "upstash-retry-delay" => {
                let d = RetryDelay::parse(v)
                    .map_err(|e| format!("{cname}: invalid expression '{v}': {e}"))?;
                o.retry_delay = Some(d);
            }
            "upstash-delay" => o.delay_ms = Some(parse_duration(cname, v)?),
            "upstash-not-before" => {
                let at = v.parse::<i64>().ok().filter(|n| *n >= 0);
                o.not_before_s = Some(at.ok_or_else(|| {
                    format!("{cname} must be a Unix timestamp in seconds, got '{v}'")
                })?);
            }
            "upstash-timeout" => o.timeout_ms = Some(parse_timeout(cname, v)?),
            "upstash-deduplication-id" => o.dedup_id = Some(not_empty(cname, v)?),
            "upstash-content-based-deduplication" => {
                // The Python SDK sends `True`; accept any case.
                o.content_dedup = match v.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("{cname} must be true or false, got '{v}'")),
                }
            }
            "upstash-label" => o.labels = Some(list(v)),
            "upstash-flow-control-key" => self.fc_key = Some(not_empty(cname, v)?),
            "upstash-flow-control-value" => self.fc_value = Some(v.into()),
            "upstash-redact-fields" => o.redact = list(v),
            "upstash-cron" => o.cron = Some(v.into()),
            "upstash-schedule-id" => o.schedule_id = Some(v.into()),
            _ => {}
        }
        Ok(())
    }

    /// The callbacks (one without its URL is refused) and the flow control.
    fn finish(self) -> Result<PublishOptions, String> {
        let Parsing {
            mut o,
            cb,
            fcb,
            fc_key,
            fc_value,
        } = self;
        if !cb.url.is_empty() {
            o.callback = Some(cb);
        } else if cb.method.is_some() || !cb.header.is_empty() || !cb.workflow.is_empty() {
            return Err("Upstash-Callback-* headers need Upstash-Callback".into());
        }
        if !fcb.url.is_empty() {
            o.failure_callback = Some(fcb);
        }
        o.flow_control = match (fc_key, fc_value) {
            (Some(k), Some(v)) => Some(parse_flow_control_value(&k, &v)?),
            (Some(key), None) => Some(FlowControl {
                key,
                ..FlowControl::default()
            }),
            (None, Some(_)) => {
                return Err("Upstash-Flow-Control-Value needs Upstash-Flow-Control-Key".into());
            }
            (None, None) => None,
        };
        Ok(o)
    }
}

/// A callback's (or failure callback's) own option: `field` is what follows its prefix
/// (`""` for the URL, `-method`, `-timeout`, …).
fn callback_field(
    cb: &mut CallbackConfig,
    field: &str,
    cname: &str,
    v: &str,
) -> Result<(), String> {
    match field {
        "" => cb.url = parse_url(cname, v)?,
        "-method" => cb.method = Some(parse_method(cname, v)?),
        "-timeout" => cb.timeout_ms = Some(parse_timeout(cname, v)?),
        "-retries" => cb.retries = Some(parse_u32(cname, v, MAX_RETRIES)?),
        "-retry-delay" => {
            RetryDelay::parse(v).map_err(|e| format!("{cname}: {e}"))?;
            cb.retry_delay = Some(v.into());
        }
        "-delay" => cb.delay_ms = Some(parse_duration(cname, v)?),
        _ => {}
    }
    Ok(())
}

fn not_empty(cname: &str, v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err(format!("{cname} must not be empty"));
    }
    Ok(v.into())
}

/// A comma-separated list, blanks dropped.
fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Where a message came from besides its destination.
#[derive(Default, Clone)]
pub struct Origin {
    pub queue_name: Option<String>,
    pub topic_name: Option<String>,
    pub endpoint_name: Option<String>,
    pub schedule_id: Option<String>,
}

/// Builds a message from parsed publish options.
pub fn build_message(
    o: &PublishOptions,
    url: &str,
    body: &[u8],
    caller_ip: &str,
    now: i64,
    origin: Origin,
) -> Message {
    let not_before = match (o.not_before_s, o.delay_ms) {
        (Some(s), _) => s.saturating_mul(1000),
        (None, Some(d)) => now + d as i64,
        (None, None) => now,
    };
    Message {
        message_id: new_id("msg_"),
        url: url.to_string(),
        method: o.method.clone().unwrap_or_else(|| "POST".into()),
        header: o.forward.clone(),
        body: body.to_vec(),
        max_retries: o.retries.unwrap_or(DEFAULT_RETRIES),
        retried: 0,
        not_before,
        created_at: now,
        next_delivery: not_before,
        timeout_ms: o.timeout_ms,
        callback: o.callback.clone(),
        failure_callback: o.failure_callback.clone(),
        queue_name: origin.queue_name,
        schedule_id: origin.schedule_id,
        topic_name: origin.topic_name,
        endpoint_name: origin.endpoint_name,
        caller_ip: caller_ip.to_string(),
        labels: o.labels.clone().unwrap_or_default(),
        flow_control: o.flow_control.clone(),
        retry_delay_expression: o.retry_delay.as_ref().map(|r| r.source().to_string()),
        redact: o.redact.clone(),
        ..Message::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HttpHeaders {
        let mut h = HttpHeaders::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn parses_the_documented_headers() {
        let o = parse_publish_headers(&headers(&[
            ("content-type", "application/json"),
            ("upstash-forward-x-api-key", "k"),
            ("upstash-method", "put"),
            ("upstash-retries", "5"),
            ("upstash-retry-delay", "7000 * retried"),
            ("upstash-delay", "1m"),
            ("upstash-label", "a, b"),
            ("upstash-flow-control-key", "fk"),
            (
                "upstash-flow-control-value",
                "parallelism=3, rate=10, period=1d",
            ),
            ("upstash-failure-callback", "http://127.0.0.1:1/fail"),
            ("upstash-failure-callback-forward-auth", "x"),
        ]))
        .unwrap();
        assert_eq!(o.method.as_deref(), Some("PUT"));
        assert_eq!(o.retries, Some(5));
        assert_eq!(o.delay_ms, Some(60_000));
        assert_eq!(o.labels, Some(vec!["a".into(), "b".into()]));
        assert_eq!(o.forward["X-Api-Key"], vec!["k".to_string()]);
        assert_eq!(
            o.forward["Content-Type"],
            vec!["application/json".to_string()]
        );
        let fc = o.flow_control.unwrap();
        assert_eq!(
            (fc.parallelism, fc.rate, fc.period),
            (Some(3), Some(10), Some(86_400))
        );
        let fcb = o.failure_callback.unwrap();
        assert_eq!(fcb.header["Auth"], vec!["x".to_string()]);
    }

    #[test]
    fn malformed_headers_name_the_problem() {
        for (k, v, needle) in [
            ("upstash-retries", "-1", "Upstash-Retries"),
            ("upstash-retries", "1000", "at most"),
            ("upstash-delay", "10x", "Upstash-Delay"),
            ("upstash-retry-delay", "pow(", "Upstash-Retry-Delay"),
            ("upstash-method", "FETCH", "Upstash-Method"),
            ("upstash-callback", "ftp://x", "Upstash-Callback"),
            ("upstash-not-before", "soon", "Upstash-Not-Before"),
        ] {
            let err = parse_publish_headers(&headers(&[(k, v)])).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
    }
}
