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
    fn header_names() {
        assert_eq!(canonical_header_name("content-type"), "Content-Type");
        assert_eq!(
            canonical_header_name("UPSTASH-WORKFLOW-RUNID"),
            "Upstash-Workflow-Runid"
        );
    }
}
