#!/usr/bin/env python3
"""Hostile-HTTP corpus against the built `standing serve`, over raw sockets.

Each probe sends something a hostile or broken client sends (slowloris, idle sockets, a huge declared body, `Expect:
100-continue` without a body, malformed chunked framing, HTTP/1.0 without keep-alive, oversize headers, pipelined
garbage, more connections than the cap) several times. Every try must end in a 4xx or a close within the configured
timeouts (plus slack), never a 5xx and never a hang; afterwards the server must still answer /health, and its log
must have no error line. The server runs with short timeouts so the whole corpus takes well under a minute.

    python3 Tests/Probes/hostile_http.py [--binary .build/debug/standing] [--tries 3]

Prints one table row per probe (tries, failures, worst outcome); exit status 1 if any try failed.
"""

import argparse
import concurrent.futures
import os
import re
import select
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_server import ProbeServer  # noqa: E402

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
IDLE_TIMEOUT = 3.0
MAX_CONNECTIONS = 64
SLACK = 2.0

SETTINGS = {
    "STANDING_HEADER_TIMEOUT_MS": str(int(HEADER_TIMEOUT * 1000)),
    "STANDING_BODY_TIMEOUT_MS": str(int(BODY_TIMEOUT * 1000)),
    "STANDING_IDLE_TIMEOUT_MS": str(int(IDLE_TIMEOUT * 1000)),
    "STANDING_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
}


class Outcome:
    def __init__(self, ok: bool, text: str, elapsed: float):
        self.ok, self.text, self.elapsed = ok, text, elapsed


