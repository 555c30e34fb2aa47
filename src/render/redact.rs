//! Masking of sensitive header values in every output format (unless `--reveal`).

use crate::model::{DlqEntry, Headers};

pub use crate::text::secrets::{MASK, is_sensitive};

pub fn headers(h: &mut Headers) {
    masked_headers(h, &mut Vec::new());
}

/// Masks sensitive header values, naming each header masked in `names`.
fn masked_headers(h: &mut Headers, names: &mut Vec<String>) {
    for (k, v) in h.iter_mut() {
        if is_sensitive(k) {
            for x in v.iter_mut() {
                *x = MASK.to_string();
            }
            names.push(format!("header {k}"));
        }
    }
}

/// Masks every header map of an entry, and the secrets inside a workflow run's log.
pub fn entry(e: &mut DlqEntry) {
    entry_masked(e);
}

/// [`entry`], saying what it masked (`header Authorization`, `log key apiKey`), sorted, once
/// each: `show -o json` names it.
pub fn entry_masked(e: &mut DlqEntry) -> Vec<String> {
    let mut names: Vec<String> = crate::workflow_run::mask_log(e)
        .into_iter()
        .map(|k| format!("log key {k}"))
        .collect();
    for h in [
        &mut e.header,
        &mut e.response_header,
        &mut e.callback_header,
        &mut e.failure_callback_header,
    ]
    .into_iter()
    .flatten()
    {
        masked_headers(h, &mut names);
    }
    if let Some(h) = e
        .failure_callback_info
        .as_mut()
        .and_then(|i| i.response_headers.as_mut())
    {
        masked_headers(h, &mut names);
    }
    names.sort();
    names.dedup();
    names
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
