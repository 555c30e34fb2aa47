//! The safety instruments tell the truth: a dry run says what its run does, for every input
//! form; the target is the one chosen and is named; a bad time is refused.

use serde_json::Value;

use crate::support::{Dev, Receiver, Run, dlq_with_stdin};

fn records(r: &Run) -> Vec<Value> {
    r.lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What a dry run says and what its run did: (id, action) planned and ids missing, then
/// (id, action) done and ids not found, with both exit codes.
#[derive(Debug, PartialEq)]
pub struct Both {
    pub planned: Vec<(String, String)>,
    pub missing: Vec<String>,
    pub dry_code: i32,
    pub done: Vec<(String, String)>,
    pub not_found: Vec<String>,
    pub code: i32,
}

/// The record's outcome as the action the preview named (`failed` for a refusal).
fn action_of(outcome: &str, verb: &str) -> String {
    match outcome {
        "retried" | "deleted" => verb.to_string(),
        other => other.to_string(),
    }
}

/// Runs `args` with `--dry-run`, then for real, both with `-o ndjson`.
pub async fn both_ways(dev: &Dev, args: &[&str], stdin: Option<&[u8]>) -> Both {
    let run = |extra: &'static str| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["-o", "ndjson", extra]);
        let a: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        async move {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            dlq_with_stdin(&dev.url, Some(&dev.token), &a, &[], stdin).await
        }
    };
    let dry = run("--dry-run").await;
    let mut planned = Vec::new();
    let mut missing = Vec::new();
    for r in records(&dry) {
        let id = r["dlqId"].as_str().unwrap().to_string();
        match (r["action"].as_str(), r.get("refused")) {
            (None, _) => missing.push(id),
            (Some(_), Some(_)) => planned.push((id, "failed".into())),
            (Some(a), None) => planned.push((id, a.to_string())),
        }
    }
    let real = run("--yes").await;
    let mut done = Vec::new();
    let mut not_found = Vec::new();
    for r in records(&real) {
        let id = r["dlqId"].as_str().unwrap().to_string();
        match r["outcome"].as_str().unwrap() {
            "not_found" => not_found.push(id),
            o => {
                let verb = planned
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default();
                done.push((
                    id,
                    if o == "failed" {
                        o.into()
                    } else {
                        action_of(o, &verb)
                    },
                ))
            }
        }
    }
    for v in [&mut planned, &mut done] {
        v.sort();
    }
    missing.sort();
    not_found.sort();
    Both {
        planned,
        missing,
        dry_code: dry.code,
        done,
        not_found,
        code: real.code,
    }
}

/// The preview and the run agree on ids, actions, missing ids and the exit code.
pub fn assert_agree(b: &Both, what: &str) {
    assert!(!b.planned.is_empty(), "{what}: nothing planned: {b:?}");
    assert_eq!(
        b.planned, b.done,
        "{what}: the run did what the dry run said"
    );
    assert_eq!(b.missing, b.not_found, "{what}: the same ids were missing");
    assert_eq!(
        b.dry_code, b.code,
        "{what}: the dry run's exit code is the run's"
    );
}

