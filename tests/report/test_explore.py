"""The analyst's API in JupyterLab: matplotlib left alone, tidy frames, targets recomputed, warnings, explore.ipynb."""

from __future__ import annotations

import csv
import subprocess
import sys
import warnings

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from pccreport import report
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.ingest.pipeline import ingest_force, ingest_national
from pccreport.registry import load_registry
from tests.conftest import make_root


@pytest.fixture(scope="module")
def two_forces(tmp_path_factory) -> Paths:
    """Wiltshire and Dorset sample data (Jan 2021 to Mar 2023) ingested into a fresh project root."""
    paths = make_root(tmp_path_factory.mktemp("explore"), ("wiltshire", "dorset"), start="2021-01", end="2023-03")
    ingest_national(paths)
    reg = load_registry(paths)
    for f in ("wiltshire", "dorset"):
        ingest_force(paths, reg[f])
    return paths


@pytest.fixture(scope="module")
def ctx(two_forces):
    return report.context("wiltshire", "2023-Q1", str(two_forces.root))


def test_importing_the_package_and_drawing_a_chart_leaves_matplotlib_alone():
    code = (
        "import sys, matplotlib\n"
        "matplotlib.rcParams['backend'] = 'svg'\n"
        "from pccreport import report\n"
        "from pccreport.report import charts\n"
        "fig, ax = charts._subplots((2, 2)); ax.plot([1, 2, 3])\n"
        "assert charts.figure_html(fig, 'a test chart').startswith('<figure')\n"
        "print(matplotlib.rcParams._get_backend_or_none(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(DEFAULT_ROOT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["svg", "False"]


def test_scorecard_is_a_frame_of_every_measure_with_monthly_periods(ctx):
    table = ctx.scorecard
    assert list(table.index) == [m.id for m in ctx.plan.metrics()]
    assert str(table["month"].dtype) == "period[M]"
    assert table.loc["all_crime", "month"] == pd.Period("2023-03", "M")
    for r in ctx.results:
        got = table.loc[r.metric.id, "value"]
        assert (pd.isna(got) and r.value is None) or got == pytest.approx(r.value)


def test_the_chart_frame_matches_counts_and_xmr_limits_recomputed_from_the_raw_csv(ctx, two_forces):
    frame = ctx.result("all_crime").frame()
    assert isinstance(frame.index, pd.PeriodIndex) and frame.index.max() == pd.Period("2023-03", "M")
    raw = two_forces.police_uk_raw("wiltshire")
    for month in ("2022-11", "2023-03"):
        with open(raw / month / f"{month}-wiltshire-street.csv", newline="") as fh:
            n = sum(1 for row in csv.DictReader(fh) if row["Crime type"] != "Anti-social behaviour")
        assert frame.loc[pd.Period(month, "M"), "value"] == n
    # XmR (Wheeler; NHS Making Data Count): mean of all points, limits at mean ± 2.66 × mean moving range.
    v = frame["value"].to_numpy(dtype=float)
    mean, mr = v.mean(), np.abs(np.diff(v)).mean()
    assert frame["mean"].iloc[-1] == pytest.approx(mean)
    assert frame["upper"].iloc[-1] == pytest.approx(mean + 2.66 * mr)
    assert frame["lower"].iloc[-1] == pytest.approx(mean - 2.66 * mr)  # thousands a month: no floor at zero here
    assert set(frame.columns) >= {"signal", "side", "lower_band", "upper_band"}


def test_changing_a_target_recomputes_the_rating_and_leaves_the_context_alone(ctx):
    table = ctx.scorecard
    mid = "calls_999_answer"
    direction = ctx.result(mid).metric.direction
    # With a target the rating is the Making Data Count assurance: a target beyond the latest process limits is
    # consistently not met (Red) on one side and consistently met (Green) on the other.
    limits = ctx.result(mid).frame()
    lo, hi = float(limits["lower"].iloc[-1]), float(limits["upper"].iloc[-1])
    strict, lenient = (lo - (hi - lo), hi + (hi - lo)) if direction == "down" else (hi + (hi - lo), lo - (hi - lo))
    assert ctx.with_targets(**{mid: strict}).scorecard.loc[mid, "rag"] == "red"
    assert ctx.with_targets(**{mid: lenient}).scorecard.loc[mid, "rag"] == "green"
    assert ctx.scorecard.loc[mid, "target"] == table.loc[mid, "target"]  # the original is unchanged
    with pytest.raises(KeyError, match="no metric"):
        ctx.with_targets(no_such_metric=1.0)


def test_context_warns_when_the_quarter_is_outside_the_data_or_the_narrative_is_missing(two_forces, ctx):
    with pytest.warns(report.ContextWarning) as got:
        later = report.context("wiltshire", "2023-Q3", str(two_forces.root))
    messages = [str(w.message) for w in got]
    assert any("outside the data.police.uk data" in m and "Mar-23" in m for m in messages)
    assert any("no narrative for 2023-Q3" in m for m in messages)
    assert later.warnings == messages
    with warnings.catch_warnings():
        warnings.simplefilter("error", report.ContextWarning)
        report.context("wiltshire", "2023-Q1", str(two_forces.root))  # inside the data, narrative supplied


def test_reprs_are_short_and_readable(ctx):
    assert repr(ctx) == ("<ReportContext wiltshire 2023-Q1: 4 priorities, "
                         f"{len(ctx.results)} measures ({sum(r.supplied for r in ctx.results)} supplied), "
                         "narrative supplied>")
    assert len(ctx._repr_html_()) < 30_000 and "<table" in ctx._repr_html_()
    r = ctx.result("all_crime")
    assert repr(r).startswith("<MetricResult all_crime (priority ") and len(repr(r)) < 200
    assert "<table" in r._repr_html_()


def test_explore_notebook_runs_top_to_bottom_on_the_public_api(two_forces, tmp_path):
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(DEFAULT_ROOT / "notebooks" / "explore.ipynb"), str(out), kernel_name="python3",
                        parameters={"project_root": str(two_forces.root)}, cwd=str(DEFAULT_ROOT / "notebooks"),
                        progress_bar=False, execution_timeout=300)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs if o.output_type == "display_data")  # seaborn shown
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "stricter target" in html and "plan target" in html
    assert "dorset" in html and "wiltshire" in html
    # Editing ctx.plan in place and re-reading the scorecard gives the new rating, then the plan's again.
    edited = next(o for o in outputs if "edited in place" in o.get("data", {}).get("text/plain", ""))
    rag_line = next(ln.split() for ln in edited["data"]["text/plain"].splitlines() if ln.startswith("rag"))
    stricter = next(o for o in outputs if "stricter target" in o.get("data", {}).get("text/plain", ""))
    assert rag_line[1] != rag_line[2]  # edited in place vs the plan file's target
    assert rag_line[1] in stricter["data"]["text/html"]  # the same rating as with_targets gives
    # The section shows styled, with its data, and exports as the report's HTML only.
    from pccreport.report import render
    from pccreport.report.fragment import META_KEY, NB_CLASS, report_html

    (section,) = [o for o in outputs if META_KEY in o.get("metadata", {})]
    shown = section["data"]["text/html"]
    assert f'<div class="{NB_CLASS}"><style>' in shown and "rag rag-" in shown
    assert '<details class="pccreport-data">' in shown and "Data behind this section (scorecard)" in shown
    merged = render.merge([out])  # what the export reads
    exported = next(o.data["text/html"] for c in merged.cells for o in c.outputs
                    if 'id="summary"' in o.get("data", {}).get("text/html", ""))
    assert exported == report_html(section) and "Summary scorecard" in exported
    assert NB_CLASS not in exported and "<details" not in exported and "<style" not in exported


