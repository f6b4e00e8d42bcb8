"""Shared helpers for the batch benchmarks: sample roots, timing with peak memory of a whole process tree."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.sample import generate
from pccreport.registry import load_registry

PY = sys.executable
RUN_ALL = str(DEFAULT_ROOT / "run_all.py")


# The tiny mode's first sample month: 18 months to 2023-06, so the benchmarks' quarter (2023-Q1) and the same quarter a
# year before, enough for every notebook to run; generating and ingesting fewer months is most of what it saves.
TINY_START = "2022-01"

# A force with no plan of its own gets Wiltshire's, with Wiltshire's two sub-force KPI areas renamed to these and
# declared in its own kpis.yaml (written before its sample data, so the sample KPI rows use them).
OWN_AREAS = {"County": "North", "Swindon": "South"}


def sample_root(root: Path, forces: list[str], start: str = "2020-10", end: str = "2023-06",
                tiny: bool = False, public: bool = False) -> Paths:
    """A project root with the repo's params/ and seeded sample data for ``forces``; forces other than Wiltshire get
    Wiltshire's plan catalogue (their own slug, sub-force areas North and South) so every registry force can be built.
    ``tiny`` keeps one metric per priority (the benchmarks' smoke-test mode, run by tests/test_benchmarks.py).
    ``public``: public data alone, as a force without its own inputs has it: no plan, KPIs or narrative of any force
    (each is built from the public-data default plan), street and outcomes files only."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(DEFAULT_ROOT / "params", root / "params")
    paths = Paths(root)
    if public:
        return _public_root(paths, forces, start, end, tiny)
    plan = yaml.safe_load((paths.params / "wiltshire" / "plan.yaml").read_text())
    if tiny:
        plan = _tiny_plan(plan)
        (paths.params / "wiltshire" / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    for f in forces:
        if not (paths.params / f / "plan.yaml").exists():
            (paths.params / f).mkdir(exist_ok=True)
            (paths.params / f / "plan.yaml").write_text(yaml.safe_dump({**_rename_areas(plan), "force": f},
                                                                       sort_keys=False))
            if not (paths.params / f / "kpis.yaml").exists():
                # The plan's peer benchmarks (e.g. victim satisfaction) name Wiltshire's comparators: declare them too.
                own = yaml.safe_load((paths.params / "wiltshire" / "kpis.yaml").read_text()) or {}
                (paths.params / f / "kpis.yaml").write_text(yaml.safe_dump(
                    {"areas": list(OWN_AREAS.values()), "comparators": own.get("comparators", [])}))
        elif tiny and f != "wiltshire":
            own = _tiny_plan(yaml.safe_load((paths.params / f / "plan.yaml").read_text()))
            (paths.params / f / "plan.yaml").write_text(yaml.safe_dump(own, sort_keys=False))
        generate(paths, f, start, end)
    return paths


def _public_root(paths: Paths, forces: list[str], start: str, end: str, tiny: bool) -> Paths:
    for own in paths.params.iterdir():
        if own.is_dir():
            shutil.rmtree(own)
    if tiny:
        plan_file = paths.params / "default_plan.yaml"
        plan_file.write_text(yaml.safe_dump(_tiny_plan(yaml.safe_load(plan_file.read_text())), sort_keys=False))
    for f in forces:
        generate(paths, f, start, end)
        shutil.rmtree(paths.kpi_raw(f))  # public data has no force KPIs
    register = paths.raw / "SAMPLE.json"
    known = json.loads(register.read_text())
    register.write_text(json.dumps({k: v for k, v in known.items() if (paths.raw / k).exists()}, indent=1))
    return paths


def _tiny_plan(plan: dict) -> dict:
    """The plan's first three priorities (the fewest a plan may have), each with its first metric only."""
    keep = [{**p, "scorecards": [{**p["scorecards"][0], "metrics": p["scorecards"][0]["metrics"][:1]}]}
            for p in plan["priorities"][:3]]
    return {**plan, "priorities": keep}


def _rename_areas(node: object) -> object:
    """Wiltshire's plan with its sub-force area names replaced (in ``area`` fields and in metric names)."""
    if isinstance(node, dict):
        return {k: (OWN_AREAS.get(v, v) if k == "area" else _rename_areas(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_areas(v) for v in node]
    if isinstance(node, str):
        for old, new in OWN_AREAS.items():
            node = node.replace(f"({old})", f"({new})")
    return node


def out_dir(arg: str | None) -> Path:
    """Where results go: benchmarks/results/ unless --out names another folder (tiny runs never overwrite them)."""
    return Path(arg) if arg else Path(__file__).parent / "results"


def all_forces(paths: Paths) -> list[str]:
    return sorted(load_registry(paths))


def timed(cmd: list[str] | str, shell: bool = False, env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak summed RSS of it and all its descendants in MB, sampled at 5 Hz)."""
    peak = 0.0
    done = threading.Event()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)

    def sample():
        nonlocal peak
        try:
            me = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                procs = [me] + me.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total / 2**20)
            except psutil.Error:
                pass
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    wall = time.monotonic() - t0
    done.set()
    th.join()
    if proc.returncode not in (0,):
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err.decode()[-2000:]}")
    return wall, peak


def conditions() -> dict:
    """Machine and load at the time of a measurement (the machine is shared; state it with every figure)."""
    return {"cores": os.cpu_count(), "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "mem_total_gb": round(psutil.virtual_memory().total / 2**30, 1), "python": sys.version.split()[0],
            "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def save(name: str, result: dict, out: Path | None = None) -> None:
    out = out or out_dir(None)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
