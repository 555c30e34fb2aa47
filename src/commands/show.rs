//! `dlq show`.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::client::{ApiError, DlqKind};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::model::DlqEntry;
use crate::render::{detail, redact, sanitize};
use crate::workflow_run;

/// The key under which `-o json` adds a workflow run's decoded steps to the API's fields.
pub const DECODED_KEY: &str = "decodedRun";

/// Fetches an entry from the QStash DLQ, then the Workflow DLQ (or only the latter).
pub async fn fetch(ctx: &Ctx, id: &str, workflow_only: bool) -> Result<Option<DlqEntry>, ApiError> {
    if !workflow_only {
        match ctx.client.dlq_get(DlqKind::Qstash, id).await {
            Ok(e) => return Ok(Some(e)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    match ctx.client.dlq_get(DlqKind::Workflow, id).await {
        Ok(e) => Ok(Some(e)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn run(ctx: &Ctx, mut args: ShowArgs) -> anyhow::Result<()> {
    if args.ids.iter().any(|i| i == "-") {
        if args.ids.len() > 1 {
            return Err(
                CliError::usage("`-` reads the ids from stdin; give no other ids with it").into(),
            );
        }
        args.ids = crate::bulk::plan::parse_stdin(std::io::stdin().lock())?.ids;
        if args.ids.is_empty() {
            return Err(CliError::usage("no DLQ ids on stdin").into());
        }
    }
    if (args.raw_body || args.raw_response) && args.ids.len() != 1 {
        return Err(
            CliError::usage("--raw-body and --raw-response take exactly one DLQ id").into(),
        );
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in &args.ids {
        match fetch(ctx, id, args.workflow).await? {
            Some(mut e) => {
                if !args.reveal {
                    redact::entry(&mut e);
                }
                found.push(e);
            }
            None => missing.push(id.clone()),
        }
    }
    let mut out = std::io::stdout().lock();
    if let Some(e) = found.first()
        && (args.raw_body || args.raw_response)
    {
        let bytes = if args.raw_body {
            e.body_bytes()
        } else {
            e.response_bytes()
        };
        out.write_all(&bytes)?;
        out.flush()?;
    } else if args.output == ShowFormat::Json {
        // The API's fields as returned, plus a workflow run's steps decoded under one key.
        let values = found
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e)?;
                if let (Some(run), Some(o)) =
                    (workflow_run::decode(e, args.reveal), v.as_object_mut())
                {
                    o.insert(DECODED_KEY.into(), serde_json::to_value(run)?);
                }
                Ok(v)
            })
            .collect::<Result<Vec<serde_json::Value>, serde_json::Error>>()?;
        // One shape whatever the count: an array.
        serde_json::to_writer_pretty(&mut out, &values)?;
        writeln!(out)?;
    } else {
        for (i, e) in found.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let attempts = match (&e.message_id, args.attempts) {
                (Some(m), true) => Some(ctx.client.message_logs(m).await?),
                _ => None,
            };
            let run = workflow_run::decode(e, args.reveal);
            out.write_all(
                detail::render(e, run.as_ref(), attempts.as_deref(), &ctx.style).as_bytes(),
            )?;
        }
        out.flush()?;
    }
    drop(out);
    let gone = |id: &str| {
        format!(
            "DLQ entry {} not found (already retried, deleted or expired)",
            sanitize::inline(id)
        )
    };
    if missing.len() == 1 && found.is_empty() {
        return Err(CliError {
            exit: Exit::NotFound,
            message: gone(&missing[0]),
        }
        .into());
    }
    for id in &missing {
        ctx.warn(&gone(id));
    }
    match (found.is_empty(), missing.is_empty()) {
        (_, true) => Ok(()),
        (true, false) => Err(CliError {
            exit: Exit::NotFound,
            message: "none of the DLQ entries was found".into(),
        }
        .into()),
        (false, false) => Err(CliError {
            exit: Exit::Partial,
            message: format!(
                "{} of {} DLQ entries not found",
                missing.len(),
                args.ids.len()
            ),
        }
        .into()),
    }
}

/// Output formats of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// DLQ ids (1725323658779-0 …), or - to read them from stdin (`dlq list -o ids` or ndjson)
    #[arg(required = true, value_name = "DLQ_ID", value_parser = crate::cli::parse_id_or_stdin)]
    pub ids: Vec<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value = "text")]
    pub output: ShowFormat,
    /// Add the delivery attempts from the logs
    #[arg(long)]
    pub attempts: bool,
    /// Write the exact request body bytes to stdout (one id)
    #[arg(long, conflicts_with_all = ["raw_response", "attempts"])]
    pub raw_body: bool,
    /// Write the exact response body bytes to stdout (one id)
    #[arg(long, conflicts_with = "attempts")]
    pub raw_response: bool,
    /// Look in the Workflow DLQ only
    #[arg(long)]
    pub workflow: bool,
    /// Show sensitive header values instead of masking them
    #[arg(long)]
    pub reveal: bool,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}
