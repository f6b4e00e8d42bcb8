"""The seed's sections on the Wiltshire sample (issue 14 item 4 and item 3's seasons): every figure recomputed here
from the raw sample files (KPI CSV, street CSVs), not through the package's readers."""

import csv
import html
import math
import re

import numpy as np
import pandas as pd
import pytest

from pccreport.ingest.pipeline import ingest_force, ingest_national
from pccreport.ingest.processed import ReportData
from pccreport.inputs.plan import Metric, load_plan
from pccreport.metrics.spc import XmrSettings
from pccreport.periods import Quarter
from pccreport.registry import load_registry
from pccreport.report import rag
from pccreport.report.scorecard import compute_metric, compute_plan

Q = Quarter.parse("2023-Q1")
Z = 1.959963984540054


@pytest.fixture(scope="module")
def sample(sample_root):
    force = load_registry(sample_root)["wiltshire"]
    ingest_national(sample_root)
    ingest_force(sample_root, force)
    data = ReportData.load(sample_root, force)
    plan = load_plan(sample_root, "wiltshire")
    res = {r.metric.id: r for r in compute_plan(plan, data, Q)}
    with open(sample_root.kpi_raw("wiltshire") / "kpis.csv", newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    return res, raw, plan, sample_root


def _row(raw, metric, period, area="force"):
    hits = [r for r in raw if r["metric"] == metric and r["period"] == period and r["area"] == area]
    assert len(hits) == 1, (metric, period, area)
    return hits[0]


def _months(end="2023-03", n=12):
    p = pd.Period(end, "M")
    return [str(p - k) for k in range(n)]


def _wilson(p, n):
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


CSEW = ("csew_confidence", "csew_good_job", "csew_relied_on")


@pytest.mark.parametrize("mid", CSEW)
def test_csew_estimates_are_shown_as_published_with_their_interval(sample, mid):
    res, raw, _, _ = sample
    r = res[mid]
    own, ew = _row(raw, mid, "2023-03"), _row(raw, mid, "2023-03", "England and Wales")
    assert r.value == pytest.approx(float(own["value"]))  # the published rolling year, never a sum of quarters
    lo, hi = _wilson(float(own["value"]) / 100, int(own["denominator"]) / 1.2 ** 2)  # catalogue design factor 1.2
    assert (r.low, r.high) == (pytest.approx(lo * 100), pytest.approx(hi * 100))
    assert r.comparators["England and Wales"][0] == pytest.approx(float(ew["value"]))
    text = r.statements[0]
    assert f"rolling year to Mar-23: {float(own['value']):.1f}%" in text
    assert f"England and Wales {float(ew['value']):.1f}%" in text
    prev = float(_row(raw, mid, "2022-12")["value"])
    assert "on the previous quarter (rolling year to Dec-22" in text and "not tested" in text
    assert f"{prev:.1f}%" in text
    assert r.change == pytest.approx(float(own["value"]) - float(_row(raw, mid, "2022-03")["value"]))


CJS_NINE = ["cjs_days_police_charge", "cjs_days_cps_charge", "cjs_days_crown_court",
            "cjs_victim_no_support_investigation", "cjs_victim_no_support_trial_day",
            "cjs_victim_no_support_after_charge", "cjs_successful_outcome", "cjs_trial_or_guilty_plea",
            "cjs_correct_decisions"]


@pytest.mark.parametrize("mid", CJS_NINE)
def test_cjs_nine_against_national_and_the_previous_quarter(sample, mid):
    res, raw, _, _ = sample
    r = res[mid]
    now, before = float(_row(raw, mid, "2023-03")["value"]), float(_row(raw, mid, "2022-12")["value"])
    nat = float(_row(raw, mid, "2023-03", "England and Wales")["value"])
    assert r.value == pytest.approx(now) and r.previous_value == pytest.approx(before)
    assert r.change == pytest.approx(now - before) and r.comparators["England and Wales"][0] == pytest.approx(nat)
    assert r.comparison == "previous quarter (Dec-22)" and "on the previous quarter (Dec-22)" in r.statements[0]


KPI_RATES = ["violence_with_injury_outcome_rate", "rape_outcome_rate", "stalking_harassment_outcome_rate",
             "cyber_crime_outcome_rate", "hate_crime_outcome_rate", "complaints_resolved"]


@pytest.mark.parametrize("mid", KPI_RATES)
def test_outcome_rates_and_complaints_resolved_over_12_months(sample, mid):
    res, raw, _, _ = sample
    rows = [_row(raw, mid, m) for m in _months()]
    k, n = sum(int(r["numerator"]) for r in rows), sum(int(r["denominator"]) for r in rows)
    r = res[mid]
    assert r.value == pytest.approx(100 * k / n)
    lo, hi = _wilson(k / n, n)
    assert (r.low, r.high) == (pytest.approx(lo * 100), pytest.approx(hi * 100))
    assert f"{100 * k / n:.1f}%" in r.statements[0]


def _street(root, months):
    frames = [pd.read_csv(root.police_uk_raw("wiltshire") / m / f"{m}-wiltshire-street.csv", dtype=str,
                          keep_default_na=False) for m in months]
    return pd.concat(frames)


def test_burglary_outcome_rate_from_the_street_files(sample):
    res, _, plan, root = sample
    df = _street(root, _months())
    burg = df[df["Crime type"] == "Burglary"]
    rate = 100 * burg["Last outcome category"].isin(plan.positive_outcomes).sum() / len(burg)
    assert res["fat_rate_burglary"].value == pytest.approx(rate)


def test_satisfaction_by_crime_type_carries_peer_benchmarks(sample):
    res, raw, _, _ = sample
    r = res["victim_satisfaction_burglary"]
    for peer in ("Warwickshire", "West Mercia"):
        v = float(_row(raw, "victim_satisfaction_burglary", "2023-03", peer)["value"])
        assert r.comparators[f"{peer} (12 months to Mar-23)"][0] == pytest.approx(v)
        assert f"{peer} {v:.1f}% (12 months to Mar-23)" in " ".join(r.statements)
    assert list(res["victim_satisfaction_vehicle"].comparators) == ["Warwickshire (12 months to Mar-23)"]
    for comp in ("actions", "kept_informed", "ease_of_contact", "investigation", "time_to_arrive", "treatment"):
        rows = [_row(raw, f"victim_satisfaction_{comp}", m) for m in _months()]
        k, n = sum(int(x["numerator"]) for x in rows), sum(int(x["denominator"]) for x in rows)
        assert res[f"victim_satisfaction_{comp}"].value == pytest.approx(100 * k / n)


def test_outstanding_suspects_over_4_days_range_since_data_capture(sample):
    res, raw, _, _ = sample
    hist = [float(_row(raw, "outstanding_suspects_over_4_days", str(p))["value"])
            for p in pd.period_range("2022-07", "2023-02", freq="M")]
    latest = float(_row(raw, "outstanding_suspects_over_4_days", "2023-03")["value"])
    text = res["outstanding_suspects_over_4_days"].statements[0]
    assert f"from {min(hist):,.0f} to {max(hist):,.0f} (Jul-22 to Feb-23)" in text and f"Mar-23 is {latest:,.0f}" in text


def test_asb_is_compared_with_the_same_months_of_earlier_years(sample):
    res, _, _, root = sample
    counts = {m: int((_street(root, [m])["Crime type"] == "Anti-social behaviour").sum())
              for m in ("2023-03", "2022-03", "2021-03")}
    text = " ".join(res["asb"].statements)
    assert (f"Mar-23 ({counts['2023-03']:,}) against the same month of earlier years ({counts['2022-03']:,} in Mar-22, "
            f"{counts['2021-03']:,} in Mar-21)") in text
    # The summer highs the chart flags are explained by the season and said so; none is called concerning.
    assert res["asb"].seasonal_points and "seasonal high or low, not a concern on its own" in text


# --- The seasonal rule on a worked series ------------------------------------------------------------------------
JUNE_PEAK = [0.95] * 5 + [1.5] + [0.95] * 6  # every June half as busy again as other months


def _seasonal_data(sample_data, latest_factor=1.0):
    idx = pd.period_range("2019-07", "2022-06", freq="M")
    noise = np.random.default_rng(5).normal(0, 1.5, len(idx))
    vals = [100 * JUNE_PEAK[p.month - 1] + e for p, e in zip(idx, noise)]
    vals[-1] *= latest_factor
    kpis = pd.DataFrame({"metric": "x", "area": "force", "period": idx, "value": np.round(vals),
                         "numerator": np.nan, "denominator": np.nan, "unit": "count"})
    return ReportData(sample_data.force, None, kpis)


@pytest.mark.parametrize("seasonal, verdict, rating", [(True, "seasonal high", "No change"),
                                                       (False, "special cause — concerning", "Red")])
def test_a_seasonal_high_is_not_concerning_on_its_own(sample, seasonal, verdict, rating):
    res, _, plan, root = sample
    data = _seasonal_data(ReportData.load(root, load_registry(root)["wiltshire"]))
    m = Metric(id="x", name="Seasonal incidents", source="kpi", kpi="x", measure="value", unit="count",
               direction="down", seasonal=seasonal)
    r = _at_june(m, plan, data)
    assert r.verdict == verdict and rag.score(r).label == rating
    text = " ".join(r.statements)
    assert ("usually high for this measure" in text) == seasonal and ("concerning" in text) != seasonal


def _at_june(m, plan, data):
    return compute_metric(m, 3, "Crime volume", plan, data, Quarter.parse("2022-Q2"), XmrSettings())


def test_a_high_beyond_its_season_is_still_special_cause(sample):
    _, _, plan, root = sample
    data = _seasonal_data(ReportData.load(root, load_registry(root)["wiltshire"]), latest_factor=1.6)
    m = Metric(id="x", name="Seasonal incidents", source="kpi", kpi="x", measure="value", unit="count",
               direction="down", seasonal=True)
    r = _at_june(m, plan, data)
    assert r.verdict == "special cause — concerning" and rag.score(r).label == "Red"


# --- The built report ---------------------------------------------------------------------------------------------
def test_built_sample_report_has_each_seed_section_with_figures_from_the_raw_files(built_twice):
    root = built_twice[0]
    page = (root.report_dir("wiltshire", "2023-Q1") / "wiltshire-2023-Q1-report.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", page)))
    text = re.sub(r"\s+", " ", text)
    with open(root.kpi_raw("wiltshire") / "kpis.csv", newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    for heading in ("Crime Survey for England and Wales", "Criminal Justice System: timeliness",
                    "Criminal Justice System: victim engagement", "Criminal Justice System: quality of justice",
                    "Victim satisfaction by component", "Victim satisfaction by crime type", "Outcome rates",
                    "Governance and decision making"):
        assert f"{heading}" in text, heading
    for mid in CSEW:
        own, ew = _row(raw, mid, "2023-03"), _row(raw, mid, "2023-03", "England and Wales")
        assert f"rolling year to Mar-23: {float(own['value']):.1f}%" in text
        assert f"England and Wales {float(ew['value']):.1f}%" in text
    for mid in CJS_NINE:
        row = _row(raw, mid, "2023-03")
        v = float(row["value"])
        shown = f"{v:,.0f} days" if row["unit"] == "days" else f"{v:.1f}%"
        before = float(_row(raw, mid, "2022-12")["value"])
        assert f"Mar-23: {shown}" in text, mid
        assert "on the previous quarter (Dec-22)" in text
        change = v - before
        if row["unit"] == "percent" and abs(change) >= 0.05:
            assert f"{change:+.1f}pts" in text, mid
    for mid in KPI_RATES:
        rows = [_row(raw, mid, m) for m in _months()]
        k, n = sum(int(r["numerator"]) for r in rows), sum(int(r["denominator"]) for r in rows)
        assert f"12 months to Mar-23: {100 * k / n:.1f}%" in text, mid
    peer = float(_row(raw, "victim_satisfaction_burglary", "2023-03", "Warwickshire")["value"])
    assert f"Warwickshire (12 months to Mar-23): {peer:.1f}%" in text
    hist = [float(_row(raw, "outstanding_suspects_over_4_days", str(p))["value"])
            for p in pd.period_range("2022-07", "2023-02", freq="M")]
    assert f"Outstanding suspects over 4 days has previously ranged from {min(hist):,.0f} to {max(hist):,.0f}" in text
    mean = float(_row(raw, "priority_response_mean", "2023-03")["value"])
    minutes, seconds = divmod(int(round(mean)), 60)
    hours, minutes = divmod(minutes, 60)
    assert f"Line chart of the monthly average and median priority response time" in page
    assert f"average {hours}:{minutes:02d}:{seconds:02d}" in text
    assert "Diagram of the governance structure: Police and Crime Plan 2022-25" in html.unescape(page)
    assert "Same month of earlier years" in text or "against the same month of earlier years" in text


def test_a_survey_estimate_without_comparators_says_what_is_missing(sample):
    _, _, plan, root = sample
    real = ReportData.load(root, load_registry(root)["wiltshire"])
    kpis = pd.DataFrame({"metric": ["csew_confidence"], "area": ["force"], "period": [pd.Period("2023-03", "M")],
                         "value": [76.8], "numerator": [np.nan], "denominator": [450.0], "unit": ["percent"]})
    data = ReportData(real.force, None, kpis, design_factors={"csew_confidence": 1.0})
    m = Metric(id="c", name="Confidence", source="kpi", kpi="csew_confidence", measure="survey_estimate",
               national_area="England and Wales", unit="percent", direction="up")
    r = compute_metric(m, 1, "CSEW", plan, data, Q)
    lo, hi = _wilson(0.768, 450)
    assert (r.low, r.high) == (pytest.approx(lo * 100), pytest.approx(hi * 100))
    text = r.statements[0]
    assert "England and Wales not supplied" in text and "No estimate for the previous quarter" in text
    assert r.change is None and r.significant is None and rag.score(r).label == "Not scored"


def test_plan_refuses_a_survey_estimate_on_a_counted_survey_kpi(sample):
    from pccreport.ingest.kpis import load_catalogue
    from pccreport.inputs.plan import catalogue_problems

    _, _, plan, root = sample
    doc = plan.model_dump()
    doc["priorities"][0]["scorecards"][0]["metrics"][0].update(
        {"kpi": "victim_satisfaction", "measure": "survey_estimate", "unit": "percent", "target": None,
         "statements": [], "benchmarks": ["Narnia"]})
    bad = type(plan).model_validate(doc)
    probs = catalogue_problems(bad, load_catalogue(root.params, "wiltshire"), set(load_registry(root)))
    text = " ".join(p.describe() for p in probs)
    assert "published survey estimates use measure 'survey_estimate'" in text and "not a comparator area" in text
