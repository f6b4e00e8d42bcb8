"""Street-file ingest benchmark: pccreport's DuckDB ingest against plain pandas.read_csv + groupby.

Data sets:
- ``real``: the real Wiltshire street files in ../shared/data (16 files, 67,699 rows).
- ``scaled``: the real Wiltshire files replicated to 43 forces × 24 months (each file's rows written ``--copies``
  times, with Month and force rewritten so every file validates), generated under /tmp, never in the repo.

Each measurement runs in a fresh subprocess so its peak memory (ru_maxrss) is its own. Reported: median wall time
of ``--runs`` runs, rows per second, the ratio to the pandas baseline measured in the same invocation, peak RSS, and
the time of a re-run with nothing new.

    .venv/bin/python benchmarks/ingest_bench.py --dataset real --runs 5
    .venv/bin/python benchmarks/ingest_bench.py --dataset scaled --runs 3

Results go to ``results/ingest_<dataset>.json`` (or ``--out``). ``--tiny`` (run by tests/test_benchmarks.py): the
real files, one run, result under ``--out`` only.
"""

from __future__ import annotations

import argparse
import json
import os
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


def make_scaled(copies: int) -> Path:
    """43 forces × 24 months of street files built from the real Wiltshire files (idempotent)."""
    marker = SCALED / f".done-{copies}"
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
            (folder / f"{month}-{slug}-street.csv").write_bytes(header + b"\n" + body * copies)
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
        if what == "ours":
            r = run_ours(source, Path(a.child[2]), a.child[3] == "areas")
        else:
            r = run_pandas(source)
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
    for _ in range(a.runs):
        out = Path(tempfile.mkdtemp(prefix="pccreport-bench-out-"))
        try:
            ours.append(_child(["ours", str(source), str(out), mode]))
            rerun.append(_child(["ours", str(source), str(out), mode]))
        finally:
            shutil.rmtree(out, ignore_errors=True)
        if not a.skip_pandas:
            base.append(_child(["pandas", str(source)]))
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
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    assert all(r["rows"] == src_rows for r in ours + rerun), "ingest row count differs from the files"
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
        })
    report["tiny"] = a.tiny
    out = Path(a.out) if a.out else Path(__file__).parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ingest_{a.dataset}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
