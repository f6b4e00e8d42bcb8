"""The report context computed once per build and handed to every notebook of it (a pickle in the build folder).

Without this every notebook of a force-quarter recomputed the whole plan's scorecard from data/processed/. The file
lives only in the unfinished build folder, is written and read by this package alone, and is removed before the
build is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any  # a notebook.ReportContext; not imported here: notebook.py imports this module


def context_key(force: str, quarter: str, project_root: str | None, built_at: str | None) -> dict:
    """What a stored context was computed for: the notebook's own parameters, with the root resolved."""
    from ..config import Paths

    return {"force": force, "quarter": quarter, "root": str(Paths.discover(project_root).root.resolve()),
            "built_at": built_at}


def context_path(folder: Path, key: dict, inputs: dict | None = None) -> Path:
    """``context-<hash>.pickle`` in ``folder``, the hash over the key and the build's input hashes (manifest.py)."""
    digest = hashlib.sha256(json.dumps([key, inputs or {}], sort_keys=True, default=str).encode()).hexdigest()
    return folder / f"context-{digest[:16]}.pickle"


def write_context(ctx: Any, path: Path, key: dict) -> Path:
    """Store ``ctx`` with its key, atomically (a notebook never reads half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"key": key, "context": ctx}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def read_context(path: str | os.PathLike, key: dict) -> Any | None:
    """The stored context if ``path`` holds one computed for ``key``; None if missing or for other parameters."""
    try:
        with open(path, "rb") as fh:
            doc = pickle.load(fh)  # noqa: S301 - a file this package wrote into its own unfinished build folder
    except FileNotFoundError:
        return None
    if not isinstance(doc, dict) or doc.get("key") != key:
        return None
    return doc["context"]
