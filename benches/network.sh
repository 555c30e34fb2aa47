#!/usr/bin/env bash
# `dlq list --all -o ndjson` over a modelled 50 ms round trip, two ways: a TCP proxy that
# delays every byte 25 ms each way (benches/delay_proxy.py, below HTTP: connection set-up and
# every packet pay it) and `dlq dev --latency 50ms` (added to each answer). Beside it the
# official TypeScript SDK's cursor loop (when node and tests/workflow-app's modules are here),
# the calls each made (counted by the proxy) and the floor: ceil(N/100) pages, 16 in flight.
# Then `dlq retry --all-matching` of 10k entries under --latency. Prints figures; asserts
# nothing (targets are in the README).
# Usage: benches/network.sh [SIZES...]   (default 10000 100000; RTT_MS=50 to change the trip)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
read -r -a sizes <<< "${sizes[*]}"
rtt=${RTT_MS:-50}
if [ -z "${DLQ_BIN:-}" ]; then cargo build --release -q; fi
bin=${DLQ_BIN:-target/release/dlq}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
sdk=""
if command -v node > /dev/null && [ -d tests/workflow-app/node_modules/@upstash/qstash ]; then sdk=1; fi

start_dev() { # extra dev flags...
  rm -f "$tmp/env"
  "$bin" dev --port 0 --db "$tmp/db" "$@" > "$tmp/env" 2>/dev/null &
  dev_pid=$!
  for _ in $(seq 50); do [ -s "$tmp/env" ] && break; sleep 0.1; done
  # shellcheck disable=SC1091
  . "$tmp/env"
  export QSTASH_TOKEN
  dev_url=$QSTASH_URL
}

fill() { # n: batches of 100 failing messages (retries 0, a closed loopback port), in a burst
  python3 - "$dev_url" "$QSTASH_TOKEN" "$1" <<'PY'
import json, sys, urllib.request
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for start in range(0, n, 100):
    items = [{"destination": "http://127.0.0.1:1/bench", "body": json.dumps({"n": i, "pad": "x" * 200}),
              "headers": {"Upstash-Retries": "0", "Content-Type": "application/json"}} for i in range(start, min(n, start + 100))]
    req = urllib.request.Request(f"{url}/v2/batch", data=json.dumps(items).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
  while [ "$(QSTASH_URL=$dev_url "$bin" list -o ids | wc -l)" -lt "$1" ]; do sleep 0.5; done
}

measure() { # label one-way-ms n cmd... -> one line: wall, calls, floor
  local label=$1 one_way=$2 n=$3; shift 3
  python3 benches/delay_proxy.py "$tmp/port" "${dev_url#http://}" "$one_way" > "$tmp/calls" &
  local proxy=$!
  for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  export QSTASH_URL="http://127.0.0.1:$(cat "$tmp/port")"
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > "$tmp/out"
  kill -TERM "$proxy"; wait "$proxy" 2>/dev/null || true
  rm -f "$tmp/port"
  read -r wall rss < "$tmp/time"
  local pages=$(( (n + 99) / 100 ))
  local floor
  floor=$(echo "($pages / 16) * $rtt / 1000" | bc -l)
  printf '  %-26s wall %6.2f s (%.2fx the floor %.2f s)  calls %5s (floor %d)  peak RSS %5.1f MiB  lines %s\n' \
    "$label" "$wall" "$(echo "$wall / $floor" | bc -l)" "$floor" "$(cat "$tmp/calls")" "$pages" \
    "$(echo "$rss/1024" | bc -l)" "$(wc -l < "$tmp/out")"
}

half=$((rtt / 2))
for n in "${sizes[@]}"; do
  rm -f "$tmp"/db*
  start_dev
  fill "$n"
  echo "== $n entries, ${rtt} ms round trip"
  measure "dlq, TCP delay" "$half" "$n" "$bin" list --all -o ndjson
  [ -n "$sdk" ] && measure "SDK loop, TCP delay" "$half" "$n" node benches/sdk-list.mjs
  kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
  start_dev --latency "${rtt}ms"
  measure "dlq, dev --latency" 0 "$n" "$bin" list --all -o ndjson
  [ -n "$sdk" ] && [ "$n" -le 10000 ] && measure "SDK loop, dev --latency" 0 "$n" node benches/sdk-list.mjs
  kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
done
LATENCY=${rtt}ms benches/retry.sh 10000 0
