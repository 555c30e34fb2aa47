//! The scheduler's state, without I/O: due deliveries in a heap, and the gates (a queue's
//! parallelism, a flow-control key's parallelism and rate, either paused) that admit them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::message::Message;
use crate::wire::flow_control::{DEFAULT_PERIOD_SECS, FlowControl};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GateKey {
    Queue(String),
    Flow(String),
}

#[derive(Debug, Clone)]
pub struct Due {
    pub at: i64,
    pub seq: u64,
    pub id: String,
    pub gates: Vec<GateKey>,
    /// The message as last stored, so a delivery needs no read from the store.
    pub msg: Box<Message>,
    /// Held back by a gate's rate until `at` (counted in the gate's wait list).
    pub held: bool,
}

impl PartialEq for Due {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Debug, Default)]
pub struct Gate {
    pub(super) parallelism: Option<u32>,
    /// (messages, period in ms)
    pub(super) rate: Option<(u32, i64)>,
    pub(super) paused: bool,
    pub(super) holding: HashSet<String>,
    pub(super) window_start: i64,
    pub(super) window_count: u32,
    pub(super) waiting: VecDeque<Due>,
    /// A flow-control key's settings pinned (`/v2/flowControl/{key}/pin`): a message's own
    /// settings do not change them.
    pub(super) pinned_parallelism: bool,
    pub(super) pinned_rate: bool,
}

pub enum Admit {
    Go,
    Park,
    Later(i64),
}

impl Gate {
    pub(super) fn check(&mut self, id: &str, now: i64) -> Admit {
        if self.holding.contains(id) {
            return Admit::Go;
        }
        if self.paused {
            return Admit::Park;
        }
        if let Some(p) = self.parallelism
            && self.holding.len() >= p as usize
        {
            return Admit::Park;
        }
        if let Some((n, period)) = self.rate {
            if now >= self.window_start + period {
                self.window_start = now;
                self.window_count = 0;
            }
            if self.window_count >= n {
                return Admit::Later(self.window_start + period);
            }
        }
        Admit::Go
    }

    pub(super) fn take(&mut self, id: &str) {
        if self.holding.insert(id.to_string()) && self.rate.is_some() {
            self.window_count += 1;
        }
    }

    fn free_slots(&self) -> usize {
        if self.paused {
            return 0;
        }
        match self.parallelism {
            Some(p) => (p as usize).saturating_sub(self.holding.len()),
            None => usize::MAX,
        }
    }
}

#[derive(Default)]
pub struct Sched {
    pub(super) heap: BinaryHeap<Due>,
    pub(super) seq: u64,
    pub(super) gates: HashMap<GateKey, Gate>,
    /// Queue name → (parallelism, paused).
    pub(super) queues: HashMap<String, (u32, bool)>,
    /// Messages cancelled while scheduled; skipped when they come due.
    pub(super) cancelled: HashSet<String>,
}

impl Sched {
    pub(super) fn gate(&mut self, k: &GateKey) -> &mut Gate {
        let queues = &self.queues;
        self.gates.entry(k.clone()).or_insert_with(|| {
            let mut g = Gate::default();
            if let GateKey::Queue(q) = k {
                let (p, paused) = queues.get(q).copied().unwrap_or((1, false));
                g.parallelism = Some(p.max(1));
                g.paused = paused;
            }
            g
        })
    }

    /// Moves up to the free slots' worth of waiting items back onto the heap.
    pub(super) fn wake(&mut self, k: &GateKey, now: i64) {
        let mut moved = Vec::new();
        if let Some(g) = self.gates.get_mut(k) {
            let n = g.free_slots().min(g.waiting.len());
            moved.extend(g.waiting.drain(..n));
        }
        for mut d in moved {
            d.at = d.at.min(now);
            self.heap.push(d);
        }
    }

    /// The due deliveries their gates admit now (up to 1024), and when the next is due.
    pub fn take_ready(&mut self, now: i64) -> (Vec<Due>, Option<i64>) {
        let s = self;
        let mut ready = Vec::new();
        while ready.len() < 1024 {
            match s.heap.peek() {
                Some(d) if d.at <= now => {}
                _ => break,
            }
            let Some(due) = s.heap.pop() else { break };
            let mut verdict = Admit::Go;
            let mut blocking: Option<GateKey> = None;
            for k in &due.gates {
                match s.gate(k).check(&due.id, now) {
                    Admit::Go => {}
                    other => {
                        verdict = other;
                        blocking = Some(k.clone());
                        break;
                    }
                }
            }
            match verdict {
                Admit::Go => {
                    for k in &due.gates {
                        s.gate(k).take(&due.id);
                    }
                    let mut due = due;
                    due.held = false;
                    ready.push(due);
                }
                Admit::Park => {
                    if let Some(k) = blocking {
                        s.gate(&k).waiting.push_back(due);
                    }
                }
                Admit::Later(at) => {
                    let mut d = due;
                    d.at = at;
                    d.held = true;
                    s.heap.push(d);
                }
            }
        }
        let next = s.heap.peek().map(|d| d.at);
        (ready, next)
    }
}

