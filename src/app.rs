//! Dispatch: one match from subcommand to its `run`.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::ctx::Ctx;
use crate::error::CliError;

/// `dev` and `demo` run their own server: the options for reaching a QStash mean nothing there.
fn own_options_only(cli: &Cli, cmd: &str) -> anyhow::Result<()> {
    let given = cli.global.client_options();
    if given.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "`dlq {cmd}` runs its own server and takes only its own options; {} {} for the commands that talk to a QStash (list, show, retry, delete)",
        given.join(", "),
        if given.len() == 1 { "is" } else { "are" }
    ))
    .into())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Dev(_) => own_options_only(&cli, "dev")?,
        Command::Demo(_) => own_options_only(&cli, "demo")?,
        _ => {}
    }
    match cli.command {
        Command::Dev(args) => commands::dev::run(args, cli.global.verbose).await,
        Command::Generate(args) => commands::generate::run(args),
        Command::Demo(args) => commands::demo::run(args, |cli| Box::pin(run(cli))).await,
        Command::List(args) => commands::list::run(&Ctx::new(&cli.global)?, args).await,
        Command::Show(args) => commands::show::run(&Ctx::new(&cli.global)?, args).await,
        Command::Retry(args) => commands::retry::run(&Ctx::new(&cli.global)?, args).await,
        Command::Delete(args) => commands::delete::run(&Ctx::new(&cli.global)?, args).await,
    }
}
