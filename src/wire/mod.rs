//! QStash wire facts that both the client side and the dev server need: the retry-delay
//! expression language, flow-control values, and the defaults of a local dev server. Each side
//! keeps its own header and field names on purpose, so the dev server stays an independent
//! check of the client; only these shared facts live here.

pub mod dev;
pub mod flow_control;
pub mod retry_delay;
