//! The defaults of a local QStash dev server (the official one's, so the SDKs work unchanged).

/// The official dev server's test user 1 (also the SDKs' `DEV_CREDENTIALS`).
pub const DEFAULT_TOKEN: &str =
    "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";
pub const DEFAULT_CURRENT_SIGNING_KEY: &str = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
pub const DEFAULT_NEXT_SIGNING_KEY: &str = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";
pub const DEFAULT_PORT: u16 = 8080;
/// Largest request body accepted by default (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
