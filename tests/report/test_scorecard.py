"""The scorecard uses the metrics library for every number and gives named outcomes, never exceptions or NaN."""

import math

import pandas as pd
import pytest

from pccreport.ingest.pipeline import ingest_force, ingest_national
from pccreport.ingest.processed import ReportData
from pccreport.inputs.plan import Metric, load_plan
from pccreport.periods import Quarter
from pccreport.registry import load_registry
from pccreport.report.scorecard import compute_plan, scorecard_frame


@pytest.fixture(scope="module")
def results(sample_root):
    force = load_registry(sample_root)["wiltshire"]
    ingest_national(sample_root)
    ingest_force(sample_root, force)
    data = ReportData.load(sample_root, force)
    plan = load_plan(sample_root, "wiltshire")
    return {r.metric.id: r for r in compute_plan(plan, data, Quarter.parse("2023-Q1"))}, data, plan


def test_no_nan_in_any_statement_and_every_metric_says_something(results):
    res, _, _ = results
    for r in res.values():
        assert r.statements, r.metric.id
        assert not any("nan" in s.lower().split() or "None" in s for s in r.statements), r.statements
        assert r.value is None or not math.isnan(r.value)


def test_national_rate_without_national_files_is_a_named_outcome(results):
    res, data, plan = results
    assert data.national_crime is not None  # the sample root ships national tables: the rate is computed there
    assert res["crime_rate"].supplied and res["crime_rate"].value is not None
    from pccreport.report.scorecard import compute_metric

    without = ReportData(data.force, data.street, data.kpis, data.sources, data.street_months, None, None)
    m = next(x for x in plan.metrics() if x.id == "crime_rate")
    r = compute_metric(m, 1, "Crime volume", plan, without, Quarter.parse("2023-Q1"))
    assert not r.supplied and r.verdict == "national figures not supplied"
    assert r.statements[0].startswith("Crimes per 1,000 population: national figures not supplied")


def test_duration_statement_follows_the_seed(results):
    res, data, _ = results
    r = res["priority_response_mean"]
    mean = data.kpi("priority_response_mean")["value"].get(pd.Period("2023-03", "M"))
    assert r.value == pytest.approx(mean)
    assert "median" in r.statements[0] and "service level of 1:00:00" in r.statements[0]


def test_range_statement_uses_the_history_before_the_latest(results):
    res, data, _ = results
    r = res["outstanding_suspects_over_12_months"]
    s = data.kpi("outstanding_suspects_over_12_months")["value"]
    hist = s[s.index < pd.Period("2023-03", "M")]
    assert f"from {hist.min():,.0f} to {hist.max():,.0f}" in r.statements[0]


def test_rebase_named_in_the_plan_steps_the_101_limits(results):
    res, _, _ = results
    chart = res["calls_101_answer"].chart
    assert chart is not None and chart.mean.nunique() == 2
    assert "recalculated from Sep-22" in chart.settings.describe()


def test_volume_and_outcome_rate_agree_with_a_direct_computation(results):
    res, data, plan = results
    end = pd.Period("2023-03", "M")
    counts = data.crime_counts("all")
    r12 = counts[(counts.index > end - 12) & (counts.index <= end)].sum()
    assert res["all_crime"].value == pytest.approx(r12)
    pos = data.positive_counts("all", plan.positive_outcomes)
    w = (pos.index > end - 12) & (pos.index <= end)
    assert res["fat_rate_all"].value == pytest.approx(pos[w].sum() / counts[w].sum() * 100)
    assert "Discrete rate for Mar-23" in res["fat_rate_all"].statements[0]


