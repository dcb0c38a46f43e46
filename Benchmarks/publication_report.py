#!/usr/bin/env python3
"""Turns PublicationReport's JSON into results/publication.json, results/publication.md and, when matplotlib is
available, results/publication-republish.png.

Usage: publication_report.py raw.json results/publication.json results/publication.md
"""
import json
import os
import shutil
import sys


def fmt_ms(value):
    return "-" if value is None else (f"{value:.2f}" if value < 10 else f"{value:.1f}")


def main(raw_path, json_path, md_path):
    with open(raw_path, encoding="utf-8") as handle:
        report = json.load(handle)
    shutil.copyfile(raw_path, json_path)
    rows = report["rows"]
    lines = [
        "# Publication engine: segmented (incremental) compression",
        "",
        f"Generated {report['generatedAt']} by `Benchmarks/run-publication.sh{' --quick' if report['quick'] else ''}` "
        f"({report['processors']} processors). Lists are 1-bit, entries set at random (seeded). W3C: GZIP level 6 over "
        "the MSB-first bytes; IETF: ZLIB level 9 over the LSB-first bytes. Segments of "
        f"{report['defaultSegmentBytes']:,} uncompressed bytes, up to 8x that for sparse lists as the server chooses them "
        "(`SegmentedCompressedList.segmentBytes(for:base:)`: a segment should hold about 600 set bits), except in the "
        "segment-size table. Times are medians of alternating rounds "
        "(incremental, whole, whole, incremental, ...); speed-up is the median of the per-round ratios.",
        "",
        "## One change: bring the stream up to date vs. zlib compressing the whole list",
        "",
        "| entries | set | format | segment | incremental ms | whole (zlib) ms | speed-up | segmented bytes | whole bytes | size overhead | target (10M) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in (r for r in rows if r["group"] == "one-change"):
        target = "" if row.get("met") is None else ("met" if row["met"] else "**missed**")
        lines.append(
            f"| {row['entries']:,} | {row['density'] * 100:g} % | {row['format']} | {row['segmentBytes'] // 1024} KiB | "
            f"{fmt_ms(row['incrementalMilliseconds'])} | "
            f"{fmt_ms(row['wholeMilliseconds'])} | {row['speedup']:.1f}× | {row['segmentedBytes']:,} | {row['wholeBytes']:,} | "
            f"{row['sizeOverheadPercent']:+.2f} % | {target} |")
    lines += [
        "",
        "Targets (issue 6): on a 10M-entry list, republishing after one change ≥ 20× faster than recompressing the whole "
        "list, size overhead ≤ 2 %.",
        "",
        "## Segment size (10M entries, 1 % set)",
        "",
        "| segment bytes | format | incremental ms | speed-up | size overhead |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in (r for r in rows if r["group"] == "segment-size"):
        lines.append(
            f"| {row['segmentBytes']:,} | {row['format']} | {fmt_ms(row['incrementalMilliseconds'])} | {row['speedup']:.1f}× | "
            f"{row['sizeOverheadPercent']:+.2f} % |")
    lines += [
        "",
        "## A whole publication after one change (10M entries)",
        "",
        "Both compressions plus the four signed representations as the server builds them (Ed25519 Data Integrity proof; "
        "ES256 `vc+jwt`, `statuslist+jwt`, `statuslist+cwt`).",
        "",
        "| set | incremental ms | whole-compression ms | speed-up | target ≤ 50 ms |",
        "|---:|---:|---:|---:|---|",
    ]
    for row in (r for r in rows if r["group"] == "republish"):
        lines.append(
            f"| {row['density'] * 100:g} % | {fmt_ms(row['incrementalMilliseconds'])} | {fmt_ms(row['wholeMilliseconds'])} | "
            f"{row['speedup']:.1f}× | {'met' if row['met'] else '**missed**'} |")
    lines += ["", "## Many lists published at once", ""]
    for row in (r for r in rows if r["group"] == "many-lists"):
        lines.append(
            f"{row['note']}: {fmt_ms(row['incrementalMilliseconds'])} ms incremental "
            f"({row['incrementalMilliseconds'] / int(row['id'].split('/')[1].split('x')[0]):.1f} ms per list) against "
            f"{fmt_ms(row['wholeMilliseconds'])} ms with whole-list compression ({row['speedup']:.1f}×), median of "
            f"{row['rounds']} rounds.")
    lines += [
        "",
        "Every segmented stream was decoded by the system zlib in the run and the 10M-entry streams by Python's "
        "`gzip`/`zlib` (run-publication.sh): a single standard stream, identical to the list.",
    ]
    chart = make_chart(rows, os.path.dirname(md_path))
    if chart:
        lines += ["", f"![republish time by list size]({os.path.basename(chart)})"]
    with open(md_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"wrote {json_path}, {md_path}" + (f", {chart}" if chart else ""))


def make_chart(rows, folder):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no chart", file=sys.stderr)
        return None
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for axis, format_name in zip(axes, ["w3c-gzip", "ietf-zlib"]):
        for density, color in [(0.001, "#2f855a"), (0.01, "#2b6cb0"), (0.1, "#c05621")]:
            records = sorted((r for r in rows if r["group"] == "one-change" and r["format"] == format_name and r["density"] == density),
                             key=lambda r: r["entries"])
            entries = [r["entries"] for r in records]
            axis.plot(entries, [r["incrementalMilliseconds"] for r in records], marker="o", color=color,
                      label=f"segmented, {density * 100:g} % set")
            axis.plot(entries, [r["wholeMilliseconds"] for r in records], marker="s", linestyle="--", color=color, alpha=0.6,
                      label=f"whole list, {density * 100:g} % set")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("entries")
        axis.set_ylabel("ms to bring the stream up to date after one change")
        axis.set_title(format_name)
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7)
    figure.suptitle("Republication after one change: segmented vs whole-list compression", fontsize=11)
    figure.tight_layout()
    path = os.path.join(folder, "publication-republish.png")
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
