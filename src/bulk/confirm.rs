//! The confirmation stage: whether a run goes ahead, asks first, or is refused.

use super::Verb;
use super::guard::needs_yes;
use super::report::question;
use super::resolve::{Plan, Spec};
use crate::cli::BulkArgs;
use crate::ctx::Ctx;
use crate::error::CliError;

/// What the confirmation stage decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Go,
    /// Ask this question at the terminal.
    Ask(String),
    /// Refuse the run (a usage error) with this message.
    Refuse(String),
}

/// `--yes` and `--resume` go ahead; at a terminal every run asks, but for one id retried by
/// name with nothing to warn of; off a terminal, what a filter or stdin selected needs `--yes`.
pub fn decide(
    p: &Plan,
    verb: Verb,
    yes: bool,
    can_prompt: bool,
    target: &str,
    warned: bool,
) -> Decision {
    if yes || p.resume.is_some() {
        return Decision::Go;
    }
    if can_prompt {
        let single_retry = !p.needs_yes && p.total() == 1 && verb == Verb::Retry && !warned;
        if single_retry {
            Decision::Go
        } else {
            Decision::Ask(question(&p.groups, p.entries.as_deref(), target))
        }
    } else if p.needs_yes {
        Decision::Refuse(needs_yes(verb, p.total()))
    } else {
        Decision::Go
    }
}

/// What the dry run would warn of, one line per entry (a resume that replays a cached failed
/// result).
fn warnings(p: &Plan) -> Vec<String> {
    let action: std::collections::HashMap<&str, super::Action> = p
        .groups
        .iter()
        .flat_map(|g| g.ids.iter().map(|i| (i.as_str(), g.action)))
        .collect();
    p.entries
        .iter()
        .flatten()
        .filter_map(|e| {
            let w = super::preview::warning(*action.get(e.dlq_id.as_str())?, e)?;
            Some(format!(
                "Warning: {}: {}",
                e.dlq_id,
                crate::text::sanitize::inline(&w)
            ))
        })
        .collect()
}

/// Runs the stage: says what the dry run would warn of, then asks when [`decide`] says so;
/// a "no" is exit 1 with "Nothing changed."
pub fn confirm(ctx: &Ctx, p: &Plan, b: &BulkArgs, spec: &Spec) -> anyhow::Result<()> {
    let target = ctx.target.to_string();
    let warnings = warnings(p);
    let can_prompt = ctx.stdin_tty && ctx.stderr_tty;
    let decision = decide(
        p,
        spec.verb,
        b.yes,
        can_prompt,
        &target,
        !warnings.is_empty(),
    );
    if !matches!(decision, Decision::Refuse(_)) {
        for w in &warnings {
            ctx.hint(w);
        }
    }
    match decision {
        Decision::Go => Ok(()),
        Decision::Refuse(m) => Err(CliError::usage(m).into()),
        Decision::Ask(q) => {
            if crate::prompt::confirm(&q)? {
                Ok(())
            } else {
                ctx.hint("Nothing changed.");
                Err(CliError::declined().into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::{Action, Group};

    fn plan(n: usize, needs_yes: bool) -> Plan {
        of(Action::Retry, n, needs_yes)
    }

    fn of(action: Action, n: usize, needs_yes: bool) -> Plan {
        Plan {
            groups: vec![Group {
                action,
                workflow: false,
                ids: (0..n).map(|i| format!("{i}-0")).collect(),
            }],
            needs_yes,
            ..Plan::default()
        }
    }

    #[test]
    fn yes_and_resume_go_ahead() {
        assert_eq!(
            decide(&plan(5, true), Verb::Delete, true, false, "T", false),
            Decision::Go
        );
        let mut p = plan(5, true);
        p.resume = Some("j.ndjson".into());
        assert_eq!(
            decide(&p, Verb::Delete, false, false, "T", false),
            Decision::Go
        );
    }

    #[test]
    fn a_terminal_asks_except_for_one_named_retry() {
        assert_eq!(
            decide(&plan(1, false), Verb::Retry, false, true, "T", false),
            Decision::Go
        );
        assert_eq!(
            decide(
                &of(Action::Delete, 1, false),
                Verb::Delete,
                false,
                true,
                "T",
                false
            ),
            Decision::Ask("Delete 1 DLQ entry on T?".into())
        );
        assert_eq!(
            decide(&plan(1, true), Verb::Retry, false, true, "T", false),
            Decision::Ask("Retry 1 DLQ entry on T?".into())
        );
    }

    #[test]
    fn a_warning_makes_even_one_named_retry_ask() {
        assert_eq!(
            decide(
                &of(Action::Resume, 1, false),
                Verb::Retry,
                false,
                true,
                "T",
                true
            ),
            Decision::Ask("Resume 1 workflow run on T?".into())
        );
    }

    #[test]
    fn off_a_terminal_a_selection_needs_yes_and_named_ids_do_not() {
        match decide(&plan(3, true), Verb::Retry, false, false, "T", false) {
            Decision::Refuse(m) => assert!(m.contains("retry 3 entries without --yes"), "{m}"),
            d => panic!("{d:?}"),
        }
        assert_eq!(
            decide(&plan(3, false), Verb::Delete, false, false, "T", false),
            Decision::Go
        );
    }
}
