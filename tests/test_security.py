"""Hostile input: parameters that try to leave reports/ or run code, HTML and script in narrative and data text,
unsafe YAML tags, and spreadsheet formulas in the CSV the project writes for users."""

from __future__ import annotations

import ast
import csv
import html
import io
import re
import shutil

import pandas as pd
import pytest

from pccreport.batch.build import neutralise_formulas
from pccreport.batch.commands import run_all as cli_main
from pccreport.batch.selection import quarter_range, select
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError, ParameterError
from pccreport.inputs.narrative import Narrative, Section, load_narrative, md_inline
from pccreport.inputs.plan import load_plan
from pccreport.periods import Quarter
from pccreport.registry import load_registry, validate_force
from pccreport.report import notebook as report
from pccreport.report import sections

PACKAGE = DEFAULT_ROOT / "pccreport"

HOSTILE_FORCES = [
    "../wiltshire", "../../etc/passwd", "/etc/passwd", "wiltshire/../dorset", "%2e%2e%2fwiltshire", "..%2Fwiltshire",
    "wiltshire/", "./wiltshire", "~/wiltshire", "wiltshire\n", "wiltshire\x00", " wiltshire", "Wiltshire",
    "wiltshire; rm -rf /", "$(touch pwned)", "`id`", "wiltshire' + __import__('os').system('id') + '",
    '"); import os; os.system("id"); ("', "{{7*7}}", "<script>alert(1)</script>",
    "ｗｉｌｔｓｈｉｒｅ",  # full-width letters
    "wiltshіre",  # Cyrillic і (U+0456)
    "w" * 10_000, "", None, 123, ["wiltshire"],
]
HOSTILE_QUARTERS = [
    "../2023-Q1", "2023-Q1/../../x", "/2023-Q1", "2023-Q1\n", "2023-Q1\x00", " 2023-Q1", "2023-q1", "2023-Q5",
    "2023-Q0", "23-Q1", "2023-Q1; rm -rf /", "$(id)", "%2e%2e", "２０２３-Q1",  # full-width digits
    "٢٠٢٣-Q1",  # Arabic-Indic digits
    "1999-Q1", "2101-Q1", "2023-Q1" * 2000, "", None, 20231,
]


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("secure")
    shutil.copytree(DEFAULT_ROOT / "params", root / "params")
    return Paths(root)


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize("force", HOSTILE_FORCES, ids=lambda v: repr(v)[:30])
def test_hostile_force_is_refused_by_every_entry(force, paths):
    with pytest.raises(ParameterError, match="not a force in params/forces.yaml"):
        validate_force(force, paths)
    if isinstance(force, str):
        with pytest.raises(ParameterError):
            select(paths, [force], ["2023-Q1"])
        with pytest.raises(ParameterError):
            select(paths, [force], ["latest"])
    # The package checks again before any path is built (the notebooks call this with their parameters).
    with pytest.raises(ParameterError):
        report.context(force, "2023-Q1", str(paths.root))
    assert not (paths.root / "reports").exists() and not (paths.root / "data").exists()


@pytest.mark.parametrize("quarter", HOSTILE_QUARTERS, ids=lambda v: repr(v)[:30])
def test_hostile_quarter_is_refused_by_every_entry(quarter, paths):
    with pytest.raises(ParameterError, match="quarter"):
        Quarter.parse(quarter)
    if isinstance(quarter, str):
        with pytest.raises(ParameterError):
            select(paths, ["wiltshire"], [quarter])
        if quarter.strip() != "2023-Q1":  # ranges allow spaces round '..'; what they return is always canonical
            with pytest.raises(ParameterError):
                quarter_range(f"{quarter}..2023-Q4")
            with pytest.raises(ParameterError):
                quarter_range(f"2023-Q1..{quarter}")
        else:
            assert quarter_range(f"{quarter}..2023-Q2") == ["2023-Q1", "2023-Q2"]
    with pytest.raises(ParameterError):
        report.context("wiltshire", quarter, str(paths.root))
    assert not (paths.root / "reports").exists() and not (paths.root / "data").exists()


