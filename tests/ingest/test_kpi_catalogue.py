"""The KPI catalogue: every row is checked against its metric's definition, and every problem is named at once."""

import shutil

import numpy as np
import pandas as pd
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import kpis
from pccreport.ingest.pipeline import ingest_force
from pccreport.inputs import sample
from pccreport.inputs.sample import generate
from pccreport.registry import validate_force

HEADER = "force,metric,area,period,value,numerator,denominator,unit\n"
# One good row per metric kind (the same rows docs/inputs.md shows).
GOOD_ROWS = [
    "wiltshire,outstanding_suspects,force,2023-03,1515,,,count",            # count
    "wiltshire,intelligence_reports,Swindon,2023-03,1017,,,count",          # count, sub-force area
    "wiltshire,calls_999_answer,force,2023-03,9.6,,,seconds",               # duration in seconds
    "wiltshire,days_to_charge,force,2023-03,23,,,days",                     # duration in days
    "wiltshire,calls_101_abandonment,force,2023-03,,1575,21000,percent",    # proportion
    "wiltshire,victim_satisfaction,force,2023-03,,110,149,percent",         # survey: denominator = sample size
    "wiltshire,csew_confidence,force,2023-03,76.8,,450,percent",            # published survey estimate: value, base
    "wiltshire,victim_satisfaction_burglary,Warwickshire,2023-03,74.0,,,percent",  # a peer force's published figure
    "wiltshire,cjs_quality_of_justice,England and Wales,2023-03,83.2,,,percent",  # percent, national comparator
]


@pytest.fixture(scope="module")
def catalogue():
    return kpis.load_catalogue(DEFAULT_ROOT / "params", "wiltshire")


