//! `dlq list` and `dlq show` against an in-process `dlq dev` filled by real failed deliveries.

use dlq::model::DlqEntry;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Dev, Receiver, dlq_at};

#[tokio::test(flavor = "multi_thread")]
async fn list_walks_more_than_100_entries_in_every_format() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/x", rx.url), 130, &[]).await;
    let mut all = dev.wait_dlq("/v2/dlq", 130).await;
    // Oldest first: by createdAt (the message's), then dlqId.
    all.sort_by_key(|e| {
        (
            e["createdAt"].as_i64().unwrap(),
            e["dlqId"].as_str().unwrap().to_string(),
        )
    });
    let expected: Vec<String> = all
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect();

    let r = dev.dlq(&["list", "-o", "ndjson"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got: Vec<DlqEntry> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got.iter().map(|e| e.dlq_id.clone()).collect::<Vec<_>>(),
        expected,
        "all, in order, off a terminal"
    );
    assert_eq!(got[0].response_status, Some(500));
    let mut bodies: Vec<String> = got.iter().map(|e| e.body.clone().unwrap()).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 130, "every message once");

    let r = dev.dlq(&["list", "-o", "json"]).await;
    let v: Vec<Value> = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v.len(), 130);
    assert_eq!(v[5]["dlqId"], json!(expected[5]));
    assert_eq!(v[5]["callerIP"], "127.0.0.1", "API field names are kept");

    let r = dev.dlq(&["list", "-o", "ids"]).await;
    assert_eq!(r.lines(), expected);

    let r = dev.dlq(&["list", "-o", "csv"]).await;
    let lines = r.lines();
    assert_eq!(lines.len(), 131);
    assert!(lines[0].starts_with("dlqId,messageId,createdAt,responseStatus"));
    assert!(lines[1].starts_with(&format!("{},msg_", expected[0])));

    let r = dev.dlq(&["list"]).await;
    let lines = r.lines();
    assert_eq!(lines.len(), 131, "off a terminal the table has no limit");
    assert_eq!(lines[0], "DLQ ID\tCREATED\tSTATUS\tURL\tRESPONSE");
    let cells: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(cells[0], expected[0]);
    assert!(
        cells[1].ends_with('Z') && cells[1].contains('T'),
        "RFC 3339 off a terminal: {}",
        cells[1]
    );
    assert!(!r.out().contains('\u{1b}'), "no colour off a terminal");

    // The newest 7, in the documented order.
    let r = dev.dlq(&["list", "--limit", "7", "-o", "ids"]).await;
    assert_eq!(r.lines(), expected[expected.len() - 7..].to_vec());
    let r = dev
        .dlq_env(&["list"], &[("DLQ_FORCE_TTY", "1"), ("DLQ_WIDTH", "100")])
        .await;
    assert_eq!(r.lines().len(), 51, "50 rows and a header on a terminal");
    assert!(r.stderr.contains("--all"), "{}", r.stderr);
    let r = dev
        .dlq_env(&["list", "--all", "-o", "ids"], &[("DLQ_FORCE_TTY", "1")])
        .await;
    assert_eq!(r.lines().len(), 130);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_results_exit_0_with_empty_json() {
    let dev = Dev::start().await;
    let r = dev.dlq(&["list", "-o", "json"]).await;
    assert_eq!((r.code, r.out().as_str()), (0, "[]\n"));
    let r = dev.dlq(&["list", "-o", "ndjson"]).await;
    assert_eq!((r.code, r.out().as_str(), r.stderr.as_str()), (0, "", ""));
    let r = dev.dlq_env(&["list"], &[("DLQ_FORCE_TTY", "1")]).await;
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("No matching DLQ entries"));
}

