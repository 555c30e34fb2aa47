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
    #[error("network error: {message}{}", gave_up(*attempts))]
    Network { message: String, attempts: u32 },
    #[error("unexpected response from the API: {0}")]
    Decode(String),
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
        matches!(
            self,
            ApiError::Server { .. } | ApiError::Network { .. } | ApiError::RateLimited { .. }
        )
    }
}
