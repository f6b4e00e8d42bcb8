import csv
import shutil
from collections import Counter

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
