//! Ctrl-C during a bulk run, in one place: the first stops new calls (those in flight finish
//! and are journaled), the second quits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C (or a stage that ends the run): stop issuing calls.
#[derive(Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Resolves once the flag is set (polled: the flag is set from a signal handler's task).
    pub async fn wait(&self) {
        while !self.stopped() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Watches for Ctrl-C while it lives and sets its flag.
pub struct Interrupt {
    pub flag: StopFlag,
    task: tokio::task::JoinHandle<()>,
}

impl Interrupt {
    /// Starts watching; `quiet` leaves out the note on stderr.
    pub fn watch(quiet: bool) -> Interrupt {
        crate::interrupt::run_handles_it();
        let flag = StopFlag::default();
        let stop = flag.clone();
        let task = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.stop();
                if !quiet {
                    #[allow(clippy::print_stderr)]
                    {
                        eprintln!(
                            "\nInterrupted: finishing the calls in flight (Ctrl-C again to quit at once; the journal stays consistent)"
                        );
                    }
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        Interrupt { flag, task }
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.task.abort();
    }
}
