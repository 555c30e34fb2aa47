//! The command line and its dispatch: the parser, the subcommands, one match from subcommand to
//! its `run`.

use clap::{Parser, Subcommand};

use crate::cli::{ClientArgs, EXIT_CODES};
use crate::commands::{self, delete::DeleteArgs, demo::DemoArgs, dev::DevArgs};
use crate::commands::{export::ExportArgs, import::ImportArgs, stats::StatsArgs, watch::WatchArgs};
use crate::commands::{generate::GenerateArgs, list::ListArgs, retry::RetryArgs, show::ShowArgs};
use crate::ctx::Ctx;
use crate::error::CliError;

/// Inspect, filter and recover the dead-letter queues of Upstash QStash and Upstash Workflow.
#[derive(Debug, Parser)]
#[command(name = "dlq", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// Log each API request and its status to stderr (the token is never shown)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)
    #[arg(long, global = true)]
    pub no_pager: bool,
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing would only add noise
pub enum Command {
    /// List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids
    ///
    /// Which: --limit N selects the newest N matching entries, on a terminal and off it (a table
    /// on a terminal takes 50 unless --limit or --all); otherwise every matching entry.
    ///
    /// Order: the table on a terminal shows the newest first; every other output (a table off
    /// a terminal, JSON, NDJSON, CSV, ids) lists oldest first (by createdAt, then dlqId),
    /// streaming.
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Show DLQ entries completely: request, response, headers, bodies, attempts
    #[command(after_help = EXIT_CODES)]
    Show(ShowArgs),
    /// Count matching entries by status, URL, error, label, queue, step or day
    ///
    /// Reads the DLQ once (every list filter applies) and groups what matches: count, share,
    /// first and last seen, and an example entry to `dlq show`. `--by error` groups by a
    /// fingerprint of the response body in which numbers, ids, times and UUIDs are made alike.
    #[command(after_help = EXIT_CODES)]
    Stats(StatsArgs),
    /// Print new DLQ entries as they arrive
    ///
    /// Polls every --interval (every list filter applies) and prints each entry that was not
    /// in the DLQ before, once: a line on a terminal, NDJSON off it. Transient API errors and
    /// 429s are retried with a growing pause (said on stderr). --exit-on-first exits 3 when an
    /// entry arrives; --timeout ends the watch, with 0 if nothing arrived and 3 if something did.
    #[command(after_help = EXIT_CODES)]
    Watch(WatchArgs),
    /// Archive matching entries completely, to keep them beyond the DLQ's retention
    ///
    /// NDJSON (a .gz or .zst file name compresses it): a header line (format version, source
    /// URL without the token, time, filters, count), every entry whole (request and response
    /// headers and bodies byte-exact, workflow fields), and a trailer with a checksum. Sensitive
    /// header values are masked unless --include-secrets (the header says which).
    #[command(after_help = EXIT_CODES)]
    Export(ExportArgs),
    /// Publish archived entries again from an export, each once however often it is run
    ///
    /// Verifies the whole file first (version, count, checksum: nothing is sent from a damaged
    /// one), then publishes each selected entry to its destination (or --to URL) with its
    /// method, body and forwarded headers, overrides as in retry, and a deduplication id from
    /// its dlqId. A journal per export and selection makes running it again continue where it
    /// stopped, never publishing an entry twice.
    #[command(after_help = EXIT_CODES)]
    Import(ImportArgs),
    /// Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)
    #[command(after_help = EXIT_CODES)]
    Retry(RetryArgs),
    /// Delete DLQ entries
    #[command(after_help = EXIT_CODES)]
    Delete(DeleteArgs),
    /// Run a local QStash-compatible server that delivers, retries and dead-letters
    #[command(after_help = EXIT_CODES)]
    Dev(DevArgs),
    /// The whole story on a local server in a few seconds: failures, list, show, retry, recovery
    #[command(after_help = EXIT_CODES)]
    Demo(DemoArgs),
    /// Generate shell completions or man pages (for packagers)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// `dev` and `demo` run their own server: the options for reaching a QStash mean nothing there.
fn own_options_only(cli: &Cli, cmd: &str) -> anyhow::Result<()> {
    let given = cli.client.given();
    if given.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "`dlq {cmd}` runs its own server and takes only its own options; {} {} for the commands that talk to a QStash (list, show, stats, watch, export, import, retry, delete)",
        given.join(", "),
        if given.len() == 1 { "is" } else { "are" }
    ))
    .into())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Dev(_) => own_options_only(&cli, "dev")?,
        Command::Demo(_) => own_options_only(&cli, "demo")?,
        _ => {}
    }
    let (outer, v, no_pager) = (&cli.client, cli.verbose, cli.no_pager);
    let ctx = |c: &ClientArgs| Ctx::new(&c.or(outer), v, no_pager);
    match cli.command {
        Command::Dev(args) => commands::dev::run(args, v).await,
        Command::Generate(args) => {
            use clap::CommandFactory;
            commands::generate::run(args, &Cli::command())
        }
        Command::Demo(args) => commands::demo::run(args, |argv| Box::pin(run_argv(argv))).await,
        Command::List(args) => commands::list::run(&ctx(&args.client)?, args).await,
        Command::Show(args) => commands::show::run(&ctx(&args.client)?, args).await,
        Command::Stats(args) => commands::stats::run(&ctx(&args.client)?, args).await,
        Command::Watch(args) => commands::watch::run(&ctx(&args.client)?, args).await,
        Command::Export(args) => commands::export::run(&ctx(&args.client)?, args).await,
        Command::Import(args) => commands::import::run(&ctx(&args.client)?, args).await,
        Command::Retry(args) => commands::retry::run(&ctx(&args.client)?, args).await,
        Command::Delete(args) => commands::delete::run(&ctx(&args.client)?, args).await,
    }
}

/// Parses and runs a command line given as words (`dlq demo` runs the real commands so).
async fn run_argv(argv: Vec<String>) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::usage(e.to_string()))?;
    run(cli).await
}
