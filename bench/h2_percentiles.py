#!/usr/bin/python3
"""Percentiles and the summary tables of bench/h2-score.

usage:
  h2_percentiles.py log FILE
      FILE is an h2load --log-file (tab-separated: start time in µs since the epoch, HTTP
      status or -1 for a failed stream, µs until the end of the response).  Prints
      "ROWS OK2XX P50_US P99_US" (nearest-rank percentiles of the third column over all rows).
  h2_percentiles.py summary RESULTS.tsv
      RESULTS.tsv is what bench/h2-score writes (a header line, then one line per run).
      Prints Markdown: per mode a table of every run and the medians, then the ratios
      yrdcreditd / nghttpd and whether the bar (0.5x nghttpd's req/s) and goal (0.8x) are met.
"""
import csv
import math
import sys

BAR = 0.5
GOAL = 0.8
REFERENCE = "nghttpd"
CANDIDATE = "yrdcreditd"


def nearest_rank(sorted_values, p):
    """The p-th percentile (0 < p <= 100) by the nearest-rank method."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        raise ValueError("median of nothing")
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def cmd_log(path):
    times = []
    ok = 0
    with open(path, encoding="ascii") as f:
        for lineno, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3:
                sys.exit(f"{path}:{lineno}: expected 3 tab-separated columns")
            status, usec = int(cols[1]), int(cols[2])
            if 200 <= status <= 299:
                ok += 1
            times.append(usec)
    if not times:
        sys.exit(f"{path}: no rows")
    times.sort()
    print(len(times), ok, nearest_rank(times, 50), nearest_rank(times, 99))


def ratio(a, b):
    return f"{a / b:.2f}×" if b > 0 else "n/a"


def fmt_int(x):
    return f"{x:,.0f}"


def cmd_summary(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit(f"{path}: no runs")
    num = ("req_s", "cpu_us", "p50_us", "p99_us", "client_busy", "data_b", "load1", "other_cores")
    for r in rows:
        for k in num:
            r[k] = float(r[k])
        r["run"] = int(r["run"])
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    ratio_lines = []
    for mode in modes:
        mr = [r for r in rows if r["mode"] == mode]
        servers = list(dict.fromkeys(r["server"] for r in mr))
        print(f"### {mode}\n")
        print("| server | run | req/s | server CPU µs/req | p50 ms | p99 ms "
              "| h2load busy | DATA bytes/req | load (1 min) before | other CPU (cores) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        med = {}
        for s in servers:
            sr = sorted((r for r in mr if r["server"] == s), key=lambda r: r["run"])
            for r in sr:
                print(f"| {s} | {r['run']} | {fmt_int(r['req_s'])} | {r['cpu_us']:.2f} "
                      f"| {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} "
                      f"| {r['client_busy']:.2f} | {r['data_b']:.0f} | {r['load1']:.2f} "
                      f"| {max(r['other_cores'], 0.0):.2f} |")
            m = {k: median([r[k] for r in sr]) for k in num}
            med[s] = m
            print(f"| **{s}** | **median of {len(sr)}** | **{fmt_int(m['req_s'])}** "
                  f"| **{m['cpu_us']:.2f}** | **{m['p50_us'] / 1000:.2f}** "
                  f"| **{m['p99_us'] / 1000:.2f}** | {m['client_busy']:.2f} "
                  f"| {m['data_b']:.0f} | {m['load1']:.2f} | {max(m['other_cores'], 0.0):.2f} |")
        print()
        if REFERENCE not in med:
            continue
        ref = med[REFERENCE]
        ref_runs = {r["run"]: r for r in mr if r["server"] == REFERENCE}
        for s in servers:
            if s == REFERENCE:
                continue
            m = med[s]
            rq = m["req_s"] / ref["req_s"]
            paired = [r["req_s"] / ref_runs[r["run"]]["req_s"]
                      for r in mr if r["server"] == s and r["run"] in ref_runs]
            verdict = ("bar and goal met" if rq >= GOAL else
                       "bar met, goal not met" if rq >= BAR else "bar NOT met")
            ratio_lines.append(
                f"| {mode} | {s} / {REFERENCE} | **{rq:.2f}×** "
                f"| {median(paired):.2f}× | {ratio(m['cpu_us'], ref['cpu_us'])} "
                f"| {ratio(m['p50_us'], ref['p50_us'])} | {ratio(m['p99_us'], ref['p99_us'])} "
                f"| {verdict} |")
    if ratio_lines:
        print("### Ratios (medians)\n")
        print(f"| mode | servers | req/s ratio | median of per-run req/s ratios "
              f"| CPU µs/req ratio | p50 ratio | p99 ratio "
              f"| bar ≥ {BAR}× req/s (goal ≥ {GOAL}×) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for line in ratio_lines:
            print(line)
        print()


def main(argv):
    if len(argv) == 3 and argv[1] == "log":
        cmd_log(argv[2])
    elif len(argv) == 3 and argv[1] == "summary":
        cmd_summary(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
