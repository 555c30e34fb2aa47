//! The progress bar of bulk runs: on stderr, on a terminal only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar(ProgressBar);

impl Bar {
    /// A bar for `total` entries; hidden when `show` is false.
    pub fn new(total: u64, verb: &str, show: bool) -> Bar {
        let pb = ProgressBar::with_draw_target(
            Some(total),
            if show {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        // The rate as a whole number ("120/s"), not indicatif's "5,904.0736/s".
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{verb} {{bar:30}} {{pos}}/{{len}} ({{rate}}, ETA {{eta}}) {{msg}}"
        )) {
            pb.set_style(style.with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", s.per_sec().round() as u64);
                },
            ));
        }
        Bar(pb)
    }

    /// `n` more entries to do (selected while the run goes).
    pub fn grow(&self, n: u64) {
        self.0.inc_length(n);
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }

    /// `n` more entries done, `failed` of them failed in the last call.
    pub fn advance_by(&self, n: u64, failed: usize) {
        self.0.inc(n);
        if failed > 0 {
            self.0.set_message(format!(
                "{failed} {} in the last call",
                if failed == 1 { "failure" } else { "failures" }
            ));
        }
    }
}
