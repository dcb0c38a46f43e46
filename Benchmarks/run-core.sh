#!/usr/bin/env bash
# Builds the benchmarks in release, runs CoreReport (ratio table, alternating A/B rounds against zlib alone) and the
# ordo-one suite (p50/p99 and malloc counts), and writes results/core.json and results/core.md.
#
# Usage: ./run-core.sh [--quick] [--skip-ordo]
#   --quick      fewer A/B rounds (a smoke run; the numbers are noisier)
#   --skip-ordo  only CoreReport (no malloc counts or p99)
# Environment: BENCH_CPU=<n> pins the measuring processes to one CPU with taskset (default: 1 when taskset exists
# and the machine has more than one CPU; BENCH_CPU=none disables pinning).
set -euo pipefail

cd "$(dirname "$0")"
quick=""
skip_ordo=0
for argument in "$@"; do
    case "$argument" in
    --quick) quick="--quick" ;;
    --skip-ordo) skip_ordo=1 ;;
    *)
        echo "unknown argument: $argument" >&2
        exit 2
        ;;
    esac
done

# Raw outputs (the 1 MB ordo-one export with every sample) stay in the git-ignored .build folder.
raw=.build/bench-results
mkdir -p results "$raw"
pin=()
cpu="${BENCH_CPU:-}"
if [[ -z "$cpu" ]] && command -v taskset >/dev/null && [[ "$(nproc)" -gt 1 ]]; then cpu=1; fi
if [[ -n "$cpu" && "$cpu" != "none" ]]; then pin=(taskset -c "$cpu"); fi

echo "== building CoreReport and StatusListBenchmarks (release, unpinned)"
swift build -c release --product CoreReport 2>&1 | tail -1
if [[ "$skip_ordo" -eq 0 ]]; then
    swift build -c release --product StatusListBenchmarks 2>&1 | tail -1
fi
binary="$(swift build -c release --show-bin-path)/CoreReport"

echo "== CoreReport ${pin[*]}"
"${pin[@]}" "$binary" $quick "$raw/core-report.json"

ordo_json=""
if [[ "$skip_ordo" -eq 0 ]]; then
    echo "== ordo-one benchmark suite ${pin[*]}"
    rm -rf "$raw/ordo"
    # The plugin rebuilds the (already built) benchmark target in release and, the first time, its own tool.
    "${pin[@]}" swift package --allow-writing-to-package-directory benchmark \
        --format jmh --path "$raw/ordo" --no-progress 2>&1 | tail -5
    ordo_json="$(find "$raw/ordo" -name '*.jmh.json' | head -n 1)"
fi

python3 report.py "$raw/core-report.json" "${ordo_json}" results/core.json results/core.md
echo "== wrote results/core.json and results/core.md"
