"""The ingest as a whole has a wall-clock bound, as each notebook has (issue 15 class 5).

Hashing, the polars read of the street files and the national tables all stop at the bound with an InputError
naming what was being read. The bound holds while the CSV engine is busy (a query that does not return is given up
on), and a run past it changes nothing in data/processed/.
"""

from __future__ import annotations

import shutil
import time

import pytest

from pccreport import safefiles
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import police_uk
from pccreport.ingest.pipeline import ingest_force, ingest_national
from pccreport.registry import load_registry

from tests.conftest import shared

MONTHS = ("2025-01", "2025-02")


@pytest.fixture
def root(tmp_path) -> Paths:
    """Two real Wiltshire months and the real ONS lookup, with the project's params/."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    dest = paths.police_uk_raw("wiltshire")
    dest.mkdir(parents=True)
    for m in MONTHS:
        shutil.copy(shared("police_uk_street", "wiltshire", f"{m}-wiltshire-street.csv"), dest)
    geo = paths.raw / "ons" / "geography"
    geo.mkdir(parents=True)
    shutil.copy(next(shared("ons_geography").glob("*.csv")), geo / "lookup.csv")
    return paths


def test_a_bound_already_passed_stops_the_street_ingest_naming_the_file(root):
    (root.raw / "ons" / "geography" / "lookup.csv").unlink()  # else the lookup, read first, is the file named
    force = load_registry(root)["wiltshire"]
    with pytest.raises(InputError) as exc:
        ingest_force(root, force, seconds=0)
    text = str(exc.value)
    assert "took more than 0 s" in text and "-wiltshire-street.csv" in text
    assert not (root.processed_force("wiltshire") / "police_uk" / "street").exists()


def test_a_bound_already_passed_stops_the_national_ingest_naming_the_file(root):
    with pytest.raises(InputError) as exc:
        ingest_national(root, seconds=0)
    assert "took more than 0 s" in str(exc.value) and "lookup.csv" in str(exc.value)
    assert not (root.processed / "national").exists()


def test_the_bound_stops_the_ingest_while_the_csv_engine_has_not_returned(root, monkeypatch):
    """A read stuck inside polars (here a query that would take 30 s) stops the ingest at the bound: polars cannot
    cancel a running query, so the ingest stops waiting for it, and nothing is written."""
    def stuck(paths, kind):
        time.sleep(30)
        raise AssertionError("the stuck query returned")

    monkeypatch.setattr(police_uk, "_count", stuck)
    force = load_registry(root)["wiltshire"]
    t0 = time.monotonic()
    with pytest.raises(InputError) as exc:
        ingest_force(root, force, seconds=3)
    assert time.monotonic() - t0 < 25  # given up at the bound, not when the query ended
    text = str(exc.value)
    assert "took more than 3 s" in text and "2 street file(s)" in text
    assert all(f"{m}-wiltshire-street.csv" in text for m in MONTHS)
    assert not (root.processed_force("wiltshire") / "police_uk" / "street").exists()


def test_within_the_bound_the_ingest_is_unchanged(root):
    force = load_registry(root)["wiltshire"]
    res = ingest_force(root, force, seconds=600)
    assert sorted(p.stem for p in (root.processed_force("wiltshire") / "police_uk" / "street").glob("*.parquet")) \
        == list(MONTHS)
    assert res.street is not None


def test_an_inner_bound_cannot_extend_an_outer_one():
    with safefiles.time_bound(0):
        with safefiles.time_bound(600):
            with pytest.raises(InputError):
                safefiles.check_time("x.csv")
    safefiles.check_time("x.csv")  # outside any bound: no limit
    assert safefiles.time_left() is None
