//! `dlq generate` (hidden): completions and man pages.

use anyhow::Context as _;

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `cli` is the whole command line, handed in by the app that defines it.
pub fn run(args: GenerateArgs, cli: &clap::Command) -> anyhow::Result<()> {
    match args.what {
        Generate::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            crate::generate::completions(cli, shell, &mut out);
            Ok(())
        }
        Generate::Man { dir } => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, bytes) in crate::generate::man_pages(cli)? {
                let p = dir.join(&name);
                std::fs::write(&p, bytes)
                    .with_context(|| format!("cannot write {}", p.display()))?;
            }
            Ok(())
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: Generate,
}

#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Print the completion script of a shell
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write dlq.1 and dlq-<command>.1 into a directory
    Man { dir: PathBuf },
}
