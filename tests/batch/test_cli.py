"""The ``pccreport`` command: subcommands, help, version, exit codes, did-you-mean, new-plan, summary and run record."""

from __future__ import annotations

import os
import types
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pccreport import __version__
from pccreport.batch.cli import filter_noise, run_record, summary_table
from pccreport.batch.commands import cli, invoke
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.plan import load_plan

COMMANDS = ("build", "check", "ingest", "sample", "render", "new-plan")


@pytest.fixture
def params_root(tmp_path) -> Paths:
    """A project root holding only a copy of the repo's params/ (enough for parameter checks and new-plan)."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    return Paths(tmp_path)


def test_help_lists_every_subcommand_the_exit_codes_and_the_root_variable():
    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in res.output
    assert "Exit codes:" in res.output and "PCCREPORT_ROOT" in res.output and "_PCCREPORT_COMPLETE" in res.output
    for name in COMMANDS:
        sub = CliRunner().invoke(cli, [name, "--help"])
        assert sub.exit_code == 0 and "--root" in sub.output and "$PCCREPORT_ROOT" in sub.output, name
        assert "Exit codes:" in sub.output


def test_every_option_has_help_text():
    for name, cmd in cli.commands.items():
        for p in cmd.params:
            if p.param_type_name == "option":
                assert p.help, f"pccreport {name} {p.opts[0]} has no help text"


def test_version():
    res = CliRunner().invoke(cli, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"pccreport, version {__version__}"


def test_python_m_pccreport_and_run_all_py_name_themselves():
    mod = subprocess.run([sys.executable, "-m", "pccreport", "--help"], capture_output=True, text=True, timeout=60)
    assert mod.returncode == 0 and mod.stdout.startswith("Usage: pccreport [OPTIONS] COMMAND"), mod.stderr
    alias = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--help"], capture_output=True,
                           text=True, timeout=60)
    assert alias.returncode == 0 and alias.stdout.startswith("Usage: run_all.py [OPTIONS]"), alias.stderr
    assert "--force-rebuild" in alias.stdout and "--json" in alias.stdout


def test_shell_completion_script_is_generated():
    env = {**os.environ, "_PCCREPORT_COMPLETE": "bash_source"}
    proc = subprocess.run([sys.executable, "-m", "pccreport"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and "_pccreport_completion" in proc.stdout, proc.stderr


def test_a_mistyped_force_exits_2_with_did_you_mean(params_root, capsys):
    code = invoke(["build", "--root", str(params_root.root), "--force", "wiltshre", "--quarter", "2023-Q1"])
    err = capsys.readouterr().err
    assert code == 2 and "Did you mean 'wiltshire'?" in err
    assert not params_root.reports.exists()


def test_a_usage_error_exits_2_and_names_the_option(params_root, capsys):
    code = invoke(["build", "--root", str(params_root.root), "--quarter", "2023-Q1"])
    assert code == 2 and "--force" in capsys.readouterr().err


def test_group_root_and_environment_root_are_both_honoured(params_root, tmp_path_factory, monkeypatch, capsys):
    other = tmp_path_factory.mktemp("empty")
    monkeypatch.setenv("PCCREPORT_ROOT", str(other))  # no params/ there: the explicit --root must win
    assert invoke(["--root", str(params_root.root), "new-plan", "--force", "kent"]) == 0
    assert (params_root.params / "kent" / "plan.yaml").exists()
    monkeypatch.setenv("PCCREPORT_ROOT", str(params_root.root))
    assert invoke(["new-plan", "--force", "surrey"]) == 0
    assert (params_root.params / "surrey" / "plan.yaml").exists()
    capsys.readouterr()


def test_new_plan_writes_a_starter_that_loads_and_refuses_to_overwrite(params_root, capsys):
    assert invoke(["new-plan", "--root", str(params_root.root), "--force", "kent"]) == 0
    plan = load_plan(params_root, "kent")  # validated against the schema, the KPI catalogue and the registry
    assert plan.force == "kent" and len(plan.priorities) == 3
    assert {m.source for m in plan.metrics()} <= {"police_uk", "ons"}  # public data only: builds with no KPI CSV
    text = (params_root.params / "kent" / "plan.yaml").read_text()
    assert text.startswith("# Starter Police and Crime Plan catalogue for Kent")
    capsys.readouterr()
    assert invoke(["new-plan", "--root", str(params_root.root), "--force", "kent"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (params_root.params / "kent" / "plan.yaml").read_text() == text


def test_a_missing_root_is_named_with_what_to_do(tmp_path, capsys):
    code = invoke(["new-plan", "--root", str(tmp_path / "nowhere"), "--force", "kent"])
    err = capsys.readouterr().err
    assert code == 2 and "no such folder" in err and "--root" in err
    assert not (tmp_path / "nowhere").exists()  # nothing was created for a mistyped root


ROWS = [
    {"force": "wiltshire", "quarter": "2023-Q1", "status": "built", "seconds": 41.2, "reason": "no report yet"},
    {"force": "dorset", "quarter": "2023-Q1", "status": "built with warnings", "seconds": 38.0,
     "reason": "no report yet; data not supplied: calls_101_answer",
     "warnings": ["data not supplied: calls_101_answer"]},
    {"force": "kent", "quarter": "2023-Q1", "status": "failed", "seconds": 3.0, "notebook": "00_front.ipynb",
     "cell": "4", "error": "params/kent/plan.yaml: 1 problem(s); How to fix: see docs/inputs.md"},
]


def test_summary_counts_warned_builds_as_built_and_keeps_the_fix_line():
    table = summary_table(ROWS)
    lines = table.splitlines()
    assert lines[-1] == "2 built, 0 skipped, 1 failed (1 built with warnings)"
    dorset = next(ln for ln in lines if ln.startswith("dorset"))
    assert "built with warnings" in dorset and "data not supplied: calls_101_answer" in dorset
    kent = next(ln for ln in lines if ln.startswith("kent"))
    assert "00_front.ipynb cell 4:" in kent and "How to fix: see docs/inputs.md" in kent


def test_the_run_record_has_every_field_for_every_force_quarter():
    rec = run_record("r1", ROWS, Path("/x/run-r1.log"), Path("/x/index.html"), 1)
    assert rec["run"] == "r1" and rec["exit_code"] == 1 and len(rec["results"]) == 3
    keys = {"force", "quarter", "status", "seconds", "reason", "warnings", "error", "notebook", "cell"}
    assert all(set(r) == keys for r in rec["results"])
    assert rec["results"][0]["warnings"] == []
    assert rec["results"][1]["warnings"] == ["data not supplied: calls_101_answer"]


def test_kernel_noise_is_dropped_from_worker_logs_and_the_rest_kept():
    log = ("2023 INFO [wiltshire 2023-Q1] executing 00_front.ipynb\n"
           "0.00s - Debugger warning: It seems that frozen modules are being used, which may\n"
           "0.00s - make the debugger miss breakpoints. Please pass -Xfrozen_modules=off\n"
           "0.00s - to python to disable frozen modules.\n"
           "0.00s - Note: to disable this validation, set PYDEVD_DISABLE_FILE_VALIDATION=1\n"
           "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...\n"
           "2023 WARNING [wiltshire 2023-Q1] Using fontTools instead of HarfBuzz-Subset for font \"DejaVu Sans\".\n"
           "2023 WARNING [wiltshire 2023-Q1] Invalid media type ' screen and (min-width: 1000px) ' the whole\n"
           "2023 WARNING [wiltshire 2023-Q1] Expected a media type, got 'screen/**/and/**/(min-width: 1000px)'\n"
           "2023 WARNING [wiltshire 2023-Q1] narrative not supplied for priority 2\n"
           "2023 ERROR [wiltshire 2023-Q1] failed: cell 3\n")
    assert filter_noise(log) == ("2023 INFO [wiltshire 2023-Q1] executing 00_front.ipynb\n"
                                 "2023 WARNING [wiltshire 2023-Q1] narrative not supplied for priority 2\n"
                                 "2023 ERROR [wiltshire 2023-Q1] failed: cell 3\n")


@pytest.fixture(scope="module")
def sample_quarter(tmp_path_factory) -> Paths:
    """Wiltshire sample files (Jan 2022 to Mar 2023) and the national tables, nothing ingested or built."""
    from tests.conftest import make_root

    return make_root(tmp_path_factory.mktemp("listing"), start="2022-01", end="2023-03")


RECORD_KEYS = {"run", "mode", "exit_code", "log", "index", "results"}
RESULT_KEYS = {"force", "quarter", "status", "seconds", "reason", "warnings", "error", "notebook", "cell"}


def _json_out(capsys) -> dict:
    import json

    out = capsys.readouterr().out
    return json.loads(out)  # the whole of stdout is one JSON document


def test_dry_run_json_has_the_run_records_shape_and_its_exit_code(sample_quarter, capsys):
    root = str(sample_quarter.root)
    code = invoke(["build", "--root", root, "--force", "wiltshire", "--quarter", "2023-Q1", "--quarter", "2019-Q1",
                   "--dry-run", "--json"])
    rec = _json_out(capsys)
    assert set(rec) >= RECORD_KEYS and rec["mode"] == "dry-run" and rec["run"] is None
    assert all(set(r) == RESULT_KEYS for r in rec["results"])
    by_q = {r["quarter"]: r for r in rec["results"]}
    assert by_q["2023-Q1"]["status"] == "build" and by_q["2023-Q1"]["reason"] == "no report yet"
    assert by_q["2019-Q1"]["status"] == "failed" and "outside the data" in by_q["2019-Q1"]["error"]
    assert code == rec["exit_code"] == 1  # the quarter outside the data fails the run, as the build would
    assert not sample_quarter.reports.exists()  # a dry run writes nothing
    # Without the bad quarter: exit 0, and the text listing still says the same thing.
    assert invoke(["build", "--root", root, "--force", "wiltshire", "--quarter", "2023-Q1", "--dry-run", "--json"]) == 0
    assert _json_out(capsys)["exit_code"] == 0
    assert invoke(["build", "--root", root, "--force", "wiltshire", "--quarter", "2023-Q1", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("build  wiltshire 2023-Q1  no report yet")


def test_check_json_lists_problems_and_missing_measures_with_the_checks_exit_code(sample_quarter, capsys):
    root = str(sample_quarter.root)
    for argv in (["check"], ["build", "--check"]):
        code = invoke([*argv, "--root", root, "--force", "wiltshire", "--quarter", "2023-Q1", "--json"])
        rec = _json_out(capsys)
        assert set(rec) >= RECORD_KEYS and rec["mode"] == "check"
        (r,) = rec["results"]
        assert set(r) == RESULT_KEYS | {"problems", "not_supplied"}
        assert (r["status"], r["problems"], code, rec["exit_code"]) == ("ok", [], 0, 0)
    # A broken narrative is a problem: status "problems", exit 1, the problem named.
    narrative = sample_quarter.params / "wiltshire" / "2023-Q1.yaml"
    text = narrative.read_text()
    try:
        narrative.write_text(text + "\nunexpected_field: 1\n")
        code = invoke(["check", "--root", root, "--force", "wiltshire", "--quarter", "2023-Q1", "--json"])
        (r,) = (rec := _json_out(capsys))["results"]
        assert code == rec["exit_code"] == 1 and r["status"] == "problems"
        assert any("2023-Q1.yaml" in p for p in r["problems"])
    finally:
        narrative.write_text(text)


def test_summary_says_a_build_published_empty():
    rows = [{"force": "wiltshire", "quarter": "2023-Q1", "status": "built empty", "seconds": 9.0,
             "warnings": ["empty report: none of the 34 measures has data (published because --allow-empty was given)"]}]
    assert summary_table(rows).splitlines()[-1] == "1 built, 0 skipped, 0 failed (1 built empty)"


def test_plan_years_are_checked_for_what_would_be_built_and_an_unchanged_run_loads_no_plan(params_root, capsys,
                                                                                         monkeypatch):
    """A quarter outside the plan's years (Wiltshire's plan: 2022-2025) still fails the run; a force-quarter skipped
    as unchanged was built from the same plan file (its hash is in the manifest), so its plan is not loaded again."""
    import pccreport.inputs.plan as plan_module
    from pccreport.batch.manifest import MANIFEST, fingerprint
    from pccreport.hashing import atomic_write_json

    for m in range(24, 42):  # street files (their names are all the selection reads) for 2021-01 to 2022-06
        month = f"{2019 + m // 12}-{m % 12 + 1:02d}"
        d = params_root.police_uk_raw("wiltshire") / month
        d.mkdir(parents=True)
        (d / f"{month}-wiltshire-street.csv").write_text("Crime ID\n")
    loads = []
    real = plan_module.load_plan
    monkeypatch.setattr(plan_module, "load_plan", lambda *a, **k: loads.append(a[1]) or real(*a, **k))
    argv = ["build", "--root", str(params_root.root), "--force", "wiltshire", "--dry-run", "--json"]
    assert invoke([*argv, "--quarter", "2021-Q4", "--quarter", "2022-Q2"]) == 1
    by_q = {r["quarter"]: r for r in _json_out(capsys)["results"]}
    assert by_q["2021-Q4"]["status"] == "failed" and "outside the plan's years 2022-2025" in by_q["2021-Q4"]["error"]
    # Two loads check the plans' years; one more reads which notebooks the plan runs, once per run for the same plan
    # file (no report yet, so no manifest to reuse that from).
    assert by_q["2022-Q2"]["status"] == "build" and loads == ["wiltshire"] * 3
    published = params_root.report_dir("wiltshire", "2022-Q2")  # as a build leaves it: the manifest of its inputs
    published.mkdir(parents=True)
    atomic_write_json(published / MANIFEST, fingerprint(params_root, "wiltshire", "2022-Q2"))
    loads.clear()
    assert invoke([*argv, "--quarter", "2022-Q2"]) == 0
    (row,) = _json_out(capsys)["results"]
    assert row["status"] == "skip" and "unchanged" in row["reason"] and loads == []


# Class 1 for the terminal and the log: text quoted from an input cannot forge a summary line or drive the terminal.

FORGED = "bad cell\n1 built, 0 skipped, 0 failed\x1b[2J\u202e"


def _clean(text: str) -> bool:
    return "\x1b" not in text and "\u202e" not in text and "\r" not in text


def test_a_failure_quoting_an_input_stays_on_its_own_summary_line():
    rows = [{"force": "wiltshire", "quarter": "2023-Q1", "status": "failed", "seconds": 1.0,
             "notebook": "00_front.ipynb", "cell": "2", "error": FORGED},
            {"force": "dorset", "quarter": "2023-Q1", "status": "skipped", "reason": FORGED, "seconds": 0.0}]
    lines = summary_table(rows).splitlines()
    assert len(lines) == 4 and all(_clean(ln) for ln in lines)
    assert lines[-1] == "0 built, 1 skipped, 1 failed"  # the only count line is the real one
    assert "bad cell\\n1 built" in lines[1] and "\\x1b[2J" in lines[1]


def test_describe_failure_is_one_printable_line_for_any_error():
    import papermill.exceptions as pme

    from pccreport.batch.cli import describe_failure
    from pccreport.errors import InputError, Problem

    cell = pme.PapermillExecutionError(3, 3, "x = 1", "ValueError", f"value {FORGED!s}", [])
    for exc in (cell, ValueError(f"\x1b[31m{FORGED}"), InputError(f"a.zip!{FORGED}", [Problem("x", "y")])):
        out = describe_failure(exc)
        assert "\n" not in out and _clean(out), out


def test_the_run_log_shows_control_characters_as_escapes(tmp_path):
    import logging

    from pccreport.batch import cli as batch_cli

    log_file = tmp_path / "run.log"
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        batch_cli._setup_logging(log_file)
        logging.getLogger("pccreport").warning("[1/1] failed wiltshire 2023-Q1: %s", FORGED)
        summary = "force  status\nwiltshire  failed"
        logging.getLogger("pccreport").info("summary\n%s", batch_cli.Lines(summary))
    finally:
        for h in list(root.handlers):
            if h not in before:
                h.close()
                root.removeHandler(h)
    text = log_file.read_text(encoding="utf-8")
    assert _clean(text) and "\\x1b[2J" in text
    assert "\nwiltshire  failed\n" in text  # a multi-line message the package writes keeps its own lines
    assert not any(ln.startswith("1 built") for ln in text.splitlines())


def test_check_and_dry_run_listings_print_escapes(monkeypatch, capsys):
    from pccreport.batch import cli as batch_cli
    from pccreport.batch.manifest import Decision

    sel = types.SimpleNamespace(warnings={("wiltshire", "2023-Q1"): [FORGED]},
                                not_built=[("dorset", "2023-Q1", "no-data", FORGED)], no_plan=[])
    batch_cli._dry_run(sel, {("wiltshire", "2023-Q1"): Decision(True, FORGED)}, as_json=False)
    out = capsys.readouterr().out
    assert _clean(out) and "\\x1b[2J" in out
    assert not any(ln.startswith("1 built") for ln in out.splitlines())