def _strict_and_lenient(ctx, mid: str) -> tuple[float, float]:
    """Targets beyond the latest process limits on the failing and the passing side (Making Data Count assurance)."""
    limits = ctx.result(mid).frame()
    lo, hi = float(limits["lower"].iloc[-1]), float(limits["upper"].iloc[-1])
    if ctx.result(mid).metric.direction == "down":
        return lo - (hi - lo), hi + (hi - lo)
    return hi + (hi - lo), lo - (hi - lo)


def test_editing_the_plan_in_place_recomputes_what_is_read_from_the_context(two_forces):
    ctx = report.context("wiltshire", "2023-Q1", str(two_forces.root))  # its own: this test edits its plan
    mid = "calls_999_answer"
    strict, lenient = _strict_and_lenient(ctx, mid)
    before = ctx.results
    assert ctx.results is before  # nothing changed: the computed results are reused, not recomputed per read
    metric = next(m for m in ctx.plan.metrics() if m.id == mid)
    original = metric.target
    metric.target = strict
    assert ctx.scorecard.loc[mid, ["target", "rag"]].tolist() == [strict, "red"]
    assert ctx.results is not before
    cover_strict = report.cover(ctx, with_comparison=False).data
    metric.target = lenient
    assert ctx.scorecard.loc[mid, "rag"] == "green"
    # The sections read the same derived results: re-running a section's cell shows the new rating (the cover's
    # summary scorecard is the cheap one to draw; the scorecard sections read ctx.results_for the same way).
    cover = report.cover(ctx, with_comparison=False).data
    assert cover.count("rag rag-green") > cover_strict.count("rag rag-green")  # this quarter (and last, same plan)
    assert ctx.result(mid).metric.target == lenient
    metric.target = original
    assert ctx.scorecard.loc[mid, "rag"] == report.context("wiltshire", "2023-Q1", str(two_forces.root)).scorecard.loc[
        mid, "rag"]  # back to the plan file's target: the same rating as a freshly loaded context


def test_with_targets_keeps_previous_quarter_ratings(ctx):
    changed = ctx.with_targets(calls_999_answer=_strict_and_lenient(ctx, "calls_999_answer")[0])
    assert changed.results is not ctx.results and ctx.plan is not changed.plan
    prev = {r.metric.id: r.previous_rating for r in ctx.results}
    assert any(prev.values())
    for r in changed.results:  # every other measure's previous-quarter rating as before, none dropped
        if r.metric.id != "calls_999_answer":
            assert r.previous_rating == prev[r.metric.id], r.metric.id
