"""ONS geography, population and police recorded crime tables: the real files, checked against independent reads."""

import csv
import math

import openpyxl
import pandas as pd
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import ons_geography, ons_population, recorded_crime
from pccreport.ingest.xlsx import clean_label
from pccreport.registry import load_registry
from tests.conftest import shared

LOOKUP = ("ons_geography", "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December__2023)_Lookup_.csv")
MYE = ("ons_population", "LAD23_Mid_Year_pop_2011_to_2023.xlsx")
P1_CSV = ("police_recorded_crime", "policeforceareatablesyejune25final_TableP1.csv")
C2_CSV = ("police_recorded_crime", "policeforceareatablesyejune25final_TableC2.csv")


@pytest.fixture(scope="module")
def registry():
    return load_registry(Paths(DEFAULT_ROOT))


@pytest.fixture(scope="module")
def lookup():
    return ons_geography.read_lookup(shared(*LOOKUP))


@pytest.fixture(scope="module")
def workbooks(registry):
    folder = shared("police_recorded_crime", "ons_pfa_tables_2018_2019")
    return {p.name: recorded_crime.read_workbook(p, registry) for p in sorted(folder.glob("*.xlsx"))}


def test_lookup_covers_43_force_areas_and_the_registry(lookup, registry):
    assert len(lookup) == 332 and lookup["pfa_code"].nunique() == 43
    assert set(lookup["pfa_code"]) == {f.ons_code for f in registry.values()}
    names = dict(zip(lookup["lad_code"], lookup["lad_name"]))
    assert names["E06000023"] == "Bristol, City of"  # quoted comma read as one field


def test_area_table_maps_lsoa_name_prefixes(lookup):
    areas = ons_geography.area_table(lookup).set_index("prefix")
    assert areas.index.is_unique
    assert areas.loc["Swindon", "pfa_code"] == "E23000038" and areas.loc["Swindon", "csp_name"] == "Swindon"
    # A LAD split between CSPs: matched by its own name it has no CSP; by the old district (CSP) name it has one.
    assert areas.loc["Westmorland and Furness", "csp_code"] == ""
    assert areas.loc["Barrow-in-Furness", "lad_name"] == "Westmorland and Furness"
    assert areas.loc["Barrow-in-Furness", "csp_name"] == "Barrow-in-Furness"
    assert areas.loc["Bristol", "lad_code"] == "E06000023"
    assert areas.loc["Mendip", "lad_name"] == "Somerset"
    prefix = ons_geography.lad_from_lsoa_name(pd.Series(["Bournemouth, Christchurch and Poole 040A", "x"]))
    assert prefix.iloc[0] == "Bournemouth, Christchurch and Poole" and pd.isna(prefix.iloc[1])