def _read(tmp_path, text, catalogue, name="kpis.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return kpis.read_kpi_csv(p, "wiltshire", catalogue)


def _err(tmp_path, text, catalogue, **kw):
    with pytest.raises(InputError) as exc:
        _read(tmp_path, text, catalogue, **kw)
    return str(exc.value)


def test_one_good_row_per_kind_passes(tmp_path, catalogue):
    df = _read(tmp_path, HEADER + "\n".join(GOOD_ROWS) + "\n", catalogue)
    kinds = {catalogue.metrics[m].kind for m in df["metric"]}
    assert kinds == set(kpis.KINDS)


def test_the_documented_example_rows_are_the_tested_ones():
    doc = (DEFAULT_ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    for row in GOOD_ROWS:
        assert row in doc


def test_catalogue_covers_every_metric_of_the_seed(catalogue):
    # REPORT_SPEC "Metrics the seed report carries" that come from force systems, one id each.
    seed = ["calls_999_answer", "calls_101_answer", "calls_101_abandonment", "call_quality_audit",
            "emergency_response_mean", "emergency_response_median", "priority_response_mean", "priority_response_median",
            "intelligence_reports", "outstanding_suspects", "outstanding_suspects_over_4_days",
            "outstanding_suspects_over_12_months", "days_to_charge", "victim_satisfaction", "csew_confidence",
            "complaints", "rasso_crimes", "rasso_outcome_rate", "rasso_days_to_charge", "rasso_outstanding_suspects",
            "stalking_harassment_crimes", "domestic_abuse_crimes", "cyber_crimes", "hate_crimes",
            "hate_crime_outcome_rate", "drink_drug_driving_arrests", "victim_satisfaction_actions",
            "victim_satisfaction_kept_informed", "victim_satisfaction_ease_of_contact",
            "victim_satisfaction_investigation", "victim_satisfaction_time_to_arrive", "victim_satisfaction_treatment",
            "cjs_timeliness", "cjs_victim_engagement", "cjs_quality_of_justice", "csew_good_job", "csew_relied_on",
            "complaints_resolved", "victim_satisfaction_burglary", "victim_satisfaction_hate",
            "victim_satisfaction_vehicle", "victim_satisfaction_violent", "violence_with_injury_outcome_rate",
            "rape_outcome_rate", "stalking_harassment_outcome_rate", "cyber_crime_outcome_rate",
            "cjs_days_police_charge", "cjs_days_cps_charge", "cjs_days_crown_court",
            "cjs_victim_no_support_investigation", "cjs_victim_no_support_trial_day",
            "cjs_victim_no_support_after_charge", "cjs_successful_outcome", "cjs_trial_or_guilty_plea",
            "cjs_correct_decisions"]
    assert set(seed) <= set(catalogue.metrics)


@pytest.mark.parametrize("row, expected", [
    ("wiltshire,crime_stats,force,2023-03,5,,,count",
     "row 1 (line 2), field 'metric': not in the KPI catalogue"),
    ("wiltshire,intelligence_reports,Narnia,2023-03,5,,,count", "row 1 (line 2), field 'area': must be one of"),
    ("wiltshire,calls_999_answer,force,2023-03,9,,,days", "field 'unit': calls_999_answer is measured in 'seconds'"),
    ("wiltshire,victim_satisfaction,force,2023-03,74,,,percent",
     "field 'numerator': victim_satisfaction is a survey: give numerator and denominator (respondents"),
    ("wiltshire,victim_satisfaction,force,2023-03,90,110,149,percent", "field 'value': does not match numerator/denominator (73.8%)"),
    ("wiltshire,complaints,force,2023-03,10.5,,,count", "field 'value': complaints is a count: must be a whole number"),
    ("wiltshire,complaints,force,2023-03,,4,10,count", "field 'numerator': complaints is a count: leave numerator"),
    ("wiltshire,days_to_charge,force,2023-03,,3,4,days", "field 'value': days_to_charge is a duration: give a value"),
    ("wiltshire,csew_confidence,force,2023-02,76.8,,420,percent",
     "field 'period': csew_confidence is quarterly: date it by the quarter's last month"),
    ("wiltshire,csew_confidence,force,2023-03,,290,420,percent",
     "field 'denominator': csew_confidence is a published survey estimate: give the percentage as value"),
    ("wiltshire,csew_confidence,force,2023-03,76.8,,,percent",
     "field 'denominator': csew_confidence is a published survey estimate: give the percentage as value"),
    ("wiltshire,victim_satisfaction_burglary,force,2023-03,74.0,,,percent",
     "field 'numerator': victim_satisfaction_burglary is a survey: give numerator and denominator"),
    ("wiltshire,days_to_charge,force,2023-03,23,,40,days",
     "field 'denominator': days_to_charge is a duration: leave denominator empty"),
])
def test_rows_that_break_their_catalogue_entry(tmp_path, catalogue, row, expected):
    msg = _err(tmp_path, HEADER + row + "\n", catalogue)
    assert "kpis.csv" in msg and expected in msg


def test_unknown_metric_lists_the_known_ones(tmp_path, catalogue):
    msg = _err(tmp_path, HEADER + "wiltshire,crime_stats,force,2023-03,5,,,count\n", catalogue)
    assert "(got 'crime_stats')" in msg and "known metrics: " in msg
    for known in ("calls_999_answer", "victim_satisfaction", "cjs_timeliness"):
        assert known in msg


def test_all_problems_in_a_file_are_listed_together(tmp_path, catalogue):
    rows = ["wiltshire,crime_stats,force,2023-03,5,,,count", "wiltshire,complaints,force,03/2023,-2,,,count",
            "wiltshire,victim_satisfaction,force,2023-03,,160,150,percent"]
    msg = _err(tmp_path, HEADER + "\n".join(rows) + "\n", catalogue)
    for part in ("row 1 (line 2), field 'metric'", "row 2 (line 3), field 'period'", "row 2 (line 3), field 'value'",
                 "row 3 (line 4), field 'numerator': must not exceed denominator"):
        assert part in msg
    assert "4 problem(s)" in msg


def test_windows_encoding_is_named_with_a_fix(tmp_path, catalogue):
    msg = _err(tmp_path, HEADER + "wiltshire,complaints,Bournemouth Pôole,2023-03,1,,,count\n", catalogue,
               encoding="cp1252")
    assert "kpis.csv" in msg and "field '(file)': not UTF-8" in msg and "Windows-1252" in msg and "CSV UTF-8" in msg


def test_excel_byte_order_mark_is_accepted(tmp_path, catalogue):
    df = _read(tmp_path, "\ufeff" + HEADER + GOOD_ROWS[0] + "\n", catalogue)
    assert list(df["metric"]) == ["outstanding_suspects"]


def test_force_own_metrics_and_areas_come_from_the_force_file():
    dorset = kpis.load_catalogue(DEFAULT_ROOT / "params", "dorset")
    wilts = kpis.load_catalogue(DEFAULT_ROOT / "params", "wiltshire")
    assert "rural_crime_reports" in dorset.metrics and "rural_crime_reports" not in wilts.metrics
    assert "BCP" in dorset.areas and "BCP" not in wilts.areas and "Swindon" in wilts.areas


def test_bad_catalogue_entry_names_its_yaml_path(tmp_path):
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    (tmp_path / "params" / "dorset" / "kpis.yaml").write_text(
        "areas: [Dorset]\nmetrics:\n  rural_x: {name: Rural, kind: count, unit: seconds}\n"
        "  calls_999_answer: {name: again, kind: duration, unit: seconds}\n")
    with pytest.raises(InputError) as exc:
        kpis.load_catalogue(tmp_path / "params", "dorset")
    msg = str(exc.value)
    assert "kpis.yaml" in msg and "metrics.rural_x" in msg and "a count KPI is measured in ['count']" in msg


def test_force_metric_may_not_redefine_a_national_one(tmp_path):
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    (tmp_path / "params" / "dorset" / "kpis.yaml").write_text(
        "metrics:\n  calls_999_answer: {name: again, kind: duration, unit: seconds}\n")
    with pytest.raises(InputError, match=r"metrics.calls_999_answer': already defined"):
        kpis.load_catalogue(tmp_path / "params", "dorset")


@pytest.mark.parametrize("force", ["wiltshire", "dorset"])
def test_sample_kpis_cover_every_catalogued_metric_for_18_months_or_more(tmp_path, force):
    # The KPI part of the generator only (the street files it also writes are tested in tests/inputs/test_sample.py).
    months = pd.period_range("2021-07", "2023-06", freq="M")
    sample._kpis(force, months, sample.PROFILES[force], np.random.default_rng(1)).to_csv(tmp_path / "k.csv", index=False)
    cat = kpis.load_catalogue(DEFAULT_ROOT / "params", force)
    df = kpis.read_kpi_csv(tmp_path / "k.csv", force, cat)
    assert set(df["metric"]) == set(cat.metrics)
    monthly = df[df["metric"].map(lambda m: cat.metrics[m].frequency == "monthly")]
    assert monthly.groupby("metric")["period"].nunique().min() >= 18
    # Seasonality and a deliberate special cause the control charts can find: hate crime spikes in June 2022.
    hate = df[df["metric"] == "hate_crimes"].set_index("period")["value"]
    others = hate.drop(pd.Period("2022-06", "M"))
    assert hate[pd.Period("2022-06", "M")] > others.mean() + 3 * others.std()


def test_bad_kpi_file_leaves_every_processed_file_intact(tmp_path):
    """A good ingest, then a bad new KPI file: the ingest fails and data/processed is byte-for-byte unchanged."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    generate(paths, "wiltshire", "2023-01", "2023-03")
    force = validate_force("wiltshire", paths)
    ingest_force(paths, force)
    before = {p: p.read_bytes() for p in sorted(paths.processed.rglob("*")) if p.is_file()}
    assert any(p.name == "kpis.parquet" for p in before)
    (paths.kpi_raw("wiltshire") / "late.csv").write_text(HEADER + "wiltshire,crime_stats,force,2023-04,5,,,count\n")
    with pytest.raises(InputError, match="crime_stats"):
        ingest_force(paths, force)
    after = {p: p.read_bytes() for p in sorted(paths.processed.rglob("*")) if p.is_file()}
    assert after == before


def test_a_bad_cell_gets_one_message_not_follow_on_ones(tmp_path, catalogue):
    rows = ["wiltshire,complaints,force,2023-03,ten,,,count", "wiltshire,complaints,force,2023-04,,,,count",
            "wiltshire,victim_satisfaction,force,2023-03,,x,150,percent"]
    msg = _err(tmp_path, HEADER + "\n".join(rows) + "\n", catalogue)
    assert "3 problem(s)" in msg
    assert "row 1 (line 2), field 'value': must be a number (got 'ten')" in msg
    assert "row 2 (line 3), field 'value': complaints is a count: give a value" in msg
    assert "row 3 (line 4), field 'numerator': must be a number (got 'x')" in msg


def test_wrong_column_names_suggest_the_right_one(tmp_path, catalogue):
    msg = _err(tmp_path, HEADER.replace("period", "Month").replace("value", "Value ") + GOOD_ROWS[0] + "\n", catalogue)
    assert "field '(header)': missing column(s) ['period', 'value']" in msg
    assert "field '(header)': unexpected column; did you mean 'value'? (got 'Value ')" in msg
    assert "(got 'Month')" in msg and "the header must be exactly" in msg


def test_infinite_value_is_not_a_number(tmp_path, catalogue):
    msg = _err(tmp_path, HEADER + "wiltshire,calls_999_answer,force,2023-03,inf,,,seconds\n", catalogue)
    assert "row 1 (line 2), field 'value': must be a number (got 'inf')" in msg
