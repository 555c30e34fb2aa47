//! Questions to the person at the terminal (never asked off a terminal).

use crate::error::{CliError, Exit};

/// Asks yes/no on stderr; false on anything but yes.
pub fn confirm(question: &str) -> Result<bool, CliError> {
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_opt()
        .map(|a| a.unwrap_or(false))
        .map_err(|e| CliError {
            exit: Exit::Error,
            message: format!("cannot ask for confirmation: {e}"),
        })
}

/// A multi-select list; returns the chosen indexes.
pub fn pick(prompt: &str, items: &[String]) -> Result<Vec<usize>, CliError> {
    dialoguer::MultiSelect::new()
        .with_prompt(prompt)
        .items(items)
        .max_length(20)
        .report(false)
        .interact_opt()
        .map(Option::unwrap_or_default)
        .map_err(|e| CliError {
            exit: Exit::Error,
            message: format!("cannot show the picker: {e}"),
        })
}
