#!/usr/bin/env bash
# Checks the deployment files in ops/ against the code; CI runs it from anywhere (it finds the repository itself).
#
#   ops/check.sh            # one line per check: "ok", "skip" or "FAIL"; exit status 1 if any check failed
#
# Needs bash and python3. systemd-analyze (Debian package `systemd`) is used when present; without it the unit checks
# that need it are skipped, not failed. No server is started and nothing outside a temporary directory is written.
set -u

ops="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$ops")"
unit="$ops/standing.service"
template="$ops/standing@.service"
config="$ops/config.example.json"
settings_source="$root/Sources/Server/ServerConfiguration.swift"
openapi="$root/Sources/Server/Resources/openapi.json"

failures=0
ok() { printf 'ok   %s\n' "$1"; }
skip() { printf 'skip %s: %s\n' "$1" "$2"; }
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    failures=$((failures + 1))
}

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

if ! command -v python3 >/dev/null 2>&1; then
    fail "python3" "python3 is required for the config and unit checks"
    exit 1
fi

# --- The unit: the directives the deployment relies on are present --------------------------------------------------
missing="$(python3 - "$unit" <<'PY'
import sys
required = [
    "Type=simple", "User=standing", "ExecStart=/usr/local/bin/standing serve --config /etc/standing/config.json",
    "WorkingDirectory=/var/lib/standing", "StateDirectory=standing", "Environment=STANDING_DATA_DIR=/var/lib/standing",
    "Restart=on-failure", "KillSignal=SIGTERM", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
    "PrivateTmp=yes", "ReadWritePaths=/var/lib/standing",
]
lines = {line.strip() for line in open(sys.argv[1], encoding="utf-8")}
missing = [directive for directive in required if directive not in lines]
if not any(line.startswith("TimeoutStopSec=") for line in lines):
    missing.append("TimeoutStopSec=")
print(", ".join(missing))
PY
)"
if [ -z "$missing" ]; then
    ok "unit has the required directives"
else
    fail "unit has the required directives" "missing $missing"
fi

# --- The template unit for several instances: its own directives, and every hardening line of the single unit ------
missing="$(python3 - "$unit" "$template" <<'PY'
import sys
single, template = ([line.strip() for line in open(path, encoding="utf-8")] for path in sys.argv[1:3])
required = [
    "Type=simple", "User=standing", "EnvironmentFile=/etc/standing/%i.env",
    "ExecStart=/usr/local/bin/standing serve --config /etc/standing/config.json --data-dir /var/lib/standing/%i "
    "--database-password-file %d/database-password",
    "WorkingDirectory=/var/lib/standing/%i", "StateDirectory=standing/%i", "ReadWritePaths=/var/lib/standing/%i",
    "LoadCredential=database-password:/etc/standing/database-password", "Restart=on-failure", "KillSignal=SIGTERM",
]
# Hardened like standing.service: every sandboxing, limit and shutdown line of the single unit, word for word (the
# state directory lines differ by the instance's folder and are required above).
prefixes = ("Protect", "Private", "Restrict", "NoNewPrivileges", "LockPersonality", "MemoryDeny", "RemoveIPC",
            "CapabilityBoundingSet", "AmbientCapabilities", "SystemCall", "UMask", "LimitNOFILE", "TimeoutStopSec",
            "StateDirectoryMode", "RestartSec")
required += [line for line in single if line.startswith(prefixes)]
print(", ".join(directive for directive in required if directive not in set(template)))
PY
)"
if [ -z "$missing" ]; then
    ok "template unit has the required directives and the single unit's hardening"
else
    fail "template unit has the required directives and the single unit's hardening" "missing $missing"
fi

