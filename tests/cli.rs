//! The one integration-test binary (ripgrep-style), with themed modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bad_input;
mod dev_api;
mod dev_features;
mod generated;
mod interactive;
mod list_show;
mod properties;
mod reliability;
mod render;
mod retry_delete;
mod workflow;
