//! What every API command gets: the client, the output style and the clock.

use std::io::IsTerminal;
use std::sync::Arc;

use crate::cli::ClientArgs;
use crate::client::{Client, ClientConfig, RetryPolicy};
use crate::config::TargetName;
use crate::error::CliError;
use crate::render::Style;

pub struct Ctx {
    pub client: Client,
    /// What the client talks to (never the token): named in confirmations and journals.
    pub target: TargetName,
    /// How stdout looks.
    pub style: Style,
    /// stderr is a terminal: progress bars, notes, prompts.
    pub stderr_tty: bool,
    /// stdin is a terminal: prompts can be answered.
    pub stdin_tty: bool,
    /// The pager for long output on a terminal (`None`: write directly).
    pub pager: Option<String>,
    pub now_ms: i64,
}

/// Test hooks (hidden): `DLQ_FORCE_TTY=1` makes stdout/stderr count as terminals,
/// `DLQ_WIDTH` fixes the width, `DLQ_NOW_MS` fixes "now".
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

pub fn now_ms() -> i64 {
    if let Some(n) = std::env::var("DLQ_NOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    chrono::Utc::now().timestamp_millis()
}

/// Colour is wanted on a terminal unless `NO_COLOR` is set or `TERM` is dumb.
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

pub fn stdout_style() -> Style {
    let tty = env_flag("DLQ_FORCE_TTY") || std::io::stdout().is_terminal();
    let width = std::env::var("DLQ_WIDTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|v| v.parse().ok()))
        .unwrap_or(100);
    Style {
        tty,
        color: tty && colour_wanted() && !env_flag("DLQ_FORCE_TTY"),
        width: width.max(40),
        now_ms: now_ms(),
    }
}

impl Ctx {
    pub fn new(c: &ClientArgs, verbose: bool, no_pager: bool) -> Result<Ctx, CliError> {
        let target = crate::config::resolve(c, &|k| std::env::var(k).ok())?;
        let log: Option<crate::client::LogSink> = if verbose {
            Some(Arc::new(|line: &str| {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("{}", crate::text::sanitize::inline(line));
                }
            }))
        } else {
            None
        };
        for w in &target.warnings {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{w}");
            }
        }
        let name = target.name();
        if let Some(l) = &log {
            l(&format!("target: {name}"));
            if !target.ignored.is_empty() {
                l(&format!(
                    "  {} in the environment ignored: the profile names the target",
                    target.ignored.join(" and ")
                ));
            }
        }
        let client = Client::new(ClientConfig {
            base_url: target.url,
            token: target.token,
            timeout: c
                .request_timeout
                .unwrap_or(std::time::Duration::from_secs(30)),
            retry: RetryPolicy::from_env(),
            log,
        })
        .map_err(|e| CliError {
            exit: crate::error::Exit::Error,
            message: e.to_string(),
        })?;
        let style = stdout_style();
        let pager = crate::paging::command(no_pager, style.tty, &|k| std::env::var(k).ok());
        Ok(Ctx {
            pager,
            client,
            target: name,
            now_ms: style.now_ms,
            style,
            stderr_tty: env_flag("DLQ_FORCE_TTY") || std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        })
    }

    /// Writes text output to stdout, through the pager when it is longer than a screen.
    pub fn page(&self, text: &str) -> std::io::Result<()> {
        crate::paging::write(text, self.pager.as_deref(), self.style.width)
    }

    /// A note for people on stderr (only on a terminal).
    #[allow(clippy::print_stderr)]
    pub fn note(&self, msg: &str) {
        if self.stderr_tty {
            eprintln!("{msg}");
        }
    }

    /// A hint on stderr (always: it only goes with human-readable output).
    #[allow(clippy::print_stderr)]
    pub fn hint(&self, msg: &str) {
        eprintln!("{msg}");
    }

    /// A warning on stderr (always).
    #[allow(clippy::print_stderr)]
    pub fn warn(&self, msg: &str) {
        eprintln!("dlq: {msg}");
    }
}
