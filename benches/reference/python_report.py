"""The Python package's report on a history held as pyarrow tables in memory, against the
`csm-metrics report` command on the same history's files (its `compute_seconds`), and
against the same suite in pandas written the obvious way (pandas_suite.py).

    python benches/reference/python_report.py DIR [--threads 2] [--runs 5] [--bin PATH]

DIR holds the history as Parquet (tickets.parquet, events.parquet, surveys.parquet,
calls.parquet: `csm-metrics convert`). Prints each run and the medians.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import time

import pyarrow.parquet as pq

import csm_metrics as cm

TABLES = ("tickets", "events", "surveys", "calls")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir", type=pathlib.Path)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--bin", default="csm-metrics")
    a = p.parse_args()
    t0 = time.perf_counter()
    tables = {t: pq.read_table(a.dir / f"{t}.parquet") for t in TABLES}
    load = time.perf_counter() - t0
    rows = {t: v.num_rows for t, v in tables.items()}
    print(f"loaded {rows} into pyarrow in {load:.2f} s (not timed below)")
    ours, cli = [], []
    for k in range(a.runs):
        t0 = time.perf_counter()
        report = cm.report(**tables, threads=a.threads)
        ours.append(time.perf_counter() - t0)
        out = subprocess.run([a.bin, "report", str(a.dir), "--from", "parquet",
                              "--threads", str(a.threads)], check=True, capture_output=True)
        command = json.loads(out.stdout)
        cli.append(command["compute_seconds"])
        print(f"run {k}: report(pyarrow tables) {ours[-1]:.3f} s, command's compute {cli[-1]:.3f} s")
    for r in (report, command):
        r.pop("compute_seconds")
    assert report == command, "the reports differ"
    o, c = statistics.median(ours), statistics.median(cli)
    print(f"median: report(pyarrow tables) {o:.3f} s, command {c:.3f} s: {o / c:.2f}x the command's compute")


if __name__ == "__main__":
    main()
