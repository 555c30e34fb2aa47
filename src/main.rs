use std::process::ExitCode;

use clap::Parser;
use dlq::app::{self, Cli};
use dlq::error;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One multi-thread runtime for every command, chosen deliberately: the dev server and the
    // bulk runs use both cores, and a client command's start-up (about 1.4 ms for --version,
    // benches/startup.sh) does not need the saving a single-thread runtime would bring.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = anyhow::Error::new(e).context("cannot start the async runtime");
            error::report(&err);
            return error::Exit::Error.into();
        }
    };
    match runtime.block_on(app::run(cli)) {
        Ok(()) => error::Exit::Ok.into(),
        Err(err) => {
            let code = error::exit_code(&err);
            if code != error::Exit::Ok {
                error::report(&err);
            }
            code.into()
        }
    }
}