# --- The units: systemd-analyze verify ----------------------------------------------------------------------------
# `systemd-analyze verify` works on unit files without a running systemd (containers, CI), but it insists that the
# ExecStart= binary exists and is executable, which /usr/local/bin/standing is not on a build machine. So the check
# runs on a temporary copy whose ExecStart= points at an existing executable: the freshly built binary when there is
# one, else /bin/true; every other line is unchanged. User=standing is kept: verify does not look users up (checked
# with systemd 252). Should a systemd version ever refuse the missing user, the check is repeated with User=/Group=
# set to the current user, and the line says so. The template is verified as an instance of itself
# (standing@check.service, found beside standing@.service), so its %i specifiers are expanded.
verify_unit() { # verify_unit UNIT_FILE NAME_TO_VERIFY
    local source="$1" name="$2" copy output score_output score
    copy="$scratch/$(basename "$source")"
    sed "s#^ExecStart=/usr/local/bin/standing #ExecStart=$binary #" "$source" >"$copy"
    # verify only warns (exit status 0) about values it cannot parse and ignores; any remark about the unit fails.
    if output="$(systemd-analyze verify "$scratch/$name" 2>&1)" && ! printf '%s' "$output" | grep -qE "standing(@[a-z]*)?\.service"; then
        ok "systemd-analyze verify $name (ExecStart=$binary)"
    elif printf '%s' "$output" | grep -qiE "user|group"; then
        sed -i -e "s/^User=.*/User=$(id -un)/" -e "s/^Group=.*/Group=$(id -gn)/" "$copy"
        if output="$(systemd-analyze verify "$scratch/$name" 2>&1)" && ! printf '%s' "$output" | grep -qE "standing(@[a-z]*)?\.service"; then
            ok "systemd-analyze verify $name (ExecStart=$binary; user standing missing here, verified as $(id -un))"
        else
            fail "systemd-analyze verify $name" "$(printf '%s' "$output" | tr '\n' ' ')"
        fi
    else
        fail "systemd-analyze verify $name" "$(printf '%s' "$output" | tr '\n' ' ')"
    fi
    # The exposure score of the hardening (0 = locked down, 10 = unprotected); --offline needs systemd >= 250.
    if score_output="$(systemd-analyze security --offline=true "$scratch/$name" 2>&1)"; then
        score="$(printf '%s\n' "$score_output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
        if [ -z "$score" ]; then
            fail "systemd-analyze security $name" "no exposure level in the output"
        elif python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 2.5 else 1)" "$score"; then
            ok "systemd-analyze security $name: exposure $score <= 2.5"
        else
            fail "systemd-analyze security $name" "exposure $score > 2.5: the unit's hardening was weakened"
        fi
    else
        skip "systemd-analyze security $name" "this systemd-analyze has no --offline mode"
    fi
}
if command -v systemd-analyze >/dev/null 2>&1; then
    binary=""
    for candidate in "$root/.build/debug/standing" "$root/.build/release/standing" /bin/true /usr/bin/true; do
        if [ -x "$candidate" ]; then binary="$candidate"; break; fi
    done
    verify_unit "$unit" standing.service
    verify_unit "$template" standing@check.service
else
    skip "systemd-analyze verify" "systemd-analyze not installed (Debian: apt-get install systemd)"
fi

# --- The example config: keys and types as ServerConfiguration accepts them ---------------------------------------
# The keys come from the `settings` table of ServerConfiguration.swift, the types from `apply(_:_:source:)` (int() is
# an integer, Bool(...) a boolean, anything else a string), the log levels from its error message. Nothing is
# duplicated here, so a setting added to the Swift code without the example fails this check.
python3 - "$settings_source" "$config" "$unit" <<'PY'
import json, re, sys

source_path, config_path, unit_path = sys.argv[1:4]
source = open(source_path, encoding="utf-8").read()
failures = 0

def report(good, name, reason=""):
    global failures
    if good:
        print(f"ok   {name}")
    else:
        failures += 1
        print(f"FAIL {name}: {reason}")

table = re.search(r"static let settings[^=]*=\s*\[(.*?)\n\s*\]", source, re.S)
settings = re.findall(r'\(\s*"([A-Za-z0-9]+)"\s*,\s*"(STANDING_[A-Z0-9_]+)"\s*\)', table.group(1)) if table else []
report(bool(settings), "settings table parsed from ServerConfiguration.swift", "no `static let settings` table found")
keys = [key for key, _ in settings]

