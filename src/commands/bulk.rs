//! What `retry` and `delete` share: selecting, previewing, confirming, running with a
//! journal and progress, reporting per entry, and the exit code.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use futures::StreamExt;
use parking_lot::Mutex;

use crate::bulk::follow::{Wait, follow};
use crate::bulk::report::{Records, question};
pub use crate::bulk::resolve::Spec;
use crate::bulk::resolve::{JOURNAL_KEEP, Plan, resolve, usage};
use crate::bulk::verdict::entries;
use crate::bulk::{
    self, Action, Group, Outcome, RunOptions, Status, StopFlag, Verb, journal, preview, verdict,
};
use crate::cli::{BulkArgs, BulkFormat};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::pager::Pager;
use crate::render::progress::Bar;

/// The run's progress: the bar, and (`--wait`) the follower, told of each retried entry.
struct Tee {
    bar: Arc<Bar>,
    follow: Option<tokio::sync::mpsc::UnboundedSender<Outcome>>,
}

impl bulk::Progress for Tee {
    fn advance(&self, outcomes: &[Outcome]) {
        self.bar.as_ref().advance(outcomes);
        if let Some(f) = &self.follow {
            for o in outcomes.iter().filter(|o| o.status == Status::Retried) {
                let _ = f.send(o.clone());
            }
        }
    }
}

/// What the listing side of a run that lists and acts at once reports.
#[derive(Default)]
struct Selecting {
    count: Mutex<usize>,
    list_error: Mutex<Option<crate::client::ApiError>>,
    journal_error: Mutex<Option<std::io::Error>>,
}

