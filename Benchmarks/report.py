#!/usr/bin/env python3
"""Merges CoreReport's ratio rows and the ordo-one JMH export into results/core.json and results/core.md.

Usage: report.py CORE_REPORT_JSON ORDO_JMH_JSON_OR_EMPTY OUT_JSON OUT_MD
"""

import json
import sys

# Operations per ordo-one closure call (the suite's scalingFactor), to turn per-call figures into per-operation ones.
SCALING = {"IndexAllocator.index(forSequence:)": 1_000, "Bitstring subscript read": 1_000_000}


def load_ordo(path):
    """Benchmark name -> {p50_us, p99_us, mallocs, samples} per operation."""
    if not path:
        return {}
    with open(path) as handle:
        elements = json.load(handle)
    results = {}
    for element in elements:
        name = element["benchmark"].split("StatusListBenchmarks.", 1)[-1].replace("_", " ")
        factor = next((value for prefix, value in SCALING.items() if name.startswith(prefix)), 1)
        secondary = element.get("secondaryMetrics") or {}
        wall = next((metric for key, metric in secondary.items() if key.lower().startswith("time (wall")), None)
        mallocs = next((metric for key, metric in secondary.items() if key.lower().startswith("malloc (total")), None)
        entry = {"samples": element.get("measurementIterations"), "operationsPerCall": factor}
        if wall:
            entry["p50Microseconds"] = wall["scorePercentiles"]["50.0"] / factor
            entry["p99Microseconds"] = wall["scorePercentiles"]["99.0"] / factor
        if mallocs:
            entry["mallocsP50"] = mallocs["scorePercentiles"]["50.0"] / factor
        results[name] = entry
    return results


def fmt_time(nanoseconds):
    if nanoseconds is None:
        return ""
    if nanoseconds >= 1e6:
        return f"{nanoseconds / 1e6:.2f} ms"
    if nanoseconds >= 1e3:
        return f"{nanoseconds / 1e3:.1f} µs"
    return f"{nanoseconds:.1f} ns"


def fmt_us(microseconds):
    return "" if microseconds is None else fmt_time(microseconds * 1000)


def fmt_count(value):
    if value is None:
        return ""
    return f"{value:g}" if value >= 0.01 or value == 0 else f"{value:.2g}"


def fmt_ratio(row):
    ratio = row.get("ratio")
    if ratio is None:
        return ""
    spread = ""
    if row.get("ratioP25") is not None and row.get("ratioP75") is not None:
        spread = f" ({row['ratioP25']:.2f}–{row['ratioP75']:.2f})"
    return f"{ratio:.2f}×{spread}"


def fmt_met(row):
    met = row.get("met")
    return "" if met is None else ("yes" if met else "**NO**")


