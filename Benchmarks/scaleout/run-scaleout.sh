#!/usr/bin/env bash
# Scale-out benchmark (issue 11) on 127.0.0.1 only: batched updates and single revocations on SQLite and on
# PostgreSQL, reads per instance on each, revoke-on-A to visible-on-B with two instances on one PostgreSQL database,
# and nginx serving the publish directory against nginx serving a copy of the same files.
#
# One command: installs nginx, wrk and postgresql when missing (Debian packages), builds the `standing` product in
# release into the root package's .build-release (git-ignored; waits while another build uses it), starts a throw-away
# PostgreSQL cluster through Tests/Probes/with-postgres.sh (fsync and synchronous_commit on), runs scaleout.py and
# writes Benchmarks/results/scaleout.json and scaleout.md. About 8 minutes; --quick is a smoke run (1 round, short runs).
#
# Usage: Benchmarks/scaleout/run-scaleout.sh [--quick] [--skip-build] [--keep]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$root/Benchmarks/results"
build=1
options=()
for argument in "$@"; do
    case "$argument" in
    --quick) options+=(--rounds 1 --duration 3 --single-seconds 2 --propagation-samples 20) ;;
    --skip-build) build=0 ;;
    --keep) options+=(--keep) ;;
    *)
        echo "unknown argument: $argument" >&2
        exit 2
        ;;
    esac
done

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "== installing ${missing[*]}"
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "$build" -eq 1 ]]; then
    while pgrep -f "scratch-path .build-release" >/dev/null; do
        echo "== waiting for another .build-release build to finish"
        sleep 10
    done
    echo "== swift build -c release --product standing --scratch-path .build-release"
    (cd "$root" && swift build -c release --product standing --scratch-path .build-release 2>&1 | tail -3)
fi
binary="$(cd "$root" && swift build -c release --scratch-path .build-release --show-bin-path)/standing"
[[ -x "$binary" ]] || { echo "no release binary at $binary" >&2; exit 1; }

mkdir -p "$results"
# A port of its own, so that a test run's cluster (55432) can run at the same time.
export STANDING_TEST_PG_PORT="${STANDING_TEST_PG_PORT:-55470}"
timeout --signal=TERM 1800 bash "$root/Tests/Probes/with-postgres.sh" \
    python3 "$here/scaleout.py" --binary "$binary" --output "$results/scaleout.json" ${options[@]+"${options[@]}"}
python3 "$here/scaleout_report.py" "$results/scaleout.json" "$results/scaleout.md"
