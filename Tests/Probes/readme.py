#!/usr/bin/env python3
"""Runs README.md as a newcomer would: every ```sh block, in order, in a fresh copy of the repository.

    python3 Tests/Probes/readme.py [--binary .build/debug/standing] [--keep]

The copy holds the repository's tracked files (so `Registry/example.json` and `examples/` are there) but no build;
the built `standing` is first on PATH, standing in for `swift build` / `swift run standing`. Each block runs in bash
with `set -euo pipefail`; variables exported by one block reach the next. A block fails the run when it exits
non-zero, or when its output lacks a line the README promises with a comment `# → TEXT` (checked as a substring of
everything the block printed).

Directives, an HTML comment on the line before a block:
    <!-- readme-test: skip REASON -->        not run (package installs, builds, the test suite itself)
    <!-- readme-test: background -->         started in the background; the run waits for "listening on" in its
                                             output and stops it at the end

Exit status 0 when every block ran as the README says; the last line is 'N passed, N failed'.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK = re.compile(r"(?:<!--\s*readme-test:\s*(?P<directive>[^>]*?)\s*-->\s*\n)?```sh\n(?P<body>.*?)```", re.S)
EXPECT = re.compile(r"^\s*#\s*→\s*(?P<text>.+?)\s*$", re.M)
BLOCK_TIMEOUT = 180
START_TIMEOUT = 60


def blocks(readme):
    for match in BLOCK.finditer(readme):
        line = readme.count("\n", 0, match.start("body"))
        yield line, (match.group("directive") or "").strip(), match.group("body")


def fresh_copy(destination):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = os.path.join(ROOT, name.decode())
        if not os.path.isfile(source):
            continue  # deleted in the working tree
        target = os.path.join(destination, name.decode())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)


def port_in_use(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "standing"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()
    binary = os.path.abspath(options.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"readme: no built standing at {binary}: run `swift build` first (or pass --binary)")
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    ports = sorted({int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", readme)})
    busy = [port for port in ports if port_in_use(port)]
    if busy:
        sys.exit(f"readme: the README's ports {busy} are in use here; stop what listens there and run again")

    work = tempfile.mkdtemp(prefix="standing-readme-")
    fresh_copy(work)
    bin_dir = tempfile.mkdtemp(prefix="standing-readme-bin-")
    os.symlink(binary, os.path.join(bin_dir, "standing"))
    state = os.path.join(bin_dir, "environment.sh")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("STANDING_")}
    environment["PATH"] = bin_dir + os.pathsep + environment.get("PATH", "")
    # A cache of its own, so lists fetched by another run never answer for this one.
    environment["STANDING_CACHE_DIR"] = os.path.join(work, ".verify-cache")
    with open(state, "w") as handle:
        handle.write("")
    background = []
    passed = failed = 0
    try:
        for line, directive, body in blocks(readme):
            title = f"README.md:{line + 1}: " + body.strip().splitlines()[0][:70]
            if directive.startswith("skip"):
                print(f"skip {title} ({directive[4:].strip()})")
                continue
            # The built binary stands in for what `swift run` would build first.
            script = body.replace("swift run standing", "standing")
            if directive == "background":
                log = open(os.path.join(work, f".background-{len(background)}.log"), "w+")
                process = subprocess.Popen(
                    ["bash", "-c", f"source {state}; set -euo pipefail; exec {script.strip()}"],
                    cwd=work, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                background.append(process)
                deadline = time.time() + START_TIMEOUT
                while time.time() < deadline and process.poll() is None:
                    log.seek(0)
                    if "listening on" in log.read():
                        break
                    time.sleep(0.2)
                log.seek(0)
                output = log.read()
                if "listening on" in output:
                    passed += 1
                    print(f"ok   {title} (in the background)")
                else:
                    failed += 1
                    print(f"FAIL {title}: did not start listening within {START_TIMEOUT} s\n{output}")
                continue
            wrapped = f"source {state}\nset -euo pipefail\n{script}\nexport -p > {state}\n"
            try:
                result = subprocess.run(
                    ["bash", "-c", wrapped], cwd=work, env=environment, capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
                output, status = result.stdout + result.stderr, result.returncode
            except subprocess.TimeoutExpired as timeout:
                output, status = f"(timed out after {BLOCK_TIMEOUT} s)\n{timeout.stdout or ''}", -1
            missing = [m.group("text") for m in EXPECT.finditer(body) if m.group("text") not in output]
            if status == 0 and not missing:
                passed += 1
                print(f"ok   {title}")
            else:
                failed += 1
                reason = f"exit status {status}" if status != 0 else "missing output: " + "; ".join(repr(m) for m in missing)
                print(f"FAIL {title}: {reason}\n--- output ---\n{output}--------------")
    finally:
        for process in background:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(bin_dir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
