//! `retry --canary[=N]`: for each destination (a message's URL, a run's workflow URL), N
//! entries are retried first and followed to a final state; the rest of that destination goes
//! only once they were delivered. A destination whose canary fails again is stopped with its
//! other entries untouched. The plan of lanes is pure; the runner sends and follows.

use std::collections::HashMap;

use super::follow::{FinalState, Results};
use crate::model::DlqEntry;

/// One destination's entries: the canaries first, the rest after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub dest: String,
    pub canaries: Vec<String>,
    pub rest: Vec<String>,
}

/// What an entry is delivered to.
pub fn destination(e: &DlqEntry) -> String {
    e.workflow_url
        .clone()
        .filter(|_| e.is_workflow())
        .or_else(|| e.url.clone())
        .unwrap_or_else(|| "(no URL)".to_string())
}

/// The lanes of `ids` (in their order, destinations in order of first appearance), `n`
/// canaries each. An id whose entry is unknown is a destination of its own.
pub fn lanes(ids: &[String], entries: &[DlqEntry], n: usize) -> Vec<Lane> {
    let dest: HashMap<&str, String> = entries
        .iter()
        .map(|e| (e.dlq_id.as_str(), destination(e)))
        .collect();
    let mut out: Vec<Lane> = Vec::new();
    for id in ids {
        let d = dest
            .get(id.as_str())
            .cloned()
            .unwrap_or_else(|| format!("(entry {id})"));
        let lane = match out.iter().position(|l| l.dest == d) {
            Some(i) => &mut out[i],
            None => {
                out.push(Lane {
                    dest: d,
                    canaries: Vec::new(),
                    rest: Vec::new(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        if lane.canaries.len() < n.max(1) {
            lane.canaries.push(id.clone());
        } else {
            lane.rest.push(id.clone());
        }
    }
    out
}

/// How a lane's canaries ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every canary was delivered: the rest may go.
    Passed,
    /// A canary did not get through: it failed again (its new DLQ id, when known), or was not
    /// delivered when the wait ended, or could not be retried at all.
    Stopped {
        canary: String,
        new_dlq_id: Option<String>,
        why: String,
    },
}

/// Whether a lane's canaries all got through, from the follow's results; `retried`: the
/// canaries whose retry was accepted (the others failed at once or were gone).
pub fn judge(lane: &Lane, retried: &[String], results: &Results) -> Verdict {
    for c in &lane.canaries {
        if !retried.contains(c) {
            return Verdict::Stopped {
                canary: c.clone(),
                new_dlq_id: None,
                why: "its retry was not accepted".into(),
            };
        }
        match results.get(c) {
            Some((FinalState::Delivered, _)) => {}
            Some((FinalState::Failed, new)) => {
                return Verdict::Stopped {
                    canary: c.clone(),
                    new_dlq_id: new.clone(),
                    why: "it failed again".into(),
                };
            }
            _ => {
                return Verdict::Stopped {
                    canary: c.clone(),
                    new_dlq_id: None,
                    why: "it was not delivered before the wait ended".into(),
                };
            }
        }
    }
    Verdict::Passed
}

/// A destination stopped because its canary did not get through.
#[derive(Debug, Clone)]
pub struct Stopped {
    pub dest: String,
    pub canary: String,
    /// The canary's new DLQ entry, when it failed again.
    pub new_dlq_id: Option<String>,
    pub why: String,
    /// The entries of the destination left untouched in the DLQ.
    pub left: usize,
    /// The diagnosis of the canary's new failure, when it failed again and could be read.
    pub diagnosis: Option<crate::diagnose::Diagnosis>,
}

impl Stopped {
    pub fn new(lane: &Lane, v: Verdict) -> Option<Stopped> {
        match v {
            Verdict::Passed => None,
            Verdict::Stopped {
                canary,
                why,
                new_dlq_id,
            } => Some(Stopped {
                dest: lane.dest.clone(),
                canary,
                new_dlq_id,
                why,
                left: lane.rest.len(),
                diagnosis: None,
            }),
        }
    }

    /// The lines the run's summary gives it.
    pub fn lines(&self) -> Vec<String> {
        use crate::text::sanitize::inline;
        let mut out = vec![format!(
            "Stopped {}: its canary {} did not get through ({}); its other {} left untouched in the DLQ.",
            inline(&self.dest),
            inline(&self.canary),
            self.why,
            super::verdict::entries(self.left),
        )];
        if let Some(id) = &self.new_dlq_id {
            out.push(format!("  Its new DLQ entry: {}", inline(id)));
        }
        if let Some(d) = &self.diagnosis {
            out.push(format!("  Cause: {} [{}]", inline(&d.cause), inline(&d.id)));
            out.push(format!("  Fix: {}", inline(&d.fix)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, url: &str) -> DlqEntry {
        serde_json::from_value(serde_json::json!({"dlqId": id, "url": url})).unwrap()
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_destination_sends_its_first_entries_first() {
        let entries = [
            e("1", "https://a/x"),
            e("2", "https://b/y"),
            e("3", "https://a/x"),
            e("4", "https://a/x"),
        ];
        let l = lanes(&ids(&["1", "2", "3", "4", "5"]), &entries, 1);
        assert_eq!(
            l,
            [
                Lane {
                    dest: "https://a/x".into(),
                    canaries: ids(&["1"]),
                    rest: ids(&["3", "4"])
                },
                Lane {
                    dest: "https://b/y".into(),
                    canaries: ids(&["2"]),
                    rest: vec![]
                },
                Lane {
                    dest: "(entry 5)".into(),
                    canaries: ids(&["5"]),
                    rest: vec![]
                },
            ]
        );
        let two = lanes(&ids(&["1", "3", "4"]), &entries, 2);
        assert_eq!((two[0].canaries.len(), two[0].rest.len()), (2, 1));
    }

    #[test]
    fn a_stopped_destination_names_its_canary_what_is_left_and_why() {
        let lane = Lane {
            dest: "https://a/x".into(),
            canaries: ids(&["1"]),
            rest: ids(&["3", "4"]),
        };
        let v = Verdict::Stopped {
            canary: "1".into(),
            new_dlq_id: Some("9-0".into()),
            why: "it failed again".into(),
        };
        let mut s = Stopped::new(&lane, v).unwrap();
        s.diagnosis = Some(crate::diagnose::diagnose(&serde_json::from_value(serde_json::json!({
            "dlqId": "9-0", "responseStatus": 404, "responseHeader": {"Ngrok-Error-Code": ["ERR_NGROK_3200"]}
        })).unwrap()));
        let l = s.lines();
        assert_eq!(
            l[0],
            "Stopped https://a/x: its canary 1 did not get through (it failed again); its other 2 entries left untouched in the DLQ."
        );
        assert_eq!(l[1], "  Its new DLQ entry: 9-0");
        assert!(
            l[2].contains("[ngrok-endpoint-offline]") && l[3].starts_with("  Fix: "),
            "{l:?}"
        );
        assert!(Stopped::new(&lane, Verdict::Passed).is_none());
    }

    #[test]
    fn a_lane_passes_only_when_every_canary_was_delivered() {
        let lane = Lane {
            dest: "d".into(),
            canaries: ids(&["1", "2"]),
            rest: ids(&["3"]),
        };
        let mut r = Results::new();
        r.insert("1".into(), (FinalState::Delivered, None));
        r.insert("2".into(), (FinalState::Delivered, None));
        assert_eq!(judge(&lane, &ids(&["1", "2"]), &r), Verdict::Passed);
        r.insert("2".into(), (FinalState::Failed, Some("9-0".into())));
        assert!(
            matches!(judge(&lane, &ids(&["1", "2"]), &r), Verdict::Stopped { new_dlq_id: Some(n), .. } if n == "9-0")
        );
        r.insert("2".into(), (FinalState::Pending, None));
        assert!(matches!(
            judge(&lane, &ids(&["1", "2"]), &r),
            Verdict::Stopped { .. }
        ));
        assert!(
            matches!(judge(&lane, &ids(&["1"]), &r), Verdict::Stopped { canary, .. } if canary == "2")
        );
    }
}
