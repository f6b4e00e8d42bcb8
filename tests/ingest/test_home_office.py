"""Home Office police recorded crime open data layout: a small file in that layout, written here."""

import csv

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import home_office, recorded_crime
from pccreport.registry import load_registry

COLUMNS = home_office.HOME_OFFICE_COLUMNS


@pytest.fixture(scope="module")
def registry():
    return load_registry(Paths(DEFAULT_ROOT))


def _rows():
    """Five quarters (2023/24 Q1 to 2024/25 Q1) for two forces, two offence groups, plus fraud and BTP rows."""
    rows = []
    quarters = [("2023/24", q) for q in (1, 2, 3, 4)] + [("2024/25", 1)]
    for i, (fy, q) in enumerate(quarters):
        for force, base in (("Wiltshire", 100), ("Devon and Cornwall", 300)):
            rows.append([fy, q, force, "Burglary - residential", "Theft offences", "Burglary", "28E", base + i])
            rows.append([fy, q, force, "Shoplifting", "Theft offences", "Shoplifting", "46", 10 * (i + 1)])
            rows.append([fy, q, force, "Assault with injury", "Violence against the person", "Violence with injury",
                         "8N", "1,000"])
            rows.append([fy, q, force, "Fraud by false representation", "Fraud offences", "Fraud", "53A", 7])
        rows.append([fy, q, "British Transport Police", "Shoplifting", "Theft offences", "Shoplifting", "46", 5])
    return rows


def _write(path, rows, header=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Police recorded crime open data, by police force area"])  # a title row above the header
        w.writerow(header)
        w.writerows(rows)


def test_twelve_month_totals_by_force_and_group(tmp_path, registry):
    path = tmp_path / "prc-pfa-open-data.csv"
    rows = _rows()
    _write(path, rows)
    df = home_office.read_home_office(path, registry)
    assert list(df.columns) == recorded_crime.RECORDED_CRIME_COLUMNS
    # Two windows of four consecutive quarters: Apr 2023–Mar 2024 and Jul 2023–Jun 2024.
    assert sorted(df["period_end"].unique()) == ["2024-03", "2024-06"]
    w = df[df.force == "wiltshire"].set_index(["period_end", "offence_group"])["count"]
    # Recomputed here from the rows written: theft = burglary + shoplifting over the four quarters.
    expected = {end: sum(r[7] + 0 for r in rows if r[2] == "Wiltshire" and r[4] == "Theft offences"
                         and (r[0], r[1]) in window)
                for end, window in (("2024-03", {("2023/24", q) for q in (1, 2, 3, 4)}),
                                    ("2024-06", {("2023/24", q) for q in (2, 3, 4)} | {("2024/25", 1)}))}
    assert w[("2024-03", "Theft offences")] == expected["2024-03"] == 406 + 100
    assert w[("2024-06", "Theft offences")] == expected["2024-06"]
    assert w[("2024-03", "Violence against the person")] == 4000
    # The total leaves fraud out, as ONS's force-area totals do.
    assert w[("2024-03", recorded_crime.TOTAL)] == expected["2024-03"] + 4000
    assert w[("2024-03", "Fraud offences")] == 28
    assert set(df.force) == {"wiltshire", "devon-and-cornwall"}
    assert df.attrs["excluded"] == {"not a territorial force (British Transport Police)": 5}
    assert df["population"].isna().all() and (df["source"] == path.name).all()


def test_bad_rows_are_named_with_row_and_field(tmp_path, registry):
    rows = _rows()
    rows[3][2] = "Wessex Constabulary"
    rows[6][7] = "lots"
    rows[8][0] = "2023-24"
    path = tmp_path / "bad.csv"
    _write(path, rows)
    with pytest.raises(InputError) as exc:
        home_office.read_home_office(path, registry)
    msg = str(exc.value)
    assert "bad.csv" in msg
    assert "row 4 (line 5), field 'Force Name'" in msg and "Wessex Constabulary" in msg
    assert "row 7 (line 8), field 'Number of Offences'" in msg
    assert "row 9 (line 10), field 'Financial Year'" in msg


def test_missing_column_and_wrong_layout(tmp_path, registry):
    path = tmp_path / "no_count.csv"
    _write(path, [r[:-1] for r in _rows()], header=COLUMNS[:-1])
    with pytest.raises(InputError, match="no sheet has the columns"):
        home_office.read_home_office(path, registry)
    other = tmp_path / "tables.txt"
    other.write_text("x")
    with pytest.raises(InputError, match="expected .csv, .xlsx or .ods"):
        home_office.read_home_office(other, registry)
