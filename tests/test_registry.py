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


def test_force_without_plan_is_refused():
    with pytest.raises(ParameterError, match="no plan file"):
        validate_force("kent", Paths.discover())
