//! `dlq retry`.

use crate::bulk::Action;
use clap::Args;

use crate::cli::BulkArgs;
use crate::client::DlqKind;
use crate::ctx::Ctx;

pub async fn run(ctx: &Ctx, a: RetryArgs) -> anyhow::Result<()> {
    let mut headers = Vec::new();
    if let Some(n) = a.retries {
        headers.push(("Upstash-Retries".to_string(), n.to_string()));
    }
    if let Some(d) = &a.delay {
        headers.push(("Upstash-Delay".to_string(), d.clone()));
    }
    if let Some(e) = &a.retry_delay {
        headers.push(("Upstash-Retry-Delay".to_string(), e.clone()));
    }
    if !a.new_label.is_empty() {
        headers.push(("Upstash-Label".to_string(), a.new_label.join(",")));
    }
    if let (Some(k), Some(v)) = (&a.new_flow_control_key, &a.new_flow_control_value) {
        headers.push(("Upstash-Flow-Control-Key".to_string(), k.clone()));
        headers.push(("Upstash-Flow-Control-Value".to_string(), v.clone()));
    }
    if let Some(u) = &a.failure_callback {
        headers.push(("Upstash-Failure-Callback".to_string(), u.clone()));
    }
    let action: fn(DlqKind) -> Action = if a.failure_function {
        |_| Action::Callback
    } else if a.restart {
        |_| Action::Restart
    } else {
        |k| {
            if k == DlqKind::Workflow {
                Action::Resume
            } else {
                Action::Retry
            }
        }
    };
    let spec = super::bulk::Spec {
        verb: crate::bulk::Verb::Retry,
        action,
        workflow_only: a.restart || a.failure_function,
        headers,
        max_failures: a.max_failures,
        new_run_id: a.new_run_id.clone(),
        wait: a.wait,
    };
    super::bulk::run(ctx, a.bulk, spec).await
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    #[command(flatten)]
    pub bulk: BulkArgs,
    /// Workflow entries: restart runs from the first step instead of resuming them
    #[arg(long, conflicts_with = "failure_function", help_heading = "Workflow")]
    pub restart: bool,
    /// Workflow entries: run the failure callback/failureFunction again
    #[arg(long, help_heading = "Workflow")]
    pub failure_function: bool,
    /// Workflow: the id of the new run when resuming or restarting one run (Upstash-Workflow-RunId)
    #[arg(long, value_name = "ID", value_parser = crate::parse::parse_nonempty, conflicts_with = "failure_function", help_heading = "Workflow")]
    pub new_run_id: Option<String>,
    /// Stop after N entries failed (a circuit breaker for an unfixed bug)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_failures: Option<u64>,
    /// Follow each retried message (or run) until it is delivered, fails again or TIMEOUT
    /// passes [default TIMEOUT: 5m]; exit 0 only if every one was delivered
    #[arg(long, value_name = "TIMEOUT", num_args = 0..=1, require_equals = true, default_missing_value = "5m", value_parser = parse_wait)]
    pub wait: Option<std::time::Duration>,
    /// Override: retries of the republished message (Upstash-Retries)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100), help_heading = "Overrides")]
    pub retries: Option<u32>,
    /// Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)
    #[arg(long, value_name = "DURATION", value_parser = parse_qstash_delay, help_heading = "Overrides")]
    pub delay: Option<String>,
    /// Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)
    #[arg(long, value_name = "EXPR", value_parser = parse_retry_expr, help_heading = "Overrides")]
    pub retry_delay: Option<String>,
    /// Override: labels of the republished message (Upstash-Label); --label filters
    #[arg(long, value_name = "LABEL", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Overrides")]
    pub new_label: Vec<String>,
    /// Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters
    #[arg(long, value_name = "KEY", value_parser = crate::parse::parse_nonempty, requires = "new_flow_control_value", help_heading = "Overrides")]
    pub new_flow_control_key: Option<String>,
    /// Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"
    #[arg(long, value_name = "VALUE", requires = "new_flow_control_key", value_parser = parse_flow_value, help_heading = "Overrides")]
    pub new_flow_control_value: Option<String>,
    /// Override: failure callback URL (Upstash-Failure-Callback)
    #[arg(long, value_name = "URL", value_parser = crate::parse::parse_url, help_heading = "Overrides")]
    pub failure_callback: Option<String>,
}

fn parse_qstash_delay(s: &str) -> Result<String, String> {
    crate::parse::parse_qstash_duration(s)
        .map(crate::parse::format_qstash_duration)
        .map_err(|e| format!("{e}"))
}

fn parse_retry_expr(s: &str) -> Result<String, String> {
    crate::wire::retry_delay::RetryDelay::parse(s)
        .map(|r| r.source().to_string())
        .map_err(|e| format!("invalid expression: {e} (use numbers, retried, + - * / and pow/exp/sqrt/abs/floor/ceil/round/min/max)"))
}

fn parse_flow_value(s: &str) -> Result<String, String> {
    crate::wire::flow_control::parse_flow_control_value("k", s).map(|_| s.trim().to_string())
}

fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() && d <= std::time::Duration::from_secs(86_400) => Ok(d),
        _ => Err(format!(
            "expected a duration between 1ms and 24h such as 10m; got '{s}'"
        )),
    }
}
