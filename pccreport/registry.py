"""The force registry (params/forces.yaml) and validation of the ``force`` parameter."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from .config import Paths
from .errors import InputError, ParameterError, Problem
from .yamlfile import AnalystModel, load_yaml

_SLUG_RE = re.compile(r"^[a-z][a-z-]{1,40}$")


def is_slug(text: object) -> bool:
    """Whether ``text`` has the form of a force slug (lower-case letters and hyphens), whatever the registry holds."""
    return isinstance(text, str) and _SLUG_RE.fullmatch(text) is not None


class Force(AnalystModel):
    """One territorial police force area."""

    slug: str
    name: str
    ons_code: str
    ons_name: str
    police_uk_name: str
    ranked: bool = True
    peers: list[str] = []
    # Other names publishers print for this force area (ONS tables, Home Office open data), matched case-insensitively.
    ons_table_names: list[str] = []
    home_office_name: str = ""


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> dict[str, Force]:
    try:
        doc = load_yaml(path)  # bounded: params/forces.yaml under a root is analyst-supplied
        forces = [Force(**f) for f in doc["forces"]]
    except (OSError, KeyError, TypeError, yaml.YAMLError, ValidationError) as exc:
        raise InputError(path, [Problem("forces", str(exc))], "fix params/forces.yaml (see its header)") from exc
    return {f.slug: f for f in forces}


def load_registry(paths: Paths) -> dict[str, Force]:
    """All forces in the registry, keyed by slug."""
    path = paths.param_file("forces.yaml")
    return _load(path, path.stat().st_mtime)


def validate_force(slug: object, paths: Paths, require_plan: bool = True) -> Force:
    """Return the Force for ``slug`` or raise ParameterError listing the valid slugs."""
    registry = load_registry(paths)
    if not isinstance(slug, str) or not _SLUG_RE.fullmatch(slug) or slug not in registry:
        import difflib

        near = difflib.get_close_matches(str(slug)[:80].lower(), list(registry), n=1, cutoff=0.6)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ParameterError(
            f"force {str(slug)[:80]!r} is not a force in params/forces.yaml.{hint} "
            f"Valid forces: {', '.join(sorted(registry))}."
        )
    # Every force has the public-data default plan (params/default_plan.yaml) unless that file has been removed.
    if require_plan and not paths.param_file("default_plan.yaml").exists():
        with_plan = sorted(p.parent.name for p in paths.params.glob("*/plan.yaml"))
        if slug not in with_plan:
            raise ParameterError(
                f"force {slug!r} has no plan file params/{slug}/plan.yaml. Forces with a plan: {', '.join(with_plan)}."
            )
    return registry[slug]