def test_rate_rank_and_peer_average_from_national_files(results, tmp_path):
    _, data, plan = results
    from pccreport.report.scorecard import compute_metric

    forces = ["wiltshire", "warwickshire", "west-mercia", "city-of-london"] + [f"f{i}" for i in range(39)]
    rows = []
    for i, f in enumerate(forces):
        for period, k in (("2023-03", 1.0), ("2022-03", 0.9)):
            count = {"wiltshire": 42_000.0, "warwickshire": 40_000.0, "west-mercia": 90_000.0,
                     "city-of-london": 6_000.0}.get(f, 60_000.0 + 100 * i) * k
            rows.append({"period_end": period, "force": f, "ons_code": "", "offence_group": "Total recorded crime (excluding fraud)",
                         "count": count, "suppressed": "", "population": 720_000.0 if f == "wiltshire" else 800_000.0,
                         "population_basis": "mid-2021 estimate", "ons_rate": math.nan, "source": "test"})
    rows[-2]["count"], rows[-2]["suppressed"] = math.nan, "[x]"  # the last force, 2023-03
    data2 = ReportData(data.force, data.street, data.kpis, data.sources, data.street_months,
                       pd.DataFrame(rows), None)
    m = next(x for x in plan.metrics() if x.id == "crime_rate")
    r = compute_metric(m, 1, "Crime volume", plan, data2, Quarter.parse("2023-Q1"))
    assert r.value == pytest.approx(42_000 / 720_000 * 1000)
    assert r.verdict == "2nd lowest of 41"  # City of London and the suppressed force are left out
    peer = (40_000 + 90_000) / 1_600_000 * 1000
    assert f"most similar group {peer:.2f} per 1,000" in r.statements[0]
    assert "mid-2021 estimate" in r.statements[0] and "suppressed" in r.statements[0]
    assert r.change == pytest.approx(1 / 0.9 * 100 - 100)


def test_scorecard_frame_has_the_csv_columns(results):
    res, _, _ = results
    df = scorecard_frame(list(res.values()))
    assert len(df) == len(res) and df["statement"].str.len().gt(0).all()


def test_real_wiltshire_street_data_with_a_gap_gives_named_outcomes(tmp_path):
    """Real data.police.uk files: 2024-05 to 2024-12 are missing, so R12 year on year and the chart are named outcomes."""
    import shutil

    from pccreport.config import DEFAULT_ROOT, Paths
    from tests.conftest import shared

    src = shared("police_uk_street", "wiltshire")
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    shutil.copytree(src, paths.police_uk_raw("wiltshire"))
    force = load_registry(paths)["wiltshire"]
    ingest_force(paths, force)
    data = ReportData.load(paths, force)
    plan = load_plan(paths, "wiltshire")
    res = {r.metric.id: r for r in compute_plan(plan, data, Quarter.parse("2025-Q4"))}
    crime = res["all_crime"]
    counts = data.crime_counts("all")
    assert crime.value == pytest.approx(counts[counts.index.year == 2025].sum())
    text = " ".join(crime.statements)
    assert "R12 to Dec-24 needs 12 months; missing May-24" in text  # no year-on-year change without 2024
    assert "too few consecutive months for a control chart (12 of 15 needed" in text
    assert crime.change is None and crime.chart is None
    # KPIs were not supplied for this root: named, not an exception.
    assert res["calls_999_answer"].verdict == "data not supplied"
    for r in res.values():
        assert not any("nan" in s.lower().split() for s in r.statements)


def test_value_against_national_and_previous_quarter(results):
    _, data, plan = results
    from pccreport.report.scorecard import compute_metric

    # Built here rather than read from the plan so the test does not depend on which metrics a plan carries.
    m = Metric(id="cjs_days_to_charge", name="Days taken for police to charge (CJS dashboard)", source="kpi",
               kpi="days_to_charge", measure="vs_national", national_area="national", unit="days", direction="down",
               chart="none")
    q = Quarter.parse("2023-Q1")
    missing = compute_metric(m, 4, "Criminal justice", plan, data, q)
    assert "Nationally not supplied" in missing.statements[0]
    kpis = data.kpis.copy()
    force_rows = kpis[(kpis["metric"] == "days_to_charge") & (kpis["area"] == "force")]
    kpis.loc[force_rows.index[force_rows["period"] == pd.Period("2022-12", "M")], "value"] = 48.0
    kpis.loc[force_rows.index[force_rows["period"] == pd.Period("2023-03", "M")], "value"] = 63.0
    national = force_rows.assign(area="national", value=49.0)
    data2 = ReportData(data.force, data.street, pd.concat([kpis, national], ignore_index=True), data.sources,
                       data.street_months)
    r = compute_metric(m, 4, "Criminal justice", plan, data2, q)
    assert r.statements[0] == ("Days taken for police to charge (CJS dashboard), Mar-23: 63 days. Nationally 49 days. "
                               "UP 15 days on the previous quarter (Dec-22), a deterioration.")
    assert (r.value, r.change, r.good) == (63.0, 15.0, False)