apply = re.search(r"mutating func apply\(_ key: String.*?\n    \}\n", source, re.S)
types = {}
if apply:
    cases = re.split(r'\n\s*case "', apply.group(0))[1:]
    for case in cases:
        key = case.split('"', 1)[0]
        body = case.split("default:", 1)[0]
        types[key] = "integer" if "int()" in body else "boolean" if "Bool(" in body else "string"
report(set(types) == set(keys), "apply() handles exactly the settings table",
       f"only in settings: {sorted(set(keys) - set(types))}, only in apply: {sorted(set(types) - set(keys))}")
levels_match = re.search(r"logLevel must be one of ([a-z, ]+)", source)
levels = [level.strip() for level in levels_match.group(1).split(",")] if levels_match else []

try:
    config = json.load(open(config_path, encoding="utf-8"))
    parsed = isinstance(config, dict)
    report(parsed, "config.example.json is a JSON object", "top level is not an object")
except (OSError, ValueError) as error:
    report(False, "config.example.json is a JSON object", str(error))
    config = {}

unknown = sorted(set(config) - set(keys))
absent = sorted(set(keys) - set(config))
report(not unknown and not absent, "config.example.json has every setting and no unknown key",
       f"unknown: {unknown}, missing: {absent}")

wrong = []
for key, value in config.items():
    expected = types.get(key)
    if expected == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        wrong.append(f"{key} must be an integer")
    elif expected == "boolean" and not isinstance(value, bool):
        wrong.append(f"{key} must be a boolean")
    elif expected == "string" and not isinstance(value, str):
        wrong.append(f"{key} must be a string")
if "logLevel" in config and levels and str(config["logLevel"]).lower() not in levels:
    wrong.append(f"logLevel must be one of {levels}")
report(not wrong, "config.example.json values have the types apply() accepts", "; ".join(wrong))

# The ranges of ServerConfiguration.validate(), for the values of the example.
ranges = {"port": (0, 65535), "publicationWindowMilliseconds": (0, 60000), "historyVersions": (1, 1000),
          "w3cCompressionLevel": (0, 9), "ietfCompressionLevel": (0, 9), "compressionSegmentBytes": (1024, 67108864),
          "maxListsPerIssuer": (1, 1000000), "maxEntriesPerIssuer": (131072, 1099511627776)}
out_of_range = [f"{key}={config[key]} not in {low}-{high}" for key, (low, high) in ranges.items()
                if isinstance(config.get(key), int) and not low <= config[key] <= high]
ttl, validity = config.get("defaultTTLSeconds"), config.get("defaultValiditySeconds")
if isinstance(ttl, int) and isinstance(validity, int) and not (ttl >= 1 and validity >= 2 * ttl):
    out_of_range.append("defaultValiditySeconds must be at least twice defaultTTLSeconds")
base = config.get("baseURL")
if isinstance(base, str) and not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", base):
    out_of_range.append("baseURL must be an http(s) URL without query or fragment")
report(not out_of_range, "config.example.json values pass ServerConfiguration.validate()", "; ".join(out_of_range))

# The unit's environment must name real settings, and agree with the example's data directory.
environment = dict(settings and [(variable, key) for key, variable in settings])
unit_lines = re.findall(r"^Environment=(.*)$", open(unit_path, encoding="utf-8").read(), re.M)
unit_variables = [tuple(assignment.split("=", 1))
                  for line in unit_lines for assignment in line.split() if "=" in assignment]
problems = [f"{name} is not a setting" for name, _ in unit_variables if name not in environment]
for name, value in unit_variables:
    key = environment.get(name)
    if key in config and str(config[key]) != value:
        problems.append(f"{name}={value} but config.example.json has {key}={config[key]}")
report(not problems, "unit environment matches the settings and the example config", "; ".join(problems))
sys.exit(min(failures, 100))
PY
failures=$((failures + $?))

