"""Honest statistics for the claims the paper words: the seed (primary) is the unit of replication, p-values are exact
or by permutation where n is small, every test that chooses a wording is Holm-corrected over its family, "does not
change" needs an equivalence test.

Every test returns a record (a flat dict): `test`, `statistic`, `p`, `p_corrected` (None until `correct_family`),
`n` (independent units) and `unit` (what n counts), plus test-specific fields. `word_claim` turns a corrected record
into a sentence fragment, and words nothing as a finding unless the corrected p is below alpha.
A report-side module: no torch.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats

from symbiosis.errors import SymbiosisError

ALPHA = 0.05
EXACT_LIMIT = 200_000  # enumerate every permutation up to this many; beyond it, draw them at random
SIGN_FLIP_DRAWS = 100_000  # random sign patterns of a sign-flip test beyond EXACT_LIMIT


def _record(test: str, statistic: float, p: float, n: int, unit: str, **extra) -> dict:
    base = {"test": test, "statistic": float(statistic), "p": float(p), "p_corrected": None, "n": int(n), "unit": unit}
    return base | extra


def holm(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1), in the input order; NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order]) if m else np.array([])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def correct_family(records: list[dict]) -> list[dict]:
    """Copies of the records with `p_corrected` by Holm over the family (every test that chooses a wording)."""
    adjusted = holm([r["p"] for r in records])
    return [{**r, "p_corrected": float(q), "family_size": len(records)} for r, q in zip(records, adjusted, strict=True)]


def sign_flip_test(differences, unit: str = "seeds", n_resamples: int = SIGN_FLIP_DRAWS, seed: int = 0) -> dict:
    """Two-sided test that the mean of paired differences (one per independent unit) is 0, by flipping their signs:
    all 2^n flips when 2^n <= EXACT_LIMIT (the smallest p is then 2 / 2^n: 0.25 for n = 3)."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return _record("sign-flip permutation", np.nan, np.nan, 0, unit, exact=True, min_p=np.nan)
    exact = 2 ** len(d) <= EXACT_LIMIT
    result = stats.permutation_test(
        (d,),
        np.mean,
        permutation_type="samples",
        n_resamples=np.inf if exact else n_resamples,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    p = 1.0 if np.all(d == 0) else float(result.pvalue)
    return _record("sign-flip permutation", d.mean(), p, len(d), unit, exact=exact, min_p=min(1.0, 2 / 2 ** len(d)))


def _within_strata_permutations(strata: np.ndarray, n_resamples: int, rng) -> tuple[np.ndarray, bool]:
    """[P, n] index arrays that shuffle positions only within each stratum: all of them if few enough, else random."""
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    total = math.prod(math.factorial(len(g)) for g in groups)
    n = len(strata)
    if total <= EXACT_LIMIT:
        out = []
        for combo in itertools.product(*(itertools.permutations(g) for g in groups)):
            idx = np.arange(n)
            for g, perm in zip(groups, combo, strict=True):
                idx[g] = perm
            out.append(idx)
        return np.array(out), True
    idx = np.tile(np.arange(n), (n_resamples, 1))
    for g in groups:
        idx[:, g] = g[np.argsort(rng.random((n_resamples, len(g))), axis=1)]
    return idx, False


def _stratified_spearman(levels: np.ndarray, values: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Sum over strata of the within-stratum Spearman rho of levels [P, n] (rows: permutations) against values."""
    total = np.zeros(len(levels))
    for s in np.unique(strata):
        m = strata == s
        if m.sum() < 2:
            continue
        rx = stats.rankdata(levels[:, m], axis=1)
        ry = stats.rankdata(values[m])
        rx, ry = rx - rx.mean(1, keepdims=True), ry - ry.mean()
        denom = np.sqrt((rx**2).sum(1) * (ry**2).sum())
        total += np.divide((rx * ry).sum(1), denom, out=np.zeros(len(levels)), where=denom > 0)
    return total


def trend_test(
    levels, values, strata=None, unit: str = "primaries", alpha: float = ALPHA, n_resamples: int = 20_000, seed: int = 0
) -> dict:
    """Does `values` rise or fall with `levels` (e.g. sparsity), pooled over primaries?

    The statistic is the within-stratum Spearman rho (summed over strata, e.g. seeds shared across levels), the null
    permutes levels within strata only (exactly when there are few enough permutations). `resolvable` is False when
    even the most extreme ordering could not reach p < alpha (e.g. three points: p >= 1/3): no trend may then be worded.
    """
    x, y = np.asarray(levels, dtype=float), np.asarray(values, dtype=float)
    s = np.zeros(len(x)) if strata is None else np.asarray(strata)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y, s = x[keep], y[keep], s[keep]
    perms, exact = _within_strata_permutations(s, n_resamples, np.random.default_rng(seed))
    null = _stratified_spearman(x[perms], y, s)
    observed = float(_stratified_spearman(x[None], y, s)[0])
    n_strata = sum(int((s == v).sum()) > 1 for v in np.unique(s))  # strata of one point carry no ordering
    observed_rho = observed / max(n_strata, 1)  # the mean within-stratum rho, in [-1, 1]
    tol = 1e-12
    if exact:
        p = float(np.mean(np.abs(null) >= abs(observed) - tol))
        min_p = float(np.mean(np.abs(null) >= np.abs(null).max() - tol))
    else:
        p = float((1 + np.sum(np.abs(null) >= abs(observed) - tol)) / (1 + len(null)))
        min_p = 1 / (1 + len(null))
    if np.ptp(y) == 0 or np.ptp(x) == 0:
        p, observed_rho = 1.0, 0.0
    return _record(
        "Spearman within strata, permutation of levels",
        observed_rho,
        p,
        len(x),
        unit,
        exact=exact,
        min_p=min_p,
        resolvable=bool(min_p < alpha),
        strata=n_strata,
    )


def tost(differences, margin: float, unit: str = "seeds", alpha: float = ALPHA) -> dict:
    """Two one-sided t-tests that the mean of paired differences lies inside (-margin, margin): "equivalent" if both
    reject at alpha, else "inconclusive" (never "no difference" from a non-significant test)."""
    if margin <= 0:
        raise SymbiosisError(f"the equivalence margin must be positive, not {margin}")
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        p = np.nan
    elif np.ptp(d) == 0:
        p = 0.0 if abs(d[0]) < margin else 1.0
    else:
        p_low = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
        p_high = stats.ttest_1samp(d, margin, alternative="less").pvalue
        p = float(max(p_low, p_high))
    verdict = "equivalent" if p < alpha else "inconclusive"
    mean = d.mean() if len(d) else np.nan
    return _record("TOST (paired t)", mean, p, len(d), unit, margin=float(margin), verdict=verdict)


def word_claim(
    record: dict,
    positive: str,
    negative: str,
    null: str = "shows no significant difference (inconclusive)",
    alpha: float = ALPHA,
) -> str:
    """The wording a (corrected) test supports: `positive` or `negative` by the statistic's sign only when the Holm
    corrected p is below alpha (and a trend is resolvable), `null` otherwise. An equivalence record words
    "equivalent" or "inconclusive". An uncorrected record is an error: every worded claim is corrected."""
    if record.get("p_corrected") is None:
        raise SymbiosisError(f"the {record.get('test')} record has no corrected p: correct its family first")
    if "verdict" in record:
        return "equivalent" if record["p_corrected"] < alpha else "inconclusive"
    if not record.get("resolvable", True):
        return f"cannot be resolved from {record['n']} points"
    if record["p_corrected"] < alpha and record["statistic"] != 0:
        return positive if record["statistic"] > 0 else negative
    return null
