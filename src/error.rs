//! Exit codes and the one place errors are reported.

use std::process::ExitCode;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Usage = 2,
    Partial = 3,
    NotFound = 4,
    Auth = 5,
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// An error that carries its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    /// The user said no at a prompt: exit 1 with nothing more said (the caller said
    /// "Nothing changed.").
    pub fn declined() -> Self {
        CliError {
            exit: Exit::Error,
            message: String::new(),
        }
    }
}

/// The exit code for an error: its own if it carries one, 0 for a broken pipe, else 1.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(c) = cause.downcast_ref::<CliError>() {
            return c.exit;
        }
        if let Some(a) = cause.downcast_ref::<crate::client::ApiError>() {
            return match a {
                crate::client::ApiError::NotFound { .. } => Exit::NotFound,
                crate::client::ApiError::Unauthorized { .. } => Exit::Auth,
                _ => Exit::Error,
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return Exit::Ok;
        }
        if let Some(j) = cause.downcast_ref::<serde_json::Error>()
            && j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe)
        {
            return Exit::Ok;
        }
    }
    Exit::Error
}

/// Prints the error once, with its causes, to stderr.
#[allow(clippy::print_stderr)]
pub fn report(err: &anyhow::Error) {
    if err
        .downcast_ref::<CliError>()
        .is_some_and(|c| c.message.is_empty())
    {
        return;
    }
    eprintln!("dlq: error: {err:#}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(exit_code(&anyhow::anyhow!("x")), Exit::Error);
        assert_eq!(
            exit_code(&anyhow::Error::new(CliError::usage("bad"))),
            Exit::Usage
        );
        let pipe = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        assert_eq!(
            exit_code(&anyhow::Error::new(pipe).context("writing")),
            Exit::Ok
        );
        assert_eq!(Exit::Interrupted as u8, 130);
    }
}
