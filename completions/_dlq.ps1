
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'dlq' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'dlq'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'dlq' {
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show DLQ entries completely: request, response, headers, bodies, attempts')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count matching entries by status, URL, error, label, queue, step or day')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Print new DLQ entries as they arrive')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Archive matching entries completely, to keep them beyond the DLQ''s retention')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Publish archived entries again from an export, each once however often it is run')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete DLQ entries')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Run a local QStash-compatible server that delivers, retries and dead-letters')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dlq;list' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show the newest N matching entries [default: 50 in a table on a terminal, all otherwise]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once while reading (a 429 slows them all)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show every matching entry')
            [CompletionResult]::new('--reveal', '--reveal', [CompletionResultType]::ParameterName, 'Show sensitive header values instead of masking them')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'CSV: the whole response body in its column [default: the first 200 characters]')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--attempts', '--attempts', [CompletionResultType]::ParameterName, 'Add the delivery attempts from the logs')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the evidence of the diagnosis in full: what matched, and the rule''s source')
            [CompletionResult]::new('--raw-body', '--raw-body', [CompletionResultType]::ParameterName, 'Write the exact request body bytes to stdout (one id)')
            [CompletionResult]::new('--raw-response', '--raw-response', [CompletionResultType]::ParameterName, 'Write the exact response body bytes to stdout (one id)')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Look in the Workflow DLQ only')
            [CompletionResult]::new('--reveal', '--reveal', [CompletionResultType]::ParameterName, 'Show sensitive header values instead of masking them')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;stats' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Group by these, in this order (comma-separated)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once while reading (a 429 slows them all)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;watch' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop after this long: exit 0 if nothing arrived, 3 if something did')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, ndjson off it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, ndjson off it]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once while reading (a 429 slows them all)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--exit-on-first', '--exit-on-first', [CompletionResultType]::ParameterName, 'Exit 3 as soon as an entry arrives (for CI and scripts)')
            [CompletionResult]::new('--reveal', '--reveal', [CompletionResultType]::ParameterName, 'Show sensitive header values instead of masking them')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;export' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (never overwritten; a .gz or .zst name compresses it; - for stdout) [default: stdout]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (never overwritten; a .gz or .zst name compresses it; - for stdout) [default: stdout]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once while reading (a 429 slows them all)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--include-secrets', '--include-secrets', [CompletionResultType]::ParameterName, 'Keep sensitive header values (Authorization, cookies, keys…); masked otherwise')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;import' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Publish to this URL instead of each entry''s own destination (e.g. a staging endpoint)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Publishes in flight at once')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal file [default: one per export and selection, in the state directory, so that running the same import again continues it and never publishes an entry twice]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Override: retries of the republished message (Upstash-Retries)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)')
            [CompletionResult]::new('--new-label', '--new-label', [CompletionResultType]::ParameterName, 'Override: labels of the republished message (Upstash-Label); --label filters')
            [CompletionResult]::new('--new-flow-control-key', '--new-flow-control-key', [CompletionResultType]::ParameterName, 'Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters')
            [CompletionResult]::new('--new-flow-control-value', '--new-flow-control-value', [CompletionResultType]::ParameterName, 'Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"')
            [CompletionResult]::new('--failure-callback', '--failure-callback', [CompletionResultType]::ParameterName, 'Override: failure callback URL (Upstash-Failure-Callback)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be published; send nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Continue an earlier, interrupted import of FILE with these filters (running the same import again does too; with --resume there must be one to continue)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;retry' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once (while listing, and while acting)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N entries per second')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal file to append outcomes to [default: in the state directory]')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]')
            [CompletionResult]::new('--new-run-id', '--new-run-id', [CompletionResultType]::ParameterName, 'Workflow: the id of the new run when resuming or restarting one run (Upstash-Workflow-RunId)')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop after N entries failed (a circuit breaker for an unfixed bug)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Follow each retried message (or run) until it is delivered, fails again or TIMEOUT passes [default TIMEOUT: 5m]; exit 0 only if every one was delivered')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Retry N entries of each destination first (default 1), follow them as --wait does (its TIMEOUT, else 5m), and send the rest of that destination only once they were delivered; a destination whose canary fails again is stopped, its other entries left')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Override: retries of the republished message (Upstash-Retries)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)')
            [CompletionResult]::new('--new-label', '--new-label', [CompletionResultType]::ParameterName, 'Override: labels of the republished message (Upstash-Label); --label filters')
            [CompletionResult]::new('--new-flow-control-key', '--new-flow-control-key', [CompletionResultType]::ParameterName, 'Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters')
            [CompletionResult]::new('--new-flow-control-value', '--new-flow-control-value', [CompletionResultType]::ParameterName, 'Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"')
            [CompletionResult]::new('--failure-callback', '--failure-callback', [CompletionResultType]::ParameterName, 'Override: failure callback URL (Upstash-Failure-Callback)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--all-matching', '--all-matching', [CompletionResultType]::ParameterName, 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Pick the entries in a list (terminal only)')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Pick the entries in a list (terminal only)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be done, grouped by destination and status; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal for filters and stdin)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal for filters and stdin)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Workflow entries: restart runs from the first step instead of resuming them')
            [CompletionResult]::new('--failure-function', '--failure-function', [CompletionResultType]::ParameterName, 'Workflow entries: run the failure callback/failureFunction again')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'Correct the message first: open its body and forwarded headers in $VISUAL/$EDITOR, show the diff, publish the edited copy, then delete the original (one QStash id)')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;delete' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Destination URL')
            [CompletionResult]::new('--url-group', '--url-group', [CompletionResultType]::ParameterName, 'URL group (topic) name')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue name')
            [CompletionResult]::new('--schedule-id', '--schedule-id', [CompletionResultType]::ParameterName, 'Schedule id')
            [CompletionResult]::new('--message-id', '--message-id', [CompletionResultType]::ParameterName, 'Message id (msg_…)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label')
            [CompletionResult]::new('--flow-control-key', '--flow-control-key', [CompletionResultType]::ParameterName, 'Flow-control key')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)')
            [CompletionResult]::new('--caller-ip', '--caller-ip', [CompletionResultType]::ParameterName, 'IP address of the publisher')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created within this long (90s, 2h, 7d) or since this time (as --from)')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Workflow run id (wfr_…); implies --workflow')
            [CompletionResult]::new('--workflow-url', '--workflow-url', [CompletionResultType]::ParameterName, 'Workflow URL; implies --workflow')
            [CompletionResult]::new('--workflow-created-at', '--workflow-created-at', [CompletionResultType]::ParameterName, 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow')
            [CompletionResult]::new('--failure-state', '--failure-state', [CompletionResultType]::ParameterName, 'State of the workflow''s failure callback (any case); implies --workflow')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only entries whose request or response body contains TEXT (checked here, not by the API)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only entries with this request or response header (and value); checked here')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'API calls in flight at once (while listing, and while acting)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N entries per second')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal file to append outcomes to [default: in the state directory]')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]')
            [CompletionResult]::new('--qstash-url', '--qstash-url', [CompletionResultType]::ParameterName, 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request [default: 30s]')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Use the Workflow DLQ instead of the QStash DLQ')
            [CompletionResult]::new('--all-matching', '--all-matching', [CompletionResultType]::ParameterName, 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Pick the entries in a list (terminal only)')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Pick the entries in a list (terminal only)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be done, grouped by destination and status; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal for filters and stdin)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required off a terminal for filters and stdin)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar or summary')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;dev' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on (loopback unless told otherwise)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Keep state in this SQLite file so it survives restarts (default: in memory)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Token clients must send (default: the official dev server''s test token)')
            [CompletionResult]::new('--backoff-scale', '--backoff-scale', [CompletionResultType]::ParameterName, 'Multiply retry delays by F (0.001 turns the 12 s first backoff into 12 ms)')
            [CompletionResult]::new('--schedule-scale', '--schedule-scale', [CompletionResultType]::ParameterName, 'Multiply schedule intervals by F (0.001 fires a once-a-minute schedule every 60 ms)')
            [CompletionResult]::new('--fault-rate', '--fault-rate', [CompletionResultType]::ParameterName, 'Fail this fraction of API requests with a 500 or a dropped connection (0 to 1)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Allow N requests per second on non-publish endpoints; excess gets 429 (0 = unlimited)')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest request body accepted (larger ones get 413) and response body kept from a destination (longer ones are cut), in bytes; raise it for large workflow payloads')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Answer every API request DURATION later (a round trip, e.g. 50ms), to try dlq or an app as if QStash were far away; deliveries to endpoints are not delayed')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;demo' {
            [CompletionResult]::new('--keep-running', '--keep-running', [CompletionResultType]::ParameterName, 'Afterwards, leave the server running with a few fresh failures to explore, and print how to point dlq at it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;generate' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script of a shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write dlq.1 and dlq-<command>.1 into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dlq;generate;completions' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;generate;man' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request and its status to stderr (the token is never shown)')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dlq;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script of a shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write dlq.1 and dlq-<command>.1 into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dlq;generate;help;completions' {
            break
        }
        'dlq;generate;help;man' {
            break
        }
        'dlq;generate;help;help' {
            break
        }
        'dlq;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show DLQ entries completely: request, response, headers, bodies, attempts')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count matching entries by status, URL, error, label, queue, step or day')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Print new DLQ entries as they arrive')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Archive matching entries completely, to keep them beyond the DLQ''s retention')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Publish archived entries again from an export, each once however often it is run')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete DLQ entries')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Run a local QStash-compatible server that delivers, retries and dead-letters')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate shell completions or man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dlq;help;list' {
            break
        }
        'dlq;help;show' {
            break
        }
        'dlq;help;stats' {
            break
        }
        'dlq;help;watch' {
            break
        }
        'dlq;help;export' {
            break
        }
        'dlq;help;import' {
            break
        }
        'dlq;help;retry' {
            break
        }
        'dlq;help;delete' {
            break
        }
        'dlq;help;dev' {
            break
        }
        'dlq;help;demo' {
            break
        }
        'dlq;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script of a shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write dlq.1 and dlq-<command>.1 into a directory')
            break
        }
        'dlq;help;generate;completions' {
            break
        }
        'dlq;help;generate;man' {
            break
        }
        'dlq;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
