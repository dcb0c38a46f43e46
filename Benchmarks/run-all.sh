#!/usr/bin/env bash
# Every benchmark suite, one after the other, each building what it needs in release:
#   run-core.sh           status-list core against zlib alone (results/core.*)
#   run-client.sh         client checks and cold fetch against Python decoders (results/client.*)
#   run-publication.sh    segmented against whole-list compression, 10M republication (results/publication.*)
#   http/run-http.sh      Standing against nginx on the same bytes, latency, batches, write storm, RSS (results/http.*)
#   registry/run-registry.sh  trust registry at 10,000 issuers / 50,000 accreditations (results/registry.*)
# then summary.py: every target in one table (results/summary.md, results/summary.json).
# A full run takes about 45 minutes on 2 cores after the release builds; --quick runs each suite's smoke mode.
#
# Usage: Benchmarks/run-all.sh [--quick]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
quick=()
for argument in "$@"; do
    case "$argument" in
    --quick) quick=(--quick) ;;
    *)
        echo "unknown argument: $argument" >&2
        exit 2
        ;;
    esac
done

"$here/run-core.sh" "${quick[@]}"
"$here/run-client.sh" "${quick[@]}"
"$here/run-publication.sh" "${quick[@]}"
"$here/http/run-http.sh" "${quick[@]}"
"$here/registry/run-registry.sh" "${quick[@]}"
python3 "$here/summary.py" "$here/results"
