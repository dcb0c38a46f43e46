#!/usr/bin/env python3
"""Two `standing serve` instances on one PostgreSQL database, end to end (issue 11).

    bash Tests/Probes/with-postgres.sh python3 Tests/Probes/two-instances.py --binary .build/debug/standing [--nginx]

Needs STANDING_TEST_DATABASE_URL (a fresh, empty database) and PGPASSWORD, as with-postgres.sh exports them.
Initialises instance A's data directory against the database, gives instance B a copy of A's keys/, operator-token
and lote-certificate.pem (ops/postgresql.md, "Several instances"), starts both on free loopback ports with one
public base URL, and checks, printing figures:

  1. allocation: 8 client threads allocate 20,000 entries across both instances: no (list, index) pair twice;
  2. propagation: a revocation acknowledged by A is in B's published list within the publication window + 1 s, and
     every format has the same bytes and ETag on both (p50/p99 over 20 revocations);
  3. failover: A (the list's publisher) is killed with SIGKILL during a stream of revocations sent to both; every
     acknowledged revocation is then served by B, and A, restarted, serves the same bytes as B;
  4. registry: the example registry (Registry/example.json) imported through A is in B's /registry/v1/snapshot, and
     B's TRQP authorization answers are A's;
  5. with --nginx: ops/nginx-two-instances.conf in front of both (installs Debian's nginx-light when missing):
     reads through it are the instances' bytes and ETag (cache MISS then HIT), If-None-Match answers 304, an expired
     list is revalidated (REVALIDATED) and, after a revocation written through it, served with the new bytes.

Python standard library only. Bounded (--timeout, default 300 s); every process it started is stopped on exit.
Exit status 0 when every check passed.
"""
import argparse
import base64
import concurrent.futures
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINDOW_MS = 200
FORMATS = {  # Accept -> what the answer is
    "application/vc": "W3C Data Integrity",
    "application/vc+jwt": "W3C VC-JOSE",
    "application/statuslist+jwt": "IETF JWT",
    "application/statuslist+cwt": "IETF CWT",
}
failures = []
processes = []