#[allow(clippy::print_stderr)]
pub async fn run(ctx: &Ctx, b: BulkArgs, spec: Spec) -> anyhow::Result<()> {
    let mut p = resolve(ctx, &b, &spec).await?;
    if let Some(id) = &spec.new_run_id {
        let runs: usize = p
            .groups
            .iter()
            .filter(|g| matches!(g.action, Action::Resume | Action::Restart))
            .map(|g| g.ids.len())
            .sum();
        if runs != 1 || p.total() != 1 {
            return Err(usage(format!(
                "--new-run-id names one new run: it takes exactly one workflow run to resume or restart ({} selected)",
                p.total()
            )));
        }
        p.new_run_id = Some(id.clone());
    }
    // (A resumed `--wait` with nothing left to send still follows what was sent before.)
    if p.total() == 0 && p.selecting.is_none() && (spec.wait.is_none() || p.earlier.is_empty()) {
        if b.output == Some(BulkFormat::Json) {
            println_json_empty()?;
        }
        if !b.quiet {
            eprintln!("Nothing to {}: no DLQ entries selected.", spec.verb.name());
        }
        return Ok(());
    }
    if b.dry_run {
        let v = preview::gather(ctx, &p).await?;
        let mut out = std::io::stdout().lock();
        crate::bulk::report::preview(
            &mut out,
            &v.present,
            &v.rows,
            &v.missing,
            b.output.map(records_format),
            &ctx.style,
        )?;
        return Ok(());
    }
    let single_retry = !p.needs_yes && p.total() == 1 && spec.verb == Verb::Retry;
    if !b.yes && p.resume.is_none() {
        if ctx.stdin_tty && ctx.stderr_tty {
            if !single_retry {
                let q = question(&p.groups, p.entries.as_deref());
                if !crate::prompt::confirm(&q)? {
                    eprintln!("Nothing changed.");
                    return Err(CliError::declined().into());
                }
            }
        } else if p.needs_yes {
            return Err(usage(format!(
                "refusing to {} {} without --yes when not running on a terminal (preview with --dry-run)",
                spec.verb.name(),
                entries(p.total())
            )));
        }
    }

    // A single id needs no journal (its outcome is printed), unless one is asked for.
    let journaled =
        p.resume.is_some() || b.journal.is_some() || p.total() > 1 || p.selecting.is_some();
    let journal = if journaled {
        let j = match &p.resume {
            Some(path) => journal::Journal::reopen(path),
            None => {
                let first = p.groups.first().map(|g| g.action).unwrap_or(Action::Retry);
                if b.journal.is_none() {
                    journal::prune(&journal::dir(), JOURNAL_KEEP);
                }
                let path = b
                    .journal
                    .clone()
                    .unwrap_or_else(|| journal::default_path(first));
                let selection = p.selecting.as_ref().map(|s| journal::Selection {
                    select: s.sel.save(),
                    until: s.until,
                });
                journal::Journal::create(&path, &p.groups, selection)
            }
        }
        .map_err(|e| CliError {
            exit: Exit::Error,
            message: format!("cannot write the journal: {e}"),
        })?;
        if !b.quiet {
            eprintln!(
                "Journal: {} (continue an interrupted run with --resume)",
                j.path().display()
            );
        }
        Some(j)
    } else {
        None
    };
    let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
    let journal = journal.map(Mutex::new);

    let stop = StopFlag::default();
    let watcher = {
        let stop = stop.clone();
        let quiet = b.quiet;
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.stop();
                if !quiet {
                    eprintln!(
                        "\nInterrupted: finishing the calls in flight (Ctrl-C again to quit at once; the journal stays consistent)"
                    );
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let started_ms = chrono::Utc::now().timestamp_millis();
    let mut total = p.total();
    let bar = Arc::new(Bar::new(
        total as u64,
        spec.verb.name(),
        ctx.stderr_tty && !b.quiet,
    ));
    // `--wait`: a follower takes each retried entry as its call is answered and follows it
    // while the run goes on (entries that fail again count toward --max-failures).
    let failed_again = Arc::new(AtomicU64::new(0));
    let (follow_tx, follow_rx) = tokio::sync::mpsc::unbounded_channel();
    let follower = spec.wait.map(|timeout| {
        let wait = Wait {
            callback: p.groups.iter().any(|g| g.action == Action::Callback),
            // Log times come from the server's clock: a minute's margin; a resumed run also
            // follows what its journal says was retried before.
            since_ms: p.since_ms.unwrap_or(started_ms).min(started_ms) - 60_000,
            timeout,
            interval: wait_interval(),
        };
        let (client, failed_again) = (ctx.client.clone(), failed_again.clone());
        tokio::spawn(async move { follow(&client, follow_rx, &wait, &failed_again).await })
    });
    let tee = Tee {
        bar: bar.clone(),
        follow: follower.is_some().then_some(follow_tx),
    };
    if let Some(f) = &tee.follow {
        for o in &p.earlier {
            let _ = f.send(o.clone());
        }
    }
    let failed_elsewhere = follower.is_some().then(|| failed_again.clone());
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(total);
    let mut halt = None;
    let mut jerr = None;
    let mut list_error = None;
    if let (Some(pending), Some(g)) = (&p.selecting, p.groups.first()) {
        // Listing and acting side by side: each listed batch is journaled, then acted on
        // (after the ids an interrupted run had selected, when resuming it).
        let picked = Selecting::default();
        *picked.count.lock() = g.ids.len();
        let pager = Pager::new(&ctx.client, &pending.sel, pending.reading(&b));
        let listed = futures::stream::unfold(pager, |mut pager| {
            let (picked, journal, bar, stop) = (&picked, journal.as_ref(), &bar, &stop);
            let skip = &pending.skip;
            async move {
                if stop.stopped() {
                    return None;
                }
                match pager.next().await {
                    Ok(Some(batch)) => {
                        let through = batch.iter().filter_map(|e| e.created_at).max();
                        let ids: Vec<String> = batch
                            .into_iter()
                            .map(|e| e.dlq_id)
                            .filter(|i| !skip.contains(i))
                            .collect();
                        if let Some(j) = journal
                            && let Err(e) = j.lock().selected(&ids, through)
                        {
                            picked.journal_error.lock().get_or_insert(e);
                            return None;
                        }
                        *picked.count.lock() += ids.len();
                        bar.grow(ids.len() as u64);
                        Some((ids, pager))
                    }
                    Ok(None) => {
                        let n = *picked.count.lock();
                        if let Some(j) = journal
                            && let Err(e) = j.lock().selection_done(n)
                        {
                            picked.journal_error.lock().get_or_insert(e);
                        }
                        None
                    }
                    Err(e) => {
                        picked.list_error.lock().get_or_insert(e);
                        None
                    }
                }
            }
        });
        let ids = futures::stream::iter([g.ids.clone()]).chain(listed);
        let opts = run_options(&p, &spec, &b, g, spec.max_failures, &failed_elsewhere);
        let (out, h, e) =
            bulk::run_stream(&ctx.client, ids, &opts, journal.as_ref(), &tee, &stop).await;
        outcomes = out;
        halt = h;
        jerr = e.or_else(|| picked.journal_error.lock().take());
        list_error = picked.list_error.lock().take();
        total = *picked.count.lock();
        if halt.is_none() && stop.stopped() {
            halt = Some(bulk::Halt::Interrupted);
        }
    } else {
        // The groups run one after the other (QStash entries first), sharing the journal, the
        // progress bar, Ctrl-C and --max-failures.
        for g in &p.groups {
            let failed = outcomes
                .iter()
                .filter(|o| o.status == Status::Failed)
                .count() as u64;
            let left = spec.max_failures.map(|m| m.saturating_sub(failed));
            let opts = run_options(&p, &spec, &b, g, left, &failed_elsewhere);
            let (mut out, h, e) = bulk::run(
                &ctx.client,
                g.ids.clone(),
                &opts,
                journal.as_ref(),
                &tee,
                &stop,
            )
            .await;
            outcomes.append(&mut out);
            if h.is_some() || e.is_some() {
                halt = h;
                jerr = e;
                break;
            }
        }
    }
    bar.finish();
    // The last call is answered: the follower has the timeout left to settle the rest.
    drop(tee);
    let mut earlier = p.earlier.clone();
    if let Some(f) = follower {
        if !b.quiet && ctx.stderr_tty && halt.is_none() {
            eprintln!("Waiting for the retried entries to be delivered (--wait)…");
        }
        let results = tokio::select! {
            r = f => r,
            // Ctrl-C ends the wait too; what was not settled has no final state.
            () = async { while !stop.stopped() { tokio::time::sleep(std::time::Duration::from_millis(100)).await } } => Ok(Ok(Default::default())),
        };
        let results = match results {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return Err(anyhow::Error::new(e).context(
                    "the retries were sent, but following them failed (see each with dlq show, or the logs)",
                ));
            }
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "following the retried entries stopped: {e}"
                ));
            }
        };
        for o in outcomes.iter_mut().chain(earlier.iter_mut()) {
            if let Some((f, n)) = results.get(&o.dlq_id) {
                o.final_state = Some(*f);
                o.new_dlq_id.clone_from(n);
            }
        }
    }
    watcher.abort();
    if p.selecting.is_some()
        && p.resume.is_none()
        && total == 0
        && list_error.is_none()
        && jerr.is_none()
    {
        // Nothing matched: no run to keep a journal of.
        if let Some(path) = &journal_path {
            let _ = std::fs::remove_file(path);
        }
        if b.output == Some(BulkFormat::Json) {
            println_json_empty()?;
        }
        if !b.quiet {
            eprintln!("Nothing to {}: no DLQ entries selected.", spec.verb.name());
        }
        return Ok(());
    }
    // A person at a terminal gets the bar, the summary and the failures; per-entry lines go to
    // stdout off a terminal, or when asked for with -o.
    let format = match (b.output, ctx.style.tty) {
        (Some(f), _) => Some(records_format(f)),
        (None, false) => Some(Records::Text),
        (None, true) => None,
    };
    if let Some(f) = format {
        let mut out = std::io::stdout().lock();
        crate::bulk::report::records(&mut out, f, &outcomes)?;
        // `--resume --wait`: what the journal says was retried before, as followed now.
        if spec.wait.is_some() {
            crate::bulk::report::records(&mut out, f, &earlier)?;
        }
    }

    let s = bulk::summarize(&outcomes);
    let untouched = total - outcomes.len();
    if !b.quiet {
        // A closed stderr must not change the exit code the run earned.
        let _ = crate::bulk::report::ending(
            &mut std::io::stderr().lock(),
            spec.verb,
            &s,
            &outcomes,
            untouched,
            journal_path.as_deref(),
        );
    }
    if let Some(e) = jerr {
        return Err(CliError {
            exit: Exit::Error,
            message: format!(
                "cannot write the journal {}: {e}; stopped sending",
                journal_path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
        }
        .into());
    }
    if let Some(e) = list_error {
        let also = if total > 0 {
            format!(
                "; the {} selected before are in the journal: `dlq {} --resume {}` finishes them and lists the rest",
                entries(total),
                spec.verb.name(),
                journal_path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        return Err(anyhow::Error::new(e).context(format!(
            "listing the DLQ stopped after {} were selected{also}",
            entries(total)
        )));
    }
    verdict::verdict(&verdict::Tally {
        summary: s,
        total,
        halt,
        resumed: p.resume.is_some(),
        failed_again: failed_again.load(std::sync::atomic::Ordering::SeqCst) as usize,
    })?;
    if spec.wait.is_some() {
        verdict::after_wait(&crate::bulk::follow::settled(
            outcomes.iter().chain(&earlier),
        ))?;
    }
    Ok(())
}

/// How often `--wait` polls; `DLQ_WAIT_INTERVAL_MS` (a hidden test hook) shortens it.
fn wait_interval() -> std::time::Duration {
    std::env::var("DLQ_WAIT_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(2))
}

/// How a group runs; `max_failures`: the failures it may still have; `failed_elsewhere`:
/// `--wait`'s count of entries that failed again.
fn run_options(
    p: &Plan,
    spec: &Spec,
    b: &BulkArgs,
    g: &Group,
    max_failures: Option<u64>,
    failed_elsewhere: &Option<Arc<AtomicU64>>,
) -> RunOptions {
    RunOptions {
        action: g.action,
        kind: g.kind(),
        headers: p_headers(p, spec, g),
        concurrency: b.concurrency,
        rate: b.rate,
        max_failures,
        failed_elsewhere: failed_elsewhere.clone(),
    }
}

fn p_headers(p: &Plan, spec: &Spec, g: &Group) -> crate::client::Headers {
    let mut h = spec.headers.clone();
    if matches!(g.action, Action::Resume | Action::Restart)
        && let Some(id) = &p.new_run_id
    {
        h.push(("Upstash-Workflow-RunId".to_string(), id.clone()));
    }
    h
}

fn records_format(f: BulkFormat) -> Records {
    match f {
        BulkFormat::Text => Records::Text,
        BulkFormat::Json => Records::Json,
        BulkFormat::Ndjson => Records::Ndjson,
    }
}

fn println_json_empty() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "[]")
}
