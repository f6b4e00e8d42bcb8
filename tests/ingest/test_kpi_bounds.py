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


@pytest.mark.parametrize("period", ["٢٠٢٣-03",          # Arabic-Indic digits: a second spelling of 2023-03
                                    '"2023-03\n"',      # a quoted trailing newline, which "$" let through
                                    "1900-03", "2999-03"])
def test_kpi_periods_are_ascii_months_of_the_report_years(tmp_path, catalogue, period):
    with pytest.raises(InputError, match=r"row 1 \(line 2\), field 'period': must be a month written YYYY-MM"):
        _read(tmp_path, [f"wiltshire,outstanding_suspects,force,{period},5,,,count"], catalogue)


def test_a_second_spelling_of_a_month_no_longer_escapes_the_duplicate_check(tmp_path, catalogue):
    with pytest.raises(InputError) as exc:
        _read(tmp_path, ["wiltshire,outstanding_suspects,force,2023-03,5,,,count",
                         "wiltshire,outstanding_suspects,force,٢٠٢٣-03,7,,,count"], catalogue)
    assert "row 2 (line 3), field 'period'" in str(exc.value)


def test_a_kpi_csv_linked_from_outside_its_folder_is_not_read(tmp_path, catalogue):
    """Class 5: read through the bounded reader with the force's KPI folder as its bound."""
    folder = tmp_path / "raw" / "kpis" / "wiltshire"
    folder.mkdir(parents=True)
    outside = tmp_path / "somebody-else.csv"
    outside.write_text(HEADER + "wiltshire,outstanding_suspects,force,2023-03,5,,,count\n", encoding="utf-8")
    (folder / "kpis.csv").symlink_to(outside)
    with pytest.raises(InputError, match="is a link to a place outside wiltshire/"):
        kpis.ingest(folder, tmp_path / "out", "wiltshire", catalogue)
    assert not (tmp_path / "out").exists()
    (folder / "kpis.csv").unlink()
    (folder / "inner.csv").write_text(outside.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "kpis.csv").symlink_to(folder / "inner.csv")  # a link inside the folder is still read
    with pytest.raises(InputError, match="the same KPI appears in more than one file"):
        kpis.ingest(folder, tmp_path / "out", "wiltshire", catalogue)
