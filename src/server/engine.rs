//! The delivery engine: a scheduler of due deliveries, gates for queues and flow control,
//! and a bounded pool of HTTP senders. It never parses requests; routes hand it messages.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use parking_lot::Mutex;
use tokio::sync::{Notify, Semaphore, watch};

use super::clock::Clock;
use super::message::{AttemptResponse, CallType, HeaderMap, Message, new_id};
use super::sched::{Due, GateKey, Sched};
pub use super::sched::{FlowInfo, Pin};
use super::signing;
use super::store::Store;
use super::store::db;
use super::store::db::insert_new;
use super::transitions;
use super::workflow::protocol;
use crate::parse::canonical_header_name;
use crate::wire::retry_delay::RetryDelay;

/// Timeout of a delivery without `Upstash-Timeout`.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Most deliveries in flight at once.
pub const MAX_IN_FLIGHT: usize = 512;

/// What an attempt's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Delivered,
    Retry,
    Failed,
}

/// Current and next signing keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeys {
    pub current: String,
    pub next: String,
}

/// A change to a flow-control key.
#[derive(Debug, Clone, Copy)]
pub enum FlowChange {
    Pause(bool),
    Pin(Pin),
    Unpin { parallelism: bool, rate: bool },
    ResetRate,
}

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Multiplies every retry delay (1.0 = the service's timing).
    pub backoff_scale: f64,
    pub max_in_flight: usize,
    /// `--max-body`: the longest response body kept from a destination (a `context.call`
    /// result or an error body longer than this is cut), and the largest workflow log sent in
    /// a delivery's body to an SDK that can fetch it itself.
    pub max_body: usize,
    /// Log each delivery attempt to stderr.
    pub verbose: bool,
}

/// The delivery engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    cfg: EngineConfig,
    keys: Arc<Mutex<SigningKeys>>,
    sched: Mutex<Sched>,
    notify: Notify,
    /// Wakes the timer of workflow waiters (a new waiter may be due sooner).
    timers: Notify,
    sem: Arc<Semaphore>,
    /// The port this server's API listens on: nothing is delivered to its own API.
    own_port: std::sync::atomic::AtomicU16,
}

