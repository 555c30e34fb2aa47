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
    #[error("rate limited: {message} (gave up after {attempts} attempts)")]
    RateLimited { message: String, attempts: u32 },
    #[error("server error ({status}): {message} (gave up after {attempts} attempts)")]
    Server {
        status: u16,
        message: String,
        attempts: u32,
    },
    #[error("network error: {message} (gave up after {attempts} attempts)")]
    Network { message: String, attempts: u32 },
    #[error("unexpected response from the API: {0}")]
    Decode(String),
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
