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

/// What `retry ID --edit` was asked to do.
pub struct EditRun<'a> {
    pub id: &'a str,
    pub yes: bool,
    pub journal: Option<PathBuf>,
    pub overrides: &'a crate::client::Headers,
    /// `--wait`: follow the edited copy this long.
    pub wait: Option<std::time::Duration>,
}

/// Edits the message of QStash DLQ entry `id`, then publishes it and deletes the original.
#[allow(clippy::print_stderr)]
pub async fn run(ctx: &Ctx, r: EditRun<'_>) -> anyhow::Result<()> {
    let (entry, destination) = load(ctx, r.id).await?;
    let before = edit::message_of(&entry);
    let Some((text, after)) = edit_until_read(ctx, r.id, &before)? else {
        eprintln!("No change: nothing was sent.");
        return Ok(());
    };
    show_changes(ctx, &text, &after);
    confirm(ctx, r.yes, r.id, &destination)?;
    let dedup = format!("dlq-edit-{}-{}", r.id, edit::fingerprint(&after));
    let mut headers = edit::publish_headers(&entry, &after, &dedup);
    // Overrides as in retry (--retries, --delay, …) replace the original's settings.
    for (k, v) in r.overrides {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v.clone()));
    }
    let path = open_journal(r.journal, r.id, destination, headers, after.body)?;
    let message_id = publish_and_delete(ctx, &path).await?;
    match (message_id, r.wait) {
        (Some(m), Some(t)) => follow(ctx, r.id, &m, t).await,
        _ => Ok(()),
    }
}

/// The entry and where it goes; a workflow run's entry is refused with what to do instead.
async fn load(ctx: &Ctx, id: &str) -> anyhow::Result<(crate::model::DlqEntry, String)> {
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
    Ok((entry, destination))
}

/// Opens the editor until its text reads back (at a terminal a mistake reopens it with the
/// edit kept; a body declared JSON that is not JSON is said, and may be edited again).
/// `None`: nothing changed. Otherwise the text shown and the edited message.
#[allow(clippy::print_stderr)]
fn edit_until_read(
    ctx: &Ctx,
    id: &str,
    before: &edit::Message,
) -> anyhow::Result<Option<(String, edit::Message)>> {
    let text = edit::to_text(before).map_err(|e| usage(format!("{id}: {e}")))?;
    let ed = editor(ctx)?;
    let can_ask = ctx.stdin_tty && ctx.stderr_tty;
    let mut draft = text.clone();
    loop {
        draft = open_editor(&ed, id, &draft)?;
        // The text as it was (whatever the body's own spacing) means no change.
        if draft == text {
            return Ok(None);
        }
        let problem = match edit::from_text(&draft, before) {
            Ok(after) if after == *before => return Ok(None),
            Ok(after) => match edit::json_problem(&after) {
                None => return Ok(Some((text, after))),
                Some(p) => {
                    eprintln!("Warning: {p}.");
                    if !can_ask || !crate::prompt::confirm("Edit it again?")? {
                        return Ok(Some((text, after)));
                    }
                    continue;
                }
            },
            Err(e) => e,
        };
        if !can_ask {
            return Err(usage(format!("{problem}; nothing was sent")));
        }
        eprintln!("{}", crate::text::sanitize::inline(&problem));
        if !crate::prompt::confirm("Edit it again (your changes are kept)?")? {
            eprintln!("Nothing was sent.");
            return Err(CliError::declined().into());
        }
    }
}

/// Runs the editor on `text` in a file only its owner can read, in a directory only its
/// owner can enter; the file is removed afterwards whatever happened.
fn open_editor(ed: &str, id: &str, text: &str) -> anyhow::Result<String> {
    let dir = crate::fsx::private_dir("dlq-edit-")?;
    // The id is a validated DLQ id; the name tells the editor (and the person) what it is.
    let scratch = dir.join(format!(
        "dlq-edit-{}.txt",
        id.replace(std::path::is_separator, "_")
    ));
    let written = crate::fsx::create_private(&scratch)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    let status = written.map(|()| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{ed} \"$1\""))
            .arg("sh")
            .arg(&scratch)
            .status()
    });
    let edited = std::fs::read_to_string(&scratch);
    let _ = std::fs::remove_file(&scratch);
    let _ = std::fs::remove_dir(&dir);
    match status? {
        Ok(s) if s.success() => {}
        Ok(s) => {
            return Err(usage(format!(
                "the editor ({ed}) exited with {s}; nothing was sent"
            )));
        }
        Err(e) => return Err(usage(format!("cannot run the editor ({ed}): {e}"))),
    }
    edited.map_err(|e| usage(format!("cannot read the edited text: {e}")))
}

