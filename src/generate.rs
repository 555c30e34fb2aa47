//! Shell completions and man pages, generated from the clap definitions. The committed copies
//! under `completions/` and `man/` are checked against these by a test.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The shells completions are made for, and their file names.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "dlq.bash"),
    (Shell::Zsh, "_dlq"),
    (Shell::Fish, "dlq.fish"),
    (Shell::PowerShell, "_dlq.ps1"),
    (Shell::Elvish, "dlq.elv"),
];

/// Writes the completion script of `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "dlq", out);
}

/// Every man page: `dlq.1` and `dlq-<subcommand>.1` (hidden commands left out).
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let cmd = Cli::command();
    let mut pages = Vec::new();
    let mut root = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut root)?;
    pages.push(("dlq.1".to_string(), root));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("dlq-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .bin_name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        pages.push((format!("{name}.1"), buf));
    }
    Ok(pages)
}
