//! The parallel pager against `dlq dev`: generated distributions of `createdAt` (all in one
//! second, a burst among sparse entries, crowded milliseconds side by side) and `dlq list
//! --all` must print every matching entry exactly once, oldest first. Entries get the times
//! chosen by publishing under a test clock (an entry's `createdAt` is its message's).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::support::Dev;
use dlq::server::clock::Clock;
use dlq::server::{Server, ServerConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

pub(crate) struct TestClock(pub(crate) AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Real now, rounded: generated times lie before it (the pager reads up to now).
fn base() -> i64 {
    chrono::Utc::now().timestamp_millis() - 40 * 86_400_000
}

struct Bench {
    dev: Dev,
    clock: Arc<TestClock>,
    case: std::sync::atomic::AtomicUsize,
}

impl Bench {
    async fn start() -> Bench {
        let clock = Arc::new(TestClock(AtomicI64::new(base())));
        let cfg = ServerConfig::for_tests();
        let token = cfg.token.clone();
        let server = Server::start_with_clock(cfg, clock.clone()).await.unwrap();
        let url = server.url().to_string();
        Bench {
            dev: Dev {
                server: Some(server),
                url,
                token,
                http: reqwest::Client::new(),
            },
            clock,
            case: Default::default(),
        }
    }

    /// Puts one failed entry per time in `times` into the DLQ, labelled for this case; returns
    /// the label.
    async fn fill(&self, times: &[i64]) -> String {
        let label = format!("case{}", self.case.fetch_add(1, Ordering::SeqCst));
        let mut by_time: BTreeMap<i64, usize> = BTreeMap::new();
        for t in times {
            *by_time.entry(*t).or_default() += 1;
        }
        let mut n = 0;
        for (t, count) in by_time {
            self.clock.0.store(t, Ordering::SeqCst);
            let mut left = count;
            while left > 0 {
                let k = left.min(100);
                let items: Vec<Value> = (0..k)
                    .map(|i| {
                        n += 1;
                        json!({
                            "destination": "http://127.0.0.1:1/pager",
                            "body": format!("{{\"n\":{}}}", n + i),
                            "headers": {"Upstash-Retries": "0", "Upstash-Label": label},
                        })
                    })
                    .collect();
                let res = self
                    .dev
                    .req(reqwest::Method::POST, "/v2/batch")
                    .json(&items)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.text().await.unwrap());
                left -= k;
            }
        }
        // Every delivery is due now.
        self.clock
            .0
            .store(chrono::Utc::now().timestamp_millis(), Ordering::SeqCst);
        self.dev
            .wait_dlq(&format!("/v2/dlq?label={label}"), times.len())
            .await;
        label
    }

    /// `dlq list --all -o ndjson` of the case: every entry once, oldest first.
    async fn check(&self, label: &str, times: &[i64], concurrency: usize) {
        let c = concurrency.to_string();
        let r = self
            .dev
            .dlq(&[
                "list",
                "--all",
                "-o",
                "ndjson",
                "--label",
                label,
                "--concurrency",
                &c,
            ])
            .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let got: Vec<Value> = r
            .lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut ids: Vec<&str> = got.iter().map(|e| e["dlqId"].as_str().unwrap()).collect();
        let created: Vec<i64> = got
            .iter()
            .map(|e| e["createdAt"].as_i64().unwrap())
            .collect();
        assert!(
            got.windows(2).all(|w| {
                let key = |e: &Value| {
                    (
                        e["createdAt"].as_i64().unwrap(),
                        e["dlqId"].as_str().unwrap().to_string(),
                    )
                };
                // Oldest first; within a millisecond by dlqId (a crowded millisecond may
                // come in the API's order).
                key(&w[0]) <= key(&w[1]) || w[0]["createdAt"] == w[1]["createdAt"]
            }),
            "not oldest first"
        );
        let mut want: Vec<i64> = times.to_vec();
        want.sort_unstable();
        let mut sorted_created = created.clone();
        sorted_created.sort_unstable();
        assert_eq!(sorted_created, want, "the createdAt of what was listed");
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "an entry was listed twice");
        assert_eq!(n, times.len());
    }
}

fn run(name: &str, cases: u32, strategy: impl Strategy<Value = (Vec<i64>, usize)>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bench = rt.block_on(Bench::start());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(times, concurrency)| {
        rt.block_on(async {
            let label = bench.fill(&times).await;
            bench.check(&label, &times, concurrency).await;
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

#[test]
fn every_entry_once_when_all_fall_in_one_second() {
    let b = base() + 20 * 86_400_000;
    run(
        "one second",
        4,
        (proptest::collection::vec(0i64..1000, 150..700), 1usize..=16)
            .prop_map(move |(offsets, c)| (offsets.into_iter().map(|o| b + o).collect(), c)),
    );
}

#[test]
fn every_entry_once_with_a_burst_among_sparse_entries() {
    let b = base();
    run(
        "burst among sparse",
        4,
        (
            proptest::collection::vec(0i64..30 * 86_400_000, 0..120),
            200usize..800,
            0i64..30 * 86_400_000,
            0i64..20,
            1usize..=16,
        )
            .prop_map(move |(sparse, burst, at, spread, c)| {
                let mut t: Vec<i64> = sparse.into_iter().map(|o| b + o).collect();
                t.extend((0..burst as i64).map(|i| b + at + i % (spread + 1)));
                (t, c)
            }),
    );
}

#[test]
fn every_entry_once_when_crowded_milliseconds_meet_at_a_window_edge() {
    let b = base() + 10 * 86_400_000;
    run(
        "crowded milliseconds",
        4,
        (
            101usize..400,
            0usize..300,
            proptest::collection::vec(-5_000i64..5_000, 0..150),
            1usize..=16,
        )
            .prop_map(move |(k, m, other, c)| {
                // k entries in one millisecond and m in the next: more than a page where a
                // window cannot be split, wherever the edges fall.
                let mut t = vec![b; k];
                t.extend(vec![b + 1; m]);
                t.extend(other.into_iter().map(|o| b + o));
                (t, c)
            }),
    );
}

/// Under a rate limit (and failing calls), a parallel listing still prints every entry once;
/// a 429 pauses every worker until the window resets, so few calls are refused (12 calls a
/// second: fewer than a listing of 1,500 entries makes).
#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_listing_slows_every_worker_and_stays_exact() {
    let dev = Dev::start().await;
    // Batches a few milliseconds apart, as a client publishing them would send them.
    dev.fail_batched("limited", 1500, std::time::Duration::from_millis(3))
        .await;
    dev.wait_dlq("/v2/dlq", 1500).await;
    dev.server().faults().set_rate_limit(12);
    dev.server().faults().set_fault_rate(0.1);
    let r = dev
        .dlq(&["list", "--all", "-o", "ids", "--concurrency", "16"])
        .await;
    dev.server().faults().set_rate_limit(0);
    dev.server().faults().set_fault_rate(0.0);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut ids = r.lines();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((n, ids.len()), (1500, 1500), "every entry once");
    let limited = dev.server().faults().limited();
    assert!(limited > 0, "the limit was reached");
    assert!(
        limited <= 40,
        "{limited} calls refused: the workers did not wait together"
    );
}
