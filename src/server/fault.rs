//! Fault injection, rate limiting and modelled network latency, in one layer in front of the
//! routes; off by default.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::engine::Engine;
use super::error::ApiError;

/// What the fault middleware needs: the settings and the clock.
#[derive(Clone)]
pub struct FaultLayer {
    pub faults: std::sync::Arc<Faults>,
    pub engine: Engine,
}

/// Closes the client's connection without an answer when notified (set by the server on
/// every request).
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// Fault settings; changeable while the server runs (tests fill the DLQ, then turn faults on).
#[derive(Debug, Default)]
pub struct Faults {
    /// Fraction of API requests that fail, as f64 bits.
    rate_bits: AtomicU64,
    /// Requests per second on non-publish endpoints; 0 = unlimited.
    rate_limit: AtomicU32,
    /// Modelled round trip added to every API answer, in microseconds.
    latency_us: AtomicU64,
    window: Mutex<(i64, u32)>,
    injected: AtomicU64,
    limited: AtomicU64,
    /// API requests received (publishes included).
    requests: AtomicU64,
}

impl Faults {
    pub fn new(fault_rate: f64, rate_limit: u32) -> Faults {
        let f = Faults::default();
        f.set_fault_rate(fault_rate);
        f.set_rate_limit(rate_limit);
        f
    }

    pub fn set_fault_rate(&self, p: f64) {
        self.rate_bits
            .store(p.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    pub fn fault_rate(&self) -> f64 {
        f64::from_bits(self.rate_bits.load(Ordering::Relaxed))
    }

    pub fn set_rate_limit(&self, n: u32) {
        self.rate_limit.store(n, Ordering::Relaxed);
    }

    /// Sets the modelled round trip: half of it passes before the request is handled (the
    /// request travelling), half after (the answer travelling), so that the order in which
    /// concurrent requests take effect is what it would be over a network.
    pub fn set_latency(&self, d: std::time::Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.latency_us.store(us, Ordering::Relaxed);
    }

    fn half_latency(&self) -> Option<std::time::Duration> {
        match self.latency_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(std::time::Duration::from_micros(us / 2)),
        }
    }

    /// Faults injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// API requests received so far (for tests and benchmarks that count a command's calls).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests answered 429 so far.
    pub fn limited(&self) -> u64 {
        self.limited.load(Ordering::Relaxed)
    }

    /// Counts a request in the current one-second window; `Err(reset)` when over the limit.
    fn admit(&self, now_ms: i64) -> Result<u32, (u32, i64)> {
        let limit = self.rate_limit.load(Ordering::Relaxed);
        if limit == 0 {
            return Ok(u32::MAX);
        }
        let sec = now_ms / 1000;
        let mut w = self.window.lock();
        if w.0 != sec {
            *w = (sec, 0);
        }
        if w.1 >= limit {
            return Err((limit, sec + 1));
        }
        w.1 += 1;
        Ok(limit - w.1)
    }
}

fn is_publish(path: &str) -> bool {
    path.starts_with("/v2/publish/") || path.starts_with("/v2/enqueue/") || path == "/v2/batch"
}

/// The middleware.
pub async fn layer(State(st): State<FaultLayer>, req: Request, next: Next) -> Response {
    let f = st.faults.clone();
    f.requests.fetch_add(1, Ordering::Relaxed);
    let half = f.half_latency();
    if let Some(d) = half {
        tokio::time::sleep(d).await;
    }
    let res = answer(&st, f, req, next).await;
    if let Some(d) = half {
        tokio::time::sleep(d).await;
    }
    res
}

async fn answer(st: &FaultLayer, f: Arc<Faults>, req: Request, next: Next) -> Response {
    let now = st.engine.now_ms();
    let mut burst: Option<(u32, u32, i64)> = None;
    if !is_publish(req.uri().path()) {
        match f.admit(now) {
            Ok(remaining) => {
                let limit = f.rate_limit.load(Ordering::Relaxed);
                if limit > 0 {
                    burst = Some((limit, remaining, now / 1000 + 1));
                }
            }
            Err((limit, reset)) => {
                f.limited.fetch_add(1, Ordering::Relaxed);
                let mut res = ApiError(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded".into())
                    .into_response();
                let h = res.headers_mut();
                h.insert("Burst-RateLimit-Limit", limit.into());
                h.insert("Burst-RateLimit-Remaining", 0u32.into());
                h.insert("Burst-RateLimit-Reset", reset.into());
                return res;
            }
        }
    }
    let p = f.fault_rate();
    if p > 0.0 && rand::random::<f64>() < p {
        f.injected.fetch_add(1, Ordering::Relaxed);
        let kill = req.extensions().get::<ConnKill>().cloned();
        match (rand::random::<u32>() % 3, kill) {
            // The connection drops after the request took effect: the answer is lost.
            (0, Some(k)) => {
                let _ = next.run(req).await;
                k.0.notify_one();
                std::future::pending::<()>().await;
                unreachable_response()
            }
            // The connection drops before anything happened.
            (1, Some(k)) => {
                k.0.notify_one();
                std::future::pending::<()>().await;
                unreachable_response()
            }
            _ => ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injected fault: internal server error".into(),
            )
            .into_response(),
        }
    } else {
        let mut res = next.run(req).await;
        // The burst headers go on every answer of a rate-limited endpoint, as the service
        // sends them, so clients can slow down before they hit a 429.
        if let Some((limit, remaining, reset)) = burst {
            let h = res.headers_mut();
            h.insert("Burst-RateLimit-Limit", limit.into());
            h.insert("Burst-RateLimit-Remaining", remaining.into());
            h.insert("Burst-RateLimit-Reset", reset.into());
        }
        res
    }
}

fn unreachable_response() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
