#!/usr/bin/env bash
# Builds ClientReport in release, runs it (cached checks, cold fetch + verify + decode over loopback), then the
# independent Python decoder on the same JWT bytes, and writes results/client.json and results/client.md.
# Usage: ./run-client.sh [--quick]    Environment: BENCH_CPU as for run-core.sh (default 1; "none" disables pinning).
set -euo pipefail
cd "$(dirname "$0")"
quick="${1:-}"
raw=.build/bench-results
mkdir -p results "$raw/client-fixture"
pin=()
cpu="${BENCH_CPU:-}"
if [[ -z "$cpu" ]] && command -v taskset >/dev/null && [[ "$(nproc)" -gt 1 ]]; then cpu=1; fi
if [[ -n "$cpu" && "$cpu" != "none" ]]; then pin=(taskset -c "$cpu"); fi
swift build -c release --product ClientReport 2>&1 | tail -1
binary="$(swift build -c release --show-bin-path)/ClientReport"
"${pin[@]}" "$binary" $quick "$raw/client-report.json" "$raw/client-fixture"
"${pin[@]}" python3 client/decode.py "$raw/client-fixture/list-1m.jwt" "$raw/client-fixture/key.jwk.json" "$raw/client-python.json" $quick
python3 client/client_report.py "$raw/client-report.json" "$raw/client-python.json" results/client.json results/client.md
echo "== wrote results/client.json and results/client.md"
