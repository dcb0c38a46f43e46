#!/usr/bin/env bash
# Builds the libFuzzer targets (every decoder of untrusted bytes), seeds their corpora from the spec vectors in the
# repository and runs each for a bounded time; exits non-zero if any target crashes, leaks past its limits or times
# out on an input (the input is kept in Fuzz/.build/fuzz/artifacts/<target>/).
#
# Usage: Fuzz/run.sh [seconds-per-target]   (default 30; CI uses 20)
# Reproduce a finding: Fuzz/.build/debug/<target> Fuzz/.build/fuzz/artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-30}"
targets=(FuzzW3CList FuzzIETFList FuzzCompactJWS FuzzCBOR FuzzCOSESign1 FuzzJSON FuzzDIDDocument FuzzX509)

# The same packages the root package needs (zlib for the status lists), python3 for the seeds, openssl for the
# X.509 seeds.
packages=(libsqlite3-dev zlib1g-dev pkg-config python3 openssl)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# -parse-as-library: each target's entry point is its own `<module>_main`, which hands over to libFuzzer's driver.
flags=(-c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
start=$(date +%s)
swift build "${flags[@]}" 2>&1 | grep -v "Cannot export local symbol '__asan" | tail -5
bin="$(swift build "${flags[@]}" --show-bin-path)"
echo "fuzz: built in $(($(date +%s) - start)) s"

work=.build/fuzz
rm -rf "$work"
python3 seeds.py "$work/seeds"

failed=()
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    artifacts="$work/artifacts/$target"
    mkdir -p "$corpus" "$artifacts" "$work/seeds/$target"
    # -timeout: one input taking over 10 s is a finding (a decoder must never hang). Leak detection is off: Swift
    # keeps metadata, caches and the targets' lazily made keys alive to the end by design, which LeakSanitizer reports.
    if ASAN_OPTIONS=detect_leaks=0 "$bin/$target" "$corpus" "$work/seeds/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$work/$target.log" 2>&1; then
        echo "fuzz: $target: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$') runs, no crash"
    else
        echo "fuzz: $target FAILED; the input is in $artifacts/"
        grep -E "ERROR|SUMMARY|Fatal error|==[0-9]+==|Test unit written|Base64" "$work/$target.log" | head -20
        failed+=("$target")
    fi
done

echo "fuzz: ${#targets[@]} targets, $seconds s each, $(($(date +%s) - start)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}"
    exit 1
fi
