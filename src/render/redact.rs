//! Masking of sensitive header values in every output format (unless `--reveal`).

use crate::model::{DlqEntry, Headers};

pub use crate::text::secrets::{MASK, is_sensitive};

pub fn headers(h: &mut Headers) {
    for (k, v) in h.iter_mut() {
        if is_sensitive(k) {
            for x in v.iter_mut() {
                *x = MASK.to_string();
            }
        }
    }
}

/// Masks every header map of an entry, and the secrets inside a workflow run's log.
pub fn entry(e: &mut DlqEntry) {
    crate::workflow_run::mask_log(e);
    for h in [
        &mut e.header,
        &mut e.response_header,
        &mut e.callback_header,
        &mut e.failure_callback_header,
    ]
    .into_iter()
    .flatten()
    {
        headers(h);
    }
    if let Some(h) = e
        .failure_callback_info
        .as_mut()
        .and_then(|i| i.response_headers.as_mut())
    {
        headers(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_right_names() {
        for n in [
            "Authorization",
            "Cookie",
            "Set-Cookie",
            "Upstash-Signature",
            "X-Api-Key",
            "X-Auth-Token",
            "Client-Secret",
            "DB-Password",
        ] {
            assert!(is_sensitive(n), "{n}");
        }
        for n in [
            "Content-Type",
            "User-Agent",
            "Upstash-Retried",
            "X-Request-Id",
        ] {
            assert!(!is_sensitive(n), "{n}");
        }
    }
}
