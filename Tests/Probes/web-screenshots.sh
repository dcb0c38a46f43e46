#!/usr/bin/env bash
# Regenerates the README's screenshots of the web pages (docs/screenshots/*.png) with the browser test, which takes
# them as it goes: the check form, a verdict, an issuer's page, and the check form at 360 px.
#
#   bash Tests/Probes/web-screenshots.sh [--binary .build/debug/standing]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
shots="$(mktemp -d)"
trap 'rm -rf "$shots"' EXIT
bash Tests/Probes/web-browser.sh --screenshots "$shots" "$@"
mkdir -p docs/screenshots
for name in check verdict-revoked issuer check-360; do
    cp "$shots/$name.png" "docs/screenshots/web-$name.png"
done
echo "docs/screenshots/ updated: $(ls docs/screenshots | tr '\n' ' ')"
