//! Shell completions and man pages, generated from the clap definitions. The committed copies
//! under `completions/` and `man/` are checked against these by a test.

use std::io::Write;

use clap_complete::Shell;

/// The shells completions are made for, and their file names.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "dlq.bash"),
    (Shell::Zsh, "_dlq"),
    (Shell::Fish, "dlq.fish"),
    (Shell::PowerShell, "_dlq.ps1"),
    (Shell::Elvish, "dlq.elv"),
];

/// Writes the completion script of `shell` for the command line `cli`.
pub fn completions(cli: &clap::Command, shell: Shell, out: &mut dyn Write) {
    let mut cmd = cli.clone();
    clap_complete::generate(shell, &mut cmd, "dlq", out);
}

/// Examples of each man page: (command line, what it does).
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "dlq" => &[
            (
                "dlq demo",
                "the whole story on a local server, with no account",
            ),
            ("dlq list --since 2h", "what failed in the last two hours"),
            ("dlq show 1725323658779-0", "everything about one failure"),
            (
                "dlq retry --label orders --all-matching --dry-run",
                "what a retry would do",
            ),
        ],
        "dlq-list" => &[
            ("dlq list", "the newest failures on a terminal"),
            (
                "dlq list --status 5xx --url https://api.example/orders",
                "server errors of one endpoint",
            ),
            ("dlq list --run-id wfr_order-42", "a workflow run's failure"),
            (
                "dlq list --label orders -o ndjson | jq .dlqId",
                "JSON lines for scripts",
            ),
            (
                "dlq list --since 1d -o csv --full > failures.csv",
                "a spreadsheet of a day",
            ),
        ],
        "dlq-stats" => &[
            ("dlq stats", "what failed most, by status and URL"),
            (
                "dlq stats --since 1d --by error",
                "the day's failures by error, numbers and ids made alike",
            ),
            (
                "dlq stats --workflow --by step,day -o csv",
                "failed workflow runs by step and day, for a spreadsheet",
            ),
        ],
        "dlq-watch" => &[
            ("dlq watch", "new failures as they arrive, a line each"),
            (
                "dlq watch --url https://api.example/orders --exit-on-first --timeout 10m",
                "in CI: exit 3 if the endpoint fails within ten minutes",
            ),
            (
                "dlq watch --workflow -o ndjson | jq .workflowRunId",
                "failed workflow runs as JSON lines",
            ),
        ],
        "dlq-export" => &[
            (
                "dlq export --since 3d -o outage.ndjson.zst",
                "keep an outage's failures beyond the DLQ's retention",
            ),
            (
                "dlq export --url https://api.example/orders | jq -c '.entry? // empty'",
                "the entries as JSON lines",
            ),
        ],
        "dlq-import" => &[
            (
                "dlq import outage.ndjson.zst --dry-run",
                "what would be published again",
            ),
            (
                "dlq import outage.ndjson.zst --to https://staging.example/orders --yes",
                "replay an outage against staging",
            ),
        ],
        "dlq-show" => &[
            (
                "dlq show 1725323658779-0 --attempts",
                "request, response and the delivery timeline",
            ),
            (
                "dlq show 1725323658779-0 --raw-body > body.bin",
                "the exact request bytes",
            ),
            (
                "dlq list --workflow -o ids | dlq show -",
                "every failed workflow run",
            ),
        ],
        "dlq-retry" => &[
            (
                "dlq retry 1725323658779-0",
                "retry one message, or resume one workflow run",
            ),
            (
                "dlq retry --status 503 --since 1h --all-matching --dry-run",
                "preview",
            ),
            (
                "dlq retry --status 503 --since 1h --all-matching --yes",
                "retry them all",
            ),
            (
                "dlq list --label orders -o ids | dlq retry - --yes",
                "retry what a list selected",
            ),
            (
                "dlq retry --restart --run-id wfr_order-42 --all-matching",
                "start a run again",
            ),
            ("dlq retry --resume", "finish the latest interrupted run"),
        ],
        "dlq-delete" => &[
            ("dlq delete 1725323658779-0", "delete one entry"),
            (
                "dlq delete --until 2026-11-01 --all-matching --yes",
                "purge old failures",
            ),
        ],
        "dlq-dev" => &[
            (
                "dlq dev",
                "a server on 127.0.0.1:8080; paste its export lines in another terminal",
            ),
            (
                "dlq dev --port 0 --db dev.db --backoff-scale 0.001",
                "a random port, kept state, fast retries",
            ),
        ],
        "dlq-demo" => &[
            ("dlq demo", "the story in a few seconds"),
            (
                "dlq demo --keep-running",
                "then explore a few fresh failures by hand",
            ),
        ],
        _ => &[],
    }
}

/// The EXAMPLES section in roff.
fn examples_section(page: &str) -> Vec<u8> {
    let ex = examples(page);
    if ex.is_empty() {
        return Vec::new();
    }
    let esc = |s: &str| s.replace('\\', "\\e").replace('-', "\\-");
    let mut out = String::from(".SH EXAMPLES\n");
    for (cmd, what) in ex {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(cmd), esc(what)));
    }
    out.into_bytes()
}

/// A page: clap's sections, with EXAMPLES before the exit codes.
fn render(cmd: clap::Command, page: &str) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut buf)?;
    }
    buf.extend(examples_section(page));
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        man.render_extra_section(&mut buf)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut buf)?;
    }
    Ok(buf)
}

/// Every man page: `dlq.1` and `dlq-<subcommand>.1` (hidden commands left out).
pub fn man_pages(cli: &clap::Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let cmd = cli.clone();
    let mut pages = vec![("dlq.1".to_string(), render(cmd.clone(), "dlq")?)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("dlq-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .bin_name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((format!("{name}.1"), render(sub, &name)?));
    }
    Ok(pages)
}