impl Engine {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        cfg: EngineConfig,
        keys: Arc<Mutex<SigningKeys>>,
    ) -> Engine {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let sem = Arc::new(Semaphore::new(cfg.max_in_flight.max(1)));
        Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                http,
                cfg,
                keys,
                sched: Mutex::new(Sched::default()),
                notify: Notify::new(),
                timers: Notify::new(),
                sem,
                own_port: std::sync::atomic::AtomicU16::new(0),
            }),
        }
    }

    /// Names the port the API listens on (before deliveries start).
    pub fn set_own_port(&self, port: u16) {
        self.inner
            .own_port
            .store(port, std::sync::atomic::Ordering::SeqCst);
    }

    /// A destination that is this server's own API (a URL group endpoint pointing at its
    /// publish URL): delivering there would publish again, for ever.
    fn is_own_api(&self, url: &str) -> bool {
        let own = self
            .inner
            .own_port
            .load(std::sync::atomic::Ordering::SeqCst);
        let Ok(u) = url::Url::parse(url) else {
            return false;
        };
        let local = match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
            None => false,
        };
        own != 0 && local && u.port_or_known_default() == Some(own) && u.path().starts_with("/v2/")
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub fn keys(&self) -> SigningKeys {
        self.inner.keys.lock().clone()
    }

    /// The next key becomes current and a fresh next key is made.
    pub fn rotate_keys(&self) -> SigningKeys {
        let mut k = self.inner.keys.lock();
        k.current = std::mem::take(&mut k.next);
        k.next = new_id("sig_");
        k.clone()
    }

    /// Sets a queue's parallelism and paused state, waking messages it now admits.
    pub fn set_queue(&self, name: &str, parallelism: u32, paused: bool) {
        let now = self.now_ms();
        let mut s = self.inner.sched.lock();
        s.queues
            .insert(name.to_string(), (parallelism.max(1), paused));
        let k = GateKey::Queue(name.to_string());
        let g = s.gate(&k);
        g.parallelism = Some(parallelism.max(1));
        g.paused = paused;
        s.wake(&k, now);
        drop(s);
        self.inner.notify.notify_one();
    }

    /// Every flow-control key (`GET /v2/flowControl`).
    pub fn flows(&self) -> Vec<FlowInfo> {
        self.inner.sched.lock().flows(self.now_ms())
    }

    /// One flow-control key, if known.
    pub fn flow(&self, key: &str) -> Option<FlowInfo> {
        self.inner.sched.lock().flow(key, self.now_ms())
    }

    /// Changes a flow-control key's settings or state (pause, resume, pin, unpin, reset the
    /// rate), then wakes the scheduler for what it now admits.
    pub fn change_flow(&self, key: &str, change: FlowChange) {
        let now = self.now_ms();
        let mut s = self.inner.sched.lock();
        match change {
            FlowChange::Pause(p) => s.pause_flow(key, p, now),
            FlowChange::Pin(pin) => s.pin_flow(key, pin, now),
            FlowChange::Unpin { parallelism, rate } => s.unpin_flow(key, parallelism, rate),
            FlowChange::ResetRate => s.reset_rate(key, now),
        }
        drop(s);
        self.inner.notify.notify_one();
    }

    /// The most deliveries in flight at once, and how many are now
    /// (`GET /v2/globalParallelism`).
    pub fn global_parallelism(&self) -> (usize, usize) {
        (self.inner.cfg.max_in_flight.max(1), self.in_flight())
    }

    /// Forgets a queue's settings (after it was deleted).
    pub fn remove_queue(&self, name: &str) {
        let mut s = self.inner.sched.lock();
        s.queues.remove(name);
    }

    /// Stops a scheduled message from being sent again (it was deleted from the store).
    pub fn cancel(&self, id: &str) {
        self.inner.sched.lock().cancelled.insert(id.to_string());
        self.inner.notify.notify_one();
    }

    /// Puts stored messages on the schedule.
    pub fn schedule(&self, msgs: &[Message]) {
        if msgs.is_empty() {
            return;
        }
        let mut s = self.inner.sched.lock();
        for m in msgs {
            let mut gates = Vec::new();
            if let Some(q) = &m.queue_name {
                gates.push(GateKey::Queue(q.clone()));
            }
            if let Some(fc) = &m.flow_control
                && (fc.parallelism.is_some() || fc.rate.is_some())
            {
                gates.push(s.configure_flow(fc));
            }
            s.seq += 1;
            let seq = s.seq;
            s.heap.push(Due {
                at: m.next_delivery,
                seq,
                id: m.message_id.clone(),
                gates,
                msg: Box::new(m.clone()),
                held: false,
            });
        }
        drop(s);
        self.inner.notify.notify_one();
    }

    /// Stores new messages (with their CREATED events) and schedules them.
    pub async fn publish(&self, msgs: Vec<Message>) -> Result<(), super::store::StoreError> {
        let now = self.now_ms();
        let stored = self
            .inner
            .store
            .call(move |c| {
                for m in &msgs {
                    insert_new(c, m, now)?;
                }
                Ok(msgs)
            })
            .await?;
        self.schedule(&stored);
        Ok(())
    }

    /// Loads queue settings and pending messages (after a restart). Called before the server
    /// accepts requests, so nothing published meanwhile can be scheduled twice.
    pub async fn restore(&self) -> Result<(), super::store::StoreError> {
        let queues = self
            .inner
            .store
            .call(|c| {
                let mut st = c.prepare("SELECT name, parallelism, paused FROM queues")?;
                let rows = st
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, u32>(1)?,
                            r.get::<_, bool>(2)?,
                        ))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        for (name, p, paused) in queues {
            self.set_queue(&name, p, paused);
        }
        let pending = self.inner.store.call(db::pending_messages).await?;
        self.schedule(&pending);
        Ok(())
    }

    /// Runs the scheduler until `shutdown` (after [`Engine::restore`]).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let now = self.now_ms();
            let (ready, next_at) = self.take_ready(now);
            let had_ready = !ready.is_empty();
            for due in ready {
                let permit = tokio::select! {
                    p = self.inner.sem.clone().acquire_owned() => p,
                    _ = shutdown.changed() => return,
                };
                let Ok(permit) = permit else { return };
                let this = self.clone();
                tokio::spawn(async move {
                    this.deliver(due).await;
                    drop(permit);
                });
            }
            if had_ready {
                continue;
            }
            let wait = match next_at {
                Some(at) => Duration::from_millis((at - now).max(0) as u64),
                None => Duration::from_secs(3600),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.notify.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Deliveries in flight now.
    pub fn in_flight(&self) -> usize {
        self.inner
            .cfg
            .max_in_flight
            .max(1)
            .saturating_sub(self.inner.sem.available_permits())
    }

    /// Waits (up to `within`) for the deliveries in flight to finish and be recorded, and lets
    /// no new one start. Returns how many were still in flight.
    pub async fn drain(&self, within: Duration) -> usize {
        let all = self.inner.cfg.max_in_flight.max(1) as u32;
        match tokio::time::timeout(within, self.inner.sem.acquire_many(all)).await {
            Ok(Ok(permits)) => {
                permits.forget();
                0
            }
            _ => self.in_flight(),
        }
    }

    /// Tells the waiter timer to look again (a waiter was registered).
    pub fn wake_timers(&self) {
        self.inner.timers.notify_one();
    }

    /// Resolves workflow waiters whose timeout has passed, until `shutdown`.
    pub async fn run_timers(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let now = self.now_ms();
            let fired = self
                .inner
                .store
                .call(move |c| {
                    let created = super::workflow::wait::fire_timeouts(c, now)?;
                    Ok((created, super::workflow::wait::next_deadline(c)?))
                })
                .await;
            let next = match fired {
                Ok((created, next)) => {
                    self.schedule(&created);
                    next
                }
                Err(_) => Some(now + 1000),
            };
            let wait = match next {
                Some(at) => Duration::from_millis((at - self.now_ms()).clamp(1, 60_000) as u64),
                None => Duration::from_secs(60),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.timers.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Pops due items, applying the gates. Returns what may be sent and when the next is due.
    fn take_ready(&self, now: i64) -> (Vec<Due>, Option<i64>) {
        self.inner.sched.lock().take_ready(now)
    }

    /// A message reached a final state: frees its gate slots.
    fn release(&self, due: &Due) {
        if due.gates.is_empty() {
            return;
        }
        let now = self.now_ms();
        let mut s = self.inner.sched.lock();
        for k in &due.gates {
            if let Some(g) = s.gates.get_mut(k) {
                g.holding.remove(&due.id);
            }
            s.wake(k, now);
        }
        drop(s);
        self.inner.notify.notify_one();
    }

    fn requeue(&self, mut due: Due, at: i64) {
        due.at = at;
        self.inner.sched.lock().heap.push(due);
        self.inner.notify.notify_one();
    }

    /// One delivery: attempt → classify → transition (one store operation) → schedule what
    /// it created.
    async fn deliver(&self, mut due: Due) {
        if self.inner.sched.lock().cancelled.remove(&due.id) {
            self.release(&due);
            return;
        }
        let msg = (*due.msg).clone();
        let started = self.now_ms();
        let resp = self.attempt(&msg).await;
        let now = self.now_ms();
        if self.inner.cfg.verbose {
            log_delivery(&msg, &resp, now - started);
        }
        let (verdict, resp) = self.classify(&msg, resp).await;
        let at = transitions::Attempt {
            started,
            now,
            callback: transitions::per_attempt_callback(&msg, &resp, now),
        };
        let store = &self.inner.store;
        match verdict {
            Verdict::Delivered => {
                let res = store
                    .call(move |c| transitions::delivered(c, &msg, &resp, at))
                    .await;
                self.release(&due);
                if let Ok(created) = res {
                    self.schedule(&created);
                }
            }
            Verdict::Retry => {
                let delay = self.retry_delay_ms(&msg, &resp, now);
                let mut m = msg;
                m.retried += 1;
                m.next_delivery = now + delay as i64;
                let next = m.next_delivery;
                // The scheduled copy advances only once the store has recorded the retry.
                let advanced = Box::new(m.clone());
                let res = store
                    .call(move |c| transitions::retry_scheduled(c, &m, &resp, at))
                    .await;
                match res {
                    // Cancelled during the attempt.
                    Ok(None) => self.release(&due),
                    Ok(Some(created)) => {
                        due.msg = advanced;
                        self.requeue(due, next);
                        self.schedule(&created);
                    }
                    // Could not record the retry: try the same attempt again shortly.
                    Err(_) => self.requeue(due, now + 100),
                }
            }
            Verdict::Failed => {
                let ids = store.ids();
                let res = store
                    .call(move |c| transitions::failed(c, &mut ids.lock(), &msg, &resp, at))
                    .await;
                self.release(&due);
                if let Ok(changes) = res {
                    for id in &changes.cancelled {
                        self.cancel(id);
                    }
                    self.schedule(&changes.created);
                }
            }
        }
    }

    /// What an attempt's answer means: delivered, to be retried, or failed for good (retries
    /// used up, non-retryable 489, or a workflow trigger that reached something else).
    async fn classify(
        &self,
        msg: &Message,
        mut resp: AttemptResponse,
    ) -> (Verdict, AttemptResponse) {
        let ok = (200..300).contains(&resp.status);
        let non_retryable = resp.status == 489
            && resp
                .header
                .get("Upstash-Nonretryable-Error")
                .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case("true")));
        // A run's first delivery answered 2xx by something that is not the Workflow SDK (the
        // SDK sets its protocol version on every answer): the run fails at once.
        if ok
            && let Some(w) = &msg.workflow
            && w.call == CallType::Step
            && w.index == Some(0)
            && !resp.header.contains_key(protocol::SDK_VERSION)
        {
            let run_id = w.run_id.clone();
            let detect = self
                .inner
                .store
                .call(move |c| protocol::detects_non_workflow(c, &run_id))
                .await
                .unwrap_or(false);
            if detect {
                resp.error = Some(protocol::NON_WORKFLOW_ERROR.into());
                return (Verdict::Failed, resp);
            }
        }
        let verdict = if ok {
            Verdict::Delivered
        } else if !non_retryable && msg.retried < msg.max_retries {
            Verdict::Retry
        } else {
            Verdict::Failed
        };
        (verdict, resp)
    }

    /// Delay before the next attempt, in ms: the destination's `Retry-After` (or rate-limit
    /// reset) if given, else the message's retry-delay expression, else the exponential backoff
    /// `min(86400, e^(2.5·n))` s; multiplied by the backoff scale.
    fn retry_delay_ms(&self, msg: &Message, resp: &AttemptResponse, now: i64) -> u64 {
        let base = retry_after_ms(&resp.header, now)
            .or_else(|| {
                msg.retry_delay_expression
                    .as_deref()
                    .and_then(|e| RetryDelay::parse(e).ok())
                    .and_then(|e| e.delay_ms(msg.retried).ok())
            })
            .unwrap_or_else(|| backoff_ms(msg.retried + 1));
        (base as f64 * self.inner.cfg.backoff_scale)
            .round()
            .max(0.0) as u64
    }

    async fn attempt(&self, msg: &Message) -> AttemptResponse {
        if self.is_own_api(&msg.url) {
            // As a transport failure reads: the text in the body and the error.
            let what = format!(
                "not delivered: {} is this dlq dev server's own API, and delivering there would publish again without end",
                msg.url
            );
            return AttemptResponse {
                status: 0,
                header: HeaderMap::new(),
                body: what.clone().into_bytes(),
                error: Some(what),
            };
        }
        let res = match self.request(msg).send().await {
            Ok(r) => r,
            Err(e) => return transport_error(&e),
        };
        let status = res.status().as_u16();
        let mut header = HeaderMap::new();
        for (k, v) in res.headers() {
            header
                .entry(canonical_header_name(k.as_str()))
                .or_default()
                .push(String::from_utf8_lossy(v.as_bytes()).into_owned());
        }
        match read_capped(res, self.inner.cfg.max_body).await {
            Ok(body) => AttemptResponse {
                status,
                header,
                body,
                error: None,
            },
            Err(e) => transport_error(&e),
        }
    }

    /// The delivery of `msg` as QStash makes it: the publisher's method, headers and body,
    /// QStash's own headers and a signature with the current key.
    fn request(&self, msg: &Message) -> reqwest::RequestBuilder {
        let method =
            reqwest::Method::from_bytes(msg.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let timeout = Duration::from_millis(msg.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1));
        let mut req = self.inner.http.request(method, &msg.url).timeout(timeout);
        let mut has_ua = false;
        for (k, vs) in &msg.header {
            has_ua |= k.eq_ignore_ascii_case("user-agent");
            for v in vs {
                req = req.header(k.as_str(), v.as_str());
            }
        }
        if !has_ua {
            req = req.header("User-Agent", "Upstash-QStash");
        }
        let body = self.body_sent(msg);
        let now_s = self.now_ms() / 1000;
        let key = self.inner.keys.lock().current.clone();
        req = req
            .header("Upstash-Message-Id", msg.message_id.as_str())
            .header("Upstash-Retried", msg.retried.to_string())
            .header("Upstash-Caller-Ip", msg.caller_ip.as_str())
            .header(
                "Upstash-Signature",
                signing::sign(&key, &msg.url, body, now_s),
            );
        if let Some(t) = &msg.topic_name {
            req = req.header("Upstash-Topic-Name", t.as_str());
        }
        if let Some(s) = &msg.schedule_id {
            req = req.header("Upstash-Schedule-Id", s.as_str());
        }
        if let Some(q) = &msg.queue_name {
            req = req.header("Upstash-Queue-Name", q.as_str());
        }
        req.body(body.to_vec())
    }

    /// What a delivery carries: its body, or nothing for a workflow step whose log is larger
    /// than `--max-body` when the run's SDK fetches its steps itself (`LazyFetch`), as the
    /// service does with logs too large for a message: an app behind a platform's request-size
    /// limit meets the same deliveries here as there.
    fn body_sent<'m>(&self, msg: &'m Message) -> &'m [u8] {
        let lazy = msg
            .workflow
            .as_ref()
            .is_some_and(|w| w.call == CallType::Step && w.lazy_fetch);
        if lazy && msg.body.len() > self.inner.cfg.max_body {
            &[]
        } else {
            &msg.body
        }
    }
}

