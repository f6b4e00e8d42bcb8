"""Reading analyst YAML safely and turning pydantic errors into Problems: shared by every stage that reads YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import InputError, Problem


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    """Turn a pydantic ValidationError into Problems whose field is the YAML path."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        out.append(Problem(loc, err["msg"], value=err.get("input") if not isinstance(err.get("input"), dict) else None))
    return out


def load_yaml(path: Path) -> object:
    """Safe-load a YAML file, turning syntax errors into an InputError naming the line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text: {exc}")], "save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise InputError(path, [Problem(where, str(getattr(exc, "problem", exc)))], "fix the YAML syntax") from exc
