//! Text facts every layer needs, with no dependency on any of them: making untrusted text inert
//! for a terminal, reading an HTML page's text, and which names hold secrets.

pub mod address;
pub mod html;
pub mod kind;
pub mod lines;
pub mod sanitize;
pub mod secrets;

pub use address::{is_loopback_url, mask_userinfo};
