//! `dlq retry`.

use crate::bulk::Action;
use clap::Args;

use crate::cli::BulkArgs;
use crate::client::DlqKind;
use crate::ctx::Ctx;

pub async fn run(ctx: &Ctx, a: RetryArgs) -> anyhow::Result<()> {
    // An edit's journal is finished by the edit's own steps.
    if let Some(Some(path)) = &a.bulk.resume
        && path.exists()
        && crate::bulk::edit::steps(path).ok().flatten().is_some()
    {
        return super::edit::finish(ctx, path).await;
    }
    if a.edit {
        return edit(ctx, &a).await;
    }
    let headers = a.overrides.headers();
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
        canary: a.canary,
    };
    super::bulk::run(ctx, a.bulk, spec).await
}

/// `--edit`: one id, nothing else selecting, then the edit's own steps.
async fn edit(ctx: &Ctx, a: &RetryArgs) -> anyhow::Result<()> {
    let b = &a.bulk;
    let id = match b.ids.as_slice() {
        [id] if id != "-" => id.clone(),
        _ => {
            return Err(crate::error::CliError::usage(
                "--edit takes exactly one DLQ id (the message to correct)",
            )
            .into());
        }
    };
    let filtered = crate::select::Selection::from_args(&b.filter, ctx.now_ms)
        .map(|s| !s.is_everything())
        .unwrap_or(true);
    if filtered || b.all_matching || b.interactive || b.dry_run || b.resume.is_some() {
        return Err(crate::error::CliError::usage(
            "--edit works on one id: give no filters, --all-matching, --interactive, --dry-run or --resume with it",
        )
        .into());
    }
    let run = super::edit::EditRun {
        id: &id,
        yes: b.yes,
        journal: b.journal.clone(),
        overrides: &a.overrides.headers(),
        wait: a.wait,
    };
    super::edit::run(ctx, run).await
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
    /// Retry N entries of each destination first (default 1), follow them as --wait does
    /// (its TIMEOUT, else 5m), and send the rest of that destination only once they were
    /// delivered; a destination whose canary fails again is stopped, its other entries left
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "1", value_parser = parse_canary)]
    pub canary: Option<usize>,
    /// Correct the message first: open its body and forwarded headers in $VISUAL/$EDITOR,
    /// show the diff, publish the edited copy, then delete the original (one QStash id)
    #[arg(long, conflicts_with_all = ["restart", "failure_function", "new_run_id", "max_failures", "canary"])]
    pub edit: bool,
    #[command(flatten)]
    pub overrides: crate::cli::OverrideArgs,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}

fn parse_canary(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected how many entries of each destination go first, 1 to 100; got '{s}'"
        )),
    }
}

fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() && d <= std::time::Duration::from_secs(86_400) => Ok(d),
        _ => Err(format!(
            "expected a duration between 1ms and 24h such as 10m; got '{s}'"
        )),
    }
}
