#!/usr/bin/env bash
# The public web pages in a real browser (issue 13): headless Chromium driven by Selenium, axe-core on every page.
#
#   bash Tests/Probes/web-browser.sh [--binary .build/debug/standing] [--screenshots DIR]
#
# Installs what it needs when missing: Debian's chromium and chromium-driver (apt), and selenium with
# axe-selenium-python (PyPI, pinned) in a venv under .build/. Starts two `standing serve` on free loopback ports (one
# loaded with Registry/example.json, one with a small registry of its own whose issuer's keys it holds), then runs
# Tests/Probes/web_browser.py. Bounded (the Python script stops itself after --timeout, 600 s by default); exit status
# non-zero on any failure. Screenshots go to .build/web-screenshots unless --screenshots says otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
binary="$root/.build/debug/standing"
[ -x "$binary" ] || swift build --product standing

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
venv="$root/.build/web-browser-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium, axe_selenium_python, axe_core_python" 2>/dev/null; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$venv" && python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q "selenium==4.27.1" "axe-selenium-python==2.1.6" "axe-core-python==0.1.0"
fi
exec timeout 900 "$venv/bin/python" Tests/Probes/web_browser.py --binary "$binary" "$@"
