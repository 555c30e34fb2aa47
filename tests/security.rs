//! What a security review found: redirects are not followed, nothing secret is undone in
//! `show`, files are not written through symlinks.

use crate::support::{Dev, Receiver, dlq_at};

/// An "API" that redirects every request to `to`: dlq names the redirect and sends nothing
/// there (neither the token nor an import's forwarded headers).
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_an_error_naming_it_and_nothing_follows_it() {
    let elsewhere = Receiver::always(200).await;
    let to = format!("{}/stolen", elsewhere.url);
    let to2 = to.clone();
    let redirector =
        Receiver::start(move |_, _| (307, vec![("location", to2.clone())], vec![])).await;
    let r = dlq_at(&redirector.url, Some("tok_secret_1"), &["list"], &[]).await;
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("307 redirecting to") && r.stderr.contains(&to),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("tok_secret_1"), "{}", r.stderr);

    // An import through it: nothing reaches the redirect's target, nothing reads "imported".
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.publish(
        &format!("{}/x", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Upstash-Forward-Authorization", "Bearer dest_secret"),
        ],
        "b",
    )
    .await;
    dev.wait_dlq("/v2/dlq", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.ndjson");
    let fs = f.to_str().unwrap();
    let r = dev.dlq(&["export", "-o", fs, "--include-secrets"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = dlq_at(&redirector.url, Some("tok"), &["import", fs, "--yes"], &[]).await;
    assert_ne!(r.code, 0, "{}", r.out());
    assert!(!r.out().contains("imported"), "{}", r.out());
    assert!(
        elsewhere.requests().is_empty(),
        "a request followed the redirect"
    );
}

/// A run's request body is its log of base64 steps: `show` masks the secrets inside it, in
/// the Request section and in `-o json`, as the decoded steps do; `--reveal` gives them back.
#[tokio::test(flavor = "multi_thread")]
async fn show_masks_the_secrets_inside_a_runs_base64_log() {
    use base64::Engine as _;
    let dev = Dev::start().await;
    let app = crate::support::workflow_app::App::start(&dev).await;
    app.trigger(
        serde_json::json!({"url": "/wf/order", "workflowRunId": "sec-1", "retries": 0,
        "body": {"orderId": "s1", "amount": 1, "apiKey": "sk_live_77", "password": "hunter2"}}),
    )
    .await;
    let id = crate::workflow::dlq_entry(&dev, "wfr_sec-1").await["dlqId"]
        .as_str()
        .unwrap()
        .to_string();
    let decoded_log = |body: &str| -> String {
        let steps: Vec<serde_json::Value> = serde_json::from_str(body).unwrap();
        steps
            .iter()
            .map(|s| {
                let b = base64::engine::general_purpose::STANDARD
                    .decode(s["body"].as_str().unwrap())
                    .unwrap();
                String::from_utf8(b).unwrap()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let text = dev.dlq(&["show", &id]).await.out();
    let json = dev.dlq(&["show", &id, "-o", "json"]).await.out();
    let v: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let log = decoded_log(v[0]["body"].as_str().unwrap());
    for out in [&text, &json, &log] {
        assert!(
            !out.contains("sk_live_77") && !out.contains("hunter2"),
            "{out}"
        );
    }
    assert!(log.contains("\"apiKey\":\"<redacted>\""), "{log}");
    // JSON says what was masked.
    let masked = &v[0]["maskedByDlq"];
    for what in ["log key apiKey", "log key password"] {
        assert!(
            masked
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(what)),
            "{masked}"
        );
    }
    assert!(log.contains("\"orderId\":\"s1\""), "the rest stays: {log}");
    let revealed = dev
        .dlq(&["show", &id, "-o", "json", "--reveal"])
        .await
        .out();
    let v: Vec<serde_json::Value> = serde_json::from_str(&revealed).unwrap();
    assert!(decoded_log(v[0]["body"].as_str().unwrap()).contains("sk_live_77"));
    assert!(v[0].get("maskedByDlq").is_none());
}

/// Exports and journals are written new, never through a symlink, and are their owner's only.
#[tokio::test(flavor = "multi_thread")]
async fn exports_and_journals_never_write_through_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/s", rx.url), 2, &[]).await;
    dev.wait_dlq("/v2/dlq", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let out = dir.path().join("x.ndjson");
    // The old scratch name, planted: untouched now.
    std::os::unix::fs::symlink(&victim, dir.path().join("x.ndjson.partial")).unwrap();
    let r = dev.dlq(&["export", "-o", out.to_str().unwrap()]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A journal path that is a symlink (even a dangling one) is refused, nothing sent.
    let j = dir.path().join("j.ndjson");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &j).unwrap();
    let r = dev
        .dlq(&[
            "delete",
            "--all-matching",
            "--yes",
            "--journal",
            j.to_str().unwrap(),
        ])
        .await;
    assert_ne!(r.code, 0, "{}", r.out());
    assert!(r.stderr.contains("exists"), "{}", r.stderr);
    assert_eq!(dev.dlq_all("/v2/dlq").await.len(), 2, "nothing was deleted");
    assert!(!dir.path().join("nowhere").exists());
}

/// `dlq dev` closes a connection that is slow to send its headers, and serves a bounded
/// number at once (the others wait in the backlog, served as soon as one ends).
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_client_holds_no_connection_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dev = Dev::start_with(dlq::server::ServerConfig {
        header_timeout: std::time::Duration::from_millis(300),
        max_connections: 2,
        ..dlq::server::ServerConfig::for_tests()
    })
    .await;
    let addr = dev.url.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /v2/dlq HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    // The guard only keeps a broken server from hanging the suite.
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(closed.is_ok(), "the slow connection was still open");

    // Two idle connections take both slots: a third request waits until one is closed.
    let a = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _b = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let quick = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(150))
        .build()
        .unwrap();
    let url = format!("{}/v2/dlq", dev.url);
    let auth = format!("Bearer {}", dev.token);
    assert!(
        quick
            .get(&url)
            .header("Authorization", &auth)
            .send()
            .await
            .is_err()
    );
    drop(a);
    let r = reqwest::Client::new()
        .get(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A URL group whose endpoint is the server's own publish URL is not a delivery loop: the
/// delivery is refused, said in the DLQ entry, and nothing is published again.
#[tokio::test(flavor = "multi_thread")]
async fn a_destination_that_is_the_servers_own_api_is_not_delivered_to() {
    let dev = Dev::start().await;
    let own = format!("{}/v2/publish/loop", dev.url);
    let res = dev
        .req(reqwest::Method::POST, "/v2/topics/loop/endpoints")
        .json(&serde_json::json!({"endpoints": [{"url": own}]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    dev.publish("loop", &[("Upstash-Retries", "0")], "x").await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let r = dev.dlq(&["list", "-o", "json"]).await;
    assert!(r.out().contains("own API"), "{e:#}\n{}", r.out());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        dev.dlq_all("/v2/dlq").await.len(),
        1,
        "nothing was published again"
    );
}

/// A token in the query under an encoded key (`qstash%5Ftoken`) authenticates, and is kept
/// out of the delivery and the stored URL like the plain one.
#[tokio::test(flavor = "multi_thread")]
async fn an_encoded_token_key_is_still_the_token_everywhere() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let url = format!(
        "{}/v2/publish/{}/hook?a=1&qstash%5Ftoken={}",
        dev.url, rx.url, dev.token
    );
    let res = reqwest::Client::new()
        .post(&url)
        .header("Upstash-Retries", "0")
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let got = rx.wait_for("/hook", 1).await;
    let e = dev.wait_dlq("/v2/dlq", 1).await.remove(0);
    let stored = e["url"].as_str().unwrap();
    assert!(stored.ends_with("/hook?a=1"), "{stored}");
    assert!(
        !format!("{:?}", got[0]).contains(&dev.token),
        "the token was delivered"
    );
}

/// `dlq dev`'s bulk retry reads its body as bulk delete does: the ids in it are honoured and
/// a malformed body is a 400 (it was ignored, and retried the whole DLQ).
#[tokio::test(flavor = "multi_thread")]
async fn dev_bulk_retry_honours_its_body_and_refuses_a_bad_one() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/r", rx.url), 3, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 3).await;
    let one = all[0]["dlqId"].as_str().unwrap();
    let post = |body: String| {
        dev.req(reqwest::Method::POST, "/v2/dlq/retry")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let res = post("{not json".into()).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(dev.dlq_all("/v2/dlq").await.len(), 3, "nothing was retried");
    let res = post(format!(r#"{{"dlqIds":["{one}"]}}"#)).await.unwrap();
    assert!(res.status().is_success());
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["responses"].as_array().unwrap().len(), 1, "{v}");
}

/// A config file holding a token that others can read is used with a warning naming it and
/// the chmod that fixes it; at 0600 nothing is said.
#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_others_can_read_is_warned_of() {
    use std::os::unix::fs::PermissionsExt;
    let dev = Dev::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.p]\nurl = \"{}\"\ntoken = \"{}\"\n",
            dev.url, dev.token
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = cfg.to_str().unwrap();
    let env = [("DLQ_CONFIG", c)];
    let run = || dlq_at("http://unused", None, &["list", "--profile", "p"], &env);
    let r = run().await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{c} holds a token and others can read it (mode 0644): run chmod 600 {c}"
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&dev.token));
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!run().await.stderr.contains("Warning"));
}

/// An export whose line is longer than the bound (64 MiB; here inside a small .gz) is refused
/// naming the line, with nothing sent and no more than the bound held.
#[tokio::test(flavor = "multi_thread")]
async fn an_import_line_longer_than_the_bound_is_refused() {
    use std::io::Write;
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/i", rx.url), 1, &[]).await;
    dev.wait_dlq("/v2/dlq", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ndjson");
    let r = dev.dlq(&["export", "-o", good.to_str().unwrap()]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = std::fs::read_to_string(&good)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let bad = dir.path().join("bad.ndjson.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&bad).unwrap(),
        flate2::Compression::fast(),
    );
    writeln!(gz, "{header}").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..65 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(b"\n").unwrap();
    gz.finish().unwrap();
    let r = dev.dlq(&["import", bad.to_str().unwrap(), "--yes"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("line 2 is longer than 64 MiB"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 1000, "the line is not echoed");
    assert_eq!(rx.requests().len(), 1, "nothing was sent");
}
