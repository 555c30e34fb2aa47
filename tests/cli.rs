//! The one integration-test binary (ripgrep-style), with themed modules. Every file in
//! `tests/` is one of them (a test in `generated.rs` checks it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The in-process `dlq dev`, a controllable receiver, the real workflow app, `dlq` runs.
mod support;

/// Every flag with a malformed value, hostile server answers, errors that say what to do.
mod bad_input;
/// `retry --canary`: one entry of each destination first.
mod canary;
/// `dlq dev` across its routes: error shapes and fault injection.
mod dev_api;
/// `dlq dev`'s DLQ API: retry, bulk retry and delete, filters, cursors.
mod dev_dlq;
/// `dlq dev`: URL groups, schedules and queues.
mod dev_features;
/// `dlq dev` publishing and delivery: retries, callbacks, dedup, delays, batches, the store.
mod dev_publish;
/// `dlq dev` as an app's local QStash, driven by the official JS and Python clients.
mod dev_sdk;
/// Why each entry failed: the catalogue's signatures from a receiver, in show, list and stats.
mod diagnose;
/// `dlq export`.
mod export;
/// Completions, man pages, `--help`, the demo.
mod generated;
/// `dlq import`.
mod import;
/// The picker, prompts, tables and bars in a real terminal (tmux).
mod interactive;
/// `dlq list` and `dlq show`.
mod list_show;
/// The parallel pager against `dlq dev`: generated distributions, every entry once.
mod pager;
/// Long output through the pager; long values cut.
mod paging;
/// Property tests of the parsers and the renderer.
mod properties;
/// Kills, interrupts, faults and restarts: nothing lost, nothing duplicated.
mod reliability;
/// Snapshots of the pure renderers.
mod render;
/// `dlq retry` and `dlq delete`.
mod retry_delete;
/// What the security review found.
mod security;
/// `dlq stats`.
mod stats;
/// Dry runs agree with their runs, the chosen target is the one used and named.
mod trust;
/// `dlq watch`.
mod watch;
/// Upstash Workflow with the real SDK: the protocol, the CLI's workflow view.
mod workflow;
/// Upstash Workflow with the official Python SDK.
mod workflow_py;
/// What the workflow views say about failure functions, cached results and CSV columns.
mod workflow_views;
