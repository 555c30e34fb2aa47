//! `dlq dev`.

use std::io::Write;

use anyhow::Context as _;

use std::path::PathBuf;

use clap::Args;

use crate::error::CliError;
use crate::server::{DEFAULT_TOKEN, Server, ServerConfig};

/// Check the options, start the server, say how to use it, stop on Ctrl-C or SIGTERM.
pub async fn run(args: DevArgs, verbose: bool) -> anyhow::Result<()> {
    check(&args)?;
    let cfg = config(args, verbose);
    let server = announce(cfg).await?;
    stop(server).await
}

/// Options the parser cannot check alone.
fn check(args: &DevArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(CliError::usage(format!(
            "--fault-rate must be a fraction between 0 and 1, got {}",
            args.fault_rate
        ))
        .into());
    }
    if !(args.backoff_scale.is_finite() && args.backoff_scale >= 0.0) {
        return Err(
            CliError::usage("--backoff-scale must be a non-negative number such as 0.001").into(),
        );
    }
    if !(args.schedule_scale.is_finite() && args.schedule_scale > 0.0) {
        return Err(
            CliError::usage("--schedule-scale must be a positive number such as 0.001").into(),
        );
    }
    // The default token is published in every SDK: beyond this machine it would let anyone
    // read and change the DLQ.
    if args.token.is_none() && !is_loopback_host(&args.host) {
        return Err(CliError::usage(format!(
            "--host {} listens beyond this machine, where the well-known default token would let anyone read and change your DLQ: pass --token <a secret> (or DLQ_DEV_TOKEN) to do that",
            args.host
        ))
        .into());
    }
    Ok(())
}

fn config(args: DevArgs, verbose: bool) -> ServerConfig {
    ServerConfig {
        host: args.host,
        port: args.port,
        db: args.db,
        token: args.token.unwrap_or_else(|| DEFAULT_TOKEN.to_string()),
        backoff_scale: args.backoff_scale,
        schedule_scale: args.schedule_scale,
        fault_rate: args.fault_rate,
        rate_limit: args.rate_limit,
        max_body: args.max_body,
        latency: args.latency,
        verbose,
        ..ServerConfig::default()
    }
}

/// Starts the server and prints the export lines (stdout) and where it listens (stderr).
async fn announce(cfg: ServerConfig) -> anyhow::Result<Server> {
    let token = cfg.token.clone();
    let (current, next) = (
        cfg.current_signing_key.clone(),
        cfg.next_signing_key.clone(),
    );
    let server = Server::start(cfg).await?;
    {
        let mut out = std::io::stdout().lock();
        // `export` lines: paste them into another terminal (or eval them) to point dlq, an SDK
        // or an app at this server.
        writeln!(out, "export QSTASH_URL={}", server.url())?;
        writeln!(out, "export QSTASH_TOKEN={token}")?;
        writeln!(out, "export QSTASH_CURRENT_SIGNING_KEY={current}")?;
        writeln!(out, "export QSTASH_NEXT_SIGNING_KEY={next}")?;
        out.flush()?;
    }
    // `--dev` means 127.0.0.1:8080 with the default token: offered only when that is this.
    let dev_flag = if server.url() == crate::config::DEV_URL && token == DEFAULT_TOKEN {
        " (or pass --dev)"
    } else {
        ""
    };
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "dlq dev: listening on {} (Ctrl-C to stop). In another terminal, run the export lines above{dev_flag}, then e.g. `dlq list`",
        server.url()
    );
    drop(err);
    Ok(server)
}

/// Waits for Ctrl-C or SIGTERM, then lets deliveries in flight finish.
async fn stop(server: Server) -> anyhow::Result<()> {
    stop_signal().await?;
    let in_flight = server.in_flight();
    if in_flight > 0 {
        let _ = writeln!(
            std::io::stderr().lock(),
            "dlq dev: stopping; letting {in_flight} deliveries in flight finish (up to {} s)",
            crate::server::DRAIN_WAIT.as_secs()
        );
    }
    let left = server.shutdown().await;
    if left > 0 {
        let _ = writeln!(
            std::io::stderr().lock(),
            "dlq dev: {left} deliveries were still in flight; they will be sent again after a restart"
        );
    }
    Ok(())
}

/// `127.0.0.1`, `::1`, `localhost` and the rest of 127.0.0.0/8.
fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Ctrl-C, or SIGTERM (what `kill` and service managers send).
async fn stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for Ctrl-C"),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")
    }
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = crate::wire::dev::DEFAULT_PORT)]
    pub port: u16,
    /// Keep state in this SQLite file so it survives restarts (default: in memory)
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Token clients must send (default: the official dev server's test token)
    #[arg(long, value_name = "T", env = "DLQ_DEV_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Multiply retry delays by F (0.001 turns the 12 s first backoff into 12 ms)
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub backoff_scale: f64,
    /// Multiply schedule intervals by F (0.001 fires a once-a-minute schedule every 60 ms)
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub schedule_scale: f64,
    /// Fail this fraction of API requests with a 500 or a dropped connection (0 to 1)
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Allow N requests per second on non-publish endpoints; excess gets 429 (0 = unlimited)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rate_limit: u32,
    /// Largest request body accepted (larger ones get 413) and response body kept from a
    /// destination (longer ones are cut), in bytes; raise it for large workflow payloads
    #[arg(long, value_name = "BYTES", default_value_t = crate::wire::dev::DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// Answer every API request DURATION later (a round trip, e.g. 50ms), to try dlq or an app
    /// as if QStash were far away; deliveries to endpoints are not delayed
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency)]
    pub latency: std::time::Duration,
}

fn parse_latency(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let d = if t == "0" {
        Ok(std::time::Duration::ZERO)
    } else {
        humantime::parse_duration(t)
    };
    match d {
        Ok(d) if d <= std::time::Duration::from_secs(10) => Ok(d),
        _ => Err(format!(
            "expected a round-trip time between 0 and 10s such as 50ms; got '{s}'"
        )),
    }
}