def test_table_cells_show_changes_in_their_own_unit(results):
    from types import SimpleNamespace

    from pccreport.report.sections import fmt_result_change, fmt_result_value

    r = SimpleNamespace(change=15.0, change_unit="days", good=False, value=58.6129, unit="per 1,000 population")
    assert fmt_result_change(r) == "+15 days ▼" and fmt_result_value(r) == "58.61"


def test_rate_uses_the_latest_ons_period_and_says_so(results):
    _, data, plan = results
    from pccreport.report.scorecard import compute_metric

    rows = [{"period_end": "2022-12", "force": f, "ons_code": "", "offence_group": "Total recorded crime (excluding fraud)",
             "count": c, "suppressed": "", "population": 700_000.0, "population_basis": "mid-2021 estimate",
             "ons_rate": math.nan, "source": "test"}
            for f, c in (("wiltshire", 41_000.0), ("warwickshire", 50_000.0), ("west-mercia", 52_000.0))]
    data2 = ReportData(data.force, data.street, data.kpis, data.sources, data.street_months, pd.DataFrame(rows), None)
    m = next(x for x in plan.metrics() if x.id == "crime_rate")
    r = compute_metric(m, 1, "Crime volume", plan, data2, Quarter.parse("2023-Q1"))
    assert r.period == "Dec-22" and "12 months to Dec-22" in r.statements[0] and r.verdict == "lowest of 3"
    assert r.change is None  # no table for the year before: no change claimed


def test_comparison_section_and_scorecard_give_the_same_rate(results):
    """The crime-comparison section and the scorecard use one method, so they can never disagree."""
    from pccreport.metrics import rates
    from pccreport.report import comparison

    res, data, plan = results
    m = next(x for x in plan.metrics() if x.id == "crime_rate")
    period = rates.latest_period(data.national_crime, m.offence_group, "2023-03")
    table = comparison.force_rates(data.national_crime, period, m.offence_group, {"city-of-london": False},
                                   data.population)
    row = table[table["force"] == "wiltshire"].iloc[0]
    assert row["rate"] == pytest.approx(res["crime_rate"].value)
    assert f"{int(row['rank'])}" in res["crime_rate"].verdict


def test_sample_cyber_crime_is_no_change_not_red_from_one_month(results):
    """Cyber crime Mar-23 is 55 against 50 a year earlier (+10%), but common cause and no significant 12-month change."""
    from pccreport.report import rag

    res, data, _ = results
    r = res["cyber_crimes"]
    kp = data.kpis[(data.kpis["metric"] == "cyber_crimes") & (data.kpis["area"] == "force")].set_index("period")["value"]
    now = kp[(kp.index > pd.Period("2022-03", "M")) & (kp.index <= pd.Period("2023-03", "M"))].sum()
    before = kp[(kp.index > pd.Period("2021-03", "M")) & (kp.index <= pd.Period("2022-03", "M"))].sum()
    from scipy.stats import binomtest

    p = binomtest(int(now), int(now + before), 0.5).pvalue  # recomputed here, not through the package
    assert p >= 0.05 and r.significant is False and f"p = {p:.3f}" in r.test
    assert r.verdict == "common cause"
    assert rag.score(r).label == "No change"


def test_sample_reporting_sensitive_measures_are_shown_not_rated(results):
    from pccreport.report import rag

    res, _, _ = results
    for mid in ("domestic_abuse_crimes", "hate_crimes", "stalking_harassment_crimes", "drink_drug_driving_arrests"):
        assert res[mid].metric.direction == "none"
        assert rag.score(res[mid]).label == "Not rated", mid
        assert res[mid].good is None and "improvement" not in " ".join(res[mid].statements)


