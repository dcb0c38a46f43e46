#!/usr/bin/env bash
# Runs the HTTP probes against the built server: the hostile-HTTP corpus (raw sockets) and schemathesis against
# /openapi.json. Bounded (a few minutes on 2 cores); exit status non-zero if either finds anything.
#
#   Tests/Probes/run.sh                 # both
#   Tests/Probes/run.sh hostile         # only the raw-socket corpus
#   Tests/Probes/run.sh schemathesis    # only schemathesis
#
# Builds .build/debug/standing when missing. schemathesis is pip-installed (pinned) into a venv under .build/, reused
# by later runs; python3-venv is apt-installed when python3 cannot create one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
which="${1:-all}"
binary="$root/.build/debug/standing"
[ -x "$binary" ] || swift build --product standing

status=0
if [ "$which" = all ] || [ "$which" = hostile ]; then
    echo "== hostile HTTP corpus"
    timeout 300 python3 Tests/Probes/hostile_http.py --binary "$binary" || status=1
fi
if [ "$which" = all ] || [ "$which" = schemathesis ]; then
    echo "== schemathesis"
    venv="$root/.build/probes-venv"
    if [ ! -x "$venv/bin/schemathesis" ]; then
        if ! python3 -m venv "$venv" >/dev/null 2>&1; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            rm -rf "$venv" && python3 -m venv "$venv"
        fi
        "$venv/bin/pip" install -q "schemathesis==4.32.5"
    fi
    timeout 900 "$venv/bin/python" Tests/Probes/run_schemathesis.py --binary "$binary" --schemathesis "$venv/bin/schemathesis" || status=1
fi
exit $status
