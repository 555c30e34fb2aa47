#!/usr/bin/env bash
# Benchmark of `dlq list --all -o ndjson` against a bare curl loop following the cursor, over
# 1k, 10k and 100k DLQ entries served by `dlq dev` on loopback. Prints wall time and peak RSS.
# Usage: benches/list.sh [SIZES...]   (needs: cargo, curl, python3, GNU time; hyperfine optional)
# LATENCY=50ms models a client that far from QStash: the DLQ is filled at full speed, then the
# dev server restarts on the same database with `--latency $LATENCY` for the measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000 100000}")
read -r -a sizes <<< "${sizes[*]}"
# DLQ_BIN=path measures a given binary (e.g. one built with another profile).
if [ -z "${DLQ_BIN:-}" ]; then cargo build --release -q; fi
bin=${DLQ_BIN:-target/release/dlq}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

curl_loop() { # url token -> writes every page to stdout
  local url=$1 token=$2 cursor=""
  while :; do
    local q="count=100"
    [ -n "$cursor" ] && q="$q&cursor=$cursor"
    curl -s -H "Authorization: Bearer $token" "$url/v2/dlq?$q" > "$tmp/page"
    cat "$tmp/page"; echo
    cursor=$(grep -o '"cursor":"[^"]*"' "$tmp/page" | cut -d'"' -f4 || true)
    [ -z "$cursor" ] && break
  done
}
export -f curl_loop
export tmp
# The official TypeScript SDK's cursor loop too, when node and tests/workflow-app's modules are here.
tools=(dlq curl)
sdk=""
if command -v node > /dev/null && [ -d tests/workflow-app/node_modules/@upstash/qstash ]; then
  tools+=(sdk)
  sdk=1
fi

start_dev() { # extra dev flags...
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

for n in "${sizes[@]}"; do
  rm -f "$tmp"/db*
  start_dev
  # Fill: batches of 100 failing messages (retries 0, a closed loopback port).
  python3 - "$QSTASH_URL" "$QSTASH_TOKEN" "$n" <<'PY'
import json, sys, urllib.request
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for start in range(0, n, 100):
    items = [{"destination": "http://127.0.0.1:1/bench", "body": json.dumps({"n": i, "pad": "x" * 200}),
              "headers": {"Upstash-Retries": "0", "Content-Type": "application/json"}} for i in range(start, min(n, start + 100))]
    req = urllib.request.Request(f"{url}/v2/batch", data=json.dumps(items).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
  while :; do
    got=$("$bin" list -o ids | wc -l)
    [ "$got" -ge "$n" ] && break
    sleep 0.5
  done
  if [ -n "${LATENCY:-}" ]; then
    kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
    start_dev --latency "$LATENCY"
  fi
  echo "== $n entries${LATENCY:+, $LATENCY round trip}"
  declare -A walls=()
  for what in "${tools[@]}"; do
    # Over a modelled network the curl loop of 100k entries alone takes over a minute.
    if [ "$what" = curl ] && [ -n "${LATENCY:-}" ] && [ "$n" -gt 10000 ]; then continue; fi
    case $what in
      dlq) cmd=("$bin" list --all -o ndjson) ;;
      sdk) cmd=(node benches/sdk-list.mjs) ;;
      *) cmd=(bash -c 'curl_loop "$QSTASH_URL" "$QSTASH_TOKEN"') ;;
    esac
    /usr/bin/time -f "%e %M" -o "$tmp/time" "${cmd[@]}" > "$tmp/out"
    read -r wall rss < "$tmp/time"
    walls[$what]=$wall
    printf '  %-5s wall %6.2f s   peak RSS %6.1f MiB   output %s lines\n' "$what" "$wall" "$(echo "$rss/1024" | bc -l)" "$(wc -l < "$tmp/out")"
  done
  if [ -n "$sdk" ]; then
    printf '  dlq is %.1fx faster than the SDK cursor loop\n' "$(echo "${walls[sdk]}/${walls[dlq]}" | bc -l)"
  fi
  if [ -n "${LATENCY:-}" ]; then
    # The target: within 2x of ceil(N/100) / concurrency round trips (the default concurrency).
    rtt=$(echo "$LATENCY" | sed 's/ms$//')
    ideal=$(echo "(($n + 99) / 100) / 16 * $rtt / 1000" | bc -l)
    printf '  ceil(N/100)/16 round trips: %.2f s; dlq took %.2fx that\n' "$ideal" "$(echo "${walls[dlq]}/$ideal" | bc -l)"
  fi
  # Repeated runs on loopback only (over a modelled network one run of each says enough).
  if [ -z "${LATENCY:-}" ] && command -v hyperfine > /dev/null; then
    hyperfine -N --warmup 1 --runs 5 --style basic \
      -n dlq "$bin list --all -o ndjson" \
      -n curl-loop "bash -c 'curl_loop \"\$QSTASH_URL\" \"\$QSTASH_TOKEN\"'" \
      ${sdk:+-n sdk-loop "node benches/sdk-list.mjs"} 2>/dev/null | grep -E "Time|±|faster" || true
  fi
  kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
done