def test_sample_cjs_change_is_labelled_previous_quarter(results):
    res, _, _ = results
    cjs = [r for r in res.values() if r.metric.kpi and r.metric.kpi.startswith("cjs_")]
    assert len(cjs) == 9  # the dashboard's nine measures
    for r in cjs:
        assert r.comparison == "previous quarter (Dec-22)"
        assert "on the previous quarter (Dec-22)" in r.statements[0] and "year" not in r.statements[0]
    for mid in ("all_crime", "burglary", "fat_rate_all"):
        assert res[mid].comparison == "12 months to the same month last year"


@pytest.fixture(scope="module")
def with_previous(results):
    from pccreport.report.scorecard import attach_previous

    _, data, plan = results
    q = Quarter.parse("2023-Q1")
    return attach_previous(compute_plan(plan, data, q), plan, data, q)


def test_previous_quarter_rating_is_computed_from_data_cut_at_its_end(results, with_previous):
    from pccreport.report import rag
    from pccreport.report.scorecard import compute_plan as cp

    res, data, plan = results
    fresh = with_previous
    q4 = {r.metric.id: r for r in cp(plan, data, Quarter.parse("2022-Q4"))}
    for r in fresh:
        assert r.previous_rating == rag.score(q4[r.metric.id]).label
    assert {r.previous_rating for r in fresh} - {""}  # every measure got one
    row = next(r for r in fresh if r.metric.id == "cyber_crimes").row()
    assert row["rating"] == "No change" and row["previous_rating"] == rag.score(q4["cyber_crimes"]).label


def test_sample_101_step_change_is_stated_with_old_and_new_mean(results):
    """The 101 chart rebases at Sep-22: the statement gives both means (recomputed here) and the month."""
    res, data, _ = results
    r = res["calls_101_answer"]
    kp = data.kpis[(data.kpis["metric"] == "calls_101_answer") & (data.kpis["area"] == "force")].set_index("period")
    v = kp["value"].astype(float)
    v = v[v.index <= pd.Period("2023-03", "M")]
    sep = pd.Period("2022-09", "M")
    start = r.chart.values.index[0]
    old = v[(v.index >= start) & (v.index < sep)].mean()
    new = v[v.index >= sep].mean()

    def mmss(x):
        return f"{int(round(x)) // 60}:{int(round(x)) % 60:02d}"

    assert f"From Sep-22 the average rose from {mmss(old)} to {mmss(new)}" in " ".join(r.statements)


def test_priority_scores_count_each_rating_this_quarter_and_last(with_previous):
    from pccreport.report import rag
    from pccreport.report.scorecard import priority_frame

    fresh = with_previous
    frame = priority_frame(fresh).set_index("priority")
    for p in (1, 2, 3, 4):
        mine = [r for r in fresh if r.priority == p]
        assert frame.loc[p, "measures"] == len(mine)
        assert frame.loc[p, "Red"] == sum(rag.score(r).status == "red" for r in mine)
        assert frame.loc[p, "Red (previous quarter)"] == sum(r.previous_status == "red" for r in mine)
        assert sum(frame.loc[p, lbl] for lbl in rag.LABELS.values()) == len(mine)
        # The score, recomputed from the counts: 2 points a Green, 1 an Amber or No change, 0 a Red, out of 2 each.
        for suffix in ("", " (previous quarter)"):
            g, a, n, r = (int(frame.loc[p, f"{lbl}{suffix}"]) for lbl in ("Green", "Amber", "No change", "Red"))
            rated = g + a + n + r
            assert frame.loc[p, f"rated{suffix}"] == rated
            if rated:
                assert frame.loc[p, f"score{suffix}"] == round(100 * (2 * g + a + n) / (2 * rated))
            else:
                assert pd.isna(frame.loc[p, f"score{suffix}"])
    assert frame["score"].notna().any() and frame["score (previous quarter)"].notna().any()


def test_priority_score_worked_example():
    from pccreport.report.rag import priority_score

    # 2 Green, 1 Amber, 1 No change, 1 Red = 2+2+1+1+0 = 6 of 10 points; not rated and not scored are left out.
    assert priority_score(["green", "green", "amber", "nochange", "red", "unrated", "grey"]) == (60.0, 5)
    assert priority_score(["red", "red"]) == (0.0, 2)
    assert priority_score(["green"]) == (100.0, 1)
    assert priority_score(["unrated", "grey"]) == (None, 0) and priority_score([]) == (None, 0)



