//! `dlq list`.

use crate::cli::{ListArgs, ListFormat};
use crate::client::DlqKind;
use crate::ctx::Ctx;
use crate::render::list::{Format, ListWriter};
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

pub async fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let mut sel = Selection::from_args(&args.filter, ctx.now_ms)?;
    if sel.kind == DlqKind::Workflow {
        run_id_as_the_sdk_names_it(ctx, &mut sel).await?;
    }
    let limit = match (args.all, args.limit) {
        (true, _) => None,
        (false, Some(n)) => Some(n),
        (false, None) if ctx.style.tty => Some(TTY_LIMIT),
        (false, None) => None,
    };
    let format = match args.output {
        ListFormat::Table => Format::Table,
        ListFormat::Json => Format::Json,
        ListFormat::Ndjson => Format::Ndjson,
        ListFormat::Csv => Format::Csv,
        ListFormat::Ids => Format::Ids,
    };
    let workflow = sel.kind == DlqKind::Workflow;
    let mut out = ListWriter::new(std::io::stdout().lock(), format, ctx.style, workflow);
    let page_size = match limit {
        Some(n) if sel.refine.is_empty() => n.min(100) as usize,
        _ => 100,
    };
    let mut cursor: Option<String> = None;
    let mut more = false;
    'pages: loop {
        let page = ctx
            .client
            .dlq_page(sel.kind, &sel.server, cursor.as_deref(), page_size)
            .await?;
        let mut batch = Vec::with_capacity(page.messages.len());
        for mut e in page.messages {
            if !sel.refine.matches(&e) {
                continue;
            }
            if limit.is_some_and(|l| (out.written() + batch.len()) as u64 >= l) {
                more = true;
                out.write(&batch)?;
                break 'pages;
            }
            if !args.reveal {
                redact::entry(&mut e);
            }
            batch.push(e);
        }
        out.write(&batch)?;
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        if limit.is_some_and(|l| out.written() as u64 >= l) {
            more = true;
            break;
        }
    }
    let shown = out.written();
    out.finish()?;
    if shown == 0 {
        ctx.note("No matching DLQ entries.");
    } else if more {
        ctx.note(&format!(
            "Showing the first {shown}; there may be more (--limit N or --all)."
        ));
    }
    if !workflow && format == Format::Table {
        workflow_runs_also(ctx, &sel).await?;
    }
    Ok(())
}
