#!/usr/bin/env python3
"""Turns the JSON of httpbench.py into results/http.md and the two PNG charts (matplotlib).

Usage: http_report.py results/http.json results/   (writes http.md, http-throughput.png, http-revoke-latency.png)
"""

import json
import os
import re
import sys


def rate(value):
    return f"{value:,.0f}"


def ms(value):
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def throughput_table(records):
    lines = [
        "| scenario | Standing req/s | nginx req/s | Standing p99 | nginx p99 | ratio | per round (min–max) "
        f"| server CPU per request: Standing / nginx | of which user space: Standing / nginx | target {records[0]['target']:.2f}× |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for record in records:
        rounds = f"{min(record['ratios']):.2f}–{max(record['ratios']):.2f}"
        lines.append(
            f"| {record['description']} | {rate(record['standing_median'])} | {rate(record['nginx_median'])} | "
            f"{ms(record['standing_p99_median_ms'])} ms | {ms(record['nginx_p99_median_ms'])} ms | **{record['ratio']:.2f}×** | {rounds} | "
            f"{record['standing_cpu_us_per_request_median']:.1f} / {record['nginx_cpu_us_per_request_median']:.1f} µs "
            f"({record['cpu_per_request_ratio']:.1f}×) | {record['standing_user_us_per_request_median']:.1f} / "
            f"{record['nginx_user_us_per_request_median']:.1f} µs | {'yes' if record['met'] else '**NO**'} |")
    foreign = max(max(r["standing_foreign_cpu_s_max"], r["nginx_foreign_cpu_s_max"]) for r in records)
    lines += ["", "Values are medians over the rounds; the ratio is the median of the per-round ratios. Server CPU per request is "
              "user + system time of the server processes (/proc) over the requests wrk completed; the part not in user space is "
              f"kernel time. CPU used on the machine by processes outside this benchmark during any one run: at most {foreign:.1f} "
              "CPU-seconds (of 2 × run length): other work shared the machine, so single rounds vary; CPU per request varies less."]
    return lines


def markdown(results):
    config = results["config"]
    machine = results["machine"]
    out = [
        "# HTTP benchmarks: Standing against nginx serving the same bytes",
        "",
        f"Generated {results['generated']} by `Benchmarks/http/run-http.sh` in {results['elapsed_s'] / 60:.1f} minutes on "
        f"{machine['cpus']} CPUs (kernel {machine['kernel']}), {machine['nginx']}, {machine['wrk']}. Everything on 127.0.0.1; "
        "load generator, servers and writer share the same 2 cores, so compare ratios, not absolute rates.",
        "",
        f"- Load: `{config['wrk']}`, {config['rounds']} rounds per scenario alternating Standing, nginx, Standing, nginx, ...; "
        "a ratio is the median of the per-round ratios Standing / nginx.",
        f"- Pinned variant: server on CPU 0 (`taskset -c 0`; nginx with 1 worker), `{config['wrk_pinned']}`.",
        "- Lists: revocation, 1 bit, exactly 1 % of entries set at the allocator's random positions; nginx serves the bytes "
        "Standing served (same size, same body) as static files with the same `Cache-Control`, `Vary` and CORS headers.",
        "",
        "## Targets",
        "",
        "| target | value | met? | headroom (≥ 1 is met) |",
        "| --- | --- | --- | --- |",
    ]
    for row in results["targets"]:
        out.append(f"| {row['target']} | {row['value']} | {'yes' if row['met'] else '**NO**'} | {row['margin']:.2f} |")
    out += ["", "## Read throughput (unpinned)", ""]
    out += throughput_table(results["throughput"])
    if results.get("throughput_pinned"):
        out += ["", "## Read throughput (pinned: server on CPU 0, wrk on CPU 1)", ""]
        out += throughput_table(results["throughput_pinned"])
    for profile in results.get("profiles", []):
        standing, nginx = profile["standing"], profile["nginx"]
        out += [
            "",
            f"## Profile: {profile['scenario']} (`perf record -g -F 999 -p PID` for {profile['seconds']} s under `{config['wrk']}`)",
            "",
            f"Standing {rate(standing['requests_per_s'])} req/s at {standing['server_cpu_us_per_request']:.1f} µs of server CPU per request "
            f"({standing.get('server_user_us_per_request', 0):.1f} µs user, {standing.get('server_system_us_per_request', 0):.1f} µs kernel); "
            f"nginx (both workers) {rate(nginx['requests_per_s'])} req/s at {nginx['server_cpu_us_per_request']:.1f} µs "
            f"({nginx.get('server_user_us_per_request', 0):.1f} µs user, {nginx.get('server_system_us_per_request', 0):.1f} µs kernel). "
            "Inclusive share of Standing's CPU samples:",
            "",
            "| where | share |",
            "| --- | --- |",
        ]
        out += [f"| {label} | {share:.1f} % |" for label, share in profile["probes"].items()]
        out += ["", "<details><summary>top symbols by self time</summary>", "", "```"] + profile["self"][:35] + ["```", "", "</details>"]
    out += ["", "## Revoke-to-visible latency", "",
            "One entry revoked (`POST /admin/lists/{id}/status`, committed with `synchronous=FULL`), then the direct lookup is "
            "polled every 1 ms until it shows the change; the time runs from sending the POST. 'ack' is the POST alone.", "",
            "| list, window | n | p50 | p90 | p99 | max | ack p50 | ack p99 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for record in results["revoke_latency"]:
        out.append(f"| {record['label']} | {record['n']} | {ms(record['visible_p50_ms'])} ms | {ms(record['visible_p90_ms'])} ms | "
                   f"{ms(record['visible_p99_ms'])} ms | {ms(record['visible_max_ms'])} ms | {ms(record['acknowledged_p50_ms'])} ms | "
                   f"{ms(record['acknowledged_p99_ms'])} ms |")
    batches = results["batches"]
    out += ["", "## Batched updates", "",
            f"Atomic batches of revocations (`{{\"changes\": [...]}}`) to {batches['list']}; rate = entries / POST round trip "
            "(committed and answered). 'to visible' runs until the direct lookup shows the batch's last entry. "
            f"Allocation of the entries ran at {rate(batches['allocation_entries_per_s'])} entries/s.", "",
            "| batch | rounds | entries/s committed (median) | entries/s to visible (median) | commit times | answer size | target ≥ 50,000/s |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for size in batches["sizes"]:
        times = ", ".join(f"{r['commit_s'] * 1000:.0f} ms" for r in size["rounds"])
        answer = size["rounds"][0]["response_bytes"] / 1e6
        out.append(f"| {size['size']:,} | {len(size['rounds'])} | {rate(size['entries_per_s_median'])} | "
                   f"{rate(size['entries_per_s_to_visible_median'])} | {times} | {answer:.1f} MB | {'yes' if size['met'] else '**NO**'} |")
    profile = batches.get("profile")
    if profile:
        out += ["", f"Profile of one more batch of {profile['size']:,} (`perf record -g`; {profile['outcome']['commit_s'] * 1000:.0f} ms, "
                f"{profile['server_cpu_s']:.2f} s of server CPU including its publication). Inclusive share of the server's CPU samples:", "",
                "| where | share |", "| --- | --- |"]
        out += [f"| {label} | {share:.1f} % |" for label, share in profile["probes"].items()]
    for key, title in (("mixed", "Reads during a write storm"), ("mixed_paced", "Reads during a paced write stream")):
        mixed = results.get(key)
        if not mixed:
            continue
        out += ["", f"## {title}", "",
                f"Reads: {mixed['reads']} (`{config['wrk']}`). Writer: {mixed['writer']}; alternated with reads alone.", "",
                "| round | reads alone req/s | reads during writes req/s | ratio | writer entries/s | publications | server CPU alone → storm | "
                "load generator CPU (wrk + writer) alone → storm |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for number, (alone, storm, writer, ratio) in enumerate(zip(mixed["alone"], mixed["storm"], mixed["writer_rounds"], mixed["ratios"]), 1):
            out.append(f"| {number} | {rate(alone['requests_per_s'])} | {rate(storm['requests_per_s'])} | {ratio:.2f} | "
                       f"{rate(writer['entries_per_s'])} | {writer['publications']} | {alone['server_cpu_s']:.1f} → {storm['server_cpu_s']:.1f} s | "
                       f"{alone['generator_cpu_s']:.1f} → {storm['generator_cpu_s']:.1f} s |")
        out.append(f"| **median** | {rate(mixed['alone_median'])} | {rate(mixed['storm_median'])} | **{mixed['ratio']:.2f}** "
                   f"({abs(mixed['slowdown']) * 100:.0f} % {'slower' if mixed['slowdown'] >= 0 else 'faster'}; "
                   f"p99 {ms(mixed['alone_p99_median_ms'])} → {ms(mixed['storm_p99_median_ms'])} ms) | | | | |")
    memory = results["memory"]
    out += ["", "## Memory (RSS of the server process)", "",
            "| state | RSS | target |", "| --- | --- | --- |",
            f"| idle, fresh data directory | {memory['idle_rss_mib']:.1f} MiB | ≤ 60 MB |",
            f"| {memory['lists']} lists of 1,048,576 entries created and published ({memory['published']} published; "
            f"{memory['creation_s']:.1f} s, {memory['creation_cpu_s']:.1f} s CPU) | {memory['loaded_rss_mib']:.1f} MiB "
            f"(peak {memory['loaded_peak_mib']:.1f} MiB) | ≤ 200 MB |",
            f"| then 1 % of each list set (10,485 entries each; {memory['filling_s']:.1f} s, {memory['filling_cpu_s']:.1f} s CPU) | "
            f"{memory['filled_rss_mib']:.1f} MiB (peak {memory['filled_peak_mib']:.1f} MiB) | ≤ 200 MB |",
            f"| the same after a restart (restored from the store) | {memory['restarted_rss_mib']:.1f} MiB | |"]
    out += ["", "## nginx configuration (unpinned run; the pinned run has `worker_processes 1`)", "", "```nginx",
            re.sub(r"/tmp/standing-http-[^/\s;]+", "$WORK", results["nginx_conf"]).rstrip(), "```", ""]
    return "\n".join(out)


def charts(results, folder):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    groups = [("unpinned (wrk -t2 -c64, 2 shared cores)", results["throughput"])]
    if results.get("throughput_pinned"):
        groups.append(("pinned (server CPU 0, wrk -t1 -c64 CPU 1)", results["throughput_pinned"]))
    widths = [len(records) for _title, records in groups]
    figure, axes = plt.subplots(1, len(groups), figsize=(4 + 1.6 * sum(widths), 5.5), gridspec_kw={"width_ratios": widths},
                                squeeze=False)
    for axis, (title, records) in zip(axes[0], groups):
        positions = range(len(records))
        standing = [r["standing_median"] for r in records]
        nginx = [r["nginx_median"] for r in records]
        axis.bar([p - 0.2 for p in positions], standing, width=0.4, label="Standing", color="#2b6cb0")
        axis.bar([p + 0.2 for p in positions], nginx, width=0.4, label="nginx (static file)", color="#999999")
        for p, record in zip(positions, records):
            axis.scatter([p - 0.2] * len(record["standing"]), [r["requests_per_s"] for r in record["standing"]], s=8, color="black", zorder=3)
            axis.scatter([p + 0.2] * len(record["nginx"]), [r["requests_per_s"] for r in record["nginx"]], s=8, color="black", zorder=3)
            top = max(record["standing_median"], record["nginx_median"])
            axis.text(p, top * 1.03, f"{record['ratio']:.2f}×", ha="center", fontsize=9,
                      color="#276749" if record["met"] else "#c53030", fontweight="bold")
        axis.set_xticks(list(positions))
        axis.set_xticklabels([r["name"] for r in records], rotation=30, ha="right", fontsize=8)
        axis.set_title(title, fontsize=10)
        axis.set_ylabel("requests/s (median of rounds; dots: rounds)")
        axis.set_ylim(0, max(max(r["standing_median"], r["nginx_median"]) for r in records) * 1.18)
        axis.grid(axis="y", alpha=0.3)
        axis.legend(fontsize=8, loc="upper right")
    figure.suptitle("GET throughput: Standing vs nginx on the same bytes (label: ratio, target ≥ 0.95×)", fontsize=11)
    figure.tight_layout()
    figure.savefig(os.path.join(folder, "http-throughput.png"), dpi=110)
    plt.close(figure)

    records = results["revoke_latency"]
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = ["#2b6cb0", "#dd6b20", "#805ad5", "#38a169"]
    panels = [(axes[0], [r for r in records if r["window_ms"] > 0], 1000, "default window (200 ms): target p99 ≤ 1 s"),
              (axes[1], [r for r in records if r["window_ms"] == 0], 50, "--publication-window-ms 0: target p99 ≤ 50 ms (131,072)")]
    for axis, subset, limit, title in panels:
        for color, record in zip(colors, subset):
            samples = sorted(record["visible_ms"])
            fractions = [(i + 1) / len(samples) for i in range(len(samples))]
            axis.step(samples, fractions, where="post", color=color,
                      label=f"{record['label']}: p50 {ms(record['visible_p50_ms'])}, p99 {ms(record['visible_p99_ms'])}, "
                            f"max {ms(record['visible_max_ms'])} ms")
            axis.axvline(record["visible_p99_ms"], color=color, linestyle=":", linewidth=1)
        axis.axvline(limit, color="#c53030", linestyle="--", linewidth=1.2, label=f"target p99 {limit} ms")
        axis.set_xscale("log")
        axis.set_xlabel("revoke → visible in direct lookup (ms, log scale)")
        axis.set_ylabel("fraction of samples (ECDF)")
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7.5, loc="lower right")
        axis.set_ylim(0, 1.02)
        axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _pos: f"{value:g}"))
        axis.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(
            lambda value, _pos: f"{value:g}" if str(int(value))[0] in "25" else ""))
        axis.tick_params(axis="x", which="minor", labelsize=7)
    figure.suptitle("Revoke-to-visible latency distribution (dotted: p99)", fontsize=11)
    figure.tight_layout()
    figure.savefig(os.path.join(folder, "http-revoke-latency.png"), dpi=110)
    plt.close(figure)


def main():
    source, folder = sys.argv[1], sys.argv[2]
    with open(source) as handle:
        results = json.load(handle)
    with open(os.path.join(folder, "http.md"), "w") as out:
        out.write(markdown(results))
    charts(results, folder)
    print(f"wrote {folder}/http.md, http-throughput.png, http-revoke-latency.png")


if __name__ == "__main__":
    main()
