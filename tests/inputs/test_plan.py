import shutil

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.inputs.plan import load_plan


def test_wiltshire_plan_loads_four_priorities():
    plan = load_plan(Paths.discover(), "wiltshire")
    assert [p.id for p in plan.priorities] == [1, 2, 3, 4]
    assert plan.priority(2).title == "Reduce violence and serious harm"
    assert all(m.direction in ("up", "down", "none") for m in plan.metrics())


def test_bad_plan_names_file_and_yaml_path(tmp_path):
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    plan = tmp_path / "params" / "wiltshire" / "plan.yaml"
    plan.write_text(plan.read_text().replace("direction: down", "direction: sideways", 1))
    with pytest.raises(InputError) as exc:
        load_plan(Paths(tmp_path), "wiltshire")
    msg = str(exc.value)
    assert "plan.yaml" in msg and "priorities.0.scorecards.0.metrics.0.direction" in msg and "sideways" in msg


def test_yaml_syntax_error_names_line(tmp_path):
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    (tmp_path / "params" / "wiltshire" / "plan.yaml").write_text("force: wiltshire\npriorities: [\n")
    with pytest.raises(InputError, match=r"line \d+"):
        load_plan(Paths(tmp_path), "wiltshire")


@pytest.mark.parametrize("field,old", [("rebase_at", '["2022-09"]'), ("range_from", '"2022-07"')])
@pytest.mark.parametrize("month", ["٢٠٢٢-09", "2022-09\\n", "1900-09", "2022-9"])
def test_plan_months_are_ascii_yyyy_mm_of_the_report_years(tmp_path, field, old, month):
    """A bare "\\d" and "$" took Arabic-Indic digits and a trailing newline; both now go through check_month."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    plan = tmp_path / "params" / "wiltshire" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    new = f'["{month}"]' if field == "rebase_at" else f'"{month}"'
    assert f"{field}: {old}" in text
    plan.write_text(text.replace(f"{field}: {old}", f"{field}: {new}"), encoding="utf-8")
    with pytest.raises(InputError, match=f"{field}.*must be a month written YYYY-MM"):
        load_plan(Paths(tmp_path), "wiltshire")
