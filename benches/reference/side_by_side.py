"""Issue 15's end-to-end check, side by side in one run: `csm-metrics report` against
DuckDB computing the same suite in plain SQL (`duckdb_suite.py`), over the same CSV and
Parquet history, runs alternating, medians printed.

    pip install duckdb==2.0.1
    cargo build --release -p csm-metrics-cli
    python3 benches/reference/side_by_side.py CSV_DIR PARQUET_DIR [--runs 7] [--threads 2]
        [--bin target/release/csm-metrics]

Each run is a whole process, timed from start to exit (wall clock).
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("parquet")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--bin", default="target/release/csm-metrics")
    a = p.parse_args()
    t = str(a.threads)
    suite = [sys.executable, str(HERE / "duckdb_suite.py")]
    cases = {
        "csv": (
            [a.bin, "report", a.csv, "--threads", t],
            suite + [a.csv, "--threads", t],
        ),
        "parquet": (
            [a.bin, "report", "--from", "parquet", a.parquet, "--threads", t],
            suite + [a.parquet, "--threads", t, "--parquet"],
        ),
    }
    for name, (ours, theirs) in cases.items():
        mine, duck = [], []
        for _ in range(a.runs):
            mine.append(timed(ours))
            duck.append(timed(theirs))
        m, d = statistics.median(mine), statistics.median(duck)
        print(
            f"{name}: csm-metrics {m:.2f} s (min {min(mine):.2f}), "
            f"duckdb {d:.2f} s (min {min(duck):.2f}): {d / m:.2f}x, medians of {a.runs}"
        )


if __name__ == "__main__":
    main()
