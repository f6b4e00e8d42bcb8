import pytest

from pccreport.config import Paths
from pccreport.errors import ParameterError
from pccreport.registry import load_registry, validate_force


def test_registry_has_43_territorial_forces_with_ons_codes():
    reg = load_registry(Paths.discover())
    assert len(reg) == 43
    assert all(f.ons_code[:3] in ("E23", "W15") for f in reg.values())
    assert sum(f.ons_code.startswith("W15") for f in reg.values()) == 4
    assert [s for s, f in reg.items() if not f.ranked] == ["city-of-london"]
    assert reg["wiltshire"].police_uk_name == "Wiltshire Police"


@pytest.mark.parametrize("bad", ["narnia", "../wiltshire", "wiltshire/..", "/etc/passwd", "wilts%2e%2e", "WILTSHIRE",
                                 "wiltshire;rm -rf /", "w" * 500, "wiltshіre", "", None])
def test_bad_force_is_refused_listing_valid_forces(bad):
    with pytest.raises(ParameterError) as exc:
        validate_force(bad, Paths.discover())
    assert "wiltshire" in str(exc.value)


def test_force_without_plan_gets_the_public_data_default_plan():
    from pccreport.inputs.plan import load_plan, uses_default_plan

    paths = Paths.discover()
    assert validate_force("kent", paths).slug == "kent"
    plan = load_plan(paths, "kent")
    assert plan.force == "kent" and uses_default_plan(paths, "kent") and not uses_default_plan(paths, "wiltshire")
    assert {m.source for m in plan.metrics()} == {"police_uk", "ons"}  # public data only: no force KPI needed
