"""Reading published xlsx workbooks as laid out: title rows above the table, footnotes below, names with markers."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.etree import ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path


from ..errors import InputError, Problem
from .rawfiles import check_workbook, read_table

# ONS glues footnote markers to names and headers: "Greater Manchester10,11", "ENGLAND AND WALES [note 3]",
# "Total recorded crime (excluding fraud4)", "Stalking and harassment 5".
_NOTE_BRACKETS = re.compile(r"\s*\[(?:note|Note)[^\]]*\]")
_TRAILING_DIGITS = re.compile(r"(?<=[A-Za-z\)])\s*\d+(?:,\s*\d+)*$")
_DIGITS_BEFORE_PAREN = re.compile(r"(?<=[A-Za-z])\d+(?:,\d+)*(?=\))")


def clean_label(value: object) -> str:
    """A name or header without ONS footnote markers, newlines or doubled spaces."""
    if value is None:
        return ""
    s = " ".join(str(value).split())
    s = _NOTE_BRACKETS.sub("", s)
    s = _DIGITS_BEFORE_PAREN.sub("", s)
    s = _TRAILING_DIGITS.sub("", s)
    return s.strip()


# What openpyxl lets through from a damaged workbook: the zip layer, the inflater, and the XML parser.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, ET.ParseError)


def open_sheet(path: Path, names: Iterable[str]):
    """The first sheet of ``path`` whose name (spaces trimmed) is in ``names``; InputError if none or not xlsx."""
    data = read_table(path)  # a regular file, bounded in size
    check_workbook(path, data)  # no member inflating past the limits
    import openpyxl  # here, not at the top: a build with nothing new to ingest never reads a workbook

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _DAMAGE as exc:
        raise InputError(path, [Problem("(file)", f"could not be opened as an xlsx workbook: {exc}")],
                         "the file may be truncated; re-download it from the publisher") from exc
    wanted = {n.strip() for n in names}
    for name in wb.sheetnames:
        if name.strip() in wanted:
            return wb[name]
    raise InputError(path, [Problem("(sheet)", f"no sheet named {sorted(wanted)}", value=wb.sheetnames)],
                     "check this is the right workbook and edition")


def sheet_rows(ws, path: Path) -> list[tuple]:
    """All rows of a read-only sheet as tuples; a sheet damaged inside the workbook (its deflate stream, CRC or XML)
    is an InputError naming the file, the sheet and the last row read, not the decoder's own traceback: openpyxl
    reads a read-only sheet only as its rows are iterated, after the workbook opened without complaint."""
    rows: list[tuple] = []
    try:
        for r in ws.iter_rows(values_only=True):
            rows.append(tuple(r))
    except _DAMAGE as exc:
        raise InputError(path, [Problem(f"sheet {ws.title!r}", f"damaged after row {len(rows):,}: "
                                                               f"{type(exc).__name__}: {exc}")],
                         "the workbook is corrupt; re-download it from the publisher") from exc
    return rows


def find_header_row(rows: list[tuple], test: Callable[[tuple], bool], path: Path, sheet: str, what: str,
                    limit: int = 40) -> int:
    """Index of the first row among the first ``limit`` that passes ``test``; InputError naming the sheet if none."""
    for i, row in enumerate(rows[:limit]):
        cells = tuple(c.strip() if isinstance(c, str) else c for c in row)
        if test(cells):
            return i
    raise InputError(path, [Problem(f"{sheet} header", f"no {what} in the first {limit} rows")],
                     "check this is the ONS table as published (title rows above, then the header)")
