"""What a force-quarter report is built from (input hashes), recorded beside it, so unchanged work is skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..config import PACKAGE_ROOT, Paths
from ..errors import InputError
from ..hashing import sha256_file
from ..safefiles import INGEST_SECONDS, check_regular, time_bound

MANIFEST = "build-manifest.json"  # inside each build, so it is swapped in atomically with the report it describes


@dataclass
class Decision:
    """Whether a force-quarter needs building, and why (shown by --dry-run and in the summary)."""

    build: bool
    reason: str


EXPLORE = "explore.ipynb"  # notebooks/explore.ipynb, for analysts in JupyterLab

def input_files(paths: Paths, force: str, quarter: str) -> dict[str, Path | None]:
    """Every file a force-quarter's report reads, keyed by a stable label; ``None`` marks an optional file absent.

    Data: the force's raw data.police.uk and KPI files (ingest turns them into data/processed/, which the notebooks
    read) and the sample-data register (it decides the SAMPLE DATA stamp). Parameters: registry, glossary, KPI
    catalogues (national and the force's own), plan and narrative; the methods text the notes print. Code: the notebooks and every package module and template, so a code change rebuilds even when
    ``__version__`` was not bumped.
    """
    files: dict[str, Path | None] = {}
    per_force = ("police_uk", "kpis")
    for base, label in ((paths.police_uk_raw(force), "data/police_uk"), (paths.kpi_raw(force), "data/kpis")):
        if base.exists():
            # Every file delivered there, whatever its form (CSVs, the site's zip download, a stray file the ingest
            # refuses): a new month as a zip must make the report "changed".
            for p in sorted(base.rglob("*")):
                if not p.is_dir() or p.is_symlink():
                    files[f"{label}/{p.relative_to(base)}"] = p
    sample = paths.raw / "SAMPLE.json"
    files["data/SAMPLE.json"] = sample if sample.exists() else None
    # The national inputs (ONS tables, Home Office data, ...): every file under data/raw/ not of one force, so
    # removing or replacing one of them is a change too.
    if paths.raw.exists():
        national = []
        # Walked from the top so the forces' own folders are never entered: walking all of data/raw/ for each force
        # made a national run's fingerprints grow with the square of the number of forces.
        for top in paths.raw.iterdir():
            if top.name in per_force or top == sample:
                continue
            national.append(top)
            if top.is_dir() and not top.is_symlink():
                national.extend(top.rglob("*"))
        for p in sorted(national):
            if not (p.is_dir() and not p.is_symlink()):
                files[f"data/{p.relative_to(paths.raw)}"] = p
    for name in ("forces.yaml", "glossary.yaml", "kpi_catalogue.yaml", "default_plan.yaml"):
        p = paths.param_file(name)  # the root's own, else the project's defaults
        files[f"params/{name}"] = p if p.exists() else None
    # The force's own KPI catalogue (its metrics' bounds, survey design factors, sub-force areas) as well.
    for name in (f"{force}/plan.yaml", f"{force}/{quarter}.yaml", f"{force}/kpis.yaml"):
        p = paths.params / name
        files[f"params/{name}"] = p if p.exists() else None
    files["docs/methods.md"] = paths.methods  # printed in every report's notes on methods
    for p in sorted(paths.notebooks.glob("*.ipynb")):
        if p.name != EXPLORE:  # the analyst's notebook is not part of the report: editing it rebuilds nothing
            files[f"notebooks/{p.name}"] = p
    for p in sorted(PACKAGE_ROOT.rglob("*")):
        if p.is_file() and p.suffix in {".py", ".j2", ".css", ".yaml"} and "__pycache__" not in p.parts:
            files[f"package/{p.relative_to(PACKAGE_ROOT)}"] = p
    return files


def _stat(p: Path) -> tuple[int, int]:
    st = check_regular(p)  # a FIFO or a link to a device would hang the hash: refused, naming the file
    return st.st_size, st.st_mtime_ns


def fingerprint(paths: Paths, force: str, quarter: str, previous: dict | None = None) -> dict:
    """Hash every input; a file whose size and mtime match ``previous`` reuses its recorded hash (as make/git do)."""
    prev = (previous or {}).get("inputs", {})
    inputs = {}
    for label, p in input_files(paths, force, quarter).items():
        if p is None:
            inputs[label] = None
            continue
        size, mtime = _stat(p)
        old = prev.get(label)
        if old and old.get("size") == size and old.get("mtime_ns") == mtime:
            inputs[label] = old
        else:
            inputs[label] = {"sha256": sha256_file(p), "size": size, "mtime_ns": mtime}
    return {"force": force, "quarter": quarter, "version": __version__, "inputs": inputs}


def read_manifest(report_dir: Path) -> dict | None:
    """The manifest of the report currently published at ``report_dir`` (None if there is none or it is unreadable)."""
    try:
        return json.loads((report_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changed(previous: dict, current: dict) -> list[str]:
    """Labels of inputs added, removed or whose content differs (hash, not timestamp)."""
    out = []
    if previous.get("version") != current.get("version"):
        out.append(f"package version {previous.get('version')} -> {current.get('version')}")
    a, b = previous.get("inputs", {}), current.get("inputs", {})
    for label in sorted(set(a) | set(b)):
        ha = (a.get(label) or {}).get("sha256")
        hb = (b.get(label) or {}).get("sha256")
        if ha != hb:
            out.append(label if ha and hb else f"{label} ({'added' if hb else 'removed'})")
    return out


def decide(paths: Paths, force: str, quarter: str, force_rebuild: bool = False,
           seconds: float = INGEST_SECONDS) -> tuple[Decision, dict]:
    """Whether to build ``force``/``quarter`` and the fresh fingerprint to record if it is built.

    Hashing every input is bounded to ``seconds`` of wall time (as an ingest is); past it, the reason names the file.
    """
    report = paths.report_dir(force, quarter)
    previous = read_manifest(report) if report.exists() else None
    try:
        with time_bound(seconds):
            current = fingerprint(paths, force, quarter, previous)
    except InputError as exc:
        # Not skipped, not a crash: the build that follows stops on the same input and names it in the summary.
        where = Path(exc.path)
        where = where.relative_to(paths.root) if where.is_relative_to(paths.root) else where
        what = exc.problems[0].message if exc.problems else str(exc)
        return Decision(True, f"an input cannot be read: {where} {what}"), {}
    if force_rebuild:
        return Decision(True, "--force-rebuild"), current
    if not report.exists():
        return Decision(True, "no report yet"), current
    if previous is None:
        return Decision(True, "report has no build manifest (built before manifests)"), current
    diff = changed(previous, current)
    if diff:
        more = f" and {len(diff) - 3} more" if len(diff) > 3 else ""
        return Decision(True, "changed: " + ", ".join(diff[:3]) + more), current
    return Decision(False, "inputs unchanged since the last successful build"), current

