"""Property-based tests of the CSV loaders with generated rows, good and malformed.

Each loader must either return validated data that accounts for every input row (kept, or counted as excluded with
a reason), or raise the project's own InputError. Any other exception, or a row that vanishes uncounted, fails.
Examples are derandomised (same examples on every run and in CI) and kept few enough to run in seconds.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pccreport.errors import InputError
from pccreport.ingest import kpis, ons_geography, police_uk, recorded_crime
from pccreport.registry import load_registry
from tests.conftest import SHARED

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text that has broken or attacked CSV loaders: separators, quotes, newlines, NUL, BOM, formulas, HTML, huge numbers.
NASTY = st.sampled_from(["", " ", ",", '"', '""', "\n", "\r\n", "\x00", "\ufeff", "=cmd|' /C calc'!A0", "+1", "-1",
                         "@SUM(A1)", "<script>alert(1)</script>", "NaN", "nan", "inf", "-inf", "1e400", "1,234",
                         "0x10", "١٢٣", "Ｗｉｌｔｓｈｉｒｅ", "null", "None", "..", "[x]", "9" * 40])
JUNK = st.one_of(NASTY, st.text(max_size=20))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")


def _rows_in(path: Path) -> int:
    """Data rows in a CSV, counted with the standard library (independent of the loaders under test)."""
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


# ---------------------------------------------------------------- data.police.uk street files

MONTH = "2025-03"
FORCE, NAME = "wiltshire", "Wiltshire Police"
CRIME_TYPES = ["Burglary", "Anti-social behaviour", "Vehicle crime", "Violence and sexual offences"]


def street_row(good: bool):
    # Good rows carry no control characters (data.police.uk publishes none). Bad rows may carry anything.
    text = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"] if good else ["Cs"]), max_size=15)
    fields = [
        st.one_of(st.just(""), st.text("0123456789abcdef", min_size=8, max_size=64)),  # Crime ID
        st.just(MONTH) if good else st.one_of(st.just(MONTH), JUNK),
        st.just(NAME),
        st.just(NAME) if good else st.one_of(st.just(NAME), JUNK),
        st.one_of(st.just(""), st.floats(-6, 2).map(lambda v: f"{v:.6f}")) if good else JUNK,
        st.one_of(st.just(""), st.floats(49, 56).map(lambda v: f"{v:.6f}")) if good else JUNK,
        st.one_of(st.just("No location"), text, NASTY if not good else st.sampled_from(["<b>x</b>", "=1+2", "a,b"])),  # Location: free text, may carry HTML or formulas
        st.just("E01031234"), st.just("Wiltshire 001A"),
        st.sampled_from(CRIME_TYPES) if good else st.one_of(st.sampled_from(CRIME_TYPES), JUNK),
        st.one_of(st.just(""), st.just("Under investigation"), text),
        st.one_of(st.just(""), text),
    ]
    return st.tuples(*fields).map(list)


def _read_street(rows: list[list[str]]):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{MONTH}-{FORCE}-street.csv"
        _write(path, police_uk.STREET_COLUMNS, rows)
        n_rows = _rows_in(path)
        try:
            df, excluded = police_uk.read_file(path, FORCE, NAME)
        except InputError as exc:
            return n_rows, None, exc
    return n_rows, (df, excluded), None


@FUZZ
# Valid files carry each Crime ID once (a file with many repeats is refused as delivered twice: street_checks.py).
@given(st.lists(street_row(good=True), min_size=1, max_size=30, unique_by=lambda r: r[0] or id(r)))
def test_valid_street_rows_are_all_kept(rows):
    n_rows, out, err = _read_street(rows)
    assert err is None, str(err)
    df, excluded = out
    assert int(df["n"].sum()) + sum(excluded.values()) == n_rows == len(rows)
    assert excluded == {}  # every generated row has a crime type


@FUZZ
@given(st.lists(st.one_of(street_row(good=True), street_row(good=False)), min_size=0, max_size=30))
def test_malformed_street_rows_are_refused_or_counted_never_lost(rows):
    n_rows, out, err = _read_street(rows)
    if err is not None:
        assert err.problems and all(p.field for p in err.problems)
        return
    df, excluded = out
    # Every data row is either in a count or in an excluded count with its reason.
    assert int(df["n"].sum()) + sum(excluded.values()) == n_rows
    assert set(df["month"].astype(str)) <= {MONTH}


# ---------------------------------------------------------------- the force KPI CSV

def kpi_row(good: bool):
    num = st.integers(0, 10_000)
    if good:
        return st.tuples(st.sampled_from(["calls_999", "calls_101"]), st.sampled_from(["force", "Swindon"]),
                         st.integers(2020, 2024), st.integers(1, 12), num).map(
            lambda t: [FORCE, t[0], t[1], f"{t[2]}-{t[3]:02d}", str(t[4]), "", "", "count"])
    cell = st.one_of(JUNK, num.map(str))
    return st.tuples(st.one_of(st.just(FORCE), JUNK), st.one_of(st.just("calls_999"), JUNK),
                     st.one_of(st.just("force"), JUNK), st.one_of(st.just("2023-01"), JUNK), cell, cell, cell,
                     st.one_of(st.sampled_from(kpis.UNITS), JUNK)).map(list)


def _read_kpis(rows, header=kpis.KPI_COLUMNS):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "kpis.csv"
        _write(path, header, rows)
        n_rows = _rows_in(path)
        try:
            return n_rows, kpis.read_kpi_csv(path, FORCE), None
        except InputError as exc:
            return n_rows, None, exc


@FUZZ
@given(st.lists(kpi_row(good=True), min_size=1, max_size=20, unique_by=lambda r: (r[1], r[2], r[3])))
def test_valid_kpi_rows_are_all_kept(rows):
    n_rows, df, err = _read_kpis(rows)
    assert err is None, str(err)
    assert len(df) == n_rows == len(rows)
    assert df["value"].sum() == sum(float(r[4]) for r in rows)


@FUZZ
@given(st.lists(st.one_of(kpi_row(good=True), kpi_row(good=False)), min_size=0, max_size=20),
       st.sampled_from([kpis.KPI_COLUMNS, kpis.KPI_COLUMNS[:-1], kpis.KPI_COLUMNS + ["extra"],
                        ["Force", *kpis.KPI_COLUMNS[1:]]]))
def test_malformed_kpi_rows_are_refused_or_all_kept(rows, header):
    n_rows, df, err = _read_kpis(rows, header)
    if err is not None:
        assert err.problems
        return
    assert len(df) == n_rows  # a KPI file is never partly loaded


# ---------------------------------------------------------------- the ONS LAD -> CSP -> PFA lookup CSV

def lookup_row(good: bool):
    code = lambda p: st.integers(0, 999_999).map(lambda n: f"{p}{n:06d}")  # noqa: E731
    name = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=20)
    if good:
        return st.tuples(code("E06"), name, code("E22"), name, code("E23"), name).map(list)
    return st.tuples(st.one_of(code("E06"), JUNK), name, st.one_of(code("E22"), JUNK), JUNK,
                     st.one_of(code("E23"), JUNK), JUNK).map(list)


def _read_lookup(rows):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "lookup.csv"
        _write(path, ons_geography.LOOKUP_COLUMNS, rows)
        n_rows = _rows_in(path)
        try:
            return n_rows, ons_geography.read_lookup(path), None
        except InputError as exc:
            return n_rows, None, exc


@FUZZ
@given(st.lists(lookup_row(good=True), min_size=1, max_size=20))
def test_valid_lookup_rows_are_all_kept(rows):
    n_rows, df, err = _read_lookup(rows)
    assert err is None, str(err)
    assert len(df) == n_rows == len(rows)


@FUZZ
@given(st.lists(st.one_of(lookup_row(good=True), lookup_row(good=False)), min_size=0, max_size=20))
def test_malformed_lookup_rows_are_refused_or_all_kept(rows):
    n_rows, df, err = _read_lookup(rows)
    if err is not None:
        assert err.problems
        return
    assert len(df) == n_rows


# ---------------------------------------------------------------- ONS Table P1 saved as CSV (real file, mutated)

P1 = SHARED / "police_recorded_crime" / "policeforceareatablesyejune25final_TableP1.csv"


def _p1_rows() -> list[list[str]]:
    with open(P1, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


@FUZZ
@given(st.lists(st.tuples(st.integers(7, 64), st.integers(0, 24), JUNK), min_size=1, max_size=6))
def test_p1_csv_with_damaged_cells_is_refused_or_keeps_every_force(edits):
    if not P1.exists():  # the real file is beside the repo in CI; without it there is nothing to mutate
        return
    rows = _p1_rows()
    for r, c, v in edits:
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = v
    registry = load_registry_default()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "TableP1.csv"
        with open(path, "w", newline="", encoding="utf-8", errors="surrogatepass") as f:
            csv.writer(f).writerows(rows)
        try:
            df = recorded_crime.read_p1_csv(path, registry)
        except InputError as exc:
            assert exc.problems
            return
    codes_in = {row[0].strip() for row in rows if row and row[0].strip() in {f.ons_code for f in registry.values()}}
    assert set(df["ons_code"]) == codes_in  # no force row silently left out
    assert pd.api.types.is_float_dtype(df["count"])


def load_registry_default():
    from pccreport.config import Paths

    return load_registry(Paths.discover(None))
