//! The progress bar of bulk runs: on stderr, on a terminal only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bulk::{Outcome, Progress};

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
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{verb} {{bar:30}} {{pos}}/{{len}} ({{per_sec}}, ETA {{eta}}) {{msg}}"
        )) {
            pb.set_style(style);
        }
        Bar(pb)
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn advance(&self, outcomes: &[Outcome]) {
        self.0.inc(outcomes.len() as u64);
        let failed = outcomes
            .iter()
            .filter(|o| o.status == crate::bulk::Status::Failed)
            .count();
        if failed > 0 {
            self.0
                .set_message(format!("{failed} failed in the last call"));
        }
    }
}
