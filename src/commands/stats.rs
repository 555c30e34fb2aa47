//! `dlq stats`.

use clap::{Args, ValueEnum};

use crate::cli::FilterArgs;
use crate::ctx::Ctx;
use crate::pager::{Pager, Reading};
use crate::render::Format;
use crate::render::stats::write;
use crate::select::Selection;
use crate::stats::{By, Stats};

/// Output formats of `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
    Ndjson,
    Csv,
    /// Each group's example DLQ id, one a line (for `xargs dlq show`)
    Ids,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Group by these, in this order (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', default_value = "status,url")]
    pub by: Vec<By>,
    /// Output format
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: StatsFormat,
    /// API calls in flight at once while reading (a 429 slows them all)
    #[arg(long, value_name = "N", default_value_t = crate::pager::DEFAULT_CONCURRENCY, value_parser = crate::cli::parse_concurrency)]
    pub concurrency: usize,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}

pub async fn run(ctx: &Ctx, args: StatsArgs) -> anyhow::Result<()> {
    let sel = Selection::from_args(&args.filter, ctx.now_ms)?;
    let mut by = args.by.clone();
    // `--by status,status` groups once by status.
    let mut seen = Vec::new();
    by.retain(|b| {
        let new = !seen.contains(b);
        seen.push(*b);
        new
    });
    let mut stats = Stats::new(&by);
    let mut pager = Pager::new(
        &ctx.client,
        &sel,
        Reading::with_concurrency(args.concurrency),
    );
    while let Some(batch) = pager.next().await? {
        batch.iter().for_each(|e| stats.add(e));
    }
    let total = stats.total();
    let format = match args.output {
        StatsFormat::Table => Format::Table,
        StatsFormat::Json => Format::Json,
        StatsFormat::Ndjson => Format::Ndjson,
        StatsFormat::Csv => Format::Csv,
        StatsFormat::Ids => Format::Ids,
    };
    if total == 0 && format == Format::Table {
        ctx.note("No matching DLQ entries.");
        return Ok(());
    }
    let groups = stats.sorted();
    if format == Format::Table {
        let mut buf = Vec::new();
        write(&mut buf, format, &ctx.style, &by, &groups, total)?;
        ctx.page(&String::from_utf8_lossy(&buf))?;
    } else {
        write(
            &mut std::io::stdout().lock(),
            format,
            &ctx.style,
            &by,
            &groups,
            total,
        )?;
    }
    Ok(())
}
