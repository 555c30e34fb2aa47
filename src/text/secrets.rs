//! Which header names and JSON keys hold secrets: their values are masked in every output
//! unless `--reveal`.

pub const MASK: &str = "<redacted>";

/// Authorization, cookies, signatures, and names mentioning tokens, secrets, keys or passwords.
pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "upstash-signature"
    ) || [
        "token",
        "secret",
        "key",
        "password",
        "passwd",
        "auth",
        "credential",
        "session",
        "signature",
    ]
    .iter()
    .any(|w| n.contains(w))
}
