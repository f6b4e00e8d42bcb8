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


def published(percent: float, base: int, design_factor: float = 1.0, z: float = Z95) -> Proportion:
    """A published survey estimate (e.g. a CSEW rolling-year percentage) with its 95% Wilson score interval.

    The estimate is taken as published (weighted, not recomputed from counts); the interval is Wilson's (1927) at
    that estimate with the effective sample size ``base / design_factor²`` (Kish's design effect, as the ONS
    "User guide to crime statistics" applies CSEW design factors to standard errors). ``k`` is the effective number
    answering positively, rounded, for display only.
    """
    if base <= 0:
        raise ValueError("a survey estimate needs its unweighted base (respondents > 0)")
    if not 0 <= percent <= 100:
        raise ValueError(f"a survey percentage is between 0 and 100, not {percent}")
    if design_factor < 1:
        raise ValueError(f"a design factor is 1 or more, not {design_factor}")
    n = base / design_factor ** 2
    p = percent / 100
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if p == 0 else max(0.0, centre - half)
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return Proportion(round(p * n), base, p, low, high)


def compare_estimates(p1: Proportion, p0: Proportion, design_factor: float = 1.0, alpha: float = 0.05) -> ProportionChange:
    """Two independent survey estimates compared by the pooled two-proportion z-test on their effective sample sizes.

    As ``compare`` (the same test), with each sample size divided by the squared design factor. The two estimates
    must come from independent samples: two rolling years that share interviews are not tested (the caller says so).
    """
    n1, n0 = p1.n / design_factor ** 2, p0.n / design_factor ** 2
    pooled = (p1.p * n1 + p0.p * n0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    margin = Z95 * math.sqrt(p1.p * (1 - p1.p) / n1 + p0.p * (1 - p0.p) / n0) * 100
    diff = (p1.p - p0.p) * 100
    if se == 0:
        return ProportionChange(diff, None, None, False, margin)
    zval = (p1.p - p0.p) / se
    pval = math.erfc(abs(zval) / math.sqrt(2))
    return ProportionChange(diff, zval, pval, pval < alpha, margin)
