#!/usr/bin/env python3
"""HTTP benchmarks of a running Standing server against nginx serving the same bytes.

Started by run-http.sh (which installs the tools and builds the release binary). Everything runs on 127.0.0.1;
every server is started here, remembered by PID, and stopped by PID when a phase ends (also on errors and on
SIGTERM/SIGINT). Every load run is bounded in time (wrk -d) and every loop in count and time.

Writes a JSON document (all raw figures) that http_report.py turns into http.md and the PNG charts.
Standard library only, so any python3 runs it.
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

WRK_THREADS = 2
WRK_CONNECTIONS = 64
PINNED_WRK_THREADS = 1
PINNED_WRK_CONNECTIONS = 64
READ_TARGET_RATIO = 0.95

# Inclusive shares of the server's CPU samples reported for a profile: (label, text in the demangled symbol).
PROFILE_PROBES = [
    ("StatusFastPathHandler.fastResponse (path checks + negotiation + headers)", "StatusFastPathHandler.fastResponse(to:)"),
    ("ContentNegotiation.choose (Accept parsing)", "ContentNegotiation.choose(accept:offers:)"),
    ("PreparedStatusReads.response (router: choose the prepared answer)", "PreparedStatusReads.response(format:accept:)"),
    ("HTTPRequest.init (NIOHTTPTypes request conversion)", "HTTPRequest.init(_:secure:splitCookie:)"),
    ("HTTP1ToHTTPServerCodec.write + HTTPResponseEncoder (response head encoding)", "HTTP1ToHTTPServerCodec.write(context:data:promise:)"),
    ("writev/write system calls (incl. loopback TCP delivery)", "__GI___writev"),
    ("write system call (incl. loopback TCP delivery)", "__GI___libc_write"),
    ("work on Swift concurrency tasks (router path: handler, async hop)", "swift_job_run"),
    ("JSONEncoder (response body)", "JSONEncoder.encode<A>(_:)"),
    ("Request.decodeStrict (request body)", "Request.decodeStrict<A>(_:context:)"),
    ("SQLiteStore.applyChanges (transaction, audit rows)", "SQLiteStore.applyChanges("),
    ("publication: SignedPublicationBuilder.build (encode + sign)", "SignedPublicationBuilder.build("),
    ("zlib deflate", "deflate"),
    ("swift_retain/release (self)", "swift_retain"),
]

ACCEPT_IETF_JWT = "application/statuslist+jwt"
ACCEPT_W3C = "application/vc"
ACCEPT_IETF_CWT = "application/statuslist+cwt"
ACCEPT_W3C_JWT = "application/vc+jwt"
# Every representation Standing publishes: (scenario kind, Accept, nginx file suffix, title).
FORMATS = (("ietf-jwt", ACCEPT_IETF_JWT, "jwt", "IETF JWT"), ("ietf-cwt", ACCEPT_IETF_CWT, "cwt", "IETF CWT"),
           ("w3c-vc", ACCEPT_W3C, "vc.json", "W3C credential"), ("w3c-vc-jwt", ACCEPT_W3C_JWT, "vcjwt", "W3C credential as JWT"))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Processes: every server this script starts is registered here and stopped by its PID.

STARTED = {}


def stop_process(name, process, grace_seconds=15.0, first_signal=signal.SIGTERM):
    """Stops one process this script started, by PID: first_signal, then SIGKILL after grace_seconds."""
    if process.poll() is None:
        try:
            os.kill(process.pid, first_signal)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            log(f"{name} (pid {process.pid}) did not stop in {grace_seconds}s; SIGKILL")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    STARTED.pop(process.pid, None)


def stop_all():
    for pid, (name, process) in list(STARTED.items()):
        stop_process(name, process)


def on_signal(signum, _frame):
    log(f"signal {signum}: stopping the servers this run started")
    stop_all()
    sys.exit(128 + signum)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process {process.pid} exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def rss_kib(pid):
    """VmRSS and VmHWM of a process, KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount, _unit = line.split()
                values[key.rstrip(":")] = int(amount)
    return values


def busy_seconds():
    """CPU time spent by the whole machine so far (all CPUs, not idle or iowait), seconds."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_children_seconds():
    """CPU time of this script and the children it waited for (wrk, taskset), seconds."""
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_usage.ru_utime + self_usage.ru_stime + children.ru_utime + children.ru_stime


def cpu_split(pid):
    """(user, system) CPU time of a process so far, seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def cpu_seconds(pid):
    """User + system CPU time of a process so far, seconds."""
    return sum(cpu_split(pid))


class Standing:
    """One `standing serve` process."""

    def __init__(self, binary, data_dir, port, window_ms, log_path, cpu=None):
        self.port = port
        self.data_dir = data_dir
        command = [
            binary, "serve", "--data-dir", data_dir, "--host", "127.0.0.1", "--port", str(port),
            "--base-url", f"http://127.0.0.1:{port}", "--publication-window-ms", str(window_ms), "--log-level", "warning",
        ]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        self.log_file = open(log_path, "ab")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log_file, stdin=subprocess.DEVNULL)
        STARTED[self.process.pid] = ("standing", self.process)
        self.pid = self.process.pid
        self._await_listening()
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        wait_for_port(port, self.process)
        with open(os.path.join(data_dir, "operator-token")) as token_file:
            self.token = token_file.read().strip()
        label = f" pinned to CPU {cpu}" if cpu is not None else ""
        log(f"standing pid {self.pid} on port {port}, window {window_ms} ms{label}")

    def _await_listening(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        buffered = b""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"standing exited with {self.process.returncode}; see its log")
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                buffered += chunk
                if b"standing listening on" in buffered:
                    return
        raise RuntimeError("standing did not report listening within 60 s")

    def _drain_stdout(self):
        try:
            while os.read(self.process.stdout.fileno(), 4096):
                pass
        except OSError:
            pass

    def stop(self):
        stop_process("standing", self.process, grace_seconds=20.0)
        self.log_file.close()
        log(f"standing pid {self.pid} stopped")


