//! Snapshots of the pure renderers with fixed entries, width and clock.

use dlq::model::DlqEntry;
use dlq::render::Format;
use dlq::render::list::ListWriter;
use dlq::render::{Style, detail, redact};

const NOW: i64 = 1_725_323_958_779; // five minutes after the fixtures were created

fn entry(json: serde_json::Value) -> DlqEntry {
    serde_json::from_value(json).unwrap()
}

fn fixtures() -> Vec<DlqEntry> {
    vec![
        entry(serde_json::json!({
            "dlqId": "1725323658779-0", "messageId": "msg_26hZCxZCuWyyTWPmSVBrNB", "url": "https://api.example.com/webhooks/orders?tenant=42",
            "method": "POST", "header": {"Content-Type": ["application/json"], "Authorization": ["Bearer sk_live_123"]},
            "body": "{\"order\":{\"id\":42,\"total\":\"19.99\"}}", "maxRetries": 3, "notBefore": 1725323658779i64, "createdAt": 1725323658779i64,
            "callerIP": "178.247.74.179", "label": "billing", "labels": ["billing", "eu"], "retryDelayExpression": "7000 * retried",
            "responseStatus": 500, "responseHeader": {"Content-Type": ["application/json"]},
            "responseBody": "{\"error\":\"database unavailable\",\"retryable\":true}"
        })),
        entry(serde_json::json!({
            "dlqId": "1725323658780-0", "messageId": "msg_7YoJxFpwkEy5zBp378JgvD", "url": "https://my.app/workflow",
            "method": "POST", "header": {"Upstash-Workflow-Runid": ["wfr_5XAx4IJergqkGK1v23VzR"]}, "maxRetries": 3,
            "createdAt": 1725323000000i64, "responseStatus": 404,
            "responseHeader": {"Content-Type": ["text/html"], "Ngrok-Error-Code": ["ERR_NGROK_3200"]},
            "responseBody": "<!DOCTYPE html><html><head><title>ngrok - endpoint offline</title></head><body><h1>The endpoint abc.ngrok.app is offline.</h1><p>ERR_NGROK_3200</p></body></html>",
            "workflowRunId": "wfr_5XAx4IJergqkGK1v23VzR", "workflowUrl": "https://my.app/workflow", "workflowCreatedAt": 1725322999000i64,
            "failureCallback": "https://my.app/workflow", "failureFunctionState": "CALLBACK_SUCCESS",
            "failureCallbackInfo": {"state": "CALLBACK_SUCCESS", "responseStatus": 200, "responseBody": "{\"ok\":true}", "responseHeaders": {}}
        })),
        entry(serde_json::json!({
            "dlqId": "1725323658781-0", "messageId": "msg_binary", "url": "https://files.example/upload\u{1b}[31m",
            "method": "PUT", "header": {"Content-Type": ["application/octet-stream"]}, "bodyBase64": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",
            "createdAt": 1725320000000i64, "responseStatus": 0, "responseBodyBase64": "AAECAwQ=",
            "unknownFutureField": {"kept": true}
        })),
        entry(serde_json::json!({
            "dlqId": "1725323658782-0", "messageId": "msg_text", "url": "https://hooks.example/plain",
            "method": "POST", "header": {"Content-Type": ["text/plain"], "X-Note": ["line1\r\nInjected: yes"]},
            "body": "hello\nworld\twith tab", "createdAt": 1725323000000i64, "responseStatus": 503,
            "responseHeader": {"Content-Type": ["text/plain"]},
            "responseBody": "upstream \u{1b}[1;31mexploded\u{1b}[0m at line 3\r\n\u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7} \u{1b}]52;c;ZXZpbA==\u{7}\u{202e}done"
        })),
    ]
}

fn list(format: Format, style: Style) -> String {
    let mut buf = Vec::new();
    let mut w = ListWriter::new(&mut buf, format, style, false);
    let mut es = fixtures();
    es.iter_mut().for_each(redact::entry);
    w.write(&es).unwrap();
    w.finish().unwrap();
    String::from_utf8(buf).unwrap()
}

