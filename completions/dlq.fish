# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dlq_global_optspecs
    string join \n v/verbose no-pager token= qstash-url= profile= dev config= request-timeout= allow-http h/help V/version
end

function __fish_dlq_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dlq_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dlq_using_subcommand
    set -l cmd (__fish_dlq_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dlq -n "__fish_dlq_needs_command" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_needs_command" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_needs_command" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_needs_command" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_needs_command" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_needs_command" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_needs_command" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_needs_command" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_needs_command" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_needs_command" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_needs_command" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "list" -d 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "show" -d 'Show DLQ entries completely: request, response, headers, bodies, attempts'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "stats" -d 'Count matching entries by status, URL, error, label, queue, step or day'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "watch" -d 'Print new DLQ entries as they arrive'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "export" -d 'Archive matching entries completely, to keep them beyond the DLQ\'s retention'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "import" -d 'Publish archived entries again from an export, each once however often it is run'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "retry" -d 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "delete" -d 'Delete DLQ entries'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "dev" -d 'Run a local QStash-compatible server that delivers, retries and dead-letters'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "demo" -d 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "generate" -d 'Generate shell completions or man pages (for packagers)'
complete -c dlq -n "__fish_dlq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand list" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
ndjson\t''
csv\t''
ids\t''"
complete -c dlq -n "__fish_dlq_using_subcommand list" -l limit -d 'Show the newest N matching entries [default: 50 in a table on a terminal, all otherwise]' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l concurrency -d 'API calls in flight at once while reading (a 429 slows them all)' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand list" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand list" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l all -d 'Show every matching entry'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l reveal -d 'Show sensitive header values instead of masking them'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l full -d 'CSV: the whole response body in its column [default: the first 200 characters]'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand list" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand list" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand list" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand show" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c dlq -n "__fish_dlq_using_subcommand show" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand show" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand show" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand show" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand show" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand show" -l attempts -d 'Add the delivery attempts from the logs'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l explain -d 'Print the evidence of the diagnosis in full: what matched, and the rule\'s source'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l raw-body -d 'Write the exact request body bytes to stdout (one id)'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l raw-response -d 'Write the exact response body bytes to stdout (one id)'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l workflow -d 'Look in the Workflow DLQ only'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l reveal -d 'Show sensitive header values instead of masking them'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand show" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand show" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand show" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand show" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l by -d 'Group by these, in this order (comma-separated)' -r -f -a "status\t'The last attempt\'s response status'
url\t'The destination (or the workflow\'s URL)'
error\t'The response body\'s fingerprint: numbers, ids, times and UUIDs made alike'
label\t'The entry\'s labels'
queue\t'The queue it was published to'
step\t'A workflow run\'s failed step'
day\t'The day it was created (UTC)'
cause\t'The diagnosis: the failure signature\'s id (`status-NNN` when only the status says)'"
complete -c dlq -n "__fish_dlq_using_subcommand stats" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
ndjson\t''
csv\t''
ids\t'Each group\'s example DLQ id, one a line (for `xargs dlq show`)'"
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l concurrency -d 'API calls in flight at once while reading (a 429 slows them all)' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand stats" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l interval -d 'Time between polls' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l timeout -d 'Stop after this long: exit 0 if nothing arrived, 3 if something did' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -s o -l output -d 'Output format [default: table on a terminal, ndjson off it]' -r -f -a "table\t'One line per entry: time, id, status, URL or run, response'
ndjson\t''"
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l concurrency -d 'API calls in flight at once while reading (a 429 slows them all)' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l exit-on-first -d 'Exit 3 as soon as an entry arrives (for CI and scripts)'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l reveal -d 'Show sensitive header values instead of masking them'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand watch" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand export" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand export" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -s o -l output -d 'Write to FILE (never overwritten; a .gz or .zst name compresses it; - for stdout) [default: stdout]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand export" -l concurrency -d 'API calls in flight at once while reading (a 429 slows them all)' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand export" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand export" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand export" -l include-secrets -d 'Keep sensitive header values (Authorization, cookies, keys…); masked otherwise'
complete -c dlq -n "__fish_dlq_using_subcommand export" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand export" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand export" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand export" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand export" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand import" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l to -d 'Publish to this URL instead of each entry\'s own destination (e.g. a staging endpoint)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l concurrency -d 'Publishes in flight at once' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l journal -d 'Journal file [default: one per export and selection, in the state directory, so that running the same import again continues it and never publishes an entry twice]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand import" -s o -l output -d 'Per-entry results on stdout [default: text lines off a terminal]' -r -f -a "text\t'One line per entry (id, outcome, new id or error)'
json\t''
ndjson\t''"
complete -c dlq -n "__fish_dlq_using_subcommand import" -l retries -d 'Override: retries of the republished message (Upstash-Retries)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l delay -d 'Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l retry-delay -d 'Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l new-label -d 'Override: labels of the republished message (Upstash-Label); --label filters' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l new-flow-control-key -d 'Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l new-flow-control-value -d 'Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l failure-callback -d 'Override: failure callback URL (Upstash-Failure-Callback)' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand import" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand import" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l dry-run -d 'Print what would be published; send nothing'
complete -c dlq -n "__fish_dlq_using_subcommand import" -s y -l yes -d 'Do not ask for confirmation (required off a terminal)'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l resume -d 'Continue an earlier, interrupted import of FILE with these filters (running the same import again does too; with --resume there must be one to continue)'
complete -c dlq -n "__fish_dlq_using_subcommand import" -s q -l quiet -d 'No progress bar or summary'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand import" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand import" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand import" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l concurrency -d 'API calls in flight at once (while listing, and while acting)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l rate -d 'At most N entries per second' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l journal -d 'Journal file to append outcomes to [default: in the state directory]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l resume -d 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s o -l output -d 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]' -r -f -a "text\t'One line per entry (id, outcome, new id or error)'
json\t''
ndjson\t''"
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l new-run-id -d 'Workflow: the id of the new run when resuming or restarting one run (Upstash-Workflow-RunId)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l max-failures -d 'Stop after N entries failed (a circuit breaker for an unfixed bug)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l wait -d 'Follow each retried message (or run) until it is delivered, fails again or TIMEOUT passes [default TIMEOUT: 5m]; exit 0 only if every one was delivered' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l canary -d 'Retry N entries of each destination first (default 1), follow them as --wait does (its TIMEOUT, else 5m), and send the rest of that destination only once they were delivered; a destination whose canary fails again is stopped, its other entries left' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l retries -d 'Override: retries of the republished message (Upstash-Retries)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l delay -d 'Override: delay before delivery, e.g. 10s, 5m, 1h (Upstash-Delay)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l retry-delay -d 'Override: retry delay expression in ms, e.g. "1000 * (1 + retried)" (Upstash-Retry-Delay)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l new-label -d 'Override: labels of the republished message (Upstash-Label); --label filters' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l new-flow-control-key -d 'Override: flow-control key (Upstash-Flow-Control-Key); --flow-control-key filters' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l new-flow-control-value -d 'Override: flow-control limits, e.g. "parallelism=3, rate=10, period=1m"' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l failure-callback -d 'Override: failure callback URL (Upstash-Failure-Callback)' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l all-matching -d 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s i -l interactive -d 'Pick the entries in a list (terminal only)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l dry-run -d 'Print what would be done, grouped by destination and status; change nothing'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s y -l yes -d 'Do not ask for confirmation (required off a terminal for filters and stdin)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s q -l quiet -d 'No progress bar or summary'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l restart -d 'Workflow entries: restart runs from the first step instead of resuming them'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l failure-function -d 'Workflow entries: run the failure callback/failureFunction again'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l edit -d 'Correct the message first: open its body and forwarded headers in $VISUAL/$EDITOR, show the diff, publish the edited copy, then delete the original (one QStash id)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand retry" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l url -d 'Destination URL' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l url-group -d 'URL group (topic) name' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l queue -d 'Queue name' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l schedule-id -d 'Schedule id' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l message-id -d 'Message id (msg_…)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l label -d 'Label' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l flow-control-key -d 'Flow-control key' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l status -d 'Status of the last attempt: a code (404; 0 = no response) or a class (5xx)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l caller-ip -d 'IP address of the publisher' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l from -d 'Created at or after this time (RFC 3339, YYYY-MM-DD in UTC, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l until -d 'Created at or before this time (RFC 3339, YYYY-MM-DD in UTC: the whole day, @UNIX_SECONDS or unix-ms:MS)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l since -d 'Created within this long (90s, 2h, 7d) or since this time (as --from)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l run-id -d 'Workflow run id (wfr_…); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l workflow-url -d 'Workflow URL; implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l workflow-created-at -d 'Creation time of the workflow run (unix-ms:MS as the API gives it, or RFC 3339); implies --workflow' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l failure-state -d 'State of the workflow\'s failure callback (any case); implies --workflow' -r -f -a "CALLBACK_INPROGRESS\t''
CALLBACK_SUCCESS\t''
CALLBACK_FAIL\t''
CALLBACK_CANCELED\t''"
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l grep -d 'Only entries whose request or response body contains TEXT (checked here, not by the API)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l header -d 'Only entries with this request or response header (and value); checked here' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l concurrency -d 'API calls in flight at once (while listing, and while acting)' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l rate -d 'At most N entries per second' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l journal -d 'Journal file to append outcomes to [default: in the state directory]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l resume -d 'Finish an interrupted run from its journal, skipping what it says is done; without FILE, the latest unfinished journal of this command (journals live in <state dir>/dlq/journals, ~/.local/state/dlq/journals on Linux)' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s o -l output -d 'Per-entry results on stdout [default: text lines off a terminal; on a terminal only the progress bar, the summary and the failures]' -r -f -a "text\t'One line per entry (id, outcome, new id or error)'
json\t''
ndjson\t''"
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l token -d 'QStash token [env: QSTASH_TOKEN; or <REGION>_QSTASH_TOKEN with QSTASH_REGION]' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l qstash-url -d 'QStash base URL [env: QSTASH_URL] [default: https://qstash.upstash.io]' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l profile -d 'Use this profile of the config file; it wins over QSTASH_URL/QSTASH_TOKEN [env: DLQ_PROFILE]' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l config -d 'Config file [env: DLQ_CONFIG] [default: <config dir>/dlq/config.toml]' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l request-timeout -d 'Timeout of one API request [default: 30s]' -r
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l workflow -d 'Use the Workflow DLQ instead of the QStash DLQ'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l all-matching -d 'Act on every entry the filters match (required with filters, so a bare filter never acts on the whole DLQ by accident; alone it means the whole DLQ)'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s i -l interactive -d 'Pick the entries in a list (terminal only)'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l dry-run -d 'Print what would be done, grouped by destination and status; change nothing'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s y -l yes -d 'Do not ask for confirmation (required off a terminal for filters and stdin)'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s q -l quiet -d 'No progress bar or summary'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l dev -d 'Target a local `dlq dev` (http://127.0.0.1:8080) with its default token'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l allow-http -d 'Send the token over plain http:// to an address beyond this machine (anyone on the network path can read it) [env: DLQ_ALLOW_HTTP=1]'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dlq -n "__fish_dlq_using_subcommand delete" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l host -d 'Address to listen on (loopback unless told otherwise)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l port -d 'Port to listen on (0 picks a free one)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l db -d 'Keep state in this SQLite file so it survives restarts (default: in memory)' -r -F
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l token -d 'Token clients must send (default: the official dev server\'s test token)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l backoff-scale -d 'Multiply retry delays by F (0.001 turns the 12 s first backoff into 12 ms)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l schedule-scale -d 'Multiply schedule intervals by F (0.001 fires a once-a-minute schedule every 60 ms)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l fault-rate -d 'Fail this fraction of API requests with a 500 or a dropped connection (0 to 1)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l rate-limit -d 'Allow N requests per second on non-publish endpoints; excess gets 429 (0 = unlimited)' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l max-body -d 'Largest request body accepted (larger ones get 413) and response body kept from a destination (longer ones are cut), in bytes; raise it for large workflow payloads' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l latency -d 'Answer every API request DURATION later (a round trip, e.g. 50ms), to try dlq or an app as if QStash were far away; deliveries to endpoints are not delayed' -r
complete -c dlq -n "__fish_dlq_using_subcommand dev" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand dev" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand dev" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand dev" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand demo" -l keep-running -d 'Afterwards, leave the server running with a few fresh failures to explore, and print how to point dlq at it'
complete -c dlq -n "__fish_dlq_using_subcommand demo" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand demo" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand demo" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand demo" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Print the completion script of a shell'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Write dlq.1 and dlq-<command>.1 into a directory'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from completions" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from completions" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'Log each API request and its status to stderr (the token is never shown)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from man" -l no-pager -d 'Write long output to the terminal directly, not through $DLQ_PAGER / $PAGER (less)'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from man" -s V -l version -d 'Print version'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Print the completion script of a shell'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write dlq.1 and dlq-<command>.1 into a directory'
complete -c dlq -n "__fish_dlq_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "list" -d 'List DLQ entries, filtered, as a table, JSON, NDJSON, CSV or ids'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "show" -d 'Show DLQ entries completely: request, response, headers, bodies, attempts'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "stats" -d 'Count matching entries by status, URL, error, label, queue, step or day'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "watch" -d 'Print new DLQ entries as they arrive'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "export" -d 'Archive matching entries completely, to keep them beyond the DLQ\'s retention'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "import" -d 'Publish archived entries again from an export, each once however often it is run'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "retry" -d 'Retry DLQ entries (workflow runs: resume, restart or re-run the failure callback)'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "delete" -d 'Delete DLQ entries'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "dev" -d 'Run a local QStash-compatible server that delivers, retries and dead-letters'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "demo" -d 'The whole story on a local server in a few seconds: failures, list, show, retry, recovery'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "generate" -d 'Generate shell completions or man pages (for packagers)'
complete -c dlq -n "__fish_dlq_using_subcommand help; and not __fish_seen_subcommand_from list show stats watch export import retry delete dev demo generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dlq -n "__fish_dlq_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Print the completion script of a shell'
complete -c dlq -n "__fish_dlq_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write dlq.1 and dlq-<command>.1 into a directory'