NGINX_CONF = """# nginx for the Standing HTTP benchmark (generated by Benchmarks/http/httpbench.py)
worker_processes {workers};
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    # Standing keeps a connection open for any number of requests; nginx 1.22 closes it after 1000 by default.
    keepalive_requests 1000000;
    # Standing serves from memory; nginx keeps the open files and their metadata.
    open_file_cache max=64 inactive=600s;
    open_file_cache_valid 600s;
    etag on;
    server_tokens off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        # The same response headers Standing sends with a list.
        location /status/ {{
            types {{
                application/statuslist+jwt jwt;
                application/statuslist+cwt cwt;
                application/vc json;
                application/vc+jwt vcjwt;
            }}
            add_header Cache-Control "public, max-age=300";
            add_header Access-Control-Allow-Origin "*";
            add_header Vary "Accept";
        }}
        location /lookup/ {{
            types {{
                application/json json;
            }}
            add_header Cache-Control "no-cache";
        }}
    }}
}}
"""


class Nginx:
    """One nginx master (started with daemon off, so the PID we hold is the master's) and its workers."""

    def __init__(self, root, port, workers, cpu=None):
        self.port = port
        self.root = root
        os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
        self.conf_path = os.path.join(root, f"nginx-{workers}w.conf")
        self.conf = NGINX_CONF.format(workers=workers, root=root, port=port)
        with open(self.conf_path, "w") as conf:
            conf.write(self.conf)
        command = ["nginx", "-p", root, "-c", self.conf_path]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        STARTED[self.process.pid] = ("nginx", self.process)
        self.pid = self.process.pid
        wait_for_port(port, self.process)
        label = f" pinned to CPU {cpu}" if cpu is not None else ""
        log(f"nginx pid {self.pid} on port {port}, {workers} worker(s){label}")

    def stop(self):
        # SIGTERM is nginx's fast shutdown: the master stops its workers and exits.
        stop_process("nginx", self.process, grace_seconds=10.0)
        log(f"nginx pid {self.pid} stopped")


# ---------------------------------------------------------------------------------------------------------------
# HTTP client (keep-alive) for setup, latency and batch loops.


class Client:
    def __init__(self, port, token=None, timeout=300):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=payload, headers=all_headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, body=None, expect=(200, 201)):
        status, _headers, data = self.request(method, path, body)
        if status not in expect:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:500]!r}")
        return json.loads(data) if data else None


def create_list(admin, list_id, capacity, purpose="revocation", status_size=None):
    body = {"id": list_id, "purpose": purpose, "capacity": capacity}
    if status_size:
        body["statusSize"] = status_size
    return admin.json("POST", "/admin/lists", body)


def allocate(admin, list_id, count):
    indices = []
    while count > 0:
        step = min(count, 10_000)
        answer = admin.json("POST", f"/admin/lists/{list_id}/entries", {"count": step})
        indices += [entry["index"] for entry in answer["entries"]]
        count -= step
    return indices


def set_batch(admin, list_id, indices, value):
    """One atomic batch; returns the number of changes the server applied."""
    answer = admin.json("POST", f"/admin/lists/{list_id}/status", {"changes": [{"index": i, "value": value} for i in indices]})
    return answer["applied"]


def wait_visible(reader, list_id, index, value, timeout=30.0, poll_seconds=0.001):
    """Polls the direct lookup until entry `index` shows `value`; returns the lookup answer."""
    deadline = time.monotonic() + timeout
    while True:
        status, _headers, data = reader.request("GET", f"/status/{list_id}/{index}")
        if status == 200:
            answer = json.loads(data)
            if answer["status"] == value:
                return answer
        if time.monotonic() > deadline:
            raise RuntimeError(f"entry {index} of {list_id} not {value} after {timeout}s (last: HTTP {status} {data[:200]!r})")
        time.sleep(poll_seconds)


# ---------------------------------------------------------------------------------------------------------------
# wrk


def parse_duration_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url, headers, duration, threads, connections, cpu=None, server_pids=()):
    """One wrk run. With server_pids, also the CPU the servers used and the CPU that nobody in this benchmark used
    (other processes on the machine: 'foreign' load that makes a round noisy)."""
    machine_before, own_before = busy_seconds(), own_children_seconds()
    splits_before = [cpu_split(pid) for pid in server_pids]
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    output = completed.stdout
    machine_used, own_used = busy_seconds() - machine_before, own_children_seconds() - own_before
    splits_after = [cpu_split(pid) for pid in server_pids]
    user_used = sum(after[0] - before[0] for before, after in zip(splits_before, splits_after))
    system_used = sum(after[1] - before[1] for before, after in zip(splits_before, splits_after))
    servers_used = user_used + system_used
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if completed.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {output}\n{completed.stderr}")
    result = {"requests_per_s": float(match.group(1)), "machine_cpu_s": machine_used, "generator_cpu_s": own_used}
    if server_pids:
        result["server_cpu_s"] = servers_used
        result["foreign_cpu_s"] = max(0.0, machine_used - own_used - servers_used)
    for percentile, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M):
        result[f"p{percentile}_ms"] = parse_duration_ms(value, unit)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read", output)
    if total:
        result["requests"] = int(total.group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output)
    if transfer:
        scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}.get(transfer.group(2), 1)
        result["bytes_per_s"] = float(transfer.group(1)) * scale
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(non_ok.group(1)) if non_ok else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    if server_pids and result.get("requests"):
        result["server_cpu_us_per_request"] = servers_used / result["requests"] * 1e6
        result["server_user_us_per_request"] = user_used / result["requests"] * 1e6
        result["server_system_us_per_request"] = system_used / result["requests"] * 1e6
    return result


def server_pids(server):
    """The PIDs whose CPU counts as the server's: Standing's process, or nginx's master and workers."""
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    return [server.pid] + [int(pid) for pid in children]


