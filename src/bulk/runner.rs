//! A bulk run after it was confirmed: its state in one struct, carried through the stages
//! execute (the groups, or listing and acting side by side) → follow (`--wait`) → report
//! (records and the summary) → verdict (the exit code).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tokio::sync::mpsc::UnboundedSender;

use super::canary;
use super::follow::{Results, Wait, follow};
use super::interrupt::Interrupt;
use super::journal::Journal;
use super::listing::{self, Listed};
use super::report::Records;
use super::resolve::{Plan, Spec};
use super::verdict::{self, entries};
use super::{Action, Group, Halt, Outcome, RunOptions, Status};
use crate::cli::{BulkArgs, BulkFormat};
use crate::client::ApiError;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};
use crate::model::DlqEntry;
use crate::pager::Pager;
use crate::render::progress::Bar;

/// The run's progress: the bar, and (`--wait`) the follower, told of each retried entry.
struct Tee {
    bar: Arc<Bar>,
    follow: Option<UnboundedSender<Outcome>>,
}

impl super::Progress for Tee {
    fn advance(&self, outcomes: &[Outcome]) {
        self.bar.as_ref().advance(outcomes);
        if let Some(f) = &self.follow {
            for o in outcomes.iter().filter(|o| o.status == Status::Retried) {
                let _ = f.send(o.clone());
            }
        }
    }
    fn grow(&self, n: u64) {
        self.bar.grow(n);
    }
}

/// What the run did, stage by stage.
#[derive(Default)]
pub struct Ran {
    pub outcomes: Vec<Outcome>,
    /// A resumed run: what its journal says was retried before (`--wait` follows them too).
    pub earlier: Vec<Outcome>,
    /// Ids planned (and, listing as it goes, selected).
    pub total: usize,
    pub halt: Option<Halt>,
    pub journal_error: Option<std::io::Error>,
    pub list_error: Option<ApiError>,
    /// `Halt::Unreachable`: what the last calls met.
    pub cause: Option<String>,
    /// `--canary`: the destinations stopped because a canary did not get through.
    pub stopped: Vec<canary::Stopped>,
}

/// A confirmed run: the plan, the journal, Ctrl-C, the progress, the follower and the result.
pub struct Runner<'a> {
    ctx: &'a Ctx,
    b: &'a BulkArgs,
    spec: &'a Spec,
    plan: Plan,
    journal: Option<Mutex<Journal>>,
    journal_path: Option<PathBuf>,
    interrupt: Interrupt,
    tee: Tee,
    follower: Option<tokio::task::JoinHandle<Result<Results, ApiError>>>,
    /// `--wait`: retried entries that failed again (they count toward `--max-failures`).
    failed_again: Arc<AtomicU64>,
    pub ran: Ran,
}