def test_the_cli_refuses_hostile_parameters_before_writing_anything(paths, capsys):
    for args in (["--force", "../../tmp/x", "--quarter", "2023-Q1"], ["--force", "wiltshire", "--quarter", "../x"],
                 ["--force", "wiltshire", "--quarter", "2023-Q1..$(id)"], ["--force", "all", "--quarter", "2023-Q9"]):
        code = cli_main(["--root", str(paths.root), *args])
        assert code != 0
        out = capsys.readouterr()
        assert "not" in (out.out + out.err)
    assert not (paths.root / "reports").exists() and not (paths.root / "data").exists()


def test_a_valid_force_and_quarter_are_still_accepted(paths):
    """The refusals above are not because everything is refused."""
    assert validate_force("wiltshire", paths).slug == "wiltshire"
    assert Quarter.parse("2023-Q1").label == "2023-Q1"
    assert select(paths, ["wiltshire"], ["2022-Q4..2023-Q1"]).work == [("wiltshire", "2022-Q4"), ("wiltshire", "2023-Q1")]


def test_a_notebook_given_injected_parameters_runs_no_injected_code(paths, tmp_path):
    """papermill writes parameters as Python literals and the first call validates them: the injected statement in
    the force string is never executed (the marker file is not created) and the notebook fails with ParameterError."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    marker = tmp_path / "pwned"
    force = f'wiltshire"\nopen({str(marker)!r}, "w").close()\n"'
    with pytest.raises(PapermillExecutionError) as exc:
        pm.execute_notebook(str(DEFAULT_ROOT / "notebooks" / "00_front.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"force": force, "quarter": "2023-Q1", "project_root": str(paths.root)},
                            kernel_name="python3", progress_bar=False, log_output=False, cwd=str(tmp_path))
    assert exc.value.ename == "ParameterError"
    assert not marker.exists()


# ---------------------------------------------------------------- narrative and data text reaching the HTML

ATTACKS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href=\"javascript:alert(1)\">x</a>", "<svg onload=alert(1)>", "<iframe src=https://evil.example>",
    "<style>body{display:none}</style>", "![x](https://evil.example/x.png\" onerror=\"alert(1))",
    "<<script>script>alert(1)<</script>/script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
    "[x](&#106;avascript:alert(1))", "<body onload=alert(1)>", "\"><script>alert(1)</script>",
]


def _dangerous(fragment: str) -> list[str]:
    """Live markup in an HTML fragment: tags that run script or load content, event handlers, script URLs."""
    found = re.findall(r"<\s*(script|iframe|svg|style|img|body|object|embed)\b", fragment, re.I)
    found += re.findall(r"<[^>]*\son\w+\s*=", fragment, re.I)
    found += re.findall(r"""<a\b[^>]*href\s*=\s*["']?\s*(?:javascript|vbscript|data):""", fragment, re.I)
    return found


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_renderer_escapes_or_strips_every_attack(attack):
    out = md_inline(attack)
    assert _dangerous(out) == [], out


@pytest.mark.parametrize("attack", [a for a in ATTACKS if "<" in a or "script:" in a.lower()])
def test_narrative_validation_refuses_html_and_script_links(attack, paths):
    path = paths.params / "wiltshire" / "2031-Q1.yaml"
    path.write_text(f"force: wiltshire\nquarter: 2031-Q1\ngovernance:\n  outcomes:\n    - {attack!r}\n", encoding="utf-8")
    try:
        with pytest.raises(InputError, match="not allowed"):
            load_narrative(paths, "wiltshire", "2031-Q1")
    finally:
        path.unlink()


def test_a_narrative_section_built_past_validation_still_renders_no_live_markup(paths):
    """Defence in depth: even text that skipped validation (model_construct) is sanitised when rendered."""
    sec = Section.model_construct(outcomes=ATTACKS, focus=ATTACKS, deliverables=[], risks=ATTACKS)
    nar = Narrative.model_construct(force="wiltshire", quarter="2023-Q1", author=ATTACKS[0], priorities={1: sec},
                                    governance=sec, supplied=True)
    plan = load_plan(paths, "wiltshire", check_catalogue=False)
    out = sections.narrative_section("priority-1", "<script>alert('heading')</script>", sec, nar, plan,
                                     Quarter.parse("2023-Q1"), load_registry(paths)["wiltshire"])
    assert _dangerous(out) == [], _dangerous(out)
    assert "&lt;script&gt;alert(&#39;heading&#39;)&lt;/script&gt;" in out  # autoescaped, shown as text
    assert "alert(1)" in html.unescape(re.sub(r"<[^>]+>", "", out))  # the analyst's text is shown, not dropped


