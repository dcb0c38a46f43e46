#!/usr/bin/env bash
# Builds PKCS11Report in release and runs it: one publication (four signed representations of a 131,072-entry list)
# and single signatures, with keys in a throw-away SoftHSM2 token against file keys, in alternating rounds. Writes
# results/pkcs11.json and results/pkcs11.md (the ratio token / file).
#
# Usage: ./run-pkcs11.sh [--quick]
# Needs Debian's softhsm2 and libp11-kit-dev (installed here when missing and apt-get is there).
set -euo pipefail

cd "$(dirname "$0")"
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

if ! dpkg-query -W -f='${Status}' softhsm2 libp11-kit-dev 2>/dev/null | grep -q "install ok installed.*install ok installed"; then
    echo "== installing softhsm2 libp11-kit-dev"
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq softhsm2 libp11-kit-dev >/dev/null
fi

raw=.build/bench-results
mkdir -p results "$raw"
pin=()
cpu="${BENCH_CPU:-}"
if [[ -z "$cpu" ]] && command -v taskset >/dev/null && [[ "$(nproc)" -gt 1 ]]; then cpu=1; fi
if [[ -n "$cpu" && "$cpu" != "none" ]]; then pin=(taskset -c "$cpu"); fi

echo "== building PKCS11Report (release)"
swift build -c release --product PKCS11Report 2>&1 | tail -1
binary="$(swift build -c release --show-bin-path)/PKCS11Report"

echo "== PKCS11Report ${pin[*]}"
timeout 600 "${pin[@]}" "$binary" "${quick[@]}" "$raw/pkcs11-report.json"

python3 - "$raw/pkcs11-report.json" results/pkcs11.json results/pkcs11.md <<'PY'
import json, pathlib, platform, sys
report = json.loads(pathlib.Path(sys.argv[1]).read_text())
pathlib.Path(sys.argv[2]).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
lines = [
    "# Publication signing: PKCS#11 (SoftHSM2) keys against file keys",
    "",
    f"SoftHSM2 {report['softHSM']}, {platform.machine()}, one run of `Benchmarks/run-pkcs11.sh`. A publication is the four",
    "signed representations of a 131,072-entry list (Ed25519 Data Integrity, ES256 vc+jwt, statuslist+jwt, statuslist+cwt),",
    "lists compressed beforehand. Medians of alternating rounds; ratio = token / file (interquartile range of the ratios).",
    "",
    "| what | token (µs) | file (µs) | ratio | IQR | rounds |",
    "| --- | ---: | ---: | ---: | --- | ---: |",
]
for row in report["rows"]:
    lines.append(
        f"| {row['id']} | {row['tokenMicroseconds']:.1f} | {row['fileMicroseconds']:.1f} | {row['ratio']:.2f} | "
        f"{row['ratioP25']:.2f}-{row['ratioP75']:.2f} | {row['rounds']} |")
pathlib.Path(sys.argv[3]).write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "== wrote results/pkcs11.json and results/pkcs11.md"
