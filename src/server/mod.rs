//! `dlq dev`: a local QStash-compatible server that really delivers, retries and
//! dead-letters, and serves the DLQ API. Usable in-process: start it on port 0, read its URL,
//! shut it down.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

pub mod clock;
pub mod cron;
pub mod engine;
pub mod error;
pub mod fault;
pub mod headers;
pub mod message;
pub mod routes;
mod sched;
pub mod signing;
pub mod store;
pub mod transitions;
pub mod workflow;

use clock::{Clock, SystemClock};
use engine::{Engine, EngineConfig, SigningKeys};
use fault::{ConnKill, Faults};
use routes::{AppState, CallerIp};

pub use crate::wire::dev::{
    DEFAULT_CURRENT_SIGNING_KEY, DEFAULT_MAX_BODY, DEFAULT_NEXT_SIGNING_KEY, DEFAULT_PORT,
    DEFAULT_TOKEN,
};

/// Longest wait for deliveries in flight when the server stops.
pub const DRAIN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Settings of a dev server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub db: Option<PathBuf>,
    pub token: String,
    pub current_signing_key: String,
    pub next_signing_key: String,
    pub backoff_scale: f64,
    pub schedule_scale: f64,
    pub fault_rate: f64,
    pub rate_limit: u32,
    pub max_body: usize,
    /// Added to every API answer (a modelled network round trip); zero by default.
    pub latency: std::time::Duration,
    /// Log each API request and each delivery attempt to stderr (never the token).
    pub verbose: bool,
    /// A connection that has not sent a request's headers within this long is closed (a
    /// slow client holds nothing for long).
    pub header_timeout: std::time::Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 512;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            db: None,
            token: DEFAULT_TOKEN.into(),
            current_signing_key: DEFAULT_CURRENT_SIGNING_KEY.into(),
            next_signing_key: DEFAULT_NEXT_SIGNING_KEY.into(),
            backoff_scale: 1.0,
            schedule_scale: 1.0,
            fault_rate: 0.0,
            rate_limit: 0,
            max_body: DEFAULT_MAX_BODY,
            latency: std::time::Duration::ZERO,
            verbose: false,
            header_timeout: HEADER_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

impl ServerConfig {
    /// For tests: a random loopback port, fast retries, in memory.
    pub fn for_tests() -> Self {
        ServerConfig {
            port: 0,
            backoff_scale: 0.0001,
            schedule_scale: 0.001,
            ..ServerConfig::default()
        }
    }
}

/// A running dev server.
pub struct Server {
    addr: SocketAddr,
    url: String,
    shutdown: watch::Sender<bool>,
    faults: Arc<Faults>,
    engine: Engine,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Binds, opens the store and starts serving and delivering.
    pub async fn start(cfg: ServerConfig) -> anyhow::Result<Server> {
        Self::start_with_clock(cfg, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(
        cfg: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Server> {
        if !(cfg.backoff_scale.is_finite() && cfg.backoff_scale >= 0.0) {
            anyhow::bail!("--backoff-scale must be a non-negative number");
        }
        if !(cfg.schedule_scale.is_finite() && cfg.schedule_scale > 0.0) {
            anyhow::bail!("--schedule-scale must be a positive number");
        }
        let store = store::Store::open(cfg.db.as_deref()).with_context(|| match &cfg.db {
            Some(p) => format!("cannot open the database {}", p.display()),
            None => "cannot open the in-memory database".into(),
        })?;
        let keys = Arc::new(Mutex::new(SigningKeys {
            current: cfg.current_signing_key.clone(),
            next: cfg.next_signing_key.clone(),
        }));
        let engine = Engine::new(
            store,
            clock.clone(),
            EngineConfig {
                backoff_scale: cfg.backoff_scale,
                max_in_flight: engine::MAX_IN_FLIGHT,
                max_body: cfg.max_body,
                verbose: cfg.verbose,
            },
            keys,
        );
        engine
            .restore()
            .await
            .context("cannot load the pending messages from the store")?;
        let faults = Arc::new(Faults::new(cfg.fault_rate, cfg.rate_limit));
        faults.set_latency(cfg.latency);
        let state = AppState {
            engine: engine.clone(),
            token: Arc::new(cfg.token.clone()),
            faults: faults.clone(),
            schedule_clock: Arc::new(routes::ScheduleClock {
                origin_ms: clock.now_ms(),
                scale: cfg.schedule_scale,
            }),
        };
        let router = routes::router(state.clone(), cfg.max_body, cfg.verbose);
        let listener = TcpListener::bind((cfg.host.as_str(), cfg.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", cfg.host, cfg.port))?;
        let addr = listener.local_addr()?;
        let host = if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let url = format!("http://{host}:{}", addr.port());
        engine.set_own_port(addr.port());
        let (tx, rx) = watch::channel(false);

        let tasks = vec![
            tokio::spawn(engine.clone().run(rx.clone())),
            tokio::spawn(engine.clone().run_timers(rx.clone())),
            tokio::spawn(schedule_loop(state, rx.clone())),
            tokio::spawn(accept_loop(listener, router, rx, Limits::of(&cfg))),
        ];
        Ok(Server {
            addr,
            url,
            shutdown: tx,
            faults,
            engine,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Fault injection settings, changeable at run time.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops accepting, lets open requests finish, stops starting deliveries and waits up to
    /// [`DRAIN_WAIT`] for the deliveries in flight to finish and be recorded, so that a restart
    /// on the same `--db` sends none of them again. Returns how many were still in flight.
    pub async fn shutdown(self) -> usize {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.engine.drain(DRAIN_WAIT).await
    }

    /// Deliveries in flight now.
    pub fn in_flight(&self) -> usize {
        self.engine.in_flight()
    }
}

async fn schedule_loop(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let tick = ((60_000.0 * state.schedule_clock.scale) / 4.0).clamp(5.0, 1000.0) as u64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(tick)) => {}
            _ = shutdown.changed() => return,
        }
        let _ = routes::fire_due_schedules(&state).await;
    }
}

/// What bounds the connections a client can hold.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_timeout: std::time::Duration,
    max_connections: usize,
}

impl Limits {
    fn of(cfg: &ServerConfig) -> Limits {
        Limits {
            header_timeout: cfg.header_timeout,
            max_connections: cfg.max_connections.max(1),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    router: axum::Router,
    mut shutdown: watch::Receiver<bool>,
    limits: Limits,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        // At the cap, the next connection waits in the backlog until one ends.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(_) => {
                    // Out of file descriptors and the like: back off briefly.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let kill = Arc::new(Notify::new());
        let ip = CallerIp(peer.ip().to_string());
        let k = ConnKill(kill.clone());
        let svc = router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ip.clone());
                req.extensions_mut().insert(k.clone());
                req
            },
        );
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = kill.notified() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}