def test_data_text_in_the_index_page_is_escaped(paths, tmp_path):
    """Error text quotes values from input files (e.g. a location name); the index page escapes it."""
    from pccreport.batch.index import record_attempt, write_index

    p = Paths(tmp_path)
    evil = '<img src=x onerror=alert(1)> at row 3 field \'Location\' (got "<script>alert(2)</script>")'
    record_attempt(p, {"force": "wiltshire", "quarter": "2023-Q1", "status": "failed", "error": evil,
                       "notebook": "<svg onload=alert(3)>", "cell": "4"})
    record_attempt(p, {"force": "wiltshire", "quarter": "2023-Q1\n<script>", "status": "failed", "error": "x"})
    out = write_index(p).read_text(encoding="utf-8")
    body = out.split("<body", 1)[1].split(">", 1)[1]  # the page's own <style> and <body> are not the attack
    assert _dangerous(body) == [], _dangerous(body)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in out
    assert not any("script" in f.name for f in (tmp_path / "reports" / "wiltshire" / ".status").iterdir())


@pytest.mark.parametrize("force,quarter,listed", [
    ("wiltshire", "2023-Q1", True),  # the control: a real force and quarter is listed, with its link
    ("javascript:alert(1)", "2023-Q1", False), ("Wiltshire", "2023-Q1", False), ("wiltshire", "٢٠٢٣-Q1", False),
    ("wiltshire", "2023-Q1 ", False), ("wiltshire", "2023-Q5", False)])
def test_only_folders_named_as_a_force_and_quarter_become_index_links(tmp_path, force, quarter, listed):
    """The index lists folders it finds under reports/: a planted "javascript:alert(1)/2023-Q1/" was a link."""
    from pccreport.batch.index import write_index

    p = Paths(tmp_path)
    report = p.reports / force / quarter
    report.mkdir(parents=True)
    (report / f"{force}-{quarter}-report.html").write_text("x")
    (p.reports / force / ".status").mkdir()
    (p.reports / force / ".status" / f"{quarter}.json").write_text('{"status": "built"}')
    out = write_index(p).read_text(encoding="utf-8")
    link = f'href="{force}/{quarter}/{force}-{quarter}-report.html"'
    assert (link in out) == listed
    assert 'href="javascript' not in out


# ---------------------------------------------------------------- YAML

def _yaml_calls(skip: tuple[str, ...] = ("yamlfile.py",)) -> list[str]:
    """Every yaml.<function> call in the package, the notebooks' helpers and run_all.py (the one loader aside)."""
    calls = []
    for py in [*PACKAGE.rglob("*.py"), DEFAULT_ROOT / "run_all.py"]:
        if py.name in skip and py.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
                calls.append(node.attr)
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                calls += [a.name for a in node.names]
    return calls


def test_yaml_is_only_ever_safe_loaded():
    # Outside the shared loader nothing parses YAML itself (only dumps, and catches its errors) ...
    calls = set(_yaml_calls())
    assert calls <= {"safe_dump", "YAMLError"}, calls
    # ... and the shared loader's one yaml.load uses a SafeLoader subclass.
    import yaml

    from pccreport import yamlfile

    events = {"AliasEvent", "ScalarEvent", "SequenceStartEvent", "SequenceEndEvent", "MappingStartEvent",
              "MappingEndEvent"}  # read from the event stream to refuse aliases, deep nesting and repeated keys
    assert set(_yaml_calls(skip=())) - calls <= {"SafeLoader", "CSafeLoader", "composer", "constructor", "load",
                                                  "parse", "safe_load", *events}
    assert issubclass(yamlfile._NoAliasLoader, yaml.SafeLoader)
    # libyaml's loader, where used, constructs with the safe constructor.
    assert yamlfile._C_LOADER is None or issubclass(yamlfile._C_LOADER, yaml.constructor.SafeConstructor)


@pytest.mark.parametrize("target", ["params/forces.yaml", "params/wiltshire/plan.yaml", "params/wiltshire/2023-Q1.yaml",
                                    "params/kpi_catalogue.yaml"])
