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