/// Two failed messages labelled `label`, and one id that is no longer in the DLQ.
async fn two_and_a_gone(dev: &Dev, rx: &Receiver, label: &str) -> (Vec<Value>, String) {
    let url = format!("{}/{label}", rx.url);
    dev.fail_many(&url, 3, &[("Upstash-Label", label)]).await;
    let mut mine: Vec<Value>;
    loop {
        mine = dev.dlq_all(&format!("/v2/dlq?label={label}")).await;
        if mine.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let gone = mine.pop().unwrap()["dlqId"].as_str().unwrap().to_string();
    let r = dev.dlq(&["delete", &gone]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    (mine, gone)
}

/// A journal as a run on `url` writes it before its first call.
pub fn write_journal(path: &std::path::Path, verb: &str, ids: &[String], url: &str) {
    let action = if verb == "delete" { "delete" } else { "retry" };
    let plan = serde_json::json!({
        "type": "plan", "version": 1, "action": action, "workflow": false, "ids": ids,
        "createdAt": "2026-12-07T00:00:00Z", "target": {"url": url},
    });
    std::fs::write(path, format!("{plan}\n")).unwrap();
}

fn ids(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["dlqId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_says_what_its_run_does_for_every_input_form() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for verb in ["retry", "delete"] {
        // Ids as arguments.
        let (es, gone) = two_and_a_gone(&dev, &rx, &format!("{verb}-args")).await;
        let mut a = vec![verb.to_string()];
        a.extend(ids(&es));
        a.push(gone.clone());
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b = both_ways(&dev, &a, None).await;
        assert_eq!(b.missing, std::slice::from_ref(&gone));
        assert_eq!(b.code, 3);
        assert_agree(&b, &format!("{verb} ids"));
        // `-` with bare ids, NDJSON lines and a pretty JSON array.
        for form in ["ids", "ndjson", "json"] {
            let (es, gone) = two_and_a_gone(&dev, &rx, &format!("{verb}-{form}")).await;
            let input = match form {
                "ids" => format!("{}\n{gone}\n", ids(&es).join("\n")),
                "ndjson" => {
                    let mut lines: Vec<String> = es.iter().map(|e| e.to_string()).collect();
                    lines.push(serde_json::json!({"dlqId": gone}).to_string());
                    lines.join("\n")
                }
                _ => {
                    let mut all = es.clone();
                    all.push(serde_json::json!({"dlqId": gone}));
                    serde_json::to_string_pretty(&all).unwrap()
                }
            };
            let b = both_ways(&dev, &[verb, "-"], Some(input.as_bytes())).await;
            assert_eq!(b.missing, std::slice::from_ref(&gone), "{verb} {form}");
            assert_agree(&b, &format!("{verb} stdin {form}"));
        }
        // A filter.
        let label = format!("{verb}-filter");
        two_and_a_gone(&dev, &rx, &label).await;
        let b = both_ways(&dev, &[verb, "--all-matching", "--label", &label], None).await;
        assert_eq!(b.planned.len(), 2);
        assert_agree(&b, &format!("{verb} filter"));
        // The journal of a run stopped right after its plan was written, resumed.
        let (es, gone) = two_and_a_gone(&dev, &rx, &format!("{verb}-journal")).await;
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("j.ndjson");
        let mut planned = ids(&es);
        planned.push(gone.clone());
        write_journal(&j, verb, &planned, &dev.url);
        let j = j.to_str().unwrap();
        let b = both_ways(&dev, &[verb, "--resume", j], None).await;
        assert_eq!(b.planned.len(), 2, "{b:?}");
        assert_eq!(
            (b.missing.clone(), b.code),
            (vec![gone], 0),
            "a resumed run expects gone ids"
        );
        assert_agree(&b, &format!("{verb} journal"));
    }
}

/// A journal knows its target: `--resume` elsewhere is refused naming both, and `--resume`
/// without a path offers only journals of the current target.
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_is_resumed_only_on_its_own_target() {
    let dev = Dev::start().await;
    let other = Dev::start().await;
    let rx = Receiver::always(500).await;
    let (es, _) = two_and_a_gone(&dev, &rx, "mine").await;
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("dlq/journals");
    std::fs::create_dir_all(&dir).unwrap();
    let j = dir.join("20261207T000000.000Z-delete.ndjson");
    write_journal(&j, "delete", &ids(&es), &dev.url);
    let env = [("XDG_STATE_HOME", state.path().to_str().unwrap())];
    let r = other
        .dlq_env(&["delete", "--resume", j.to_str().unwrap(), "--yes"], &env)
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("a run on {}, not on {}", dev.url, other.url)),
        "{}",
        r.stderr
    );
    let r = other.dlq_env(&["delete", "--resume", "--yes"], &env).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no unfinished delete journal"),
        "{}",
        r.stderr
    );
    assert_eq!(
        dev.dlq_all("/v2/dlq?label=mine").await.len(),
        2,
        "nothing acted on"
    );
    let r = dev.dlq_env(&["delete", "--resume", "--yes"], &env).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dev.dlq_all("/v2/dlq?label=mine").await.is_empty());
}

