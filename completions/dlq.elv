
use builtin;
use str;

set edit:completion:arg-completer[dlq] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'dlq'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'dlq'= {
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids'
            cand show 'Show DLQ entries completely: request, response, headers, bodies, attempts'
            cand retry 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)'
            cand delete 'Delete DLQ entries'
            cand dev 'Run a local QStash-compatible server that delivers, retries and dead-letters'
            cand demo 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery'
            cand generate 'Generate shell completions or man pages (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dlq;list'= {
            cand --url 'Destination URL'
            cand --url-group 'URL group (topic) name'
            cand --queue 'Queue name'
            cand --schedule-id 'Schedule id'
            cand --message-id 'Message id (msg_…)'
            cand --label 'Label'
            cand --flow-control-key 'Flow-control key'
            cand --status 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)'
            cand --caller-ip 'IP address of the publisher'
            cand --from 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, or Unix ms)'
            cand --until 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, or Unix ms)'
            cand --since 'Created within this long (2h, 30m, 7d) or since this time'
            cand --run-id 'Workflow run id (wfr_…); implies --workflow'
            cand --workflow-url 'Workflow URL; implies --workflow'
            cand --workflow-created-at 'Creation time of the workflow run (Unix ms or RFC 3339); implies --workflow'
            cand --failure-state 'State of the workflow''s failure callback (any case); implies --workflow'
            cand --grep 'Only entries whose request or response body contains TEXT (checked here, not by the API)'
            cand --header 'Only entries with this request or response header (and value); checked here'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --limit 'Show at most N entries [default: 50 on a terminal, all otherwise]'
            cand --concurrency 'API calls in flight at once while reading (a 429 slows them all)'
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --workflow 'Use the Workflow DLQ instead of the QStash DLQ'
            cand --all 'Show every matching entry'
            cand --reveal 'Show sensitive header values instead of masking them'
            cand --full 'CSV: the whole response body in its column [default: the first 200 characters]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;show'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --attempts 'Add the delivery attempts from the logs'
            cand --raw-body 'Write the exact request body bytes to stdout (one id)'
            cand --raw-response 'Write the exact response body bytes to stdout (one id)'
            cand --workflow 'Look in the Workflow DLQ only'
            cand --reveal 'Show sensitive header values instead of masking them'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;retry'= {
            cand --url 'Destination URL'
            cand --url-group 'URL group (topic) name'
            cand --queue 'Queue name'
            cand --schedule-id 'Schedule id'
            cand --message-id 'Message id (msg_…)'
            cand --label 'Label'
            cand --flow-control-key 'Flow-control key'
            cand --status 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)'
            cand --caller-ip 'IP address of the publisher'
            cand --from 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, or Unix ms)'
            cand --until 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, or Unix ms)'
            cand --since 'Created within this long (2h, 30m, 7d) or since this time'
            cand --run-id 'Workflow run id (wfr_…); implies --workflow'
            cand --workflow-url 'Workflow URL; implies --workflow'
            cand --workflow-created-at 'Creation time of the workflow run (Unix ms or RFC 3339); implies --workflow'
            cand --failure-state 'State of the workflow''s failure callback (any case); implies --workflow'
            cand --grep 'Only entries whose request or response body contains TEXT (checked here, not by the API)'
            cand --header 'Only entries with this request or response header (and value); checked here'
            cand --concurrency 'API calls in flight at once (while listing, and while acting)'
            cand --rate 'At most N entries per second'
            cand --journal 'Journal file to append outcomes to [default: in the state directory]'
            cand --resume 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)'
            cand -o 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]'
            cand --output 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]'
            cand --new-run-id 'Workflow: the id of the new run when resuming or restarting one run (Upstash-Workflow-RunId)'
            cand --max-failures 'Stop after N entries failed (a circuit breaker for an unfixed bug)'
            cand --retries 'Override: retries of the republished message (Upstash-Retries)'
            cand --delay 'Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)'
            cand --retry-delay 'Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)'
            cand --new-label 'Override: labels of the republished message (Upstash-Label); --label filters'
            cand --new-flow-control-key 'Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters'
            cand --new-flow-control-value 'Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"'
            cand --failure-callback 'Override: failure callback URL (Upstash-Failure-Callback)'
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --workflow 'Use the Workflow DLQ instead of the QStash DLQ'
            cand --all-matching 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)'
            cand -i 'Pick the entries in a list (terminal only)'
            cand --interactive 'Pick the entries in a list (terminal only)'
            cand --dry-run 'Print what would be done, grouped by destination and status; change nothing'
            cand -y 'Do not ask for confirmation (required off a terminal for filters and stdin)'
            cand --yes 'Do not ask for confirmation (required off a terminal for filters and stdin)'
            cand -q 'No progress bar or summary'
            cand --quiet 'No progress bar or summary'
            cand --restart 'Workflow entries: restart runs from the first step instead of resuming them'
            cand --failure-function 'Workflow entries: run the failure callback/failureFunction again'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;delete'= {
            cand --url 'Destination URL'
            cand --url-group 'URL group (topic) name'
            cand --queue 'Queue name'
            cand --schedule-id 'Schedule id'
            cand --message-id 'Message id (msg_…)'
            cand --label 'Label'
            cand --flow-control-key 'Flow-control key'
            cand --status 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)'
            cand --caller-ip 'IP address of the publisher'
            cand --from 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, or Unix ms)'
            cand --until 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, or Unix ms)'
            cand --since 'Created within this long (2h, 30m, 7d) or since this time'
            cand --run-id 'Workflow run id (wfr_…); implies --workflow'
            cand --workflow-url 'Workflow URL; implies --workflow'
            cand --workflow-created-at 'Creation time of the workflow run (Unix ms or RFC 3339); implies --workflow'
            cand --failure-state 'State of the workflow''s failure callback (any case); implies --workflow'
            cand --grep 'Only entries whose request or response body contains TEXT (checked here, not by the API)'
            cand --header 'Only entries with this request or response header (and value); checked here'
            cand --concurrency 'API calls in flight at once (while listing, and while acting)'
            cand --rate 'At most N entries per second'
            cand --journal 'Journal file to append outcomes to [default: in the state directory]'
            cand --resume 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)'
            cand -o 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]'
            cand --output 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]'
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --workflow 'Use the Workflow DLQ instead of the QStash DLQ'
            cand --all-matching 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)'
            cand -i 'Pick the entries in a list (terminal only)'
            cand --interactive 'Pick the entries in a list (terminal only)'
            cand --dry-run 'Print what would be done, grouped by destination and status; change nothing'
            cand -y 'Do not ask for confirmation (required off a terminal for filters and stdin)'
            cand --yes 'Do not ask for confirmation (required off a terminal for filters and stdin)'
            cand -q 'No progress bar or summary'
            cand --quiet 'No progress bar or summary'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;dev'= {
            cand --host 'Address to listen on (loopback unless told otherwise)'
            cand --port 'Port to listen on (0 picks a free one)'
            cand --db 'Keep state in this SQLite file so it survives restarts (default: in memory)'
            cand --token 'Token clients must send (default: the official dev server''s test token)'
            cand --backoff-scale 'Multiply retry delays by F (0.001 turns the 12 s first backoff into 12 ms)'
            cand --schedule-scale 'Multiply schedule intervals by F (0.001 fires a once-a-minute schedule every 60 ms)'
            cand --fault-rate 'Fail this fraction of API requests with a 500 or a dropped connection (0 to 1)'
            cand --rate-limit 'Allow N requests per second on non-publish endpoints; excess gets 429 (0 = unlimited)'
            cand --max-body 'Largest accepted request body in bytes; larger ones get 413'
            cand --latency 'Answer every API request DURATION later (a round trip, e.g. 50ms), to try dlq or an app as if QStash were far away; deliveries to endpoints are not delayed'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;demo'= {
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --keep-running 'Afterwards, leave the server running with a few fresh failures to explore, and print how to point dlq at it'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;generate'= {
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand completions 'Print the completion script of a shell'
            cand man 'Write dlq.1 and dlq-<command>.1 into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dlq;generate;completions'= {
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;generate;man'= {
            cand --token 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]'
            cand --qstash-url 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]'
            cand --profile 'Use this profile of the config file [env: DLQ_PROFILE]'
            cand --config 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]'
            cand --timeout 'Timeout of one API request [default: 30s]'
            cand --dev 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
            cand -v 'Log each API request and its status to stderr (the token is never shown)'
            cand --verbose 'Log each API request and its status to stderr (the token is never shown)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dlq;generate;help'= {
            cand completions 'Print the completion script of a shell'
            cand man 'Write dlq.1 and dlq-<command>.1 into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dlq;generate;help;completions'= {
        }
        &'dlq;generate;help;man'= {
        }
        &'dlq;generate;help;help'= {
        }
        &'dlq;help'= {
            cand list 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids'
            cand show 'Show DLQ entries completely: request, response, headers, bodies, attempts'
            cand retry 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)'
            cand delete 'Delete DLQ entries'
            cand dev 'Run a local QStash-compatible server that delivers, retries and dead-letters'
            cand demo 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery'
            cand generate 'Generate shell completions or man pages (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dlq;help;list'= {
        }
        &'dlq;help;show'= {
        }
        &'dlq;help;retry'= {
        }
        &'dlq;help;delete'= {
        }
        &'dlq;help;dev'= {
        }
        &'dlq;help;demo'= {
        }
        &'dlq;help;generate'= {
            cand completions 'Print the completion script of a shell'
            cand man 'Write dlq.1 and dlq-<command>.1 into a directory'
        }
        &'dlq;help;generate;completions'= {
        }
        &'dlq;help;generate;man'= {
        }
        &'dlq;help;help'= {
        }
    ]
    $completions[$command]
}
