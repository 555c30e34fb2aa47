//! Small parsers shared by the CLI and the dev server.

use std::fmt;

/// Error from [`parse_qstash_duration`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

/// Parses QStash's `<value><unit>` durations (`50s`, `1d10h30m`, `2m`) into milliseconds.
///
/// Units are `ms`, `s`, `m`, `h` and `d`. The docs list s/m/h(/d); `ms` is accepted too because
/// the Go duration syntax the service is written in accepts it.
pub fn parse_qstash_duration(input: &str) -> Result<u64, DurationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationError("empty duration".into()));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(DurationError(format!(
                "invalid duration '{input}': expected <number><unit> such as 10s, 5m, 1h or 1d10h30m"
            )));
        }
        let n: u64 = s[start..i]
            .parse()
            .map_err(|_| DurationError(format!("invalid duration '{input}': number too large")))?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let factor: u64 = match &s[unit_start..i] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => {
                return Err(DurationError(format!(
                    "invalid duration '{input}': missing unit (use ms, s, m, h or d)"
                )));
            }
            other => {
                return Err(DurationError(format!(
                    "invalid duration '{input}': unknown unit '{other}' (use ms, s, m, h or d)"
                )));
            }
        };
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| DurationError(format!("invalid duration '{input}': too large")))?;
    }
    Ok(total)
}

/// Formats milliseconds the way QStash headers expect (`90s`, `1500ms`).
pub fn format_qstash_duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Canonical form of an HTTP header name (`content-type` → `Content-Type`), as Go's
/// `http.CanonicalHeaderKey` writes it; QStash's header maps use this form.
pub fn canonical_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_qstash_duration("50s"), Ok(50_000));
        assert_eq!(
            parse_qstash_duration("1d10h30m"),
            Ok(86_400_000 + 36_000_000 + 1_800_000)
        );
        assert_eq!(parse_qstash_duration("250ms"), Ok(250));
        assert!(parse_qstash_duration("10").is_err());
        assert!(parse_qstash_duration("s").is_err());
        assert!(parse_qstash_duration("10x").is_err());
        assert!(parse_qstash_duration("").is_err());
        assert!(parse_qstash_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn until_a_date_includes_the_day() {
        let start = parse_time("2026-11-30").unwrap();
        let end = parse_time_end("2026-11-30").unwrap();
        assert_eq!(end - start, 86_400_000 - 1);
        assert_eq!(
            parse_time_end("2026-11-30T10:00:00Z"),
            parse_time("2026-11-30T10:00:00Z")
        );
    }

    #[test]
    fn header_names() {
        assert_eq!(canonical_header_name("content-type"), "Content-Type");
        assert_eq!(
            canonical_header_name("UPSTASH-WORKFLOW-RUNID"),
            "Upstash-Workflow-Runid"
        );
    }
}

/// A response-status filter: one code (`404`) or a class (`5xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Code(u16),
    Class(u8),
}

impl StatusFilter {
    pub fn matches(&self, status: i64) -> bool {
        match self {
            StatusFilter::Code(c) => i64::from(*c) == status,
            StatusFilter::Class(k) => status / 100 == i64::from(*k),
        }
    }
}

impl std::fmt::Display for StatusFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusFilter::Code(c) => write!(f, "{c}"),
            StatusFilter::Class(k) => write!(f, "{k}xx"),
        }
    }
}

/// `404`, `0` (no response) or `5xx`.
pub fn parse_status(s: &str) -> Result<StatusFilter, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(d) = t.strip_suffix("xx")
        && d.len() == 1
        && let Some(k) = d.chars().next().and_then(|c| c.to_digit(10))
        && (1..=5).contains(&k)
    {
        return Ok(StatusFilter::Class(k as u8));
    }
    match t.parse::<u16>() {
        Ok(c) if c == 0 || (100..=599).contains(&c) => Ok(StatusFilter::Code(c)),
        _ => Err(format!(
            "expected an HTTP status such as 404, or a class such as 5xx; got '{s}'"
        )),
    }
}