def _with_months_removed(data, months: list[str]):
    """The sample's processed data as if the given months' street files had never been published."""
    import dataclasses

    gone = pd.PeriodIndex(months, freq="M")
    street = data.street[~data.street["month"].isin(gone)]
    return dataclasses.replace(data, street=street, street_months=data.street_months.difference(gone))


def _quarter_rate(data, plan, end: pd.Period) -> tuple[int, int]:
    months = pd.period_range(end - 2, end, freq="M")
    s = data.street[data.street["month"].isin(months) & (data.street["crime_type"] != "Anti-social behaviour")]
    return int(s.loc[s["outcome"].isin(plan.positive_outcomes), "n"].sum()), int(s["n"].sum())


def test_outcome_rate_with_a_gap_compares_the_quarter_with_the_same_quarter_and_tests_it(results):
    """No complete R12 (Jun-22 missing): the quarter against the same quarter a year before, by the two-proportion test."""
    from pccreport.report import rag
    from pccreport.report.scorecard import compute_metric

    _, data, plan = results
    data = _with_months_removed(data, ["2022-06"])
    m = next(m for p in plan.priorities for sc in p.scorecards for m in sc.metrics if m.id == "fat_rate_all")
    r = compute_metric(m, 1, "x", plan, data, Quarter.parse("2023-Q1"))
    (k1, n1), (k0, n0) = _quarter_rate(data, plan, pd.Period("2023-03", "M")), _quarter_rate(data, plan, pd.Period("2022-03", "M"))
    assert r.value == pytest.approx(k1 / n1 * 100)
    assert r.change == pytest.approx((k1 / n1 - k0 / n0) * 100) and r.change_unit == "pts"
    assert r.comparison == "quarter to the same quarter last year" and r.previous_label == "quarter to Mar-22"
    pooled = (k1 + k0) / (n1 + n0)
    z = (k1 / n1 - k0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p = math.erfc(abs(z) / math.sqrt(2))
    assert r.test == f"two-proportion test on the quarters, p = {p:.3f}" and r.significant == (p < 0.05)
    assert r.low < r.value < r.high
    assert f"the three months to Mar-23: {k1 / n1 * 100:.1f}%" in r.statements[0]
    rating = rag.score(r)
    assert rating.status in ("green", "red", "nochange")
    if r.significant:
        assert "on the same quarter a year before" in rating.reason and "12 months" not in rating.reason


def test_outcome_rate_with_the_year_before_quarter_incomplete_shows_a_month_but_is_not_rated(results):
    from pccreport.report import rag
    from pccreport.report.scorecard import compute_metric

    _, data, plan = results
    data = _with_months_removed(data, ["2022-02", "2022-06"])
    m = next(m for p in plan.priorities for sc in p.scorecards for m in sc.metrics if m.id == "fat_rate_all")
    r = compute_metric(m, 1, "x", plan, data, Quarter.parse("2023-Q1"))
    (k1, n1) = _quarter_rate(data, plan, pd.Period("2023-03", "M"))
    assert r.value == pytest.approx(k1 / n1 * 100) and r.significant is None
    mar = {}
    for month in ("2023-03", "2022-03"):
        s = data.street[(data.street["month"] == pd.Period(month, "M"))
                        & (data.street["crime_type"] != "Anti-social behaviour")]
        mar[month] = s.loc[s["outcome"].isin(plan.positive_outcomes), "n"].sum() / s["n"].sum() * 100
    assert r.change == pytest.approx(mar["2023-03"] - mar["2022-03"])
    assert r.comparison == "Mar-23 to the same month last year"
    assert "the quarter to Mar-22 is not complete" in r.statements[0]
    assert r.statements[1].startswith(f"Mar-23 alone: {mar['2023-03']:.1f}%")
    assert rag.score(r).status == "grey" and rag.score(r).shown == "Not scored: no comparison"