/// A response's body, up to `cap` bytes; a timeout while reading it is the attempt's
/// failure, another error ends the body where it broke off.
async fn read_capped(res: reqwest::Response, cap: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    let mut stream = res.bytes_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                let room = cap.saturating_sub(body.len());
                body.extend_from_slice(&c[..c.len().min(room)]);
                if room <= c.len() {
                    break;
                }
            }
            Err(e) if e.is_timeout() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(body)
}

/// `-v`: one line per delivery attempt.
fn log_delivery(m: &Message, r: &AttemptResponse, ms: i64) {
    use std::io::Write as _;
    let outcome = match &r.error {
        Some(e) => e.clone(),
        None => r.status.to_string(),
    };
    let run = m
        .workflow
        .as_ref()
        .map(|w| format!(" run {}", w.run_id))
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr().lock(),
        "dlq dev: deliver {} {} {} -> {outcome} ({ms} ms, attempt {}/{}){run}",
        m.message_id,
        m.method,
        m.url.escape_debug(),
        m.retried + 1,
        m.max_retries + 1
    );
}

fn transport_error(e: &reqwest::Error) -> AttemptResponse {
    let what = if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        format!("connection failed: {}", root_cause(e))
    } else {
        format!("request failed: {}", root_cause(e))
    };
    AttemptResponse {
        status: 0,
        header: HeaderMap::new(),
        body: what.clone().into_bytes(),
        error: Some(what),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(s) = cur.source() {
        cur = s;
    }
    cur.to_string()
}