fn tty(width: usize) -> Style {
    Style {
        tty: true,
        color: false,
        width,
        now_ms: NOW,
    }
}

#[test]
fn table_on_a_terminal_fits_the_width() {
    let out = list(Format::Table, tty(80));
    insta::assert_snapshot!("table_tty_80", out);
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    assert!(
        !out.contains("CAUSE"),
        "too narrow for the cause whole: {out}"
    );
    // A wide one: each entry's diagnosis, whole ("-" where only the status says).
    let out = list(Format::Table, tty(120));
    insta::assert_snapshot!("table_tty_120", out);
    assert!(
        out.contains("ngrok-endpoint-offline") && out.contains("qstash-no-http-response"),
        "{out}"
    );
    // A narrow terminal: the URL column gives way, lines still fit.
    let out = list(Format::Table, tty(50));
    insta::assert_snapshot!("table_tty_50", out);
    assert!(!out.contains("URL"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 50), "{out}");
}

#[test]
fn table_off_a_terminal_is_tab_separated_and_whole() {
    insta::assert_snapshot!("table_plain", list(Format::Table, Style::plain(NOW)));
}

#[test]
fn csv_and_ndjson() {
    insta::assert_snapshot!("csv", list(Format::Csv, Style::plain(NOW)));
    let nd = list(Format::Ndjson, Style::plain(NOW));
    insta::assert_snapshot!("ndjson", nd);
    for line in nd.lines() {
        let back: DlqEntry = serde_json::from_str(line).unwrap();
        assert!(!back.dlq_id.is_empty());
    }
    assert!(nd.contains("\"unknownFutureField\":{\"kept\":true}"));
    assert!(!nd.contains("sk_live_123"));
    // No match: still the header row.
    let mut buf = Vec::new();
    ListWriter::new(&mut buf, Format::Csv, Style::plain(NOW), false)
        .finish()
        .unwrap();
    assert_eq!(
        String::from_utf8(buf).unwrap().trim_end(),
        dlq::render::list::CSV_FIELDS.join(",")
    );
    // Long bodies are cut unless --full.
    let mut e = entry(serde_json::json!({"dlqId": "1-0", "responseBody": "x".repeat(500)}));
    e.response_status = Some(500);
    for (full, len) in [(false, 201), (true, 500)] {
        let mut buf = Vec::new();
        let mut w = ListWriter::new(&mut buf, Format::Csv, Style::plain(NOW), false).full(full);
        w.write(std::slice::from_ref(&e)).unwrap();
        w.finish().unwrap();
        let text = String::from_utf8(buf).unwrap();
        // The body, then the cause (empty: a bare 500 says nothing more than its status).
        let mut cells = text.lines().nth(1).unwrap().rsplit(',');
        assert_eq!(cells.next(), Some(""), "full={full}");
        assert_eq!(cells.next().unwrap().chars().count(), len, "full={full}");
    }
}

#[test]
fn colours_only_when_asked() {
    let mut s = tty(120);
    s.color = true;
    let out = list(Format::Table, s);
    assert!(out.contains("\u{1b}[31m500"), "{out:?}");
    assert!(!list(Format::Table, tty(120)).contains('\u{1b}'));
}

#[test]
fn detail_views() {
    let es = fixtures();
    for (name, e) in [
        "detail_json",
        "detail_html_workflow",
        "detail_binary_escapes",
        "detail_text_escapes",
    ]
    .iter()
    .zip(es)
    {
        let mut e = e;
        redact::entry(&mut e);
        let run = dlq::workflow_run::decode(&e, false);
        let out = detail::render(&e, run.as_ref(), None, &tty(100));
        assert!(!out.contains('\u{1b}'), "{name}: raw escape in {out:?}");
        insta::assert_snapshot!(*name, out);
    }
}

