#!/usr/bin/env bash
# Trust-registry benchmark of Standing on 127.0.0.1 only: TRQP authorization queries/s and latency under wrk, snapshot
# build time, write and change-feed latency, with a seeded registry (default 10,000 issuers / 50,000 accreditations).
#
# Builds the `standing` product in release into the root package's .build-release (git-ignored; waits while another
# build uses it) and the RegistrySeed tool of the Benchmarks package in release, seeds a fresh data directory
# (statements signed with throw-away keys by TrustRegistry's builders, applied in-process and appended to the event
# log; the server replays and re-verifies it on start), runs registry_bench.py, and writes
# Benchmarks/results/registry.json and registry.md.
#
# Usage: Benchmarks/registry/run-registry.sh [--skip-build] [--quick] [--keep] [--issuers N] [--accreditations M] [--probes K]
#                                             [--work DIR] [--only snapshot]
#                                            [--seeded DIR]
#   --seeded  reuse the data directory and seed.json of a work directory kept with --keep (or made by RegistrySeed)
#             instead of seeding again (seeding takes minutes); the seeder is then neither built nor needed
#   --probes  number of timed writes for the write / change-feed latency (default 20)
#   --quick   1 round of 5 s and 5 write probes (a smoke run, not the figures)
#   --work    seed into DIR once and keep it; later runs with --only snapshot reuse it instead of seeding again
#   --only snapshot  start and measure the wallet snapshot only (bytes on the wire with and without gzip, fetch +
#             verify), into results/registry-snapshot.json and .md; summary.py takes its rows when registry.json has none
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build=1
seeded=0
extra=()
results=registry
issuers=10000
accreditations=50000
while [[ $# -gt 0 ]]; do
    case "$1" in
    --skip-build) build=0 ;;
    --quick) extra+=(--rounds 1 --seconds 5 --probes 5) ;;
    --keep) extra+=(--keep) ;;
    --issuers) issuers="$2"; shift ;;
    --accreditations) accreditations="$2"; shift ;;
    --probes) extra+=(--probes "$2"); shift ;;
    --work) extra+=(--work "$2"); shift ;;
    --only) extra+=(--only "$2"); results="registry-$2"; shift ;;
    --seeded) extra+=(--seeded "$2"); seeded=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

if [[ "$build" -eq 1 ]]; then
    # Another helper may be building into .build-release: wait rather than build concurrently on 2 cores.
    while pgrep -f "scratch-path .build-release" >/dev/null; do
        echo "== waiting for another .build-release build to finish"
        sleep 10
    done
    echo "== swift build -c release --product standing --scratch-path .build-release"
    (cd "$root" && swift build -c release --product standing --scratch-path .build-release 2>&1 | tail -3)
    if [[ "$seeded" -eq 0 ]]; then
        echo "== swift build -c release --product RegistrySeed (Benchmarks package)"
        (cd "$root/Benchmarks" && swift build -c release --product RegistrySeed 2>&1 | tail -3)
    fi
fi
binary="$(cd "$root" && swift build -c release --scratch-path .build-release --show-bin-path)/standing"
seeder="$(cd "$root/Benchmarks" && swift build -c release --show-bin-path)/RegistrySeed"
[[ -x "$binary" ]] || { echo "no release binary at $binary" >&2; exit 1; }
[[ "$seeded" -eq 1 || -x "$seeder" ]] || { echo "no RegistrySeed at $seeder" >&2; exit 1; }

python3 "$here/registry_bench.py" --binary "$binary" --seeder "$seeder" --issuers "$issuers" --accreditations "$accreditations" \
    --results "$root/Benchmarks/results/$results" "${extra[@]}"
