//! `dlq watch`.

use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::arrivals::{Feed, Look};
use crate::cli::FilterArgs;
use crate::client::ApiError;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::render::{redact, watch};
use crate::select::Selection;

/// Output formats of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// One line per entry: time, id, status, URL or run, response
    Table,
    Ndjson,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Time between polls
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
    pub interval: Duration,
    /// Exit 3 as soon as an entry arrives (for CI and scripts)
    #[arg(long)]
    pub exit_on_first: bool,
    /// Stop after this long: exit 0 if nothing arrived, 3 if something did
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_timeout)]
    pub timeout: Option<Duration>,
    /// Output format [default: table on a terminal, ndjson off it]
    #[arg(short, long, value_enum)]
    pub output: Option<WatchFormat>,
    /// Show sensitive header values instead of masking them
    #[arg(long)]
    pub reveal: bool,
    /// API calls in flight at once while reading (a 429 slows them all)
    #[arg(long, value_name = "N", default_value_t = crate::pager::DEFAULT_CONCURRENCY, value_parser = crate::cli::parse_concurrency)]
    pub concurrency: usize,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if d >= Duration::from_millis(100) && d <= Duration::from_secs(3600) => Ok(d),
        _ => Err(format!(
            "expected a duration between 100ms and 1h such as 5s; got '{s}'"
        )),
    }
}

fn parse_watch_timeout(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() && d <= Duration::from_secs(7 * 86_400) => Ok(d),
        _ => Err(format!(
            "expected a duration between 1ms and 7d such as 10m; got '{s}'"
        )),
    }
}

/// Longest wait between polls after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Look at what is there, then again every interval, printing each arrival once.
pub async fn run(ctx: &Ctx, args: WatchArgs) -> anyhow::Result<()> {
    let mut w = Watch::start(ctx, &args).await?;
    loop {
        let last = w.sleep().await;
        let polled = w.look().await?;
        w.settle(polled, last)?;
        if (args.exit_on_first && w.arrived > 0) || last {
            break;
        }
    }
    verdict(ctx, w.arrived)
}

/// A watch under way: what it has seen, how many arrived, the wait before the next look.
struct Watch<'a> {
    ctx: &'a Ctx,
    args: &'a WatchArgs,
    sel: Selection,
    format: WatchFormat,
    deadline: Option<tokio::time::Instant>,
    feed: Feed,
    arrived: u64,
    wait: Duration,
}

impl<'a> Watch<'a> {
    /// What is in the DLQ now is not an arrival.
    #[allow(clippy::print_stderr)]
    async fn start(ctx: &'a Ctx, args: &'a WatchArgs) -> anyhow::Result<Watch<'a>> {
        let sel = Selection::from_args(&args.filter, ctx.now_ms)?;
        let format = args.output.unwrap_or(if ctx.style.tty {
            WatchFormat::Table
        } else {
            WatchFormat::Ndjson
        });
        let feed = Feed::start(&ctx.client, &sel, crate::ctx::now_ms(), args.concurrency)
            .await?
            .map_err(|e| anyhow::Error::new(e).context("cannot read the DLQ to start watching"))?;
        if ctx.stderr_tty {
            eprintln!(
                "Watching for new DLQ entries (every {}; Ctrl-C to stop)",
                humantime::format_duration(args.interval)
            );
        }
        Ok(Watch {
            ctx,
            args,
            sel,
            format,
            deadline: args.timeout.map(|t| tokio::time::Instant::now() + t),
            feed,
            arrived: 0,
            wait: args.interval,
        })
    }

    /// Waits until the next look; whether it is the last (the last look is at the deadline
    /// itself: what arrived before it is seen).
    async fn sleep(&self) -> bool {
        let (sleep, last) = match self.deadline {
            Some(d) => {
                let left = d.saturating_duration_since(tokio::time::Instant::now());
                (self.wait.min(left), left <= self.wait)
            }
            None => (self.wait, false),
        };
        tokio::time::sleep(sleep).await;
        last
    }

    /// One look: every entry that arrived since the last is printed (masked unless
    /// `--reveal`, its age told from now); how many, or why the look failed.
    async fn look(&mut self) -> anyhow::Result<Look> {
        let mut out = std::io::stdout().lock();
        let style = crate::render::Style {
            now_ms: crate::ctx::now_ms(),
            ..self.ctx.style
        };
        let (reveal, ndjson) = (self.args.reveal, self.format == WatchFormat::Ndjson);
        let mut new = 0u64;
        let polled = self
            .feed
            .look(
                &self.ctx.client,
                &self.sel,
                self.args.concurrency,
                |mut e| {
                    new += 1;
                    if !reveal {
                        redact::entry(&mut e);
                    }
                    watch::write(&mut out, &e, ndjson, &style)
                },
            )
            .await?;
        self.arrived += new;
        Ok(polled)
    }

    /// After a look: forget what left the DLQ, or back off after a failure; a refusal (401,
    /// 400) ends the watch, and so does a failed last look when nothing was seen (no green).
    #[allow(clippy::print_stderr)]
    fn settle(&mut self, polled: Look, last: bool) -> anyhow::Result<()> {
        match polled {
            Ok(_) => self.wait = self.args.interval,
            Err(e @ (ApiError::Unauthorized { .. } | ApiError::BadRequest { .. })) => {
                return Err(anyhow::Error::new(e).context("watching the DLQ"));
            }
            Err(e) if last && self.arrived == 0 => {
                return Err(anyhow::Error::new(e).context(
                    "reading the DLQ at the end of the watch failed: whether anything arrived since the last look is unknown",
                ));
            }
            Err(e) => {
                // What this look printed stays seen; the next look reads again.
                self.wait = (self.wait * 2).min(MAX_BACKOFF).max(self.args.interval);
                eprintln!(
                    "dlq: warning: reading the DLQ failed ({e}); trying again in {}",
                    humantime::format_duration(self.wait)
                );
            }
        }
        Ok(())
    }
}

/// Exit 3 when anything arrived, else 0.
#[allow(clippy::print_stderr)]
fn verdict(ctx: &Ctx, arrived: u64) -> anyhow::Result<()> {
    if arrived > 0 {
        return Err(CliError {
            exit: Exit::Partial,
            message: format!(
                "{arrived} new DLQ {} arrived",
                if arrived == 1 { "entry" } else { "entries" }
            ),
        }
        .into());
    }
    if ctx.stderr_tty {
        eprintln!("No new DLQ entries.");
    }
    Ok(())
}
