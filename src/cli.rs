//! Command-line definitions (clap derive only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const EXIT_CODES: &str = "Exit codes:
  0    success
  1    error
  2    usage or bad input
  3    partial failure of a bulk operation
  4    not found
  5    authentication or authorisation failed
  130  interrupted";

/// Inspect, filter and recover the dead-letter queues of Upstash QStash and Upstash Workflow.
#[derive(Debug, Parser)]
#[command(name = "dlq", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local QStash-compatible server that delivers, retries and dead-letters
    #[command(after_help = EXIT_CODES)]
    Dev(DevArgs),
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = crate::server::DEFAULT_PORT)]
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
    /// Largest accepted request body in bytes; larger ones get 413
    #[arg(long, value_name = "BYTES", default_value_t = crate::server::DEFAULT_MAX_BODY)]
    pub max_body: usize,
}
