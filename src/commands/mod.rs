//! One file per subcommand; glue between the CLI, the client and the renderers.

pub mod dev;
