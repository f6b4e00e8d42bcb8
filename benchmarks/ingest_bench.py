"""Street-file ingest benchmark: pccreport's ingest against plain pandas.read_csv + groupby (the baseline), and
beside the bare engines' own floor: polars ``scan_csv`` + ``group_by().len()`` and DuckDB ``read_csv`` + ``GROUP
BY`` over the same files, with no validation, hashing or writing.

Data sets:
- ``real``: the real Wiltshire street files in ../shared/data (16 files, 67,699 rows).
- ``scaled``: the real Wiltshire files replicated to 43 forces × 24 months (each file's rows written ``--copies``
  times, with Month, force and the copies' Crime IDs rewritten so every file validates), generated under
  /tmp/pccreport-bench-scaled (about 2.7 GB), never in the repo.

Each measurement runs in a fresh subprocess so its peak memory (ru_maxrss) is its own. Reported: median wall time
of ``--runs`` runs, rows per second, the ratio to the pandas baseline and to the bare polars and DuckDB queries
measured in the same invocation (runs interleaved), peak RSS, the load average, and the time of a re-run with
nothing new.

    .venv/bin/python benchmarks/ingest_bench.py --dataset real --runs 5
    .venv/bin/python benchmarks/ingest_bench.py --dataset scaled --runs 3

Results go to ``results/ingest_<dataset>.json`` (or ``--out``). ``--tiny`` (run by tests/test_benchmarks.py): the
real files, one run, result under ``--out`` only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
WILTSHIRE = SHARED / "police_uk_street" / "wiltshire"
LOOKUP = SHARED / "ons_geography" / "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December__2023)_Lookup_.csv"
SCALED = Path(tempfile.gettempdir()) / "pccreport-bench-scaled"
GROUP_KEYS = ["Month", "Crime type", "Last outcome category", "LSOA code", "LSOA name"]


def _forces() -> list[tuple[str, str, str]]:
    sys.path.insert(0, str(ROOT))
    from pccreport.config import Paths
    from pccreport.registry import load_registry

    return [(f.slug, f.police_uk_name, f.ons_code) for f in load_registry(Paths(ROOT)).values()]


def _copy_ids(body: bytes, k: int) -> bytes:
    """Copy ``k`` of a file's rows with Crime IDs of its own (first two hex digits set to ``k``): the ingest refuses
    a file whose rows repeat the same crimes, so plain repeats would not be a valid month."""
    if k == 0:
        return body
    return re.sub(rb"(?m)^[0-9a-f]{2}(?=[0-9a-f]{62},)", f"{k:02x}".encode(), body)


def make_scaled(copies: int) -> Path:
    """43 forces × 24 months of street files built from the real Wiltshire files (idempotent)."""
    marker = SCALED / f".done-{copies}-unique-ids"
    if marker.exists():
        return SCALED
    shutil.rmtree(SCALED, ignore_errors=True)
    sources = sorted(WILTSHIRE.glob("*-wiltshire-street.csv"))
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    for slug, name, _ in _forces():
        folder = SCALED / slug
        folder.mkdir(parents=True)
        for i, month in enumerate(months):
            src = sources[i % len(sources)]
            header, body = src.read_bytes().split(b"\n", 1)
            old = f",{src.name[:7]},Wiltshire Police,Wiltshire Police,".encode()
            new = f",{month},{name},{name},".encode()
            body = body.replace(old, new)
            (folder / f"{month}-{slug}-street.csv").write_bytes(
                header + b"\n" + b"".join(_copy_ids(body, k) for k in range(copies)))
    marker.touch()
    return SCALED


def _count_rows(folder: Path) -> int:
    n = 0
    for p in folder.rglob("*-street.csv"):
        with open(p, "rb") as f:
            n += sum(1 for _ in f) - 1
    return n


def run_ours(source: Path, out: Path, with_areas: bool) -> dict:
    """One ingest of every force folder under ``source`` (or the single folder ``source``)."""
    sys.path.insert(0, str(ROOT))
    from pccreport.ingest import ons_geography, police_uk

    areas = ons_geography.area_table(ons_geography.read_lookup(LOOKUP)) if with_areas else None
    forces = {slug: (name, code) for slug, name, code in _forces()}
    c0 = _cpu()
    t0 = time.perf_counter()
    rows = 0
    targets = [source] if source.name in forces else sorted(p for p in source.iterdir() if p.is_dir())
    for folder in targets:
        name, code = forces[folder.name]
        s = police_uk.ingest(folder, out / folder.name, folder.name, name, areas=areas, ons_code=code)
        rows += s.rows
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - c0, "rows": rows}


def run_pandas(source: Path) -> dict:
    """The baseline: pandas.read_csv each file, then groupby the same keys and count."""
    import pandas as pd

    c0 = _cpu()
    t0 = time.perf_counter()
    rows = 0
    for p in sorted(source.rglob("*-street.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        df.groupby(GROUP_KEYS).size()
        rows += len(df)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - c0, "rows": rows}


def _street_files(source: Path) -> list[str]:
    return [str(p) for p in sorted(source.rglob("*-street.csv"))]


def run_polars(source: Path) -> dict:
    """The polars floor: one lazy scan of every file (all columns text) grouped by the same keys and counted."""
    import polars as pl

    from pccreport.ingest.police_uk import STREET_COLUMNS

    files = _street_files(source)
    c0 = _cpu()
    t0 = time.perf_counter()
    counts = (pl.scan_csv(files, schema={c: pl.String for c in STREET_COLUMNS}).group_by(GROUP_KEYS).len()
              .collect())
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - c0, "rows": int(counts["len"].sum())}


def run_duckdb(source: Path) -> dict:
    """The DuckDB floor: one read_csv of every file (explicit text columns and quoting) grouped and counted."""
    import duckdb

    from pccreport.ingest.police_uk import STREET_COLUMNS

    files = _street_files(source)
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in STREET_COLUMNS) + "}"
    keys = ", ".join(f'"{k}"' for k in GROUP_KEYS)
    c0 = _cpu()
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("set preserve_insertion_order=false")
    rows = con.execute(f"""select sum(n) from (select {keys}, count(*) as n from read_csv(?, header=true, delim=',',
                           quote='"', escape='"', auto_detect=false, columns={cols}) group by all)""",
                       [files]).fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - c0, "rows": int(rows)}


def _cpu() -> float:
    """CPU seconds (user + system, all threads) used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(args: list[str]) -> dict:
    """Run this script in a subprocess for one measurement; returns its JSON plus peak RSS in MB."""
    res = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", choices=["real", "scaled"], default="real")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--no-areas", action="store_true", help="ingest without the ONS lookup join")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--child", nargs="+")
    ap.add_argument("--tiny", action="store_true", help="smoke test: the real files, one run")
    ap.add_argument("--out", help="folder for ingest_<dataset>.json (default benchmarks/results)")
    a = ap.parse_args()
    if a.tiny:
        a.dataset, a.runs = "real", 1
    if a.child:
        what, source = a.child[0], Path(a.child[1])
        sys.path.insert(0, str(ROOT))
        if what == "ours":
            r = run_ours(source, Path(a.child[2]), a.child[3] == "areas")
        else:
            r = {"pandas": run_pandas, "polars": run_polars, "duckdb": run_duckdb}[what](source)
        # CPU seconds of the timed part only (all threads, user + system): on a shared machine this moves far
        # less than wall time when other work competes for the two cores.
        r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(r))
        return

    load_at_start = [round(x, 2) for x in os.getloadavg()]  # 1, 5, 15 min: how busy the shared machine was
    source = WILTSHIRE if a.dataset == "real" else make_scaled(a.copies)
    src_rows = _count_rows(source)
    mode = "plain" if a.no_areas else "areas"
    ours, rerun, base = [], [], []
    floors: dict[str, list[dict]] = {"polars": [], "duckdb": []}
    loads = []
    for _ in range(a.runs):
        loads.append(round(os.getloadavg()[0], 2))
        out = Path(tempfile.mkdtemp(prefix="pccreport-bench-out-"))
        try:
            ours.append(_child(["ours", str(source), str(out), mode]))
            rerun.append(_child(["ours", str(source), str(out), mode]))
        finally:
            shutil.rmtree(out, ignore_errors=True)
        if not a.skip_pandas:
            base.append(_child(["pandas", str(source)]))
        for engine, runs in floors.items():
            runs.append(_child([engine, str(source)]))
    med = statistics.median
    report = {
        "dataset": a.dataset, "rows": src_rows, "files": len(list(source.rglob("*-street.csv"))), "runs": a.runs,
        "areas_join": not a.no_areas,
        "ours_seconds_median": round(med(r["seconds"] for r in ours), 3),
        "ours_seconds_all": [round(r["seconds"], 3) for r in ours],
        "ours_rows_per_s": round(src_rows / med(r["seconds"] for r in ours)),
        "ours_peak_rss_mb_max": round(max(r["peak_rss_mb"] for r in ours)),
        "ours_cpu_seconds_median": round(med(r["cpu_seconds"] for r in ours), 3),
        "rerun_seconds_median": round(med(r["seconds"] for r in rerun), 3),
        "rerun_seconds_all": [round(r["seconds"], 3) for r in rerun],
        "load_average_at_start": load_at_start,
        "load_1min_at_each_run_start": loads,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    assert all(r["rows"] == src_rows for r in ours + rerun), "ingest row count differs from the files"
    ours_med = med(r["seconds"] for r in ours)
    for engine, runs in floors.items():
        assert all(r["rows"] == src_rows for r in runs), f"bare {engine} row count differs from the files"
        report.update({
            f"{engine}_seconds_median": round(med(r["seconds"] for r in runs), 3),
            f"{engine}_seconds_all": [round(r["seconds"], 3) for r in runs],
            f"{engine}_rows_per_s": round(src_rows / med(r["seconds"] for r in runs)),
            f"{engine}_peak_rss_mb_max": round(max(r["peak_rss_mb"] for r in runs)),
            f"{engine}_cpu_seconds_median": round(med(r["cpu_seconds"] for r in runs), 3),
            # Above 1: our ingest (with every check, hashing and writing) takes this many times the bare query.
            f"ours_over_{engine}": round(ours_med / med(r["seconds"] for r in runs), 2),
            f"ours_over_{engine}_per_run": [round(o["seconds"] / r["seconds"], 2) for o, r in zip(ours, runs)],
        })
    if base:
        report.update({
            "pandas_seconds_median": round(med(r["seconds"] for r in base), 3),
            "pandas_seconds_all": [round(r["seconds"], 3) for r in base],
            "pandas_rows_per_s": round(src_rows / med(r["seconds"] for r in base)),
            "pandas_peak_rss_mb_max": round(max(r["peak_rss_mb"] for r in base)),
            "pandas_cpu_seconds_median": round(med(r["cpu_seconds"] for r in base), 3),
            "speedup_vs_pandas_cpu": round(med(r["cpu_seconds"] for r in base) / med(r["cpu_seconds"] for r in ours),
                                           2),
            "speedup_vs_pandas": round(med(r["seconds"] for r in base) / med(r["seconds"] for r in ours), 2),
            "speedup_vs_pandas_per_run": [round(b["seconds"] / o["seconds"], 2) for o, b in zip(ours, base)],
        })
    report["tiny"] = a.tiny
    out = Path(a.out) if a.out else Path(__file__).parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ingest_{a.dataset}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
