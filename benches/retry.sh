#!/usr/bin/env bash
# Benchmark of `dlq retry --all-matching` over 10,000 DLQ entries on `dlq dev` (loopback):
# API calls made, wall time, and the request rate reached under the server's --rate-limit.
# Usage: benches/retry.sh [N] [RATE_LIMIT...]   (default 10000 entries; limits 0 (none) and 20)
# LATENCY=50ms models a client that far from QStash: the DLQ is filled at full speed, then the
# dev server restarts on the same database with `--latency $LATENCY` for the measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
shift || true
limits=("${@:-0 20}")
read -r -a limits <<< "${limits[*]}"
# DLQ_BIN=path measures a given binary (e.g. one built with another profile).
if [ -z "${DLQ_BIN:-}" ]; then cargo build --release -q; fi
bin=${DLQ_BIN:-target/release/dlq}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

start_dev() { # dev flags...
  rm -f "$tmp/env"
  # On loopback the store stays in memory, as in the figures the README reports.
  local db=()
  [ -n "${LATENCY:-}" ] && db=(--db "$tmp/db")
  "$bin" dev --port 0 "${db[@]}" "$@" > "$tmp/env" 2>/dev/null &
  dev_pid=$!
  for _ in $(seq 50); do [ -s "$tmp/env" ] && break; sleep 0.1; done
  # shellcheck disable=SC1091
  . "$tmp/env"
  export QSTASH_URL QSTASH_TOKEN
}

for limit in "${limits[@]}"; do
  rm -f "$tmp"/db*
  start_dev --rate-limit "$limit"
  python3 - "$QSTASH_URL" "$QSTASH_TOKEN" "$n" <<'PY'
import json, sys, urllib.request
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Failing messages (a port nobody listens on). Retried ones fail again and come back under new
# dlqIds; that does not change what is measured: the calls of the run over the original plan.
for start in range(0, n, 100):
    items = [{"destination": "http://127.0.0.1:1/bench", "body": json.dumps({"n": i}),
              "headers": {"Upstash-Retries": "0"}} for i in range(start, min(n, start + 100))]
    req = urllib.request.Request(f"{url}/v2/batch", data=json.dumps(items).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
  until [ "$(QSTASH_URL=$QSTASH_URL "$bin" list -o ids 2>/dev/null | wc -l)" -ge "$n" ]; do sleep 0.5; done
  if [ -n "${LATENCY:-}" ]; then
    kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
    start_dev --rate-limit "$limit" --latency "$LATENCY"
  fi
  start=$(date +%s.%N)
  "$bin" retry --all-matching --yes --retries 0 -v -o ndjson > "$tmp/out" 2> "$tmp/err" || true
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc -l)
  gets=$(grep -c '^> GET' "$tmp/err" || true)
  posts=$(grep -c '^> POST .*/v2/dlq/retry' "$tmp/err" || true)
  limited=$(grep -c '^< 429' "$tmp/err" || true)
  retried=$(grep -c '"outcome":"retried"' "$tmp/out" || true)
  total=$((gets + posts))
  printf '== %s entries, server --rate-limit %s/s%s\n' "$n" "$limit" "${LATENCY:+, $LATENCY round trip}"
  printf '  retried %s of %s   list calls %s   retry calls %s   429s %s   wall %.2f s   %.1f requests/s\n' \
    "$retried" "$n" "$gets" "$posts" "$limited" "$wall" "$(echo "$total / $wall" | bc -l)"
  if [ "$limit" != 0 ]; then
    printf '  reached %.0f%% of the imposed rate\n' "$(echo "100 * $total / $wall / $limit" | bc -l)"
  fi
  kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
done
