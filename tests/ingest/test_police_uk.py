import csv
import shutil
from collections import Counter

import pandas as pd
import pytest

from pccreport.errors import InputError
from pccreport.ingest import police_uk
from tests.conftest import shared


def _csv_counts(folder, pattern):
    total, by_type = 0, Counter()
    for path in sorted(folder.glob(pattern)):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                total += 1
                by_type[row["Crime type"]] += 1
    return total, by_type


def test_real_wiltshire_files_match_an_independent_count(tmp_path):
    src = shared("police_uk_street", "wiltshire")
    summary = police_uk.ingest(src, tmp_path, "wiltshire", "Wiltshire Police")
    assert len(summary.read) == 16 and summary.excluded == {}
    df = police_uk.load_street(tmp_path)
    y2025 = df[df["month"].dt.year == 2025]
    total, by_type = _csv_counts(src, "2025-*-street.csv")
    assert total == 52005  # the count the data README publishes
    assert int(y2025["n"].sum()) == total
    assert int(y2025.loc[y2025.crime_type == "Burglary", "n"].sum()) == by_type["Burglary"]
    # Anti-social behaviour has no Crime ID and is kept, as the publisher intends.
    asb = y2025[y2025.crime_type == "Anti-social behaviour"]
    assert int(asb["n"].sum()) == by_type["Anti-social behaviour"] > 0 and int(asb["n_with_id"].sum()) == 0


def test_real_city_of_london_files_and_incremental_rerun(tmp_path):
    src = shared("police_uk_street", "city-of-london")
    first = police_uk.ingest(src, tmp_path, "city-of-london", "City of London Police")
    assert len(first.read) == 24 and first.rows == 18867
    again = police_uk.ingest(src, tmp_path, "city-of-london", "City of London Police")
    assert again.read == [] and len(again.unchanged) == 24 and again.rows == 18867


@pytest.fixture
def good_dir(tmp_path):
    src = shared("police_uk_street", "wiltshire")
    d = tmp_path / "raw"
    d.mkdir()
    for m in ("2025-01", "2025-02"):
        shutil.copy(src / f"{m}-wiltshire-street.csv", d)
    return d


