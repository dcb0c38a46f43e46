#!/usr/bin/env bash
# Standing's LoTE against an independent JOSE/X.509 stack (joserfc + pyca/cryptography from PyPI): runs
# `standing serve` on loopback with a CA-issued LoTE signing chain, imports the example registry, fetches /lote and
# verifies it (JAdES header with iat and no critical sigT, the x5c chain to the pinned CA, the signature).
# Installs its own needs (python3-venv, a venv with pinned packages), is bounded in time, exits non-zero on failure.
# Usage: bash Tests/Probes/lote-jades-interop.sh   (from anywhere; builds the standing executable if needed)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

source "$root/Tests/Probes/lib/python-venv.sh"
venv="${STANDING_PROBE_VENV:-${TMPDIR:-/tmp}/standing-lote-probe-venv}"
probe_venv "$venv" "joserfc==1.8.0" "cryptography>=44" >/dev/null

standing="$root/.build/debug/standing"
if [ ! -x "$standing" ]; then timeout 1800 swift build --product standing >/dev/null; fi

work="$(mktemp -d)"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# GET URL OUT: the body of a 200 answer (Accept: application/jose) into OUT; non-zero otherwise.
get() {
    "$venv/bin/python" - "$1" "$2" <<'PY' 2>/dev/null
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Accept": "application/jose"})
with urllib.request.urlopen(request, timeout=5) as response:
    body = response.read()
with open(sys.argv[2], "wb") as out:
    out.write(body)
PY
}
start_server() {
    "$standing" serve --data-dir "$work/data" --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        if get "$base/.well-known/jwks.json" /dev/null; then return 0; fi
        sleep 0.2
    done
    echo "FAIL: standing serve did not start"; cat "$work/serve.log"; exit 1
}

# First start creates the service keys; the LoTE chain is then issued for its ES256 key by a CA only the probe holds.
start_server
stop_server
rm -f "$work/data/lote-certificate.pem"
"$venv/bin/python" Tests/Probes/lote_jades_verify.py make-chain "$work/data/keys" "$work/data/lote-certificate.pem" "$work/anchor.pem"
start_server

timeout 60 "$standing" registry import Registry/example.json --server "$base" --token "$(cat "$work/data/operator-token")" >/dev/null
# The LoTE is re-signed in the background after writes.
for _ in $(seq 1 50); do
    if get "$base/lote" "$work/lote.jws" && [ -s "$work/lote.jws" ]; then break; fi
    sleep 0.2
done
[ -s "$work/lote.jws" ] || { echo "FAIL: no LoTE at $base/lote"; exit 1; }

timeout 60 "$venv/bin/python" Tests/Probes/lote_jades_verify.py verify "$work/lote.jws" "$work/anchor.pem"
