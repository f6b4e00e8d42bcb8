"""Report sections: RAG scoring, the rate/rank/peer comparison, and the HTML each section renders."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.ingest.pipeline import ingest_force
from pccreport.inputs.plan import Metric
from pccreport.registry import load_registry
from pccreport.report import comparison, rag, sections
from pccreport.report import notebook as report
from pccreport.report.scorecard import MetricResult
from tests.conftest import make_root
from tests.national_frames import TOTAL, national_frame

PATHS = Paths(DEFAULT_ROOT)


def _metric(**kw) -> Metric:
    base = dict(id="m", name="A measure", source="kpi", kpi="m", measure="value", unit="seconds", direction="down")
    base.update(kw)
    return Metric(**base)


# --- RAG ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, target, direction, status", [
    (9.0, 10, "down", "green"), (10.0, 10, "down", "green"), (10.9, 10, "down", "amber"), (11.0, 10, "down", "amber"),
    (11.1, 10, "down", "red"), (80.0, 75, "up", "green"), (70.0, 75, "up", "amber"), (60.0, 75, "up", "red"),
])
def test_rag_against_target_is_direction_aware_with_a_ten_percent_amber_band(value, target, direction, status):
    assert rag.score_target(value, target, direction).status == status


@pytest.mark.parametrize("verdict, significant, good, has_chart, status", [
    ("special cause — concerning", None, None, True, "red"),
    ("special cause — improving", False, None, True, "green"),
    ("common cause", True, False, True, "red"),  # significantly worse over 12 months
    ("common cause", True, True, True, "green"),
    ("common cause", False, False, True, "nochange"),  # a worse month that the test says is noise: not Red
    ("common cause", None, False, True, "nochange"),
    ("", False, None, False, "nochange"),  # a test with no chart is still evidence
    ("", None, False, False, "grey"),  # nothing to judge by: not scored, never Amber
])
def test_rating_from_evidence_without_a_target(verdict, significant, good, has_chart, status):
    g = rag.score_evidence(verdict, significant, good, has_chart, "exact test for two counts")
    assert g.status == status
    assert g.label != "Amber"


def test_mdc_assurance_with_a_target_sets_the_rating():
    from pccreport.metrics.spc import xmr

    # Alternating 10, 12: mean 11, mean moving range 2, limits 11 ± 2.66 × 2 = 5.68 to 16.32.
    s = pd.Series([10.0, 12.0] * 10, index=pd.period_range("2021-07", periods=20, freq="M"))
    chart = xmr(s)
    assert (round(float(chart.lower.iloc[-1]), 2), round(float(chart.upper.iloc[-1]), 2)) == (5.68, 16.32)
    assert rag.score_assurance(chart.assurance(17, "down")).status == "green"  # ceiling above the upper limit
    assert rag.score_assurance(chart.assurance(12, "down")).status == "amber"  # inside the limits: hit and miss
    assert rag.score_assurance(chart.assurance(5, "down")).status == "red"  # below the lower limit
    r = MetricResult(_metric(target=17), 1, "s", "Feb-23", 12.0, "seconds", verdict="common cause", chart=chart)
    assert rag.score(r).status == "green" and rag.score(r).basis == "target"


def test_two_proportion_change_rates_a_survey():
    from pccreport.metrics import survey

    # 520/1000 against 480/1000: z = 1.789, p = 0.074 (not significant); 550/1000 against 480/1000: p = 0.0017.
    weak, strong = survey.compare(520, 1000, 480, 1000), survey.compare(550, 1000, 480, 1000)
    assert round(weak.p_value, 3) == 0.074 and not weak.significant
    assert round(strong.p_value, 4) == 0.0017 and strong.significant
    m = _metric(measure="proportion", unit="percent", direction="up")
    assert rag.score(MetricResult(m, 1, "s", "Mar-23", 55.0, "percent", good=True, verdict="common cause",
                                  significant=strong.significant)).status == "green"
    assert rag.score(MetricResult(m, 1, "s", "Mar-23", 52.0, "percent", good=None, verdict="",
                                  significant=weak.significant)).status == "nochange"


def test_direction_none_is_shown_not_rated_unless_a_target():
    m = _metric(direction="none", unit="count")
    r = MetricResult(m, 1, "s", "Mar-23", 80.0, "count", good=None, verdict="special cause — high",
                     significant=True)
    assert rag.score(r).status == "unrated" and rag.score(r).label == "Not rated"


def test_rag_of_results_uses_target_when_set_and_greys_missing_data():
    with_target = MetricResult(_metric(target=3600), 1, "s", "Mar-23", 6560.0, "seconds", change=1.7, good=False)
    assert rag.score(with_target).status == "red" and rag.score(with_target).basis == "target"
    missing = MetricResult(_metric(), 1, "s", "Mar-23", None, "seconds", supplied=False)
    assert rag.score(missing).status == "grey" and rag.score(missing).label == "Not scored"
    # An R12 volume is never scored against a monthly target; its one-period change alone never rates it.
    vol = MetricResult(_metric(target=10, unit="crimes", measure="volume", source="police_uk", kpi=None,
                               crime_types="all"), 1, "s", "Mar-23", 43000.0, "crimes (R12)", change=-2.0,
                       change_unit="%", good=True, significant=False, verdict="common cause")
    assert rag.score(vol).basis == "evidence" and rag.score(vol).status == "nochange"


def test_rag_rule_is_documented_in_the_module_and_the_report_text():
    for words in ("consistently met", "hit and miss", "statistically significant change over 12 months",
                  "never sets a rating", "not rated", "nothing to compare with"):
        assert words in rag.RULE
    assert "TOLERANCE" in rag.__doc__ and "Not scored: no comparison" in rag.__doc__


# --- comparison computations ----------------------------------------------------------------------------------------

def test_force_rates_rank_one_is_lowest_and_unranked_and_suppressed_are_left_out():
    nat = national_frame(PATHS, suppress="dyfed-powys")
    ranked = {k: v.ranked for k, v in load_registry(PATHS).items()}
    rates = comparison.force_rates(nat, "2023-03", TOTAL, ranked)
    assert len(rates) == 43
    city = rates[rates["force"] == "city-of-london"].iloc[0]
    dyfed = rates[rates["force"] == "dyfed-powys"].iloc[0]
    assert pd.isna(city["rank"]) and not pd.isna(city["rate"])
    assert pd.isna(dyfed["rank"]) and pd.isna(dyfed["rate"]) and pd.isna(dyfed["count"])
    ranked_rows = rates[rates["rank"].notna()].sort_values("rank")
    assert list(ranked_rows["rank"]) == list(range(1, 42))
    assert ranked_rows["rate"].is_monotonic_increasing
    w = rates[rates["force"] == "wiltshire"].iloc[0]
    assert w["rate"] == pytest.approx(w["count"] / w["population"] * 1000)


def test_peer_average_is_pooled_offences_over_pooled_population():
    rates = pd.DataFrame({"force": ["a", "b", "c"], "count": [100.0, 900.0, np.nan],
                          "population": [10_000.0, 30_000.0, 5_000.0], "rate": [10.0, 30.0, np.nan],
                          "note": ["", "", "suppressed by ONS"]})
    # Σ offences ÷ Σ population = 1,000 / 40,000 × 1,000 = 25.0 (the mean of rates, 10 and 30, would be 20).
    assert comparison.pooled_rate(rates, ["a", "b"]) == pytest.approx(25.0)
    assert comparison.pooled_rate(rates, ["a", "b", "c"]) == pytest.approx(25.0)  # suppressed c left out
    assert comparison.pooled_rate(rates, ["c"]) is None


def test_compare_gives_rank_of_ranked_forces_national_and_peer():
    nat = national_frame(PATHS)
    ranked = {k: v.ranked for k, v in load_registry(PATHS).items()}
    rates = comparison.force_rates(nat, "2023-03", TOTAL, ranked)
    c = comparison.compare(rates, "wiltshire", ["warwickshire", "west-mercia", "not-a-force"], "2023-03", TOTAL)
    assert c.of == 42 and 1 <= c.rank <= 42 and c.peers == ["warwickshire", "west-mercia"]
    sub = nat[(nat["period_end"] == "2023-03") & (nat["offence_group"] == TOTAL)]
    assert c.national == pytest.approx(sub["count"].sum() / sub["population"].sum() * 1000)
    peers = sub[sub["force"].isin(["warwickshire", "west-mercia"])]
    assert c.peer == pytest.approx(peers["count"].sum() / peers["population"].sum() * 1000)


def test_total_group_finds_the_ons_total_column():
    assert comparison.total_group(national_frame(PATHS)) == TOTAL
    assert comparison.total_group(pd.DataFrame({"offence_group": ["Robbery"]})) is None


def test_yoy_by_type_counts_empty_months_as_zero_and_missing_months_as_unknown():
    months = pd.period_range("2021-04", "2023-03", freq="M")
    rows = [{"month": m, "crime_type": "Burglary", "n": 10 if m.year == 2021 or m < pd.Period("2022-04", "M") else 12}
            for m in months]
    rows += [{"month": m, "crime_type": "Robbery", "n": 1} for m in months[:6]]  # none since: real zeros
    street = pd.DataFrame(rows)
    out = comparison.yoy_by_type(street, pd.Period("2023-03", "M")).set_index("crime_type")
    assert out.loc["Burglary", "current"] == 144 and out.loc["Burglary", "previous"] == 120
    assert out.loc["Burglary", "change"] == pytest.approx(20.0)
    assert out.loc["Robbery", "current"] == 0 and out.loc["Robbery", "previous"] == 6
    gap = street[street["month"] != pd.Period("2022-01", "M")]
    out2 = comparison.yoy_by_type(gap, pd.Period("2023-03", "M")).set_index("crime_type")
    assert np.isnan(out2.loc["Burglary", "change"])


# --- section HTML ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """The force ingested, no national table delivered: each test writes the processed national tables it needs
    (delivered raw national tables without their processed ones would be an error, issue 15 class 3)."""
    paths = make_root(tmp_path_factory.mktemp("sections"), start="2021-01", end="2023-03", national=False)
    ingest_force(paths, load_registry(paths)["wiltshire"])
    return paths


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_cover_has_summary_scorecard_with_rag_for_every_metric_and_the_rule(ingested):
    ctx = report.context("wiltshire", "2023-Q1", str(ingested.root))
    out = report.cover(ctx).data
    text = _text(out)
    for m in ctx.plan.metrics():
        assert m.name in text
    n = len(ctx.results)
    statuses = re.findall(r'<span class="rag rag-(red|amber|green|nochange|unrated|grey)" title=', out)
    assert len(statuses) == n
    assert rag.RULE in text
    assert "Last quarter" in text and "Change is year on year" not in text
    assert "Crime volume and comparison" in text


def test_comparison_without_national_data_says_so(ingested):
    ctx = report.context("wiltshire", "2023-Q1", str(ingested.root))
    assert ctx.national is None
    text = _text(report.crime_comparison(ctx).data)
    assert "National figures not supplied" in text
    assert "Recorded crime over time" in text
    # 27 months of sample data: the R12 trend exists; the YoY by type needs 24 months, which are there.
    assert "crimes were recorded in the 12 months to Mar-23" in text
    assert "Year before" in text


def test_comparison_with_national_data_shows_rate_rank_peer_and_charts(ingested, tmp_path):
    nat = national_frame(ingested)
    out = ingested.processed / "national"
    out.mkdir(parents=True, exist_ok=True)
    nat.to_parquet(out / "recorded_crime.parquet")
    try:
        ctx = report.context("wiltshire", "2023-Q1", str(ingested.root))
        fragment = report.crime_comparison(ctx).data
    finally:
        (out / "recorded_crime.parquet").unlink()
    text = _text(fragment)
    ranked = {k: v.ranked for k, v in load_registry(ingested).items()}
    rates = comparison.force_rates(nat, "2023-03", TOTAL, ranked)
    w = rates[rates["force"] == "wiltshire"].iloc[0]
    assert f"{w['rate']:.2f} per 1,000 residents (mid-2022), ranked {int(w['rank'])} of 42 forces" in text
    assert "Peer: Warwickshire" in text and "Peer-group average" in text and "England and Wales" in text
    assert "National figures not supplied" not in text
    # Ranked, R12 and year-on-year charts; two periods of the national table make no trend line, said in words.
    assert fragment.count("<img") == 3 and fragment.count('alt="') == 3
    assert ("The rate per 1,000 against peers and England and Wales is not charted over time: the national tables "
            f"give it for 2 periods (Mar-22, Mar-23), and a trend chart needs at least {comparison.MIN_TREND_POINTS} "
            "points.") in text
    # The national table is listed in the provenance with its period and hash.
    src = [s for s in ctx.provenance.sources if s["source"].startswith("ONS")]
    assert len(src) == 1 and src[0]["period"] == "12 months to 2022-03 … 2023-03" and len(src[0]["sha256"]) == 16


def test_comparison_draws_the_rate_trend_with_enough_periods(ingested):
    periods = tuple(str(pd.Period("2023-03", freq="M") - 3 * k) for k in range(comparison.MIN_TREND_POINTS))[::-1]
    nat = national_frame(ingested, periods=periods)
    out = ingested.processed / "national"
    out.mkdir(parents=True, exist_ok=True)
    nat.to_parquet(out / "recorded_crime.parquet")
    try:
        fragment = report.crime_comparison(report.context("wiltshire", "2023-Q1", str(ingested.root))).data
    finally:
        (out / "recorded_crime.parquet").unlink()
    assert fragment.count("<img") == 4 and "not charted over time" not in _text(fragment)
    assert 'alt="Chart of recorded crimes per 1,000 residents in the 12 months to Mar-23' in fragment


def _comparison_text(ingested, periods: tuple[str, ...], quarter: str = "2023-Q1") -> tuple[str, object]:
    nat = national_frame(ingested, periods=periods)
    out = ingested.processed / "national"
    out.mkdir(parents=True, exist_ok=True)
    nat.to_parquet(out / "recorded_crime.parquet")
    try:
        ctx = report.context("wiltshire", quarter, str(ingested.root))
        return _text(report.crime_comparison(ctx).data), ctx
    finally:
        (out / "recorded_crime.parquet").unlink()


def test_comparison_ignores_national_periods_that_do_not_include_the_quarter(ingested):
    text, ctx = _comparison_text(ingested, ("2025-06",))
    assert "National figures not supplied" in text and "for a period ending by Mar-23" in text
    assert "ranked" not in text
    assert ctx.result("crime_rate").value is None


def test_comparison_with_no_table_ending_by_the_quarter_uses_the_nearest_that_includes_it(ingested):
    # Jul-22..Jun-23 includes Mar-23; Jun-25 does not and never appears. The report says what it used and why.
    text, ctx = _comparison_text(ingested, ("2023-06", "2025-06"))
    assert "12 months to Jun-23 (no ONS table supplied ends by Mar-23; these 12 months are the nearest" in text
    assert "ranked" in text and "Jun-25" not in text
    r = ctx.result("crime_rate")
    assert r.period == "Jun-23" and r.value is not None
    assert "no ONS table supplied ends by Mar-23; the 12 months to Jun-23 are the nearest that include Mar-23" in \
        " ".join(r.statements)


def test_summary_scorecard_shows_each_priority_score_beside_last_quarter(ingested):
    from pccreport.report.scorecard import priority_frame

    ctx = report.context("wiltshire", "2023-Q1", str(ingested.root))
    page = report.cover(ctx, with_comparison=False).data
    frame = priority_frame(ctx.results).set_index("priority")
    for p in ctx.plan.priorities:
        row = frame.loc[p.id]
        text = f"Score {int(row['score'])} (last quarter {int(row['score (previous quarter)'])}), from {int(row['rated'])} rated"
        assert text in page, text

def test_fmt_target_and_rag_counts():
    r = MetricResult(_metric(target=3600), 1, "s", "Mar-23", 6560.0, "seconds")
    assert sections.fmt_result_target(r) == "≤ 1:00:00"
    r2 = MetricResult(_metric(), 1, "s", "Mar-23", 1.0, "seconds")
    assert sections.fmt_result_target(r2) == "—"
    g = [rag.Rag("red", "", ""), rag.Rag("green", "", ""), rag.Rag("red", "", "")]
    assert sections.rag_counts(g) == [("red", "Red", 2), ("green", "Green", 1)]


def test_exceptions_page_lists_every_signal_or_significant_change_and_nothing_else(ingested):
    ctx = report.context("wiltshire", "2023-Q1", str(ingested.root))
    out = report.cover(ctx).data
    part = out[out.index('id="exceptions"'):out.index('id="summary"')]
    text = _text(part)
    expected = [r for r in ctx.results if r.supplied and (r.verdict.startswith("special cause") or r.significant)]
    assert expected, "the sample has signals to show"
    for r in ctx.results:
        assert (f"<td>{html.escape(r.metric.name)}</td>" in part) == (r in expected), r.metric.id
    assert f"{len(expected)} measures" in text
    assert out.index('id="exceptions"') < out.index('id="summary"')  # up front, before the scorecard


def test_sparkline_draws_the_last_points_and_nothing_for_too_few():
    s = pd.Series(range(30), index=pd.period_range("2020-01", periods=30, freq="M"), dtype=float)
    svg = str(sections.sparkline(s))
    assert svg.count(",") == sections.SPARK_POINTS and svg.startswith("<svg")
    assert str(sections.sparkline(s.iloc[:2])) == "" and str(sections.sparkline(None)) == ""


def test_deliverables_show_status_from_dates_and_due_dates_in_one_format():
    from types import SimpleNamespace

    from pccreport.inputs.narrative import Deliverable
    from pccreport.periods import Quarter

    ds = [Deliverable(action="A", due="2023-03", progress=95), Deliverable(action="B", due="June 2023", progress=50),
          Deliverable(action="C", due="Q4 2023", progress=40), Deliverable(action="D", due="2023-04", progress=100)]
    section = SimpleNamespace(outcomes=[], focus=[], deliverables=ds, risks=[])
    out = _text(sections.narrative_section("p1", "Priority 1", section, SimpleNamespace(supplied=True),
                                           SimpleNamespace(title="Plan"), Quarter.parse("2023-Q1"),
                                           SimpleNamespace(slug="wiltshire", name="Wiltshire")))
    for due, status in (("Mar 2023", "overdue"), ("Jun 2023", "at risk"), ("Dec 2023", "on track"),
                        ("Apr 2023", "complete")):
        assert re.search(rf"{due}\s+\d+%\s+{status}", out), (due, status, out)
    assert "June 2023" not in out and "Q4 2023" not in out


def test_a_significant_change_names_the_periods_its_test_compared():
    from pccreport.report.rag import score_evidence

    year = score_evidence("common cause variation", True, False, True, "exact test for two counts, p = 0.001")
    quarter = score_evidence("common cause variation", True, True, True, "two-proportion test on the quarters, p = 0.01",
                             "on the same quarter a year before")
    assert year.status == "red" and "significantly worse over 12 months" in year.reason
    assert quarter.status == "green"
    assert "significantly better on the same quarter a year before" in quarter.reason and "12 months" not in quarter.reason
