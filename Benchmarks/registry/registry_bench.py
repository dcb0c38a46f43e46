#!/usr/bin/env python3
"""Trust-registry benchmark of Standing on 127.0.0.1 (driven by run-registry.sh).

Seeds a data directory with RegistrySeed (pre-signed statements applied in-process and appended to the event log),
starts the release `standing` (which replays and re-verifies the whole log), then measures:
  - TRQP authorization queries/s and latency (wrk, Lua script with a random issuer / credential-type mix);
  - the issuer search page (GET /issuers with text, EQF, country and status queries): the search's own time from its
    Server-Timing header, p50/p99, and the round trip;
  - the wallet snapshot: build + sign in-process (RegistrySeed), and GET /registry/v1/snapshot as served;
  - write latency (POST /admin/registry/statements -> 201, answered after the log append; the snapshot is signed in the background) and change-feed latency
    (from that 201 to the event being served by GET /registry/v1/changes?since=SEQ-1).
Every process is started and stopped by PID.
"""
import argparse, base64, gzip, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request, urllib.error

def log(message):
    print(message, flush=True)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def http(method, url, body=None, token=None, timeout=120, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()

class Server:
    def __init__(self, binary, data_dir, log_path, prefix=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = open(log_path, "ab")
        started = time.monotonic()
        self.process = subprocess.Popen(
            # One base URL for every start: the signed artefacts a checkpoint carries name it, and a new port would make
            # every restart re-sign them.
            [*prefix, binary, "serve", "--data-dir", data_dir, "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--base-url", "http://registry.bench.example"],
            stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = started + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"standing exited with {self.process.returncode}; see {log_path}")
            try:
                if http("GET", self.url + "/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("standing did not become ready")
        self.start_seconds = time.monotonic() - started
        with open(os.path.join(data_dir, "operator-token")) as token_file:
            self.token = token_file.read().strip()

    def kill(self):
        """kill -9: no graceful shutdown, so no checkpoint at exit (a crash)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None

def wait_until_signed(server, timeout=300):
    """Seconds until the signed artefacts reflect the head (X-Registry-Signed-Seq == X-Registry-Seq), signed in the
    background after writes or a start after kill -9."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, headers, _ = http("GET", server.url + "/registry/v1/snapshot", headers={"Accept-Encoding": "gzip"})
        headers = {key.lower(): value for key, value in headers.items()}
        if status == 200 and headers.get("x-registry-signed-seq") == headers.get("x-registry-seq"):
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError("the registry did not sign its head in time")

def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[index]

def run_wrk(url, lua, seconds, threads, connections, env, prefix=()):
    command = [*prefix, "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", lua, url]
    output = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    latency = dict((k, int(v)) for k, v in re.findall(r"(p\d+|max)=(\d+)", re.search(r"LATENCY_US (.*)", output).group(1)))
    errors = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"ERRORS (.*)", output).group(1)))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests_per_s": rate, "requests": total, "latency_us": latency, "errors": errors,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "seconds": seconds, "threads": threads, "connections": connections,
            "raw": output}

