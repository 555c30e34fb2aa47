//! Ctrl-C while dlq asks something at the terminal. The prompts read keys in raw mode and turn
//! Ctrl-C into SIGINT; left to its default, SIGINT kills dlq with the prompt's lines still on
//! the screen. Once a prompt has been shown, one watcher takes SIGINT: during a prompt it lets
//! the prompt end (it cleans up and says so), during a bulk run it leaves the run's own
//! handling be (the run stops gracefully), and otherwise it exits 130 as before.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static WATCHING: Once = Once::new();
static PROMPTING: AtomicBool = AtomicBool::new(false);
/// SIGINTs the watcher has taken.
static SEEN: AtomicU64 = AtomicU64::new(0);
static RUN_HANDLES_IT: AtomicBool = AtomicBool::new(false);

/// Starts the watcher (once; inside the runtime).
pub fn watch() {
    WATCHING.call_once(|| {
        #[cfg(unix)]
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        {
            tokio::spawn(async move {
                while sig.recv().await.is_some() {
                    SEEN.fetch_add(1, Ordering::SeqCst);
                    if !(PROMPTING.load(Ordering::SeqCst) || RUN_HANDLES_IT.load(Ordering::SeqCst))
                    {
                        std::process::exit(130);
                    }
                }
            });
        }
    });
}

/// Marks a prompt as showing while `f` runs; `interrupted` tells from its result whether it
/// ended by Ctrl-C, whose SIGINT (raised by the prompt itself) the watcher must take while
/// the prompt still counts as showing.
pub fn prompting<T>(f: impl FnOnce() -> T, interrupted: impl Fn(&T) -> bool) -> T {
    watch();
    let seen = SEEN.load(Ordering::SeqCst);
    PROMPTING.store(true, Ordering::SeqCst);
    let out = f();
    if interrupted(&out) {
        let until = std::time::Instant::now() + std::time::Duration::from_millis(500);
        while SEEN.load(Ordering::SeqCst) == seen && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    PROMPTING.store(false, Ordering::SeqCst);
    out
}

/// A bulk run handles Ctrl-C itself from now on.
pub fn run_handles_it() {
    RUN_HANDLES_IT.store(true, Ordering::SeqCst);
}