/// A point in time: RFC 3339 (`2026-11-28T10:00:00Z`), a date (`2026-11-28`, UTC midnight),
/// Unix seconds as `@1732788000` or `unix:1732788000`, or Unix milliseconds as
/// `unix-ms:1732788000000`. Returns Unix ms.
/// Like [`parse_time`], but a bare date means the end of that day (UTC), so `--until
/// 2026-11-30` includes the 30th.
pub fn parse_time_end(s: &str) -> Result<i64, String> {
    match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => d
            .and_hms_milli_opt(23, 59, 59, 999)
            .map(|dt| dt.and_utc().timestamp_millis())
            .ok_or_else(|| format!("invalid date '{s}'")),
        Err(_) => parse_time(s),
    }
}

pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(dt) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(dt.and_utc().timestamp_millis());
    }
    // Unix times only in an explicit form: a bare number could be seconds, milliseconds or
    // a duration meant as `90s`, and a wrong guess selects the whole DLQ.
    let unix = |digits: &str, factor: i64| -> Option<i64> {
        (!digits.is_empty() && digits.len() <= 16 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<i64>().ok())
            .flatten()
            .and_then(|n| n.checked_mul(factor))
    };
    let explicit = if let Some(d) = t.strip_prefix("unix-ms:") {
        unix(d, 1)
    } else if let Some(d) = t.strip_prefix("unix:").or_else(|| t.strip_prefix('@')) {
        unix(d, 1000)
    } else {
        None
    };
    if let Some(ms) = explicit {
        return Ok(ms);
    }
    let bare = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    Err(format!(
        "expected a time as RFC 3339 (2026-11-28T10:00:00Z), a date (2026-11-28), Unix seconds as @1732788000 (or unix:1732788000) or Unix milliseconds as unix-ms:1732788000000; got '{}'{}",
        crate::text::sanitize::inline(&crate::text::sanitize::prefix(s, 40)),
        if bare {
            " (a bare number is not taken as a time: say which unit)"
        } else {
            ""
        }
    ))
}

/// `--since`: a duration back from now (`2h`, `1d 6h`, `90m`) or a time (as [`parse_time`]).
/// Returns the duration in ms or the absolute time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Ago(u64),
    At(i64),
}

pub fn parse_since(s: &str) -> Result<Since, String> {
    if let Ok(d) = humantime::parse_duration(s.trim()) {
        let ms = u64::try_from(d.as_millis()).map_err(|_| format!("duration too large: '{s}'"))?;
        if ms > 100 * 365 * 86_400_000 {
            return Err(format!("duration too large: '{s}'"));
        }
        return Ok(Since::Ago(ms));
    }
    parse_time(s).map(Since::At).map_err(|_| {
        let t = s.trim();
        let hint = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            format!(" (a bare number has no unit: {t}s, {t}m, {t}h or {t}d?)")
        } else {
            String::new()
        };
        format!(
            "expected a duration such as 90s, 2h or 3d, or a time such as 2026-11-28T10:00:00Z or @1732788000; got '{}'{hint}",
            crate::text::sanitize::inline(&crate::text::sanitize::prefix(s, 40))
        )
    })
}

/// A `--header NAME[=VALUE]` refinement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    pub name: String,
    pub value: Option<String>,
}

pub fn parse_header_match(s: &str) -> Result<HeaderMatch, String> {
    let (name, value) = match s.split_once('=') {
        Some((n, v)) => (n.trim(), Some(v.to_string())),
        None => (s.trim(), None),
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "expected NAME or NAME=VALUE with a header name such as Content-Type; got '{s}'"
        ));
    }
    Ok(HeaderMatch {
        name: name.to_string(),
        value,
    })
}

