# Sourced by the probes that check Standing against independent Python implementations from PyPI.
#
#   probe_venv DIR PIP_ARGUMENT...     e.g. probe_venv "$venv" "joserfc==1.8.0"   or   probe_venv "$venv" -r FILE
#
# Makes DIR a venv holding what the pip arguments ask for (pinned packages, or -r with a requirements file), installing
# Debian's python3-venv first when the interpreter lacks it. The venv is kept while the arguments (and the contents of
# any file they name) are the ones it was made with, and rebuilt otherwise; pip gets 300 s.
probe_venv() {
    local venv="$1"
    shift
    local wanted argument
    wanted="$(printf '%s\n' "$@"; for argument in "$@"; do if [ -f "$argument" ]; then cat "$argument"; fi; done)"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.probe-packages" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
    printf '%s' "$wanted" >"$venv/.probe-packages"
}
