#!/usr/bin/env bash
# Every benchmark suite, one after the other, each building what it needs in release:
#   run-core.sh           status-list core against zlib alone (results/core.*)
#   run-client.sh         client checks and cold fetch against Python decoders (results/client.*)
#   run-publication.sh    segmented against whole-list compression, 10M republication (results/publication.*)
#   http/run-http.sh      Standing against nginx on the same bytes, latency, batches, write storm, RSS (results/http.*)
#   registry/run-registry.sh  trust registry at 10,000 issuers / 50,000 accreditations (results/registry.*)
#   scaleout/run-scaleout.sh  SQLite against PostgreSQL, two instances on one database, the publish dir (results/scaleout.*)
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

# Debian packages the suites need (each suite also checks for its own): the load tools, and for the Python baselines
# and charts the system interpreter's cryptography and matplotlib.
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || missing+=(python3-cryptography)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [[ ${#missing[@]} -gt 0 ]] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The client suite's Python baseline needs `cryptography`: use the system interpreter when the default one lacks it.
if ! python3 -c 'import cryptography' 2>/dev/null && [[ -x /usr/bin/python3 ]]; then
    export PATH="/usr/bin:$PATH"
fi

"$here/run-core.sh" "${quick[@]}"
"$here/run-client.sh" "${quick[@]}"
"$here/run-publication.sh" "${quick[@]}"
"$here/http/run-http.sh" "${quick[@]}"
"$here/registry/run-registry.sh" "${quick[@]}"
"$here/scaleout/run-scaleout.sh" --skip-build "${quick[@]}"
python3 "$here/summary.py" "$here/results"
