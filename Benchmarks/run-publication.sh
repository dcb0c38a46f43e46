#!/usr/bin/env bash
# Builds PublicationReport in release, runs it (segmented against whole-list compression, republication of a
# 10M-entry list, 100 lists at once), decodes the 10M-entry streams with Python's zlib/gzip as an independent check,
# and writes results/publication.json and results/publication.md.
#
# Usage: ./run-publication.sh [--quick]
# Environment: BENCH_CPU=<n> pins the measuring process to one CPU (default 1 when the machine has more than one;
# BENCH_CPU=none disables pinning).
set -euo pipefail

cd "$(dirname "$0")"
quick=""
for argument in "$@"; do
    case "$argument" in
    --quick) quick="--quick" ;;
    *)
        echo "unknown argument: $argument" >&2
        exit 2
        ;;
    esac
done

# The chart needs matplotlib (Debian's python3-matplotlib); without it the table is still written.
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3)"
if ! "$python" -c 'import matplotlib' 2>/dev/null && command -v apt-get >/dev/null; then
    echo "== installing python3-matplotlib"
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq python3-matplotlib >/dev/null ||
        echo "   (could not install python3-matplotlib: no chart)"
fi

raw=.build/bench-results
streams="$raw/publication-streams"
rm -rf "$streams"
mkdir -p results "$raw" "$streams"
pin=()
cpu="${BENCH_CPU:-}"
if [[ -z "$cpu" ]] && command -v taskset >/dev/null && [[ "$(nproc)" -gt 1 ]]; then cpu=1; fi
if [[ -n "$cpu" && "$cpu" != "none" ]]; then pin=(taskset -c "$cpu"); fi

echo "== building PublicationReport (release)"
swift build -c release --product PublicationReport 2>&1 | tail -1
binary="$(swift build -c release --show-bin-path)/PublicationReport"

echo "== PublicationReport ${pin[*]}"
"${pin[@]}" "$binary" $quick "$raw/publication-report.json" --streams "$streams"

echo "== Python zlib/gzip decode the segmented 10M-entry streams"
python3 - "$streams" <<'PY'
import gzip, pathlib, sys, zlib
checked = 0
for stream in sorted(pathlib.Path(sys.argv[1]).glob("*.stream")):
    data = stream.read_bytes()
    decoded = gzip.decompress(data) if stream.name.startswith("w3c") else zlib.decompress(data)
    expected = stream.with_suffix(".expected").read_bytes()
    if decoded != expected:
        sys.exit(f"{stream.name}: Python decodes different bytes")
    checked += 1
if checked == 0:
    sys.exit("no streams to check")
print(f"{checked} streams decoded by Python {sys.version.split()[0]} (zlib {zlib.ZLIB_RUNTIME_VERSION}): identical to the lists")
PY

"$python" publication_report.py "$raw/publication-report.json" results/publication.json results/publication.md
echo "== wrote results/publication.json and results/publication.md"
