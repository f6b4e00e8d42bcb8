"""Class 4, every input of a report is in its build manifest, and class 5 for hashing: only regular files are
hashed, so a FIFO or a link to a device is named, never waited on. Fingerprints only: no notebook runs."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from pccreport.batch.manifest import changed, decide, fingerprint
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.inputs.sample import generate_national


@pytest.fixture
def root(tmp_path) -> Paths:
    """params/ and the national sample tables, plus one street CSV: enough to fingerprint, nothing to build."""
    import shutil

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    generate_national(paths)
    d = paths.police_uk_raw("wiltshire") / "2023-01"
    d.mkdir(parents=True)
    (d / "2023-01-wiltshire-street.csv").write_text("Crime ID\n")
    return paths


def _national_files(paths: Paths) -> list[str]:
    return sorted(f"data/{p.relative_to(paths.raw)}" for p in paths.raw.rglob("*")
                  if p.is_file() and p.relative_to(paths.raw).parts[0] not in ("police_uk", "kpis", "SAMPLE.json"))


def test_every_national_input_is_in_the_manifest_and_its_removal_is_a_change(root):
    first = fingerprint(root, "wiltshire", "2023-Q1")
    national = _national_files(root)
    assert national and set(national) <= set(first["inputs"])
    victim = root.raw / national[0].removeprefix("data/")
    victim.unlink()
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == [f"{national[0]} (removed)"]


@pytest.mark.parametrize("form", ["zip in the force folder", "zip in a month folder", "csv in a new month folder"])
def test_a_new_month_in_any_documented_form_is_a_change(root, form):
    first = fingerprint(root, "wiltshire", "2023-Q1")
    base = root.police_uk_raw("wiltshire")
    if form.startswith("zip"):
        zp = base / ("2023-02" if "month" in form else "") / "download.zip"
        zp.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(zp, "w") as z:
            z.writestr("2023-02/2023-02-wiltshire-street.csv", "Crime ID\n")
    else:
        (base / "2023-02").mkdir()
        (base / "2023-02" / "2023-02-wiltshire-street.csv").write_text("Crime ID\n")
    diff = changed(first, fingerprint(root, "wiltshire", "2023-Q1", first))
    assert len(diff) == 1 and diff[0].endswith("(added)") and diff[0].startswith("data/police_uk/")


def test_another_forces_files_are_not_inputs(root):
    first = fingerprint(root, "wiltshire", "2023-Q1")
    other = root.police_uk_raw("dorset")
    other.mkdir(parents=True)
    (other / "2023-01-dorset-street.csv").write_text("x\n")
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == []


def test_the_notebooks_the_report_runs_are_inputs_and_no_others(root, tmp_path, monkeypatch):
    import shutil

    import yaml

    nbs = tmp_path / "notebooks"
    shutil.copytree(DEFAULT_ROOT / "notebooks", nbs)
    monkeypatch.setattr(Paths, "notebooks", property(lambda self: nbs))
    plan_file = root.params / "wiltshire" / "plan.yaml"
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    runs = {"00_front.ipynb", "90_governance.ipynb", "99_back_matter.ipynb"}
    runs |= {p.get("notebook", "priority.ipynb") for p in plan["priorities"]}
    first = fingerprint(root, "wiltshire", "2023-Q1")
    assert {k for k in first["inputs"] if k.startswith("notebooks/")} == {f"notebooks/{n}" for n in runs}

    # A notebook no priority runs (another force's, or the analyst's) is not an input: adding or editing it is no change.
    (nbs / "zz_other.ipynb").write_bytes((nbs / "priority.ipynb").read_bytes())
    (nbs / "explore.ipynb").write_text("{}", encoding="utf-8")
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == []

    # Editing one the report runs is a change; so is a plan that moves a priority onto the other notebook.
    (nbs / "priority.ipynb").write_bytes((nbs / "priority.ipynb").read_bytes() + b"\n")
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == ["notebooks/priority.ipynb"]
    plan["priorities"][0]["notebook"] = "zz_other.ipynb"
    plan_file.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    diff = changed(first, fingerprint(root, "wiltshire", "2023-Q1", first))
    assert "notebooks/zz_other.ipynb (added)" in diff and "params/wiltshire/plan.yaml" in diff


def test_an_unchanged_plan_is_not_parsed_again_and_a_changed_one_is(root, monkeypatch):
    from pccreport.batch import manifest

    first = fingerprint(root, "wiltshire", "2023-Q1")
    calls = []
    real = manifest.report_notebooks
    monkeypatch.setattr(manifest, "report_notebooks", lambda paths, force: calls.append(force) or real(paths, force))
    again = fingerprint(root, "wiltshire", "2023-Q1", first)
    assert calls == [] and again["notebooks"] == first["notebooks"] and changed(first, again) == []
    plan_file = root.params / "wiltshire" / "plan.yaml"
    plan_file.write_text(plan_file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = fingerprint(root, "wiltshire", "2023-Q1", first)
    assert calls == ["wiltshire"] and changed(first, edited) == ["params/wiltshire/plan.yaml"]
    # A previous manifest naming notebooks out of notebooks/ gets nothing read from there: they are absent inputs.
    forged = {**edited, "notebooks": {**edited["notebooks"], "names": ["../../params/forces.yaml"]}}
    assert fingerprint(root, "wiltshire", "2023-Q1", forged)["inputs"]["notebooks/../../params/forces.yaml"] is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("where", ["force folder", "national folder"])
@pytest.mark.parametrize("kind", ["FIFO", "link to /dev/zero"])
def test_a_fifo_or_device_is_named_not_hashed(root, where, kind):
    base = root.police_uk_raw("wiltshire") if where == "force folder" else root.raw / "ons"
    base.mkdir(parents=True, exist_ok=True)
    target = base / "2023-02-wiltshire-street.csv"
    if kind == "FIFO":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        fingerprint(root, "wiltshire", "2023-Q1")  # returns at once; reading either would never end
    d, current = decide(root, "wiltshire", "2023-Q1")
    assert d.build and "cannot be read" in d.reason and target.name in d.reason and current == {}


def test_hashing_the_inputs_is_bounded_in_wall_time_and_names_the_file(root):
    """decide (run_all, --dry-run) hashes every input within one time bound; past it, the file being read is named."""
    d, current = decide(root, "wiltshire", "2023-Q1", seconds=0)
    assert d.build and current == {} and "cannot be read" in d.reason and "took more than 0 s" in d.reason
    d, current = decide(root, "wiltshire", "2023-Q1", seconds=600)
    assert current and "no report yet" in d.reason


def _second_force(root: Paths) -> None:
    d = root.police_uk_raw("dorset") / "2023-01"
    d.mkdir(parents=True)
    (d / "2023-01-dorset-street.csv").write_text("Crime ID\n")


def test_a_changed_shared_input_makes_every_force_quarter_changed_and_is_hashed_once(root, monkeypatch):
    """One run's SharedInputs (listed, statted, hashed once for all force-quarters) still sees each shared change in
    every force-quarter: a national table rewritten, the registry edited, a national file added."""
    import pccreport.batch.manifest as manifest

    _second_force(root)
    forces = ("wiltshire", "dorset")
    before = {f: fingerprint(root, f, "2023-Q1") for f in forces}
    table = root.raw / _national_files(root)[0].removeprefix("data/")
    table.write_bytes(table.read_bytes() + b"\n")
    registry = root.params / "forces.yaml"
    registry.write_text(registry.read_text() + "\n# edited\n")
    (table.parent / "new-table.csv").write_text("a\n1\n")
    hashed = []
    real = manifest.sha256_file
    monkeypatch.setattr(manifest, "sha256_file", lambda p: hashed.append(p) or real(p))
    shared = manifest.SharedInputs(root)
    for f in forces:
        diff = changed(before[f], fingerprint(root, f, "2023-Q1", before[f], shared))
        assert set(diff) == {f"data/{table.relative_to(root.raw)}", "params/forces.yaml",
                             f"data/{(table.parent / 'new-table.csv').relative_to(root.raw)} (added)"}, (f, diff)
    assert sorted(hashed) == sorted([table, registry, table.parent / "new-table.csv"])  # once each, not per force


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_shared_input_that_is_not_a_regular_file_is_named_for_every_force_quarter(root):
    from pccreport.batch.manifest import SharedInputs

    _second_force(root)
    os.mkfifo(root.raw / "ons" / "stray.csv")
    shared = SharedInputs(root)
    for f in ("wiltshire", "dorset"):
        d, current = decide(root, f, "2023-Q1", shared=shared)
        assert d.build and current == {} and "cannot be read" in d.reason and "stray.csv" in d.reason


def test_the_forces_own_kpi_catalogue_is_an_input(root):
    """params/<force>/kpis.yaml sets bounds, survey design factors and sub-force areas; a change was 'unchanged'."""
    first = fingerprint(root, "wiltshire", "2023-Q1")
    own = root.params / "wiltshire" / "kpis.yaml"
    assert first["inputs"]["params/wiltshire/kpis.yaml"]["sha256"]
    own.write_text(own.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == ["params/wiltshire/kpis.yaml"]
    own.unlink()
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == ["params/wiltshire/kpis.yaml (removed)"]


def test_the_methods_text_printed_in_the_notes_is_an_input(root, tmp_path, monkeypatch):
    methods = tmp_path / "methods.md"
    methods.write_text(Paths(root.root).methods.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(Paths, "methods", property(lambda self: methods))
    first = fingerprint(root, "wiltshire", "2023-Q1")
    methods.write_text(methods.read_text(encoding="utf-8") + "\nA corrected sentence.\n", encoding="utf-8")
    assert changed(first, fingerprint(root, "wiltshire", "2023-Q1", first)) == ["docs/methods.md"]


_TRACE: list[set[str]] = []


def _audit(event: str, args: tuple) -> None:
    if _TRACE and event == "open" and isinstance(args[0], (str, os.PathLike)):
        _TRACE[-1].add(os.path.realpath(os.fspath(args[0])))


def test_every_parameter_file_a_report_reads_is_in_the_manifest(tmp_path):
    """Traced, not listed by hand: what the plan, narrative, catalogue, registry, glossary and notes readers open
    (the parts of a report read from params/ and docs/) against the manifest. It found kpis.yaml and methods.md."""
    import shutil
    import sys

    from pccreport import registry
    from pccreport.batch.manifest import input_files
    from pccreport.ingest.processed import ReportData
    from pccreport.inputs.narrative import load_narrative
    from pccreport.inputs.plan import load_plan
    from pccreport.report import notes, sections

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    root = Paths(tmp_path)  # no data: ReportData reads the parameters it needs and finds nothing delivered
    if _audit not in getattr(sys, "_pccreport_hooks", []):
        sys.addaudithook(_audit)  # a hook cannot be removed: it records only while _TRACE is set
        sys._pccreport_hooks = [*getattr(sys, "_pccreport_hooks", []), _audit]
    registry._load.cache_clear()  # read the registry afresh, as a build's own process does
    _TRACE.append(set())
    try:
        load_plan(root, "wiltshire")
        load_narrative(root, "wiltshire", "2023-Q1")
        ReportData.load(root, registry.load_registry(root)["wiltshire"])
        sections.load_glossary(root.param_file("glossary.yaml"))
        notes.methods_html(root.methods)
    finally:
        opened = _TRACE.pop()
    listed = {os.path.realpath(p) for p in input_files(root, "wiltshire", "2023-Q1").values() if p}
    places = [os.path.realpath(root.params), os.path.realpath(root.methods.parent)]
    read = {f for f in opened if any(f.startswith(p + os.sep) for p in places)}
    assert {"plan.yaml", "2023-Q1.yaml", "kpis.yaml", "kpi_catalogue.yaml", "forces.yaml", "glossary.yaml",
            "methods.md"} <= {Path(f).name for f in read}
    assert read <= listed, sorted(read - listed)