/// An explicit profile (`--profile` or `DLQ_PROFILE`) is the target whole, whatever
/// QSTASH_URL and QSTASH_TOKEN say; `-v`, the dry run and the confirmation name it.
#[tokio::test(flavor = "multi_thread")]
async fn an_explicit_profile_wins_over_the_environment_and_is_named() {
    let env_side = Dev::start().await;
    let profile_side = Dev::start().await;
    let rx = Receiver::always(500).await;
    two_and_a_gone(&env_side, &rx, "env").await;
    let (mine, _) = two_and_a_gone(&profile_side, &rx, "profile").await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.side]\nurl = \"{}\"\ntoken = \"{}\"\n",
            profile_side.url, profile_side.token
        ),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let named = format!("{} (profile side)", profile_side.url);
    for (args, extra_env) in [
        (vec!["list", "-v", "-o", "ids", "--profile", "side"], None),
        (
            vec!["list", "-v", "-o", "ids"],
            Some(("DLQ_PROFILE", "side")),
        ),
    ] {
        let mut env = vec![("DLQ_CONFIG", cfg)];
        env.extend(extra_env);
        let r = env_side.dlq_env(&args, &env).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut got = r.lines();
        got.sort();
        assert_eq!(got, ids(&mine), "listed the profile's server");
        assert!(
            r.stderr.contains(&format!("target: {named}")),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("QSTASH_URL and QSTASH_TOKEN in the environment ignored"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains(&env_side.url), "{}", r.stderr);
    }
    let r = env_side
        .dlq_env(
            &["delete", "--all-matching", "--dry-run", "--profile", "side"],
            &[("DLQ_CONFIG", cfg)],
        )
        .await;
    assert!(
        r.out()
            .starts_with(&format!("Dry run on {named}: would delete 2 DLQ entries")),
        "{}",
        r.out()
    );
    // `--dev` with a profile names two targets.
    let r = env_side
        .dlq_env(
            &["list", "--dev", "--profile", "side"],
            &[("DLQ_CONFIG", cfg)],
        )
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// The token goes over plain http only to this machine, unless `--allow-http` says so.
#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_not_sent_over_plain_http_beyond_this_machine() {
    let r = crate::support::dlq_at(
        "http://qstash.upstash.io",
        Some("secret-token"),
        &["list", "-v"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("plain http to qstash.upstash.io"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--allow-http"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("> GET"),
        "nothing was sent: {}",
        r.stderr
    );
    assert!(!r.all().contains("secret-token"));
}

/// `dlq dev --token T` (or DLQ_DEV_TOKEN) runs a server that takes T and refuses the
/// published default; with its own token it may listen beyond loopback.
#[tokio::test(flavor = "multi_thread")]
async fn dlq_dev_runs_with_its_own_token_and_listens_beyond_loopback_with_it() {
    use tokio::io::AsyncBufReadExt;
    for (args, env) in [
        (vec!["--token", "own-token-1"], None),
        (vec![], Some(("DLQ_DEV_TOKEN", "own-token-1"))),
    ] {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"));
        cmd.args(["dev", "--port", "0", "--host", "0.0.0.0"])
            .args(&args)
            .env_clear()
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next_line().await.unwrap().unwrap();
        let second = lines.next_line().await.unwrap().unwrap();
        assert_eq!(second, "export QSTASH_TOKEN=own-token-1");
        let port = first.rsplit(':').next().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let r = crate::support::dlq_at(&url, Some("own-token-1"), &["list"], &[]).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r =
            crate::support::dlq_at(&url, Some(dlq::server::DEFAULT_TOKEN), &["list"], &[]).await;
        assert_eq!(r.code, 5, "the default token is refused: {}", r.stderr);
        child.kill().await.unwrap();
    }
}

/// A bare number is never taken as a time (it selected the whole DLQ as Unix milliseconds):
/// every command that takes one refuses it and names the forms; the explicit forms work.
#[tokio::test(flavor = "multi_thread")]
async fn a_bare_number_is_refused_wherever_a_time_is_taken() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let (es, _) = two_and_a_gone(&dev, &rx, "times").await;
    let secs = (chrono::Utc::now().timestamp() - 3600).to_string();
    for cmd in [
        &["list"][..],
        &["stats"],
        &["watch", "--timeout", "1s"],
        &["export", "-o", "-"],
        &["retry", "--all-matching", "--yes"],
        &["delete", "--all-matching", "--yes"],
        &["import", "/nonexistent.ndjson"],
    ] {
        for (flag, value) in [
            ("--since", "90"),
            ("--from", secs.as_str()),
            ("--until", "1"),
        ] {
            let mut args = cmd.to_vec();
            args.extend([flag, value]);
            let r = dev.dlq(&args).await;
            assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
            assert!(r.stderr.contains(flag), "{args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains("90s") || r.stderr.contains("@1732788000"),
                "{args:?} names the forms: {}",
                r.stderr
            );
        }
    }
    assert_eq!(
        dev.dlq_all("/v2/dlq?label=times").await.len(),
        es.len(),
        "nothing acted on"
    );
    let at = format!("@{secs}");
    let r = dev.dlq(&["list", "-o", "ids", "--from", &at]).await;
    assert_eq!((r.code, r.lines().len()), (0, 2), "{}", r.stderr);
    let r = dev
        .dlq(&["list", "-o", "ids", "--until", "unix-ms:1000"])
        .await;
    assert_eq!((r.code, r.lines().len()), (0, 0), "{}", r.stderr);
}

/// `--limit N` selects the newest N on a terminal and off it, printed in the documented order.
#[tokio::test(flavor = "multi_thread")]
async fn limit_takes_the_newest_on_a_terminal_and_off_it() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    for i in 0..5 {
        dev.fail_many(&format!("{}/lim{i}", rx.url), 1, &[]).await;
        dev.wait_dlq("/v2/dlq", i + 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut all = dev.dlq_all("/v2/dlq").await;
    all.sort_by_key(|e| e["createdAt"].as_i64());
    let newest: Vec<String> = ids(&all[3..]);
    let r = dev.dlq(&["list", "--limit", "2", "-o", "ids"]).await;
    assert_eq!(
        r.lines(),
        newest,
        "oldest first off a terminal, but the newest two"
    );
    let r = dev.dlq(&["list", "--limit", "1", "-o", "json"]).await;
    let v: Vec<Value> = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(v[0]["dlqId"], all[4]["dlqId"], "the latest failure");
    let r = dev
        .dlq_env(&["list", "--limit", "2"], &[("DLQ_FORCE_TTY", "1")])
        .await;
    let shown: Vec<String> = r
        .lines()
        .iter()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        shown,
        [newest[1].clone(), newest[0].clone()],
        "newest first on a terminal"
    );
}

/// Hints point where the user is: `dlq dev` on another port does not offer `--dev` (port
/// 8080); a refused connection names the port to start `dlq dev` on; a message or run id given
/// where a DLQ id belongs names the `list` filter that finds its entry.
#[tokio::test(flavor = "multi_thread")]
async fn hints_name_the_port_and_the_filter_the_user_needs() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlq"))
        .args(["dev", "--port", "0"])
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let said = lines.next_line().await.unwrap().unwrap();
    assert!(said.contains("listening on http://127.0.0.1:"), "{said}");
    assert!(
        !said.contains("--dev"),
        "port 0 is not --dev's 8080: {said}"
    );
    child.kill().await.unwrap();

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let r = crate::support::dlq_at(&format!("http://{closed}"), Some("t"), &["list"], &[]).await;
    assert_eq!(r.code, 1);
    let start = format!("start it with `dlq dev --port {}`", closed.port());
    assert!(r.stderr.contains(&start), "{}", r.stderr);
    assert!(!r.stderr.contains("--dev"), "{}", r.stderr);

    let dev = Dev::start().await;
    for (id, hint) in [
        ("msg_2Xyz", "`dlq list --message-id msg_2Xyz`"),
        ("wfr_order-7", "`dlq list --run-id wfr_order-7`"),
    ] {
        let r = dev.dlq(&["show", id]).await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(hint), "{}", r.stderr);
    }
}