impl<'a> Runner<'a> {
    /// Starts watching Ctrl-C, shows the bar, starts the follower of `--wait` (given what a
    /// resumed run retried before).
    #[allow(clippy::print_stderr)]
    pub fn start(
        ctx: &'a Ctx,
        b: &'a BulkArgs,
        spec: &'a Spec,
        plan: Plan,
        journal: Option<Journal>,
    ) -> Runner<'a> {
        let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
        if let Some(p) = &journal_path
            && !b.quiet
        {
            eprintln!(
                "Journal: {} (continue an interrupted run with --resume)",
                p.display()
            );
        }
        let bar = Arc::new(Bar::new(
            plan.total() as u64,
            spec.verb.name(),
            ctx.stderr_tty && !b.quiet,
        ));
        let failed_again = Arc::new(AtomicU64::new(0));
        let (tx, follower) = match spec.wait {
            Some(timeout) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let wait = wait_of(&plan, timeout);
                let (client, failed) = (ctx.client.clone(), failed_again.clone());
                let task = tokio::spawn(async move { follow(&client, rx, &wait, &failed).await });
                for o in &plan.earlier {
                    let _ = tx.send(o.clone());
                }
                (Some(tx), Some(task))
            }
            None => (None, None),
        };
        let ran = Ran {
            total: plan.total(),
            earlier: plan.earlier.clone(),
            ..Ran::default()
        };
        Runner {
            ctx,
            b,
            spec,
            plan,
            journal: journal.map(Mutex::new),
            journal_path,
            interrupt: Interrupt::watch(b.quiet),
            tee: Tee { bar, follow: tx },
            follower,
            failed_again,
            ran,
        }
    }

    /// The execute stage: listing and acting side by side, or the groups one after the other.
    pub async fn execute(&mut self) {
        match (self.spec.canary, self.plan.selecting.is_some()) {
            (_, true) => self.execute_listing().await,
            (Some(n), false) => self.execute_canary(n).await,
            (None, false) => self.execute_groups().await,
        }
        self.tee.bar.finish();
    }

    /// With `--canary`: in each group, every destination's first entries, followed until they
    /// settle; then the rest of each destination whose canaries were delivered.
    async fn execute_canary(&mut self, n: usize) {
        let entries = self.lane_entries().await;
        let groups = self.plan.groups.clone();
        for g in &groups {
            let lanes = canary::lanes(&g.ids, &entries, n);
            let first: Vec<String> = lanes.iter().flat_map(|l| l.canaries.clone()).collect();
            let sent = self.send(g, first).await;
            if self.ran.halt.is_some() || self.ran.journal_error.is_some() {
                return;
            }
            let results = self.settle(&sent).await;
            if self.interrupt.flag.stopped() {
                self.ran.halt = Some(Halt::Interrupted);
                return;
            }
            let retried: Vec<String> = sent
                .iter()
                .filter(|o| o.status == Status::Retried)
                .map(|o| o.dlq_id.clone())
                .collect();
            let mut rest = Vec::new();
            for lane in &lanes {
                let Some(mut stopped) =
                    canary::Stopped::new(lane, canary::judge(lane, &retried, &results))
                else {
                    rest.extend(lane.rest.iter().cloned());
                    continue;
                };
                // The canary failed again: its new entry says why.
                if let Some(id) = &stopped.new_dlq_id {
                    let e = self.ctx.client.dlq_get(g.kind(), id).await.ok();
                    stopped.diagnosis = e.as_ref().map(crate::diagnose::diagnose);
                }
                self.ran.stopped.push(stopped);
            }
            if !rest.is_empty() {
                self.send(g, rest).await;
                if self.ran.halt.is_some() || self.ran.journal_error.is_some() {
                    return;
                }
            }
        }
    }

    /// The selected entries, to learn each one's destination; those that cannot be read are
    /// each a destination of their own.
    async fn lane_entries(&self) -> Vec<DlqEntry> {
        match self.plan.all_entries(&self.ctx.client).await {
            Ok(all) => all,
            Err(_) => self.plan.entries.clone().unwrap_or_default(),
        }
    }

    /// Sends `ids` of group `g` (sharing the journal, the bar, Ctrl-C and `--max-failures`)
    /// and returns their outcomes (kept in the run's too).
    async fn send(&mut self, g: &Group, ids: Vec<String>) -> Vec<Outcome> {
        let failed = self
            .ran
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .count() as u64;
        let left = self.spec.max_failures.map(|m| m.saturating_sub(failed));
        let opts = self.options(g, left);
        let done = super::run(
            &self.ctx.client,
            ids,
            &opts,
            self.journal.as_ref(),
            &self.tee,
            &self.interrupt.flag,
        )
        .await;
        self.ran.outcomes.extend(done.outcomes.iter().cloned());
        if done.halt.is_some() || done.journal_error.is_some() {
            self.ran.halt = done.halt;
            self.ran.journal_error = done.journal_error;
            self.ran.cause = done.cause;
        }
        done.outcomes
    }

    /// Follows the canaries retried until each settles (or `--wait`'s timeout, else 5m, or
    /// Ctrl-C): what became of each.
    #[allow(clippy::print_stderr)]
    async fn settle(&self, sent: &[Outcome]) -> Results {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        for o in sent.iter().filter(|o| o.status == Status::Retried) {
            let _ = tx.send(o.clone());
        }
        drop(tx);
        if !self.b.quiet && self.ctx.stderr_tty {
            eprintln!(
                "Following {} before the rest (--canary)…",
                entries(sent.len())
            );
        }
        let wait = wait_of(&self.plan, self.spec.wait.unwrap_or(CANARY_WAIT));
        let none = AtomicU64::new(0);
        let stop = self.interrupt.flag.clone();
        tokio::select! {
            r = follow(&self.ctx.client, rx, &wait, &none) => r.unwrap_or_default(),
            () = stop.wait() => Results::default(),
        }
    }

    /// The groups run one after the other (QStash entries first), sharing the journal, the
    /// progress bar, Ctrl-C and `--max-failures`.
    async fn execute_groups(&mut self) {
        let groups = self.plan.groups.clone();
        for g in &groups {
            self.send(g, g.ids.clone()).await;
            if self.ran.halt.is_some() || self.ran.journal_error.is_some() {
                break;
            }
        }
    }

    /// Each listed batch is journaled, then acted on (after the ids an interrupted run had
    /// selected, when resuming it).
    async fn execute_listing(&mut self) {
        let (Some(pending), Some(g)) = (&self.plan.selecting, self.plan.groups.first()) else {
            return;
        };
        let listed = Listed::after(g.ids.len());
        let pager = Pager::new(&self.ctx.client, &pending.sel, pending.reading(self.b));
        let stop = &self.interrupt.flag;
        let stream = listing::ids(
            pager,
            &pending.skip,
            &listed,
            self.journal.as_ref(),
            &self.tee,
            stop,
        );
        let ids = futures::StreamExt::chain(futures::stream::iter([g.ids.clone()]), stream);
        let opts = self.options(g, self.spec.max_failures);
        let done = super::run_stream(
            &self.ctx.client,
            ids,
            &opts,
            self.journal.as_ref(),
            &self.tee,
            stop,
        )
        .await;
        self.ran.outcomes = done.outcomes;
        self.ran.cause = done.cause;
        self.ran.halt = done
            .halt
            .or_else(|| stop.stopped().then_some(Halt::Interrupted));
        self.ran.journal_error = done
            .journal_error
            .or_else(|| listed.journal_error.lock().take());
        self.ran.list_error = listed.list_error.lock().take();
        self.ran.total = *listed.count.lock();
    }

    /// How a group runs; `max_failures`: the failures it may still have.
    fn options(&self, g: &Group, max_failures: Option<u64>) -> RunOptions {
        let mut headers = self.spec.headers.clone();
        if matches!(g.action, Action::Resume | Action::Restart)
            && let Some(id) = &self.plan.new_run_id
        {
            headers.push(("Upstash-Workflow-RunId".to_string(), id.clone()));
        }
        RunOptions {
            action: g.action,
            kind: g.kind(),
            headers,
            concurrency: self.b.concurrency,
            rate: self.b.rate,
            max_failures,
            failed_elsewhere: self.follower.is_some().then(|| self.failed_again.clone()),
        }
    }

    /// The follow stage (`--wait`): the last call is answered, so the follower has the
    /// timeout left to settle the rest; Ctrl-C ends the wait too (what was not settled then
    /// has no final state).
    #[allow(clippy::print_stderr)]
    pub async fn follow(&mut self) -> anyhow::Result<()> {
        self.tee.follow = None;
        let Some(task) = self.follower.take() else {
            return Ok(());
        };
        if !self.b.quiet && self.ctx.stderr_tty && self.ran.halt.is_none() {
            eprintln!("Waiting for the retried entries to be delivered (--wait)…");
        }
        let stop = self.interrupt.flag.clone();
        let results = tokio::select! {
            r = task => r,
            () = stop.wait() => Ok(Ok(Results::default())),
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
        let ran = &mut self.ran;
        for o in ran.outcomes.iter_mut().chain(ran.earlier.iter_mut()) {
            if let Some((f, n)) = results.get(&o.dlq_id) {
                o.final_state = Some(*f);
                o.new_dlq_id.clone_from(n);
            }
        }
        Ok(())
    }

    /// A listing run whose filter matched nothing: it keeps no journal (it is removed).
    pub fn matched_nothing(&self) -> bool {
        let r = &self.ran;
        let nothing = self.plan.selecting.is_some()
            && self.plan.resume.is_none()
            && r.total == 0
            && r.list_error.is_none()
            && r.journal_error.is_none();
        if nothing && let Some(path) = &self.journal_path {
            let _ = std::fs::remove_file(path);
        }
        nothing
    }

    /// The report stage: per-entry records on stdout (off a terminal, or with -o), then the
    /// summary on stderr.
    pub fn report(&self) -> anyhow::Result<()> {
        let r = &self.ran;
        let format = match (self.b.output, self.ctx.style.tty) {
            (Some(f), _) => Some(records_format(f)),
            (None, false) => Some(Records::Text),
            (None, true) => None,
        };
        if let Some(f) = format {
            // One document: `--resume --wait` adds what the journal says was retried before,
            // as followed now.
            let followed_before = if self.spec.wait.is_some() {
                &r.earlier[..]
            } else {
                &[]
            };
            let all: Vec<Outcome> = r.outcomes.iter().chain(followed_before).cloned().collect();
            super::report::records(&mut std::io::stdout().lock(), f, &all)?;
        }
        if !self.b.quiet {
            let mut err = std::io::stderr().lock();
            for line in r.stopped.iter().flat_map(canary::Stopped::lines) {
                let _ = writeln!(err, "{line}");
            }
            drop(err);
            // A closed stderr must not change the exit code the run earned.
            let _ = super::report::ending(
                &mut std::io::stderr().lock(),
                self.spec.verb,
                &super::summarize(&r.outcomes),
                &r.outcomes,
                r.total - r.outcomes.len(),
                self.journal_path.as_deref(),
                if self.spec.canary.is_some() {
                    " --canary"
                } else {
                    ""
                },
            );
        }
        Ok(())
    }

    /// The verdict stage: a journal or listing error, else the exit code the counts earn
    /// (and with `--wait`, whether everything was delivered).
    pub fn verdict(self) -> anyhow::Result<()> {
        let r = self.ran;
        let path = self
            .journal_path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if let Some(e) = r.journal_error {
            return Err(CliError {
                exit: Exit::Error,
                message: format!("cannot write the journal {path}: {e}; stopped sending"),
            }
            .into());
        }
        if let Some(e) = r.list_error {
            let also = if r.total > 0 {
                format!(
                    "; the {} selected before are in the journal: `dlq {} --resume {path}` finishes them and lists the rest",
                    entries(r.total),
                    self.spec.verb.name(),
                )
            } else {
                String::new()
            };
            return Err(anyhow::Error::new(e).context(format!(
                "listing the DLQ stopped after {} were selected{also}",
                entries(r.total)
            )));
        }
        verdict::verdict(&verdict::Tally {
            summary: super::summarize(&r.outcomes),
            total: r.total,
            halt: r.halt,
            resumed: self.plan.resume.is_some(),
            failed_again: self.failed_again.load(Ordering::SeqCst) as usize,
            unreachable: r.cause.map(|c| (self.ctx.client.base_url().to_string(), c)),
        })?;
        if !r.stopped.is_empty() {
            let left: usize = r.stopped.iter().map(|s| s.left).sum();
            return Err(CliError {
                exit: Exit::Partial,
                message: format!(
                    "{} stopped because a canary did not get through; {} left untouched (fix the cause, then `dlq retry --resume {path} --canary` sends them)",
                    if r.stopped.len() == 1 { "1 destination".to_string() } else { format!("{} destinations", r.stopped.len()) },
                    entries(left),
                ),
            }
            .into());
        }
        if self.spec.wait.is_some() {
            verdict::after_wait(&super::follow::settled(r.outcomes.iter().chain(&r.earlier)))?;
        }
        Ok(())
    }
}

/// How long canaries are followed without `--wait`'s timeout (as `--wait` alone).
const CANARY_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// How `--wait` follows: log times come from the server's clock, so a minute's margin; a
/// resumed run also follows what its journal says was retried before.
fn wait_of(p: &Plan, timeout: std::time::Duration) -> Wait {
    let started_ms = chrono::Utc::now().timestamp_millis();
    Wait {
        callback: p.groups.iter().any(|g| g.action == Action::Callback),
        since_ms: p.since_ms.unwrap_or(started_ms).min(started_ms) - 60_000,
        timeout,
        interval: wait_interval(),
    }
}

/// How often `--wait` polls; `DLQ_WAIT_INTERVAL_MS` (a hidden test hook) shortens it.
pub fn wait_interval() -> std::time::Duration {
    std::env::var("DLQ_WAIT_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(2))
}

pub fn records_format(f: BulkFormat) -> Records {
    match f {
        BulkFormat::Text => Records::Text,
        BulkFormat::Json => Records::Json,
        BulkFormat::Ndjson => Records::Ndjson,
    }
}

/// `-o json` of a run that selected nothing: an empty array.
pub fn print_json_empty() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "[]")
}