/// Runs `dlq list -v -o ids` with `args` and returns (ids, the request line logged).
async fn filtered(dev: &Dev, args: &[&str]) -> (Vec<String>, String) {
    let mut a = vec!["list", "-v", "-o", "ids"];
    a.extend_from_slice(args);
    let r = dev.dlq(&a).await;
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    let req = r
        .stderr
        .lines()
        .find(|l| l.starts_with("> GET"))
        .unwrap_or("")
        .to_string();
    // Compared as sets: the order is tested elsewhere (entries sharing a millisecond).
    let mut ids = r.lines();
    ids.sort();
    (ids, req)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_filter_reaches_the_server_as_the_api_expects_and_narrows() {
    let dev = Dev::start().await;
    let a = Receiver::always(500).await;
    let b = Receiver::start(|_, _| {
        (
            404,
            vec![("x-reason", "gone".into())],
            b"route missing".to_vec(),
        )
    })
    .await;
    dev.fail_many(&format!("{}/a", a.url), 4, &[("Upstash-Label", "alpha")])
        .await;
    dev.fail_many(
        &format!("{}/b", b.url),
        3,
        &[
            ("Upstash-Label", "beta"),
            ("Upstash-Flow-Control-Key", "fk1"),
        ],
    )
    .await;
    let all = dev.wait_dlq("/v2/dlq", 7).await;
    let ids_where = |f: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let mut ids: Vec<String> = all
            .iter()
            .filter(|e| f(e))
            .map(|e| e["dlqId"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let b_ids = ids_where(&|e| e["responseStatus"] == 404);

    let (ids, req) = filtered(&dev, &["--label", "beta"]).await;
    assert_eq!(ids, b_ids);
    assert!(req.contains("label=beta"), "{req}");
    let (ids, req) = filtered(&dev, &["--label", "alpha,beta"]).await;
    assert_eq!(ids.len(), 7);
    assert!(
        req.contains("label=alpha&label=beta"),
        "repeated parameters: {req}"
    );
    let (ids, req) = filtered(&dev, &["--url", &format!("{}/b", b.url)]).await;
    assert_eq!(ids, b_ids);
    assert!(req.contains("url=http"), "{req}");
    let (ids, req) = filtered(&dev, &["--status", "404"]).await;
    assert_eq!(ids, b_ids);
    assert!(req.contains("responseStatus=404"), "{req}");
    let (ids, req) = filtered(&dev, &["--status", "4xx"]).await;
    assert_eq!(ids, b_ids);
    assert!(
        !req.contains("responseStatus"),
        "classes are checked here: {req}"
    );
    let (ids, req) = filtered(&dev, &["--flow-control-key", "fk1"]).await;
    assert_eq!(ids, b_ids);
    assert!(req.contains("flowControlKey=fk1"), "{req}");
    let (ids, req) = filtered(&dev, &["--caller-ip", "127.0.0.1"]).await;
    assert_eq!(ids.len(), 7);
    assert!(req.contains("callerIp=127.0.0.1"), "lower-case p: {req}");
    let msg = all[2]["messageId"].as_str().unwrap();
    let (ids, req) = filtered(&dev, &["--message-id", msg]).await;
    assert_eq!(ids, vec![all[2]["dlqId"].as_str().unwrap().to_string()]);
    assert!(req.contains(&format!("messageId={msg}")), "{req}");
    let (ids, req) = filtered(&dev, &["--since", "1h"]).await;
    assert_eq!(ids.len(), 7);
    assert!(req.contains("fromDate="), "{req}");
    let (ids, req) = filtered(&dev, &["--until", "2000-01-01"]).await;
    assert!(ids.is_empty());
    assert!(req.contains("toDate=946771199999"), "the whole day: {req}");
    let (ids, _) = filtered(&dev, &["--from", "2000-01-01T00:00:00Z"]).await;
    assert_eq!(ids.len(), 7);
    let (ids, _) = filtered(&dev, &["--grep", "route missing"]).await;
    assert_eq!(ids, b_ids);
    let (ids, _) = filtered(&dev, &["--grep", "\"n\":1"]).await;
    assert_eq!(ids.len(), 2, "request bodies are searched too");
    let (ids, _) = filtered(&dev, &["--header", "X-Reason=gone"]).await;
    assert_eq!(ids, b_ids);
    let (ids, _) = filtered(&dev, &["--header", "X-Reason=other"]).await;
    assert!(ids.is_empty());
    let (ids, req) = filtered(
        &dev,
        &["--url-group", "nope", "--queue", "q", "--schedule-id", "s"],
    )
    .await;
    assert!(ids.is_empty());
    assert!(
        req.contains("topicName=nope")
            && req.contains("queueName=q")
            && req.contains("scheduleId=s"),
        "{req}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn url_group_schedule_and_queue_flags_find_their_entries() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.req(Method::POST, "/v2/topics/grp/endpoints")
        .json(&json!({ "endpoints": [{ "name": "e1", "url": format!("{}/g", rx.url) }] }))
        .send()
        .await
        .unwrap();
    dev.publish("grp", &[("Upstash-Retries", "0")], "g").await;
    dev.req(Method::POST, &format!("/v2/enqueue/jobs/{}/q", rx.url))
        .header("Upstash-Retries", "0")
        .body("q")
        .send()
        .await
        .unwrap();
    let res = dev
        .req(Method::POST, &format!("/v2/schedules/{}/s", rx.url))
        .header("Upstash-Cron", "* * * * *")
        .header("Upstash-Retries", "0")
        .send()
        .await
        .unwrap();
    let sid = res.json::<Value>().await.unwrap()["scheduleId"]
        .as_str()
        .unwrap()
        .to_string();
    dev.wait_dlq("/v2/dlq", 3).await;
    dev.call(Method::DELETE, &format!("/v2/schedules/{sid}"))
        .await;

    let r = dev
        .dlq(&["list", "--url-group", "grp", "-o", "ndjson"])
        .await;
    let e: DlqEntry = serde_json::from_str(&r.lines()[0]).unwrap();
    assert_eq!(r.lines().len(), 1);
    assert_eq!(
        (e.topic_name.as_deref(), e.endpoint_name.as_deref()),
        (Some("grp"), Some("e1"))
    );
    let r = dev.dlq(&["list", "--queue", "jobs", "-o", "ndjson"]).await;
    assert_eq!(r.lines().len(), 1);
    assert!(r.out().contains("\"queueName\":\"jobs\""));
    let r = dev
        .dlq(&["list", "--schedule-id", &sid, "-o", "ndjson"])
        .await;
    assert!(!r.lines().is_empty());
    assert!(
        r.lines()
            .iter()
            .all(|l| l.contains(&format!("\"scheduleId\":\"{sid}\"")))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_filters_use_the_workflow_dlq() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for run in ["wfr_one", "wfr_two"] {
        dev.publish(
            &format!("{}/wf", rx.url),
            &[
                ("Upstash-Retries", "0"),
                ("Upstash-Workflow-RunId", run),
                ("Upstash-Workflow-Url", "https://app.example/wf"),
            ],
            "step",
        )
        .await;
    }
    dev.fail_many(&format!("{}/plain", rx.url), 1, &[]).await;
    dev.wait_dlq("/v2/workflows/dlq", 2).await;
    let (ids, req) = filtered(&dev, &["--run-id", "wfr_two"]).await;
    assert_eq!(ids.len(), 1);
    assert!(
        req.contains("/v2/workflows/dlq?") && req.contains("workflowRunId=wfr_two"),
        "{req}"
    );
    let (ids, req) = filtered(&dev, &["--workflow-url", "https://app.example/wf"]).await;
    assert_eq!(ids.len(), 2);
    assert!(req.contains("workflowUrl="), "{req}");
    let r = dev.dlq(&["list", "--workflow"]).await;
    assert_eq!(
        r.lines()[0],
        "DLQ ID\tCREATED\tSTATUS\tRUN ID\tSTEP\tURL\tERROR"
    );
    assert_eq!(r.lines().len(), 3);
    let r = dev
        .dlq(&["list", "--run-id", "wfr_one", "--url-group", "g"])
        .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--url-group"), "{}", r.stderr);
    let r = dev
        .dlq(&["list", "--failure-state", "CALLBACK_FAIL", "-o", "ids"])
        .await;
    assert_eq!(r.code, 0);
    assert!(r.lines().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn show_renders_request_response_and_meta_and_masks_secrets() {
    let dev = Dev::start().await;
    let html = "<!DOCTYPE html><html><head><title>ngrok - Tunnel not found</title></head><body><h1>The endpoint is offline.</h1><p>ERR_NGROK_3200</p></body></html>";
    let rx = Receiver::start(move |_, _| {
        (
            404,
            vec![
                ("content-type", "text/html".into()),
                ("ngrok-error-code", "ERR_NGROK_3200".into()),
                ("set-cookie", "sid=topsecret".into()),
            ],
            html.as_bytes().to_vec(),
        )
    })
    .await;
    dev.publish(
        &format!("{}/api", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Content-Type", "application/json"),
            ("Upstash-Forward-Authorization", "Bearer sk_live_hunter2"),
            ("Upstash-Label", "billing"),
        ],
        r#"{"order":{"id":42,"items":[1,2]}}"#,
    )
    .await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let id = e["dlqId"].as_str().unwrap();

    let r = dev.dlq(&["show", id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.out();
    for needle in [
        &format!("DLQ entry {id}")[..],
        "Request",
        "Response",
        "404 Not Found",
        "Ngrok-Error-Code: ERR_NGROK_3200",
        "Title: ngrok - Tunnel not found",
        "The endpoint is offline.",
        "\"id\": 42",
        "Labels",
        "billing",
        "Authorization: <redacted>",
        "Set-Cookie: <redacted>",
        "--raw-response",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    assert!(!out.contains("hunter2") && !out.contains("topsecret"));
    assert!(!out.contains("<h1>"), "markup is reduced to text");

    let r = dev.dlq(&["show", id, "--reveal"]).await;
    assert!(r.out().contains("Bearer sk_live_hunter2"));
    let r = dev.dlq(&["show", id, "-o", "json"]).await;
    let v: Value = serde_json::from_slice::<Vec<Value>>(&r.stdout)
        .unwrap()
        .remove(0);
    assert_eq!(v["header"]["Authorization"], json!(["<redacted>"]));
    assert_eq!(v["responseBody"], html);
    let r = dev.dlq(&["list", "-o", "ndjson"]).await;
    assert!(!r.out().contains("hunter2") && r.out().contains("<redacted>"));
    let r = dev.dlq(&["list", "-o", "ndjson", "--reveal"]).await;
    assert!(r.out().contains("hunter2"));

    let r = dev.dlq(&["show", id, "--raw-response"]).await;
    assert_eq!(r.stdout, html.as_bytes());
    let r = dev.dlq(&["show", id, "--raw-body"]).await;
    assert_eq!(r.stdout, br#"{"order":{"id":42,"items":[1,2]}}"#);

    let r = dev.dlq(&["show", id, "--attempts"]).await;
    let out = r.out();
    assert!(
        out.contains("Attempts") && out.contains("CREATED") && out.contains("FAILED"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("ERROR") && l.contains("404 Not Found")),
        "{out}"
    );
    // Aligned: what happened starts in one column on every row that says something.
    let starts: Vec<usize> = out
        .lines()
        .filter_map(|l| {
            l.find("destination answered")
                .or_else(|| l.find("next attempt"))
        })
        .collect();
    assert!(starts.iter().all(|s| *s == starts[0]), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn show_keeps_binary_and_escape_laden_content_inert() {
    let dev = Dev::start().await;
    let evil = "ok\u{1b}[2J\u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{202e}done";
    let rx = Receiver::start(move |_, _| {
        (
            500,
            vec![("x-evil", "a\u{1b}[31mb".replace('\u{1b}', "%1B"))],
            evil.as_bytes().to_vec(),
        )
    })
    .await;
    let bin: Vec<u8> = (0u8..=255).collect();
    dev.publish(
        &format!("{}/bin", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Content-Type", "application/octet-stream"),
        ],
        bin.clone(),
    )
    .await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let id = e["dlqId"].as_str().unwrap();
    for env in [vec![], vec![("DLQ_FORCE_TTY", "1")]] {
        let r = dev.dlq_env(&["show", id], &env).await;
        assert_eq!(r.code, 0);
        let out = r.out();
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
            "raw control bytes in\n{out:?}"
        );
        assert!(out.contains("\\e[2J") && out.contains("\\e]52;c;"), "{out}");
        assert!(out.contains("binary, 256 bytes"));
        assert!(out.contains("00000000  00 01 02 03"));
    }
    let r = dev.dlq(&["show", id, "--raw-body"]).await;
    assert_eq!(r.stdout, bin, "raw output is exact");
    let r = dev.dlq(&["show", id, "--raw-response"]).await;
    assert_eq!(r.stdout, evil.as_bytes());
    let r = dev.dlq(&["list"]).await;
    assert!(!r.out().contains('\u{1b}'));
}

#[tokio::test(flavor = "multi_thread")]
async fn show_exit_codes_for_missing_entries() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/m", rx.url), 1, &[]).await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let id = e["dlqId"].as_str().unwrap();
    let r = dev.dlq(&["show", "1-0"]).await;
    assert_eq!(r.code, 4);
    assert!(
        r.stderr.contains("1-0") && r.stderr.contains("not found"),
        "{}",
        r.stderr
    );
    let r = dev.dlq(&["show", id, "1-0"]).await;
    assert_eq!(r.code, 3);
    assert!(
        r.out().contains(&format!("DLQ entry {id}")),
        "the found one is still shown"
    );
    assert!(r.stderr.contains("1-0"));
    let r = dev.dlq(&["show", "a b"]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("DLQ_ID") || r.stderr.contains("DLQ id"),
        "{}",
        r.stderr
    );
    let r = dev.dlq(&["show", id, "1-0", "--raw-body"]).await;
    assert_eq!(r.code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_network_and_usage_errors_have_their_exit_codes() {
    let dev = Dev::start().await;
    let r = dlq_at(&dev.url, None, &["list"], &[]).await;
    assert_eq!(r.code, 5);
    assert!(
        r.stderr.contains("QSTASH_TOKEN") && r.stderr.contains("--token"),
        "{}",
        r.stderr
    );
    let r = dlq_at(&dev.url, Some("wrong-token"), &["list"], &[]).await;
    assert_eq!(r.code, 5);
    assert!(r.stderr.contains("unauthorized"), "{}", r.stderr);
    assert!(!r.all().contains("wrong-token"));
    // A closed loopback port: connection refused, retried, then exit 1.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let r = dlq_at(&format!("http://{closed}"), Some("t"), &["list"], &[]).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("network error"), "{}", r.stderr);
    for bad in [
        vec!["list", "--since", "yesterday"],
        vec!["list", "--status", "6xx"],
        vec!["list", "--limit", "0"],
        vec!["list", "--from", "soon"],
        vec!["list", "-o", "xml"],
        vec!["list", "--failure-state", "DONE"],
        vec!["list", "--header", "=x"],
        vec!["list", "--request-timeout", "forever"],
    ] {
        let r = dev.dlq(&bad).await;
        assert_eq!(r.code, 2, "{bad:?}");
        assert!(
            r.stderr.contains(bad[1]),
            "{bad:?} should name the flag: {}",
            r.stderr
        );
    }
    let r = dev
        .dlq(&["list", "--since", "1h", "--until", "2000-01-01"])
        .await;
    assert_eq!(r.code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_never_appears_in_any_output() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/t", rx.url), 2, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 2).await;
    let id = all[0]["dlqId"].as_str().unwrap();
    for args in [
        vec!["list", "-v"],
        vec!["list", "-v", "-o", "json"],
        vec!["show", "-v", id, "--attempts"],
        vec!["show", "-v", "1-0"],
        vec!["show", "-v", id, "-o", "json"],
    ] {
        let r = dev.dlq(&args).await;
        assert!(
            r.stderr.contains("> GET"),
            "verbose logs requests: {}",
            r.stderr
        );
        assert!(!r.all().contains(&dev.token), "{args:?} leaked the token");
        assert!(
            !r.all().contains("Bearer"),
            "{args:?} printed an Authorization header"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn show_reads_stdin_until_takes_the_whole_day_and_states_ignore_case() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/s", rx.url), 2, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 2).await;
    let ids = dev.dlq(&["list", "-o", "ids"]).await.out();
    let r = crate::support::dlq_with_stdin(
        &dev.url,
        Some(&dev.token),
        &["show", "-", "-o", "json"],
        &[],
        Some(ids.as_bytes()),
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    // A bare date is a UTC day: --until today includes everything created today.
    let at = all[0]["createdAt"].as_i64().unwrap();
    let today = chrono::DateTime::from_timestamp_millis(at)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let r = dev.dlq(&["list", "--until", &today, "-o", "ids"]).await;
    assert_eq!(r.lines().len(), 2, "{}", r.stderr);
    let r = dev.dlq(&["list", "--from", &today, "-o", "ids"]).await;
    assert_eq!(r.lines().len(), 2, "{}", r.stderr);
    let r = dev
        .dlq(&["list", "--failure-state", "callback_fail", "-o", "ids"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
}
