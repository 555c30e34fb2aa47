//! Dispatch: one match from subcommand to its `run`.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::ctx::Ctx;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dev(args) => commands::dev::run(args, cli.global.verbose).await,
        Command::Generate(args) => commands::generate::run(args),
        Command::Demo(args) => commands::demo::run(args).await,
        Command::List(args) => commands::list::run(&Ctx::new(&cli.global)?, args).await,
        Command::Show(args) => commands::show::run(&Ctx::new(&cli.global)?, args).await,
        Command::Retry(args) => commands::retry::run(&Ctx::new(&cli.global)?, args).await,
        Command::Delete(args) => commands::delete::run(&Ctx::new(&cli.global)?, args).await,
    }
}
