//! The guard stage: what a plan must satisfy before anything is previewed, confirmed or sent.

use super::resolve::{Plan, Spec};
use super::verdict::entries;
use super::{Action, Verb};
use crate::error::CliError;

/// Checks the plan against the command's options: `--new-run-id` names the new run of exactly
/// one workflow run (resumed or restarted), so it is refused with anything else.
pub fn check(mut p: Plan, spec: &Spec) -> Result<Plan, CliError> {
    if let Some(id) = &spec.new_run_id {
        let runs: usize = p
            .groups
            .iter()
            .filter(|g| matches!(g.action, Action::Resume | Action::Restart))
            .map(|g| g.ids.len())
            .sum();
        if runs != 1 || p.total() != 1 {
            return Err(CliError::usage(format!(
                "--new-run-id names one new run: it takes exactly one workflow run to resume or restart ({} selected)",
                p.total()
            )));
        }
        p.new_run_id = Some(id.clone());
    }
    Ok(p)
}

/// Nothing selected and nothing listed as the run goes (a resumed `--wait` with nothing left
/// to send still follows what was sent before).
pub fn nothing_to_do(p: &Plan, spec: &Spec) -> bool {
    p.total() == 0 && p.selecting.is_none() && (spec.wait.is_none() || p.earlier.is_empty())
}

/// "Nothing to retry: no DLQ entries selected."
pub fn nothing_selected(verb: Verb) -> String {
    format!("Nothing to {}: no DLQ entries selected.", verb.name())
}

/// Refusal of a run that needs `--yes` off a terminal.
pub fn needs_yes(verb: Verb, total: usize) -> String {
    format!(
        "refusing to {} {} without --yes when not running on a terminal (preview with --dry-run)",
        verb.name(),
        entries(total)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::Group;

    fn spec(new_run_id: Option<&str>) -> Spec {
        Spec {
            verb: Verb::Retry,
            action: |_| Action::Resume,
            workflow_only: false,
            headers: vec![],
            max_failures: None,
            new_run_id: new_run_id.map(String::from),
            wait: None,
            canary: None,
        }
    }

    fn plan(action: Action, n: usize) -> Plan {
        Plan {
            groups: vec![Group {
                action,
                workflow: true,
                ids: (0..n).map(|i| format!("{i}-0")).collect(),
            }],
            ..Plan::default()
        }
    }

    #[test]
    fn a_new_run_id_takes_exactly_one_run_to_resume_or_restart() {
        let p = check(plan(Action::Resume, 1), &spec(Some("wfr_x"))).unwrap();
        assert_eq!(p.new_run_id.as_deref(), Some("wfr_x"));
        let Err(e) = check(plan(Action::Resume, 2), &spec(Some("wfr_x"))) else {
            panic!("two runs with one new run id")
        };
        assert!(e.message.contains("(2 selected)"), "{}", e.message);
        assert!(check(plan(Action::Callback, 1), &spec(Some("wfr_x"))).is_err());
        assert!(check(plan(Action::Resume, 2), &spec(None)).is_ok());
    }

    #[test]
    fn nothing_to_do_unless_listing_or_following_earlier_retries() {
        assert!(nothing_to_do(&plan(Action::Retry, 0), &spec(None)));
        assert!(!nothing_to_do(&plan(Action::Retry, 1), &spec(None)));
        let mut waiting = spec(None);
        waiting.wait = Some(std::time::Duration::from_secs(1));
        let mut p = plan(Action::Retry, 0);
        p.earlier = vec![crate::bulk::Outcome::retried("1-0", None, None)];
        assert!(!nothing_to_do(&p, &waiting));
        assert!(nothing_to_do(&p, &spec(None)));
    }
}
