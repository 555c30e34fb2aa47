//! The end of a bulk run: from its counts to the exit code and the one-line reason. Pure, so
//! each exit code has a unit test.

use super::{Halt, Summary};
use crate::error::{CliError, Exit};

/// How a run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub summary: Summary,
    /// Ids planned for this run.
    pub total: usize,
    /// Why it stopped early, if it did.
    pub halt: Option<Halt>,
    /// A `--resume` run: ids already gone are expected (an earlier attempt may have done them).
    pub resumed: bool,
    /// `--wait`: retried entries that failed again (they count toward `--max-failures`).
    pub failed_again: usize,
    /// `Halt::Unreachable`: the API's address and what the last calls met.
    pub unreachable: Option<(String, String)>,
}

/// "1 entry", "3 entries".
pub fn entries(n: usize) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

impl Tally {
    /// Ids never attempted.
    pub fn untouched(&self) -> usize {
        let s = &self.summary;
        self.total.saturating_sub(s.done + s.not_found + s.failed)
    }
}

/// `Ok` for exit 0, else the exit code and why: 130 interrupted; 1 when nothing succeeded;
/// 3 for a partial failure or some ids missing; 4 when none of the ids was in the DLQ.
pub fn verdict(t: &Tally) -> Result<(), CliError> {
    match t.halt {
        Some(h) => Err(halted(t, h)),
        None => outcome(t),
    }
}

/// A run that stopped early: why, and how many were not attempted (exit 130 for Ctrl-C;
/// else 3 when something was done, 1 when nothing was).
fn halted(t: &Tally, halt: Halt) -> CliError {
    let s = &t.summary;
    let untouched = entries(t.untouched());
    let some_done = if s.done + s.not_found > 0 {
        Exit::Partial
    } else {
        Exit::Error
    };
    let (exit, message) = match halt {
        Halt::Interrupted => (
            Exit::Interrupted,
            format!("interrupted with {untouched} not attempted"),
        ),
        Halt::TooManyFailures => {
            let n = s.failed + t.failed_again;
            let mut failures = if n == 1 {
                "1 failure".to_string()
            } else {
                format!("{n} failures")
            };
            if t.failed_again > 0 {
                failures.push_str(&format!(
                    " ({} of them retried and failed again)",
                    t.failed_again
                ));
            }
            let m = format!("stopped after {failures} (--max-failures); {untouched} not attempted");
            (some_done, m)
        }
        Halt::Unreachable => {
            let (url, cause) = t.unreachable.clone().unwrap_or_default();
            let m = format!(
                "stopped: {url} could not be reached by {} calls in a row ({cause}); {untouched} not attempted",
                super::exec::UNREACHABLE_STOP,
            );
            (some_done, m)
        }
    };
    CliError { exit, message }
}

/// A run that went through: 0, or why not (ids not in the DLQ, failures).
fn outcome(t: &Tally) -> Result<(), CliError> {
    let s = &t.summary;
    let err = |exit, message: String| Err(CliError { exit, message });
    if s.failed == 0 && (s.not_found == 0 || t.resumed) {
        Ok(())
    } else if s.failed == 0 {
        // Asked-for entries that were not in the DLQ: 4 when none was there, 3 when some were
        // (as `show`).
        let exit = if s.done == 0 {
            Exit::NotFound
        } else {
            Exit::Partial
        };
        err(
            exit,
            format!(
                "{} of {} {} not in the DLQ (already retried, deleted or expired)",
                s.not_found,
                entries(t.total),
                if s.not_found == 1 { "was" } else { "were" }
            ),
        )
    } else if s.done + s.not_found > 0 {
        err(
            Exit::Partial,
            format!("{} of {} failed", s.failed, entries(t.total)),
        )
    } else if t.total == 1 {
        err(Exit::Error, "the entry failed".into())
    } else {
        err(Exit::Error, format!("all {} entries failed", t.total))
    }
}

/// After `--wait`: `Ok` only if every retried entry was delivered; else exit 3 and why.
pub fn after_wait(s: &super::follow::Settled) -> Result<(), CliError> {
    let not = s.failed + s.pending + s.unknown;
    if not == 0 {
        return Ok(());
    }
    let mut parts = Vec::new();
    if s.failed > 0 {
        parts.push(format!("{} failed again", s.failed));
    }
    if s.pending > 0 {
        parts.push(format!("{} still pending when the wait ended", s.pending));
    }
    if s.unknown > 0 {
        parts.push(format!("{} could not be followed", s.unknown));
    }
    Err(CliError {
        exit: Exit::Partial,
        message: format!(
            "{not} of {} retried {} not delivered: {}",
            not + s.delivered,
            if not + s.delivered == 1 {
                "entry was"
            } else {
                "entries were"
            },
            parts.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(done: usize, not_found: usize, failed: usize, total: usize) -> Tally {
        Tally {
            summary: Summary {
                done,
                not_found,
                failed,
            },
            total,
            ..Tally::default()
        }
    }

    fn exit(t: &Tally) -> Exit {
        verdict(t).err().map(|e| e.exit).unwrap_or(Exit::Ok)
    }

    #[test]
    fn exit_0_when_everything_was_done() {
        assert_eq!(exit(&tally(5, 0, 0, 5)), Exit::Ok);
        // A resumed run expects ids an earlier attempt did.
        let t = Tally {
            resumed: true,
            failed_again: 0,
            ..tally(3, 2, 0, 5)
        };
        assert_eq!(exit(&t), Exit::Ok);
    }

    #[test]
    fn exit_1_when_nothing_succeeded() {
        let e = verdict(&tally(0, 0, 4, 4)).unwrap_err();
        assert_eq!(
            (e.exit, e.message.as_str()),
            (Exit::Error, "all 4 entries failed")
        );
        assert_eq!(
            verdict(&tally(0, 0, 1, 1)).unwrap_err().message,
            "the entry failed"
        );
        let t = Tally {
            halt: Some(Halt::TooManyFailures),
            ..tally(0, 0, 1, 10)
        };
        let e = verdict(&t).unwrap_err();
        assert_eq!(e.exit, Exit::Error);
        assert!(
            e.message
                .contains("1 failure (--max-failures); 9 entries not attempted")
        );
    }

    #[test]
    fn exit_3_for_a_partial_failure_or_some_ids_missing() {
        assert_eq!(exit(&tally(3, 0, 2, 5)), Exit::Partial);
        let e = verdict(&tally(4, 1, 0, 5)).unwrap_err();
        assert_eq!(e.exit, Exit::Partial);
        assert!(e.message.starts_with("1 of 5 entries was not in the DLQ"));
        let t = Tally {
            halt: Some(Halt::TooManyFailures),
            ..tally(2, 0, 3, 10)
        };
        assert_eq!(exit(&t), Exit::Partial);
    }

    #[test]
    fn exit_4_when_no_id_was_in_the_dlq() {
        let e = verdict(&tally(0, 2, 0, 2)).unwrap_err();
        assert_eq!(e.exit, Exit::NotFound);
        assert!(e.message.starts_with("2 of 2 entries were not in the DLQ"));
    }

    #[test]
    fn exit_130_when_interrupted() {
        let t = Tally {
            halt: Some(Halt::Interrupted),
            ..tally(1, 0, 0, 3)
        };
        let e = verdict(&t).unwrap_err();
        assert_eq!(e.exit, Exit::Interrupted);
        assert_eq!(e.message, "interrupted with 2 entries not attempted");
    }
}
