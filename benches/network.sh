#!/usr/bin/env bash
# #13's benchmark over a modelled network (`dlq dev --latency`, default 50 ms round trip):
# `dlq list --all` of 10k and 100k entries beside the official TypeScript SDK's cursor loop
# (when node and tests/workflow-app's modules are here) as a ratio, and `dlq retry
# --all-matching` of 10k entries. Prints figures; asserts nothing (targets are in the README).
# Usage: benches/network.sh   (LATENCY=25ms etc. to change the round trip)
set -euo pipefail
cd "$(dirname "$0")/.."
export LATENCY=${LATENCY:-50ms}
benches/list.sh 10000 100000
benches/retry.sh 10000 0
