//! Long output on a terminal goes through a pager, as git and gh do: `$DLQ_PAGER`, else
//! `$PAGER`, else `less` (with `LESS=FRX` unless set, so a screenful is printed and left on
//! screen). Off a terminal, with `--no-pager`, or with an empty pager (or `cat`), the text is
//! written as it is; a pager that cannot be started falls back to writing it directly.

use std::io::Write;

/// The pager command to run, or `None` to write directly.
pub fn command(
    no_pager: bool,
    stdout_tty: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if no_pager || !stdout_tty {
        return None;
    }
    let cmd = env("DLQ_PAGER")
        .or_else(|| env("PAGER"))
        .unwrap_or_else(|| "less".into());
    let cmd = cmd.trim().to_string();
    (!cmd.is_empty() && cmd != "cat").then_some(cmd)
}

/// Rows of the terminal: its size, else `$LINES`, else 24.
pub fn height() -> usize {
    terminal_size::terminal_size()
        .map(|(_, h)| h.0 as usize)
        .or_else(|| std::env::var("LINES").ok()?.parse().ok())
        .unwrap_or(24)
}

/// Whether `text` needs more rows than the terminal has (a line wider than the terminal
/// takes several).
pub fn is_long(text: &str, rows: usize, width: usize) -> bool {
    let width = width.max(1);
    let mut used = 0;
    for line in text.lines() {
        used += line.chars().count().div_ceil(width).max(1);
        if used >= rows {
            return true;
        }
    }
    false
}

/// Writes `text` to stdout, through `pager` when it is longer than a screen.
pub fn write(text: &str, pager: Option<&str>, width: usize) -> std::io::Result<()> {
    if let Some(cmd) = pager.filter(|_| is_long(text, height(), width))
        && let Some(mut child) = spawn(cmd)
    {
        if let Some(mut stdin) = child.stdin.take() {
            // A pager quit early (`q`) closes its input: that is no error.
            match stdin.write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e),
                _ => {}
            }
        }
        child.wait()?;
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Starts the pager through the shell (it is a command line, as `$PAGER` is for git); `None`
/// when its program is not installed, so the text is written directly and never lost.
fn spawn(cmd: &str) -> Option<std::process::Child> {
    let program = cmd.split_whitespace().next()?;
    if !on_path(program) {
        return None;
    }
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(cmd).stdin(std::process::Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        c.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        c.env("LV", "-c");
    }
    c.spawn().ok()
}

/// Whether `program` (a path, or a name looked up in `$PATH`) exists.
fn on_path(program: &str) -> bool {
    if program.contains('=') {
        return true; // `VAR=value cmd`: the shell's to resolve
    }
    if program.contains('/') {
        return std::path::Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_pager_is_chosen_as_git_chooses_it() {
        assert_eq!(command(false, true, &env(&[])), Some("less".into()));
        assert_eq!(
            command(false, true, &env(&[("PAGER", "more")])),
            Some("more".into())
        );
        let both = env(&[("PAGER", "more"), ("DLQ_PAGER", "bat -p")]);
        assert_eq!(command(false, true, &both), Some("bat -p".into()));
        assert_eq!(command(true, true, &both), None, "--no-pager");
        assert_eq!(command(false, false, &both), None, "off a terminal");
        assert_eq!(command(false, true, &env(&[("PAGER", "")])), None);
        assert_eq!(command(false, true, &env(&[("PAGER", "cat")])), None);
    }

    #[test]
    fn only_what_does_not_fit_is_paged() {
        assert!(!is_long("a\nb\n", 24, 80));
        assert!(is_long(&"x\n".repeat(24), 24, 80));
        assert!(is_long(&"x".repeat(80 * 24), 24, 80), "one line, 24 rows");
        assert!(!is_long(&"x".repeat(80 * 22), 24, 80));
    }
}
