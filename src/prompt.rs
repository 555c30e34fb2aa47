//! Questions to the person at the terminal (never asked off a terminal). Esc and "no" both
//! mean "change nothing"; Ctrl-C clears what the prompt drew and exits 130.

use crate::error::{CliError, Exit};

/// Picker rows shown at once.
const PICK_ROWS: usize = 20;

/// The prompt's read was interrupted by Ctrl-C.
fn is_ctrl_c<T>(r: &Result<T, dialoguer::Error>) -> bool {
    matches!(r, Err(dialoguer::Error::IO(io)) if io.kind() == std::io::ErrorKind::Interrupted)
}

fn interrupted() -> CliError {
    CliError {
        exit: Exit::Interrupted,
        message: "interrupted: nothing changed".into(),
    }
}

/// A prompt's error: Ctrl-C (the read was interrupted) clears `lines` and is exit 130.
fn failed(e: dialoguer::Error, lines: usize, what: &str) -> CliError {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        let term = dialoguer::console::Term::stderr();
        let _ = term.clear_line();
        let _ = term.clear_last_lines(lines);
        let _ = term.show_cursor();
        return interrupted();
    }
    CliError {
        exit: Exit::Error,
        message: format!("cannot {what}: {e}"),
    }
}

/// Asks yes/no on stderr; false on anything but yes (Esc too).
pub fn confirm(question: &str) -> Result<bool, CliError> {
    crate::interrupt::prompting(
        || {
            dialoguer::Confirm::new()
                .with_prompt(question)
                .default(false)
                .interact_opt()
        },
        is_ctrl_c,
    )
    .map(|a| a.unwrap_or(false))
    .map_err(|e| failed(e, 0, "ask for confirmation"))
}

/// A multi-select list; the chosen indexes, or `None` when it was left with Esc.
pub fn pick(prompt: &str, items: &[String]) -> Result<Option<Vec<usize>>, CliError> {
    crate::interrupt::prompting(
        || {
            dialoguer::MultiSelect::new()
                .with_prompt(prompt)
                .items(items)
                .max_length(PICK_ROWS)
                .report(false)
                .interact_opt()
        },
        is_ctrl_c,
    )
    .map_err(|e| failed(e, items.len().min(PICK_ROWS) + 1, "show the picker"))
}
