//! The command-line groups the commands share (clap derive only): global options, filters,
//! bulk options, the documented exit codes. Each command's own arguments sit next to its
//! `run` in `commands/`; the parser and the subcommand list are in `app.rs`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::parse::{HeaderMatch, Since, StatusFilter};

pub const EXIT_CODES: &str = "Exit codes:
  0    success
  1    error, or a confirmation answered no (\"Nothing changed.\")
  2    usage or bad input
  3    partial failure of a bulk operation, or some requested entries not found
  4    not found (none of the requested entries)
  5    authentication or authorisation failed
  130  interrupted";

/// Where to connect: every command that talks to a QStash takes these, before or after its
/// name (`dlq --dev list` or `dlq list --dev`; after the name wins).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct ClientArgs {
    /// QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]
    #[arg(long, value_name = "URL", value_parser = crate::parse::parse_url, conflicts_with = "dev")]
    pub qstash_url: Option<String>,
    /// Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]
    #[arg(long, value_name = "NAME", conflicts_with = "dev")]
    pub profile: Option<String>,
    /// Target a local `dlq dev` (http://127.0.0.1:8080) with its default token
    #[arg(long)]
    pub dev: bool,
    /// Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Timeout of one API request [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub request_timeout: Option<std::time::Duration>,
    /// Send the token over plain http:// to an address beyond this machine (anyone on the
    /// network path can read it) [env: DLQ_ALLOW_HTTP=1]
    #[arg(long)]
    pub allow_http: bool,
}

impl ClientArgs {
    /// These options, with those given before the command's name filling what these leave.
    pub fn or(&self, outer: &ClientArgs) -> ClientArgs {
        ClientArgs {
            token: self.token.clone().or_else(|| outer.token.clone()),
            qstash_url: self.qstash_url.clone().or_else(|| outer.qstash_url.clone()),
            profile: self.profile.clone().or_else(|| outer.profile.clone()),
            dev: self.dev || outer.dev,
            config: self.config.clone().or_else(|| outer.config.clone()),
            request_timeout: self.request_timeout.or(outer.request_timeout),
            allow_http: self.allow_http || outer.allow_http,
        }
    }

    /// The options given (they mean nothing to `dev` and `demo`).
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("--token", self.token.is_some()),
            ("--qstash-url", self.qstash_url.is_some()),
            ("--profile", self.profile.is_some()),
            ("--dev", self.dev),
            ("--config", self.config.is_some()),
            ("--request-timeout", self.request_timeout.is_some()),
            ("--allow-http", self.allow_http),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect()
    }
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() && d <= std::time::Duration::from_secs(3600) => Ok(d),
        _ => Err(format!(
            "expected a duration between 1ms and 1h such as 30s; got '{s}'"
        )),
    }
}

/// Failure-callback states of workflow entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureState {
    CallbackInprogress,
    CallbackSuccess,
    CallbackFail,
    CallbackCanceled,
}

impl FailureState {
    pub fn api_name(self) -> &'static str {
        match self {
            FailureState::CallbackInprogress => "CALLBACK_INPROGRESS",
            FailureState::CallbackSuccess => "CALLBACK_SUCCESS",
            FailureState::CallbackFail => "CALLBACK_FAIL",
            FailureState::CallbackCanceled => "CALLBACK_CANCELED",
        }
    }
}

