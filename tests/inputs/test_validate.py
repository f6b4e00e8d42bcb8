"""The input check: plan, catalogue, narrative and data problems for a force-quarter, named by file and path."""

import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.inputs.narrative import load_narrative, md_inline
from pccreport.inputs.plan import load_plan
from pccreport.inputs.sample import generate
from pccreport.inputs.validate import check_inputs


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    base = tmp_path_factory.mktemp("validate")
    shutil.copytree(DEFAULT_ROOT / "params", base / "params")
    generate(Paths(base), "wiltshire", "2022-01", "2023-03")
    return Paths(base)


@pytest.fixture()
def root(tmp_path, generated):
    """A fresh project root per test: its own params/ and KPI CSVs; the (read-only) street files are shared."""
    shutil.copytree(generated.params, tmp_path / "params")
    shutil.copytree(generated.raw / "kpis", tmp_path / "data" / "raw" / "kpis")
    (tmp_path / "data" / "raw" / "police_uk").symlink_to(generated.raw / "police_uk")
    return Paths(tmp_path)


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("force", ["wiltshire", "dorset"])
def test_shipped_plans_and_narratives_are_valid(force):
    paths = Paths.discover()
    plan = load_plan(paths, force)
    nar = load_narrative(paths, force, "2023-Q1")
    assert 3 <= len(plan.priorities) <= 6 and nar.supplied
    assert set(nar.priorities) == {p.id for p in plan.priorities}
    assert plan.covers(2023) is True


def test_the_two_sample_plans_differ_in_priorities_and_metrics():
    paths = Paths.discover()
    w, d = load_plan(paths, "wiltshire"), load_plan(paths, "dorset")
    assert {p.title for p in w.priorities}.isdisjoint({p.title for p in d.priorities})
    assert len(w.priorities) != len(d.priorities)
    assert {m.kpi for m in d.metrics() if m.kpi} - {m.kpi for m in w.metrics() if m.kpi}


def test_good_inputs_check_clean(root):
    res = check_inputs(root, "wiltshire", "2023-Q1")
    assert res.problems == [] and res.missing_kpis == []


@pytest.mark.parametrize("old, new, expected", [
    ("kpi: days_to_charge", "kpi: days_to_charg",
     "field 'priorities.0.scorecards.4.metrics.1.kpi': not in the KPI catalogue; known metrics:"),
    ("    area: Swindon\n    measure: value\n    unit: seconds", "    area: Swindon\n    measure: value\n    unit: days",
     "field 'priorities.0.scorecards.1.metrics.1.unit': the catalogue measures emergency_response_mean in 'seconds'"),
    ("kpi: rasso_outcome_rate\n            measure: proportion", "kpi: rasso_outcome_rate\n            measure: value",
     "field 'priorities.1.scorecards.1.metrics.1.measure': rasso_outcome_rate is a proportion KPI"),
    ("area: County", "area: Devizes", "field 'priorities.0.scorecards.2.metrics.0.area': must be one of"),
    ("peer_group: msg", "peer_group: [dorset, narnia]", "field 'priorities.0.scorecards.3.metrics.1.peer_group': "
                                                            "not a force slug in params/forces.yaml (got 'narnia')"),
    ("statements: [latest, year_on_year, control_chart]",
     "statements: [latest, year_on_year, control_chart, target]",
     "field 'priorities.0.scorecards.0.metrics.1': Value error, the 'target' statement needs a 'target', a "
     "'service_level' figure or a 'service_standard'"),
    ("direction: down", "directon: down", "field 'priorities.0.scorecards.0.metrics.0.directon': Extra inputs"),
    ("start_year: 2022", "start_year: 2026", "end_year 2025 is before start_year 2026"),
])
def test_plan_problems_name_the_yaml_path(root, old, new, expected):
    _edit(root.params / "wiltshire" / "plan.yaml", old.replace("    area: Swindon\n    measure", "            area: Swindon\n            measure").replace("\n    unit", "\n            unit"), new.replace("    area: Swindon\n    measure", "            area: Swindon\n            measure").replace("\n    unit", "\n            unit"))
    res = check_inputs(root, "wiltshire", "2023-Q1")
    text = "\n".join(res.problems)
    assert "plan.yaml" in text and expected in text


@pytest.mark.parametrize("old, new, expected", [
    ("progress: 40", "progress: 140", "field 'priorities.1.deliverables.0.progress': Input should be less than or equal to 100"),
    ("progress: 40", "progres: 40", "field 'priorities.1.deliverables.0.progres': Extra inputs are not permitted"),
    ("due: June 2023", "due: sometime", "field 'priorities.1.deliverables.1.due': Value error, must be a date"),
    ("  - Demand planning", "  - <script>alert('x')</script> Demand planning",
     "field 'priorities.1.risks.0': Value error, raw HTML is not allowed (found '<script>')"),
    ("  - Demand planning", "  - <img src=x onerror=alert(1)> Demand planning",
     "field 'priorities.1.risks.0': Value error, raw HTML is not allowed"),
    ("  - Demand planning", "  - See [the plan](javascript:alert(1)) Demand planning",
     "field 'priorities.1.risks.0': Value error, 'javascript:' links are not allowed"),
    ("  4:\n", "  7:\n", "field 'priorities.7': priority 7 is not in the plan; plan priorities are [1, 2, 3, 4]"),
    ("quarter: 2023-Q1", "quarter: 2023-Q2", "field 'force/quarter': file says wiltshire 2023-Q2, expected wiltshire 2023-Q1"),
])
def test_narrative_problems_name_the_yaml_path(root, old, new, expected):
    _edit(root.params / "wiltshire" / "2023-Q1.yaml", old, new)
    text = "\n".join(check_inputs(root, "wiltshire", "2023-Q1").problems)
    assert "2023-Q1.yaml" in text and expected in text


