"""Class 4, every input of a report is in its build manifest, and class 5 for hashing: only regular files are
hashed, so a FIFO or a link to a device is named, never waited on. Fingerprints only: no notebook runs."""

from __future__ import annotations

import os
import zipfile

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
