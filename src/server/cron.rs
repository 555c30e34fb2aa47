//! Standard 5-field cron expressions (minute hour day-of-month month day-of-week), in UTC.
//!
//! Written here rather than taken from a crate such as croner on purpose: the dev server must
//! accept what QStash accepts and refuse the rest, and the crates accept more (seconds, `L`,
//! `W`, `#`, time zones), which would let a schedule pass here that the service rejects. The
//! subset is small, unit-tested, and only the dev server runs it.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    dom: u32,
    months: u16,
    dow: u8,
    dom_star: bool,
    dow_star: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn field(s: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let value = |v: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            return Ok(i as u32 + min);
        }
        v.parse::<u32>()
            .map_err(|_| format!("invalid {what} '{v}'"))
    };
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => {
                let st: u32 = st
                    .parse()
                    .map_err(|_| format!("invalid step '{st}' in {what}"))?;
                if st == 0 {
                    return Err(format!("step 0 in {what}"));
                }
                (r, st)
            }
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        // Day of week 7 is Sunday too.
        let (lo, hi) = if what == "day of week" {
            (lo, hi.min(7))
        } else {
            (lo, hi)
        };
        if lo < min || hi > max.max(if what == "day of week" { 7 } else { max }) || lo > hi {
            return Err(format!("{what} '{range}' out of range {min}-{max}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1
                << (if what == "day of week" && v == 7 {
                    0
                } else {
                    v
                });
            v += step;
        }
    }
    Ok((bits, s == "*"))
}

impl Cron {
    pub fn parse(expr: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "invalid cron expression '{expr}': expected 5 fields (minute hour day-of-month month day-of-week)"
            ));
        }
        let wrap = |r: Result<(u64, bool), String>| {
            r.map_err(|e| format!("invalid cron expression '{expr}': {e}"))
        };
        let (minutes, _) = wrap(field(parts[0], 0, 59, &[], "minute"))?;
        let (hours, _) = wrap(field(parts[1], 0, 23, &[], "hour"))?;
        let (dom, dom_star) = wrap(field(parts[2], 1, 31, &[], "day of month"))?;
        let (months, _) = wrap(field(parts[3], 1, 12, &MONTHS, "month"))?;
        let (dow, dow_star) = wrap(field(parts[4], 0, 6, &DAYS, "day of week"))?;
        Ok(Cron {
            minutes,
            hours: hours as u32,
            dom: dom as u32,
            months: months as u16,
            dow: dow as u8,
            dom_star,
            dow_star,
        })
    }

    fn day_matches(&self, t: &DateTime<Utc>) -> bool {
        let dom = self.dom & (1 << t.day()) != 0;
        let dow = self.dow & (1 << t.weekday().num_days_from_sunday()) != 0;
        match (self.dom_star, self.dow_star) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            // Both restricted: either matches (standard cron).
            (false, false) => dom || dow,
        }
    }

    /// The first matching minute strictly after `ms` (Unix ms), within about five years.
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let start = Utc.timestamp_millis_opt(ms).single()?;
        let mut t = start.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = start + Duration::days(366 * 5);
        while t < limit {
            if self.months & (1 << t.month()) == 0 || !self.day_matches(&t) {
                t = (t + Duration::days(1)).with_hour(0)?.with_minute(0)?;
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = (t + Duration::hours(1)).with_minute(0)?;
                continue;
            }
            if self.minutes & (1 << t.minute()) == 0 {
                t += Duration::minutes(1);
                continue;
            }
            return Some(t.timestamp_millis());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn next_times() {
        let every = Cron::parse("* * * * *").unwrap();
        assert_eq!(
            every.next_after(at("2026-01-01T00:00:30Z")),
            Some(at("2026-01-01T00:01:00Z"))
        );
        let c = Cron::parse("*/15 9-17 * * MON-FRI").unwrap();
        // 2026-01-03 is a Saturday.
        assert_eq!(
            c.next_after(at("2026-01-03T10:00:00Z")),
            Some(at("2026-01-05T09:00:00Z"))
        );
        let c = Cron::parse("0 0 1 JAN *").unwrap();
        assert_eq!(
            c.next_after(at("2026-06-01T00:00:00Z")),
            Some(at("2027-01-01T00:00:00Z"))
        );
        let c = Cron::parse("30 2 * * 7").unwrap();
        assert_eq!(
            c.next_after(at("2026-01-03T00:00:00Z")),
            Some(at("2026-01-04T02:30:00Z"))
        );
    }

    #[test]
    fn rejects_bad_expressions() {
        for bad in [
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "*/0 * * * *",
            "a * * * *",
            "* * 0 * *",
            "5-1 * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
