"""Benchmarks that cannot rot: every script in benchmarks/ runs in its tiny mode and writes its result file.

No timing is asserted (speed is measured by the scripts themselves, on purpose, not here); only that each script
completes on today's code and writes the JSON it documents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pccreport.config import DEFAULT_ROOT

from .conftest import shared

BENCH = DEFAULT_ROOT / "benchmarks"


def _tiny(script: str, out, extra: tuple[str, ...] = ()) -> None:
    env = {**os.environ, "PYTHONPATH": str(BENCH)}
    proc = subprocess.run([sys.executable, str(BENCH / script), "--tiny", "--out", str(out), *extra], cwd=BENCH,
                          env=env, capture_output=True, text=True, timeout=1800)  # generous: CI machines are shared
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.parametrize("script, result, check", [
    ("bench_single.py", "single_force_quarter.json", lambda r: r["run_all_s"] and r["naive_loop_s"]),
    ("bench_national.py", "national_batch.json",
     lambda r: [x["forces"] for x in r["runs"]] == [2] and r["runs"][0]["unchanged_runs_s"]),
    ("bench_unchanged.py", "unchanged.json", lambda r: r["forces"] == 2 and r["arms"]["this"]["run_s"]),
])
def test_batch_benchmark_runs_in_tiny_mode(tmp_path, script, result, check):
    _tiny(script, tmp_path)
    doc = json.loads((tmp_path / result).read_text())
    assert doc["tiny"] is True and check(doc)


def test_build_phases_benchmark_runs_in_tiny_mode(tmp_path):
    _tiny("build_phases.py", tmp_path)
    doc = json.loads((tmp_path / "build_phases.json").read_text())
    run = doc["runs"][0]
    assert doc["tiny"] is True and run["charts"] > 0 and run["pdf"]["pages"] > 0
    assert run["pdf"]["layout_cpu_s"] > 0 and run["pdf"]["layout_cpu_weasyprint_columns_s"] > 0
    assert {"context", "write_pdf", "build"} <= {p["what"] for p in run["phases"]}


def test_ingest_benchmark_runs_in_tiny_mode(tmp_path):
    shared("police_uk_street", "wiltshire")
    _tiny("ingest_bench.py", tmp_path)
    doc = json.loads((tmp_path / "ingest_real.json").read_text())
    assert doc["tiny"] is True and doc["rows"] > 0 and doc["pandas_seconds_all"]


@pytest.mark.parametrize("plan", ["sample", "public"])
def test_the_full_plan_the_national_benchmark_gives_other_forces_passes_their_check(tmp_path, plan):
    """The tiny national run trims the plan, so it cannot see a full-plan field another force's inputs refuse (as the
    plan's peer benchmarks once were); the full plan is checked here without building it. Only Bedfordshire's sample is
    made: the check reads that force's inputs, and sample_root gives it Wiltshire's full plan whether or not
    Wiltshire's data is generated. ``public`` is ``--plan public``: the default plan on public data alone."""
    env = {**os.environ, "PYTHONPATH": str(BENCH)}
    code = ("import sys; from pathlib import Path; from common import sample_root; "
            "sample_root(Path(sys.argv[1]), ['bedfordshire'], start='2022-01', public=sys.argv[2] == 'public')")
    made = subprocess.run([sys.executable, "-c", code, str(tmp_path / "root"), plan], cwd=BENCH, env=env,
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(tmp_path / "root"),
                           "--check", "--force", "bedfordshire", "--quarter", "2023-Q1"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "bedfordshire 2023-Q1: OK" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    root = tmp_path / "root"
    assert (root / "params" / "bedfordshire" / "plan.yaml").exists() == (plan == "sample")
    assert (root / "data" / "raw" / "kpis" / "bedfordshire").exists() == (plan == "sample")
