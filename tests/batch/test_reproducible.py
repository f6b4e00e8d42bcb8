"""Reproducibility: the same force-quarter built twice, in two project roots holding the same inputs, gives the same
numbers: every executed notebook output, every scorecard.csv field, the provenance and the report HTML (the build
time and the project root's path, which differ by design, are masked)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pccreport.config import Paths

FORCE, QUARTER = "wiltshire", "2023-Q1"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)?")
# papermill gives each injected-parameters cell a random id, which nbconvert writes into the HTML: an identifier,
# not a figure.
_CELL_ID = re.compile(r"cell-id=[0-9a-f]+")


@pytest.fixture(scope="module")
def two_builds(built_twice) -> tuple[Paths, Paths]:
    return built_twice  # see conftest.py; test_faults.py may have added Dorset to the second root, nothing else


def _mask(text: str, paths: Paths) -> str:
    """The build time and the root's path are the only things allowed to differ."""
    return _CELL_ID.sub("cell-id=<id>", _TIMESTAMP.sub("<time>", text.replace(str(paths.root), "<root>")))


def _outputs(paths: Paths) -> dict[str, list]:
    """Every output of every code cell of the executed notebooks, masked, by notebook and cell."""
    out = {}
    for nb_path in sorted((paths.report_dir(FORCE, QUARTER) / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        cells = []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
                continue
            for o in cell.get("outputs", []):
                data = o.get("data", {"text": o.get("text", ""), "ename": o.get("ename", "")})
                cells.append((i, o.get("output_type"), {k: _mask(v if isinstance(v, str) else "".join(v), paths)
                                                         for k, v in sorted(data.items())}))
        out[nb_path.name] = cells
    return out


def test_executed_notebook_outputs_are_identical_output_by_output(two_builds):
    a, b = two_builds
    oa, ob = _outputs(a), _outputs(b)
    assert sorted(oa) == sorted(ob) and len(oa) >= 4
    assert sum(len(v) for v in oa.values()) > 0, "no outputs to compare"
    for name in oa:
        assert len(oa[name]) == len(ob[name]), name
        for (ia, ta, da), (ib, tb, db) in zip(oa[name], ob[name]):
            assert (ia, ta, sorted(da)) == (ib, tb, sorted(db)), f"{name} cell {ia}"
            for mime in da:
                assert da[mime] == db[mime], f"{name} cell {ia} {mime} differs"


def test_scorecard_statements_and_figures_are_identical_field_by_field(two_builds):
    a, b = two_builds
    sa = pd.read_csv(a.report_dir(FORCE, QUARTER) / "scorecard.csv", dtype=str, keep_default_na=False)
    sb = pd.read_csv(b.report_dir(FORCE, QUARTER) / "scorecard.csv", dtype=str, keep_default_na=False)
    assert len(sa) > 5 and list(sa.columns) == list(sb.columns)
    for col in sa.columns:
        for row, (va, vb) in enumerate(zip(sa[col], sb[col])):
            assert va == vb, f"scorecard.csv row {row + 1} field {col!r}: {va!r} != {vb!r}"


def test_provenance_and_report_html_differ_only_in_build_time_and_root(two_builds):
    a, b = two_builds
    pa_, pb = (json.loads((p.report_dir(FORCE, QUARTER) / "provenance.json").read_text()) for p in (a, b))
    assert pa_["built_at"] != "" and pb["built_at"] != ""
    for k in pa_:
        if k != "built_at":
            assert _mask(json.dumps(pa_[k], sort_keys=True), a) == _mask(json.dumps(pb[k], sort_keys=True), b), k
    name = f"{FORCE}-{QUARTER}-report.html"
    ha = _mask((a.report_dir(FORCE, QUARTER) / name).read_text(encoding="utf-8"), a)
    hb = _mask((b.report_dir(FORCE, QUARTER) / name).read_text(encoding="utf-8"), b)
    assert ha == hb


def test_processed_data_is_identical(two_builds):
    a, b = two_builds
    def parquet(paths: Paths) -> list[Path]:
        return sorted(p.relative_to(paths.processed) for d in ("wiltshire", "national")
                      for p in (paths.processed / d).rglob("*.parquet"))

    files = parquet(a)
    assert len(files) > 10 and files == parquet(b)
    for rel in files:
        pd.testing.assert_frame_equal(pd.read_parquet(a.processed / rel), pd.read_parquet(b.processed / rel))