def test_population_of_wiltshire_summed_from_its_local_authorities(lookup, registry):
    path = shared(*MYE)
    lad = ons_population.read_lad_population(path)
    pop = ons_population.population_by_area(lad, lookup, {f.ons_code: f.slug for f in registry.values()})
    # Independent read of table MYE5 with openpyxl: Swindon + Wiltshire, mid-2023 and mid-2011.
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["MYE5"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Code")
    by_code = {r[0]: r for r in rows}
    for year in (2023, 2011):
        col = header.index(f"Estimated Population mid-{year}")
        expected = by_code["E06000030"][col] + by_code["E06000054"][col]
        got = pop[(pop.area_type == "pfa") & (pop.force == "wiltshire") & (pop.year == year)]["population"]
        assert got.tolist() == [float(expected)]
        # The 43 force areas add up to ONS's own England and Wales total.
        pfa_total = pop[(pop.area_type == "pfa") & (pop.year == year)]["population"].sum()
        assert len(pop[(pop.area_type == "pfa") & (pop.year == year)]) == 43
        assert pfa_total == float(by_code["K04000001"][col])
    csp = pop[(pop.area_type == "csp") & (pop.year == 2023)].set_index("area_name")["population"]
    assert csp["Swindon"] == float(by_code["E06000030"][header.index("Estimated Population mid-2023")])
    # CSPs that are parts of a split LAD get no population rather than a wrong one.
    assert "Barrow-in-Furness" not in csp.index


def test_population_needs_every_lad_of_the_lookup(lookup, registry):
    lad = ons_population.read_lad_population(shared(*MYE))
    with pytest.raises(InputError, match="E06000030"):
        ons_population.population_by_area(lad[lad.lad_code != "E06000030"], lookup, {})


def test_every_force_rate_recomputed_from_p1_count_and_p3_population(workbooks):
    checked = 0
    for name, df in workbooks.items():
        assert df["force"].nunique() == 43, name
        total = df[df.offence_group == recorded_crime.TOTAL]
        assert len(total) == 43, name
        ok = df.dropna(subset=["count", "population", "ons_rate"])
        for r in ok.itertuples():
            recomputed = r.count / r.population * 1000
            # P3 prints the population rounded to 100; ONS divided by the unrounded one, so the recomputed rate can
            # differ by at most the rounding (±50 people) and no more.
            tol = recomputed * 50 / (r.population - 50) + 1e-9
            assert abs(recomputed - r.ons_rate) <= tol, (name, r.force, r.offence_group)
            checked += 1
        # Every force has a published P3 rate for the total, except those ONS suppressed or withheld.
        missing = total[total.ons_rate.isna()]
        assert set(missing.force) <= {"city-of-london", "greater-manchester"}, name
    assert checked > 7000


def test_wiltshire_p1_cell_read_independently(workbooks):
    path = shared("police_recorded_crime", "ons_pfa_tables_2018_2019", "pfatablesdec19.xlsx")
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["Table P1"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "E23000038")
    df = workbooks["pfatablesdec19.xlsx"]
    got = df[(df.force == "wiltshire") & (df.offence_group == recorded_crime.TOTAL)]
    assert got["count"].tolist() == [float(row[2])] and got["period_end"].tolist() == ["2019-12"]
    assert got["population_basis"].tolist() == ["mid-2018 estimate"]


def test_withheld_and_suppressed_figures_are_missing_with_onss_reason(workbooks):
    df = workbooks["pfatablesdec19.xlsx"]
    gmp = df[df.force == "greater-manchester"]
    assert gmp["count"].isna().all() and not (gmp["count"] == 0).any()
    reason = gmp["suppressed"].iloc[0]
    assert "'..'" in reason and "Greater Manchester Police have been unable to supply data" in reason
    city = df[(df.force == "city-of-london") & (df.offence_group == recorded_crime.TOTAL)].iloc[0]
    assert city["count"] == 8638 and math.isnan(city["ons_rate"]) and "small population" in city["rate_suppressed"]
    # Footnote markers are gone from names; offence groups match across editions through offence_key.
    assert clean_label("Greater Manchester10,11") == "Greater Manchester"
    assert clean_label("Total recorded crime (excluding fraud4)") == recorded_crime.TOTAL
    keys = {k for d in workbooks.values() for k in d["offence_key"]}
    assert "miscellaneous crimes" in keys and not any("against society" in k for k in keys)


def _csv_row(path, code):
    with open(path, newline="", encoding="utf-8-sig") as f:
        for rec in csv.reader(f):
            if rec and rec[0] == code:
                return rec
    raise AssertionError(code)


def test_p1_csv_with_thousands_separators(registry):
    path = shared(*P1_CSV)
    df = recorded_crime.read_p1_csv(path, registry)
    assert df["force"].nunique() == 43 and set(df["period_end"]) == {"2025-06"}
    tot = df[df.offence_group == recorded_crime.TOTAL].set_index("force")["count"]
    for force, code in (("wiltshire", "E23000038"), ("city-of-london", "E23000034")):
        assert tot[force] == float(_csv_row(path, code)[2].replace(",", ""))
    assert tot["wiltshire"] == 41090 and tot["city-of-london"] == 8801  # as the data README states
    assert df["population"].isna().all() and df["ons_rate"].isna().all()


def test_c2_csp_rows_agree_with_p1(registry):
    p1 = recorded_crime.read_p1_csv(shared(*P1_CSV), registry)
    c2 = recorded_crime.read_c2_csv(shared(*C2_CSV), registry)
    # The two rows ONS filed under another force's code are left out and listed, not guessed at.
    assert len(c2.attrs["excluded"]) == 2 and all("Unassigned" in e or "unassigned" in e for e in c2.attrs["excluded"])
    totals = c2[(c2.csp_code == "") & (c2.csp_name == "")].groupby(["force", "offence_key"])["count"].sum()
    p1_totals = p1.set_index(["force", "offence_key"])["count"]
    joined = pd.concat([totals.rename("c2"), p1_totals.rename("p1")], axis=1, join="inner")
    # Every force has a total row except City of London, whose one CSP is the whole force area.
    assert len(joined) == 42 * 23 and (joined.c2 == joined.p1).all()
    city = c2[c2.force == "city-of-london"].set_index("offence_key")["count"]
    assert (city == p1[p1.force == "city-of-london"].set_index("offence_key")["count"]).all()
    wilts = c2[(c2.force == "wiltshire") & (c2.offence_group == recorded_crime.TOTAL)].set_index("csp_name")["count"]
    assert wilts["Swindon"] + wilts["Unassigned Wiltshire"] + wilts["Wiltshire"] == wilts[""] == 41090


def test_broken_ons_files_name_file_row_and_field(tmp_path, registry):
    src = shared(*P1_CSV)
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "p1_bad.csv"
    bad.write_text("".join(line.replace("E23000038,Wiltshire,", "E23000038,Wilts,") for line in lines),
                   encoding="utf-8")
    with pytest.raises(InputError) as exc:
        recorded_crime.read_p1_csv(bad, registry)
    msg = str(exc.value)
    assert "p1_bad.csv" in msg and "Area Name" in msg and "Wilts" in msg and "row " in msg
    blank = tmp_path / "p1_blank.csv"
    blank.write_text("".join(line.replace('E23000038,Wiltshire,"41,090"', "E23000038,Wiltshire,")
                             for line in lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"Total recorded crime \(excluding fraud\).*blank"):
        recorded_crime.read_p1_csv(blank, registry)
    notxlsx = tmp_path / "tables.xlsx"
    notxlsx.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match="could not be opened as an xlsx"):
        recorded_crime.read_any(notxlsx, registry)
    untitled = tmp_path / "untitled.csv"
    untitled.write_text("".join(lines[6:]), encoding="utf-8")
    with pytest.raises(InputError, match="not ONS Table P1 or Table C2"):
        recorded_crime.read_any(untitled, registry)


def test_loaders_return_empty_frames_with_the_interface_columns(tmp_path):
    rc = recorded_crime.load_recorded_crime([tmp_path / "missing.parquet"])
    assert rc.empty and list(rc.columns) == recorded_crime.RECORDED_CRIME_COLUMNS
    assert {"period_end", "force", "ons_code", "offence_group", "count", "suppressed", "population",
            "population_basis", "ons_rate", "source"} <= set(rc.columns)
    pop = ons_population.load_population(tmp_path / "missing.parquet")
    assert pop.empty and list(pop.columns) == ["area_type", "area_code", "area_name", "force", "year", "population"]


# Class 8 for ONS counts: a whole number of 0 or more, or a symbol ONS prints for a withheld figure; one row per area.

def _p1_edited(tmp_path, edit) -> "Path":
    import io

    rows = list(csv.reader(io.StringIO(shared(*P1_CSV).read_text(encoding="utf-8-sig"), newline="")))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "E23000038")  # Wiltshire
    edit(rows, at)
    out = tmp_path / "p1.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return out