/// A run of the official SDK whose step 2 threw, as `dlq dev` dead-letters it: the request is
/// the run's log (payload, then step 1's result), the response the SDK's error.
fn sdk_run_entry() -> DlqEntry {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let steps = serde_json::json!([
        {"messageId": "msg_init", "body": b64(r#"{"orderId":42,"card":{"number":"4242","apiKey":"sk_live_1"}}"#), "callType": "step"},
        {"messageId": "msg_step1", "body": b64(r#"{"stepId":1,"stepName":"validate","stepType":"Run","out":"{\"orderId\":42,\"note\":\"ok\\u001b[31m\"}","concurrent":1}"#), "callType": "step"},
    ]);
    entry(serde_json::json!({
        "dlqId": "1796001147884-0", "messageId": "msg_step1", "url": "http://127.0.0.1:3001/wf/order",
        "method": "POST",
        "header": {"Content-Type": ["application/json"], "Upstash-Workflow-Runid": ["wfr_order-42"], "Upstash-Workflow-Sdk-Version": ["1"]},
        "body": steps.to_string(), "maxRetries": 1, "createdAt": 1796001147858i64,
        "workflowRunId": "wfr_order-42", "workflowUrl": "http://127.0.0.1:3001/wf/order", "workflowCreatedAt": 1796001147840i64,
        "responseStatus": 500,
        "responseHeader": {"Content-Type": ["text/plain;charset=UTF-8"], "Upstash-Error-Step-Name": ["charge"], "Upstash-Workflow-Sdk-Version": ["1"]},
        "responseBody": "{\"error\":\"Error\",\"message\":\"card declined for order 42\",\"stack\":\"Error: card declined for order 42\\n    at app.mjs:44:38\"}",
        "failureCallback": "http://127.0.0.1:3001/wf/order", "failureFunctionState": "CALLBACK_SUCCESS",
        "failureCallbackInfo": {"state": "CALLBACK_SUCCESS", "responseStatus": 200, "responseBody": "{\"result\":\"handled wfr_order-42\"}", "responseHeaders": {}},
        "label": "orders", "labels": ["orders"], "callerIP": "127.0.0.1"
    }))
}

#[test]
fn workflow_run_view() {
    let mut e = sdk_run_entry();
    redact::entry(&mut e);
    let run = dlq::workflow_run::decode(&e, false);
    let out = detail::render(&e, run.as_ref(), None, &tty(100));
    assert!(!out.contains('\u{1b}'), "raw escape in {out:?}");
    assert!(
        !out.contains("sk_live_1"),
        "a secret in the payload is masked"
    );
    insta::assert_snapshot!("detail_workflow_run", out);
}

#[test]
fn workflow_list_shows_the_failed_step_and_the_error() {
    let mut buf = Vec::new();
    let mut w = ListWriter::new(&mut buf, Format::Table, tty(120), true);
    w.write(&[sdk_run_entry()]).unwrap();
    w.finish().unwrap();
    insta::assert_snapshot!("table_workflow_tty", String::from_utf8(buf).unwrap());
}

#[test]
fn attempts_are_aligned() {
    let events: Vec<dlq::model::LogEvent> = serde_json::from_value(serde_json::json!([
        {"time": 1725323000000i64, "state": "CREATED"},
        {"time": 1725323000001i64, "state": "ERROR", "responseStatus": 500, "error": "destination answered 500"},
        {"time": 1725323000002i64, "state": "RETRY", "nextDeliveryTime": 1725323012000i64},
        {"time": 1725323012000i64, "state": "ERROR", "responseStatus": 0, "error": "connection failed: refused"},
        {"time": 1725323012001i64, "state": "FAILED"},
    ]))
    .unwrap();
    let e = entry(serde_json::json!({"dlqId": "1-0", "responseStatus": 500}));
    let out = detail::render(&e, None, Some(&events), &Style::plain(NOW));
    let attempts = &out[out.find("Attempts").unwrap()..];
    insta::assert_snapshot!("detail_attempts", attempts);
    let cols: Vec<usize> = attempts
        .lines()
        .filter_map(|l| {
            l.find("destination")
                .or_else(|| l.find("next attempt"))
                .or_else(|| l.find("connection failed"))
        })
        .collect();
    assert_eq!(cols.len(), 3);
    assert!(cols.iter().all(|c| *c == cols[0]), "{attempts}");
}

#[test]
fn at_60_columns_every_table_fits_and_urls_keep_their_path() {
    // The QStash list: the URL shows the end of its path.
    let out = list(Format::Table, tty(60));
    insta::assert_snapshot!("table_tty_60", out);
    assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
    assert!(out.contains("?tenant=42"), "{out}");

    // The workflow list: the URL and then the run id give way; the step and the error stay.
    let mut buf = Vec::new();
    let mut w = ListWriter::new(&mut buf, Format::Table, tty(60), true);
    w.write(&[sdk_run_entry()]).unwrap();
    w.finish().unwrap();
    let out = String::from_utf8(buf).unwrap();
    insta::assert_snapshot!("table_workflow_tty_60", out);
    assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
    assert!(
        out.contains("STEP") && out.contains("charge") && out.contains("ERROR"),
        "{out}"
    );

    // Stats: the times give way; the key, the count, the share and the example stay.
    let by = [dlq::stats::By::Status, dlq::stats::By::Url];
    let mut s = dlq::stats::Stats::new(&by);
    for e in fixtures() {
        s.add(&e);
    }
    let total = s.total();
    let mut buf = Vec::new();
    dlq::render::stats::write(
        &mut buf,
        dlq::render::Format::Table,
        &tty(60),
        &by,
        &s.sorted(),
        total,
    )
    .unwrap();
    let out = String::from_utf8(buf).unwrap();
    insta::assert_snapshot!("stats_tty_60", out);
    assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
    assert!(
        out.contains("EXAMPLE") && out.contains("?tenant=42"),
        "{out}"
    );
}

fn dry_run(style: &Style) -> String {
    use dlq::bulk::preview::{Preview, Row};
    use dlq::bulk::{Action, Group};
    let mut es = fixtures();
    es.iter_mut().for_each(redact::entry);
    let rows: Vec<Row> = es
        .iter()
        .map(|e| Row {
            entry: e.clone(),
            action: if e.workflow_run_id.is_some() {
                Action::Resume
            } else {
                Action::Retry
            },
            refusal: None,
            warning: None,
        })
        .collect();
    let v = Preview {
        present: vec![
            Group {
                action: Action::Retry,
                workflow: false,
                ids: vec![
                    es[0].dlq_id.clone(),
                    es[2].dlq_id.clone(),
                    es[3].dlq_id.clone(),
                ],
            },
            Group {
                action: Action::Resume,
                workflow: true,
                ids: vec![es[1].dlq_id.clone()],
            },
        ],
        rows,
        missing: vec!["1725323658799-0".into()],
        target: "http://127.0.0.1:8080 (dlq dev)".into(),
        ..Preview::default()
    };
    let mut buf = Vec::new();
    dlq::bulk::report::preview(&mut buf, &v, None, style).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn a_dry_run_lays_its_groups_and_entries_out_to_fit() {
    for width in [80, 60] {
        let out = dry_run(&tty(width));
        insta::assert_snapshot!(format!("dry_run_tty_{width}"), out);
        // The tables fit (the sentences above them wrap as the terminal wraps them).
        let table = out.lines().filter(|l| l.starts_with("  "));
        assert!(table.clone().count() >= 8, "{out}");
        assert!(table.clone().all(|l| l.chars().count() <= width), "{out}");
        // The URL keeps its host and its path's end.
        assert!(out.contains("webhooks/orders"), "{out}");
    }
    // Off a terminal: tab-separated entries, every cell whole.
    let out = dry_run(&Style::plain(NOW));
    insta::assert_snapshot!("dry_run_plain", out);
    assert!(out.contains("1725323658779-0\t"), "{out}");
}
