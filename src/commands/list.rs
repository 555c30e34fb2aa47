//! `dlq list`.

use clap::{Args, ValueEnum};

use crate::cli::FilterArgs;
use crate::client::DlqKind;
use crate::ctx::Ctx;
use crate::pager::{Pager, Reading};
use crate::render::Format;
use crate::render::list::ListWriter;
use crate::render::{redact, sanitize};
use crate::select::Selection;

/// Default `--limit` on a terminal.
pub const TTY_LIMIT: u64 = 50;

/// The SDK names runs `wfr_<id given to trigger>`: a run id given without the prefix that
/// matches nothing, while its prefixed form does, is taken as the prefixed one (with a note).
async fn run_id_as_the_sdk_names_it(ctx: &Ctx, sel: &mut Selection) -> anyhow::Result<()> {
    let Some(id) = sel.server.run_id.clone().filter(|i| !i.starts_with("wfr_")) else {
        return Ok(());
    };
    let probe = |run: String| {
        let mut f = sel.server.clone();
        f.run_id = Some(run);
        async move { ctx.client.dlq_page(DlqKind::Workflow, &f, None, 1).await }
    };
    if !probe(id.clone()).await?.messages.is_empty() {
        return Ok(());
    }
    let prefixed = format!("wfr_{id}");
    if !probe(prefixed.clone()).await?.messages.is_empty() {
        ctx.hint(&format!(
            "no run '{}'; showing {} (the Workflow SDK prefixes the id given to trigger with wfr_)",
            sanitize::inline(&id),
            sanitize::inline(&prefixed)
        ));
        sel.server.run_id = Some(prefixed);
    }
    Ok(())
}

/// Plain `dlq list` reads the QStash DLQ: say when failed workflow runs match too.
async fn workflow_runs_also(ctx: &Ctx, sel: &Selection) -> anyhow::Result<()> {
    let f = &sel.server;
    if !(f.url_group.is_empty() && f.queue.is_empty() && f.schedule_id.is_empty()) {
        return Ok(());
    }
    let page = ctx.client.dlq_page(DlqKind::Workflow, f, None, 100).await?;
    let n = page
        .messages
        .iter()
        .filter(|e| sel.refine.matches(e))
        .count();
    if n > 0 {
        let more = if page.cursor.is_some() { "+" } else { "" };
        ctx.hint(&format!(
            "also {n}{more} failed workflow {}: dlq list --workflow",
            if n == 1 && more.is_empty() {
                "run"
            } else {
                "runs"
            }
        ));
    }
    Ok(())
}

/// Ends the output and says when nothing matched or the limit cut it (`what` names the
/// shown part, `{}` standing for the count).
fn finish<W: std::io::Write>(
    ctx: &Ctx,
    out: ListWriter<W>,
    more: bool,
    what: &str,
) -> anyhow::Result<()> {
    let shown = out.written();
    out.finish()?;
    if shown == 0 {
        ctx.note("No matching DLQ entries.");
    } else if more {
        ctx.note(&format!(
            "Showing {} (--limit N or --all).",
            what.replace("{}", &shown.to_string())
        ));
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let mut sel = Selection::from_args(&args.filter, ctx.now_ms)?;
    if sel.kind == DlqKind::Workflow {
        run_id_as_the_sdk_names_it(ctx, &mut sel).await?;
    }
    let format = format_of(args.output);
    let workflow = sel.kind == DlqKind::Workflow;
    let table = format == Format::Table;
    if table && ctx.style.tty && ctx.pager.is_some() {
        // A table on a terminal is laid out whole anyway: it goes through the pager.
        let mut buf = Vec::new();
        let out = ListWriter::new(&mut buf, format, ctx.style, workflow).full(args.full);
        write_selected(ctx, &sel, &args, out).await?;
        ctx.page(&String::from_utf8_lossy(&buf))?;
    } else {
        let out =
            ListWriter::new(std::io::stdout().lock(), format, ctx.style, workflow).full(args.full);
        write_selected(ctx, &sel, &args, out).await?;
    }
    if !workflow && table {
        workflow_runs_also(ctx, &sel).await?;
    }
    Ok(())
}

/// The newest N or everything, as `--limit` says.
async fn write_selected<W: std::io::Write>(
    ctx: &Ctx,
    sel: &Selection,
    args: &ListArgs,
    out: ListWriter<W>,
) -> anyhow::Result<()> {
    match limit_of(args, ctx.style.tty) {
        Some(n) => newest(ctx, sel, args, out, n).await,
        None => everything(ctx, sel, args, out).await,
    }
}

/// `--limit N` (50 for a table on a terminal): the newest N matching entries, on a terminal
/// and off it alike; `--all` and other output off a terminal: everything.
fn limit_of(args: &ListArgs, tty: bool) -> Option<u64> {
    match (args.all, args.limit) {
        (true, _) => None,
        (false, Some(n)) => Some(n),
        (false, None) if tty && args.output == ListFormat::Table => Some(TTY_LIMIT),
        (false, None) => None,
    }
}

fn format_of(f: ListFormat) -> Format {
    match f {
        ListFormat::Table => Format::Table,
        ListFormat::Json => Format::Json,
        ListFormat::Ndjson => Format::Ndjson,
        ListFormat::Csv => Format::Csv,
        ListFormat::Ids => Format::Ids,
    }
}

/// The newest `n` entries: newest first in a table on a terminal (a person wants today's
/// failures at the top), else in the documented order (oldest first by createdAt, dlqId).
async fn newest<W: std::io::Write>(
    ctx: &Ctx,
    sel: &Selection,
    args: &ListArgs,
    mut out: ListWriter<W>,
    n: u64,
) -> anyhow::Result<()> {
    let (mut entries, more) =
        crate::pager::newest_first(&ctx.client, sel, ctx.now_ms, n as usize).await?;
    if !(ctx.style.tty && args.output == ListFormat::Table) {
        entries.reverse();
    }
    if !args.reveal {
        entries.iter_mut().for_each(redact::entry);
    }
    out.write(&entries)?;
    finish(ctx, out, more, "the newest {}; older ones may exist")
}

/// Every matching entry, oldest first, streamed as the pager reads it.
async fn everything<W: std::io::Write>(
    ctx: &Ctx,
    sel: &Selection,
    args: &ListArgs,
    mut out: ListWriter<W>,
) -> anyhow::Result<()> {
    let mut pager = Pager::new(
        &ctx.client,
        sel,
        Reading::with_concurrency(args.concurrency),
    );
    while let Some(mut batch) = pager.next().await? {
        if !args.reveal {
            batch.iter_mut().for_each(redact::entry);
        }
        out.write(&batch)?;
    }
    finish(ctx, out, false, "")
}

/// Output formats of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Ndjson,
    Csv,
    Ids,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: ListFormat,
    /// Show the newest N matching entries [default: 50 in a table on a terminal, all
    /// otherwise]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000), conflicts_with = "all")]
    pub limit: Option<u64>,
    /// Show every matching entry
    #[arg(long)]
    pub all: bool,
    /// Show sensitive header values instead of masking them
    #[arg(long)]
    pub reveal: bool,
    /// CSV: the whole response body in its column [default: the first 200 characters]
    #[arg(long)]
    pub full: bool,
    /// API calls in flight at once while reading (a 429 slows them all)
    #[arg(long, value_name = "N", default_value_t = crate::pager::DEFAULT_CONCURRENCY, value_parser = crate::cli::parse_concurrency)]
    pub concurrency: usize,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}
