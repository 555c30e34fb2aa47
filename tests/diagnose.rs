//! Diagnoses against `dlq dev`: a receiver answers with the catalogue's signatures, and
//! `show`, `list`, `stats` and JSON say why each failed.

use serde_json::Value;

use crate::support::{Dev, Receiver};

/// A receiver answering each path with one platform's failure.
async fn platforms() -> Receiver {
    Receiver::start(|r, _| match r.path.as_str() {
        "/tunnel" => (
            404,
            vec![
                ("Ngrok-Error-Code", "ERR_NGROK_3200".into()),
                ("Content-Type", "text/html".into()),
            ],
            b"<html><body>The endpoint calm-otter.ngrok-free.app is offline.</body></html>"
                .to_vec(),
        ),
        "/vercel" => (
            504,
            vec![
                ("X-Vercel-Error", "FUNCTION_INVOCATION_TIMEOUT".into()),
                ("X-Vercel-Id", "fra1::abc".into()),
            ],
            b"An error occurred with your deployment\n\nFUNCTION_INVOCATION_TIMEOUT".to_vec(),
        ),
        "/express" => (
            404,
            vec![
                ("X-Powered-By", "Express".into()),
                ("Content-Type", "text/html".into()),
            ],
            b"<pre>Cannot POST /express</pre>".to_vec(),
        ),
        _ => (500, vec![], b"boom".to_vec()),
    })
    .await
}

fn ndjson(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_failure_is_diagnosed_in_show_list_stats_and_json() {
    let dev = Dev::start().await;
    let rx = platforms().await;
    for p in ["/tunnel", "/vercel", "/express", "/other"] {
        dev.fail_many(&format!("{}{p}", rx.url), 1, &[]).await;
    }
    dev.wait_dlq("/v2/dlq", 4).await;

    let r = dev.dlq(&["list", "-o", "ndjson"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut by_path = std::collections::BTreeMap::new();
    for e in ndjson(&r.out()) {
        let path = e["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        by_path.insert(path, e);
    }
    let id_of = |p: &str| by_path[p]["diagnosis"]["id"].as_str().unwrap().to_string();
    assert_eq!(id_of("tunnel"), "ngrok-endpoint-offline");
    assert_eq!(id_of("vercel"), "vercel-function-timeout");
    assert_eq!(id_of("express"), "express-cannot-post");
    assert_eq!(id_of("other"), "status-500");
    assert_eq!(by_path["other"]["diagnosis"]["generic"], true);
    let ev = &by_path["tunnel"]["diagnosis"]["evidence"];
    assert!(
        ev.to_string().contains("Ngrok-Error-Code: ERR_NGROK_3200"),
        "{ev}"
    );

    let csv = dev.dlq(&["list", "-o", "csv"]).await.out();
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == "cause").unwrap();
    let mut causes: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap_or("").to_string())
        .collect();
    causes.sort();
    assert_eq!(
        causes,
        [
            "",
            "express-cannot-post",
            "ngrok-endpoint-offline",
            "vercel-function-timeout"
        ]
    );

    let r = dev.dlq(&["stats", "--by", "cause", "-o", "ndjson"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut keys: Vec<String> = ndjson(&r.out())
        .iter()
        .map(|g| g["cause"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "express-cannot-post",
            "ngrok-endpoint-offline",
            "status-500",
            "vercel-function-timeout"
        ]
    );

    let tunnel = by_path["tunnel"]["dlqId"].as_str().unwrap().to_string();
    let out = dev.dlq(&["show", &tunnel]).await.out();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].trim_start().starts_with("Cause") && lines[1].contains("[ngrok-endpoint-offline]"),
        "{out}"
    );
    assert!(
        lines[2].trim_start().starts_with("Fix") && lines[2].contains("static domain"),
        "{out}"
    );
    assert!(
        !out.contains("evidence"),
        "the evidence only with --explain: {out}"
    );
    let out = dev.dlq(&["show", "--explain", &tunnel]).await.out();
    assert!(
        out.contains("evidence") && out.contains("header Ngrok-Error-Code: ERR_NGROK_3200"),
        "{out}"
    );
    assert!(
        out.contains("status 404") && out.contains("https://ngrok.com/docs/errors/err_ngrok_3200"),
        "{out}"
    );
    let v: Value =
        serde_json::from_str(&dev.dlq(&["show", "-o", "json", &tunnel]).await.out()).unwrap();
    assert_eq!(v[0]["diagnosis"]["id"], "ngrok-endpoint-offline");
    assert_eq!(
        v[0]["diagnosis"]["cause"],
        by_path["tunnel"]["diagnosis"]["cause"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_that_cannot_succeed_unchanged_is_named_with_its_fix_and_stays_possible() {
    let dev = Dev::start().await;
    let rx = platforms().await;
    for p in ["/express", "/tunnel"] {
        dev.fail_many(&format!("{}{p}", rx.url), 1, &[]).await;
    }
    dev.wait_dlq("/v2/dlq", 2).await;
    let r = dev.dlq(&["retry", "--all-matching", "--dry-run"]).await;
    let all = r.all();
    assert!(
        all.contains("express-cannot-post will fail again until it is fixed: Register app.post"),
        "{all}"
    );
    assert!(
        !all.contains("ngrok-endpoint-offline will fail"),
        "an offline tunnel may come back: {all}"
    );
    let r = dev
        .dlq(&["retry", "--all-matching", "--dry-run", "-o", "json"])
        .await;
    let v: Value = serde_json::from_str(&r.out()).unwrap();
    let warned: Vec<&Value> = v["records"]
        .as_array()
        .or_else(|| v.as_array())
        .map(|a| a.iter().filter(|x| x["warning"].is_string()).collect())
        .unwrap_or_default();
    assert_eq!(warned.len(), 1, "{v:#}");
    // Retrying anyway stays possible, and the warning is said before it goes.
    let express = warned[0]["dlqId"].as_str().unwrap().to_string();
    let r = dev.dlq(&["retry", &express, "--yes"]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("express-cannot-post will fail again"),
        "{}",
        r.stderr
    );
    assert!(r.out().contains("retried"), "{}", r.all());
    let r = dev.dlq(&["retry", "--all-matching", "--yes"]).await;
    assert_eq!(r.code, 0, "{}", r.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_whose_failure_function_failed_too_gets_both_diagnoses() {
    use serde_json::json;
    let dev = Dev::start().await;
    let app = crate::support::workflow_app::App::start(&dev).await;
    app.control(json!({ "chargeFails": true, "failureFunctionFails": true }))
        .await;
    app.trigger(json!({ "url": "/wf/order", "workflowRunId": "ff-1", "retries": 0, "body": { "orderId": 1, "amount": 1 } }))
        .await;
    let e = crate::workflow::dlq_entry(&dev, "wfr_ff-1").await;
    assert_ne!(e["failureCallbackInfo"]["state"], "CALLBACK_SUCCESS", "{e}");
    let id = e["dlqId"].as_str().unwrap().to_string();
    let v: Value =
        serde_json::from_str(&dev.dlq(&["show", "-o", "json", &id]).await.out()).unwrap();
    let d = &v[0]["diagnosis"];
    assert_eq!(d["id"], "wf-step-threw", "{d}");
    let f = &d["failureFunction"];
    assert!(
        f["id"].is_string(),
        "the failure function's own diagnosis: {d}"
    );
    assert!(
        f["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("failure callback CALLBACK_"),
        "{f}"
    );
    let out = dev.dlq(&["show", &id]).await.out();
    assert!(
        out.contains("Failure fn cause") && out.contains("Failure fn fix"),
        "{out}"
    );
}
