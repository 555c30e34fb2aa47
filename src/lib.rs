//! `dlq`: inspect, filter and recover the dead-letter queues of Upstash QStash and Upstash
//! Workflow, with a local QStash-compatible server (`dlq dev`) to try it and test it on.
#![warn(clippy::print_stdout, clippy::print_stderr)]

// Public: what the binary, the tests, the benchmarks and the fuzz targets use. The rest is
// crate-private, so unused code shows up as such.

pub mod app;
pub mod archive;
pub(crate) mod arrivals;
pub mod bulk;
pub mod cli;
pub(crate) mod client;
pub mod commands;
pub mod config;
pub(crate) mod ctx;
pub mod diagnose;
pub mod error;
pub(crate) mod fsx;
pub mod generate;
pub(crate) mod interrupt;
pub mod model;
pub(crate) mod pager;
pub(crate) mod paging;
pub mod parse;
pub(crate) mod prompt;
pub mod render;
pub(crate) mod secret;
pub(crate) mod select;
pub mod server;
pub mod stats;
pub mod text;
pub mod wire;
pub mod workflow_run;
