//! One file per subcommand; glue between the CLI, the client and the renderers.

pub mod bulk;
pub mod delete;
pub mod demo;
pub mod dev;
pub mod edit;
pub mod export;
pub mod generate;
pub mod import;
pub mod list;
pub mod retry;
pub mod show;
pub mod stats;
pub mod watch;
