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

/// Verify and select, continue the journal, preview or confirm, publish, report.
pub async fn run(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    let sel = Selection::from_args(&a.filter, ctx.now_ms)?;
    let chosen = select(&a, &sel)?;
    let path = a
        .journal
        .clone()
        .unwrap_or_else(|| journal_path(&chosen.checksum, &sel, a.to.as_deref(), &ctx.target));
    let done = imported_before(ctx, &a, &path)?;
    let left: HashSet<String> = chosen
        .ids
        .iter()
        .filter(|i| !done.contains(*i))
        .cloned()
        .collect();
    if left.is_empty() {
        return nothing_left(&a, chosen.ids.len(), &path);
    }
    if a.dry_run {
        return preview(&a, &left, chosen.ids.len());
    }
    confirm(ctx, &a, left.len())?;
    if chosen.masked && !a.quiet {
        eprintln_note(&format!(
            "{} was exported with secrets masked: masked header values (Authorization, keys…) are not sent",
            a.file.display()
        ));
    }
    let journal = open_journal(ctx, &path, &chosen.ids, a.quiet)?;
    let outcomes = publish_all(ctx, &a, &left, (journal, &path)).await?;
    report(ctx, &a, &outcomes, left.len())
}

/// The entries of the export the filters select (after checking that the file is whole and
/// of a known version, in the same pass).
struct Chosen {
    ids: Vec<String>,
    checksum: String,
    /// Exported with secrets masked.
    masked: bool,
}

fn select(a: &ImportArgs, sel: &Selection) -> anyhow::Result<Chosen> {
    let shown = a.file.display().to_string();
    let mut ids: Vec<String> = Vec::new();
    let mut runs = 0usize;
    let (header, trailer) = archive::verify_all(&a.file, |item| {
        let workflow = item.dlq == "workflow";
        if sel.matches_local(&item.entry, workflow) {
            ids.push(item.entry.dlq_id.clone());
        } else if workflow && sel.kind == crate::client::DlqKind::Qstash {
            runs += 1;
        }
    })
    .map_err(|e| usage(format!("{shown}: {e}")))?;
    if runs > 0 && !a.quiet {
        let (n, be) = if runs == 1 {
            ("run", "is")
        } else {
            ("runs", "are")
        };
        eprintln_note(&format!(
            "{runs} failed workflow {n} in the export {be} not imported (a run's steps live in QStash: resume or restart runs with dlq retry while they are in the DLQ)"
        ));
    }
    Ok(Chosen {
        ids,
        checksum: trailer.sha256,
        masked: header.secrets == "masked",
    })
}

#[allow(clippy::print_stderr)]
fn eprintln_note(msg: &str) {
    eprintln!("note: {msg}");
}

/// The entries an earlier run of the same import published (its journal, which must be an
/// import's and of this target); `--resume` needs one.
fn imported_before(
    ctx: &Ctx,
    a: &ImportArgs,
    path: &std::path::Path,
) -> anyhow::Result<HashSet<String>> {
    if !path.exists() {
        if a.resume {
            return Err(usage(format!(
                "--resume: no earlier import of {} with these filters to continue (its journal would be {})",
                a.file.display(),
                path.display()
            )));
        }
        return Ok(HashSet::new());
    }
    let l = journal::load(path).map_err(usage)?;
    journal::check_target(path, &l, &ctx.target).map_err(usage)?;
    if l.action != Action::Import {
        return Err(usage(format!(
            "{} is the journal of a {} run, not of an import",
            path.display(),
            l.action.name()
        )));
    }
    Ok(l.done)
}

#[allow(clippy::print_stderr)]
fn nothing_left(a: &ImportArgs, selected: usize, path: &std::path::Path) -> anyhow::Result<()> {
    if a.quiet {
        return Ok(());
    }
    if selected == 0 {
        eprintln!(
            "Nothing to import: no entries of {} selected.",
            a.file.display()
        );
    } else {
        eprintln!(
            "Nothing to import: the {selected} selected {} imported before (journal {}).",
            if selected == 1 {
                "entry was"
            } else {
                "entries were"
            },
            path.display()
        );
    }
    Ok(())
}

/// What each entry left would become (a line per entry on stdout), and nothing sent.
#[allow(clippy::print_stderr)]
fn preview(a: &ImportArgs, left: &HashSet<String>, selected: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let overrides = a.overrides.headers();
    let mut out = std::io::stdout().lock();
    for item in archive::entries(&a.file).map_err(|e| usage(format!("{e}")))? {
        let item = item.map_err(|e| usage(format!("{e}")))?;
        if !left.contains(&item.entry.dlq_id) {
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
            "Dry run: {} of {selected} selected entries would be published ({} imported before); nothing was sent.",
            left.len(),
            selected - left.len()
        );
    }
    Ok(())
}

