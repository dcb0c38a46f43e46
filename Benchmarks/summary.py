#!/usr/bin/env python3
"""Collects the targets of every suite's results into results/summary.json and results/summary.md.

Usage: summary.py results/   (reads core.json, client.json, publication.json, http.json, registry.json, scaleout.json when present)
"""
import json
import os
import sys


def load(folder, name):
    path = os.path.join(folder, f"{name}.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def rows_for(folder):
    rows = []
    core = load(folder, "core")
    if core:
        report = core["coreReport"]
        for row in report["rows"]:
            if row.get("target"):
                value = f"{row['ratePerSecond'] / 1e6:.1f} M/s" if row.get("ratePerSecond") else f"{row.get('ratio', float('nan')):.2f}× zlib"
                rows.append(("core", row["id"], row["target"], value, row.get("met"), report["generatedAt"]))
    client = load(folder, "client")
    if client and client.get("target"):
        target = client["target"]
        rows.append(("client", target["figure"].replace("TARGET ", ""), f"<= {target['target_ns']} ns", f"{target['nanoseconds']:.1f} ns",
                     target["met"], client.get("generated", "")))
    if client and client.get("cold_fetch_overhead"):
        overhead = client["cold_fetch_overhead"]
        rows.append(("client", overhead["figure"], "<= 0.3 ms", f"{overhead['nanoseconds'] / 1e6:.2f} ms", overhead["met"],
                     client.get("generated", "")))
    publication = load(folder, "publication")
    if publication:
        for row in publication["rows"]:
            if row.get("target"):
                if row["group"] == "republish":
                    value = f"{row['incrementalMilliseconds']:.1f} ms ({row['speedup']:.0f}× whole)"
                else:
                    value = f"{row['speedup']:.0f}×, size {row['sizeOverheadPercent']:+.2f} %"
                rows.append(("publication", row["id"], row["target"], value, row["met"], publication["generatedAt"]))
    http = load(folder, "http")
    if http:
        for row in http.get("targets", []):
            name, _, target = row["target"].partition(": ")
            if not target or " " in name.removeprefix("pinned "):
                name, target = row["target"], ""
            rows.append(("http", name, target, row["value"], row["met"], http["generated"]))
    registry = load(folder, "registry")
    if registry and registry.get("trqp"):
        trqp = registry["trqp"]
        generated = registry.get("generated", "")
        rows.append(("registry", "TRQP authorization", ">= 30,000 req/s", f"{trqp['median_requests_per_s']:,.0f} req/s",
                     trqp["median_requests_per_s"] >= 30_000, generated))
        p99 = trqp["median_round_latency_us"]["p99"] / 1000
        rows.append(("registry", "TRQP authorization p99 (wrk on the server's cores)", "< 2 ms", f"{p99:.1f} ms", p99 < 2, generated))
    def trqp_at_target(sweep, full_run, label):
        """Both targets at once: the lowest concurrency of a sweep (and its full run) that still reaches the throughput
        target, with its p99."""
        points = sorted(sweep + [{"connections": full_run["rounds"][0]["connections"], **full_run}], key=lambda point: point["connections"])
        reaching = [point for point in points if point["median_requests_per_s"] >= 30_000]
        if reaching:
            point = reaching[0]
            p99 = point["median_round_latency_us"]["p99"] / 1000
            rows.append(("registry", f"{label} p99 at >= 30,000 req/s ({point['connections']} connections, "
                         f"{point['median_requests_per_s']:,.0f} req/s)", "< 2 ms", f"{p99:.1f} ms", p99 < 2, registry.get("generated", "")))

    if registry and registry.get("trqp_sweep"):
        trqp_at_target(registry["trqp_sweep"], registry["trqp"], "TRQP")
    if registry and registry.get("trqp_pinned"):
        pinned = registry["trqp_pinned"]
        generated = registry.get("generated", "")
        rows.append(("registry", "TRQP authorization, server on CPU 0 and wrk on CPU 1", ">= 30,000 req/s",
                     f"{pinned['median_requests_per_s']:,.0f} req/s", pinned["median_requests_per_s"] >= 30_000, generated))
        p99 = pinned["median_round_latency_us"]["p99"] / 1000
        rows.append(("registry", "TRQP authorization p99, server on CPU 0 and wrk on CPU 1", "< 2 ms", f"{p99:.1f} ms", p99 < 2, generated))
        if registry.get("trqp_pinned_sweep"):
            trqp_at_target(registry["trqp_pinned_sweep"], pinned, "TRQP, server on CPU 0 and wrk on CPU 1,")
    if registry and registry.get("issuer_search"):
        search_p99 = registry["issuer_search"]["server_ms"]["p99"]
        rows.append(("registry", f"issuer search p99 ({registry['scale']['issuers']:,} issuers)", "< 20 ms server time",
                     f"{search_p99:.2f} ms", search_p99 < 20, registry.get("generated", "")))
    # The snapshot rows come from the full registry run, else from a snapshot-only one (run-registry.sh --only snapshot).
    snapshot_run = registry if registry and "wire" in registry.get("snapshot", {}) else load(folder, "registry-snapshot")
    if snapshot_run and "wire" in snapshot_run.get("snapshot", {}):
        snapshot = snapshot_run["snapshot"]
        generated = snapshot_run.get("generated", "")
        scale = f"{snapshot_run['scale']['issuers']:,} issuers / {snapshot_run['scale']['accreditations']:,} accreditations"
        gzip_size, identity_size = snapshot["wire"]["gzip"]["bytes"], snapshot["wire"]["identity"]["bytes"]
        rows.append(("registry", f"wallet snapshot on the wire, Accept-Encoding: gzip ({scale})", "<= 8 MB", f"{gzip_size / 1e6:.2f} MB",
                     gzip_size <= 8_000_000, generated))
        rows.append(("registry", "wallet snapshot on the wire, identity (a client without gzip)", "", f"{identity_size / 1e6:.2f} MB",
                     None, generated))
        if snapshot.get("fetch_and_verify_seconds"):
            rows.append(("registry", "wallet snapshot fetch (gzip) + verify", "", f"{snapshot['fetch_and_verify_seconds'] * 1000:.0f} ms",
                         None, generated))
    if registry and registry.get("restart_kill9"):
        generated = registry.get("generated", "")
        clean, crash = registry["restart_clean"]["ready_seconds"], registry["restart_kill9"]["ready_seconds"]
        rows.append(("registry", "start after a clean shutdown (signed checkpoint)", "<= 3 s", f"{clean:.2f} s", clean <= 3, generated))
        rows.append(("registry", "start after kill -9 (checkpoint + tail)", "<= 10 s", f"{crash:.2f} s", crash <= 10, generated))
        rss = max(registry["restart_clean"]["rss_kib"] or 0, registry["trqp"].get("rss_kib_after") or 0, registry.get("rss_kib_end") or 0,
                  registry["restart_kill9"].get("rss_kib") or 0) / 1024
        rows.append(("registry", "resident memory after start, load, writes and a kill -9 start (each once signed)", "<= 300 MB",
                     f"{rss:.0f} MiB", rss * 1.048576 <= 300, generated))
    scaleout = load(folder, "scaleout")
    if scaleout:
        for row in scaleout.get("targets", []):
            name, _, target = row["target"].partition(": ")
            rows.append(("scale-out", name, target, row["value"], row["met"], scaleout["generated"]))
    return rows


def main(folder):
    rows = rows_for(folder)
    with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump([{"suite": s, "figure": f, "target": t, "value": v, "met": m, "measured": g} for s, f, t, v, m, g in rows], handle, indent=2)
    lines = ["# Targets across the suites", "", "Generated by `Benchmarks/run-all.sh` (or `summary.py results/` after any suite); "
             "each suite's own table has the method and the baselines.", "",
             "| suite | figure | target | measured | met | run |", "|---|---|---|---|---|---|"]
    for suite, figure, target, value, met, generated in rows:
        lines.append(f"| {suite} | {figure} | {target} | {value} | {'—' if met is None else 'yes' if met else '**no**'} | {generated[:16]} |")
    with open(os.path.join(folder, "summary.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"wrote {folder}/summary.json and summary.md ({len(rows)} targets, {sum(1 for r in rows if r[4])} met)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