def check_response(port, path, headers, expect_status, expect_body=None):
    """One request before a load run: the server answers what the run assumes (status, and the same bytes)."""
    client = Client(port)
    parsed = dict(h.split(": ", 1) for h in headers)
    status, response_headers, body = client.request("GET", path, headers=parsed)
    if status != expect_status:
        raise RuntimeError(f"GET {path} on port {port}: HTTP {status}, expected {expect_status}")
    if expect_body is not None and body != expect_body:
        raise RuntimeError(f"GET {path} on port {port}: body differs from the fixture ({len(body)} vs {len(expect_body)} bytes)")
    return response_headers, body


# ---------------------------------------------------------------------------------------------------------------
# Phases


class Bench:
    def __init__(self, arguments):
        self.arguments = arguments
        self.binary = arguments.binary
        self.work = tempfile.mkdtemp(prefix="standing-http-")
        os.chmod(self.work, 0o755)  # nginx workers run as an unprivileged user and read www/ below
        self.www = os.path.join(self.work, "www")
        os.makedirs(os.path.join(self.www, "status"))
        os.makedirs(os.path.join(self.www, "lookup"))
        self.data_dir = os.path.join(self.work, "data-main")
        self.standing_port = free_port()
        self.nginx_port = free_port()
        self.fixtures = {}
        self.scenarios = []
        self.results = {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": {
                "cpus": os.cpu_count(),
                "kernel": platform.release(),
                "python": platform.python_version(),
                "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
                "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines() or [""])[0],
            },
            "config": {
                "wrk": f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{arguments.duration}s --latency",
                "wrk_pinned": f"taskset -c 1 wrk -t{PINNED_WRK_THREADS} -c{PINNED_WRK_CONNECTIONS} -d{arguments.duration}s --latency",
                "rounds": arguments.rounds,
                "duration_s": arguments.duration,
                "latency_samples": arguments.latency_samples,
            },
        }

    def elapsed(self):
        return time.monotonic() - self.started

    # -- fixtures ------------------------------------------------------------------------------------------------

    def build_fixtures(self, standing):
        admin = Client(standing.port, standing.token)
        reader = Client(standing.port)
        for list_id, capacity in (("bench-131k", 131_072), ("bench-1m", 1_048_576), ("bench-10m", 10_000_000)):
            create_list(admin, list_id, capacity)
            indices = allocate(admin, list_id, capacity // 100)  # exactly 1 % (rounded down) at random positions
            set_batch(admin, list_id, indices, 1)
            wait_visible(reader, list_id, indices[-1], 1)
            fixture = {"capacity": capacity, "set": len(indices), "lookup_index": indices[0]}
            for name, accept, suffix, _title in FORMATS:
                status, headers, body = reader.request("GET", f"/status/{list_id}", headers={"Accept": accept})
                assert status == 200, (list_id, accept, status)
                file_name = f"{list_id}.{suffix}"
                with open(os.path.join(self.www, "status", file_name), "wb") as out:
                    out.write(body)
                fixture[name] = {"bytes": len(body), "etag": headers["etag"], "file": file_name, "content_type": headers["content-type"]}
                fixture[name]["body"] = body
            self.fixtures[list_id] = fixture
            log(f"fixture {list_id}: {len(indices)} of {capacity} set; "
                + ", ".join(f"{title} {fixture[name]['bytes']} B" for name, _accept, _suffix, title in FORMATS))
        lookup_index = self.fixtures["bench-131k"]["lookup_index"]
        status, _headers, body = reader.request("GET", f"/status/bench-131k/{lookup_index}")
        assert status == 200
        with open(os.path.join(self.www, "lookup", "bench-131k.json"), "wb") as out:
            out.write(body)
        self.fixtures["lookup"] = {"bytes": len(body), "body": body, "index": lookup_index}
        log(f"fixture lookup: {len(body)} B JSON")

    def define_scenarios(self, nginx_etag):
        """(name, description, standing path, standing headers, nginx path, nginx headers, expected status, body)."""
        scenarios = []
        for list_id, label in (("bench-131k", "131,072"), ("bench-1m", "1,048,576"), ("bench-10m", "10,000,000")):
            short = list_id.split("-")[1]
            for kind, accept, _suffix, title in FORMATS:
                fixture = self.fixtures[list_id][kind]
                scenarios.append({
                    "name": f"{kind}-{short}",
                    "description": f"GET /status/{{id}} {title}, {label} entries, {fixture['bytes']:,} B",
                    "standing": (f"/status/{list_id}", [f"Accept: {accept}"]),
                    "nginx": (f"/status/{fixture['file']}", [f"Accept: {accept}"]),
                    "status": 200,
                    "body": fixture["body"],
                })
        jwt = self.fixtures["bench-1m"]["ietf-jwt"]
        scenarios.append({
            "name": "304-ietf-jwt-1m",
            "description": "GET /status/{id} If-None-Match (304), IETF JWT 1,048,576 entries",
            "standing": ("/status/bench-1m", [f"Accept: {ACCEPT_IETF_JWT}", f"If-None-Match: {jwt['etag']}"]),
            "nginx": (f"/status/{jwt['file']}", [f"Accept: {ACCEPT_IETF_JWT}", f"If-None-Match: {nginx_etag}"]),
            "status": 304,
            "body": b"",
        })
        lookup = self.fixtures["lookup"]
        scenarios.append({
            "name": "lookup",
            "description": f"GET /status/{{id}}/{{index}} direct lookup ({lookup['bytes']} B JSON; nginx: static file)",
            "standing": (f"/status/bench-131k/{lookup['index']}", []),
            "nginx": ("/lookup/bench-131k.json", []),
            "status": 200,
            "body": lookup["body"],
        })
        self.scenarios = scenarios

    # -- throughput ----------------------------------------------------------------------------------------------

    def throughput(self, standing, nginx, scenario_names, pinned):
        threads = PINNED_WRK_THREADS if pinned else WRK_THREADS
        connections = PINNED_WRK_CONNECTIONS if pinned else WRK_CONNECTIONS
        wrk_cpu = 1 if pinned else None
        results = []
        servers = (("standing", standing), ("nginx", nginx))
        # Warm-up: both servers, a short run each, not recorded.
        for server, process in servers:
            path, headers = self.scenarios[0][server]
            run_wrk(f"http://127.0.0.1:{process.port}{path}", headers, 2, threads, connections, wrk_cpu)
        for scenario in (s for s in self.scenarios if s["name"] in scenario_names):
            record = {"name": scenario["name"], "description": scenario["description"], "standing": [], "nginx": []}
            for server, process in servers:
                path, headers = scenario[server]
                check_response(process.port, path, headers, scenario["status"], scenario["body"] if scenario["status"] == 200 else None)
            for round_number in range(self.arguments.rounds):
                for server, process in servers:
                    path, headers = scenario[server]
                    result = run_wrk(f"http://127.0.0.1:{process.port}{path}", headers, self.arguments.duration, threads, connections,
                                     wrk_cpu, server_pids(process))
                    if result["non_2xx_3xx"] or result["socket_errors"]:
                        log(f"  WARNING {server}: {result['non_2xx_3xx']} non-2xx/3xx, {result['socket_errors']} socket errors")
                    record[server].append(result)
                standing_round, nginx_round = record["standing"][-1], record["nginx"][-1]
                log(f"  {'pinned ' if pinned else ''}{scenario['name']} round {round_number + 1}: "
                    f"standing {standing_round['requests_per_s']:,.0f} req/s ({standing_round.get('server_cpu_us_per_request', 0):.1f} us CPU/req), "
                    f"nginx {nginx_round['requests_per_s']:,.0f} req/s ({nginx_round.get('server_cpu_us_per_request', 0):.1f} us CPU/req); "
                    f"foreign CPU {standing_round.get('foreign_cpu_s', 0):.1f} s / {nginx_round.get('foreign_cpu_s', 0):.1f} s")
            for server in ("standing", "nginx"):
                rounds = record[server]
                record[f"{server}_median"] = statistics.median(r["requests_per_s"] for r in rounds)
                record[f"{server}_p99_median_ms"] = statistics.median(r.get("p99_ms", 0) for r in rounds)
                for kind in ("cpu", "user", "system"):
                    record[f"{server}_{kind}_us_per_request_median"] = statistics.median(
                        r.get(f"server_{kind}_us_per_request", 0) for r in rounds)
                record[f"{server}_foreign_cpu_s_max"] = max(r.get("foreign_cpu_s", 0) for r in rounds)
            ratios = [s["requests_per_s"] / n["requests_per_s"] for s, n in zip(record["standing"], record["nginx"])]
            record["ratios"] = ratios
            record["ratio"] = statistics.median(ratios)
            record["ratio_of_medians"] = record["standing_median"] / record["nginx_median"]
            record["cpu_per_request_ratio"] = (record["standing_cpu_us_per_request_median"] /
                                               max(1e-9, record["nginx_cpu_us_per_request_median"]))
            record["target"] = READ_TARGET_RATIO
            record["met"] = record["ratio"] >= READ_TARGET_RATIO
            results.append(record)
        return results

    def perf_profile(self, pid, seconds, action, name):
        """Runs `action` while `perf record -g -p PID` samples the server; returns the report (self and inclusive
        shares of the server's on-CPU samples, symbols demangled) and the inclusive share of the symbols in
        PROFILE_PROBES."""
        data_file = os.path.join(self.work, f"perf-{name}.data")
        perf = subprocess.Popen(
            ["perf", "record", "-g", "-F", "999", "-p", str(pid), "-o", data_file, "--", "sleep", str(seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        STARTED[perf.pid] = ("perf", perf)
        time.sleep(0.3)
        outcome = action()
        try:
            perf.wait(timeout=seconds + 30)
        finally:
            stop_process("perf", perf, grace_seconds=5, first_signal=signal.SIGINT)
        demangle = shutil.which("swift-demangle") or "/opt/swift/usr/bin/swift-demangle"

        def report(*options):
            text = subprocess.run(["perf", "report", "-i", data_file, "--stdio", "-g", "none"] + list(options),
                                  capture_output=True, text=True, timeout=300).stdout
            if os.path.exists(demangle):
                text = subprocess.run([demangle, "--simplified"], input=text, capture_output=True, text=True).stdout
            # perf pads its columns and ends lines with empty '-' columns; keep the text readable.
            return [re.sub(r"\s{3,}", "  ", re.sub(r"[\s-]+$", "", line)) for line in text.splitlines()
                    if line.strip() and not line.startswith("#")]

        self_lines = report("--no-children", "--percent-limit", "0.7", "--sort", "dso,symbol")
        inclusive = report("--children", "--percent-limit", "0.3", "--sort", "symbol")
        by_dso = report("--no-children", "--sort", "dso")
        probes = {}
        for label, pattern in PROFILE_PROBES:
            shares = [float(line.split("%")[0]) for line in inclusive if pattern in line]
            if shares:
                probes[label] = max(shares)
        for line in by_dso:
            if "[kernel.kallsyms]" in line:
                probes["kernel (all system calls, TCP/IP, scheduling)"] = float(line.split("%")[0])
        return {"outcome": outcome, "probes": probes, "self": self_lines[:45], "inclusive": inclusive[:120]}

    def profile_reads(self, standing, nginx, scenario_name):
        """perf record -g on the server while wrk runs one read scenario; CPU per request for both servers."""
        scenario = next(s for s in self.scenarios if s["name"] == scenario_name)
        path, headers = scenario["standing"]
        seconds = 6
        profile = self.perf_profile(standing.pid, seconds, lambda: run_wrk(
            f"http://127.0.0.1:{standing.port}{path}", headers, seconds, WRK_THREADS, WRK_CONNECTIONS, None, server_pids(standing)),
            scenario_name)
        nginx_path, nginx_headers = scenario["nginx"]
        nginx_run = run_wrk(f"http://127.0.0.1:{nginx.port}{nginx_path}", nginx_headers, seconds, WRK_THREADS, WRK_CONNECTIONS, None,
                            server_pids(nginx))
        profile.update(scenario=scenario_name, seconds=seconds, standing=profile.pop("outcome"), nginx=nginx_run)
        log(f"  profile {scenario_name}: standing {profile['standing']['server_cpu_us_per_request']:.1f} us CPU/request, nginx "
            f"{nginx_run['server_cpu_us_per_request']:.1f}; " + ", ".join(f"{k} {v:.0f} %" for k, v in profile["probes"].items()))
        return profile

    # -- mixed read/write ----------------------------------------------------------------------------------------

    def mixed(self, standing, list_id="storm-1m", batch=10_000, interval=None):
        """wrk reads of one list alone, then the same reads while a writer loop posts `batch`-change batches to a
        1,048,576-entry 2-bit IETF-typed list (SUSPENDED <-> VALID, so the loop never runs out of entries): as fast as
        the server takes them, or one batch every `interval` seconds (a paced stream); alternated."""
        admin = Client(standing.port, standing.token)
        create_list(admin, list_id, 1_048_576, purpose="message", status_size=2)
        storm_indices = allocate(admin, list_id, batch)
        scenario = next(s for s in self.scenarios if s["name"] == "ietf-jwt-131k")
        path, headers = scenario["standing"]
        url = f"http://127.0.0.1:{standing.port}{path}"
        pace = "back to back" if interval is None else f"one every {interval * 1000:.0f} ms ({batch / interval:,.0f} changes/s)"
        record = {"reads": scenario["description"], "writer": f"{batch:,}-change batches, {pace}, to another list "
                  "(1,048,576 entries, 2 bits, IETF and W3C published)", "alone": [], "storm": [], "writer_rounds": [],
                  "paced": interval is not None}
        # Pre-encoded, and the answers only counted, so the writer's own CPU (on the same 2 cores) stays small.
        bodies = {value: json.dumps({"changes": [{"index": i, "value": value} for i in storm_indices]}, separators=(",", ":")).encode()
                  for value in (0, 2)}
        value = 2
        pids = server_pids(standing)
        for round_number in range(self.arguments.rounds):
            record["alone"].append(run_wrk(url, headers, self.arguments.duration, WRK_THREADS, WRK_CONNECTIONS, None, pids))
            stop = threading.Event()
            writer_stats = {"batches": 0, "entries": 0, "errors": 0, "value": value}

            def writer():
                writer_client = Client(standing.port, standing.token)
                current = writer_stats["value"]
                next_send = time.monotonic()
                while not stop.is_set():
                    if interval is not None:
                        next_send += interval
                        stop.wait(max(0.0, next_send - time.monotonic()))
                        if stop.is_set():
                            break
                    try:
                        status, _headers, data = self._post_raw(writer_client, f"/admin/lists/{list_id}/status", bodies[current])
                        if status != 200:
                            raise RuntimeError(f"HTTP {status}")
                        writer_stats["entries"] += json.loads(data)["applied"]
                        writer_stats["batches"] += 1
                    except Exception:  # noqa: BLE001 - counted and reported; the read run goes on
                        writer_stats["errors"] += 1
                        writer_client.connection = None
                        time.sleep(0.1)
                    current = 0 if current == 2 else 2
                writer_stats["value"] = current

            publications_before = self.publications(standing)
            thread = threading.Thread(target=writer)
            started = time.monotonic()
            thread.start()
            time.sleep(0.5)  # the storm is under way before the reads start
            record["storm"].append(run_wrk(url, headers, self.arguments.duration, WRK_THREADS, WRK_CONNECTIONS, None, pids))
            stop.set()
            thread.join(timeout=120)
            writer_seconds = time.monotonic() - started
            value = writer_stats["value"]
            writer_stats["entries_per_s"] = writer_stats["entries"] / writer_seconds
            writer_stats["publications"] = self.publications(standing) - publications_before
            record["writer_rounds"].append(writer_stats)
            alone, storm = record["alone"][-1], record["storm"][-1]
            log(f"  mixed{' (paced)' if interval else ''} round {round_number + 1}: alone {alone['requests_per_s']:,.0f} req/s, during writes "
                f"{storm['requests_per_s']:,.0f} req/s; writer {writer_stats['entries_per_s']:,.0f} entries/s, "
                f"{writer_stats['publications']} publications; server CPU {alone['server_cpu_s']:.1f} s -> {storm['server_cpu_s']:.1f} s, "
                f"generator CPU {alone['generator_cpu_s']:.1f} s -> {storm['generator_cpu_s']:.1f} s")
        record["alone_median"] = statistics.median(r["requests_per_s"] for r in record["alone"])
        record["storm_median"] = statistics.median(r["requests_per_s"] for r in record["storm"])
        ratios = [s["requests_per_s"] / a["requests_per_s"] for a, s in zip(record["alone"], record["storm"])]
        record["ratios"] = ratios
        record["ratio"] = statistics.median(ratios)
        record["slowdown"] = 1 - record["ratio"]
        record["alone_p99_median_ms"] = statistics.median(r.get("p99_ms", 0) for r in record["alone"])
        record["storm_p99_median_ms"] = statistics.median(r.get("p99_ms", 0) for r in record["storm"])
        record["target_slowdown"] = 0.10
        record["met"] = record["slowdown"] <= 0.10
        return record

    def publications(self, standing):
        status, _headers, body = Client(standing.port).request("GET", "/metrics")
        match = re.search(rb"^standing_publications_total(?:\{[^}]*\})? (\d+)", body, re.M)
        return int(match.group(1)) if status == 200 and match else 0

    # -- revoke-to-visible latency -------------------------------------------------------------------------------

    def revoke_latency(self, standing, list_id, indices, label, window_ms, entries):
        admin = Client(standing.port, standing.token)
        reader = Client(standing.port)
        visible, acknowledged = [], []
        for index in indices:
            started = time.perf_counter()
            admin.json("POST", f"/admin/lists/{list_id}/status", {"index": index, "value": 1})
            acked = time.perf_counter()
            wait_visible(reader, list_id, index, 1, timeout=10.0, poll_seconds=0.001)
            done = time.perf_counter()
            visible.append((done - started) * 1000)
            acknowledged.append((acked - started) * 1000)
        record = {"label": label, "window_ms": window_ms, "entries": entries, "n": len(visible),
                  "visible_ms": visible, "acknowledged_ms": acknowledged}
        for key, samples in (("visible", visible), ("acknowledged", acknowledged)):
            ordered = sorted(samples)
            record[f"{key}_p50_ms"] = percentile(ordered, 50)
            record[f"{key}_p90_ms"] = percentile(ordered, 90)
            record[f"{key}_p99_ms"] = percentile(ordered, 99)
            record[f"{key}_max_ms"] = ordered[-1]
        log(f"  revoke-to-visible {label}: p50 {record['visible_p50_ms']:.1f} ms, p99 {record['visible_p99_ms']:.1f} ms, "
            f"max {record['visible_max_ms']:.1f} ms (commit ack p50 {record['acknowledged_p50_ms']:.1f} ms)")
        return record

    # -- batched updates -----------------------------------------------------------------------------------------

    def batches(self, standing):
        admin = Client(standing.port, standing.token)
        reader = Client(standing.port)
        create_list(admin, "batch-1m", 1_048_576)
        plan = [(10_000, self.arguments.batch_rounds), (50_000, self.arguments.batch_rounds)]
        profile_size = 50_000 if self.arguments.profile and shutil.which("perf") else 0
        needed = sum(size * count for size, count in plan) + profile_size
        started = time.monotonic()
        indices = allocate(admin, "batch-1m", needed)
        allocation_seconds = time.monotonic() - started
        log(f"  allocated {needed:,} entries in {allocation_seconds:.1f} s ({needed / allocation_seconds:,.0f}/s, with the JSON answer)")
        results = {"list": "batch-1m (revocation, 1,048,576 entries)", "allocation_entries_per_s": needed / allocation_seconds, "sizes": []}
        cursor = 0
        for size, count in plan:
            rounds = []
            for _ in range(count):
                chunk = indices[cursor:cursor + size]
                cursor += size
                body = json.dumps({"changes": [{"index": i, "value": 1} for i in chunk]}, separators=(",", ":")).encode()
                t0 = time.perf_counter()
                status, _headers, data = self._post_raw(admin, "/admin/lists/batch-1m/status", body)
                t1 = time.perf_counter()
                if status != 200:
                    raise RuntimeError(f"batch of {size}: HTTP {status}: {data[:300]!r}")
                applied = json.loads(data)["applied"]
                wait_visible(reader, "batch-1m", chunk[-1], 1, timeout=30.0, poll_seconds=0.002)
                t2 = time.perf_counter()
                rounds.append({"entries": size, "applied": applied, "body_bytes": len(body), "response_bytes": len(data),
                               "commit_s": t1 - t0, "visible_s": t2 - t0, "entries_per_s": size / (t1 - t0),
                               "entries_per_s_to_visible": size / (t2 - t0)})
                log(f"  batch {size:,}: committed in {(t1 - t0) * 1000:.0f} ms ({size / (t1 - t0):,.0f} entries/s), "
                    f"visible after {(t2 - t0) * 1000:.0f} ms; answer {len(data) / 1e6:.1f} MB")
            results["sizes"].append({
                "size": size, "rounds": rounds,
                "entries_per_s_median": statistics.median(r["entries_per_s"] for r in rounds),
                "entries_per_s_to_visible_median": statistics.median(r["entries_per_s_to_visible"] for r in rounds),
                "target": 50_000,
                "met": statistics.median(r["entries_per_s"] for r in rounds) >= 50_000,
            })
        if profile_size:
            chunk = indices[cursor:cursor + profile_size]
            body = json.dumps({"changes": [{"index": i, "value": 1} for i in chunk]}, separators=(",", ":")).encode()
            cpu_before = cpu_seconds(standing.pid)

            def post():
                t0 = time.perf_counter()
                status, _headers, _data = self._post_raw(admin, "/admin/lists/batch-1m/status", body)
                return {"status": status, "commit_s": time.perf_counter() - t0}

            profile = self.perf_profile(standing.pid, 3, post, "batch")
            profile["server_cpu_s"] = cpu_seconds(standing.pid) - cpu_before
            profile["size"] = profile_size
            results["profile"] = profile
            log(f"  profiled batch of {profile_size:,}: " + ", ".join(f"{k} {v:.0f} %" for k, v in profile["probes"].items()))
        return results

    @staticmethod
    def _post_raw(client, path, body):
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {client.token}"}
        if client.connection is None:
            client.connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=client.timeout)
        client.connection.request("POST", path, body=body, headers=headers)
        response = client.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    # -- memory --------------------------------------------------------------------------------------------------

    def memory(self):
        data_dir = os.path.join(self.work, "data-rss")
        port = free_port()
        standing = Standing(self.binary, data_dir, port, 200, os.path.join(self.work, "standing-rss.log"))
        try:
            time.sleep(3)
            idle = rss_kib(standing.pid)
            log(f"  idle RSS {idle['VmRSS'] / 1024:.1f} MiB")
            admin = Client(port, standing.token)
            started = time.monotonic()
            cpu_before = cpu_seconds(standing.pid)
            for number in range(self.arguments.memory_lists):
                create_list(admin, f"rss-{number:03d}", 1_048_576)
            creation_seconds = time.monotonic() - started
            creation_cpu = cpu_seconds(standing.pid) - cpu_before
            lists = admin.json("GET", "/admin/lists")["lists"]
            published = sum(1 for entry in lists if entry.get("publishedVersion"))
            time.sleep(3)
            loaded = rss_kib(standing.pid)
            log(f"  {self.arguments.memory_lists} x 1M lists ({published} published) in {creation_seconds:.1f} s "
                f"({creation_cpu:.1f} s CPU): RSS {loaded['VmRSS'] / 1024:.1f} MiB, peak {loaded['VmHWM'] / 1024:.1f} MiB")
            # Then 1 % of each list set (the realistic case: every publication is then ~26 KB of IETF JWT, and the
            # previous version stays in the in-memory history).
            started = time.monotonic()
            cpu_before = cpu_seconds(standing.pid)
            reader = Client(port)
            clients = threading.local()

            def fill(list_id):
                if not hasattr(clients, "admin"):
                    clients.admin = Client(port, standing.token)
                indices = allocate(clients.admin, list_id, 1_048_576 // 100)
                set_batch(clients.admin, list_id, indices, 1)
                return list_id, indices[-1]

            # Two clients, so the server's work and this script's JSON work overlap.
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                last = dict(pool.map(fill, [f"rss-{number:03d}" for number in range(self.arguments.memory_lists)]))
            for list_id, index in last.items():
                wait_visible(reader, list_id, index, 1, timeout=120, poll_seconds=0.05)
            filling_seconds = time.monotonic() - started
            filling_cpu = cpu_seconds(standing.pid) - cpu_before
            time.sleep(3)
            filled = rss_kib(standing.pid)
            log(f"  1 % set in each ({filling_seconds:.1f} s, {filling_cpu:.1f} s CPU): RSS {filled['VmRSS'] / 1024:.1f} MiB, "
                f"peak {filled['VmHWM'] / 1024:.1f} MiB")
        finally:
            standing.stop()
        restarted = Standing(self.binary, data_dir, port, 200, os.path.join(self.work, "standing-rss.log"))
        try:
            time.sleep(3)
            after_restart = rss_kib(restarted.pid)
            log(f"  after a restart with {self.arguments.memory_lists} x 1M lists (1 % set): RSS {after_restart['VmRSS'] / 1024:.1f} MiB")
        finally:
            restarted.stop()
        return {
            "idle_rss_mib": idle["VmRSS"] / 1024,
            "lists": self.arguments.memory_lists,
            "published": published,
            "creation_s": creation_seconds,
            "creation_cpu_s": creation_cpu,
            "loaded_rss_mib": loaded["VmRSS"] / 1024,
            "loaded_peak_mib": loaded["VmHWM"] / 1024,
            "filling_s": filling_seconds,
            "filling_cpu_s": filling_cpu,
            "filled_rss_mib": filled["VmRSS"] / 1024,
            "filled_peak_mib": filled["VmHWM"] / 1024,
            "restarted_rss_mib": after_restart["VmRSS"] / 1024,
            "idle_target_mib": 60,
            "loaded_target_mib": 200,
        }

    # -- the run -------------------------------------------------------------------------------------------------

    def run(self):
        self.started = time.monotonic()
        arguments = self.arguments
        log(f"work folder {self.work}")
        standing = Standing(self.binary, self.data_dir, self.standing_port, 200, os.path.join(self.work, "standing.log"))
        nginx = None
        try:
            self.build_fixtures(standing)
            nginx = Nginx(self.work, self.nginx_port, workers=2)
            jwt_file = self.fixtures["bench-1m"]["ietf-jwt"]["file"]
            nginx_headers, _ = check_response(self.nginx_port, f"/status/{jwt_file}", [], 200,
                                              self.fixtures["bench-1m"]["ietf-jwt"]["body"])
            self.define_scenarios(nginx_headers["etag"])
            self.results["nginx_conf"] = nginx.conf
            self.results["fixtures"] = {
                key: ({k: v for k, v in value.items() if k != "body"} if key == "lookup" else
                      {k: ({kk: vv for kk, vv in v.items() if kk != "body"} if isinstance(v, dict) else v) for k, v in value.items()})
                for key, value in self.fixtures.items()
            }
            self.results["scenarios"] = [{"name": s["name"], "description": s["description"],
                                          "standing": {"path": s["standing"][0], "headers": s["standing"][1]},
                                          "nginx": {"path": s["nginx"][0], "headers": s["nginx"][1]}} for s in self.scenarios]

            log("throughput, unpinned (standing and nginx alternate)")
            chosen = [s["name"] for s in self.scenarios if not arguments.only or s["name"] in arguments.only.split(",")]
            self.results["throughput"] = self.throughput(standing, nginx, chosen, pinned=False)
            if arguments.reads_only:
                return self.results
            if arguments.profile and shutil.which("perf"):
                log("profile: perf record -g on standing while wrk reads (a missed target is explained here)")
                self.results["profiles"] = [self.profile_reads(standing, nginx, name) for name in ("ietf-jwt-131k", "lookup")]
            nginx.stop()
            nginx = None

            log("mixed: reads alone against reads during a write storm")
            self.results["mixed"] = self.mixed(standing)
            log("mixed: reads alone against reads during a paced write stream (10,000 changes/s)")
            self.results["mixed_paced"] = self.mixed(standing, list_id="paced-1m", batch=1_000, interval=0.1)

            log("batched updates")
            self.results["batches"] = self.batches(standing)

            admin = Client(standing.port, standing.token)
            reader = Client(standing.port)
            latency_lists = {}
            for list_id, capacity, extra in (("lat-131k", 131_072, 2 * arguments.latency_samples),
                                             ("lat-1m", 1_048_576, arguments.latency_samples_1m),
                                             ("lat-10m", 10_000_000, arguments.latency_samples_1m)):
                create_list(admin, list_id, capacity)
                base = allocate(admin, list_id, capacity // 100)
                set_batch(admin, list_id, base, 1)
                latency_lists[list_id] = allocate(admin, list_id, extra)
                wait_visible(reader, list_id, base[-1], 1)
            log("revoke-to-visible latency, default window (200 ms)")
            latencies = [self.revoke_latency(standing, "lat-131k", latency_lists["lat-131k"][:arguments.latency_samples],
                                             "131,072 entries, window 200 ms (default)", 200, 131_072)]
            standing.stop()
            standing = Standing(self.binary, self.data_dir, self.standing_port, 0, os.path.join(self.work, "standing.log"))
            log("revoke-to-visible latency, --publication-window-ms 0")
            latencies.append(self.revoke_latency(standing, "lat-131k", latency_lists["lat-131k"][arguments.latency_samples:],
                                                 "131,072 entries, window 0 ms", 0, 131_072))
            if arguments.latency_samples_1m:
                latencies.append(self.revoke_latency(standing, "lat-1m", latency_lists["lat-1m"],
                                                     "1,048,576 entries, window 0 ms", 0, 1_048_576))
                latencies.append(self.revoke_latency(standing, "lat-10m", latency_lists["lat-10m"],
                                                     "10,000,000 entries, window 0 ms", 0, 10_000_000))
            self.results["revoke_latency"] = latencies
            standing.stop()

            if arguments.pinned:
                log("throughput, pinned (server on CPU 0 with 1 nginx worker; wrk -t1 on CPU 1)")
                standing = Standing(self.binary, self.data_dir, self.standing_port, 200, os.path.join(self.work, "standing.log"), cpu=0)
                nginx = Nginx(self.work, self.nginx_port, workers=1, cpu=0)
                self.results["nginx_conf_pinned"] = nginx.conf
                self.results["throughput_pinned"] = self.throughput(standing, nginx, arguments.pinned.split(","), pinned=True)
                nginx.stop()
                nginx = None
                standing.stop()

            log("memory")
            self.results["memory"] = self.memory()
        finally:
            if nginx:
                nginx.stop()
            stop_all()
            self.results["elapsed_s"] = self.elapsed()
            if not arguments.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        self.results["targets"] = targets(self.results)
        return self.results


def percentile(ordered, p):
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(1, int(-(-p * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


def targets(results):
    rows = []
    for record in results.get("throughput", []):
        rows.append({"target": f"{record['name']}: req/s >= {READ_TARGET_RATIO}x nginx", "value": f"{record['ratio']:.2f}x",
                     "met": record["met"], "margin": record["ratio"] / READ_TARGET_RATIO})
    for record in results.get("throughput_pinned", []):
        rows.append({"target": f"pinned {record['name']}: req/s >= {READ_TARGET_RATIO}x nginx", "value": f"{record['ratio']:.2f}x",
                     "met": record["met"], "margin": record["ratio"] / READ_TARGET_RATIO})
    for record in results.get("revoke_latency", []):
        if record["entries"] != 131_072:
            continue
        limit = 1000 if record["window_ms"] == 200 else 50
        rows.append({"target": f"revoke-to-visible p99 <= {limit} ms ({record['label']})", "value": f"{record['visible_p99_ms']:.1f} ms",
                     "met": record["visible_p99_ms"] <= limit, "margin": limit / record["visible_p99_ms"]})
    for size in results.get("batches", {}).get("sizes", []):
        rows.append({"target": f"batches of {size['size']:,}: >= 50,000 entries/s", "value": f"{size['entries_per_s_median']:,.0f}/s",
                     "met": size["met"], "margin": size["entries_per_s_median"] / 50_000})
    for key, name in (("mixed", "reads during a write storm (back to back)"),
                      ("mixed_paced", "reads during a paced write stream (10,000 changes/s)")):
        mixed = results.get(key)
        if mixed:
            # What the writer achieved meanwhile belongs next to it: writes yield to reads (the write lane), so a
            # read flood slows them, and the reader of the figure must see by how much.
            writer_rate = statistics.median(round_["entries_per_s"] for round_ in mixed["writer_rounds"])
            change = (f"{abs(mixed['slowdown']) * 100:.0f} % {'slower' if mixed['slowdown'] >= 0 else 'faster'} "
                      f"(writer {writer_rate:,.0f} changes/s)")
            rows.append({"target": f"{name}: slowdown <= 10 %", "value": change, "met": mixed["met"], "margin": mixed["ratio"] / 0.9})
    memory = results.get("memory")
    if memory:
        rows.append({"target": "idle RSS <= 60 MB", "value": f"{memory['idle_rss_mib']:.1f} MiB",
                     "met": memory["idle_rss_mib"] <= 60, "margin": 60 / memory["idle_rss_mib"]})
        rows.append({"target": f"RSS with {memory['lists']} lists of 1M entries (empty) <= 200 MB", "value": f"{memory['loaded_rss_mib']:.1f} MiB",
                     "met": memory["loaded_rss_mib"] <= 200, "margin": 200 / memory["loaded_rss_mib"]})
        rows.append({"target": f"RSS with {memory['lists']} lists of 1M entries, 1 % set <= 200 MB",
                     "value": f"{memory['filled_rss_mib']:.1f} MiB",
                     "met": memory["filled_rss_mib"] <= 200, "margin": 200 / memory["filled_rss_mib"]})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True, help="the release standing executable")
    parser.add_argument("--output", required=True, help="JSON results file")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per scenario")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--latency-samples-1m", type=int, default=50, help="1M-entry list at window 0 (0 skips)")
    parser.add_argument("--batch-rounds", type=int, default=3)
    parser.add_argument("--memory-lists", type=int, default=100)
    parser.add_argument("--pinned", default="ietf-jwt-1m,lookup",
                        help="comma-separated scenarios for the pinned variant ('' skips)")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="skip perf record of the server (reads and one batch)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--only", default="", help="comma-separated read scenarios to run (development; default all)")
    parser.add_argument("--reads-only", action="store_true",
                        help="stop after the unpinned read throughput (development runs; not the published figures)")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    results = Bench(arguments).run()
    with open(arguments.output, "w") as out:
        json.dump(results, out, indent=1)
    log(f"done in {results['elapsed_s']:.0f} s; wrote {arguments.output}")


if __name__ == "__main__":
    main()
