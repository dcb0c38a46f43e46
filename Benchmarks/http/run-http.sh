#!/usr/bin/env bash
# HTTP benchmarks of Standing against nginx serving the same bytes, on 127.0.0.1 only.
#
# One command: installs nginx, wrk and matplotlib when missing (Debian packages), builds the `standing` product in
# release into the root package's .build-release (git-ignored), runs httpbench.py (read throughput A/B against nginx,
# unpinned and pinned; reads during a write storm; batched updates; revoke-to-visible latency at the default window
# and at 0 ms; RSS idle and with 100 lists of 1M entries), and writes Benchmarks/results/http.json, http.md,
# http-throughput.png and http-revoke-latency.png. Every server is started and stopped by PID; about 25 minutes.
# The server is profiled with `perf record -g` (when perf exists) during two read runs and one batch.
#
# Usage: Benchmarks/http/run-http.sh [--quick] [--no-profile] [--skip-build] [--keep]
#   --quick       1 round of 5 s per scenario, 50 latency samples, 20 lists for RSS (a smoke run, not the figures)
#   --no-profile  skip the perf profiles
#   --skip-build  use the existing .build-release binary
#   --keep        keep the temporary work folder (data directories, nginx.conf, server logs)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$root/Benchmarks/results"
quick=0
build=1
extra=()
for argument in "$@"; do
    case "$argument" in
    --quick) quick=1 ;;
    --no-profile) extra+=(--no-profile) ;;
    --skip-build) build=0 ;;
    --keep) extra+=(--keep) ;;
    *)
        echo "unknown argument: $argument" >&2
        exit 2
        ;;
    esac
done

# matplotlib comes from Debian's python3-matplotlib, so run with the system interpreter when it has it.
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3)"

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
"$python" -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "== installing ${missing[*]}"
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    python=/usr/bin/python3
fi

if [[ "$build" -eq 1 ]]; then
    echo "== swift build -c release --product standing --scratch-path .build-release"
    (cd "$root" && swift build -c release --product standing --scratch-path .build-release 2>&1 | tail -3)
fi
binary="$(cd "$root" && swift build -c release --scratch-path .build-release --show-bin-path)/standing"
[[ -x "$binary" ]] || { echo "no release binary at $binary" >&2; exit 1; }

options=()
if [[ "$quick" -eq 1 ]]; then
    options=(--rounds 1 --duration 5 --latency-samples 50 --latency-samples-1m 10 --batch-rounds 1 --memory-lists 20)
fi

mkdir -p "$results"
echo "== httpbench.py (servers on 127.0.0.1, stopped by PID at the end of each phase)"
# A hard cap on the whole run; httpbench.py stops its servers on SIGTERM.
timeout --signal=TERM 3000 "$python" "$here/httpbench.py" --binary "$binary" --output "$results/http.json" \
    ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"}
"$python" "$here/http_report.py" "$results/http.json" "$results"