/// The exponential backoff of retry number `n` (1-based), in ms: `min(86400, e^(2.5·n))` s.
pub fn backoff_ms(n: u32) -> u64 {
    let secs = (2.5 * f64::from(n)).exp().min(86_400.0);
    (secs * 1000.0) as u64
}

/// `Retry-After`, `X-RateLimit-Reset`, `-Reset-Requests`, `-Reset-Tokens`: seconds, a Unix
/// time, an HTTP date or a duration such as `6m5s`; capped at one day.
fn retry_after_ms(h: &HeaderMap, now_ms: i64) -> Option<u64> {
    for name in [
        "Retry-After",
        "X-Ratelimit-Reset",
        "X-Ratelimit-Reset-Requests",
        "X-Ratelimit-Reset-Tokens",
    ] {
        let Some(v) = h.get(name).and_then(|v| v.first()) else {
            continue;
        };
        let v = v.trim();
        let ms = if let Ok(n) = v.parse::<f64>() {
            if n > 1e9 {
                // A Unix timestamp in seconds.
                ((n * 1000.0) as i64 - now_ms).max(0) as u64
            } else {
                (n.max(0.0) * 1000.0) as u64
            }
        } else if let Ok(t) = httpdate::parse_http_date(v) {
            let t = t
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            (t - now_ms).max(0) as u64
        } else if let Ok(d) = humantime::parse_duration(v) {
            d.as_millis() as u64
        } else {
            continue;
        };
        return Some(ms.min(86_400_000));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_backoff() {
        assert_eq!(backoff_ms(1) / 1000, 12);
        assert_eq!(backoff_ms(2) / 1000, 148);
        assert_eq!(backoff_ms(3) / 1000, 1808);
        assert_eq!(backoff_ms(4) / 1000, 22026);
        assert_eq!(backoff_ms(5), 86_400_000);
    }

    #[test]
    fn retry_after_forms() {
        let h = |k: &str, v: &str| {
            let mut m = HeaderMap::new();
            m.insert(k.into(), vec![v.into()]);
            m
        };
        assert_eq!(retry_after_ms(&h("Retry-After", "5"), 0), Some(5000));
        assert_eq!(retry_after_ms(&h("Retry-After", "6m5s"), 0), Some(365_000));
        assert_eq!(
            retry_after_ms(&h("X-Ratelimit-Reset", "1700000010"), 1_700_000_000_000),
            Some(10_000)
        );
        assert_eq!(
            retry_after_ms(&h("Retry-After", "999999"), 0),
            Some(86_400_000)
        );
        assert_eq!(retry_after_ms(&h("Retry-After", "soon"), 0), None);
    }
}
