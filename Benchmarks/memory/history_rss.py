#!/usr/bin/env python3
"""Resident memory of one 16,777,216-entry 8-bit list across 16 publications and a restart (issue 16, item 7).

Starts `standing serve` on a fresh data directory (loopback, port 0), creates the list, publishes it 16 more times
(one status change each, waiting until each version is published), restarts the server on the same directory, and
prints VmRSS from /proc at each step, as a table and as one JSON line.

    python3 Benchmarks/memory/history_rss.py [--binary .build/debug/standing] [--publications 16]

Standard library only; Linux (reads /proc/PID/status). Bounded: every wait gives up after 120 s.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ENTRIES = 16_777_216


def rss_mib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        kib = int(re.search(r"^VmRSS:\s+(\d+) kB", status.read(), re.M).group(1))
    return kib / 1024


def start(binary, data):
    process = subprocess.Popen(
        [binary, "serve", "--data-dir", data, "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line or "")
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
    process.kill()
    sys.exit("the server did not start")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def call(base, token, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"{}")


def wait_for_version(base, token, list_id, version):
    deadline = time.time() + 120
    while time.time() < deadline:
        if (call(base, token, "GET", f"/admin/lists/{list_id}").get("publishedVersion") or 0) >= version:
            return
        time.sleep(0.05)
    sys.exit(f"version {version} was not published within 120 s")


def settle(pid):
    """RSS once it stops moving (freed memory returns to the allocator lazily)."""
    time.sleep(1.0)
    return rss_mib(pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--binary", default=os.path.join(root, ".build", "debug", "standing"))
    parser.add_argument("--publications", type=int, default=16)
    arguments = parser.parse_args()

    data = tempfile.mkdtemp(prefix="standing-rss-")
    rows = []
    try:
        process, base = start(arguments.binary, data)
        token = open(os.path.join(data, "operator-token"), encoding="ascii").read().strip()
        rows.append(("idle", settle(process.pid)))
        list_id = call(base, token, "POST", "/admin/lists",
                       {"id": "big", "purpose": "message", "statusSize": 8, "capacity": ENTRIES})["id"]
        wait_for_version(base, token, list_id, 1)
        rows.append(("list created (version 1)", settle(process.pid)))
        indices = [entry["index"] for entry in
                   call(base, token, "POST", f"/admin/lists/{list_id}/entries", {"count": arguments.publications})["entries"]]
        for number, index in enumerate(indices, start=2):
            call(base, token, "POST", f"/admin/lists/{list_id}/status", {"index": index, "value": 2})
            wait_for_version(base, token, list_id, number)
        rows.append((f"after {arguments.publications} more publications", settle(process.pid)))
        stop(process)
        process, base = start(arguments.binary, data)
        call(base, token, "GET", f"/admin/lists/{list_id}")
        rows.append(("after restart", settle(process.pid)))
        stop(process)
    finally:
        shutil.rmtree(data, ignore_errors=True)

    print(f"{'step':40} {'VmRSS MiB':>10}")
    for step, value in rows:
        print(f"{step:40} {value:10.1f}")
    print(json.dumps({"entries": ENTRIES, "statusSize": 8, "publications": arguments.publications,
                      "rssMiB": {step: round(value, 1) for step, value in rows}}))


if __name__ == "__main__":
    main()
