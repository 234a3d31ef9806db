"""Ingest + profile benchmark: a seeded messy CSV, read three ways, timed and measured.

On one file: bare `pyarrow.csv.read_csv`, our ingest (read, canonical Parquet) + profile, and
ydata-profiling with `minimal=True`. Each stage runs in a fresh subprocess, so its peak memory
(VmHWM) is its own. ydata-profiling needs pandas < 3, so it runs from a separate environment:

    uv venv /tmp/ydata && uv pip install --python /tmp/ydata/bin/python \\
        ydata-profiling "pandas<3" "setuptools<81"
    uv run python bench/profile_bench.py --ydata-python /tmp/ydata/bin/python

`--ydata-rows` runs ydata-profiling on the first rows of the same file when 1M is too slow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CACHE = Path(tempfile.gettempdir()) / "modulardata-bench"
TARGET_SECONDS = 1.5
TARGET_MEMORY = 3.0
TARGET_SPEEDUP = 40.0

_YDATA = """
import json, resource, sys, time
import pandas as pd
from ydata_profiling import ProfileReport
frame = pd.read_csv(sys.argv[1])
started = time.perf_counter()
ProfileReport(frame, minimal=True, progress_bar=False).to_json()
seconds = time.perf_counter() - started
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "rows": len(frame)}))
"""


def messy_csv(rows: int, seed: int) -> Path:
    """The benchmark file: 12 columns with the problems real uploads have (cached)."""
    path = CACHE / f"messy-{rows}-{seed}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    def pick(options: list[str], weights: list[float] | None = None) -> Any:
        p = None if weights is None else np.array(weights) / sum(weights)
        return np.array(options, dtype=object)[rng.choice(len(options), rows, p=p)]

    ids = np.arange(1, rows + 1)
    first = pick(["Anna", "Ben", "Chloé", "David", "Eva", "Farid", "Grace", "Hannah", "Ivan"])
    last = pick(["Schmidt", "Carter", "Martin", "Okafor", "Novak", "Haddad", "Liu", "Müller"])
    name = first + " " + last
    padded = rng.random(rows) < 0.02
    name[padded] = "  " + name[padded] + " "
    handle = np.char.lower((first + "." + last).astype(str)).astype(object)
    email = handle + ids.astype(str).astype(object) + "@example.com"
    email[rng.random(rows) < 0.01] = "no-email"
    ages = rng.integers(18, 90, rows).astype(str).astype(object)
    ages[rng.random(rows) < 0.05] = None
    ages[rng.random(rows) < 0.01] = "n/a"
    ages[rng.random(rows) < 0.001] = "230"
    city = pick(
        ["Berlin", "berlin", "Berlin ", "Berln", "Paris", "London", "Madrid", "Oslo", "Lagos"],
        [30, 3, 2, 1, 15, 15, 8, 5, 5],
    )
    country = pick(["Germany", "DE", "germany", "France", "UK", "United Kingdom", "USA", "US"])
    days = np.datetime64("2021-01-01") + rng.integers(0, 1500, rows)
    iso = days.astype(str).astype(object)
    formats = rng.random(rows)
    swapped = np.array([f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in iso[formats < 0.1]], dtype=object)
    iso[formats < 0.1] = swapped
    price = np.char.add("$", np.round(rng.gamma(2, 300, rows), 2).astype(str)).astype(object)
    price[rng.random(rows) < 0.02] = "-"
    score = rng.normal(50, 10, rows)
    score[rng.random(rows) < 0.03] = np.nan
    columns = {
        "id": ids,
        "name": name.astype(str),
        "email": email.astype(str),
        "age": ages,
        "city": city.astype(str),
        "country": country.astype(str),
        "signup_date": iso.astype(str),
        "price": price.astype(str),
        "score": score,
        "active": pick(["yes", "no", "true", "false", "Yes"]).astype(str),
        "phone": np.char.add("+49 30 ", rng.integers(1000000, 9999999, rows).astype(str)),
        "quantity": rng.poisson(3, rows),
    }
    table = pa.table({key: pa.array(values, from_pandas=True) for key, values in columns.items()})
    duplicated = np.sort(rng.choice(rows, rows // 100, replace=False))
    table = pa.concat_tables([table, table.take(duplicated)])
    table = table.take(rng.permutation(table.num_rows))
    pacsv.write_csv(table.slice(0, rows), path)
    return path


def _stage(stage: str, path: Path) -> dict[str, Any]:
    """Run one stage in this interpreter (called in a subprocess); imports are not timed."""
    from modulardata.contracts.limits import DatasetLimits
    from modulardata.profiler.pipeline import convert_upload

    baseline = _memory("VmRSS")
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if stage == "pyarrow":
        table = pacsv.read_csv(path)
        result["frame"] = table.nbytes
    else:
        with tempfile.TemporaryDirectory() as folder:
            ingested, profile = convert_upload(
                path,
                Path(folder) / "version.parquet",
                filename=path.name,
                workdir=Path(folder),
                limits=DatasetLimits(),
            )
            result.update(
                frame=ingested.table.nbytes,
                findings=len(profile.findings),
                duplicates=profile.duplicate_row_count,
            )
    result.update(seconds=time.perf_counter() - started, peak=_memory("VmHWM"), base=baseline)
    return result


def _memory(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0]) * 1024


def _run(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _head(path: Path, rows: int) -> Path:
    """The header and first `rows` rows of a CSV, as a file of its own."""
    target = path.with_name(f"{path.stem}-head{rows}.csv")
    if not target.exists():
        with path.open("rb") as source, target.open("wb") as out:
            for _ in range(rows + 1):
                out.write(source.readline())
    return target


def main() -> None:
    """Measure every stage and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ydata-python", type=Path, help="python of the ydata-profiling venv")
    parser.add_argument("--ydata-rows", type=int, help="rows for ydata-profiling (default: all)")
    parser.add_argument("--stage", choices=["pyarrow", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(_stage(args.stage, args.file)))
        return

    path = messy_csv(args.rows, args.seed)
    size = path.stat().st_size / 2**20
    print(f"file: {path} ({args.rows:,} rows x 12 columns, {size:.0f} MiB, seed {args.seed})")
    me = [sys.executable, __file__, "--file", str(path), "--stage"]
    bare = _run([*me, "pyarrow"])
    ours = _run([*me, "ours"])
    frame = ours["frame"]
    print(f"in-memory frame (Arrow): {frame / 2**20:.0f} MiB")
    print(f"{'stage':<34}{'rows':>11}{'wall s':>9}{'peak MiB':>10}")
    print(f"{'pyarrow.csv.read_csv':<34}{args.rows:>11,}{bare['seconds']:>9.2f}{_mib(bare):>10}")
    label = "ours: read, write Parquet, profile"
    print(f"{label:<34}{args.rows:>11,}{ours['seconds']:>9.2f}{_mib(ours):>10}")
    print(f"  ({ours['findings']} findings, {ours['duplicates']:,} duplicate rows found)")
    working = (ours["peak"] - ours["base"]) / frame
    print(
        f"  peak above the interpreter's baseline: {working:.1f}x the frame "
        f"(target <= {TARGET_MEMORY:.0f}x); wall target <= {TARGET_SECONDS} s: "
        f"{'met' if ours['seconds'] <= TARGET_SECONDS else 'MISSED'}"
    )
    if args.ydata_python is None:
        print("ydata-profiling: skipped (pass --ydata-python)")
        return
    rows = args.ydata_rows or args.rows
    source = path if rows >= args.rows else _head(path, rows)
    ydata = _run([str(args.ydata_python), "-c", _YDATA, str(source)])
    label = "ydata-profiling minimal=True"
    print(f"{label:<34}{rows:>11,}{ydata['seconds']:>9.2f}{ydata['peak'] / 2**20:>10.0f}")
    per_row = ydata["seconds"] / rows * args.rows
    note = "" if rows == args.rows else f" (its time scaled linearly to {args.rows:,} rows)"
    print(
        f"speed-up over ydata-profiling: {per_row / ours['seconds']:.0f}x{note} "
        f"(target >= {TARGET_SPEEDUP:.0f}x)"
    )


def _mib(result: dict[str, Any]) -> str:
    return f"{result['peak'] / 2**20:.0f}"


if __name__ == "__main__":
    main()
