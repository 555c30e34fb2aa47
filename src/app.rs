//! Dispatch: one match from subcommand to its `run`.

use crate::cli::{Cli, Command};
use crate::commands;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dev(args) => commands::dev::run(args).await,
    }
}
