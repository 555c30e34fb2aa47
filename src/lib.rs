//! `dlq`: inspect, filter and recover the dead-letter queues of Upstash QStash and Upstash
//! Workflow, with a local QStash-compatible server (`dlq dev`) to try it and test it on.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod cli;
pub mod commands;
pub mod error;
pub mod parse;
pub mod server;
