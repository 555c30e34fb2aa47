//! `dlq`: inspect, filter and recover the dead-letter queues of Upstash QStash and Upstash
//! Workflow, with a local QStash-compatible server (`dlq dev`) to try it and test it on.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod bulk;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod ctx;
pub mod error;
pub mod generate;
pub mod model;
pub mod pager;
pub mod parse;
pub mod prompt;
pub mod render;
pub mod secret;
pub mod select;
pub mod server;
pub mod text;
pub mod wire;
pub mod workflow_run;
