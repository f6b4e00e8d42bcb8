"""Comparison panels, the mean and median chart and the governance figure draw what the results hold."""

import pandas as pd
import pytest

from pccreport.inputs.plan import GovernanceBody, Metric, Plan
from pccreport.report import panel_charts
from pccreport.report.scorecard import MetricResult


def _result(mid, unit="percent", value=60.0, **kw):
    m = Metric(id=mid, name=mid.replace("_", " "), source="kpi", kpi=mid, measure="vs_national", unit=unit,
               direction="up", chart="none")
    r = MetricResult(m, 4, "CJS", "Mar-23", value, unit)
    for k, v in kw.items():
        setattr(r, k, v)
    return r


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + \
           [lbl.get_text() for ax in fig.axes for lbl in ax.get_yticklabels()] + \
           [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()] + \
           [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_comparison_figure_has_a_panel_per_unit_and_labels_the_previous_quarter():
    rs = [_result("days_a", "days", 63.0, previous_value=48.0, previous_label="previous quarter (Dec-22)",
                  comparators={"England and Wales": (49.0, None, None)}),
          _result("share_b", "percent", 25.0, previous_value=20.0, previous_label="previous quarter (Dec-22)",
                  comparators={"England and Wales": (28.0, None, None)})]
    fig = panel_charts.comparison_figure(rs, "CJS")
    assert len(fig.axes) == 2
    texts = _texts(fig)
    assert "Previous quarter" in texts and "England and Wales" in texts and "63 days" in texts and "25.0%" in texts


def test_comparison_figure_draws_the_interval_and_benchmarks():
    r = _result("sat", low=55.0, high=65.0, previous_value=62.0, previous_label="12 months to Mar-22",
                comparators={"Warwickshire (12 months to Dec-22)": (74.0, None, None)})
    fig = panel_charts.comparison_figure([r], "Satisfaction")
    texts = _texts(fig)
    assert "95% interval" in texts and "Warwickshire" in texts and "12 months to Mar-22" in texts
    lo, hi = fig.axes[0].get_xlim()
    assert lo <= 55 and hi >= 74  # every figure inside the axis
    alt = panel_charts.comparison_alt([r])
    assert "sat 60.0%" in alt and "Warwickshire (12 months to Dec-22) 74.0%" in alt


def test_no_figure_when_no_measure_has_data():
    r = _result("x", value=None)
    r.supplied = False
    assert panel_charts.comparison_figure([r], "t") is None
    assert "x: not supplied" in panel_charts.comparison_alt([r])


def test_mean_median_chart_draws_both_and_the_service_level():
    idx = pd.period_range("2022-01", "2023-03", freq="M")
    r = _result("prio", "seconds", 6893.0)
    r.series = pd.Series(range(5000, 5000 + 100 * len(idx), 100), index=idx, dtype=float)
    median = pd.Series(2800.0, index=idx)
    fig = panel_charts.mean_median_figure(r, median, 3600)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.lines[2].get_ydata()[0] == pytest.approx(60)
    assert ax.get_title(loc="left") == "prio: average 1:46:40, median 46:40 in Mar-23"
    assert "service level of 1:00:00" in panel_charts.mean_median_alt(r, median, 3600)


def test_governance_figure_draws_every_body_and_what_it_produces():
    root = GovernanceBody(name="Plan", reports=[GovernanceBody(name="Board", produces=["Board scorecard"],
                                                               reports=[GovernanceBody(name="Sub-group")]),
                                                GovernanceBody(name="Force performance")])
    fig = panel_charts.governance_figure(root)
    texts = [t.get_text().replace("\n", " ") for t in fig.axes[0].texts]
    assert {"Plan", "Board", "Board scorecard", "Sub-group", "Force performance"} <= set(texts)
    assert panel_charts.governance_alt(root).startswith("Diagram of the governance structure: Plan")


def test_governance_yaml_refuses_unknown_fields():
    with pytest.raises(ValueError, match="extra"):
        GovernanceBody.model_validate({"name": "Plan", "children": []})
    assert Plan.model_fields["governance"].default is None


def test_comparison_figure_with_a_long_title_stays_half_width():
    # A title wider than the figure used to widen the cropped PNG to ~5.9 in, so the page shrank its 7 pt text to ~4 pt.
    import io

    from PIL import Image

    from pccreport.report import charts

    rs = [_result("days_from_arrival_to_completion_at_the_crown_court", "days", 207.0, previous_value=193.0,
                  previous_label="previous quarter (Dec-22)", comparators={"England and Wales": (252.0, None, None)}),
          _result("days_for_the_police_to_charge", "days", 57.0, previous_value=65.0,
                  previous_label="previous quarter (Dec-22)", comparators={"England and Wales": (48.0, None, None)})]
    fig = panel_charts.comparison_figure(rs, "Criminal Justice System: quality of justice, Mar-23")
    width = Image.open(io.BytesIO(charts.png_bytes(fig))).size[0] / charts.DPI
    assert width <= charts.HALF[0] * 1.1, width
