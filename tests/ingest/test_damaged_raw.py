"""Classes 5 and 7 for data.police.uk files: only regular files inside the delivered folder are read, zip members are
bounded in size and ratio, and every damaged file is an InputError naming the file, the member and the place."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from pccreport.errors import InputError
from pccreport.ingest import police_uk, rawfiles
from tests.conftest import shared

NAME = "2025-01-wiltshire-street.csv"


@pytest.fixture(scope="module")
def real_csv() -> bytes:
    return (shared("police_uk_street", "wiltshire") / NAME).read_bytes()


def _ingest(src: Path, tmp: Path):
    return police_uk.ingest(src, tmp / "out", "wiltshire", "Wiltshire Police")


def _zip(path: Path, data: bytes, member: str = f"2025-01/{NAME}") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, data)
    return path


def _corrupt(path: Path, where: str) -> None:
    """Damage a one-member zip: a byte of the deflate stream, or the stored CRC in both headers."""
    b = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if where == "deflate stream":
        for i in range(start + 200, start + 260):
            b[i] ^= 0xFF
    else:
        crc = info.CRC.to_bytes(4, "little")
        bad = ((info.CRC + 1) & 0xFFFFFFFF).to_bytes(4, "little")
        b = bytearray(bytes(b).replace(crc, bad))
    path.write_bytes(bytes(b))


@pytest.mark.parametrize("where", ["deflate stream", "CRC"])
def test_a_damaged_zip_member_names_archive_member_and_place(tmp_path, real_csv, where):
    src = tmp_path / "raw"
    src.mkdir()
    zp = _zip(src / "download.zip", real_csv)
    _corrupt(zp, where)
    with pytest.raises(InputError) as exc:
        _ingest(src, tmp_path)
    text = str(exc.value)
    assert f"download.zip!2025-01/{NAME}" in text and "damaged after byte" in text and "Traceback" not in text


def test_not_a_zip_and_a_truncated_zip_are_input_errors(tmp_path, real_csv):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "a.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match="not a readable zip archive"):
        _ingest(src, tmp_path)
    (src / "a.zip").unlink()
    zp = _zip(src / "b.zip", real_csv)
    zp.write_bytes(zp.read_bytes()[:-30])  # central directory cut short
    with pytest.raises(InputError, match="b.zip"):
        _ingest(src, tmp_path)


def test_a_zip_bomb_member_is_refused_before_it_is_inflated(tmp_path):
    src = tmp_path / "raw"
    src.mkdir()
    header = ",".join(police_uk.STREET_COLUMNS).encode() + b"\n"
    _zip(src / "bomb.zip", header + b"0" * (40 * 1024 * 1024))  # ratio about 1000 to 1
    with pytest.raises(InputError, match=r"compressed \d+ to 1, more than the limit"):
        _ingest(src, tmp_path)


def test_a_member_larger_than_the_limit_is_refused(tmp_path, monkeypatch, real_csv):
    monkeypatch.setattr(rawfiles, "MAX_INPUT_BYTES", 1000)
    src = tmp_path / "raw"
    src.mkdir()
    _zip(src / "big.zip", real_csv)
    with pytest.raises(InputError, match="more than the limit of 1,000"):
        _ingest(src, tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["FIFO", "link to /dev/zero", "link out of the folder", "link to a folder",
                                  "zip that is a FIFO"])
def test_only_regular_files_inside_the_folder_are_read(tmp_path, real_csv, kind):
    src = tmp_path / "raw"
    src.mkdir()
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes(real_csv)
    target = src / ("x.zip" if kind == "zip that is a FIFO" else NAME)
    if kind in ("FIFO", "zip that is a FIFO"):
        os.mkfifo(target)
    elif kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "link out of the folder":
        target.symlink_to(outside)
    else:
        target.symlink_to(tmp_path)
    with pytest.raises(InputError) as exc:
        _ingest(src, tmp_path)  # returns at once: a FIFO is never opened for reading
    assert target.name in str(exc.value)


def test_a_link_inside_the_folder_is_followed(tmp_path, real_csv):
    src = tmp_path / "raw"
    (src / "store").mkdir(parents=True)
    (src / "store" / "copy.txt").write_bytes(real_csv)
    (src / NAME).symlink_to(src / "store" / "copy.txt")
    assert _ingest(src, tmp_path).rows > 0


@pytest.mark.parametrize("line", [2, 120, 3000])
def test_a_latin1_byte_is_reported_at_its_line(tmp_path, real_csv, line):
    lines = real_csv.split(b"\n")
    lines[line - 1] = lines[line - 1].replace(b"On or near", b"On or n\xe9ar", 1)
    assert b"\xe9" in lines[line - 1]
    src = tmp_path / "raw"
    src.mkdir()
    (src / NAME).write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as exc:
        _ingest(src, tmp_path)
    text = str(exc.value)
    assert f"(line {line})" in text and f"at line {line}, column" in text and "0xe9" in text


def test_a_good_zip_still_reads_like_the_folder(tmp_path, real_csv):
    src = tmp_path / "raw"
    src.mkdir()
    _zip(src / "ok.zip", real_csv)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / NAME).write_bytes(real_csv)
    assert _ingest(src, tmp_path / "a").rows == _ingest(folder, tmp_path / "b").rows > 0
    shutil.rmtree(tmp_path / "a")


@pytest.mark.parametrize("where", ["deflate stream", "CRC", "zip bomb", "FIFO"])
def test_check_inputs_opens_zips_and_finds_the_same_damage(tmp_path, real_csv, where):
    """``--check`` reads zip members as the ingest does, so it never says OK for inputs the build would refuse."""
    from pccreport.config import DEFAULT_ROOT, Paths
    from pccreport.inputs.validate import check_inputs

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    raw = paths.police_uk_raw("wiltshire")
    raw.mkdir(parents=True)
    if where == "zip bomb":
        _zip(raw / "download.zip", real_csv[:300] + b"0" * (20 * 1024 * 1024))
    elif where == "FIFO":
        os.mkfifo(raw / NAME)
    else:
        _corrupt(_zip(raw / "download.zip", real_csv), where)
    problems = "\n".join(check_inputs(paths, "wiltshire", "2023-Q1").problems)
    assert (NAME if where == "FIFO" else "download.zip") in problems and "Traceback" not in problems
    assert "no data.police.uk files" not in problems


def test_an_archive_with_too_many_members_is_refused_before_it_is_listed(tmp_path, monkeypatch):
    """zipfile reads every central-directory entry into memory on opening; the count comes from the end record."""
    monkeypatch.setattr(rawfiles, "MAX_ZIP_MEMBERS", 50)
    zp = tmp_path / "police_uk" / "download.zip"
    zp.parent.mkdir()
    with zipfile.ZipFile(zp, "w") as z:
        for i in range(51):
            z.writestr(f"x/{i}.txt", b"")
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda self, *a, **k: opened.append(a))
    with pytest.raises(InputError, match="holds 51 members, more than the limit of 50"):
        police_uk.discover_items(zp.parent, "wiltshire")
    assert opened == []  # refused from the end record: zipfile never parsed the directory


def test_an_archive_at_the_member_limit_and_an_empty_one_still_open(tmp_path, monkeypatch):
    monkeypatch.setattr(rawfiles, "MAX_ZIP_MEMBERS", 50)
    for n in (50, 0):
        zp = tmp_path / f"{n}.zip"
        with zipfile.ZipFile(zp, "w") as z:
            for i in range(n):
                z.writestr(f"x/{i}.txt", b"")
        with rawfiles.open_zip(zp) as z:
            assert len(z.namelist()) == n