@pytest.mark.parametrize("value,message", [
    ("-5", "a count of offences is a whole number of 0 or more"),
    ("12.5", "a count of offences is a whole number of 0 or more"),
    ("NaN", "neither a number nor a symbol ONS prints"),   # read as "withheld" before, the figure silently gone
    ("inf", "neither a number nor a symbol ONS prints"),
    ("1e308", "neither a number nor a symbol ONS prints"),
    ('=HYPERLINK("http://x")', "neither a number nor a symbol ONS prints"),
    ("n/a", "neither a number nor a symbol ONS prints"),
])
def test_a_p1_count_that_is_no_count_is_refused_at_its_cell(tmp_path, registry, value, message):
    path = _p1_edited(tmp_path, lambda rows, at: rows[at].__setitem__(3, value))
    with pytest.raises(InputError) as exc:
        recorded_crime.read_p1_csv(path, registry)
    assert message in str(exc.value) and "Table P1 D" in str(exc.value)  # column D: violence against the person


@pytest.mark.parametrize("symbol", ["..", "[x]", "[c]"])
def test_onss_own_symbols_are_still_read_as_withheld(tmp_path, registry, symbol):
    path = _p1_edited(tmp_path, lambda rows, at: rows[at].__setitem__(3, symbol))
    df = recorded_crime.read_p1_csv(path, registry)
    cell = df[(df.force == "wiltshire") & (df.offence_group == "Violence against the person")]
    assert len(cell) == 1 and math.isnan(cell["count"].iloc[0]) and cell["suppressed"].iloc[0]


@pytest.mark.parametrize("second", ["same figures", "other figures"])
def test_an_area_repeated_in_a_table_is_refused(tmp_path, registry, second):
    def dup(rows, at):
        row = list(rows[at])
        if second == "other figures":
            row[2] = "1"
        rows.insert(at + 1, row)

    with pytest.raises(InputError, match="the same area as row"):
        recorded_crime.read_p1_csv(_p1_edited(tmp_path, dup), registry)


def test_a_csp_repeated_in_table_c2_is_refused_but_several_csps_of_a_force_are_not(tmp_path, registry):
    import io

    rows = list(csv.reader(io.StringIO(shared(*C2_CSV).read_text(encoding="utf-8-sig"), newline="")))
    wilts = [i for i, r in enumerate(rows) if r and r[0] == "E23000038"]
    assert len(wilts) > 1  # the force total and its CSPs: one force code, several rows
    rows.insert(wilts[-1] + 1, list(rows[wilts[-1]]))
    out = tmp_path / "c2.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(InputError, match="the same area as row"):
        recorded_crime.read_c2_csv(out, registry)
