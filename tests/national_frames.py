"""Small national recorded-crime frames in the shape the ingest writes (issue 4), built in code for tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pccreport.registry import load_registry

TOTAL = "Total recorded crime (excluding fraud)"


def national_frame(paths, periods=("2022-03", "2023-03"), seed: int = 7, suppress: str | None = None) -> pd.DataFrame:
    """One row per force, period and offence group (a total and one subgroup); counts seeded, populations fixed."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (slug, f) in enumerate(sorted(load_registry(paths).items())):
        pop = 500_000 + 37_000 * i
        base = rng.uniform(50, 110)
        for j, period in enumerate(periods):
            total = round(pop * (base + 2 * j) / 1000)
            for group, count in ((TOTAL, total), ("Robbery", round(total * 0.01))):
                sup = slug == suppress
                rows.append({"period_end": period, "force": slug, "ons_code": f.ons_code, "offence_group": group,
                             "count": np.nan if sup else float(count), "suppressed": "disclosure" if sup else "",
                             "population": float(pop), "population_basis": "mid-2022", "ons_rate": np.nan,
                             "source": "test frame"})
    return pd.DataFrame(rows)
