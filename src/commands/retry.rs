//! `dlq retry`.

use crate::bulk::Action;
use crate::cli::RetryArgs;
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
    };
    super::bulk::run(ctx, a.bulk, spec).await
}
