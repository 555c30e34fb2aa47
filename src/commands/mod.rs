//! One file per subcommand; glue between the CLI, the client and the renderers.

pub mod dev;
pub mod list;
pub mod show;
