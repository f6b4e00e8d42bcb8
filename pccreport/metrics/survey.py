"""Survey proportions: Wilson score intervals and the two-proportion z-test for change between surveys."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """A proportion k/n with its Wilson 95% interval."""

    k: int
    n: int
    p: float
    low: float
    high: float

    @property
    def margin(self) -> float:
        """Half-width of the interval in proportion units (the '±' figure)."""
        return (self.high - self.low) / 2


def wilson(k: int, n: int, z: float = Z95) -> Proportion:
    """Wilson score interval for k successes in n trials (Wilson 1927; Newcombe 1998, method 3)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one respondent (n > 0)")
    if not 0 <= k <= n:
        raise ValueError(f"successes must be between 0 and n ({k} of {n})")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding must not push it past the estimate.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Proportion(k, n, p, low, high)


@dataclass(frozen=True)
class ProportionChange:
    """Change between two survey proportions in percentage points, with a two-sided two-proportion z-test."""

    diff_pp: float
    z: float | None
    p_value: float | None
    significant: bool
    margin_pp: float


def compare(k1: int, n1: int, k0: int, n0: int, alpha: float = 0.05) -> ProportionChange:
    """Current k1/n1 against earlier k0/n0: pooled two-proportion z-test (normal approximation)."""
    p1, p0 = k1 / n1, k0 / n0
    pooled = (k1 + k0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    # The '±' a reader compares the change against: the 95% margin of the difference (unpooled).
    margin = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) * 100
    if se == 0:
        return ProportionChange((p1 - p0) * 100, None, None, False, margin)
    z = (p1 - p0) / se
    pval = math.erfc(abs(z) / math.sqrt(2))
    return ProportionChange((p1 - p0) * 100, z, pval, pval < alpha, margin)