/// A flow-control key as `GET /v2/flowControl/{key}` answers it (the SDKs' `FlowControlInfo`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FlowInfo {
    pub flow_control_key: String,
    pub wait_list_size: usize,
    /// 0 when the key sets no parallelism (the SDKs read a missing one as 0).
    pub parallelism_max: u32,
    pub parallelism_count: usize,
    pub rate_max: u32,
    pub rate_count: u32,
    /// Seconds.
    pub rate_period: i64,
    /// Unix seconds.
    pub rate_period_start: i64,
    pub is_paused: bool,
    pub is_pinned_parallelism: bool,
    pub is_pinned_rate: bool,
}

/// What `pin` sets (each part left out is kept).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pin {
    pub parallelism: Option<u32>,
    pub rate: Option<u32>,
    /// Seconds.
    pub period: Option<u32>,
}

impl Sched {
    /// The gate of a message's flow control (made on first use); a pinned part keeps its
    /// pinned value whatever the message says.
    pub fn configure_flow(&mut self, fc: &FlowControl) -> GateKey {
        let k = GateKey::Flow(fc.key.clone());
        let g = self.gate(&k);
        if !g.pinned_parallelism {
            g.parallelism = fc.parallelism.filter(|p| *p > 0);
        }
        if !g.pinned_rate {
            g.rate = fc
                .rate
                .filter(|r| *r > 0)
                .map(|r| (r, fc.period_secs() as i64 * 1000));
        }
        k
    }

    /// Every flow-control key seen, by name.
    pub fn flows(&self, now: i64) -> Vec<FlowInfo> {
        let mut keys: Vec<&String> = self
            .gates
            .keys()
            .filter_map(|k| match k {
                GateKey::Flow(f) => Some(f),
                GateKey::Queue(_) => None,
            })
            .collect();
        keys.sort();
        keys.into_iter().filter_map(|k| self.flow(k, now)).collect()
    }

    /// One flow-control key, if it was ever used (or paused or pinned).
    pub fn flow(&self, key: &str, now: i64) -> Option<FlowInfo> {
        let k = GateKey::Flow(key.to_string());
        let g = self.gates.get(&k)?;
        let held = self
            .heap
            .iter()
            .filter(|d| d.held && d.gates.contains(&k))
            .count();
        let (rate_max, period_ms) = g.rate.unwrap_or((0, DEFAULT_PERIOD_SECS as i64 * 1000));
        let current = g.rate.is_some() && now < g.window_start + period_ms;
        Some(FlowInfo {
            flow_control_key: key.to_string(),
            wait_list_size: g.waiting.len() + held,
            parallelism_max: g.parallelism.unwrap_or(0),
            parallelism_count: g.holding.len(),
            rate_max,
            rate_count: if current { g.window_count } else { 0 },
            rate_period: period_ms / 1000,
            rate_period_start: if current { g.window_start } else { now } / 1000,
            is_paused: g.paused,
            is_pinned_parallelism: g.pinned_parallelism,
            is_pinned_rate: g.pinned_rate,
        })
    }

    /// Pauses or resumes a flow-control key (made if it is new, so a key can be paused
    /// before its first message).
    pub fn pause_flow(&mut self, key: &str, paused: bool, now: i64) {
        let k = GateKey::Flow(key.to_string());
        self.gate(&k).paused = paused;
        self.wake(&k, now);
    }

    /// Pins a key's settings and starts a new rate period ("pinning resets the current
    /// state", the docs).
    pub fn pin_flow(&mut self, key: &str, pin: Pin, now: i64) {
        let k = GateKey::Flow(key.to_string());
        let g = self.gate(&k);
        if let Some(p) = pin.parallelism {
            g.parallelism = (p > 0).then_some(p);
            g.pinned_parallelism = true;
        }
        if pin.rate.is_some() || pin.period.is_some() {
            let (old_rate, old_period) = g.rate.unwrap_or((0, DEFAULT_PERIOD_SECS as i64 * 1000));
            let rate = pin.rate.unwrap_or(old_rate);
            let period = pin.period.map_or(old_period, |p| p.max(1) as i64 * 1000);
            g.rate = (rate > 0).then_some((rate, period));
            g.pinned_rate = true;
        }
        self.reset_rate(key, now);
    }

