import pandas as pd
import pytest

from pccreport.errors import InputError
from pccreport.ingest import kpis

HEADER = "force,metric,area,period,value,numerator,denominator,unit\n"
GOOD = "wiltshire,calls_999_answer,force,2023-01,10.5,,,seconds\nwiltshire,victim_satisfaction,force,2023-01,,120,150,percent\n"


def _err(tmp_path, text, encoding="utf-8"):
    p = tmp_path / "kpis.csv"
    p.write_bytes(text.encode(encoding))
    with pytest.raises(InputError) as exc:
        kpis.read_kpi_csv(p, "wiltshire")
    return str(exc.value)


def test_good_file(tmp_path):
    p = tmp_path / "kpis.csv"
    p.write_text(HEADER + GOOD)
    df = kpis.read_kpi_csv(p, "wiltshire")
    assert len(df) == 2 and df["period"].iloc[0] == pd.Period("2023-01", "M")


@pytest.mark.parametrize("text, expected", [
    ("force,metric,area,month,value,numerator,denominator,unit\n" + GOOD, "missing column(s) ['period']"),
    (HEADER + "wiltshire,calls_999_answer,force,2023-01,ten,,,seconds\n", "row 1 (line 2), field 'value': must be a number (got 'ten')"),
    (HEADER + "wiltshire,calls_999_answer,force,01/2023,10,,,seconds\n", "field 'period': must be a month written YYYY-MM"),
    (HEADER + "wiltshire,complaints,force,2023-01,-4,,,count\n", "field 'value': must be 0 or more"),
    (HEADER + "wiltshire,victim_satisfaction,force,2023-01,,160,150,percent\n", "field 'numerator': must not exceed denominator"),
    (HEADER + "wiltshire,victim_satisfaction,force,2023-01,112,,,percent\n", "a percent value must be 100 or less"),
    (HEADER + GOOD + GOOD.splitlines()[0] + "\n", "duplicate row"),
    (HEADER + "dorset,calls_999_answer,force,2023-01,10,,,seconds\n", "field 'force': must be 'wiltshire'"),
    (HEADER + "wiltshire,calls_999_answer,force,2023-01,10,,,furlongs\n", "field 'unit': must be one of"),
    ("", "the file is empty"),
    (HEADER, "no data rows"),
])
def test_bad_kpi_rows_get_a_clear_message(tmp_path, text, expected):
    msg = _err(tmp_path, text)
    assert "kpis.csv" in msg and expected in msg


def test_every_problem_is_reported_at_once(tmp_path):
    msg = _err(tmp_path, HEADER + "wiltshire,a,force,2023-13,x,,,count\nwiltshire,b,force,2023-01,-1,,,count\n")
    assert "row 1 (line 2), field 'period'" in msg and "row 1 (line 2), field 'value'" in msg
    assert "row 2 (line 3), field 'value': must be 0 or more" in msg


def test_other_encoding_is_named(tmp_path):
    msg = _err(tmp_path, HEADER + "wiltshire,calls,Bournemouth Pôole,2023-01,1,,,count\n", encoding="latin-1")
    assert "not UTF-8" in msg


def test_bad_file_leaves_processed_kpis_intact(tmp_path):
    src, out = tmp_path / "raw", tmp_path / "out"
    src.mkdir()
    (src / "a.csv").write_text(HEADER + GOOD)
    kpis.ingest(src, out, "wiltshire")
    before = (out / "kpis.parquet").read_bytes()
    (src / "b.csv").write_text(HEADER + "wiltshire,x,force,2023-01,-1,,,count\n")
    with pytest.raises(InputError):
        kpis.ingest(src, out, "wiltshire")
    assert (out / "kpis.parquet").read_bytes() == before
