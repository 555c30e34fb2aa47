//! URLs as they may be shown: user-info (a password) masked; whether an address is this
//! machine's.

/// `http://user:pw@host/x` → `http://<redacted>@host/x`; other text is returned as it is.
pub fn mask_userinfo(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}<redacted>{}", &s[..scheme_end + 3], &rest[at..]),
        None => s.to_string(),
    }
}

/// `localhost`, 127.0.0.0/8 and `::1`.
pub fn is_loopback_url(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_masked_and_nothing_else_changes() {
        assert_eq!(
            mask_userinfo("http://u:secret@h.example:8080/v2?x=a@b"),
            "http://<redacted>@h.example:8080/v2?x=a@b"
        );
        assert_eq!(
            mask_userinfo("https://h.example/a@b"),
            "https://h.example/a@b"
        );
        assert_eq!(mask_userinfo("not a url"), "not a url");
    }

    #[test]
    fn loopback_addresses() {
        for (u, want) in [
            ("http://127.0.0.1:1", true),
            ("http://127.8.0.1", true),
            ("http://[::1]:8080", true),
            ("http://LOCALHOST", true),
            ("http://qstash.upstash.io", false),
            ("http://10.0.0.1", false),
        ] {
            assert_eq!(is_loopback_url(&url::Url::parse(u).unwrap()), want, "{u}");
        }
    }
}
