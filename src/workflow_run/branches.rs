//! A parallel group's branches in their real states. The failed delivery carries the run's
//! log as it was when that delivery was sent: a group's plan, but not the results of the
//! branches that finished later, and not the branches planned after it. The workflow logs API
//! (`GET /v2/workflows/logs`) tells which branches succeeded (with their results), which failed
//! and which never finished.

use serde_json::Value;

use super::{DecodedRun, DecodedStep, mask, masked_keys, result_value};

/// Whether the run's log was read for the branches' states.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum BranchLog {
    /// Not asked (no parallel group, or not wanted).
    #[default]
    NotRead,
    Read,
    /// The logs API could not be read (the reason, shown beside the branches).
    Unreadable(String),
}

/// Whether the run has planned branches, whose states only the run's log tells.
pub fn has_branches(run: &DecodedRun) -> bool {
    run.steps.iter().any(DecodedStep::is_plan)
}

/// This entry's run among the runs the logs API gave for its id (a custom run id can name
/// several): the one that dead-lettered as this entry (`dlqId`), else the only one.
pub fn run_of<'a>(runs: &'a [Value], dlq_id: &str) -> Option<&'a Value> {
    runs.iter()
        .find(|r| r["dlqId"].as_str() == Some(dlq_id))
        .or_else(|| (runs.len() == 1).then(|| &runs[0]))
}

/// One step of the run's log, as far as a branch needs it.
struct Logged<'a> {
    id: Option<i64>,
    name: Option<&'a str>,
    state: Option<&'a str>,
    parallel: bool,
    /// In the `next` group (pending or failed steps).
    next: bool,
    /// The index of its group in the log.
    group: usize,
    step: &'a Value,
}

fn logged(log: &Value) -> Vec<Logged<'_>> {
    let groups = log["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    groups
        .iter()
        .enumerate()
        .flat_map(|(group, g)| {
            let parallel = g["type"] == "parallel";
            let next = g["type"] == "next";
            let steps = g["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            steps.iter().map(move |s| Logged {
                id: s["stepId"].as_i64(),
                name: s["stepName"].as_str(),
                state: s["state"].as_str(),
                parallel,
                next,
                group,
                step: s,
            })
        })
        .collect()
}

/// Sets each planned branch's state (and a succeeded branch's result) from the run's log,
/// and adds the branches of the same groups that the entry's log did not carry. Results are
/// masked unless `reveal`; the keys masked are returned.
pub fn apply(run: &mut DecodedRun, log: &Value, reveal: bool) -> Vec<String> {
    let steps = logged(log);
    let mut masked = Vec::new();
    for plan in run.steps.iter_mut().filter(|s| s.is_plan()) {
        // A parallel group's step by its id; the failed branch may sit in the `next` group,
        // named but without an id (as `dlq dev` logged it before it grouped branches).
        let found = steps
            .iter()
            .find(|l| l.parallel && l.id == plan.target_step && names_agree(l, plan))
            .or_else(|| {
                steps
                    .iter()
                    .find(|l| l.next && l.name.is_some() && l.name == plan.step_name.as_deref())
            });
        if let Some(l) = found {
            fill(plan, l, reveal, &mut masked);
        }
    }
    add_missing(run, &steps, reveal, &mut masked);
    run.branch_log = BranchLog::Read;
    masked
}

