//! The picker and the confirmation prompt, driven in a real terminal (tmux).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Dev, Receiver};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-t", "t", "-p"]).stdout).into_owned()
    }
    async fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {needle:?} on the screen:\n{s}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    fn keys(&self, k: &str) {
        self.cmd(&["send-keys", "-t", "t", k]);
    }
}

impl Tmux {
    /// Runs `dlq ARGS` against `dev` in a 160×40 terminal of its own tmux server; the pane
    /// ends with `EXIT=<code>`.
    fn run(dev: &Dev, name: &str, args: &str, home: &std::path::Path) -> Tmux {
        let tmux = Tmux {
            socket: format!("dlq-test-{name}-{}", std::process::id()),
        };
        let script = format!(
            "env -i PATH=\"$PATH\" HOME={home} XDG_STATE_HOME={home}/state TERM=xterm DLQ_RETRY_SCALE={scale} QSTASH_URL={url} QSTASH_TOKEN={token} {bin} {args}; echo EXIT=$?; sleep 60",
            scale = crate::support::RETRY_SCALE,
            home = home.display(),
            url = dev.url,
            token = dev.token,
            bin = env!("CARGO_BIN_EXE_dlq"),
        );
        let out = tmux.cmd(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "160",
            "-y",
            "40",
            &script,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pick_entries_confirm_and_retry_in_a_terminal() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for p in ["/p1", "/p2", "/p3"] {
        dev.fail_many(&format!("{}{p}", rx.url), 1, &[]).await;
    }
    let all = dev.wait_dlq("/v2/dlq", 3).await;
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::run(&dev, "pick", "retry -i", home.path());
    let screen = tmux.wait_for("Entries to retry").await;
    for e in &all {
        assert!(screen.contains(e["dlqId"].as_str().unwrap()), "{screen}");
    }
    // The entry the picker shows last (its order, not the API's: ties in createdAt may
    // differ) is the one left unpicked.
    let last_shown = all
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .max_by_key(|id| screen.find(id.as_str()))
        .unwrap();
    // Pick the first two, confirm.
    tmux.keys("Space");
    tmux.keys("Down");
    tmux.keys("Space");
    tmux.keys("Enter");
    tmux.wait_for(&format!("Retry 2 DLQ entries to 2 URLs on {}?", dev.url))
        .await;
    tmux.keys("y");
    let screen = tmux.wait_for("EXIT=").await;
    assert!(
        screen.contains("EXIT=0") && screen.contains("Retried 2, already gone 0, failed 0."),
        "{screen}"
    );
    // The retried messages fail again (the receiver still answers 500) and come back.
    let left = dev.wait_dlq("/v2/dlq", 3).await;
    assert_eq!(
        left.len(),
        3,
        "the two retried messages failed again (receiver still 500) plus the unpicked one"
    );
    assert_eq!(
        left.iter()
            .filter(|e| e["dlqId"] == last_shown.as_str())
            .count(),
        1,
        "the unpicked entry is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_no_changes_nothing() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/n", rx.url), 2, &[("Upstash-Label", "x")])
        .await;
    let before = dev.wait_dlq("/v2/dlq", 2).await;
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::run(&dev, "no", "delete --label x --all-matching", home.path());
    tmux.wait_for(&format!("Delete 2 DLQ entries to 1 URL on {}?", dev.url))
        .await;
    tmux.keys("n");
    let screen = tmux.wait_for("EXIT=").await;
    assert!(
        screen.contains("EXIT=1")
            && screen.contains("Nothing changed.")
            && !screen.contains("error"),
        "{screen}"
    );
    assert_eq!(dev.dlq_all("/v2/dlq").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_on_a_terminal_shows_the_newest_failures_first() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    // More than a page within the first window: the walk narrows it to its newest part.
    dev.fail_many(&format!("{}/t", rx.url), 250, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 250).await;
    // Newest by createdAt (the message's), then dlqId: the newest last.
    let mut keyed: Vec<(i64, String)> = all
        .iter()
        .map(|e| {
            (
                e["createdAt"].as_i64().unwrap(),
                e["dlqId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    keyed.sort();
    let ids: Vec<String> = keyed.into_iter().map(|(_, i)| i).collect();
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::run(&dev, "newest", "list --limit 5", home.path());
    let screen = tmux.wait_for("EXIT=").await;
    assert!(screen.contains("EXIT=0"), "{screen}");
    let shown: Vec<&str> = screen
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ids.iter().any(|i| i == w))
        .collect();
    let newest: Vec<&str> = ids.iter().rev().take(5).map(String::as_str).collect();
    assert_eq!(shown, newest, "{screen}");
    assert!(screen.contains("Showing the newest 5"), "{screen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_output_on_a_terminal_is_sized_for_a_person() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/p", rx.url), 25, &[]).await;
    let all = dev.wait_dlq("/v2/dlq", 25).await;
    let home = tempfile::tempdir().unwrap();
    // The dry run: the summary and the first 20 entries, aligned.
    let tmux = Tmux::run(&dev, "dry", "retry --all-matching --dry-run", home.path());
    let screen = tmux.wait_for("EXIT=").await;
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("would retry 25 DLQ entries"), "{screen}");
    assert!(
        screen.contains("…and 5 more; -o ndjson for all"),
        "{screen}"
    );
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("retry POST"))
        .collect();
    assert_eq!(rows.len(), 20, "{screen}");
    let col = |l: &str| l.find("retry POST").unwrap();
    assert!(
        rows.iter().all(|l| col(l) == col(rows[0])),
        "aligned: {screen}"
    );
    drop(tmux);
    // Ids not in the DLQ are left out of the counts, and said to be.
    let id = all[0]["dlqId"].as_str().unwrap();
    let tmux = Tmux::run(
        &dev,
        "dry2",
        &format!("delete {id} 1-0 --dry-run"),
        home.path(),
    );
    let screen = tmux.wait_for("EXIT=").await;
    assert!(screen.contains("would delete 1 DLQ entry"), "{screen}");
    assert!(
        screen.contains("1 id is not in the DLQ and left out"),
        "{screen}"
    );
    drop(tmux);
    // The run: the summary, no line per entry.
    let tmux = Tmux::run(&dev, "run", "delete --all-matching --yes", home.path());
    let screen = tmux.wait_for("EXIT=").await;
    assert!(
        screen.contains("EXIT=0") && screen.contains("Deleted 25"),
        "{screen}"
    );
    assert!(
        !screen.contains("\tdeleted"),
        "no per-entry lines: {screen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_shows_a_whole_number_rate() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/r", rx.url), 20, &[]).await;
    dev.wait_dlq("/v2/dlq", 20).await;
    let home = tempfile::tempdir().unwrap();
    // 10 a second: the bar is on screen for a few seconds.
    let tmux = Tmux::run(
        &dev,
        "rate",
        "delete --all-matching --yes --rate 10",
        home.path(),
    );
    let screen = tmux.wait_for("/s, ETA").await;
    let bar = screen.lines().find(|l| l.contains("/s, ETA")).unwrap();
    let rate = bar.split('(').nth(1).unwrap().split("/s").next().unwrap();
    assert!(
        !rate.is_empty() && rate.chars().all(|c| c.is_ascii_digit()),
        "{bar}"
    );
    tmux.wait_for("EXIT=0").await;
}

/// Leaving the picker changes nothing and says so: Esc exits 1 as "no" does; Ctrl-C clears
/// the list from the screen and exits 130.
#[tokio::test(flavor = "multi_thread")]
async fn esc_and_ctrl_c_leave_the_picker_changing_nothing() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/esc", rx.url), 2, &[]).await;
    let before = dev.wait_dlq("/v2/dlq", 2).await;
    for (key, code) in [("Escape", "EXIT=1"), ("C-c", "EXIT=130")] {
        let home = tempfile::tempdir().unwrap();
        let tmux = Tmux::run(&dev, &format!("leave{code}"), "retry -i", home.path());
        tmux.wait_for("Entries to retry").await;
        tmux.keys(key);
        let screen = tmux.wait_for("EXIT=").await;
        assert!(screen.contains(code), "{key}: {screen}");
        assert!(
            screen.contains("Nothing changed.") || screen.contains("nothing changed"),
            "{key}: {screen}"
        );
        assert!(
            !screen.contains(before[0]["dlqId"].as_str().unwrap()),
            "{key}: the list is gone from the screen: {screen}"
        );
    }
    assert_eq!(dev.dlq_all("/v2/dlq").await, before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn picked_entries_go_one_per_destination_first_with_canary() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    dev.fail_many(&format!("{}/same", rx.url), 3, &[]).await;
    dev.wait_dlq("/v2/dlq", 3).await;
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::run(&dev, "canary", "retry -i --canary", home.path());
    tmux.wait_for("Entries to retry").await;
    for k in ["Space", "Down", "Space", "Down", "Space", "Enter"] {
        tmux.keys(k);
    }
    tmux.wait_for("Retry 3 DLQ entries").await;
    tmux.keys("y");
    let screen = tmux.wait_for("EXIT=").await;
    assert!(screen.contains("EXIT=3"), "{screen}");
    assert!(
        screen.contains("its other 2 entries left untouched"),
        "{screen}"
    );
    assert_eq!(
        rx.requests_to("/same").len(),
        4,
        "three failures, then the canary alone"
    );
}
