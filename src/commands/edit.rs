//! `dlq retry ID --edit`: correct a message, publish the copy, then delete the original.

use std::path::{Path, PathBuf};

use crate::bulk::edit::{self, Step};
use crate::bulk::journal;
use crate::client::{ApiError, DlqKind};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

fn usage(msg: impl Into<String>) -> anyhow::Error {
    CliError::usage(msg).into()
}

/// The editor: `$VISUAL`, else `$EDITOR`, else vi on a terminal.
fn editor(ctx: &Ctx) -> anyhow::Result<String> {
    for var in ["VISUAL", "EDITOR"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return Ok(v);
        }
    }
    if ctx.stdin_tty && ctx.stderr_tty {
        return Ok("vi".into());
    }
    Err(usage("--edit needs an editor: set $VISUAL or $EDITOR"))
}

/// Edits the message of QStash DLQ entry `id`, then publishes it and deletes the original.
#[allow(clippy::print_stderr)]
pub async fn run(
    ctx: &Ctx,
    id: &str,
    yes: bool,
    journal_path: Option<PathBuf>,
    overrides: &crate::client::Headers,
) -> anyhow::Result<()> {
    let entry = match ctx.client.dlq_get(DlqKind::Qstash, id).await {
        Ok(e) => e,
        Err(e) if e.is_not_found() => {
            if ctx.client.dlq_get(DlqKind::Workflow, id).await.is_ok() {
                return Err(usage(format!(
                    "{id} is a failed workflow run: --edit changes QStash messages; a run is resumed with its recorded steps (dlq retry {id}) or restarted (dlq retry --restart {id})"
                )));
            }
            return Err(anyhow::Error::new(e).context(format!("{id} is not in the DLQ")));
        }
        Err(e) => return Err(e.into()),
    };
    if entry.workflow_run_id.is_some() {
        return Err(usage(format!(
            "{id} belongs to a workflow run: --edit changes QStash messages (resume the run with dlq retry {id})"
        )));
    }
    let destination = entry
        .url
        .clone()
        .ok_or_else(|| usage(format!("{id} has no destination URL to publish to")))?;
    let before = edit::message_of(&entry);
    let text = edit::to_text(&before).map_err(|e| usage(format!("{id}: {e}")))?;
    let ed = editor(ctx)?;
    let scratch = std::env::temp_dir().join(format!("dlq-edit-{}-{id}.txt", std::process::id()));
    std::fs::write(&scratch, &text)?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{ed} \"$1\""))
        .arg("sh")
        .arg(&scratch)
        .status();
    let edited_text = std::fs::read_to_string(&scratch);
    let _ = std::fs::remove_file(&scratch);
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            return Err(usage(format!(
                "the editor ({ed}) exited with {s}; nothing was sent"
            )));
        }
        Err(e) => return Err(usage(format!("cannot run the editor ({ed}): {e}"))),
    }
    let edited_text =
        edited_text.map_err(|e| usage(format!("cannot read the edited text: {e}")))?;
    // The text as it was (whatever the body's own spacing) means no change.
    if edited_text == text {
        eprintln!("No change: nothing was sent.");
        return Ok(());
    }
    let after = edit::from_text(&edited_text, &before)
        .map_err(|e| usage(format!("{e}; nothing was sent")))?;
    if after == before {
        eprintln!("No change: nothing was sent.");
        return Ok(());
    }
    let changes = edit::diff(&text, &edit::to_text(&after).unwrap_or(edited_text));
    eprint!("{}", crate::text::sanitize::block(&changes));
    if !yes {
        if ctx.stdin_tty && ctx.stderr_tty {
            if !crate::prompt::confirm(&format!(
                "Publish the edited copy to {} and delete {id}?",
                crate::text::sanitize::inline(&destination)
            ))? {
                eprintln!("Nothing changed.");
                return Err(CliError::declined().into());
            }
        } else {
            return Err(usage(
                "refusing to publish the edited copy without --yes when not running on a terminal",
            ));
        }
    }
    let dedup = format!("dlq-edit-{id}-{}", edit::fingerprint(&after));
    let mut headers = edit::publish_headers(&entry, &after, &dedup);
    // Overrides as in retry (--retries, --delay, …) replace the original's settings.
    for (k, v) in overrides {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v.clone()));
    }
    let path = journal_path.unwrap_or_else(|| journal::stamped("edit"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if path.exists() {
        return Err(usage(format!(
            "{} exists; a journal is never overwritten",
            path.display()
        )));
    }
    edit::record(
        &path,
        &Step::Edit {
            dlq_id: id.to_string(),
            destination,
            headers,
            body: after.body,
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot write the journal {}: {e}", path.display()))?;
    eprintln!(
        "Journal: {} (if interrupted, finish with dlq retry --resume {})",
        path.display(),
        path.display()
    );
    finish(ctx, &path).await
}

/// Publishes what the edit journal at `path` holds (unless it was) and deletes the original
/// (unless it was): a `--resume` of an edit, or its end.
#[allow(clippy::print_stderr)]
pub async fn finish(ctx: &Ctx, path: &Path) -> anyhow::Result<()> {
    let steps = edit::steps(path)?
        .ok_or_else(|| usage(format!("{} is not an edit journal", path.display())))?;
    let Some(Step::Edit {
        dlq_id,
        destination,
        headers,
        body,
    }) = steps.first().cloned()
    else {
        return Err(usage(format!("{} is not an edit journal", path.display())));
    };
    if steps.contains(&Step::Deleted) {
        eprintln!("The edit of {dlq_id} is complete ({}).", path.display());
        return Ok(());
    }
    let published = steps.iter().find_map(|s| match s {
        Step::Published { message_id } => Some(message_id.clone()),
        _ => None,
    });
    let message_id = match published {
        Some(m) => m,
        None => {
            // The deduplication id names this edit: publishing it again after a lost answer
            // (or a crash) delivers it once.
            let r = ctx
                .client
                .publish(&destination, &headers, &body, true)
                .await
                .map_err(|e| {
                    anyhow::Error::new(e).context(format!(
                        "publishing the edited copy of {dlq_id} failed; the original is still in the DLQ"
                    ))
                })?;
            edit::record(
                path,
                &Step::Published {
                    message_id: r.message_id.clone(),
                },
            )?;
            if std::env::var_os("DLQ_TEST_EXIT_AFTER_PUBLISH").is_some() {
                // A hidden test hook: a crash between the publish and the delete.
                std::process::exit(1);
            }
            r.message_id
        }
    };
    match ctx.client.delete_one(DlqKind::Qstash, &dlq_id).await {
        Ok(()) => {}
        Err(ApiError::NotFound { .. }) => {}
        Err(e) => {
            return Err(CliError {
                exit: Exit::Partial,
                message: format!(
                    "the edited copy was published ({message_id}) but deleting the original {dlq_id} failed: {e}; finish with dlq retry --resume {}",
                    path.display()
                ),
            }
            .into());
        }
    }
    edit::record(path, &Step::Deleted)?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{dlq_id}\tedited\t{message_id}")?;
    }
    if ctx.stderr_tty {
        eprintln!("Published the edited copy as {message_id}; {dlq_id} was deleted.");
    }
    Ok(())
}
