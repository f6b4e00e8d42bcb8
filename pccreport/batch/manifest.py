"""What a force-quarter report is built from (input hashes), recorded beside it, so unchanged work is skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..config import PACKAGE_ROOT, Paths
from ..errors import InputError
from ..hashing import sha256_file
from ..safefiles import INGEST_SECONDS, check_regular, time_bound

if TYPE_CHECKING:
    from ..inputs.plan import Plan

MANIFEST = "build-manifest.json"  # inside each build, so it is swapped in atomically with the report it describes


@dataclass
class Decision:
    """Whether a force-quarter needs building, and why (shown by --dry-run and in the summary)."""

    build: bool
    reason: str


EXPLORE = "explore.ipynb"  # notebooks/explore.ipynb, for analysts in JupyterLab
FRONT, GOVERNANCE, BACK = "00_front.ipynb", "90_governance.ipynb", "99_back_matter.ipynb"
PER_FORCE = ("police_uk", "kpis")  # data/raw/<kind>/<force>/: each force's own delivered files


def input_files(paths: Paths, force: str, quarter: str) -> dict[str, Path | None]:
    """Every file a force-quarter's report reads, keyed by a stable label; ``None`` marks an optional file absent.

    Data: the force's raw data.police.uk and KPI files (ingest turns them into data/processed/, which the notebooks
    read) and the sample-data register (it decides the SAMPLE DATA stamp). Parameters: registry, glossary, KPI
    catalogues (national and the force's own), plan and narrative; the methods text the notes print. Code: the
    notebooks the report runs (:func:`report_notebooks`) and every package module and template, so a code change
    rebuilds even when ``__version__`` was not bumped.
    """
    runs = {f"notebooks/{name}" for name in report_notebooks(paths, force)}
    shared = {k: v for k, v in shared_input_files(paths).items() if not k.startswith("notebooks/") or k in runs}
    return {**force_input_files(paths, force, quarter), **shared, **{k: None for k in runs - set(shared)}}


@dataclass
class NotebookRun:
    """One notebook execution: which template, its output name and its extra parameters."""

    template: str
    output: str
    params: dict = field(default_factory=dict)


def notebook_runs(plan: Plan) -> list[NotebookRun]:
    """The notebooks of a report in order: front, one per priority, delivery & governance, back matter."""
    runs = [NotebookRun(FRONT, FRONT)]
    for p in plan.priorities:
        runs.append(NotebookRun(p.notebook, f"{10 + p.id:02d}_priority_{p.id}.ipynb", {"priority": p.id}))
    runs += [NotebookRun(GOVERNANCE, GOVERNANCE), NotebookRun(BACK, BACK)]
    return runs


def report_notebooks(paths: Paths, force: str) -> list[str]:
    """File names of the notebooks ``force``'s report runs: front, each priority's (as its plan names), governance
    and back matter. Any other notebook (the analyst's explore.ipynb, one only another force's plan names) is not an
    input of this report: adding or editing it rebuilds nothing here."""
    from ..inputs.plan import load_plan  # pydantic: only when a plan has changed since the last build

    try:
        plan = load_plan(paths, force, check_catalogue=False)
    except (InputError, OSError):
        # The build refuses this plan anyway; until it is mended every report notebook counts, so nothing is skipped.
        return sorted(p.name for p in paths.notebooks.glob("*.ipynb") if p.name != EXPLORE)
    return sorted({run.template for run in notebook_runs(plan)})  # the build's own list, so the two cannot differ


def force_input_files(paths: Paths, force: str, quarter: str) -> dict[str, Path | None]:
    """The inputs of :func:`input_files` that are the force-quarter's own: its delivered files, plan and narrative."""
    files: dict[str, Path | None] = {}
    for base, label in ((paths.police_uk_raw(force), "data/police_uk"), (paths.kpi_raw(force), "data/kpis")):
        if base.exists():
            # Every file delivered there, whatever its form (CSVs, the site's zip download, a stray file the ingest
            # refuses): a new month as a zip must make the report "changed".
            for p in sorted(base.rglob("*")):
                if not p.is_dir() or p.is_symlink():
                    files[f"{label}/{p.relative_to(base)}"] = p
    # The force's own KPI catalogue (its metrics' bounds, survey design factors, sub-force areas) as well.
    for name in (f"{force}/plan.yaml", f"{force}/{quarter}.yaml", f"{force}/kpis.yaml"):
        p = paths.params / name
        files[f"params/{name}"] = p if p.exists() else None
    return files


def shared_input_files(paths: Paths) -> dict[str, Path | None]:
    """The inputs of :func:`input_files` that every force-quarter shares: national data, registry and defaults,
    notebooks, package sources."""
    files: dict[str, Path | None] = {}
    sample = paths.raw / "SAMPLE.json"
    files["data/SAMPLE.json"] = sample if sample.exists() else None
    # The national inputs (ONS tables, Home Office data, ...): every file under data/raw/ not of one force, so
    # removing or replacing one of them is a change too.
    if paths.raw.exists():
        national = []
        # Walked from the top so the forces' own folders are never entered: walking all of data/raw/ for each force
        # made a national run's fingerprints grow with the square of the number of forces.
        for top in paths.raw.iterdir():
            if top.name in PER_FORCE or top == sample:
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


class SharedInputs:
    """The inputs all force-quarters of one run share (:func:`shared_input_files`), listed and statted once.

    A national run decides 43 force-quarters whose inputs are mostly the same files: walking the package, the
    notebooks and data/raw/'s national tables again for each was close to half of its fingerprint time. Each file is
    still statted (and refused if it is not a regular file) on every run; a hash computed for one force-quarter is
    reused for the others only at the same size and mtime, the rule each manifest already applies to its own record.
    A fresh instance sees the files as they are now: make one per run (a build re-decides with its own).
    """

    def __init__(self, paths: Paths):
        self.paths = paths
        self._files: dict[str, Path | None] | None = None
        self._stats: dict[str, tuple[int, int]] = {}
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._runs: dict[tuple[str, str], list[str]] = {}

    def files(self) -> dict[str, Path | None]:
        """Label to path (``None``: an optional file absent), listed on first use."""
        if self._files is None:
            self._files = shared_input_files(self.paths)
        return self._files

    def stat(self, label: str, p: Path) -> tuple[int, int]:
        """(size, mtime_ns) of a shared input, taken once; a file that is not regular raises every time it is asked."""
        if label not in self._stats:
            self._stats[label] = _stat(p)
        return self._stats[label]

    def report_notebooks(self, force: str, plan_label: str, plan_sha: str) -> list[str]:
        """:func:`report_notebooks`, read once per plan content in this run (the default plan serves many forces)."""
        key = (force if plan_label != DEFAULT_PLAN else "", plan_sha)
        if key not in self._runs:
            self._runs[key] = report_notebooks(self.paths, force)
        return self._runs[key]

    def sha256(self, label: str, p: Path, size: int, mtime: int) -> str:
        """The file's hash, computed once per (size, mtime) in this run."""
        key = (label, size, mtime)
        if key not in self._hashes:
            self._hashes[key] = sha256_file(p)
        return self._hashes[key]


def fingerprint(paths: Paths, force: str, quarter: str, previous: dict | None = None,
                shared: SharedInputs | None = None) -> dict:
    """Hash every input; a file whose size and mtime match ``previous`` reuses its recorded hash (as make/git do).

    ``shared`` (one per run) lists, stats and hashes the inputs common to all force-quarters once; without it they
    are taken afresh.
    """
    prev = (previous or {}).get("inputs", {})
    shared = shared or SharedInputs(paths)
    inputs = {}
    own = force_input_files(paths, force, quarter)
    common = shared.files()

    def record(label: str, p: Path | None) -> dict | None:
        if p is None:
            return None
        size, mtime = _stat(p) if label in own else shared.stat(label, p)
        old = prev.get(label)
        if old and old.get("size") == size and old.get("mtime_ns") == mtime:
            return old
        digest = sha256_file(p) if label in own else shared.sha256(label, p, size, mtime)
        return {"sha256": digest, "size": size, "mtime_ns": mtime}

    for label, p in (*own.items(), *common.items()):
        if not label.startswith("notebooks/"):
            inputs[label] = record(label, p)
    runs = _report_notebooks(force, inputs, previous, shared)
    for name in runs["names"]:
        label = f"notebooks/{name}"
        inputs[label] = record(label, common.get(label))  # a notebook the plan names but notebooks/ lacks: absent
    return {"force": force, "quarter": quarter, "version": __version__, "inputs": inputs, "notebooks": runs}


DEFAULT_PLAN = "params/default_plan.yaml"


def _report_notebooks(force: str, inputs: dict, previous: dict | None, shared: SharedInputs) -> dict:
    """The notebooks the report runs, with the record of the plan they were read from. The last build's list is
    reused while its plan file has the same size and mtime (the make/git rule every input here follows), so an
    unchanged run parses no plan."""
    label = f"params/{force}/plan.yaml"
    if inputs.get(label) is None:
        label = DEFAULT_PLAN  # no plan of its own: the public-data default plan
    plan = inputs.get(label)
    known = (previous or {}).get("notebooks")
    if (plan is not None and isinstance(known, dict) and known.get("plan") == plan and known.get("from") == label
            and isinstance(known.get("names"), list) and all(isinstance(n, str) for n in known["names"])):
        return known
    names = shared.report_notebooks(force, label, plan["sha256"] if plan else "")
    return {"from": label, "plan": plan, "names": names}


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
           seconds: float = INGEST_SECONDS, shared: SharedInputs | None = None) -> tuple[Decision, dict]:
    """Whether to build ``force``/``quarter`` and the fresh fingerprint to record if it is built.

    Hashing every input is bounded to ``seconds`` of wall time (as an ingest is); past it, the reason names the file.
    ``shared``: the run's :class:`SharedInputs`, so the inputs common to every force-quarter are walked once.
    """
    report = paths.report_dir(force, quarter)
    previous = read_manifest(report) if report.exists() else None
    try:
        with time_bound(seconds):
            current = fingerprint(paths, force, quarter, previous, shared)
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

