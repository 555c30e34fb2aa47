//! Which header names and JSON keys hold secrets: their values are masked in every output
//! unless `--reveal`.

pub const MASK: &str = "<redacted>";

/// Authorization, cookies, signatures, and names mentioning tokens, secrets, keys or passwords.
pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    // Challenges say why a 401 happened and hold no secret.
    if matches!(n.as_str(), "www-authenticate" | "proxy-authenticate") {
        return false;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_secret_and_challenges_are_not() {
        for name in [
            "Authorization",
            "x-api-key",
            "Upstash-Forward-Authorization",
            "Cookie",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in ["WWW-Authenticate", "Proxy-Authenticate", "Content-Type"] {
            assert!(!is_sensitive(name), "{name}");
        }
    }
}
