"""Class 2, publishing never deletes or overwrites anything outside reports/<force>/.builds/: the swap (symlinked
report, legacy folder, a report path that is a file), clean_stale_builds, and a .builds/ that is itself a link.
No notebooks run: the trees are made by hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pccreport.batch import build as batch
from pccreport.config import Paths
from pccreport.errors import PccReportError

Q = "2023-Q1"


def _tree(tmp: Path) -> tuple[Paths, Path, Path]:
    """A root with reports/wiltshire/.builds/ holding one new build, and a folder elsewhere full of precious files."""
    paths = Paths(tmp / "root")
    new = paths.reports / "wiltshire" / ".builds" / f"{Q}-20230102T000000-bbbbbbbb"
    new.mkdir(parents=True)
    (new / "wiltshire-2023-Q1-report.html").write_text("new report")
    elsewhere = tmp / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "precious.txt").write_text("keep me")
    (elsewhere / "sub" / "also.txt").write_text("keep me too")
    return paths, new, elsewhere


def _untouched(elsewhere: Path) -> bool:
    return (elsewhere / "precious.txt").read_text() == "keep me" and \
        (elsewhere / "sub" / "also.txt").read_text() == "keep me too"


@pytest.mark.parametrize("how", ["absolute link", "relative link out", "link via .builds/..", "link to a link"])
def test_a_report_path_linked_elsewhere_is_replaced_and_its_target_kept(tmp_path, how):
    paths, new, elsewhere = _tree(tmp_path)
    final = paths.report_dir("wiltshire", Q)
    target = {"absolute link": str(elsewhere),
              "relative link out": os.path.relpath(elsewhere, final.parent),
              "link via .builds/..": os.path.join(".builds", "..", os.path.relpath(elsewhere, final.parent)),
              "link to a link": ".builds/" + f"{Q}-hop"}[how]
    if how == "link to a link":
        (final.parent / ".builds" / f"{Q}-hop").symlink_to(elsewhere)
    final.symlink_to(target)
    batch._swap(new, final)
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "new report"
    assert _untouched(elsewhere)
    batch.clean_stale_builds(paths, "wiltshire", Q)
    assert _untouched(elsewhere) and (final / "wiltshire-2023-Q1-report.html").read_text() == "new report"


def test_a_legacy_report_folder_is_moved_aside_inside_builds_and_nothing_it_links_to_is_followed(tmp_path):
    paths, new, elsewhere = _tree(tmp_path)
    final = paths.report_dir("wiltshire", Q)
    final.mkdir()
    (final / "old.html").write_text("old")
    (final / "outside").symlink_to(elsewhere)  # a link inside the old report must be unlinked, never followed
    batch._swap(new, final)
    assert os.readlink(final) == f".builds/{new.name}" and _untouched(elsewhere)
    assert not [p for p in (final.parent / ".builds").iterdir() if "replaced" in p.name]


def test_a_report_path_that_is_a_file_is_refused_and_kept(tmp_path):
    paths, new, _ = _tree(tmp_path)
    final = paths.report_dir("wiltshire", Q)
    final.write_text("someone's notes")
    with pytest.raises(PccReportError, match="move it away"):
        batch._swap(new, final)
    assert final.read_text() == "someone's notes"


def test_a_builds_folder_that_is_a_link_is_refused_and_not_cleaned(tmp_path):
    paths, _, elsewhere = _tree(tmp_path)
    force_dir = paths.reports / "wiltshire"
    real_builds = force_dir / ".builds"
    real_builds.rename(tmp_path / "moved-builds")
    (elsewhere / f"{Q}-20200101T000000-cccccccc").mkdir()
    (elsewhere / f"{Q}-20200101T000000-cccccccc" / "x.txt").write_text("x")
    real_builds.symlink_to(elsewhere)
    assert batch.clean_stale_builds(paths, "wiltshire", Q) == []
    assert (elsewhere / f"{Q}-20200101T000000-cccccccc" / "x.txt").exists() and _untouched(elsewhere)
    with pytest.raises(PccReportError, match="link or a file"):
        batch.check_builds_dir(real_builds)


def test_stale_builds_that_are_links_are_unlinked_not_followed(tmp_path):
    paths, new, elsewhere = _tree(tmp_path)
    final = paths.report_dir("wiltshire", Q)
    final.symlink_to(f".builds/{new.name}")
    planted = final.parent / ".builds" / f"{Q}-20200101T000000-dddddddd"
    planted.symlink_to(elsewhere)
    removed = batch.clean_stale_builds(paths, "wiltshire", Q)
    assert planted in removed and not planted.is_symlink() and _untouched(elsewhere)
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "new report"  # the published build is kept


# The lock file is written too (truncated, then the holder's pid): a link or a hard link there emptied its target.

def _plant(locks: Path, how: str, victim: Path) -> None:
    lock = locks / f"{Q}.lock"
    if how == "folder is a link":
        locks.parent.mkdir(parents=True, exist_ok=True)
        locks.symlink_to(victim.parent)
        return
    locks.mkdir(parents=True, exist_ok=True)
    if how == "symlink":
        lock.symlink_to(victim)
    elif how == "relative symlink":
        lock.symlink_to(os.path.relpath(victim, locks))
    elif how == "hard link":
        os.link(victim, lock)
    elif how == "dangling symlink":
        lock.symlink_to(victim.parent / "made-by-the-lock")
    elif how == "fifo":
        os.mkfifo(lock)


LOCK_PLANTS = ["symlink", "relative symlink", "hard link", "dangling symlink", "fifo", "folder is a link"]


@pytest.mark.parametrize("how", LOCK_PLANTS)
def test_a_planted_lock_file_is_refused_and_nothing_outside_is_touched(tmp_path, how):
    from pccreport.batch.locks import ForceQuarterLock

    paths, _, elsewhere = _tree(tmp_path)
    victim = elsewhere / "precious.txt"
    _plant(paths.reports / "wiltshire" / ".locks", how, victim)
    before = sorted(p.name for p in elsewhere.iterdir())
    with pytest.raises(OSError) as exc:
        ForceQuarterLock(paths.reports, "wiltshire", Q).acquire()
    assert "remove" in exc.value.strerror
    assert _untouched(elsewhere) and sorted(p.name for p in elsewhere.iterdir()) == before


@pytest.mark.parametrize("how", ["symlink", "hard link"])
def test_a_build_meeting_a_planted_lock_fails_with_a_reason(tmp_path, how):
    paths, _, elsewhere = _tree(tmp_path)
    _plant(paths.reports / "wiltshire" / ".locks", how, elsewhere / "precious.txt")
    res = batch.run_one(paths, "wiltshire", Q)
    assert res.status == "failed" and "lock file" in res.error and "remove it" in res.error
    assert _untouched(elsewhere)


def test_an_ordinary_lock_file_is_reused_and_released(tmp_path):
    from pccreport.batch.locks import ForceQuarterLock, LockBusy

    paths, _, _ = _tree(tmp_path)
    for _ in range(2):  # the second time over the file the first left behind
        lock = ForceQuarterLock(paths.reports, "wiltshire", Q).acquire()
        assert f"pid {os.getpid()}" in lock.path.read_text()
        with pytest.raises(LockBusy):
            ForceQuarterLock(paths.reports, "wiltshire", Q).acquire()
        lock.release()


def test_a_status_folder_that_is_a_link_is_not_written_through(tmp_path, caplog):
    from pccreport.batch.index import record_attempt

    paths, _, elsewhere = _tree(tmp_path)
    (paths.reports / "wiltshire" / ".status").symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    record_attempt(paths, {"force": "wiltshire", "quarter": Q, "status": "failed", "error": "x"})
    assert sorted(p.name for p in elsewhere.iterdir()) == before and _untouched(elsewhere)
    assert "cannot record the status" in caplog.text and "is a link" in caplog.text