def _ingest_good_then_break(good_dir, tmp_path, name, text):
    out = tmp_path / "out"
    police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    before = {p.name: p.read_bytes() for p in (out / "street").glob("*.parquet")}
    (good_dir / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    after = {p.name: p.read_bytes() for p in (out / "street").glob("*.parquet")}
    assert after == before, "a bad new file must not touch data already processed"
    return str(exc.value)


HEADER = ",".join(police_uk.STREET_COLUMNS)
ROW = "abc,2025-03,Wiltshire Police,Wiltshire Police,-1.8,51.3,On or near X,E01031234,Wiltshire 001A,Burglary,Under investigation,"


def test_missing_column(good_dir, tmp_path):
    text = HEADER.replace(",Context", "") + "\n" + ROW.rsplit(",", 1)[0] + "\n"
    msg = _ingest_good_then_break(good_dir, tmp_path, "2025-03-wiltshire-street.csv", text)
    assert "2025-03-wiltshire-street.csv" in msg and "missing column(s) ['Context']" in msg


def test_month_disagreeing_with_file_name(good_dir, tmp_path):
    text = HEADER + "\n" + ROW + "\n" + ROW.replace("2025-03", "2025-04") + "\n"
    msg = _ingest_good_then_break(good_dir, tmp_path, "2025-03-wiltshire-street.csv", text)
    assert "row 2 (line 3)" in msg and "'Month'" in msg and "2025-04" in msg


def test_force_disagreeing_with_folder(good_dir, tmp_path):
    text = HEADER + "\n" + ROW.replace("Wiltshire Police,Wiltshire Police", "Dorset Police,Dorset Police") + "\n"
    msg = _ingest_good_then_break(good_dir, tmp_path, "2025-03-wiltshire-street.csv", text)
    assert "row 1 (line 2)" in msg and "'Falls within'" in msg and "Dorset Police" in msg


def test_truncated_file(good_dir, tmp_path):
    text = HEADER + "\n" + ROW + "\n" + 'def,2025-03,Wiltshire Police,"Wiltsh'
    msg = _ingest_good_then_break(good_dir, tmp_path, "2025-03-wiltshire-street.csv", text)
    assert "2025-03-wiltshire-street.csv" in msg and "could not be read as CSV" in msg


def test_not_a_csv(good_dir, tmp_path):
    out = tmp_path / "out"
    police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    (good_dir / "2025-03-wiltshire-street.csv").write_bytes(b"PK\x03\x04\x00\xff\xfe binary zip-like junk")
    with pytest.raises(InputError) as exc:
        police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    assert "2025-03-wiltshire-street.csv" in str(exc.value)


def test_file_for_another_force_in_the_folder(good_dir, tmp_path):
    (good_dir / "2025-03-dorset-street.csv").write_text(HEADER + "\n")
    with pytest.raises(InputError, match="sits in the folder"):
        police_uk._check_name(good_dir / "2025-03-dorset-street.csv", "wiltshire")


# --- zip archives, local areas, unknown LSOAs, exact rows for broken files -------------------------------------

import re  # noqa: E402
import zipfile  # noqa: E402

from pccreport.ingest import ons_geography  # noqa: E402

LOOKUP = ("ons_geography", "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December__2023)_Lookup_.csv")


@pytest.fixture(scope="module")
def areas():
    return ons_geography.area_table(ons_geography.read_lookup(shared(*LOOKUP)))


def test_zip_download_reads_like_the_folder(tmp_path):
    src = shared("police_uk_street", "wiltshire")
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.glob("2025-*-street.csv")):
            z.write(p, f"{p.name[:7]}/{p.name}")  # the custom download's YYYY-MM/ tree
        # A custom download holds other forces too; they are not this force's files.
        z.writestr("2025-01/2025-01-dorset-street.csv", HEADER + "\n")
    summary = police_uk.ingest(archive, tmp_path / "out", "wiltshire", "Wiltshire Police")
    assert len(summary.read) == 12 and summary.rows == 52005
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert "download.zip!2025-01/2025-01-wiltshire-street.csv" in manifest
    again = police_uk.ingest(archive, tmp_path / "out", "wiltshire", "Wiltshire Police")
    assert again.read == [] and len(again.unchanged) == 12


def test_same_month_in_folder_and_zip_is_an_error(good_dir, tmp_path):
    with zipfile.ZipFile(good_dir / "download.zip", "w") as z:
        z.write(good_dir / "2025-01-wiltshire-street.csv", "2025-01/2025-01-wiltshire-street.csv")
    with pytest.raises(InputError, match="the same month and force is also in"):
        police_uk.ingest(good_dir, tmp_path / "out", "wiltshire", "Wiltshire Police")


