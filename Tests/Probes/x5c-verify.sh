#!/usr/bin/env bash
# Runs the independent x5c verifier (Tests/Probes/x5c_verify.py) in its own venv, .build/x5c-venv, created with the
# pinned packages of Tests/Probes/x5c-requirements.txt when missing or when that file changed.
# Usage: bash Tests/Probes/x5c-verify.sh [--jwt FILE] [--cwt FILE] --anchor CA.pem [--eku OID] [--vc-jwt FILE --did-document FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
requirements="$root/Tests/Probes/x5c-requirements.txt"
venv="$root/.build/x5c-venv"

source "$root/Tests/Probes/lib/python-venv.sh"
probe_venv "$venv" -r "$requirements"
exec timeout 60 "$venv/bin/python" "$root/Tests/Probes/x5c_verify.py" "$@"
