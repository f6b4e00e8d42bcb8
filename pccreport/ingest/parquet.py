"""Reading processed Parquet back: one helper for every loader of data/processed/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


def read_parquets(paths: list[Path] | Path | str, empty: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Concatenate the Parquet file(s) that exist among ``paths``; ``empty()`` (the loader's typed empty frame) if none."""
    files = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    files = [f for f in files if f.exists()]
    if not files:
        return empty()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