def check(good, what):
    print(("ok   " if good else "FAIL ") + what, flush=True)
    if not good:
        failures.append(what)
    return good


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """One `standing serve` process; its output goes to DIR.log."""

    def __init__(self, name, binary, data_dir, database, base_url):
        self.name, self.binary, self.data_dir, self.database, self.base_url = name, binary, data_dir, database, base_url
        self.port = None
        self.process = None

    def start(self, timeout=60):
        log = open(self.data_dir + ".log", "ab")
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--database", self.database, "--host", "127.0.0.1",
             "--port", str(self.port), "--base-url", self.base_url, "--publication-window-ms", str(WINDOW_MS),
             "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(self.process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.data_dir}.log")
            try:
                if request(self.port, "GET", "/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready within {timeout} s; see {self.data_dir}.log")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def request(port, method, path, body=None, token=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def revoked_in_w3c(body, indexes):
    """Which of `indexes` are 1 in a W3C Data Integrity status list credential (GZIP, left-most bit is index 0)."""
    credential = json.loads(body)
    encoded = credential["credentialSubject"]["encodedList"]
    bits = gzip.decompress(b64url(encoded[1:] if encoded.startswith("u") else encoded))
    return {index for index in indexes if bits[index // 8] >> (7 - index % 8) & 1}


def status_of(port, list_id, accept):
    status, headers, body = request(port, "GET", f"/status/{list_id}", headers={"Accept": accept})
    if status != 200:
        raise RuntimeError(f"GET /status/{list_id} ({accept}) on port {port}: {status}")
    return headers.get("etag"), body


def same_everywhere(ports, list_id):
    """True when every format has the same ETag and bytes on every port."""
    for accept in FORMATS:
        try:
            answers = {status_of(port, list_id, accept) for port in ports}
        except RuntimeError:  # not served there yet
            return False
        if len(answers) != 1:
            return False
    return True


def wait_until(condition, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def allocation(a, b, token, list_id):
    print("== allocation: 8 threads, 20,000 entries across A and B", flush=True)
    per_request, threads, total = 50, 8, 20000

    def client(number):
        pairs = []
        for round_number in range(total // threads // per_request):
            port = (a, b)[(number + round_number) % 2]
            if round_number % 2:
                status, _, body = request(port, "POST", "/admin/entries", {"purpose": "revocation", "count": per_request}, token)
            else:
                status, _, body = request(port, "POST", f"/admin/lists/{list_id}/entries", {"count": per_request}, token)
            if status not in (200, 201):
                raise RuntimeError(f"allocation on port {port}: {status} {body[:200]!r}")
            pairs += [(entry["list"], entry["index"]) for entry in json.loads(body)["entries"]]
        return pairs

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        pairs = [pair for result in pool.map(client, range(threads)) for pair in result]
    elapsed = time.monotonic() - started
    duplicates = len(pairs) - len(set(pairs))
    print(f"allocated {len(pairs)} entries in {elapsed:.1f} s ({len(pairs) / elapsed:.0f}/s) on "
          f"{len({pair[0] for pair in pairs})} list(s); duplicate (list, index) pairs: {duplicates}", flush=True)
    check(len(pairs) == total, f"{total} entries allocated")
    check(duplicates == 0, "no (list, index) pair handed out twice")
    return sorted(index for listed, index in pairs if listed == list_id)


def propagation(a, b, token, list_id, indexes):
    print("== propagation: 20 revocations on A, read on B", flush=True)
    delays, etag_delays = [], []
    limit = WINDOW_MS / 1000 + 1
    for index in indexes[:20]:
        status, _, body = request(a, "POST", f"/admin/lists/{list_id}/status", {"index": index, "intent": "revoke"}, token)
        if status != 200:
            raise RuntimeError(f"revoke {index} on A: {status} {body[:200]!r}")
        acknowledged = time.monotonic()
        if not wait_until(lambda: revoked_in_w3c(status_of(b, list_id, "application/vc")[1], [index]), 10, 0.01):
            check(False, f"revocation of {index} on A visible on B")
            continue
        delays.append(time.monotonic() - acknowledged)
        wait_until(lambda: same_everywhere((a, b), list_id), 10, 0.01)
        etag_delays.append(time.monotonic() - acknowledged)
    if delays:
        print(f"revoke on A -> served by B: p50 {percentile(delays, 0.5) * 1000:.0f} ms, p99 "
              f"{percentile(delays, 0.99) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms (window {WINDOW_MS} ms, "
              f"n={len(delays)}); all four formats identical on A and B: p50 "
              f"{percentile(etag_delays, 0.5) * 1000:.0f} ms, p99 {percentile(etag_delays, 0.99) * 1000:.0f} ms", flush=True)
        check(max(delays) <= limit, f"every revocation visible on B within window + 1 s ({limit:.1f} s)")
        check(max(etag_delays) <= limit, "same bytes and ETag for every format on A and B within window + 1 s")
    check(same_everywhere((a, b), list_id), "A and B serve the same bytes and ETag (4 formats)")


def failover(instance_a, instance_b, token, list_id, indexes):
    print("== failover: kill -9 A (the list's publisher) during a stream of revocations to A and B", flush=True)
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    pending = iter(indexes)
    attempts = [0]

    def writer(number):
        while not stop.is_set():
            with lock:
                index = next(pending, None)
                attempts[0] += 1
            if index is None:
                return
            port = (instance_a.port, instance_b.port)[(index + number) % 2]
            try:
                status, _, _ = request(port, "POST", f"/admin/lists/{list_id}/status",
                                       {"index": index, "intent": "revoke"}, token, timeout=5)
            except OSError:
                continue  # not acknowledged: may or may not have been applied
            if 200 <= status < 300:
                with lock:
                    acknowledged.append(index)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    before_kill = len(acknowledged)
    instance_a.kill()
    killed_at = time.monotonic()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    print(f"sent {attempts[0]} revocations, {len(acknowledged)} acknowledged ({before_kill} before the kill)", flush=True)
    wanted = set(acknowledged)
    served = set()

    def all_served():
        served.clear()
        served.update(revoked_in_w3c(status_of(instance_b.port, list_id, "application/vc")[1], wanted))
        return served == wanted

    all_served_in_time = wait_until(all_served, 20, 0.05)
    print(f"after the kill: {len(served)} of {len(wanted)} acknowledged revocations served by B, "
          f"{time.monotonic() - killed_at:.1f} s after the kill", flush=True)
    check(all_served_in_time, "every acknowledged revocation is served by the survivor (none lost)")
    started = time.monotonic()
    instance_a.start()
    same = wait_until(lambda: same_everywhere((instance_a.port, instance_b.port), list_id), 20, 0.05)
    print(f"A restarted: same bytes and ETag as B after {time.monotonic() - started:.1f} s", flush=True)
    check(same, "the restarted instance serves the same bytes and ETag as the survivor (4 formats)")


def registry(binary, a, b, token):
    print("== registry: the example registry imported through A, read on B", flush=True)
    example = os.path.join(ROOT, "Registry", "example.json")
    statements = json.load(open(example, encoding="utf-8"))["statements"]
    payloads = [json.loads(b64url(statement["jws"].split(".")[1])) for statement in statements]
    root = json.load(open(example, encoding="utf-8"))["rootAuthority"]
    issuers = [payload["sub"] for payload in payloads
               if payload.get("stmt") == "accredit" and payload.get("entity", {}).get("role") == "issuer"]

    def authorized(port, issuer):
        question = {"entity_id": issuer, "authority_id": root, "action": "issue", "resource": "MicroCredential"}
        status, _, body = request(port, "POST", "/trqp/authorization", question)
        return status == 200 and json.loads(body).get("authorized") is True

    def snapshot(port):
        status, _, body = request(port, "GET", "/registry/v1/snapshot")
        text = body.decode("utf-8", "replace")
        parts = text.strip().split(".")
        if len(parts) == 3 and not text.lstrip().startswith("{"):  # a compact JWS: its payload
            payload = b64url(parts[1])
            if json.loads(b64url(parts[0])).get("zip") == "DEF":  # snapshot format 2: raw DEFLATE payload
                payload = zlib.decompress(payload, -15)
            text = payload.decode("utf-8", "replace")
        return status, text

    before = [authorized(b, issuer) for issuer in issuers]
    imported = subprocess.run([binary, "registry", "import", example, "--server", f"http://127.0.0.1:{a}",
                               "--token", token], capture_output=True, text=True, timeout=60)
    written = time.monotonic()
    summary = (imported.stdout.strip().splitlines() or [""])[-1]
    if not check(imported.returncode == 0, f"registry import through A: {summary}"):
        print(imported.stderr)
        return
    in_snapshot = wait_until(lambda: all(issuer in snapshot(b)[1] for issuer in issuers), 10, 0.05)
    print(f"registry: {len(statements)} statements written on A, all {len(issuers)} issuers in B's snapshot after "
          f"{time.monotonic() - written:.2f} s", flush=True)
    check(in_snapshot, "every issuer written on A is in B's /registry/v1/snapshot")
    answers = {}

    def same_answers():  # the last statement (a suspension) may reach B one catch-up after the snapshot check
        answers.update({issuer: (authorized(a, issuer), authorized(b, issuer)) for issuer in issuers})
        return all(on_a == on_b for on_a, on_b in answers.values())

    wait_until(same_answers, 5, 0.1)
    granted = [issuer for issuer, (on_a, on_b) in answers.items() if on_a]
    print(f"TRQP authorization (issue MicroCredential): before the import B authorised {sum(before)} of "
          f"{len(issuers)}; after: A {len(granted)}, B {sum(on_b for _, on_b in answers.values())}", flush=True)
    check(bool(granted) and not any(before), "B's TRQP answers change with statements written on A")
    check(all(on_a == on_b for on_a, on_b in answers.values()), "A and B give the same TRQP answers")


def through_nginx(temporary, a, b, base_port, list_id, token):
    print("== nginx: ops/nginx-two-instances.conf in front of A and B", flush=True)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("installing: nginx-light", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    prefix = os.path.join(temporary, "nginx")
    os.makedirs(os.path.join(prefix, "cache"))
    os.makedirs(os.path.join(prefix, "logs"))
    template = open(os.path.join(ROOT, "ops", "nginx-two-instances.conf"), encoding="utf-8").read()
    configuration = (template.replace("127.0.0.1:8081", f"127.0.0.1:{a}").replace("127.0.0.1:8082", f"127.0.0.1:{b}")
                     .replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{base_port}")
                     .replace("/var/cache/nginx/standing", os.path.join(prefix, "cache")))
    user = "user root;\n" if os.getuid() == 0 else ""
    main = (f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n"
            f"events {{ worker_connections 256; }}\nhttp {{\n access_log {prefix}/logs/access.log;\n"
            f" client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;\n"
            f" fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;\n"
            f"{configuration}\n}}\n")
    path = os.path.join(prefix, "nginx.conf")
    open(path, "w", encoding="utf-8").write(main)
    tested = subprocess.run([nginx, "-t", "-p", prefix, "-c", path], capture_output=True, text=True)
    if not check(tested.returncode == 0, "nginx -t accepts ops/nginx-two-instances.conf"):
        print(tested.stderr)
        return
    process = subprocess.Popen([nginx, "-p", prefix, "-c", path, "-g", "daemon off;"], start_new_session=True)
    processes.append(process)
    if not wait_until(lambda: _port_open(base_port), 10, 0.05):
        check(False, "nginx listening")
        return
    good = True
    for accept in FORMATS:
        direct = status_of(a, list_id, accept)
        for attempt in range(3):  # MISS, then HIT
            status, headers, body = request(base_port, "GET", f"/status/{list_id}", headers={"Accept": accept})
            good &= check(status == 200 and (headers.get("etag"), body) == direct,
                          f"nginx {accept} read {attempt + 1} ({headers.get('x-cache-status', '?')}): instance's bytes and ETag")
        status, headers, body = request(base_port, "GET", f"/status/{list_id}",
                                        headers={"Accept": accept, "If-None-Match": direct[0]})
        check(status == 304 and not body, f"nginx {accept} with If-None-Match: 304 ({status})")
    status, _, _ = request(base_port, "GET", "/admin/lists")
    check(status == 401, f"nginx passes admin requests through (no token: {status})")

    # Revalidation: a list cached for 1 s is asked again with If-None-Match (304 from the instance: REVALIDATED), and
    # after a revocation written through nginx the next read past max-age has the new bytes.
    short = "two-instances-ttl"
    status, _, body = request(base_port, "POST", "/admin/lists",
                              {"id": short, "purpose": "revocation", "ttlSeconds": 1, "validitySeconds": 3600}, token)
    check(status in (200, 201), f"nginx passes an admin write through (create list: {status})")
    status, _, body = request(base_port, "POST", f"/admin/lists/{short}/entries", {"count": 1}, token)
    check(status in (200, 201), f"nginx passes an admin write through (allocate: {status})")
    index = json.loads(body)["entries"][0]["index"]
    wait_until(lambda: same_everywhere((a, b), short), 10)
    first = request(base_port, "GET", f"/status/{short}", headers={"Accept": "application/vc"})
    time.sleep(2.2)  # nginx counts max-age in whole seconds: 1 s can last until the second after next
    second = request(base_port, "GET", f"/status/{short}", headers={"Accept": "application/vc"})
    print(f"nginx, ttlSeconds 1: read {first[1].get('x-cache-status')}, then after 2.2 s {second[1].get('x-cache-status')}",
          flush=True)
    check(second[1].get("x-cache-status") == "REVALIDATED" and second[2] == first[2],
          "nginx revalidates an expired list with the instances (REVALIDATED, same bytes)")
    status, _, _ = request(base_port, "POST", f"/admin/lists/{short}/status", {"index": index, "intent": "revoke"}, token)
    check(status == 200, f"nginx passes a revocation through ({status})")
    wait_until(lambda: revoked_in_w3c(status_of(a, short, "application/vc")[1], [index])
               and same_everywhere((a, b), short), 10)
    time.sleep(2.2)  # nginx counts max-age in whole seconds: 1 s can last until the second after next
    third = request(base_port, "GET", f"/status/{short}", headers={"Accept": "application/vc"})
    check((third[1].get("etag"), third[2]) == status_of(b, short, "application/vc")
          and revoked_in_w3c(third[2], [index]) == {index},
          f"after max-age nginx serves the revoked list ({third[1].get('x-cache-status')}, instance's bytes and ETag)")


def _port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "standing"))
    parser.add_argument("--nginx", action="store_true", help="also test ops/nginx-two-instances.conf")
    parser.add_argument("--timeout", type=float, default=300, help="overall limit in seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    arguments = parser.parse_args()
    database = os.environ.get("STANDING_TEST_DATABASE_URL")
    if not database:
        print("two-instances.py: STANDING_TEST_DATABASE_URL is not set (run it under Tests/Probes/with-postgres.sh)")
        return 2
    binary = os.path.abspath(arguments.binary)

    def overall_timeout(*_):
        raise TimeoutError(f"the probe took longer than {arguments.timeout:.0f} s")

    signal.signal(signal.SIGALRM, overall_timeout)
    signal.alarm(int(arguments.timeout))
    started = time.monotonic()
    temporary = tempfile.mkdtemp(prefix="standing-two-")
    try:
        base_port = free_port()
        base_url = f"http://127.0.0.1:{base_port}"  # one public URL: nginx's, so both sign the same list URLs
        a = Instance("A", binary, os.path.join(temporary, "a"), database, base_url)
        b = Instance("B", binary, os.path.join(temporary, "b"), database, base_url)
        initialised = subprocess.run([binary, "init", "--data-dir", a.data_dir, "--database", database,
                                      "--base-url", base_url], capture_output=True, text=True, timeout=60)
        if initialised.returncode != 0:
            raise RuntimeError(f"standing init: {initialised.stdout}{initialised.stderr}")
        os.makedirs(b.data_dir, mode=0o700)
        shutil.copytree(os.path.join(a.data_dir, "keys"), os.path.join(b.data_dir, "keys"))
        for name in ("operator-token", "lote-certificate.pem"):
            shutil.copy2(os.path.join(a.data_dir, name), os.path.join(b.data_dir, name))
        token = open(os.path.join(a.data_dir, "operator-token"), encoding="utf-8").read().strip()
        a.start()
        b.start()
        print(f"A on 127.0.0.1:{a.port}, B on 127.0.0.1:{b.port}, one database; base URL {base_url}", flush=True)
        status, _, body = request(a.port, "POST", "/admin/lists", {"id": "two-instances", "purpose": "revocation"}, token)
        if status not in (200, 201):
            raise RuntimeError(f"create list on A: {status} {body[:200]!r}")
        list_id = "two-instances"
        check(wait_until(lambda: request(b.port, "GET", f"/status/{list_id}")[0] == 200, 5),
              "a list created on A is served by B")
        indexes = allocation(a.port, b.port, token, list_id)
        propagation(a.port, b.port, token, list_id, indexes)
        failover(a, b, token, list_id, indexes[20:])
        registry(binary, a.port, b.port, token)
        if arguments.nginx:
            through_nginx(temporary, a.port, b.port, base_port, list_id, token)
    except Exception as error:  # noqa: BLE001 - every failure is reported and fails the run
        check(False, f"{type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        for process in processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except (OSError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        if arguments.keep or failures:
            print(f"logs kept in {temporary}")
        else:
            shutil.rmtree(temporary, ignore_errors=True)
    print(f"two-instances: {len(failures)} failed, {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
