//! Typed API errors; callers branch on them (exit codes, bulk bookkeeping).

/// An error from the QStash API or the network.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error(
        "unauthorized ({status}): {message} (check the token: --token, QSTASH_TOKEN or a profile)"
    )]
    Unauthorized { status: u16, message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error("bad request ({status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("rate limited: {message}{}", gave_up(*attempts))]
    RateLimited { message: String, attempts: u32 },
    #[error("server error ({status}): {message}{}", gave_up(*attempts))]
    Server {
        status: u16,
        message: String,
        attempts: u32,
    },
    #[error("network error: {}{message}{}{}", at(url), gave_up(*attempts), hint_of(hint))]
    Network {
        message: String,
        attempts: u32,
        /// The request's address (query and credentials left out), when there was a request.
        url: Option<String>,
        /// The request never left: no connection was made, so nothing took effect.
        unsent: bool,
        /// What to do about it ("is `dlq dev` running?").
        hint: Option<String>,
    },
    #[error("unexpected response from the API: {0}")]
    Decode(String),
    /// A 3xx: never followed, since the token and the forwarded headers (a destination's own
    /// secrets) would go wherever it points.
    #[error(
        "the API answered {status} redirecting to {location}: dlq does not follow redirects (they could carry the token or forwarded headers elsewhere); point --qstash-url at the address that answers"
    )]
    Redirect { status: u16, location: String },
}

fn at(url: &Option<String>) -> String {
    url.as_deref().map(|u| format!("{u}: ")).unwrap_or_default()
}

fn hint_of(hint: &Option<String>) -> String {
    hint.as_deref()
        .map(|h| format!("; {h}"))
        .unwrap_or_default()
}

/// " (gave up after 4 attempts)", nothing for a single attempt.
fn gave_up(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (gave up after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl ApiError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }

    /// True when the request may or may not have taken effect (no definite answer).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Server { .. } | ApiError::RateLimited { .. } => true,
            ApiError::Network { unsent, .. } => !unsent,
            _ => false,
        }
    }

    /// The API could not be reached at all (refused, reset, DNS, TLS, timeout).
    pub fn is_transport(&self) -> bool {
        matches!(self, ApiError::Network { .. })
    }

    /// The error without the request's address and hint, for one entry's record among many
    /// (the run's summary names the address once).
    pub fn brief(&self) -> String {
        match self {
            ApiError::Network {
                message, attempts, ..
            } => format!("network error: {message}{}", gave_up(*attempts)),
            other => other.to_string(),
        }
    }
}