def test_python_object_tags_in_any_yaml_input_are_refused_not_constructed(target, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(DEFAULT_ROOT / "params", root / "params")
    p = Paths(root)
    marker = tmp_path / "pwned"
    f = root / target
    if not f.exists():
        pytest.skip(f"{target} is not in this version of params/")  # pragma: no cover
    f.write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n" + f.read_text(encoding="utf-8"),
                 encoding="utf-8")
    with pytest.raises(InputError):
        if target.endswith("forces.yaml"):
            load_registry(p)
        elif target.endswith("plan.yaml"):
            load_plan(p, "wiltshire")
        elif target.endswith("kpi_catalogue.yaml"):
            from pccreport.ingest.kpis import load_catalogue

            load_catalogue(p.params, "wiltshire")
        else:
            load_narrative(p, "wiltshire", "2023-Q1")
    assert not marker.exists()


# ---------------------------------------------------------------- CSV formula injection

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"y\")"]


def test_every_formula_start_is_neutralised_and_plain_values_are_kept():
    df = pd.DataFrame({"statement": FORMULAS + ["Burglary fell 3%", ""], "value": list(range(len(FORMULAS) + 2)),
                       "change": [-1.5] * (len(FORMULAS) + 2)})
    out = neutralise_formulas(df)
    assert all(v.startswith("'") for v in out["statement"][: len(FORMULAS)])
    assert list(out["statement"][len(FORMULAS):]) == ["Burglary fell 3%", ""]
    assert out["value"].tolist() == df["value"].tolist() and out["change"].tolist() == df["change"].tolist()
    # Round trip as scorecard.csv is written: a reader sees every cell whole (a bare CR inside a cell must not
    # start a new row beginning '=1') and text starting with an apostrophe, never '='.
    text = out.to_csv(index=False, lineterminator="\r\n")
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert len(back) == len(df) + 1
    assert not any(cell.startswith(("=", "+", "@")) for row in back for cell in row)


def test_every_csv_the_package_writes_for_users_goes_through_neutralise_formulas():
    """The only to_csv calls are the sample-data generator (inputs, not output for users) and scorecard.csv."""
    writers = []
    for py in PACKAGE.rglob("*.py"):
        for i, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.to_csv\(|csv\.writer|csv\.DictWriter", line):
                writers.append((py.name, line.strip()))
    user_facing = [(f, ln) for f, ln in writers if f != "sample.py"]
    assert user_facing and all("neutralise_formulas(" in ln for _, ln in user_facing), user_facing


# ---------------------------------------------------------------- notebooks are code: only the project's own run

@pytest.mark.parametrize("notebook", ["../notebooks/priority.ipynb", "/tmp/evil.ipynb", "~/evil.ipynb",
                                      "evil.py", "priority.ipynb\n", "sub/priority.ipynb", "%2e%2e/x.ipynb"])
def test_a_plan_cannot_name_a_notebook_outside_the_projects_notebooks_folder(notebook, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(DEFAULT_ROOT / "params", root / "params")
    plan_file = root / "params" / "wiltshire" / "plan.yaml"
    import yaml

    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    plan["priorities"][0]["notebook"] = notebook
    plan_file.write_text(yaml.safe_dump(plan), encoding="utf-8")
    with pytest.raises(InputError, match="notebook"):
        load_plan(Paths(root), "wiltshire")


def test_notebooks_always_come_from_the_installed_project_not_the_data_root(tmp_path):
    """--root points at data/params/reports only; a notebooks/ folder planted there is never used."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "priority.ipynb").write_text("{}")
    assert Paths(tmp_path).notebooks == DEFAULT_ROOT / "notebooks"


def test_quarters_outside_the_range_of_the_data_are_not_built(tmp_path):
    from tests.conftest import make_root

    paths = make_root(tmp_path, start="2022-07", end="2023-05", national=False)
    sel = select(paths, ["wiltshire"], ["2022-Q2..2023-Q3", "2099-Q4"])
    assert sel.work == [("wiltshire", "2022-Q3"), ("wiltshire", "2022-Q4"), ("wiltshire", "2023-Q1")]
    refused = {q: detail for f, q, status, detail in sel.not_built if status == "failed"}
    assert sorted(refused) == ["2022-Q2", "2023-Q2", "2023-Q3", "2099-Q4"]
    assert all("outside the data" in d and "2022-07 to 2023-05" in d for d in refused.values())
