#!/usr/bin/env bash
# Start-up time of `dlq --version` and `dlq --help`, and the release binary's size.
# Usage: benches/startup.sh   (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
# DLQ_BIN=path measures a given binary (e.g. one built with another profile).
if [ -z "${DLQ_BIN:-}" ]; then cargo build --release -q; fi
bin=${DLQ_BIN:-target/release/dlq}
printf 'release binary: %s bytes (%.1f MiB)\n' "$(stat -c %s "$bin")" "$(echo "$(stat -c %s "$bin") / 1048576" | bc -l)"
hyperfine -N --warmup 20 --runs 300 --style basic "$bin --version" "$bin --help" 2>/dev/null | grep -E "Benchmark|Time|Range"
