#!/usr/bin/env bash
# Runs the independent x5c verifier (Tests/Probes/x5c_verify.py) in its own venv, .build/x5c-venv, created with the
# pinned packages of Tests/Probes/x5c-requirements.txt when missing or when that file changed.
# Usage: bash Tests/Probes/x5c-verify.sh [--jwt FILE] [--cwt FILE] --anchor CA.pem [--eku OID] [--vc-jwt FILE --did-document FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
requirements="$root/Tests/Probes/x5c-requirements.txt"
venv="$root/.build/x5c-venv"

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null || [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    mkdir -p "$root/.build"
    python3 -m venv "$venv"
    timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/requirements.txt"
fi
exec timeout 60 "$venv/bin/python" "$root/Tests/Probes/x5c_verify.py" "$@"
