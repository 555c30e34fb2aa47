//! Flow control (`Upstash-Flow-Control-Key` / `-Value`): the value's form, as both the CLI's
//! overrides and the dev server read it.

use serde::{Deserialize, Serialize};

/// Flow-control settings of a message (`Upstash-Flow-Control-Key`/`-Value`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FlowControl {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<u32>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
}

/// The rate period when a message names none: a second (the SDKs' docs: "Default period is
/// a second").
pub const DEFAULT_PERIOD_SECS: u64 = 1;

impl FlowControl {
    /// The rate period in seconds, the default when none was given.
    pub fn period_secs(&self) -> u64 {
        self.period.unwrap_or(DEFAULT_PERIOD_SECS).max(1)
    }
}

fn parse_u32(name: &str, v: &str, max: u32) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("{name} must be at most {max}, got '{v}'")),
        Err(_) => Err(format!("{name} must be a non-negative integer, got '{v}'")),
    }
}

/// Parses `parallelism=3, rate=10, period=1m` (period: a duration or plain seconds).
pub fn parse_flow_control_value(key: &str, v: &str) -> Result<FlowControl, String> {
    let mut fc = FlowControl {
        key: key.to_string(),
        ..FlowControl::default()
    };
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, val) = part.split_once('=').ok_or_else(|| {
            format!("Upstash-Flow-Control-Value: expected key=value pairs such as 'parallelism=3, rate=10, period=1m', got '{part}'")
        })?;
        let (k, val) = (k.trim(), val.trim());
        match k {
            "parallelism" => {
                fc.parallelism = Some(parse_u32(
                    "Upstash-Flow-Control-Value parallelism",
                    val,
                    100_000,
                )?)
            }
            "rate" => {
                fc.rate = Some(parse_u32(
                    "Upstash-Flow-Control-Value rate",
                    val,
                    1_000_000,
                )?)
            }
            "period" => {
                let secs = match val.parse::<u64>() {
                    Ok(n) => n,
                    Err(_) => {
                        crate::parse::parse_qstash_duration(val)
                            .map_err(|e| format!("Upstash-Flow-Control-Value period: {e}"))?
                            / 1000
                    }
                };
                if secs == 0 {
                    return Err("Upstash-Flow-Control-Value period must be at least 1s".into());
                }
                fc.period = Some(secs);
            }
            other => {
                return Err(format!(
                    "Upstash-Flow-Control-Value: unknown key '{other}' (use parallelism, rate, period)"
                ));
            }
        }
    }
    Ok(fc)
}