def test_local_authority_and_csp_counts_match_an_independent_count(tmp_path, areas):
    src = shared("police_uk_street", "wiltshire")
    summary = police_uk.ingest(src, tmp_path, "wiltshire", "Wiltshire Police", areas=areas, ons_code="E23000038")
    df = police_uk.load_street(tmp_path)
    y2025 = df[df["month"].dt.year == 2025]
    by_lad = Counter()
    no_location = 0
    for path in sorted(src.glob("2025-*-street.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                name = row["LSOA name"]
                if not name:
                    no_location += 1
                else:
                    by_lad[re.sub(r" \d{3}[A-Z]$", "", name)] += 1
    got = y2025.groupby("lad_name")["n"].sum()
    assert int(got["Swindon"]) == by_lad["Swindon"] and int(got["Wiltshire"]) == by_lad["Wiltshire"]
    assert int(got.get("", 0)) == no_location  # no location: kept, with no area
    csp = y2025.groupby("csp_code")["n"].sum()
    assert int(csp["E22000350"]) == by_lad["Swindon"]  # Swindon CSP
    # LSOAs just outside the force area are kept and counted, not dropped.
    outside = sum(n for lad, n in by_lad.items() if lad not in ("Swindon", "Wiltshire"))
    in_2024 = int(df[(df["month"].dt.year == 2024) & ~df.pfa_code.isin(["", "E23000038"])]["n"].sum())
    assert summary.outside_force_area == outside + in_2024 > 0
    assert int(y2025[~y2025.pfa_code.isin(["", "E23000038"])]["n"].sum()) == outside
    assert summary.excluded == {} and summary.rows == 67699


def test_unknown_lsoa_names_row_and_field(good_dir, tmp_path, areas):
    out = tmp_path / "out"
    police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police", areas=areas)
    before = {p.name: p.read_bytes() for p in (out / "street").glob("*.parquet")}
    text = HEADER + "\n" + ROW + "\n" + ROW.replace("Wiltshire 001A", "Atlantis 001A") + "\n"
    (good_dir / "2025-03-wiltshire-street.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police", areas=areas)
    msg = str(exc.value)
    assert "2025-03-wiltshire-street.csv" in msg and "row 2 (line 3), field 'LSOA name'" in msg
    assert "Atlantis 001A" in msg
    assert {p.name: p.read_bytes() for p in (out / "street").glob("*.parquet")} == before


def test_truncated_file_names_row_and_field(good_dir, tmp_path):
    text = HEADER + "\n" + ROW + "\n" + 'def,2025-03,Wiltshire Police,"Wiltsh'
    msg = _ingest_good_then_break(good_dir, tmp_path, "2025-03-wiltshire-street.csv", text)
    assert "row 2 (line 3)" in msg and "field '" in msg and "could not be read as CSV" in msg


def test_several_bad_files_are_all_reported(good_dir, tmp_path):
    (good_dir / "2025-03-wiltshire-street.csv").write_text(HEADER + "\n" + ROW.replace("2025-03", "2025-05") + "\n")
    (good_dir / "2025-04-wiltshire-street.csv").write_text(HEADER.replace(",Context", "") + "\n")
    with pytest.raises(InputError) as exc:
        police_uk.ingest(good_dir, tmp_path / "out", "wiltshire", "Wiltshire Police")
    msg = str(exc.value)
    assert "2025-03-wiltshire-street.csv" in msg and "'Month'" in msg
    assert "2025-04-wiltshire-street.csv" in msg and "missing column(s) ['Context']" in msg
    assert not (tmp_path / "out" / "street").exists()


def test_touched_but_unchanged_file_is_not_read_again(good_dir, tmp_path):
    import os

    out = tmp_path / "out"
    police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    p = good_dir / "2025-01-wiltshire-street.csv"
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    again = police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    assert again.read == [] and len(again.unchanged) == 2
    p.write_text(p.read_text(encoding="utf-8") + ROW.replace("2025-03", "2025-01") + "\n", encoding="utf-8")
    third = police_uk.ingest(good_dir, out, "wiltshire", "Wiltshire Police")
    assert third.read == ["2025-01-wiltshire-street.csv"]


def test_area_counts_add_up_to_the_force_total(tmp_path, areas):
    police_uk.ingest(shared("police_uk_street", "wiltshire"), tmp_path, "wiltshire", "Wiltshire Police", areas=areas)
    street = police_uk.load_street(tmp_path)
    for level in ("lad", "csp"):
        counts = police_uk.area_counts(street, level)
        assert int(counts["n"].sum()) == int(street["n"].sum()) == 67699
    lad = police_uk.area_counts(street, "lad")
    jan = lad[(lad.month == pd.Period("2025-01", "M")) & (lad.crime_type == "Burglary")].set_index("lad_name")["n"]
    direct = street[(street.month == pd.Period("2025-01", "M")) & (street.crime_type == "Burglary")]
    assert int(jan["Swindon"]) == int(direct.loc[direct.lsoa_name.str.startswith("Swindon "), "n"].sum())


@pytest.mark.parametrize("months", [["2023-01", "2022-12", "2023-01", "2020-06"], ["2023-01", None, "2023-02"]])
def test_processed_months_become_the_same_periods_as_pandas_parsing_every_row(months):
    s = pd.Series(months, dtype="str", name="month")
    ours, theirs = police_uk._monthly_periods(s), pd.PeriodIndex(s, freq="M")
    assert ours.dtype == theirs.dtype == pd.PeriodDtype("M")
    assert list(ours.astype(str)) == list(theirs.astype(str))
    assert (ours.asi8 == theirs.asi8).all()


def test_a_processed_month_pandas_cannot_parse_is_refused_as_pandas_refuses_it():
    with pytest.raises(ValueError, match="month must be in 1..12"):
        police_uk._monthly_periods(pd.Series(["2023-01", "2023-13"], dtype="str"))