# --- The alert rules: structure, and every metric they name is exported by the code --------------------------------
# promtool checks the rules fully when it is installed; otherwise PyYAML checks the structure Prometheus expects
# (groups of named rules, each with alert and expr). Either way, every standing_* metric an expression names must be the
# label of a metric in Sources/ (histogram and summary series add _bucket, _sum and _count to their metric's name).
alerts="$ops/alerts.yml"
if command -v promtool >/dev/null 2>&1; then
    if output="$(promtool check rules "$alerts" 2>&1)"; then
        ok "alerts.yml passes promtool check rules"
    else
        fail "alerts.yml passes promtool check rules" "$(printf '%s' "$output" | tail -n 3 | tr '\n' ' ')"
    fi
fi
python3 - "$alerts" "$root/Sources" <<'PY'
import os, re, sys

alerts_path, sources = sys.argv[1:3]
failures = 0

def report(good, name, reason=""):
    global failures
    if good:
        print(f"ok   {name}")
    else:
        failures += 1
        print(f"FAIL {name}: {reason}")

try:
    import yaml
except ImportError:
    print("skip alerts.yml structure: PyYAML not installed (Debian: apt-get install python3-yaml)")
    yaml = None

text = open(alerts_path, encoding="utf-8").read()
expressions = []
if yaml is not None:
    try:
        document = yaml.safe_load(text)
        problems = []
        groups = document.get("groups") if isinstance(document, dict) else None
        if not isinstance(groups, list) or not groups:
            problems.append("no groups")
        for group in groups or []:
            if not isinstance(group, dict) or not isinstance(group.get("name"), str):
                problems.append("a group without a name")
                continue
            rules = group.get("rules")
            if not isinstance(rules, list) or not rules:
                problems.append(f"group {group['name']} has no rules")
                continue
            for rule in rules:
                if not isinstance(rule, dict) or not isinstance(rule.get("alert"), str) or not isinstance(rule.get("expr"), str):
                    problems.append(f"group {group['name']}: a rule without alert or expr")
                    continue
                unknown = set(rule) - {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
                if unknown:
                    problems.append(f"{rule['alert']}: unknown keys {sorted(unknown)}")
                if "for" in rule and not re.fullmatch(r"(\d+(ms|s|m|h|d|w|y))+", str(rule["for"])):
                    problems.append(f"{rule['alert']}: 'for' is not a duration")
                expressions.append(rule["expr"])
        report(not problems, "alerts.yml has the structure of Prometheus rule groups", "; ".join(problems))
    except yaml.YAMLError as error:
        report(False, "alerts.yml is valid YAML", str(error).replace("\n", " "))
else:
    expressions = re.findall(r"^\s*expr:\s*(.+)$", text, re.M)

labels = set()
for directory, _, files in os.walk(sources):
    for name in files:
        if name.endswith(".swift"):
            labels.update(re.findall(r'label:\s*"([a-z_:][a-z0-9_:]*)"', open(os.path.join(directory, name), encoding="utf-8").read()))
named = set(re.findall(r"\b(standing_[a-z0-9_]+)", " ".join(expressions)))
missing = sorted(metric for metric in named if metric not in labels and re.sub(r"_(bucket|sum|count)$", "", metric) not in labels)
report(bool(named), "alerts.yml names standing_* metrics", "no standing_* metric in any expr")
report(not missing, "every metric in alerts.yml is exported by the code", f"not found in Sources/: {missing}")
sys.exit(min(failures, 100))
PY
failures=$((failures + $?))

# --- The OpenAPI document -------------------------------------------------------------------------------------------
if python3 -c "import openapi_spec_validator" >/dev/null 2>&1; then
    if output="$(python3 -m openapi_spec_validator "$openapi" 2>&1)"; then
        ok "openapi.json is a valid OpenAPI document"
    else
        fail "openapi.json is a valid OpenAPI document" "$(printf '%s' "$output" | tail -n 3 | tr '\n' ' ')"
    fi
else
    skip "openapi.json is a valid OpenAPI document" "pip install openapi-spec-validator"
fi

if [ "$failures" -gt 0 ]; then
    echo "ops/check.sh: $failures check(s) failed"
    exit 1
fi
exit 0
