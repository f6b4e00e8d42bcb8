"""Class 8 for street files, values checked for meaning: crime types outside the 14 data.police.uk categories and
repeated Crime IDs are refused naming the row, through the one-file and the many-file (batch) read alike."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from pccreport.errors import InputError
from pccreport.ingest import police_uk
from pccreport.ingest.street_checks import CRIME_TYPES
from tests.conftest import shared

ROW = ["{id}", "2025-01", "Wiltshire Police", "Wiltshire Police", "-1.80", "51.50", "On or near High Street",
       "E01031000", "Swindon 001A", "{type}", "Under investigation", ""]


def _file(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(police_uk.STREET_COLUMNS)
    for cid, ctype in rows:
        w.writerow([c.format(id=cid, type=ctype) for c in ROW])
    return out.getvalue()


def _good_rows(n: int = 14) -> list[tuple[str, str]]:
    return [(f"{i:064x}" if t != "Anti-social behaviour" else "", t) for i, t in enumerate(CRIME_TYPES[:n])]


BAD_TYPES = {"trailing space": "Burglary ", "Cyrillic a": "Burgl\u0430ry", "right-to-left override": "\u202eBurglary",
             "formula": '=HYPERLINK("http://x","Burglary")', "lower case": "burglary", "zero-width space":
             "Bur\u200bglary", "old category": "Violent crime"}


@pytest.mark.parametrize("name", BAD_TYPES)
@pytest.mark.parametrize("path", ["one file", "batch"])
def test_crime_types_outside_the_published_list_are_refused_naming_the_row(tmp_path, name, path):
    rows = _good_rows()
    rows.insert(3, ("f" * 64, BAD_TYPES[name]))
    d = tmp_path / "raw"
    d.mkdir()
    (d / "2025-01-wiltshire-street.csv").write_text(_file(rows), encoding="utf-8")
    if path == "batch":
        (d / "2025-02-wiltshire-street.csv").write_text(_file(_good_rows()).replace("2025-01", "2025-02"),
                                                        encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError) as exc:
        police_uk.ingest(d, out, "wiltshire", "Wiltshire Police")
    text = str(exc.value)
    assert "2025-01-wiltshire-street.csv" in text and "row 4 (line 5)" in text and "'Crime type'" in text
    assert "2025-02" not in text  # the good file is not blamed
    assert not (out / "street").exists()  # nothing written


def test_a_nul_byte_in_a_crime_type_is_refused(tmp_path):
    rows = _good_rows()
    rows.insert(2, ("e" * 64, "Burglary\x00"))
    d = tmp_path / "raw"
    d.mkdir()
    (d / "2025-01-wiltshire-street.csv").write_text(_file(rows), encoding="utf-8")
    with pytest.raises(InputError, match="2025-01-wiltshire-street.csv"):
        police_uk.ingest(d, tmp_path / "out", "wiltshire", "Wiltshire Police")


def test_all_fourteen_categories_are_accepted_and_counted(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    (d / "2025-01-wiltshire-street.csv").write_text(_file(_good_rows()), encoding="utf-8")
    summary = police_uk.ingest(d, tmp_path / "out", "wiltshire", "Wiltshire Police")
    assert summary.rows == 14
    assert sorted(police_uk.load_street(tmp_path / "out")["crime_type"].unique()) == sorted(CRIME_TYPES)


@pytest.mark.parametrize("path", ["one file", "batch"])
def test_every_row_duplicated_is_refused_not_counted_twice(tmp_path, path):
    """The review's example on the real published file: every row repeated (same Crime IDs)."""
    src = shared("police_uk_street", "wiltshire")
    d = tmp_path / "raw"
    d.mkdir()
    text = (src / "2025-01-wiltshire-street.csv").read_text(encoding="utf-8")
    header, *lines = text.splitlines(keepends=True)
    (d / "2025-01-wiltshire-street.csv").write_text(header + "".join(lines) + "".join(lines), encoding="utf-8")
    if path == "batch":
        shutil.copy(src / "2025-02-wiltshire-street.csv", d)
    # The first repeated Crime ID, found here without the package: the first row whose ID was seen before.
    rows = list(csv.DictReader(io.StringIO(header + "".join(lines) + "".join(lines))))
    seen, first_dup = set(), None
    for i, r in enumerate(rows, start=1):
        if r["Crime ID"] and r["Crime ID"] in seen:
            first_dup = i
            break
        seen.add(r["Crime ID"])
    with pytest.raises(InputError) as exc:
        police_uk.ingest(d, tmp_path / "out", "wiltshire", "Wiltshire Police")
    text = str(exc.value)
    assert f"row {first_dup} (line {first_dup + 1}), field 'Crime ID'" in text and "2025-02" not in text


def test_the_publishers_own_repeated_ids_are_kept_but_a_repeated_block_is_refused(tmp_path):
    """data.police.uk repeats a few Crime IDs (up to 3.3% in the real files); a tenth of the file repeated is refused,
    even when the repeats carry another crime type (another aggregate group, same crimes)."""
    rows = [(f"{i:064x}", CRIME_TYPES[1 + i % 13]) for i in range(100)]
    d = tmp_path / "raw"
    d.mkdir()
    few = rows + [(rows[i][0], "Robbery") for i in range(3)]
    (d / "2025-01-wiltshire-street.csv").write_text(_file(few), encoding="utf-8")
    assert police_uk.ingest(d, tmp_path / "out1", "wiltshire", "Wiltshire Police").rows == 103
    many = rows + [(rows[i][0], "Robbery") for i in range(12)]
    (d / "2025-01-wiltshire-street.csv").write_text(_file(many), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 101 \(line 102\), field 'Crime ID'"):
        police_uk.ingest(d, tmp_path / "out2", "wiltshire", "Wiltshire Police")


@pytest.mark.parametrize("body", ["", "\n", "\r\n\r\n", "   \n"])
@pytest.mark.parametrize("path", ["one file", "batch", "zip member"])
def test_a_month_with_a_header_and_no_records_is_refused_not_counted_as_zero(tmp_path, body, path):
    """Read as a month of no crimes, it drew a zero in every series (no force has had one): a download cut short."""
    import zipfile

    d = tmp_path / "raw"
    d.mkdir()
    empty = ",".join(police_uk.STREET_COLUMNS) + "\n" + body
    if path == "zip member":
        with zipfile.ZipFile(d / "download.zip", "w") as z:
            z.writestr("2025-01/2025-01-wiltshire-street.csv", empty)
    else:
        (d / "2025-01-wiltshire-street.csv").write_text(empty, encoding="utf-8")
    if path == "batch":
        (d / "2025-02-wiltshire-street.csv").write_text(_file(_good_rows()).replace("2025-01", "2025-02"),
                                                        encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="holds the street header but no records") as exc:
        police_uk.ingest(d, out, "wiltshire", "Wiltshire Police")
    assert "2025-01-wiltshire-street.csv" in str(exc.value) and "2025-02" not in str(exc.value)
    assert not (out / "street").exists()