/// `--yes`, or a yes at a terminal; off one, a refusal.
#[allow(clippy::print_stderr)]
fn confirm(ctx: &Ctx, a: &ImportArgs, n: usize) -> anyhow::Result<()> {
    if a.yes {
        return Ok(());
    }
    if !(ctx.stdin_tty && ctx.stderr_tty) {
        return Err(usage(format!(
            "refusing to publish {} without --yes when not running on a terminal (preview with --dry-run)",
            verdict::entries(n)
        )));
    }
    let q = format!(
        "Publish {n} archived {} again{}?",
        if n == 1 { "entry" } else { "entries" },
        a.to.as_deref()
            .map(|t| format!(" to {}", crate::text::sanitize::inline(t)))
            .unwrap_or_default()
    );
    if crate::prompt::confirm(&q)? {
        Ok(())
    } else {
        eprintln!("Nothing changed.");
        Err(CliError::declined().into())
    }
}

fn journal_error(path: &std::path::Path, e: std::io::Error) -> anyhow::Error {
    CliError {
        exit: Exit::Error,
        message: format!("cannot write the journal {}: {e}", path.display()),
    }
    .into()
}

/// The journal continued, or a new one naming every selected entry and the target.
#[allow(clippy::print_stderr)]
fn open_journal(
    ctx: &Ctx,
    path: &std::path::Path,
    selected: &[String],
    quiet: bool,
) -> anyhow::Result<journal::Journal> {
    let journal = if path.exists() {
        journal::Journal::reopen(path)
    } else {
        let group = Group {
            action: Action::Import,
            workflow: false,
            ids: selected.to_vec(),
        };
        let start = journal::Start {
            selection: None,
            target: Some(ctx.target.clone()),
        };
        journal::Journal::create(path, &[group], start)
    }
    .map_err(|e| journal_error(path, e))?;
    if !quiet {
        eprintln!(
            "Journal: {} (running the same import again continues it)",
            path.display()
        );
    }
    Ok(journal)
}

/// Publishes each entry left, `--concurrency` at a time, each outcome journaled as it comes
/// (the deduplication id makes asking again after a lost answer safe).
async fn publish_all(
    ctx: &Ctx,
    a: &ImportArgs,
    left: &HashSet<String>,
    (journal, path): (journal::Journal, &std::path::Path),
) -> anyhow::Result<Vec<Outcome>> {
    let overrides = a.overrides.headers();
    let journal = Mutex::new(journal);
    let failed_write: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let bar = Bar::new(left.len() as u64, "import", ctx.stderr_tty && !a.quiet);
    let items = archive::entries(&a.file)
        .map_err(|e| usage(format!("{e}")))?
        .filter_map(|r| r.ok())
        .filter(|i: &Item| left.contains(&i.entry.dlq_id));
    let outcomes: Vec<Outcome> = futures::stream::iter(items)
        .map(|item| publish_one(ctx, item, a.to.as_deref(), &overrides))
        .buffer_unordered(a.concurrency.max(1))
        .inspect(|o| {
            if let Err(e) = journal.lock().outcomes(std::slice::from_ref(o)) {
                failed_write.lock().get_or_insert(e);
            }
            crate::bulk::Progress::advance(&bar, std::slice::from_ref(o));
        })
        .collect()
        .await;
    bar.finish();
    match failed_write.lock().take() {
        Some(e) => Err(journal_error(path, e)),
        None => Ok(outcomes),
    }
}

async fn publish_one(
    ctx: &Ctx,
    item: Item,
    to: Option<&str>,
    overrides: &crate::client::Headers,
) -> Outcome {
    let id = item.entry.dlq_id.clone();
    let p = match publish_of(&item, to, overrides) {
        Err(why) => return Outcome::refused(&id, why),
        Ok((p, _)) => p,
    };
    match ctx
        .client
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
    }
}

/// The records (stdout), the summary (stderr), the exit code.
fn report(ctx: &Ctx, a: &ImportArgs, outcomes: &[Outcome], total: usize) -> anyhow::Result<()> {
    let format = match (a.output, ctx.style.tty) {
        (Some(BulkFormat::Text), _) | (None, false) => Some(Records::Text),
        (Some(BulkFormat::Json), _) => Some(Records::Json),
        (Some(BulkFormat::Ndjson), _) => Some(Records::Ndjson),
        (None, true) => None,
    };
    if let Some(f) = format {
        records(&mut std::io::stdout().lock(), f, outcomes)?;
    }
    let s = summarize(outcomes);
    if !a.quiet {
        let _ = ending(
            &mut std::io::stderr().lock(),
            Verb::Import,
            &s,
            outcomes,
            total - outcomes.len(),
            None,
            "",
        );
    }
    verdict::verdict(&verdict::Tally {
        summary: s,
        total,
        halt: None,
        resumed: true,
        ..verdict::Tally::default()
    })?;
    Ok(())
}
