//! `dlq generate` (hidden): completions and man pages.

use anyhow::Context as _;

use crate::cli::{Generate, GenerateArgs};

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    match args.what {
        Generate::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            crate::generate::completions(shell, &mut out);
            Ok(())
        }
        Generate::Man { dir } => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, bytes) in crate::generate::man_pages()? {
                let p = dir.join(&name);
                std::fs::write(&p, bytes)
                    .with_context(|| format!("cannot write {}", p.display()))?;
            }
            Ok(())
        }
    }
}
