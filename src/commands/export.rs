//! `dlq export`.

use std::io::{BufWriter, Seek, Write};
use std::path::PathBuf;

use clap::Args;

use crate::archive::{self, Compression, EntryWriter, Header};
use crate::cli::FilterArgs;
use crate::client::DlqKind;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::pager::{Pager, Reading};
use crate::render::progress::Bar;
use crate::render::redact;
use crate::select::Selection;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Write to FILE (never overwritten; a .gz or .zst name compresses it; - for stdout)
    /// [default: stdout]
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep sensitive header values (Authorization, cookies, keys…); masked otherwise
    #[arg(long)]
    pub include_secrets: bool,
    /// API calls in flight at once while reading (a 429 slows them all)
    #[arg(long, value_name = "N", default_value_t = crate::pager::DEFAULT_CONCURRENCY, value_parser = crate::cli::parse_concurrency)]
    pub concurrency: usize,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}

/// A scratch file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Check the target name, write the entries to a scratch file, then the archive (header,
/// entries, trailer) to stdout or, renamed into place, to the file.
pub async fn run(ctx: &Ctx, mut args: ExportArgs) -> anyhow::Result<()> {
    let sel = Selection::from_args(&args.filter, ctx.now_ms)?;
    // `-o -` is stdout, as without -o.
    if args.output.as_deref() == Some(std::path::Path::new("-")) {
        args.output = None;
    }
    let dir = scratch_dir(args.output.as_deref())?;
    let (scratch, file) = crate::fsx::create_scratch(&dir, ".dlq-export-", ".tmp")
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.display()))?;
    let _scratch = Scratch(scratch);
    let (mut file, count, trailer) = write_entries(ctx, &args, &sel, file).await?;
    file.rewind()?;
    let header = Header {
        format: archive::FORMAT.into(),
        version: archive::VERSION,
        source: ctx.client.base_url().to_string(),
        exported_at: crate::render::rfc3339(chrono::Utc::now().timestamp_millis()),
        filters: sel.save(),
        count,
        secrets: if args.include_secrets {
            "included"
        } else {
            "masked"
        }
        .into(),
    };
    match &args.output {
        None => {
            let mut out = std::io::stdout().lock();
            archive::assemble(&mut out, Compression::None, &header, &mut file, &trailer)?;
            out.flush()?;
        }
        Some(p) => write_file(ctx, p, &dir, &header, &mut file, &trailer)?,
    }
    Ok(())
}

/// Where the entries wait until their count is known: beside the export (an export is never
/// overwritten), or the temporary directory for stdout.
fn scratch_dir(output: Option<&std::path::Path>) -> anyhow::Result<PathBuf> {
    let Some(p) = output else {
        return Ok(std::env::temp_dir());
    };
    if p.exists() {
        return Err(CliError::usage(format!(
            "{} exists; an export is never overwritten: choose another name",
            p.display()
        ))
        .into());
    }
    Ok(p.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".")))
}

/// Every selected entry, masked unless `--include-secrets`, page by page into `file`; its
/// count and the trailer.
async fn write_entries(
    ctx: &Ctx,
    args: &ExportArgs,
    sel: &Selection,
    file: std::fs::File,
) -> anyhow::Result<(std::fs::File, u64, archive::Trailer)> {
    let mut w = EntryWriter::new(BufWriter::new(file));
    let dlq = if sel.kind == DlqKind::Workflow {
        "workflow"
    } else {
        "qstash"
    };
    let bar = Bar::new(0, "export", ctx.stderr_tty);
    let reading = Reading::with_concurrency(args.concurrency);
    let mut pager = Pager::new(&ctx.client, sel, reading);
    while let Some(batch) = pager.next().await? {
        let n = batch.len() as u64;
        bar.grow(n);
        for mut e in batch {
            if !args.include_secrets {
                redact::entry(&mut e);
            }
            w.write(dlq, &e)?;
        }
        bar.advance_by(n, 0);
    }
    bar.finish();
    let count = w.count();
    let (buf, trailer) = w.finish()?;
    let file = buf.into_inner().map_err(|e| e.into_error())?;
    Ok((file, count, trailer))
}

/// Written beside it under an unguessable new name (never through a symlink, the owner's
/// only), then renamed: a failed export leaves no half file.
#[allow(clippy::print_stderr)]
fn write_file(
    ctx: &Ctx,
    p: &std::path::Path,
    dir: &std::path::Path,
    header: &Header,
    entries: &mut std::fs::File,
    trailer: &archive::Trailer,
) -> anyhow::Result<()> {
    let (part, f) = crate::fsx::create_scratch(dir, ".dlq-export-", ".partial")?;
    let part = Scratch(part);
    let mut bw = BufWriter::new(f);
    archive::assemble(&mut bw, Compression::of_path(p), header, entries, trailer)?;
    bw.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&part.0, p)?;
    if ctx.stderr_tty {
        let count = header.count;
        eprintln!(
            "Exported {count} {} to {} (secrets {}).",
            if count == 1 { "entry" } else { "entries" },
            p.display(),
            header.secrets
        );
    }
    Ok(())
}
