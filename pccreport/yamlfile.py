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


# libyaml's safe loader, where PyYAML was built with it: the same documents, parsed in C (a national run loads every
# force's plan to check its years; in pure Python that was 3 of an unchanged 43-force run's 8 seconds).
_C_LOADER = getattr(yaml, "CSafeLoader", None)


def _c_load(text: str) -> object:
    """Parse in C: aliases refused from the event stream before anything is composed, then a safe load."""
    for event in yaml.parse(text, Loader=_C_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"alias *{event.anchor} is not allowed in analyst YAML (write the value out in full)",
                event.start_mark)
    return yaml.load(text, Loader=_C_LOADER)  # noqa: S506 - libyaml's SafeLoader


def safe_load(text: str) -> object:
    """``yaml.safe_load`` without aliases: the one way the package parses YAML text (raises yaml.YAMLError)."""
    if _C_LOADER is not None:
        try:
            return _c_load(text)
        except yaml.YAMLError:
            pass  # refused: parsed again below, so every error reads as it always has (PyYAML's own messages)
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