fn names_agree(l: &Logged, plan: &DecodedStep) -> bool {
    match (l.name, plan.step_name.as_deref()) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn fill(plan: &mut DecodedStep, l: &Logged, reveal: bool, masked: &mut Vec<String>) {
    plan.branch_state = l.state.map(String::from);
    if l.state == Some("STEP_SUCCESS")
        && let Some(out) = l.step.get("out")
    {
        let mut v = result_value(out.clone(), plan.step_type.as_deref());
        if !reveal {
            masked_keys(&v, masked);
            mask(&mut v);
        }
        plan.out = Some(v);
    }
}

/// Branches of a parallel group the log names whose plans the entry did not carry: added
/// after the group's last plan, the group's plans kept in branch order.
fn add_missing(run: &mut DecodedRun, steps: &[Logged], reveal: bool, masked: &mut Vec<String>) {
    let Some(last) = run.steps.iter().rposition(DecodedStep::is_plan) else {
        return;
    };
    let first = run.steps[..=last]
        .iter()
        .rposition(|s| !s.is_plan())
        .map_or(0, |i| i + 1);
    let known: Vec<i64> = run.steps[first..=last]
        .iter()
        .filter_map(|s| s.target_step)
        .collect();
    let concurrent = run.steps[last].concurrent;
    let mut extra = Vec::new();
    for l in steps.iter().filter(|l| l.parallel) {
        let Some(id) = l.id.filter(|i| !known.contains(i) && *i > 0) else {
            continue;
        };
        if l.step["concurrent"].as_i64() != concurrent || !same_group(steps, l, &known) {
            continue;
        }
        let mut plan = DecodedStep {
            message_id: l.step["messageId"].as_str().unwrap_or("").to_string(),
            step_id: Some(0),
            step_name: l.name.map(String::from),
            step_type: l.step["stepType"].as_str().map(String::from),
            concurrent,
            target_step: Some(id),
            ..DecodedStep::default()
        };
        fill(&mut plan, l, reveal, masked);
        extra.push(plan);
    }
    let at = last + 1;
    run.steps.splice(at..at, extra);
    let end = run.steps[first..]
        .iter()
        .position(|s| !s.is_plan())
        .map_or(run.steps.len(), |i| first + i);
    run.steps[first..end].sort_by_key(|s| s.target_step);
}

/// Whether `l` is in the same logged group as one of the known branches.
fn same_group(steps: &[Logged], l: &Logged, known: &[i64]) -> bool {
    steps
        .iter()
        .any(|s| s.group == l.group && s.id.is_some_and(|i| known.contains(&i)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plan(target: i64, name: &str) -> DecodedStep {
        DecodedStep {
            step_id: Some(0),
            step_name: Some(name.into()),
            step_type: Some("Run".into()),
            concurrent: Some(3),
            target_step: Some(target),
            ..DecodedStep::default()
        }
    }

    fn run_with(plans: Vec<DecodedStep>) -> DecodedRun {
        DecodedRun {
            steps: plans,
            ..DecodedRun::default()
        }
    }

    #[test]
    fn the_run_of_an_entry_is_the_one_that_dead_lettered_as_it() {
        let runs = [
            json!({"workflowRunId": "wfr_x", "dlqId": "2-0"}),
            json!({"workflowRunId": "wfr_x", "dlqId": "1-0"}),
        ];
        assert_eq!(run_of(&runs, "1-0").unwrap()["dlqId"], "1-0");
        assert!(
            run_of(&runs, "3-0").is_none(),
            "two runs, neither it: no guess"
        );
        assert_eq!(run_of(&runs[..1], "3-0").unwrap()["dlqId"], "2-0");
    }

    /// The service's shape may log the failed branch in the `next` group, named but without
    /// an id; a succeeded branch's result is masked as the entry's are.
    #[test]
    fn a_failed_branch_in_the_next_group_and_a_succeeded_one_masked() {
        let mut run = run_with(vec![plan(1, "a"), plan(2, "b"), plan(3, "c")]);
        let log = json!({"steps": [
            {"type": "sequential", "steps": [{"stepId": 0, "stepName": "init", "state": "STEP_SUCCESS"}]},
            {"type": "parallel", "steps": [
                {"stepId": 1, "stepName": "a", "state": "STEP_SUCCESS", "out": "{\"password\":\"p\",\"n\":1}", "concurrent": 3}
            ]},
            // A later step that happens to share branch b's name says nothing of b.
            {"type": "sequential", "steps": [{"stepId": 4, "stepName": "b", "state": "STEP_SUCCESS"}]},
            {"type": "next", "steps": [{"messageId": "m", "stepName": "c", "state": "STEP_FAILED"}]}
        ]});
        let masked = apply(&mut run, &log, false);
        let states: Vec<Option<&str>> = run
            .steps
            .iter()
            .map(|s| s.branch_state.as_deref())
            .collect();
        assert_eq!(states, [Some("STEP_SUCCESS"), None, Some("STEP_FAILED")]);
        assert_eq!(
            run.steps[0].out,
            Some(json!({"password": "<redacted>", "n": 1}))
        );
        assert_eq!(masked, ["password"]);
        assert_eq!(run.branch_log, BranchLog::Read);
        let mut revealed = run_with(vec![plan(1, "a")]);
        apply(&mut revealed, &log, true);
        assert_eq!(revealed.steps[0].out.as_ref().unwrap()["password"], "p");
    }

    /// Branches of another group, or of the same ids in a later group, are not mixed in.
    #[test]
    fn only_the_branches_of_the_same_group_are_added_in_branch_order() {
        let mut run = run_with(vec![plan(2, "b")]);
        let log = json!({"steps": [
            {"type": "parallel", "steps": [
                {"stepId": 3, "stepName": "c", "state": "STEP_SUCCESS", "out": "3", "concurrent": 3},
                {"stepId": 1, "stepName": "a", "state": "STEP_CANCELED", "concurrent": 3},
                {"stepId": 2, "stepName": "b", "state": "STEP_FAILED", "concurrent": 3}
            ]},
            {"type": "parallel", "steps": [
                {"stepId": 7, "stepName": "z", "state": "STEP_SUCCESS", "out": "1", "concurrent": 3}
            ]}
        ]});
        apply(&mut run, &log, false);
        let got: Vec<(i64, &str)> = run
            .steps
            .iter()
            .map(|s| (s.target_step.unwrap(), s.branch_state.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "STEP_CANCELED"),
                (2, "STEP_FAILED"),
                (3, "STEP_SUCCESS")
            ]
        );
        assert_eq!(run.steps[2].out, Some(json!(3)));
    }
}
