import zipfile

import pytest

from pccreport.config import Paths
from pccreport.errors import InputError
from pccreport.ingest.route_download import main, route
from tests.conftest import shared


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_multi_force_download_is_routed_to_each_force(tmp_path):
    w = shared("police_uk_street", "wiltshire", "2025-12-wiltshire-street.csv").read_bytes()
    c = shared("police_uk_street", "city-of-london", "2025-12-city-of-london-street.csv").read_bytes()
    z = _zip(tmp_path / "2025-12.zip", {"2025-12/2025-12-wiltshire-street.csv": w,
                                        "2025-12/2025-12-city-of-london-street.csv": c})
    paths = Paths(tmp_path / "root")
    assert route(z, paths) == {"city-of-london": 1, "wiltshire": 1}
    assert (paths.police_uk_raw("wiltshire") / "2025-12" / "2025-12-wiltshire-street.csv").read_bytes() == w
    assert (paths.police_uk_raw("city-of-london") / "2025-12" / "2025-12-city-of-london-street.csv").read_bytes() == c
    assert route(z, paths) == {}  # the same download again: nothing rewritten


def test_a_file_whose_falls_within_disagrees_with_its_name_stops_the_whole_zip(tmp_path, capsys):
    w = shared("police_uk_street", "wiltshire", "2025-12-wiltshire-street.csv").read_bytes()
    z = _zip(tmp_path / "bad.zip", {"2025-12/2025-12-dorset-street.csv": w,
                                    "2025-11/2025-11-narnia-street.csv": w})
    paths = Paths(tmp_path / "root")
    with pytest.raises(InputError) as exc:
        route(z, paths)
    text = str(exc.value)
    assert "2025-12-dorset-street.csv row 2 'Falls within'" in text and "Wiltshire Police" in text
    assert "narnia" in text and "nothing was copied" in text
    assert not (tmp_path / "root").exists()
    assert main([str(z), "--root", str(tmp_path / "root")]) == 1


# Classes 5 and 7 for a routed download: read through the ingest's bounded, damage-checked zip reader.

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context\n")
ROW = ",2023-01,Wiltshire Police,Wiltshire Police,-1.8,51.5,On or near X,E01000001,Swindon 001A,Burglary,,\n"
GOOD = (HEADER + ROW * 200).encode()
NAME = "2023-01/2023-01-wiltshire-street.csv"


def _corrupt(path):
    """Flip a byte inside the first member's deflate stream (the central directory still reads)."""
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _deflated(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


CASES = {
    "a damaged member": (lambda p: _corrupt(_deflated(p, {NAME: GOOD})), "damaged after byte"),
    "a UTF-16 member": (lambda p: _deflated(p, {NAME: (HEADER + ROW).encode("utf-16")}), "is not UTF-8 text"),
    "a Latin-1 header": (lambda p: _deflated(p, {NAME: HEADER.replace("Context", "Contéxt").encode("latin-1")}),
                         "byte 0xe9 on line 1 is not UTF-8"),
    "a zip bomb": (lambda p: _deflated(p, {NAME: GOOD + b"," * 20_000_000}), "a zip bomb"),
    "one month twice": (lambda p: _deflated(p, {NAME: GOOD, "copy/" + NAME: GOOD}), "the same month and force"),
    "no police file": (lambda p: _deflated(p, {"readme.txt": b"hello"}), "holds no data.police.uk"),
    "not a zip": (lambda p: (p.write_bytes(b"PK\x03\x04 not really"), p)[1], "not a readable zip archive"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_download_is_an_input_error_and_nothing_is_copied(tmp_path, name, capsys):
    make, message = CASES[name]
    z = make(tmp_path / "download.zip")
    paths = Paths(tmp_path / "root")
    with pytest.raises(InputError, match=message):
        route(z, paths)
    assert not paths.raw.exists()
    assert main([str(z), "--root", str(paths.root)]) == 1 and "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_destination_that_is_a_fifo_is_not_waited_on(tmp_path):
    import os

    z = _deflated(tmp_path / "download.zip", {NAME: GOOD})
    paths = Paths(tmp_path / "root")
    dest = paths.police_uk_raw("wiltshire") / NAME
    dest.parent.mkdir(parents=True)
    os.mkfifo(dest)
    with pytest.raises(InputError, match="not a regular file"):
        route(z, paths)


def test_member_paths_with_dot_dot_or_a_leading_slash_land_in_the_force_folder(tmp_path):
    z = _deflated(tmp_path / "download.zip", {"../../" + NAME: GOOD})
    paths = Paths(tmp_path / "root")
    assert route(z, paths) == {"wiltshire": 1}
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv")] == [
        (paths.police_uk_raw("wiltshire") / NAME).relative_to(tmp_path)]