/// Which entries: the filters shared by list, retry and delete. Repeat a flag or separate
/// values with commas to match any of them; different flags must all match.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Destination URL
    #[arg(long, value_name = "URL", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub url: Vec<String>,
    /// URL group (topic) name
    #[arg(long, value_name = "NAME", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub url_group: Vec<String>,
    /// Queue name
    #[arg(long, value_name = "NAME", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub queue: Vec<String>,
    /// Schedule id
    #[arg(long, value_name = "ID", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub schedule_id: Vec<String>,
    /// Message id (msg_…)
    #[arg(long, value_name = "ID", value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub message_id: Option<String>,
    /// Label
    #[arg(long, value_name = "LABEL", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub label: Vec<String>,
    /// Flow-control key
    #[arg(long, value_name = "KEY", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub flow_control_key: Vec<String>,
    /// Status of the last attempt: a code (404; 0 = no response) or a class (5xx)
    #[arg(long, value_name = "STATUS", value_delimiter = ',', value_parser = crate::parse::parse_status, help_heading = "Filters")]
    pub status: Vec<StatusFilter>,
    /// IP address of the publisher
    #[arg(long, value_name = "IP", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub caller_ip: Vec<String>,
    /// Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)
    #[arg(long, value_name = "TIME", value_parser = crate::parse::parse_time, help_heading = "Filters")]
    pub from: Option<i64>,
    /// Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS
    /// or unix-ms:MS)
    #[arg(long, value_name = "TIME", value_parser = crate::parse::parse_time_end, help_heading = "Filters")]
    pub until: Option<i64>,
    /// Created within this long (90s, 2h, 7d) or since this time (as --from)
    #[arg(long, value_name = "DURATION|TIME", value_parser = crate::parse::parse_since, conflicts_with = "from", help_heading = "Filters")]
    pub since: Option<Since>,
    /// Workflow run id (wfr_…); implies --workflow
    #[arg(long, value_name = "ID", value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub run_id: Option<String>,
    /// Workflow URL; implies --workflow
    #[arg(long, value_name = "URL", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub workflow_url: Vec<String>,
    /// Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies
    /// --workflow
    #[arg(long, value_name = "TIME", value_parser = crate::parse::parse_time, help_heading = "Filters")]
    pub workflow_created_at: Option<i64>,
    /// State of the workflow's failure callback (any case); implies --workflow
    #[arg(
        long,
        value_name = "STATE",
        value_delimiter = ',',
        value_enum,
        ignore_case = true,
        help_heading = "Filters"
    )]
    pub failure_state: Vec<FailureState>,
    /// Use the Workflow DLQ instead of the QStash DLQ
    #[arg(long, help_heading = "Filters")]
    pub workflow: bool,
    /// Only entries whose request or response body contains TEXT (checked here, not by the API)
    #[arg(long, value_name = "TEXT", value_parser = crate::parse::parse_nonempty, help_heading = "Filters")]
    pub grep: Vec<String>,
    /// Only entries with this request or response header (and value); checked here
    #[arg(long, value_name = "NAME[=VALUE]", value_parser = crate::parse::parse_header_match, help_heading = "Filters")]
    pub header: Vec<HeaderMatch>,
}

/// Output of bulk commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BulkFormat {
    /// One line per entry (id, outcome, new id or error)
    Text,
    Json,
    Ndjson,
}

pub fn parse_id_or_stdin(s: &str) -> Result<String, String> {
    if s.trim() == "-" {
        Ok("-".into())
    } else {
        crate::parse::parse_dlq_id(s)
    }
}

pub fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=32).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to 32; got '{s}'")),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 && n <= 100_000.0 => Ok(n),
        _ => Err(format!(
            "expected entries per second, a number above 0 and at most 100000; got '{s}'"
        )),
    }
}

/// Selecting entries and running a bulk operation (shared by retry and delete).
#[derive(Debug, Args, Clone)]
pub struct BulkArgs {
    /// DLQ ids; `-` reads ids from stdin (one a line, or `dlq list -o ndjson` lines)
    #[arg(value_name = "DLQ_ID", value_parser = parse_id_or_stdin)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Act on every entry the filters match (required with filters, so a bare filter never
    /// acts on the whole DLQ by accident; alone it means the whole DLQ)
    #[arg(long)]
    pub all_matching: bool,
    /// Pick the entries in a list (terminal only)
    #[arg(short, long)]
    pub interactive: bool,
    /// Print what would be done, grouped by destination and status; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required off a terminal for filters and stdin)
    #[arg(short, long)]
    pub yes: bool,
    /// API calls in flight at once (while listing, and while acting)
    #[arg(long, value_name = "N", default_value = "4", value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// At most N entries per second
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Journal file to append outcomes to [default: in the state directory]
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    pub journal: Option<PathBuf>,
    /// Finish an interrupted run from its journal, skipping what it says is done; without FILE,
    /// the latest unfinished journal of this command (journals live in
    /// <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub resume: Option<Option<PathBuf>>,
    /// Per-entry results on stdout [default: text lines off a terminal; on a terminal only the
    /// progress bar, the summary and the failures]
    #[arg(short, long, value_enum)]
    pub output: Option<BulkFormat>,
    /// No progress bar or summary
    #[arg(short, long)]
    pub quiet: bool,
}

