//! `dlq import`: how an archived entry is published again (pure, so each rule has a test).

use crate::archive::Item;
use crate::client::Headers;
use crate::render::redact::MASK;

/// One publish: where, with which headers, what body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub destination: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// The deduplication id of an archived entry: the same for every import of it, so QStash
/// delivers it once however often it is imported (within its deduplication window).
pub fn dedup_id(dlq_id: &str) -> String {
    format!("dlq-import-{dlq_id}")
}

/// The publish of `item`: its destination (or `to`), method, body and forwarded headers, its
/// labels, retries and callbacks, a deduplication id from its dlqId, then `overrides` (which
/// win). Header values the export masked are left out (their names are returned). Workflow
/// runs are refused: a run's state lives in QStash, not in its entry.
pub fn publish_of(
    item: &Item,
    to: Option<&str>,
    overrides: &Headers,
) -> Result<(Publish, Vec<String>), String> {
    let e = &item.entry;
    if item.dlq == "workflow" || e.workflow_run_id.is_some() {
        return Err(
            "a workflow run is not published again by import: its steps live in QStash (resume or restart it with dlq retry while it is in the DLQ)"
                .into(),
        );
    }
    let destination = to
        .map(String::from)
        .or_else(|| e.url.clone())
        .ok_or("the entry has no destination URL (give one with --to)")?;
    let mut h: Headers = vec![("Upstash-Deduplication-Id".into(), dedup_id(&e.dlq_id))];
    let mut masked = Vec::new();
    let mut forwarded: Vec<(String, String)> = Vec::new();
    for (k, vs) in e.header.iter().flatten() {
        if vs.iter().any(|v| v == MASK) {
            masked.push(k.clone());
        } else {
            forwarded.push((k.clone(), vs.join(",")));
        }
    }
    h.extend(settings_of(e, &forwarded));
    for (k, v) in overrides {
        h.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        h.push((k.clone(), v.clone()));
    }
    Ok((
        Publish {
            destination,
            headers: h,
            body: e.body_bytes(),
        },
        masked,
    ))
}

/// How an entry is published again, but for its deduplication id: its method, `headers` (its
/// forwarded headers: `Content-Type` as it is, the others as `Upstash-Forward-*`), labels,
/// retries and callbacks.
pub fn settings_of(e: &crate::model::DlqEntry, headers: &[(String, String)]) -> Headers {
    let mut h = Headers::new();
    if let Some(m) = &e.method {
        h.push(("Upstash-Method".into(), m.clone()));
    }
    for (k, v) in headers {
        let name = if k.eq_ignore_ascii_case("content-type") {
            "Content-Type".to_string()
        } else {
            format!("Upstash-Forward-{k}")
        };
        h.push((name, v.clone()));
    }
    if let Some(l) = e.labels.as_ref().filter(|l| !l.is_empty()) {
        h.push(("Upstash-Label".into(), l.join(",")));
    }
    if let Some(n) = e.max_retries {
        h.push(("Upstash-Retries".into(), n.to_string()));
    }
    if let Some(c) = &e.callback {
        h.push(("Upstash-Callback".into(), c.clone()));
    }
    if let Some(c) = &e.failure_callback {
        h.push(("Upstash-Failure-Callback".into(), c.clone()));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DlqEntry;

    fn item() -> Item {
        let mut header = crate::model::Headers::new();
        header.insert("Content-Type".into(), vec!["application/json".into()]);
        header.insert("X-Trace".into(), vec!["abc".into()]);
        header.insert("Authorization".into(), vec![MASK.into()]);
        Item {
            dlq: "qstash".into(),
            entry: DlqEntry {
                dlq_id: "17-0".into(),
                url: Some("https://api.example/orders".into()),
                method: Some("PUT".into()),
                header: Some(header),
                body_base64: Some("AP8=".into()),
                labels: Some(vec!["orders".into()]),
                max_retries: Some(3),
                ..DlqEntry::default()
            },
        }
    }

    fn get<'a>(h: &'a Headers, k: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn an_entry_is_published_as_it_was() {
        let (p, masked) = publish_of(&item(), None, &vec![]).unwrap();
        assert_eq!(p.destination, "https://api.example/orders");
        assert_eq!(p.body, vec![0, 255], "bytes as archived");
        assert_eq!(
            get(&p.headers, "Upstash-Deduplication-Id"),
            Some("dlq-import-17-0")
        );
        assert_eq!(get(&p.headers, "Upstash-Method"), Some("PUT"));
        assert_eq!(get(&p.headers, "Content-Type"), Some("application/json"));
        assert_eq!(get(&p.headers, "Upstash-Forward-X-Trace"), Some("abc"));
        assert_eq!(get(&p.headers, "Upstash-Label"), Some("orders"));
        assert_eq!(get(&p.headers, "Upstash-Retries"), Some("3"));
        assert_eq!(masked, ["Authorization"], "a masked value is not sent");
        assert!(get(&p.headers, "Upstash-Forward-Authorization").is_none());
    }

    #[test]
    fn to_and_overrides_win() {
        let o = vec![("Upstash-Retries".to_string(), "0".to_string())];
        let (p, _) = publish_of(&item(), Some("https://staging.example/orders"), &o).unwrap();
        assert_eq!(p.destination, "https://staging.example/orders");
        assert_eq!(get(&p.headers, "Upstash-Retries"), Some("0"));
        assert_eq!(
            p.headers
                .iter()
                .filter(|(k, _)| k == "Upstash-Retries")
                .count(),
            1
        );
    }

    #[test]
    fn workflow_runs_are_refused() {
        let mut i = item();
        i.dlq = "workflow".into();
        assert!(
            publish_of(&i, None, &vec![])
                .unwrap_err()
                .contains("workflow run")
        );
    }
}
