from pccreport.config import Paths
from pccreport.inputs.plan import load_plan, uses_default_plan
from pccreport.inputs.starter_plan import main


def test_starter_plan_is_written_under_the_root_loads_and_is_not_overwritten(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "--force", "city-of-london"]) == 0
    path = tmp_path / "params" / "city-of-london" / "plan.yaml"
    text = path.read_text()
    assert text.startswith("#") and "force: city-of-london" in text and "#         - id: calls_999_answer" in text
    paths = Paths(tmp_path)
    assert not uses_default_plan(paths, "city-of-london")
    plan = load_plan(paths, "city-of-london")
    assert plan.force == "city-of-london" and len(plan.priorities) == 3
    assert main(["--root", str(tmp_path), "--force", "city-of-london"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--root", str(tmp_path), "--force", "narnia"]) == 2