/// Publish settings that replace the original message's when it is sent again (`retry`,
/// `import`).
#[derive(Debug, Args, Clone, Default)]
pub struct OverrideArgs {
    /// Override: retries of the republished message (Upstash-Retries)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100), help_heading = "Overrides")]
    pub retries: Option<u32>,
    /// Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)
    #[arg(long, value_name = "DURATION", value_parser = parse_qstash_delay, help_heading = "Overrides")]
    pub delay: Option<String>,
    /// Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)
    #[arg(long, value_name = "EXPR", value_parser = parse_retry_expr, help_heading = "Overrides")]
    pub retry_delay: Option<String>,
    /// Override: labels of the republished message (Upstash-Label); --label filters
    #[arg(long, value_name = "LABEL", value_delimiter = ',', value_parser = crate::parse::parse_nonempty, help_heading = "Overrides")]
    pub new_label: Vec<String>,
    /// Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters
    #[arg(long, value_name = "KEY", value_parser = crate::parse::parse_nonempty, requires = "new_flow_control_value", help_heading = "Overrides")]
    pub new_flow_control_key: Option<String>,
    /// Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"
    #[arg(long, value_name = "VALUE", requires = "new_flow_control_key", value_parser = parse_flow_value, help_heading = "Overrides")]
    pub new_flow_control_value: Option<String>,
    /// Override: failure callback URL (Upstash-Failure-Callback)
    #[arg(long, value_name = "URL", value_parser = crate::parse::parse_url, help_heading = "Overrides")]
    pub failure_callback: Option<String>,
}

impl OverrideArgs {
    /// The publish headers they stand for.
    pub fn headers(&self) -> crate::client::Headers {
        let mut headers = Vec::new();
        if let Some(n) = self.retries {
            headers.push(("Upstash-Retries".to_string(), n.to_string()));
        }
        if let Some(d) = &self.delay {
            headers.push(("Upstash-Delay".to_string(), d.clone()));
        }
        if let Some(e) = &self.retry_delay {
            headers.push(("Upstash-Retry-Delay".to_string(), e.clone()));
        }
        if !self.new_label.is_empty() {
            headers.push(("Upstash-Label".to_string(), self.new_label.join(",")));
        }
        if let (Some(k), Some(v)) = (&self.new_flow_control_key, &self.new_flow_control_value) {
            headers.push(("Upstash-Flow-Control-Key".to_string(), k.clone()));
            headers.push(("Upstash-Flow-Control-Value".to_string(), v.clone()));
        }
        if let Some(u) = &self.failure_callback {
            headers.push(("Upstash-Failure-Callback".to_string(), u.clone()));
        }
        headers
    }
}

fn parse_qstash_delay(s: &str) -> Result<String, String> {
    crate::parse::parse_qstash_duration(s)
        .map(crate::parse::format_qstash_duration)
        .map_err(|e| format!("{e}"))
}

fn parse_retry_expr(s: &str) -> Result<String, String> {
    crate::wire::retry_delay::RetryDelay::parse(s)
        .map(|r| r.source().to_string())
        .map_err(|e| format!("invalid expression: {e} (use numbers, retried, + - * / and pow/exp/sqrt/abs/floor/ceil/round/min/max)"))
}

fn parse_flow_value(s: &str) -> Result<String, String> {
    crate::wire::flow_control::parse_flow_control_value("k", s).map(|_| s.trim().to_string())
}