def exchange(port: int, steps: list[tuple[float, bytes]], deadline: float) -> tuple[bytes, bool, float]:
    """Sends `steps` (delay, bytes) from a thread while reading; returns what came back, whether the server closed,
    and when (or the deadline)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    stop = threading.Event()

    def send() -> None:
        for delay, data in steps:
            if stop.wait(delay):
                return
            try:
                sock.sendall(data)
            except OSError:
                return

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = b""
    closed = False
    try:
        while True:
            remaining = deadline - (time.monotonic() - start)
            if remaining <= 0:
                break
            readable, _, _ = select.select([sock], [], [], remaining)
            if not readable:
                break
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    finally:
        elapsed = time.monotonic() - start
        stop.set()
        sock.close()
    return received, closed, elapsed


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3}) ", data)]


def describe(codes: list[int], closed: bool, elapsed: float) -> str:
    answer = "+".join(map(str, codes)) if codes else "no answer"
    return f"{answer}{', closed' if closed else ', still open'} after {elapsed:.1f} s"


def refused_or_closed(port: int, steps, deadline: float, allow_success_first: bool = False) -> Outcome:
    """The usual rule: every answer a 4xx (a 2xx first is allowed for pipelines), and the connection closed or
    answered with a 4xx before the deadline; never a 5xx."""
    data, closed, elapsed = exchange(port, steps, deadline)
    codes = statuses(data)
    text = describe(codes, closed, elapsed)
    if any(code >= 500 for code in codes):
        return Outcome(False, "FAIL 5xx: " + text, elapsed)
    rest = codes[1:] if allow_success_first and codes and codes[0] < 300 else codes
    if any(code < 400 for code in rest):
        return Outcome(False, "FAIL not refused: " + text, elapsed)
    if not closed and not rest:
        return Outcome(False, "FAIL hang: " + text, elapsed)
    return Outcome(True, text, elapsed)


def request(method: str, path: str, headers: list[str], body: bytes = b"", version: str = "1.1") -> bytes:
    head = f"{method} {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    return head.encode() + body


BODY_ROUTES = [
    ("/trqp/authorization", False),
    ("/trqp/recognition", False),
    ("/status/lookup", False),
    ("/admin/lists", True),
    ("/admin/entries", True),
    ("/admin/tokens", True),
    ("/admin/registry/statements", True),
]


def probes(server: ProbeServer):
    """(name, callable returning an Outcome) for every probe variant."""
    port = server.port
    auth = [f"Authorization: Bearer {server.token}"]
    header_deadline = HEADER_TIMEOUT + SLACK
    body_deadline = BODY_TIMEOUT + SLACK

    def slowloris():
        trickle = [(0.5, b"X-Slow: y\r\n")] * 30
        return refused_or_closed(port, [(0, b"GET /health HTTP/1.1\r\nHost: x\r\n")] + trickle, header_deadline)

    def idle_new():
        return refused_or_closed(port, [], header_deadline)

    def idle_kept_alive():
        data, closed, elapsed = exchange(port, [(0, request("GET", "/health", []))], IDLE_TIMEOUT + SLACK)
        codes = statuses(data)
        ok = codes == [200] and closed
        return Outcome(ok, ("" if ok else "FAIL: ") + describe(codes, closed, elapsed), elapsed)

    def huge_declared(path, needs_token):
        headers = (auth if needs_token else []) + ["Content-Type: application/json", "Content-Length: 1000000000000000"]
        return lambda: refused_or_closed(port, [(0, request("POST", path, headers, b'{"a":'))], header_deadline)

    def expect_continue(path, needs_token):
        headers = (auth if needs_token else []) + ["Content-Type: application/json", "Content-Length: 100", "Expect: 100-continue"]
        return lambda: refused_or_closed(port, [(0, request("POST", path, headers))], body_deadline)

    def body_trickle():
        headers = ["Content-Type: application/json", "Content-Length: 1000"]
        steps = [(0, request("POST", "/trqp/authorization", headers, b"{"))] + [(0.5, b" ")] * 30
        return refused_or_closed(port, steps, body_deadline)

    def oversize_body(path, needs_token):
        body = b'{"entity_id":"' + b"x" * (70 << 10) + b'"}'
        headers = (auth if needs_token else []) + ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return lambda: refused_or_closed(port, [(0, request("POST", path, headers, body))], header_deadline)

    chunked_variants = {
        "Transfer-Encoding: xchunked": (["Transfer-Encoding: xchunked"], b"5\r\nhello\r\n0\r\n\r\n"),
        "chunk size zz": (["Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"),
        "chunk size -5": (["Transfer-Encoding: chunked"], b"-5\r\nhello\r\n0\r\n\r\n"),
        "chunk size FFFF...": (["Transfer-Encoding: chunked"], b"FFFFFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"),
        "chunk without CRLF": (["Transfer-Encoding: chunked"], b"5\r\nhelloXX0\r\n\r\n"),
        "chunked and Content-Length": (["Transfer-Encoding: chunked", "Content-Length: 5"], b"5\r\nhello\r\n0\r\n\r\n"),
    }

    def malformed_chunked(path, needs_token, variant):
        extra, body = chunked_variants[variant]
        headers = (auth if needs_token else []) + ["Content-Type: application/json"] + extra
        return lambda: refused_or_closed(port, [(0, request("POST", path, headers, body))], header_deadline)

    def http10_close():
        data, closed, elapsed = exchange(port, [(0, request("GET", "/health", [], version="1.0"))], 2.0)
        codes = statuses(data)
        ok = codes == [200] and closed
        return Outcome(ok, ("" if ok else "FAIL: ") + describe(codes, closed, elapsed), elapsed)

    def oversize_headers():
        headers = ["X-Big: " + "a" * (100 << 10)]
        return refused_or_closed(port, [(0, request("GET", "/health", headers))], header_deadline)

    garbage = {
        "NUL bytes": b"\x00\x01\x02\x03\r\n\r\n",
        "bad request line": b"GARBAGE / HTTP/9.9\r\n\r\n",
        "negative Content-Length": b"POST /status/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "space in header name": b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
    }

    def pipelined_garbage(variant):
        steps = [(0, request("GET", "/health", []) + garbage[variant])]
        return lambda: refused_or_closed(port, steps, header_deadline, allow_success_first=True)

    yield "slowloris (header trickled 1 line / 0.5 s)", slowloris
    yield "idle socket, nothing sent", idle_new
    yield "idle keep-alive after a request", idle_kept_alive
    yield "body trickled 1 byte / 0.5 s", body_trickle
    yield "HTTP/1.0 without keep-alive", http10_close
    yield "oversize header block (100 KiB)", oversize_headers
    for path, needs_token in BODY_ROUTES:
        yield f"Content-Length 10^15 to {path}", huge_declared(path, needs_token)
        yield f"Expect: 100-continue, no body, to {path}", expect_continue(path, needs_token)
        yield f"body over the limit (70 KiB) to {path}" if path.startswith("/trqp") else None, oversize_body(path, needs_token)
        for variant in chunked_variants:
            yield f"{variant} to {path}", malformed_chunked(path, needs_token, variant)
    for variant in garbage:
        yield f"pipelined garbage: {variant}", pipelined_garbage(variant)


def connection_cap(server: ProbeServer) -> Outcome:
    """More idle connections than the cap: the server must log the cap and answer /health once the header timeout has
    closed the idle ones."""
    start = time.monotonic()
    sockets = []
    try:
        for _ in range(MAX_CONNECTIONS + 16):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        status = health(server, timeout=HEADER_TIMEOUT * 2 + SLACK)
    finally:
        for sock in sockets:
            sock.close()
    elapsed = time.monotonic() - start
    logged = "connection limit reached" in server.log_text()
    ok = status == 200 and logged
    text = f"/health {status} after {elapsed:.1f} s, cap {'logged' if logged else 'NOT logged'}"
    return Outcome(ok, ("" if ok else "FAIL: ") + text, elapsed)


def health(server: ProbeServer, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(server.base_url + "/health", timeout=timeout) as response:
            return response.status
    except Exception as error:  # noqa: BLE001 - any failure is reported as the status
        return getattr(error, "code", 0) or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/debug/standing")
    parser.add_argument("--tries", type=int, default=3)
    arguments = parser.parse_args()

    with ProbeServer(arguments.binary, SETTINGS) as server:
        rows: dict[str, list[Outcome]] = {}
        order: list[str] = []
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            for name, probe in probes(server):
                if name is None:
                    continue
                order.append(name)
                for _ in range(arguments.tries):
                    jobs.append((name, pool.submit(probe)))
            for name, job in jobs:
                try:
                    outcome = job.result()
                except Exception as error:  # noqa: BLE001 - a probe that breaks is a failed try
                    outcome = Outcome(False, f"FAIL probe error: {error}", 0)
                rows.setdefault(name, []).append(outcome)
        order.append("connections over the cap")
        rows["connections over the cap"] = [connection_cap(server)]
        order.append("/health afterwards")
        status = health(server)
        rows["/health afterwards"] = [Outcome(status == 200, f"{status}", 0)]
        errors = server.error_lines()
        order.append("server log error lines")
        rows["server log error lines"] = [Outcome(not errors, f"{len(errors)}" + (f": {errors[0][:160]}" if errors else ""), 0)]
        alive = server.alive()

    failures_total = 0
    print(f"| probe | tries | failures | worst outcome |")
    print(f"| --- | --- | --- | --- |")
    for name in order:
        outcomes = rows[name]
        failures = [o for o in outcomes if not o.ok]
        failures_total += len(failures)
        worst = failures[0] if failures else max(outcomes, key=lambda o: o.elapsed)
        print(f"| {name} | {len(outcomes)} | {len(failures)} | {worst.text} |")
    if not alive:
        print("FAIL: the server process exited during the probes")
        failures_total += 1
    print(f"hostile_http: {failures_total} failure(s)")
    return 1 if failures_total else 0


if __name__ == "__main__":
    sys.exit(main())
