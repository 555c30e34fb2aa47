//! The committed completions and man pages match the CLI; `--help` is pinned.

use std::path::Path;

const REGENERATE: &str = "regenerate with `cargo run -- generate man man` and `cargo run -- generate completions <shell> > completions/<file>` (README, Development)";

fn check(path: &Path, fresh: &[u8]) {
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the CLI definition; {REGENERATE}",
        path.display()
    );
}

#[test]
fn completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in dlq::generate::SHELLS {
        let mut buf = Vec::new();
        dlq::generate::completions(
            &<dlq::app::Cli as clap::CommandFactory>::command(),
            *shell,
            &mut buf,
        );
        assert!(!buf.is_empty());
        check(&root.join(file), &buf);
    }
}

#[test]
fn man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let pages =
        dlq::generate::man_pages(&<dlq::app::Cli as clap::CommandFactory>::command()).unwrap();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "dlq.1",
            "dlq-list.1",
            "dlq-show.1",
            "dlq-stats.1",
            "dlq-watch.1",
            "dlq-export.1",
            "dlq-import.1",
            "dlq-retry.1",
            "dlq-delete.1",
            "dlq-dev.1",
            "dlq-demo.1"
        ]
    );
    for (name, bytes) in &pages {
        check(&root.join(name), bytes);
        assert!(
            String::from_utf8_lossy(bytes).contains("130"),
            "{name} documents the exit codes"
        );
    }
}

#[test]
fn cli_definition_is_consistent() {
    <dlq::app::Cli as clap::CommandFactory>::command().debug_assert();
}

#[test]
fn help_is_pinned_and_every_command_documents_exit_codes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    for sub in [
        "list", "show", "stats", "watch", "retry", "delete", "dev", "demo",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
            .args([sub, "--help"])
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{sub}");
        assert!(
            text.contains("Exit codes:") && text.contains("130  interrupted"),
            "{sub} --help lacks the exit codes"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("dlq {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_the_whole_story_and_ends_with_an_empty_dlq() {
    let r = crate::support::dlq_at("http://127.0.0.1:9", None, &["demo"], &[]).await;
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    let out = r.out();
    for needle in [
        "$ dlq list",
        "$ dlq list --run-id wfr_demo_checkout_2",
        "$ dlq show ",
        "Title: ngrok - Tunnel abc.ngrok.app not found",
        "Authorization: <redacted>",
        "would retry 4 DLQ entries",
        "Retried 4, already gone 0, failed 0.",
        // The workflow runs went through the steps protocol: the entry is what a real run
        // leaves, and the resumed runs finished.
        "Upstash-Error-Step-Name: charge-card",
        "card processor timeout after 30000 ms",
        "refund issued for wfr_demo_checkout_2",
        "Retried 2, already gone 0, failed 0.",
        "the 2 workflow runs finished after their retry; the DLQ is empty",
    ] {
        assert!(
            out.contains(needle) || r.stderr.contains(needle),
            "missing {needle:?}:\n{out}\n{}",
            r.stderr
        );
    }
    assert!(!out.contains("sk_demo_secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_can_keep_running_with_failures_to_explore() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .args(["demo", "--keep-running"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir().join("dlq-test-home"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut token) = (String::new(), String::new());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while let Ok(Some(l)) = lines.next_line().await {
        if let Some(u) = l.trim().strip_prefix("export QSTASH_URL=") {
            url = u.to_string();
        }
        if let Some(t) = l.trim().strip_prefix("export QSTASH_TOKEN=") {
            token = t.to_string();
        }
        if l.contains("Ctrl-C here stops the server") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the demo did not get there"
        );
    }
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let r = crate::support::dlq_at(&url, Some(&token), &["list", "-o", "ids"], &[]).await;
    assert_eq!(r.lines().len(), 3, "{}", r.stderr);
    let r = crate::support::dlq_at(
        &url,
        Some(&token),
        &["list", "--workflow", "-o", "ids"],
        &[],
    )
    .await;
    assert_eq!(r.lines().len(), 1, "{}", r.stderr);
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn every_man_page_has_examples() {
    for (name, page) in
        dlq::generate::man_pages(&<dlq::app::Cli as clap::CommandFactory>::command()).unwrap()
    {
        let text = String::from_utf8(page).unwrap();
        assert!(text.contains(".SH EXAMPLES"), "{name} has no EXAMPLES");
    }
}

#[test]
fn every_test_file_is_part_of_the_harness() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let harness = std::fs::read_to_string(dir.join("cli.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let (Some(stem), Some("rs")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if stem == "cli" {
            continue;
        }
        assert!(
            harness.contains(&format!("\nmod {stem};")),
            "tests/{stem}.rs is not part of tests/cli.rs, so its tests never run"
        );
    }
}
