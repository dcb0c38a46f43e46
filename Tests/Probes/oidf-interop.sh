#!/usr/bin/env bash
# Standing's OpenID Federation view against independent implementations from PyPI: pygrindvakt (the grindvakt Rust
# library's Python bindings) and IdentityPython's fedservice with cryptojwt. Runs `standing serve` on loopback,
# imports the example registry, and verifies the Trust Anchor's Entity Configuration, a Subordinate Statement, the
# trust chain, a Trust Mark and Trust Mark Status responses (Tests/Probes/oidf_verify.py).
# Installs its own needs (python3-venv, a venv with pinned packages), is bounded in time, exits non-zero on failure.
# Usage: bash Tests/Probes/oidf-interop.sh   (from anywhere; builds the standing executable if needed)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

source "$root/Tests/Probes/lib/python-venv.sh"
venv="${STANDING_PROBE_VENV:-${TMPDIR:-/tmp}/standing-oidf-probe-venv}"
probe_venv "$venv" "pygrindvakt==0.2.0" "fedservice==0.6.0" "cryptojwt==1.11.0" >/dev/null

standing="$root/.build/debug/standing"
if [ ! -x "$standing" ]; then timeout 1800 swift build --product standing >/dev/null; fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
status_of() {
    "$venv/bin/python" -c 'import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except Exception:
    print(0)' "$1"
}

"$standing" serve --data-dir "$work/data" --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    if [ "$(status_of "$base/.well-known/jwks.json")" = 200 ]; then break; fi
    sleep 0.2
done
[ "$(status_of "$base/.well-known/jwks.json")" = 200 ] || { echo "FAIL: standing serve did not start"; cat "$work/serve.log"; exit 1; }

timeout 60 "$standing" registry import Registry/example.json --server "$base" --token "$(cat "$work/data/operator-token")" >/dev/null
# The Entity Configuration is signed with the snapshot, in the background after writes: wait until it names the head.
ready=""
for _ in $(seq 1 50); do
    if "$venv/bin/python" - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
head = json.load(urllib.request.urlopen(base + "/registry/v1/log?after=0&limit=1", timeout=5))["head"]
response = urllib.request.urlopen(base + "/.well-known/openid-federation", timeout=5)
sys.exit(0 if response.headers.get("X-Registry-Signed-Seq") == str(head) else 1)
PY
    then ready=1; break; fi
    sleep 0.2
done
[ -n "$ready" ] || { echo "FAIL: the Entity Configuration did not reach the registry's head"; exit 1; }

# An issuer accredited by NVAO (in force) and a business school ANECA suspended, both from Registry/example.json.
timeout 120 "$venv/bin/python" Tests/Probes/oidf_verify.py "$base" did:web:hogeschool.example.nl did:web:escuela-negocios.example.es
