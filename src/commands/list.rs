//! `dlq list`.

use crate::cli::{ListArgs, ListFormat};
use crate::ctx::Ctx;
use crate::render::list::{Format, ListWriter};
use crate::render::redact;
use crate::select::Selection;

/// Default `--limit` on a terminal.
pub const TTY_LIMIT: u64 = 50;

pub async fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let sel = Selection::from_args(&args.filter, ctx.now_ms)?;
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
    let workflow = sel.kind == crate::client::DlqKind::Workflow;
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
    Ok(())
}
