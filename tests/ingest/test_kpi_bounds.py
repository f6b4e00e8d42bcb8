"""Class 8 for force KPIs, values checked for meaning: each unit has a plausible maximum (overridable per metric in
the catalogue), so 1.8e308 or a count in the billions is refused naming the row; the real sample KPIs all pass."""

from __future__ import annotations

import pytest

from pccreport.config import DEFAULT_ROOT
from pccreport.errors import InputError
from pccreport.ingest import kpis

HEADER = "force,metric,area,period,value,numerator,denominator,unit\n"


@pytest.fixture(scope="module")
def catalogue():
    return kpis.load_catalogue(DEFAULT_ROOT / "params", "wiltshire")


def _read(tmp_path, rows: list[str], catalogue):
    p = tmp_path / "kpis.csv"
    p.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return kpis.read_kpi_csv(p, "wiltshire", catalogue)


@pytest.mark.parametrize("row,field", [
    ("wiltshire,calls_999_answer,force,2023-03,1.7976931348623157e308,,,seconds", "value"),
    ("wiltshire,calls_999_answer,force,2023-03,604801,,,seconds", "value"),      # more than a week to answer
    ("wiltshire,days_to_charge,force,2023-03,3651,,,days", "value"),              # more than ten years
    ("wiltshire,outstanding_suspects,force,2023-03,10000001,,,count", "value"),
    ("wiltshire,outstanding_suspects,force,2023-03,1e300,,,count", "value"),
    ("wiltshire,calls_101_abandonment,force,2023-03,,5,1e12,percent", "denominator"),
])
def test_implausible_values_are_refused_naming_row_and_field(tmp_path, catalogue, row, field):
    good = "wiltshire,victim_satisfaction,force,2023-03,,110,149,percent"
    with pytest.raises(InputError) as exc:
        _read(tmp_path, [good, row], catalogue)
    assert f"row 2 (line 3), field '{field}'" in str(exc.value)


def test_values_at_the_bounds_pass(tmp_path, catalogue):
    df = _read(tmp_path, ["wiltshire,calls_999_answer,force,2023-03,604800,,,seconds",
                          "wiltshire,days_to_charge,force,2023-03,3650,,,days",
                          "wiltshire,outstanding_suspects,force,2023-03,10000000,,,count"], catalogue)
    assert list(df["value"]) == [604800.0, 3650.0, 10000000.0]


def test_a_catalogue_max_overrides_the_unit_default(tmp_path):
    cat = kpis.KpiCatalogue(areas=["force"], metrics={
        "calls": kpis.KpiDef(name="Calls", kind="count", unit="count", max=50),
        "other": kpis.KpiDef(name="Other", kind="count", unit="count")})
    assert cat.metrics["calls"].bound == 50 and cat.metrics["other"].bound == kpis.UNIT_MAX["count"]
    with pytest.raises(InputError, match=r"row 1 \(line 2\), field 'value': calls above 50 count"):
        _read(tmp_path, ["wiltshire,calls,force,2023-03,51,,,count"], cat)
    with pytest.raises(ValueError):
        kpis.KpiDef(name="x", kind="count", unit="count", max=0)


def test_every_catalogued_unit_has_a_bound(catalogue):
    assert {d.unit for d in catalogue.metrics.values()} <= set(kpis.UNIT_MAX)


def test_an_oversized_kpi_csv_is_refused_before_reading(tmp_path, catalogue, monkeypatch):
    monkeypatch.setattr(kpis, "MAX_KPI_CSV_BYTES", 200)
    rows = ["wiltshire,victim_satisfaction,force,2023-03,,110,149,percent"] * 10
    with pytest.raises(InputError, match="more than the limit of 200"):
        _read(tmp_path, rows, catalogue)


@pytest.mark.parametrize("rows,match", [(1_000_000, "bytes, more than the limit"),
                                         (250_000, "250,000 rows, more than the limit")])
def test_a_huge_kpi_csv_is_refused_quickly(tmp_path, catalogue, rows, match):
    import time

    p = tmp_path / "kpis.csv"
    p.write_text(HEADER + "wiltshire,victim_satisfaction,force,2023-03,,110,149,percent\n" * rows)
    t0 = time.process_time()
    with pytest.raises(InputError, match=match):
        kpis.read_kpi_csv(p, "wiltshire", catalogue)
    assert time.process_time() - t0 < 60  # a generous ceiling (about 1 s here); unbounded it ran past 120 s
