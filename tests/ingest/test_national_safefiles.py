"""The ONS and Home Office readers read only regular files inside data/raw/, each read bounded in size (issue 15 class 5).

Each national folder is tried from several sides: a FIFO (which would block an ordinary open forever), a link to
/dev/zero (endless), a link to a real copy outside data/raw/ (a file nobody delivered), a file over the size limit
and, for workbooks, an xlsx whose members inflate past the ratio limit. Every one is an InputError naming the file,
raised by ``ingest_national`` before anything is written.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import national, rawfiles
from pccreport.ingest.national import ingest_national

from tests.conftest import shared

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

# (folder under data/raw/, the real file to put there, its name in the folder)
FOLDERS = {
    "geography": ("ons/geography", ("ons_geography",), "lookup.csv"),
    "population": ("ons/population", ("ons_population",), "population.xlsx"),
    "recorded_crime csv": ("ons/recorded_crime", ("police_recorded_crime",
                                                  "policeforceareatablesyejune25final_TableP1.csv"), "p1.csv"),
    "recorded_crime xlsx": ("ons/recorded_crime", ("police_recorded_crime", "ons_pfa_tables_2018_2019",
                                                   "pfatablesdec19.xlsx"), "p1.xlsx"),
    "home_office": ("home_office", None, "prc-pfa.csv"),
}


def _real(parts: tuple[str, ...]) -> Path:
    p = shared(*parts)
    return next(p.glob("*")) if p.is_dir() else p


@pytest.fixture
def root(tmp_path) -> Paths:
    """A root with the real geography lookup (every other national folder empty) and the project's params/."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    geo = paths.raw / "ons" / "geography"
    geo.mkdir(parents=True)
    shutil.copy(_real(("ons_geography",)), geo / "lookup.csv")
    return paths


def _plant(paths: Paths, folder: str, kind: str, tmp_path: Path) -> Path:
    sub, real, name = FOLDERS[folder]
    where = paths.raw / sub
    where.mkdir(parents=True, exist_ok=True)
    target = where / ("bad-" + name)
    if kind == "FIFO":
        os.mkfifo(target)
    elif kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "link out of data/raw":
        outside = tmp_path / "elsewhere" / name
        outside.parent.mkdir(exist_ok=True)
        if real:
            shutil.copy(_real(real), outside)
        else:
            outside.write_text("Financial Year,Force Name,Offence Description,Number of Offences\n", encoding="utf-8")
        target.symlink_to(outside)
    return target


@pytest.mark.parametrize("kind", ["FIFO", "link to /dev/zero", "link out of data/raw"])
@pytest.mark.parametrize("folder", list(FOLDERS))
def test_a_national_input_that_is_not_a_regular_file_inside_data_raw_is_refused(root, tmp_path, folder, kind):
    target = _plant(root, folder, kind, tmp_path)
    with pytest.raises(InputError) as exc:
        ingest_national(root)
    text = str(exc.value)
    assert target.name in text
    # A link to /dev/zero is a link out of data/raw/ too, refused as such before its target is even looked at.
    assert ("not a regular file" in text) if kind == "FIFO" else ("a link to a place outside raw/" in text)
    assert not (root.processed / "national").exists()  # nothing written


def test_a_link_inside_data_raw_is_still_read(root):
    lookup = root.raw / "ons" / "geography" / "lookup.csv"
    keep = root.raw / "ons" / "kept.csv"
    lookup.rename(keep)
    lookup.symlink_to(keep)
    summary = ingest_national(root)
    assert any(r.endswith("lookup.csv") for r in summary.read)


@pytest.mark.parametrize("folder", ["geography", "population", "recorded_crime csv", "recorded_crime xlsx"])
def test_a_national_file_over_the_size_limit_is_refused_before_it_is_parsed(root, monkeypatch, folder):
    sub, real, name = FOLDERS[folder]
    (root.raw / sub).mkdir(parents=True, exist_ok=True)
    dest = root.raw / sub / name
    if not dest.exists():
        shutil.copy(_real(real), dest)
    limit = dest.stat().st_size - 1
    monkeypatch.setattr(rawfiles, "MAX_TABLE_BYTES", limit)
    with pytest.raises(InputError) as exc:
        ingest_national(root)
    assert name in str(exc.value) and f"more than the limit of {limit:,}" in str(exc.value)


def _bomb_xlsx(path: Path) -> None:
    """A workbook-shaped zip whose one sheet inflates 1,000 to 1 (a few KB on disk, 50 MB inflated)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000 + b"/>")


@pytest.mark.parametrize("folder", ["population", "recorded_crime xlsx"])
def test_a_workbook_that_inflates_past_the_ratio_limit_is_refused_before_it_is_opened(root, folder):
    sub, _, name = FOLDERS[folder]
    (root.raw / sub).mkdir(parents=True, exist_ok=True)
    _bomb_xlsx(root.raw / sub / name)
    with pytest.raises(InputError) as exc:
        ingest_national(root)
    assert name in str(exc.value) and "xl/worksheets/sheet1.xml" in str(exc.value)
    assert "to 1" in str(exc.value)


def test_the_real_workbooks_are_within_the_limits(root):
    """The published ONS workbooks (population, PFA tables 2018-2019) pass the member size and ratio checks."""
    for parts in (("ons_population",), ("police_recorded_crime", "ons_pfa_tables_2018_2019")):
        for p in shared(*parts).glob("*.xlsx"):
            rawfiles.check_workbook(p, rawfiles.read_table(p))


def test_the_folder_listing_names_every_file_it_refuses(root, tmp_path):
    a = _plant(root, "population", "FIFO", tmp_path)
    with pytest.raises(InputError) as exc:
        national.read_areas(root)  # the geography folder is fine: a bad population file does not stop this
        ingest_national(root)
    assert a.name in str(exc.value)
