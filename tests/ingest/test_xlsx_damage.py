"""Class 7 for published workbooks: damage inside an xlsx (a part's deflate stream or CRC, a sheet's XML cut short)
is an InputError naming the file, the part or sheet and the place, for every reader (openpyxl's and pandas'), not
a zlib.error or XML ParseError from inside the library. Small workbooks made here: no real data needed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import home_office, ons_population, rawfiles, xlsx
from pccreport.registry import load_registry

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(title: str = "MYE5", rows: int = 2000) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for i in range(rows):
        ws.append([f"E0600{i:04d}", f"Area {i}", i * 10])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _member_offset(data: bytes, member: str) -> tuple[int, zipfile.ZipInfo]:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    return info.header_offset + 30 + len(info.filename.encode()) + len(info.extra), info


def _deflate(data: bytes) -> bytes:
    off, _ = _member_offset(data, SHEET)
    out = bytearray(data)
    out[off + 20] ^= 0xFF
    return bytes(out)


def _crc(data: bytes) -> bytes:
    """The stored CRC of the sheet changed in its local header and the central directory: the bytes inflate."""
    _, info = _member_offset(data, SHEET)
    wrong = (info.CRC ^ 0x5A5A5A5A).to_bytes(4, "little")
    right = info.CRC.to_bytes(4, "little")
    out = bytearray(data)
    for at in (info.header_offset + 14, data.rfind(right)):
        out[at:at + 4] = wrong
    return bytes(out)


def _cut_xml(data: bytes) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            part = zin.read(info)
            zout.writestr(info, part[: len(part) // 2] if info.filename == SHEET else part)
    return out.getvalue()


DAMAGE = {"deflate stream": (_deflate, "xl/worksheets/sheet1.xml", "damaged after byte"),
          "CRC": (_crc, "xl/worksheets/sheet1.xml", "damaged after byte"),
          "sheet XML cut short": (_cut_xml, "sheet 'MYE5'", "damaged after row")}


@pytest.mark.parametrize("name", DAMAGE)
def test_a_damaged_workbook_is_named_with_its_part_and_place(tmp_path, name):
    damage, where, what = DAMAGE[name]
    path = tmp_path / "population.xlsx"
    path.write_bytes(damage(_workbook()))
    with pytest.raises(InputError) as exc:
        xlsx.sheet_rows(xlsx.open_sheet(path, ["MYE5"]), path)
    text = str(exc.value)
    assert str(path) in text and where in text and what in text and "re-download" in text


@pytest.mark.parametrize("name", ["deflate stream", "CRC"])
def test_part_damage_is_found_before_any_reader_opens_the_workbook(tmp_path, name):
    path = tmp_path / "table.xlsx"
    data = DAMAGE[name][0](_workbook())
    with pytest.raises(InputError, match=r"table\.xlsx!xl/worksheets/sheet1\.xml"):
        rawfiles.check_workbook(path, data)


@pytest.mark.parametrize("name", DAMAGE)
def test_every_workbook_reader_gives_the_same_kind_of_error(tmp_path, name):
    """The population reader (openpyxl) and the Home Office reader (pandas) alike."""
    data = DAMAGE[name][0](_workbook())
    pop = tmp_path / "population.xlsx"
    pop.write_bytes(data)
    with pytest.raises(InputError, match="damaged after"):
        ons_population.read_lad_population(pop)
    ho = tmp_path / "prc-pfa.xlsx"
    ho.write_bytes(data)
    with pytest.raises(InputError) as exc:
        home_office.read_home_office(ho, load_registry(Paths(DEFAULT_ROOT)))
    assert "prc-pfa.xlsx" in str(exc.value) and ("damaged after" in str(exc.value) or "could not be read"
                                                 in str(exc.value))


def test_an_undamaged_workbook_reads_every_row(tmp_path):
    path = tmp_path / "population.xlsx"
    path.write_bytes(_workbook(rows=300))
    rawfiles.check_workbook(path, path.read_bytes())
    rows = xlsx.sheet_rows(xlsx.open_sheet(path, ["MYE5"]), path)
    assert len(rows) == 300 and rows[-1] == ("E06000299", "Area 299", 2990)


# Class 8 for population workbooks: each figure a whole number of people, each local authority once.

def _mye5(cells: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "MYE5"
    ws.append(["Mid-year population estimates"])
    ws.append(["Code", "Name", "Estimated Population mid-2023"])
    for row in cells:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("value", [0, -5, 12.5, 1e308, True, 25_000_000])
def test_a_population_that_is_no_population_is_refused_at_its_row(tmp_path, value):
    path = tmp_path / "population.xlsx"
    path.write_bytes(_mye5([["E06000054", "Wiltshire", 510_000], ["E06000030", "Swindon", value]]))
    with pytest.raises(InputError) as exc:
        ons_population.read_lad_population(path)
    assert "row 4 (line 5), field 'MYE5 Estimated Population mid-2023'" in str(exc.value)


def test_a_local_authority_listed_twice_is_refused_not_summed_twice(tmp_path):
    path = tmp_path / "population.xlsx"
    path.write_bytes(_mye5([["E06000054", "Wiltshire", 510_000], ["E06000054", "Wiltshire", 510_000]]))
    with pytest.raises(InputError, match="the same local authority as row 3"):
        ons_population.read_lad_population(path)


def test_good_population_rows_are_read_as_published(tmp_path):
    path = tmp_path / "population.xlsx"
    path.write_bytes(_mye5([["E06000054", "Wiltshire", 510_000], ["E06000030", "Swindon", 235_657.0]]))
    df = ons_population.read_lad_population(path)
    assert df["population"].tolist() == [510_000.0, 235_657.0] and df["year"].tolist() == [2023, 2023]