/// The diff on stderr, with context, coloured at a colour terminal.
#[allow(clippy::print_stderr)]
fn show_changes(ctx: &Ctx, text: &str, after: &edit::Message) {
    let shown = edit::to_text(after).unwrap_or_default();
    let color = ctx.stderr_tty && crate::ctx::colour_wanted();
    match edit::diff(text, &shown) {
        Some(lines) => eprint!("{}", edit::diff_text(&lines, color)),
        None => eprintln!("(the texts are too long to compare line by line)"),
    }
}

/// Asks at a terminal; off one, only `--yes` goes ahead.
#[allow(clippy::print_stderr)]
fn confirm(ctx: &Ctx, yes: bool, id: &str, destination: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !(ctx.stdin_tty && ctx.stderr_tty) {
        return Err(usage(
            "refusing to publish the edited copy without --yes when not running on a terminal",
        ));
    }
    let q = format!(
        "Publish the edited copy to {} and delete {id} on {}?",
        crate::text::sanitize::inline(destination),
        ctx.target
    );
    if crate::prompt::confirm(&q)? {
        Ok(())
    } else {
        eprintln!("Nothing changed.");
        Err(CliError::declined().into())
    }
}

/// Writes the edit's journal (never over an existing file) before anything is sent.
#[allow(clippy::print_stderr)]
fn open_journal(
    path: Option<PathBuf>,
    id: &str,
    destination: String,
    headers: crate::client::Headers,
    body: Vec<u8>,
) -> anyhow::Result<PathBuf> {
    let path = path.unwrap_or_else(|| journal::stamped("edit"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(usage(format!(
            "{} exists; a journal is never overwritten",
            path.display()
        )));
    }
    let step = Step::Edit {
        dlq_id: id.to_string(),
        destination,
        headers,
        body,
    };
    edit::record(&path, &step)
        .map_err(|e| anyhow::anyhow!("cannot write the journal {}: {e}", path.display()))?;
    eprintln!(
        "Journal: {} (if interrupted, finish with dlq retry --resume {})",
        path.display(),
        path.display()
    );
    Ok(path)
}

/// `--wait`: follows the edited copy until it is delivered or dead-letters again; exit 3
/// when it failed or is still pending.
async fn follow(
    ctx: &Ctx,
    id: &str,
    message_id: &str,
    timeout: std::time::Duration,
) -> anyhow::Result<()> {
    use crate::bulk::follow::{self, FinalState};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = tx.send(crate::bulk::Outcome::retried(
        id,
        Some(message_id.to_string()),
        None,
    ));
    drop(tx);
    let w = follow::Wait {
        callback: false,
        since_ms: chrono::Utc::now().timestamp_millis() - 60_000,
        timeout,
        interval: crate::bulk::runner::wait_interval(),
    };
    let results =
        follow::follow(&ctx.client, rx, &w, &std::sync::atomic::AtomicU64::new(0)).await?;
    let (state, new_dlq) = results
        .get(id)
        .cloned()
        .unwrap_or((FinalState::Unknown, None));
    let word = serde_json::to_value(state)?;
    let word = word.as_str().unwrap_or("unknown");
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        match &new_dlq {
            Some(n) => writeln!(out, "{message_id}\t{word}\t{n}")?,
            None => writeln!(out, "{message_id}\t{word}")?,
        }
    }
    match state {
        FinalState::Delivered => Ok(()),
        _ => Err(CliError {
            exit: Exit::Partial,
            message: match new_dlq {
                Some(n) => {
                    format!("the edited copy {message_id} failed again: now {n} (dlq show {n})")
                }
                None => format!("the edited copy {message_id} is {word}"),
            },
        }
        .into()),
    }
}

/// A `--resume` of an edit: publishes and deletes what is left to.
pub async fn finish(ctx: &Ctx, path: &Path) -> anyhow::Result<()> {
    publish_and_delete(ctx, path).await.map(|_| ())
}

/// Publishes what the edit journal at `path` holds (unless it was) and deletes the original
/// (unless it was); the edited copy's message id, `None` when the journal was complete.
#[allow(clippy::print_stderr)]
async fn publish_and_delete(ctx: &Ctx, path: &Path) -> anyhow::Result<Option<String>> {
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
        return Ok(None);
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
    Ok(Some(message_id))
}
