"""Reading analyst YAML safely and turning pydantic errors into Problems: shared by every stage that reads YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import InputError, Problem
from .safefiles import MAX_YAML_BYTES, read_bounded


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``, ``<<: *name``), so a document cannot expand past its own size."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"alias *{event.anchor} is not allowed in analyst YAML (write the value out in full)",
                event.start_mark)
        return super().compose_node(parent, index)


def safe_load(text: str) -> object:
    """``yaml.safe_load`` without aliases: the one way the package parses YAML text (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    """Turn a pydantic ValidationError into Problems whose field is the YAML path."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        out.append(Problem(loc, err["msg"], value=err.get("input") if not isinstance(err.get("input"), dict) else None))
    return out


def load_yaml(path: Path) -> object:
    """Safe-load a YAML file (regular, at most 2 MB, no aliases), turning errors into an InputError naming the line."""
    raw = read_bounded(path, limit=MAX_YAML_BYTES)
    try:
        return safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text: {exc}")], "save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise InputError(path, [Problem(where, str(getattr(exc, "problem", exc)))], "fix the YAML syntax") from exc
