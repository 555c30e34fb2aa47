//! `dlq import`.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;
use futures::StreamExt;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

use crate::archive::{self, Item};
use crate::bulk::import::publish_of;
use crate::bulk::report::{Records, ending, records};
use crate::bulk::{Action, Group, Outcome, Status, Verb, journal, summarize, verdict};
use crate::cli::{BulkFormat, FilterArgs, OverrideArgs};
use crate::config::TargetName;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::render::progress::Bar;
use crate::select::Selection;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An export written by `dlq export` (plain, .gz or .zst)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Publish to this URL instead of each entry's own destination (e.g. a staging endpoint)
    #[arg(long, value_name = "URL", value_parser = crate::parse::parse_url)]
    pub to: Option<String>,
    /// Print what would be published; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required off a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Publishes in flight at once
    #[arg(long, value_name = "N", default_value = "4", value_parser = crate::cli::parse_concurrency)]
    pub concurrency: usize,
    /// Journal file [default: one per export and selection, in the state directory, so that
    /// running the same import again continues it and never publishes an entry twice]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Continue an earlier, interrupted import of FILE with these filters (running the same
    /// import again does too; with --resume there must be one to continue)
    #[arg(long)]
    pub resume: bool,
    /// Per-entry results on stdout [default: text lines off a terminal]
    #[arg(short, long, value_enum)]
    pub output: Option<BulkFormat>,
    /// No progress bar or summary
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}

fn usage(msg: String) -> anyhow::Error {
    CliError::usage(msg).into()
}

/// The default journal of an import: named by the export's content, the selection, --to and
/// the target (an import into another account is another run).
fn journal_path(checksum: &str, sel: &Selection, to: Option<&str>, target: &TargetName) -> PathBuf {
    let mut h = Sha256::new();
    h.update(checksum.as_bytes());
    h.update(serde_json::to_vec(&sel.save()).unwrap_or_default());
    h.update(to.unwrap_or("").as_bytes());
    h.update(target.to_string().as_bytes());
    let key = archive::hex(&h.finalize());
    journal::dir().join(format!("import-{}.ndjson", &key[..16]))
}