def test_every_narrative_problem_is_listed_at_once(root):
    path = root.params / "wiltshire" / "2023-Q1.yaml"
    _edit(path, "progress: 40", "progress: -5")
    _edit(path, "  - Demand planning", "  - <b>Demand</b> planning")
    with pytest.raises(InputError) as exc:
        load_narrative(root, "wiltshire", "2023-Q1")
    msg = str(exc.value)
    assert "2 problem(s)" in msg and "priorities.1.deliverables.0.progress" in msg and "priorities.1.risks.0" in msg


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", '<a href="x" onclick="alert(1)">x</a>', "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "<svg onload=alert(1)>", "[x](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_rendering_never_emits_script_even_if_validation_were_bypassed(text):
    tags = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collect().feed(md_inline(text))
    for tag, attrs in tags:  # escaped text may mention "onload", but no real element may carry it
        assert tag in {"p", "em", "strong", "code", "a", "ul", "ol", "li", "br"}
        assert not any(k.startswith("on") for k in attrs)
        assert not attrs.get("href", "https:").lower().startswith(("javascript", "data", "vbscript"))


def test_kpi_problems_and_cross_file_duplicates_are_listed(root):
    src = root.kpi_raw("wiltshire")
    header = (src / "kpis.csv").read_text().splitlines()[0]
    (src / "extra.csv").write_text(header + "\nwiltshire,complaints,force,2023-03,100,,,count\n"
                                   "wiltshire,crime_stats,force,2023-03,1,,,count\n")
    (src / "more.csv").write_text(header + "\nwiltshire,complaints,force,2023-03,100,,,count\n")
    text = "\n".join(check_inputs(root, "wiltshire", "2023-Q1").problems)
    assert "extra.csv: 1 problem(s)" in text and "row 2 (line 3), field 'metric': not in the KPI catalogue" in text
    assert "appears in more than one file: ['kpis.csv', 'more.csv']" in text and "complaints force 2023-03" in text


def test_missing_kpi_is_a_note_not_a_failure(root):
    path = root.kpi_raw("wiltshire") / "kpis.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(ln for ln in lines if ",complaints," not in ln) + "\n")
    res = check_inputs(root, "wiltshire", "2023-Q1")
    assert res.problems == [] and res.missing_kpis == ["complaints (kpi 'complaints', area 'force')"]


def test_check_command_lists_problems_and_writes_nothing(root):
    _edit(root.params / "wiltshire" / "2023-Q1.yaml", "progress: 40", "progress: 140")
    proc = subprocess.run([sys.executable, "-m", "pccreport.inputs.validate", "--force", "wiltshire", "--quarter", "2023-Q1",
                           "--root", str(root.root)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "wiltshire 2023-Q1: 1 problem(s)" in proc.stdout and "progress" in proc.stdout
    assert not root.processed.exists() and not root.reports.exists()
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--check", "--force", "wiltshire",
                           "--quarter", "2023-Q1", "--root", str(root.root)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "progress" in proc.stdout
    assert not root.processed.exists() and not root.reports.exists()


def test_empty_and_wrongly_encoded_yaml_are_named(root):
    nar = root.params / "wiltshire" / "2023-Q1.yaml"
    nar.write_bytes(nar.read_text(encoding="utf-8").replace("Demand planning", "£2m demand planning").encode("cp1252"))
    (root.params / "wiltshire" / "plan.yaml").write_text("# nothing yet\n")
    text = "\n".join(check_inputs(root, "wiltshire", "2023-Q1").problems)
    assert "2023-Q1.yaml: 1 problem(s)" in text and "field '(file)': not UTF-8 text" in text
    assert "plan.yaml: 1 problem(s)" in text and "field '(file)': the file is empty" in text


def test_missing_narrative_is_not_a_problem(root):
    (root.params / "wiltshire" / "2023-Q1.yaml").unlink()
    assert check_inputs(root, "wiltshire", "2023-Q1").problems == []


def test_data_window_refuses_quarters_outside_the_data_or_plan_and_warns_on_every_missing_month():
    from pccreport.inputs.plan import load_plan
    from pccreport.inputs.validate import data_window
    from pccreport.periods import Quarter

    # As the real Wiltshire files: 2024-01..2024-04 and 2025-01..2025-12.
    months = {f"2024-{m:02d}" for m in range(1, 5)} | {f"2025-{m:02d}" for m in range(1, 13)}
    probs, warns = data_window(months, Quarter.parse("2025-Q1"), None)
    assert probs == [] and len(warns) == 1
    assert all(f"{m}-24" in warns[0] for m in ("May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
    probs, _ = data_window(months, Quarter.parse("2026-Q1"), None)
    assert "outside the data" in probs[0] and "2024-01 to 2025-12" in probs[0]
    gappy = months - {"2025-05", "2025-06"}
    _, warns = data_window(gappy, Quarter.parse("2025-Q2"), None)
    assert "quarter itself: May-25, Jun-25" in warns[0]
    plan = load_plan(Paths.discover(), "wiltshire")  # the sample plan: 2022-2025
    sample_months = {f"{y}-{m:02d}" for y in range(2021, 2027) for m in range(1, 13)}
    probs, _ = data_window(sample_months, Quarter.parse("2026-Q1"), plan)
    assert "outside the plan's years 2022-2025" in probs[0]