    /// Unpins the parts named (the settings stay until a message brings others).
    pub fn unpin_flow(&mut self, key: &str, parallelism: bool, rate: bool) {
        if let Some(g) = self.gates.get_mut(&GateKey::Flow(key.to_string())) {
            g.pinned_parallelism &= !parallelism;
            g.pinned_rate &= !rate;
        }
    }

    /// Ends the key's rate period now: its count starts again, and what its rate held back
    /// is due at once.
    pub fn reset_rate(&mut self, key: &str, now: i64) {
        let k = GateKey::Flow(key.to_string());
        let g = self.gate(&k);
        g.window_start = now;
        g.window_count = 0;
        let mut all = std::mem::take(&mut self.heap).into_vec();
        for d in all.iter_mut().filter(|d| d.held && d.gates.contains(&k)) {
            d.at = d.at.min(now);
        }
        self.heap = all.into();
        self.wake(&k, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(p: Option<u32>, r: Option<u32>) -> FlowControl {
        FlowControl {
            key: "k".into(),
            parallelism: p,
            rate: r,
            period: None,
        }
    }

    fn due(s: &mut Sched, id: &str, f: &FlowControl, at: i64) {
        let k = s.configure_flow(f);
        s.seq += 1;
        s.heap.push(Due {
            at,
            seq: s.seq,
            id: id.into(),
            gates: vec![k],
            msg: Box::default(),
            held: false,
        });
    }

    fn ids(v: &[Due]) -> Vec<&str> {
        v.iter().map(|d| d.id.as_str()).collect()
    }

    #[test]
    fn a_keys_parallelism_parks_the_rest_and_counts_them_waiting() {
        let mut s = Sched::default();
        for id in ["a", "b", "c"] {
            due(&mut s, id, &fc(Some(1), None), 0);
        }
        let (ready, _) = s.take_ready(0);
        assert_eq!(ids(&ready), ["a"]);
        let f = s.flow("k", 0).unwrap();
        assert_eq!(
            (f.parallelism_count, f.wait_list_size, f.parallelism_max),
            (1, 2, 1)
        );
        assert_eq!(f.rate_period, 1, "the default period");
        assert!(s.flow("other", 0).is_none());
    }

    #[test]
    fn a_pin_outlasts_what_messages_say_until_it_is_unpinned() {
        let mut s = Sched::default();
        due(&mut s, "a", &fc(Some(1), None), 0);
        s.pin_flow(
            "k",
            Pin {
                parallelism: Some(4),
                rate: Some(10),
                period: Some(60),
            },
            0,
        );
        due(&mut s, "b", &fc(Some(1), Some(1)), 0);
        let f = s.flow("k", 0).unwrap();
        assert_eq!((f.parallelism_max, f.rate_max, f.rate_period), (4, 10, 60));
        assert!(f.is_pinned_parallelism && f.is_pinned_rate);
        s.unpin_flow("k", true, false);
        due(&mut s, "c", &fc(Some(2), Some(1)), 0);
        let f = s.flow("k", 0).unwrap();
        assert_eq!(
            (f.parallelism_max, f.rate_max),
            (2, 10),
            "only the rate stays pinned"
        );
        assert!(!f.is_pinned_parallelism && f.is_pinned_rate);
    }

    #[test]
    fn a_paused_key_admits_nothing_and_resuming_or_a_rate_reset_lets_them_go() {
        let mut s = Sched::default();
        s.pause_flow("k", true, 0);
        for id in ["a", "b"] {
            due(&mut s, id, &fc(None, Some(1)), 0);
        }
        assert!(s.take_ready(0).0.is_empty(), "paused");
        assert_eq!(s.flow("k", 0).unwrap().wait_list_size, 2);
        s.pause_flow("k", false, 0);
        let (ready, next) = s.take_ready(0);
        assert_eq!(ids(&ready), ["a"], "one a second");
        assert_eq!(next, Some(1000), "the other waits for the next period");
        let f = s.flow("k", 10).unwrap();
        assert_eq!((f.rate_count, f.wait_list_size), (1, 1));
        s.reset_rate("k", 10);
        assert_eq!(
            ids(&s.take_ready(10).0),
            ["b"],
            "a reset ends the period now"
        );
    }
}