/// A DLQ id: `<digits>-<digits>`, the service's form (`1725323658779-0`). A message id or a
/// workflow run id given instead is named, with the `list` filter that finds its entry.
pub fn parse_dlq_id(s: &str) -> Result<String, String> {
    let t = s.trim();
    if dlq_id_numbers(t).is_some() {
        return Ok(t.to_string());
    }
    let shown = crate::text::sanitize::inline(&crate::text::sanitize::prefix(t, 60));
    if t.starts_with("msg_") {
        return Err(format!(
            "'{shown}' is a message id, not a DLQ id: find its entry with `dlq list --message-id {shown}`"
        ));
    }
    if t.starts_with("wfr_") {
        return Err(format!(
            "'{shown}' is a workflow run id, not a DLQ id: find its entry with `dlq list --run-id {shown}`"
        ));
    }
    if t.is_empty() {
        return Err("expected a DLQ id such as 1725323658779-0; got an empty string".into());
    }
    Err(format!(
        "expected a DLQ id such as 1725323658779-0 (digits, a dash, digits); got '{shown}'"
    ))
}

/// A dlqId's numbers: `1725323658779-0` → (1725323658779, 0); `None` for another form.
pub fn dlq_id_numbers(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(ms) && digits(seq)) {
        return None;
    }
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// dlqIds by their numbers (`…-2` before `…-10`; ids of another form after them, as strings):
/// the order lists are printed in and bulk calls send ids in.
pub fn compare_dlq_ids(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (dlq_id_numbers(a), dlq_id_numbers(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// A non-empty single value (names, run ids, URLs in filters).
pub fn parse_nonempty(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        Err("expected a value; got an empty string".into())
    } else {
        Ok(t.to_string())
    }
}

/// An http(s) URL.
pub fn parse_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s.trim()) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.has_host() => {
            Ok(s.trim().to_string())
        }
        _ => Err(format!("expected an http:// or https:// URL; got '{s}'")),
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(parse_status("404"), Ok(StatusFilter::Code(404)));
        assert_eq!(parse_status("5XX"), Ok(StatusFilter::Class(5)));
        assert_eq!(parse_status("0"), Ok(StatusFilter::Code(0)));
        for bad in ["", "99", "600", "6xx", "abc", "5x", "99999999"] {
            assert!(parse_status(bad).is_err(), "{bad}");
        }
        assert!(StatusFilter::Class(5).matches(503) && !StatusFilter::Class(5).matches(404));
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("2024-09-03T00:34:18Z"), Ok(1_725_323_658_000));
        assert_eq!(parse_time("2024-09-03"), Ok(1_725_321_600_000));
        assert!(
            parse_time("1725323658779")
                .unwrap_err()
                .contains("bare number")
        );
        assert_eq!(parse_time("unix-ms:1725323658779"), Ok(1_725_323_658_779));
        assert_eq!(parse_time("@1725323658"), Ok(1_725_323_658_000));
        assert_eq!(parse_time("unix:1725323658"), Ok(1_725_323_658_000));
        assert!(parse_time("@").is_err() && parse_time("unix-ms:x").is_err());
        assert!(parse_since("90").unwrap_err().contains("90s"));
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_since("2h"), Ok(Since::Ago(7_200_000)));
        assert_eq!(parse_since("2024-09-03"), Ok(Since::At(1_725_321_600_000)));
        assert!(parse_since("soon").is_err());
        assert!(parse_since("99999999999y").is_err());
    }

    #[test]
    fn ids_and_headers() {
        assert_eq!(parse_dlq_id(" 1-0 "), Ok("1-0".into()));
        assert!(
            parse_dlq_id("msg_abc")
                .unwrap_err()
                .contains("--message-id msg_abc")
        );
        assert!(
            parse_dlq_id("wfr_x")
                .unwrap_err()
                .contains("--run-id wfr_x")
        );
        for bad in ["", "a b", "a/b", "x?y", "garbage", "[", "1-", "-1", "1-2-3"] {
            assert!(parse_dlq_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_header_match("X-A=b=c").unwrap().value.as_deref(),
            Some("b=c")
        );
        assert!(parse_header_match("=x").is_err());
    }
}