def measure_snapshot(url, seed, rounds=5):
    """GET /registry/v1/snapshot as a wallet (Accept-Encoding: gzip) and as a client without it: bytes on the wire,
    the headers of each representation, and the fetch times; the wallet's verify (ES256, inflate, decode) is the
    seeder's in-process figure, so fetch + verify is the gzip fetch plus that."""
    wire = {}
    for name, headers in [("identity", {}), ("gzip", {"Accept-Encoding": "gzip"})]:
        times = []
        for _ in range(rounds):
            started = time.monotonic()
            status, response_headers, body = http("GET", url + "/registry/v1/snapshot", headers=headers)
            times.append(time.monotonic() - started)
            assert status == 200, (name, status)
        encoding = response_headers.get("Content-Encoding")
        assert encoding == (None if name == "identity" else "gzip"), (name, encoding)
        assert response_headers.get("Vary") == "Accept-Encoding", response_headers
        etag = response_headers.get("ETag")
        status, _, _ = http("GET", url + "/registry/v1/snapshot", headers={**headers, "If-None-Match": etag})
        assert status == 304, (name, status)
        wire[name] = {"bytes": len(body), "etag": etag, "get_seconds": times, "body": body}
    identity, gzipped = wire["identity"].pop("body"), wire["gzip"].pop("body")
    assert gzip.decompress(gzipped) == identity, "the gzip representation does not inflate to the identity one"
    header = json.loads(base64.urlsafe_b64decode(identity.split(b".")[0] + b"=="))
    verify = seed.get("snapshotVerifySeconds") or []
    return {"in_process_build_seconds": seed["snapshotBuildSeconds"], "in_process_sign_seconds": seed["snapshotSignSeconds"],
            "in_process_verify_seconds": verify, "payload_bytes": seed.get("snapshotPayloadBytes"),
            "version1_bytes": seed.get("snapshotVersion1Bytes"), "header": header, "bytes": len(identity),
            # A seeder built from an older tree signs the version-1 form: its in-process figures are that form's.
            "seeder_signed_bytes": seed.get("snapshotBytes"), "seeder_format": 2 if "snapshotPayloadBytes" in seed else 1,
            "get_seconds": wire["gzip"]["get_seconds"], "wire": wire,
            "fetch_and_verify_seconds": statistics.median(wire["gzip"]["get_seconds"]) + min(verify) if verify else None}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seeder", required=True)
    parser.add_argument("--issuers", type=int, default=10000)
    parser.add_argument("--accreditations", type=int, default=50000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    # One wrk thread: on 2 shared cores a second one takes a core from the server's two event loops, and the p99 then
    # measures the scheduler's contention (about 4 ms at -t2 against about 1.2 ms at -t1, with more queries/s at -t1).
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--search-rounds", type=int, default=50)
    parser.add_argument("--results", required=True)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--work", help="work directory to reuse: seeded once (data/ and seed.json), kept, seeded again only when empty")
    parser.add_argument("--only", choices=["snapshot"], help="measure only startup and the snapshot (with --work: no seeding, no load)")
    parser.add_argument("--seeded", help="a work directory kept from an earlier run (data/ and seed.json): copied, not re-seeded")
    arguments = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.abspath(arguments.work) if arguments.work else tempfile.mkdtemp(prefix="standing-registry-bench-")
    reuse = bool(arguments.work) and os.path.exists(os.path.join(work, "seed.json"))
    if arguments.work:
        os.makedirs(work, exist_ok=True)
        arguments.keep = True
    if reuse and arguments.only != "snapshot":
        parser.error("a reused --work directory has spent its pre-signed write probes: add --only snapshot, or use a fresh directory")
    data_dir = os.path.join(work, "data")
    server_log = os.path.join(work, "server.log")
    result = {"scale": {"issuers": arguments.issuers, "accreditations": arguments.accreditations},
              "machine": {"cpus": os.cpu_count(), "note": "server and wrk share the machine (loopback)"}}
    server = None
    try:
        started = time.monotonic()
        if arguments.seeded:
            log(f"== copying the seeded data directory of {arguments.seeded}")
            shutil.copytree(os.path.join(arguments.seeded, "data"), data_dir)
            shutil.copy(os.path.join(arguments.seeded, "seed.json"), work)
            for stale in ["registry-checkpoint", "standing.lock"]:
                if os.path.exists(os.path.join(data_dir, stale)):
                    os.remove(os.path.join(data_dir, stale))
            reuse = True
        elif reuse:
            log(f"== reusing the seeded {data_dir}")
        else:
            log(f"== first start (creates keys, database, operator token) in {data_dir}")
            Server(arguments.binary, data_dir, server_log).stop()

            log(f"== seeding {arguments.issuers} issuers / {arguments.accreditations} accreditations")
            subprocess.run([arguments.seeder, data_dir, str(arguments.issuers), str(arguments.accreditations), work], check=True)
        seed = json.load(open(os.path.join(work, "seed.json")))
        result["seed"] = {k: seed.get(k) for k in ["events", "seedSeconds", "signSeconds", "applySeconds", "appendSeconds",
                                                    "snapshotBuildSeconds", "snapshotSignSeconds", "snapshotBytes", "snapshotPayloadBytes",
                                                    "snapshotVerifySeconds", "snapshotVersion1Bytes"]}
        result["seed"]["wallSeconds"] = None if reuse else time.monotonic() - started
        result["seed"]["reused"] = reuse
        # Bytes on the wire do not depend on the build; times from a debug server are not the release figures.
        result["serverBuild"] = "debug" if f"{os.sep}debug{os.sep}" in os.path.realpath(arguments.binary) else "release"
        # The in-process snapshot figures are the seeder's: a debug seeder's are not the release server's.
        result["seed"]["seederBuild"] = "debug" if f"{os.sep}debug{os.sep}" in os.path.realpath(arguments.seeder) else "release"
        log(f"   {seed['events']} events in {seed['seedSeconds']:.1f} s")

        log("== start on the seeded log without a checkpoint (replays and re-verifies every event)")
        server = Server(arguments.binary, data_dir, server_log)
        result["startup"] = {"replay_and_ready_seconds": server.start_seconds, "rss_kib": rss_kib(server.process.pid)}
        log(f"   ready after {server.start_seconds:.1f} s, RSS {result['startup']['rss_kib']} KiB")

        if arguments.only != "snapshot":
            log("== clean shutdown (writes the signed checkpoint), then start from it")
            started = time.monotonic()
            server.stop()
            stop_seconds = time.monotonic() - started
            checkpoint = os.path.join(data_dir, "registry-checkpoint")
            checkpoint_bytes = os.path.getsize(checkpoint) if os.path.exists(checkpoint) else None
            server = Server(arguments.binary, data_dir, server_log)
            time.sleep(1)
            result["restart_clean"] = {"ready_seconds": server.start_seconds, "rss_kib": rss_kib(server.process.pid),
                                       "stop_seconds": stop_seconds, "checkpoint_bytes": checkpoint_bytes}
            log(f"   stopped in {stop_seconds:.1f} s (checkpoint {checkpoint_bytes} bytes); ready after {server.start_seconds:.2f} s, "
                f"RSS {result['restart_clean']['rss_kib']} KiB")

        log("== snapshot as served")
        result["snapshot"] = measure_snapshot(server.url, seed)
        wire = result["snapshot"]["wire"]
        log(f"   identity {wire['identity']['bytes']:,} bytes, gzip {wire['gzip']['bytes']:,} bytes "
            f"(version 1 in-process: {seed.get('snapshotVersion1Bytes') or 0:,} bytes)")

        if arguments.only != "snapshot":
            # Sanity: a known authorized query and a denial, and the mix's share of authorized answers.
            first_issuer = seed["issuers"][0]
            status, headers, body = http("POST", server.url + "/trqp/authorization", {
                "entity_id": first_issuer, "authority_id": seed["rootAuthority"], "action": "issue", "resource": "BenchCredential0",
                "context": {"eqfLevel": "http://data.europa.eu/snb/eqf/5"}})
            answer = json.loads(body)
            assert status == 200 and answer["authorized"] is True, (status, body)
            import random
            rng = random.Random(7)
            authorized = 0
            for _ in range(400):
                status, _, body = http("POST", server.url + "/trqp/authorization", {
                    "entity_id": f"did:web:issuer{rng.randrange(arguments.issuers)}.bench.example", "authority_id": seed["rootAuthority"],
                    "action": "issue", "resource": f"BenchCredential{rng.randrange(20)}", "context": {"eqfLevel": "http://data.europa.eu/snb/eqf/5"}})
                authorized += json.loads(body)["authorized"] is True
            result["query_mix"] = {"authorized_share": authorized / 400, "sample": 400}

            log(f"== wrk: {arguments.rounds} x {arguments.seconds} s, {arguments.threads} threads, {arguments.connections} connections")
            env = {"ISSUERS": str(arguments.issuers), "TYPES": "20", "ROOT": seed["rootAuthority"]}

            def trqp_rounds(server, wrk_prefix=(), connections=arguments.connections, rounds_count=arguments.rounds,
                            seconds=arguments.seconds):
                run_wrk(server.url, os.path.join(here, "trqp.lua"), 3, arguments.threads, connections, env, wrk_prefix)  # warm-up
                rounds = []
                for index in range(rounds_count):
                    round_result = run_wrk(server.url, os.path.join(here, "trqp.lua"), seconds, arguments.threads,
                                           connections, env, wrk_prefix)
                    round_result.pop("raw")
                    rounds.append(round_result)
                    log(f"   round {index + 1}: {round_result['requests_per_s']:,.0f} req/s, p50 {round_result['latency_us']['p50']} us, "
                        f"p99 {round_result['latency_us']['p99']} us, non-2xx {round_result['non_2xx']}, errors {round_result['errors']}")
                median_round = sorted(rounds, key=lambda r: r["requests_per_s"])[len(rounds) // 2]
                return {"rounds": rounds, "median_requests_per_s": median_round["requests_per_s"],
                        "median_round_latency_us": median_round["latency_us"], "rss_kib_after": rss_kib(server.process.pid)}

            result["trqp"] = trqp_rounds(server)
            # Closed-loop load: the latency grows with the connections while the throughput stays at the CPU's limit
            # (Little's law), so p99 at 32 connections mostly measures the queue wrk builds. Fewer connections show the
            # latency at a given throughput (wrk has no fixed-rate mode).
            result["trqp_sweep"] = []
            for connections in (8, 16):
                log(f"== wrk: 2 x 10 s, {arguments.threads} threads, {connections} connections")
                result["trqp_sweep"].append({"connections": connections, **trqp_rounds(server, connections=connections, rounds_count=2, seconds=10)})

            log("== issuer search page (GET /issuers), its Server-Timing search time")
            # Query strings as a browser sends them (a space is `+`: urllib refuses a raw space in a URL).
            queries = ["", "q=issuer1", "q=issuer+42", "eqf=5", "country=ES", "status=suspended", "q=BenchCredential3", "q=nothing-matches"]
            search_ms, round_trip_ms = [], []
            for query in queries:  # warm-up
                http("GET", server.url + "/issuers?" + query)
            for _ in range(arguments.search_rounds):
                for query in queries:
                    started = time.monotonic()
                    status, headers, body = http("GET", server.url + "/issuers?" + query)
                    round_trip_ms.append((time.monotonic() - started) * 1000)
                    assert status == 200, (status, query)
                    timing = next((v for k, v in headers.items() if k.lower() == "server-timing"), "")
                    assert timing.startswith("search;dur="), timing
                    search_ms.append(float(timing.split("dur=")[1]))
            result["issuer_search"] = {
                "queries": queries, "requests": len(search_ms), "page_bytes_last": len(body),
                "server_ms": {"p50": statistics.median(search_ms), "p99": percentile(search_ms, 99), "max": max(search_ms)},
                "round_trip_ms": {"p50": statistics.median(round_trip_ms), "p99": percentile(round_trip_ms, 99)}}
            log(f"   search p50 {statistics.median(search_ms):.2f} ms, p99 {percentile(search_ms, 99):.2f} ms (server); "
                f"round trip p99 {percentile(round_trip_ms, 99):.2f} ms")

            log(f"== {arguments.probes} writes and their change-feed latency")
            writes, feeds = [], []
            for probe in seed["probes"][: arguments.probes]:
                started = time.monotonic()
                status, _, body = http("POST", server.url + "/admin/registry/statements", {"statement": probe["statement"]}, token=server.token)
                created = time.monotonic()
                assert status == 201, (status, body)
                seq = json.loads(body)["seq"]
                writes.append(created - started)
                while True:
                    status, headers, _ = http("GET", server.url + f"/registry/v1/changes?since={seq - 1}")
                    if status == 200 and int(headers.get("X-Registry-Seq", "0")) >= seq:
                        break
                    time.sleep(0.001)
                feeds.append(time.monotonic() - created)
            result["writes"] = {"count": len(writes), "submit_to_201_seconds": {"p50": statistics.median(writes), "max": max(writes), "all": writes}}
            result["change_feed"] = {"after_201_seconds": {"p50": statistics.median(feeds), "p99": percentile(feeds, 99), "max": max(feeds), "all": feeds}}
            log(f"   submit p50 {statistics.median(writes) * 1000:.1f} ms; change feed after 201: p50 {statistics.median(feeds) * 1000:.1f} ms, max {max(feeds) * 1000:.1f} ms")

            # After the writes are signed in the background, the steady state of a loaded server.
            wait_until_signed(server)
            time.sleep(1)
            result["rss_kib_end"] = rss_kib(server.process.pid)
            log(f"   signed; RSS {result['rss_kib_end']} KiB")
            log(f"== kill -9 after {len(writes)} writes (the checkpoint lacks them), then start: checkpoint + the tail, "
                "the checkpoint's artefacts served while the head is signed in the background")
            server.kill()
            server = Server(arguments.binary, data_dir, server_log)
            ready_rss = rss_kib(server.process.pid)
            signed_after = wait_until_signed(server)
            time.sleep(1)
            result["restart_kill9"] = {"ready_seconds": server.start_seconds, "rss_kib_at_ready": ready_rss,
                                       "head_signed_after_ready_seconds": signed_after, "rss_kib": rss_kib(server.process.pid),
                                       "tail_events": len(writes)}
            log(f"   ready after {server.start_seconds:.2f} s (RSS {ready_rss} KiB); head signed {signed_after:.1f} s later, "
                f"then RSS {result['restart_kill9']['rss_kib']} KiB")

            # The same queries with the load generator off the server's core: on 2 shared cores wrk takes about one, and
            # the server's threads then wait for it in the scheduler, which is most of the p99 above.
            if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
                log("== TRQP pinned: the server on CPU 0 (one event loop), wrk -t1 on CPU 1")
                server.stop()
                server = Server(arguments.binary, data_dir, server_log, prefix=("taskset", "-c", "0"))
                result["trqp_pinned"] = trqp_rounds(server, wrk_prefix=("taskset", "-c", "1"))
                # The latency at a given throughput, as in the unpinned sweep: fewer connections, less of wrk's queue.
                result["trqp_pinned_sweep"] = []
                for connections in (4, 8, 16):
                    log(f"== TRQP pinned: 2 x 10 s, {arguments.threads} threads, {connections} connections")
                    result["trqp_pinned_sweep"].append({"connections": connections, **trqp_rounds(
                        server, wrk_prefix=("taskset", "-c", "1"), connections=connections, rounds_count=2, seconds=10)})
    finally:
        if server:
            server.stop()
        if arguments.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    result["generated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    os.makedirs(os.path.dirname(arguments.results), exist_ok=True)
    with open(arguments.results + ".json", "w") as out:
        json.dump(result, out, indent=2)
    write_markdown(result, arguments.results + ".md")
    log(f"wrote {arguments.results}.json and .md")

def write_markdown(r, path):
    t = r.get("trqp")
    lat = t["median_round_latency_us"] if t else None
    s = r["snapshot"]
    seeder = " (debug seeder build)" if r["seed"].get("seederBuild") == "debug" else ""
    lines = [
        "# Trust registry benchmark",
        "",
        f"Scale: **{r['scale']['issuers']:,} issuers, {r['scale']['accreditations']:,} accreditations** "
        f"({r['seed']['events']:,} events incl. root and 10 bodies). Machine: {r['machine']['cpus']} CPUs; server and wrk share it (loopback)."
        + (" **Server: a debug build** (its times are not the release figures; bytes on the wire are the same)." if r.get("serverBuild") == "debug" else ""),
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        *([f"| TRQP authorization queries/s (median of {len(t['rounds'])} rounds; wrk -t{t['rounds'][0]['threads']} -c{t['rounds'][0]['connections']}) "
           f"| {t['median_requests_per_s']:,.0f} | >= 30,000 |",
           f"| TRQP latency p50 / p90 / p99 (that round) | {lat['p50'] / 1000:.2f} / {lat['p90'] / 1000:.2f} / {lat['p99'] / 1000:.2f} ms | p99 < 2 ms |",
           f"| share of authorized answers in the mix | {r['query_mix']['authorized_share']:.0%} | |"] if t else []),
        *[f"| TRQP at {point['connections']} connections (median of {len(point['rounds'])} x {point['rounds'][0]['seconds']} s): queries/s; "
          f"p50 / p99 | {point['median_requests_per_s']:,.0f}; {point['median_round_latency_us']['p50'] / 1000:.2f} / "
          f"{point['median_round_latency_us']['p99'] / 1000:.2f} ms | >= 30,000; p99 < 2 ms |" for point in r.get("trqp_sweep", [])],
        *([f"| TRQP pinned: the server on CPU 0, wrk on CPU 1 (median of {len(r['trqp_pinned']['rounds'])} rounds) "
           f"| {r['trqp_pinned']['median_requests_per_s']:,.0f} | >= 30,000 |",
           f"| TRQP pinned latency p50 / p90 / p99 (that round) | {r['trqp_pinned']['median_round_latency_us']['p50'] / 1000:.2f} / "
           f"{r['trqp_pinned']['median_round_latency_us']['p90'] / 1000:.2f} / {r['trqp_pinned']['median_round_latency_us']['p99'] / 1000:.2f} ms "
           f"| p99 < 2 ms |"] if r.get("trqp_pinned") else []),
        *[f"| TRQP pinned at {point['connections']} connections (median of {len(point['rounds'])} x {point['rounds'][0]['seconds']} s): "
          f"queries/s; p50 / p99 | {point['median_requests_per_s']:,.0f}; {point['median_round_latency_us']['p50'] / 1000:.2f} / "
          f"{point['median_round_latency_us']['p99'] / 1000:.2f} ms | >= 30,000; p99 < 2 ms |" for point in r.get("trqp_pinned_sweep", [])],
        f"| snapshot build in-process (walletSnapshot){seeder} | {min(s['in_process_build_seconds']) * 1000:.0f} ms (best of 3) | |",
        (f"| snapshot sign in-process (compact payload, DEFLATE, JWS of {s['bytes']:,} bytes){seeder} | {min(s['in_process_sign_seconds']) * 1000:.0f} ms (best of 3) | |"
         if s.get("seeder_format", 2) == 2 else
         f"| snapshot sign in-process by a version-1 seeder (JWS of {s['seeder_signed_bytes']:,} bytes){seeder} | {min(s['in_process_sign_seconds']) * 1000:.0f} ms (best of 3) | |"),
        *([f"| snapshot verify in-process (ES256, inflate, decode: the wallet's work){seeder} | {min(s['in_process_verify_seconds']) * 1000:.0f} ms (best of 3) | |"]
          if s.get("in_process_verify_seconds") else []),
        *([f"| snapshot on the wire, `Accept-Encoding: gzip`" + (f" (version 1 in-process, same run: {s['version1_bytes']:,} bytes)" if s.get("version1_bytes") else "")
           + f" | {s['wire']['gzip']['bytes']:,} bytes" + (f" ({s['wire']['gzip']['bytes'] / s['version1_bytes']:.1%} of version 1)" if s.get("version1_bytes") else "")
           + " | <= 8 MB |",
           f"| snapshot on the wire, identity (no Accept-Encoding) | {s['wire']['identity']['bytes']:,} bytes | |",
           f"| GET /registry/v1/snapshot (pre-built) gzip / identity | {statistics.median(s['wire']['gzip']['get_seconds']) * 1000:.1f} / "
           f"{statistics.median(s['wire']['identity']['get_seconds']) * 1000:.1f} ms median | |"] if "wire" in s else []),
        *([f"| wallet fetch (gzip) + verify | {s['fetch_and_verify_seconds'] * 1000:.0f} ms | |"] if s.get("fetch_and_verify_seconds") else []),
        *([f"| write: POST statement -> 201 (snapshot signed in the background) | {r['writes']['submit_to_201_seconds']['p50'] * 1000:.0f} ms median, {r['writes']['submit_to_201_seconds']['max'] * 1000:.0f} ms max | |",
           f"| change-feed latency: 201 -> event served by /changes | {r['change_feed']['after_201_seconds']['p50'] * 1000:.1f} ms median, {r['change_feed']['after_201_seconds']['max'] * 1000:.1f} ms max | |"]
          if "writes" in r else []),
        *([f"| issuer search page GET /issuers (Server-Timing search) p50 / p99, {r['issuer_search']['requests']} requests | "
           f"{r['issuer_search']['server_ms']['p50']:.2f} / {r['issuer_search']['server_ms']['p99']:.2f} ms "
           f"(round trip p99 {r['issuer_search']['round_trip_ms']['p99']:.2f} ms) | p99 < 20 ms |"] if "issuer_search" in r else []),
        f"| start without a checkpoint (replay + re-verify of the whole log + first signing) | {r['startup']['replay_and_ready_seconds']:.1f} s | |",
        *([f"| start after a clean shutdown (signed checkpoint, artefacts carried) | {r['restart_clean']['ready_seconds']:.2f} s "
           f"({r['restart_clean']['ready_seconds'] / r['startup']['replay_and_ready_seconds']:.2f}x the full replay; stop {r['restart_clean']['stop_seconds']:.1f} s, "
           f"checkpoint {(r['restart_clean']['checkpoint_bytes'] or 0) / 1e6:.0f} MB) | <= 3 s |",
           f"| start after kill -9 (checkpoint + {r['restart_kill9']['tail_events']} events replayed; its artefacts served until the head is signed"
           f"{', ' + format(r['restart_kill9']['head_signed_after_ready_seconds'], '.1f') + ' s later' if 'head_signed_after_ready_seconds' in r['restart_kill9'] else ''}) "
           f"| {r['restart_kill9']['ready_seconds']:.2f} s | <= 10 s |",
           f"| RSS after start without checkpoint / from the checkpoint / after kill -9 | {(r['startup']['rss_kib'] or 0) / 1024:.0f} / "
           f"{(r['restart_clean']['rss_kib'] or 0) / 1024:.0f} / {(r['restart_kill9']['rss_kib'] or 0) / 1024:.0f} MiB | <= 300 MB |",
           f"| RSS after the TRQP load / after the writes (started from the checkpoint) | {((t or {}).get('rss_kib_after') or 0) / 1024:.0f} / "
           f"{(r.get('rss_kib_end') or 0) / 1024:.0f} MiB | <= 300 MB |"] if "restart_kill9" in r else
          [f"| RSS after start / after the load | {(r['startup']['rss_kib'] or 0) / 1024:.0f} / {((t or {}).get('rss_kib_after') or 0) / 1024:.0f} MiB | |"]),
        f"| seeding (RegistrySeed: sign + apply + append){seeder}{' (reused)' if r['seed'].get('reused') else ''} | {r['seed']['seedSeconds']:.0f} s (sign {r['seed']['signSeconds']:.0f} s, apply {r['seed']['applySeconds']:.0f} s, append {r['seed']['appendSeconds']:.0f} s) | |",
        "",
    ]
    if t:
        lines += ["Rounds:", "", "| round | req/s | p50 ms | p99 ms | non-2xx | socket errors |", "| --- | --- | --- | --- | --- | --- |"]
    for index, round_result in enumerate((t or {}).get("rounds", []), 1):
        errors = sum(round_result["errors"].values())
        lines.append(f"| {index} | {round_result['requests_per_s']:,.0f} | {round_result['latency_us']['p50'] / 1000:.2f} | "
                     f"{round_result['latency_us']['p99'] / 1000:.2f} | {round_result['non_2xx']} | {errors} |")
    lines.append("")
    with open(path, "w") as out:
        out.write("\n".join(lines))

if __name__ == "__main__":
    main()