#[allow(clippy::print_stderr)]
pub async fn run(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    let shown = a.file.display().to_string();
    let sel = Selection::from_args(&a.filter, ctx.now_ms)?;
    // Nothing is sent from a file that is not whole and of a known version; the same pass
    // selects.
    let mut selected: Vec<String> = Vec::new();
    let mut runs = 0usize;
    let (header, trailer) = archive::verify_all(&a.file, |item| {
        let workflow = item.dlq == "workflow";
        if sel.matches_local(&item.entry, workflow) {
            selected.push(item.entry.dlq_id.clone());
        } else if workflow && sel.kind == crate::client::DlqKind::Qstash {
            runs += 1;
        }
    })
    .map_err(|e| usage(format!("{shown}: {e}")))?;
    if runs > 0 && !a.quiet {
        eprintln!(
            "note: {runs} failed workflow {} in the export {} not imported (a run's steps live in QStash: resume or restart runs with dlq retry while they are in the DLQ)",
            if runs == 1 { "run" } else { "runs" },
            if runs == 1 { "is" } else { "are" }
        );
    }
    let path = a
        .journal
        .clone()
        .unwrap_or_else(|| journal_path(&trailer.sha256, &sel, a.to.as_deref(), &ctx.target));
    if a.resume && !path.exists() {
        return Err(usage(format!(
            "--resume: no earlier import of {shown} with these filters to continue (its journal would be {})",
            path.display()
        )));
    }
    let done: HashSet<String> = if path.exists() {
        let l = journal::load(&path).map_err(usage)?;
        journal::check_target(&path, &l, &ctx.target).map_err(usage)?;
        if l.action != Action::Import {
            return Err(usage(format!(
                "{} is the journal of a {} run, not of an import",
                path.display(),
                l.action.name()
            )));
        }
        l.done
    } else {
        HashSet::new()
    };
    let left: Vec<String> = selected
        .iter()
        .filter(|i| !done.contains(*i))
        .cloned()
        .collect();
    if left.is_empty() {
        if !a.quiet {
            if selected.is_empty() {
                eprintln!("Nothing to import: no entries of {shown} selected.");
            } else {
                eprintln!(
                    "Nothing to import: the {} selected {} imported before (journal {}).",
                    selected.len(),
                    if selected.len() == 1 {
                        "entry was"
                    } else {
                        "entries were"
                    },
                    path.display()
                );
            }
        }
        return Ok(());
    }
    let overrides = a.overrides.headers();
    let left_set: HashSet<&String> = left.iter().collect();
    if a.dry_run {
        let mut out = std::io::stdout().lock();
        use std::io::Write;
        for item in archive::entries(&a.file).map_err(|e| usage(format!("{e}")))? {
            let item = item.map_err(|e| usage(format!("{e}")))?;
            if !left_set.contains(&item.entry.dlq_id) {
                continue;
            }
            let plan = match publish_of(&item, a.to.as_deref(), &overrides) {
                Ok((p, _)) => format!(
                    "would publish {} {} ({} bytes)",
                    item.entry.method.as_deref().unwrap_or("POST"),
                    p.destination,
                    p.body.len()
                ),
                Err(why) => format!("would skip: {why}"),
            };
            // Each cell made inert, the tab between them kept.
            let cells = [&item.entry.dlq_id, &plan].map(|c| crate::text::sanitize::inline(c));
            writeln!(out, "{}", cells.join("\t"))?;
        }
        if !a.quiet {
            eprintln!(
                "Dry run: {} of {} selected entries would be published ({} imported before); nothing was sent.",
                left.len(),
                selected.len(),
                selected.len() - left.len()
            );
        }
        return Ok(());
    }
    if !a.yes {
        if ctx.stdin_tty && ctx.stderr_tty {
            let q = format!(
                "Publish {} archived {} again{}?",
                left.len(),
                if left.len() == 1 { "entry" } else { "entries" },
                a.to.as_deref()
                    .map(|t| format!(" to {}", crate::text::sanitize::inline(t)))
                    .unwrap_or_default()
            );
            if !crate::prompt::confirm(&q)? {
                eprintln!("Nothing changed.");
                return Err(CliError::declined().into());
            }
        } else {
            return Err(usage(format!(
                "refusing to publish {} without --yes when not running on a terminal (preview with --dry-run)",
                verdict::entries(left.len())
            )));
        }
    }
    if header.secrets == "masked" && !a.quiet {
        eprintln!(
            "note: {shown} was exported with secrets masked: masked header values (Authorization, keys…) are not sent"
        );
    }
    let journal = if path.exists() {
        journal::Journal::reopen(&path)
    } else {
        journal::Journal::create(
            &path,
            &[Group {
                action: Action::Import,
                workflow: false,
                ids: selected.clone(),
            }],
            journal::Start {
                selection: None,
                target: Some(ctx.target.clone()),
            },
        )
    }
    .map_err(|e| CliError {
        exit: Exit::Error,
        message: format!("cannot write the journal {}: {e}", path.display()),
    })?;
    if !a.quiet {
        eprintln!(
            "Journal: {} (running the same import again continues it)",
            path.display()
        );
    }
    let journal = Mutex::new(journal);
    let bar = Bar::new(left.len() as u64, "import", ctx.stderr_tty && !a.quiet);
    let items = archive::entries(&a.file)
        .map_err(|e| usage(format!("{e}")))?
        .filter_map(|r| r.ok())
        .filter(|i: &Item| left_set.contains(&i.entry.dlq_id));
    let journal_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let outcomes: Vec<Outcome> = futures::stream::iter(items)
        .map(|item| {
            let (overrides, to, client) = (&overrides, a.to.as_deref(), &ctx.client);
            async move {
                let id = item.entry.dlq_id.clone();
                match publish_of(&item, to, overrides) {
                    Err(why) => Outcome::refused(&id, why),
                    // The deduplication id makes asking again after a lost answer safe.
                    Ok((p, _)) => match client
                        .publish(&p.destination, &p.headers, &p.body, true)
                        .await
                    {
                        Ok(r) => Outcome {
                            status: if r.deduplicated == Some(true) {
                                Status::AlreadyImported
                            } else {
                                Status::Imported
                            },
                            ..Outcome::retried(&id, Some(r.message_id), None)
                        },
                        Err(e) => Outcome::failed(&id, e.to_string()),
                    },
                }
            }
        })
        .buffer_unordered(a.concurrency.max(1))
        .inspect(|o| {
            if let Err(e) = journal.lock().outcomes(std::slice::from_ref(o)) {
                journal_error.lock().get_or_insert(e);
            }
            crate::bulk::Progress::advance(&bar, std::slice::from_ref(o));
        })
        .collect()
        .await;
    bar.finish();
    if let Some(e) = journal_error.lock().take() {
        return Err(CliError {
            exit: Exit::Error,
            message: format!("cannot write the journal {}: {e}", path.display()),
        }
        .into());
    }
    let format = match (a.output, ctx.style.tty) {
        (Some(BulkFormat::Text), _) | (None, false) => Some(Records::Text),
        (Some(BulkFormat::Json), _) => Some(Records::Json),
        (Some(BulkFormat::Ndjson), _) => Some(Records::Ndjson),
        (None, true) => None,
    };
    if let Some(f) = format {
        records(&mut std::io::stdout().lock(), f, &outcomes)?;
    }
    let s = summarize(&outcomes);
    if !a.quiet {
        let _ = ending(
            &mut std::io::stderr().lock(),
            Verb::Import,
            &s,
            &outcomes,
            left.len() - outcomes.len(),
            None,
        );
    }
    verdict::verdict(&verdict::Tally {
        summary: s,
        total: left.len(),
        halt: None,
        resumed: true,
        ..verdict::Tally::default()
    })?;
    Ok(())
}