def main():
    core_path, ordo_path, out_json, out_md = sys.argv[1:5]
    with open(core_path) as handle:
        core = json.load(handle)
    ordo = load_ordo(ordo_path)
    rows = core["rows"]
    by_id = {row["id"]: row for row in rows}

    with open(out_json, "w") as handle:
        json.dump({"coreReport": core, "ordoOne": ordo}, handle, indent=2, sort_keys=True)

    lines = []
    add = lines.append
    add("# Status-list core benchmarks")
    add("")
    add(
        f"Generated {core['generatedAt']} on {core['host']} ({core['processors']} CPUs); lists of 131,072 and "
        f"1,048,576 one-bit entries with 1 % set at random (seed 0x{core['seed']}). "
        + ("**Quick run (5 rounds): noisy.** " if core.get("quick") else "")
        + "Times are medians over alternating candidate/baseline rounds; a ratio is the median of the per-round "
        "ratios candidate / baseline (interquartile range in brackets), both measured in the same run."
    )
    add("")

    add("## Targets")
    add("")
    add("| figure | value | baseline | baseline value | ratio | target | met? |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if row["group"] != "target":
            continue
        if row.get("ratePerSecond") is not None:
            value = f"{row['ratePerSecond'] / 1e6:.2f} M/s ({fmt_time(row['nanoseconds'])} each)"
            base = f"{row['baselineRatePerSecond'] / 1e6:.2f} M/s"
        else:
            value, base = fmt_time(row.get("nanoseconds")), fmt_time(row.get("baselineNanoseconds"))
        add(f"| {row['figure']} | {value} | {row.get('baseline', '')} | {base} | {fmt_ratio(row)} | "
            f"{row.get('target', '')} | {fmt_met(row)} |")
    add("| zlib level per format, size/time trade-off recorded | see below | | | | recorded | yes |")
    add("")

    add("## Compression level trade-off (compressed size per level per format, encode time against zlib alone)")
    add("")
    add("| entries | format | level | compressed | % of raw | base64url chars | encode | zlib alone | ratio |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if row["group"] != "size":
            continue
        encode = by_id.get(f"encode.{row['format']}.L{row['level']}.{row['entries']}", {})
        add(f"| {row['entries']:,} | {'W3C gzip' if row['format'] == 'w3c' else 'IETF zlib'} | {row['level']} | "
            f"{row['compressedBytes']:,} B | {100 * row['compressedBytes'] / row['rawBytes']:.1f} % | "
            f"{row['textBytes']:,} | {fmt_time(encode.get('nanoseconds'))} | "
            f"{fmt_time(encode.get('baselineNanoseconds'))} | {fmt_ratio(encode)} |")
    add("")

    add("## Decode against zlib inflating the same bytes")
    add("")
    add("| figure | entries | value | baseline | baseline value | ratio | ordo-one p50 / p99 | mallocs |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if row["group"] != "decode":
            continue
        name = f"decode {'W3C' if row['format'] == 'w3c' else 'IETF'} {row['entries']}"
        ordo_row = ordo.get(name, {})
        add(f"| {row['figure']} | {row['entries']:,} | {fmt_time(row['nanoseconds'])} | {row['baseline']} | "
            f"{fmt_time(row['baselineNanoseconds'])} | {fmt_ratio(row)} | "
            f"{fmt_us(ordo_row.get('p50Microseconds'))} / {fmt_us(ordo_row.get('p99Microseconds'))} | "
            f"{fmt_count(ordo_row.get('mallocsP50'))} |")
    add("")

    add("## Sign and verify per representation (default level: W3C 6, IETF 9)")
    add("")
    add("Sign = encode at the default level + build + sign, against zlib deflating the same bytes at that level. "
        "Verify = parse + signature + claims + decode, against zlib inflating the compressed list.")
    add("")
    add("| representation | alg | entries | signed size | sign | ratio to deflate | verify | ratio to inflate | "
        "verify p99 (ordo) | mallocs sign / verify |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if row["group"] != "signed-size":
            continue
        key = f"{row['format']}.{row['algorithm']}.{row['entries']}"
        sign = by_id.get(f"sign.{key}", {})
        verify = by_id.get(f"verify.{key}", {})
        ordo_sign = ordo.get(f"sign {row['format']} {row['algorithm']} L{row['level']} {row['entries']}", {})
        ordo_verify = ordo.get(f"verify {row['format']} {row['algorithm']} {row['entries']}", {})
        add(f"| {row['format']} | {row['algorithm']} | {row['entries']:,} | {row['textBytes']:,} B | "
            f"{fmt_time(sign.get('nanoseconds'))} | {fmt_ratio(sign)} | {fmt_time(verify.get('nanoseconds'))} | "
            f"{fmt_ratio(verify)} | {fmt_us(ordo_verify.get('p99Microseconds'))} | "
            f"{fmt_count(ordo_sign.get('mallocsP50'))} / {fmt_count(ordo_verify.get('mallocsP50'))} |")
    add("")

    breakdown = [row for row in rows if row["group"] == "breakdown"]
    if breakdown:
        add("## Where the 1M IETF JWT verification goes (each step against the same zlib inflate)")
        add("")
        add("| step | value | zlib inflate alone | ratio |")
        add("| --- | --- | --- | --- |")
        for row in breakdown:
            add(f"| {row['figure']} | {fmt_time(row['nanoseconds'])} | {fmt_time(row['baselineNanoseconds'])} | "
                f"{fmt_ratio(row)} |")
        add("")

    add("## Index allocation and bit reads")
    add("")
    add("| figure | entries | value | baseline | baseline value | ratio | target | met? |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if not row["id"].startswith(("allocator.", "read.")):
            continue
        if row.get("ratePerSecond") is not None:
            value = f"{row['ratePerSecond'] / 1e6:.2f} M/s"
            base = f"{row['baselineRatePerSecond'] / 1e6:.2f} M/s"
        else:
            value = f"{fmt_time(row['nanoseconds'])} / 65,536 reads"
            base = fmt_time(row["baselineNanoseconds"])
        add(f"| {row['figure']} | {row['entries']:,} | {value} | {row['baseline']} | {base} | {fmt_ratio(row)} | "
            f"{row.get('target', '')} | {fmt_met(row)} |")
    add("")

    if ordo:
        add("## ordo-one/benchmark suite (per operation)")
        add("")
        add("| benchmark | p50 | p99 | mallocs (p50) | samples |")
        add("| --- | --- | --- | --- | --- |")
        for name in sorted(ordo):
            entry = ordo[name]
            mallocs_text = fmt_count(entry.get("mallocsP50"))
            add(f"| {name} | {fmt_us(entry.get('p50Microseconds'))} | {fmt_us(entry.get('p99Microseconds'))} | "
                f"{mallocs_text} | {entry.get('samples', '')} |")
        add("")

    with open(out_md, "w") as handle:
        handle.write("\n".join(lines))


if __name__ == "__main__":
    main()
