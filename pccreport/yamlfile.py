"""Reading analyst YAML safely and turning pydantic errors into Problems: shared by every stage that reads YAML."""

from __future__ import annotations

from pathlib import Path

import unicodedata

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import InputError, Problem
from .safefiles import MAX_YAML_BYTES, read_bounded


MAX_DEPTH = 64  # nesting of analyst YAML (the plan is under 10 deep); libyaml composes recursively in C and
# overflows the C stack (a segfault, not an exception) at some tens of thousands of levels


def _refusal(problem: str, mark) -> yaml.YAMLError:  # noqa: ANN001 - a PyYAML Mark
    return yaml.composer.ComposerError(None, None, problem, mark)


def _alias_refusal(event) -> yaml.YAMLError:  # noqa: ANN001 - a PyYAML event
    return _refusal(f"alias *{event.anchor} is not allowed in analyst YAML (write the value out in full)",
                    event.start_mark)


def _depth_refusal(mark) -> yaml.YAMLError:  # noqa: ANN001 - a PyYAML Mark
    return _refusal(f"nested more than {MAX_DEPTH} levels deep (analyst YAML needs a handful)", mark)


def _duplicate_refusal(key: object, mark) -> yaml.YAMLError:  # noqa: ANN001 - a PyYAML Mark
    return _refusal(f"key {str(key)[:80]!r} is given twice in the same mapping (the first would be silently "
                    "dropped): keep one", mark)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``, ``<<: *name``), nesting past MAX_DEPTH and repeated keys, so a
    document cannot expand past its own size, exhaust the stack or lose a value silently."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            raise _alias_refusal(self.peek_event())
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            if self._depth >= MAX_DEPTH:
                raise _depth_refusal(self.peek_event().start_mark)
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            # PyYAML's constructors raise these bare: int() of a 5,000-digit literal, a date that does not exist.
            raise yaml.constructor.ConstructorError(None, None, f"a value cannot be read: {exc}",
                                                    node.start_mark) from exc

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # ``<<: {…}`` (an inline merge, no alias): PyYAML folds it in below
            key = self.construct_object(key_node, deep=True)
            try:
                fresh = key not in seen
                seen.add(key)
            except TypeError:  # an unhashable key: PyYAML's own error follows
                continue
            if not fresh:
                raise _duplicate_refusal(key, key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


# libyaml's safe loader, where PyYAML was built with it: the same documents, parsed in C (a national run loads every
# force's plan to check its years; in pure Python that was 3 of an unchanged 43-force run's 8 seconds).
_C_LOADER = getattr(yaml, "CSafeLoader", None)


def _c_load(text: str) -> object:
    """Parse in C: aliases, nesting past MAX_DEPTH and repeated scalar keys refused from the event stream before
    anything is composed, then a safe load."""
    # One frame per open collection: [is a mapping, next event is a key, the scalar keys seen].
    stack: list[list] = []
    for event in yaml.parse(text, Loader=_C_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise _alias_refusal(event)
        top = stack[-1] if stack else None
        is_key = top is not None and top[0] and top[1]
        if top is not None and top[0] and not isinstance(event, yaml.MappingEndEvent):
            top[1] = not top[1]
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _depth_refusal(event.start_mark)
            stack.append([isinstance(event, yaml.MappingStartEvent), True, set()])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
        elif is_key and isinstance(event, yaml.ScalarEvent):
            # The same text twice is a repeat unless the two resolve to different values (1 and "1"): the Python
            # loader, which compares the constructed keys, decides, and gives the message.
            if event.value in top[2]:
                raise _duplicate_refusal(event.value, event.start_mark)
            top[2].add(event.value)
    return yaml.load(text, Loader=_C_LOADER)  # noqa: S506 - libyaml's SafeLoader


def safe_load(text: str) -> object:
    """``yaml.safe_load`` without aliases, deep nesting or repeated keys: the one way the package parses YAML text
    (raises yaml.YAMLError, for a value PyYAML cannot construct too)."""
    if _C_LOADER is not None:
        try:
            return _c_load(text)
        except yaml.YAMLError:
            pass  # refused: parsed again below, so every error reads as it always has (PyYAML's own messages)
        except (ValueError, OverflowError, RecursionError):
            pass  # a value the constructor cannot build (e.g. an integer of 5,000 digits): named below
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError as exc:  # not reached within MAX_DEPTH; kept so no input can raise past the loader
        raise yaml.composer.ComposerError(None, None, "nested too deeply", loader.get_mark()) from exc
    finally:
        loader.dispose()


def _bad_character(text: str) -> str | None:
    """The first character analyst text may not hold, described, or None: controls other than a line break or tab
    (invisible, or terminal commands), and the bidirectional overrides, embeddings and isolates, which make a
    reader see words in another order than the report holds them ("Trojan Source")."""
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if (cat == "Cc" and ch not in "\n\t") or (cat == "Cf" and unicodedata.bidirectional(ch) in _BIDI_CONTROLS):
            name = unicodedata.name(ch, "a control character")
            return f"U+{ord(ch):04X} ({name.lower()}) at character {i + 1}"
    return None


_BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "LRM", "RLM", "ALM"}


def _check_text(value: object) -> None:
    if isinstance(value, str):
        bad = _bad_character(value)
        if bad:
            raise ValueError(f"holds {bad}, which a report must not carry; delete it (it is often pasted in "
                             "unseen from another document)")
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            _check_text(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k)
            _check_text(v)


class AnalystModel(BaseModel):
    """Base of every schema of analyst YAML: no NaN or infinity (``.nan``, ``.inf`` are YAML floats), and no text
    holding a control or bidirectional-override character, whatever the field."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _printable_text(cls, value: object) -> object:
        _check_text(value)
        return value


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
