//! Long output on a terminal goes through the pager (`$PAGER`, `--no-pager` to opt out);
//! long values are cut with a marker and their full size.

use crate::support::{Dev, Receiver};

/// A DLQ entry whose request body is `n` bytes of JSON.
async fn entry_with_body(dev: &Dev, rx: &Receiver, n: usize) -> String {
    let body = format!("{{\"blob\":\"{}\"}}", "z".repeat(n - 11));
    dev.publish(
        &format!("{}/big", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .await;
    dev.wait_dlq("/v2/dlq", 1).await[0]["dlqId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_show_on_a_terminal_goes_through_the_pager_and_is_cut() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let id = entry_with_body(&dev, &rx, 900_000).await;
    let dir = tempfile::tempdir().unwrap();
    let paged = dir.path().join("paged");
    let pager = format!("cat > '{}'", paged.display());
    let tty = [
        ("DLQ_FORCE_TTY", "1"),
        ("LINES", "24"),
        ("PAGER", pager.as_str()),
    ];

    let r = dev.dlq_env(&["show", &id], &tty).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.out(), "", "the pager got it all");
    let text = std::fs::read_to_string(&paged).unwrap();
    assert!(
        text.starts_with(&format!("DLQ entry {id}")),
        "{}",
        &text[..200]
    );
    assert!(
        text.contains("… cut at 64 KiB of 900000 bytes (all of it: --raw-body)"),
        "{}",
        &text[text.len() - 300..]
    );
    assert!(text.len() < 100_000, "{} bytes on a terminal", text.len());

    // --no-pager writes to the terminal itself.
    std::fs::remove_file(&paged).unwrap();
    let r = dev.dlq_env(&["show", &id, "--no-pager"], &tty).await;
    assert!(r.out().starts_with(&format!("DLQ entry {id}")));
    assert!(!paged.exists());

    // Off a terminal: all of it, no pager.
    let r = dev
        .dlq_env(&["show", &id], &[("PAGER", pager.as_str())])
        .await;
    assert!(r.out().len() > 900_000 && !paged.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pager_that_is_not_installed_loses_nothing() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let id = entry_with_body(&dev, &rx, 5_000).await;
    let r = dev
        .dlq_env(
            &["show", &id],
            &[
                ("DLQ_FORCE_TTY", "1"),
                ("LINES", "5"),
                ("PAGER", "no-such-pager -R"),
            ],
        )
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.out().starts_with(&format!("DLQ entry {id}")),
        "{}",
        r.out()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_longer_than_the_screen_is_paged_and_a_short_one_is_not() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/t", rx.url), 30, &[]).await;
    dev.wait_dlq("/v2/dlq", 30).await;
    let dir = tempfile::tempdir().unwrap();
    let paged = dir.path().join("paged");
    let pager = format!("cat > '{}'", paged.display());
    let tty = |lines: &'static str| {
        vec![
            ("DLQ_FORCE_TTY", "1"),
            ("LINES", lines),
            ("PAGER", pager.as_str()),
        ]
    };
    let r = dev.dlq_env(&["list"], &tty("24")).await;
    assert_eq!((r.code, r.out()), (0, String::new()), "{}", r.stderr);
    let table = std::fs::read_to_string(&paged).unwrap();
    assert_eq!(
        table.lines().filter(|l| l.contains("/t")).count(),
        30,
        "{table}"
    );

    std::fs::remove_file(&paged).unwrap();
    let r = dev.dlq_env(&["list"], &tty("100")).await;
    assert_eq!(r.out().lines().filter(|l| l.contains("/t")).count(), 30);
    assert!(!paged.exists(), "it fits: no pager");
}
