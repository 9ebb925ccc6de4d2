"""Small-sample statistics for comparing shares between groups of coverage.

Pure functions, used by :mod:`framing.analysis.groups` (compare) and checked by simulation
(``tests/analysis/test_statistics.py``, ``make bench-stats``):

- :func:`wilson_interval`: the score interval for a binomial share (Wilson 1927).
- :func:`cluster_share_interval`: the same for a ratio of counts over clusters
  (passages within articles), through an effective sample size from the design
  effect and a t quantile on ``clusters - 1`` degrees of freedom (Korn and
  Graubard 1998).
- :func:`newcombe_interval`: an interval for a difference of two shares from the
  two single-share intervals, Newcombe's (1998) hybrid score method (method 10);
  with clustered single-share limits this is Zou and Donner's (2004) extension.
- :func:`midp_test`: the two-sided mid-p exact conditional test of two shares
  (Lancaster 1961), the difference in shares ordering the tables.
- :func:`studentized_permutation_test`: a permutation test over clusters of the
  difference divided by its cluster-robust standard error (Janssen 1997; Chung
  and Romano 2013), valid when the groups' articles differ in length.
- :func:`log_odds_z` and :func:`max_z_threshold`: the weighted log-odds z-scores
  of Monroe, Colaresi and Quinn (2008) and a mark for them calibrated by the
  maximum |z| over permutations of whole articles between the sides (Westfall
  and Young 1993), so that any mark in a null list appears at most
  ``1 - level`` of the time.

Every random draw comes from an explicit ``random_state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from scipy import stats as sps

__all__ = [
    "cluster_share_interval",
    "log_odds_z",
    "max_z_threshold",
    "midp_test",
    "newcombe_interval",
    "studentized_permutation_test",
    "unconditional_test",
    "wilson_interval",
]

# Permutation rows built at once, times the clusters (or words): bounds memory to a few tens of MB.
_CHUNK_CELLS = 2_000_000


def _quantile(level: float, df: float | None = None) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    tail = 1.0 - (1.0 - level) / 2.0
    return float(sps.norm.ppf(tail) if df is None else sps.t.ppf(tail, df))


def wilson_interval(
    *, successes: Any, n: Any, level: float = 0.95, z: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a binomial share (Wilson 1927).

    Holds its level far better than the normal (Wald) or percentile-bootstrap
    intervals at small ``n`` and near 0 or 1, and is never degenerate: with no
    successes the upper bound is ``z**2 / (n + z**2)``, not 0.

    Parameters
    ----------
    successes, n : array_like
        Counts (may be fractional, for an effective sample size) and totals; ``n > 0``.
    level : float, default=0.95
        Confidence level.
    z : float, optional
        The critical value to use instead of the normal quantile of ``level``
        (a t quantile, for clustered data).

    Returns
    -------
    low, high : ndarray
        The bounds, in [0, 1].

    Examples
    --------
    >>> low, high = wilson_interval(successes=0, n=10)
    >>> float(low), round(float(high), 4)
    (0.0, 0.2775)
    >>> [round(float(b), 4) for b in wilson_interval(successes=3, n=10)]
    [0.1078, 0.6032]
    """
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(m <= 0):
        raise ValueError("n must be positive")
    if np.any(x < 0) or np.any(x > m):
        raise ValueError("successes must be between 0 and n")
    crit = _quantile(level) if z is None else float(z)
    p = x / m
    z2 = crit * crit
    centre = (p + z2 / (2 * m)) / (1 + z2 / m)
    half = crit * np.sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / (1 + z2 / m)
    low = np.where(x <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x >= m, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.asarray(low), np.asarray(high)


def cluster_share_interval(
    *, counts: np.ndarray, sizes: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wilson interval for a share pooled over clusters (passages of articles).

    The share is ``sum(counts) / sum(sizes)`` (a ratio estimator). Its variance is
    estimated with clusters as the units (the linearised ratio variance); the
    design effect ``deff`` is that variance over the binomial one, at least 1.
    Wilson's interval is then taken on the effective sample ``sum(sizes) / deff``
    with a t quantile on ``clusters - 1`` degrees of freedom in place of the normal
    one (Korn and Graubard 1998). When the share is 0 or 1 the data say nothing
    about clustering, and every cluster is taken as one observation (``deff`` is
    the mean cluster size), the cautious choice.

    Parameters
    ----------
    counts : ndarray of shape (clusters, frames) or (clusters,)
        Units carrying the frame in each cluster.
    sizes : ndarray of shape (clusters,)
        Units in each cluster (all positive).
    level : float, default=0.95

    Returns
    -------
    share, low, high, n_eff : ndarray
        One value per frame (0-d for 1-D ``counts``); ``n_eff`` is
        the effective number of units.

    Examples
    --------
    >>> import numpy as np
    >>> K = np.array([3, 0, 0, 2, 1, 0, 4, 0, 0, 1.0])
    >>> N = np.array([4, 3, 5, 2, 6, 2, 4, 3, 5, 6.0])
    >>> share, low, high, n_eff = cluster_share_interval(counts=K, sizes=N)
    >>> round(float(share), 3), round(float(low), 3), round(float(high), 3), round(float(n_eff), 1)
    (0.275, 0.097, 0.573, 14.1)
    """
    K = np.asarray(counts, dtype=float)
    N = np.asarray(sizes, dtype=float)
    one = K.ndim == 1
    if one:
        K = K[:, None]
    m = K.shape[0]
    if m == 0 or N.shape[0] != m or np.any(N <= 0):
        raise ValueError("need at least one cluster, and a positive size for each")
    total = N.sum()
    share = K.sum(axis=0) / total
    if m > 1:
        resid = K - share[None, :] * N[:, None]
        var_ratio = m / (m - 1) * (resid**2).sum(axis=0) / total**2
        crit = _quantile(level, df=m - 1)
    else:
        var_ratio = np.zeros_like(share)
        crit = _quantile(level)
    var_binom = share * (1 - share) / total
    inner = (share > 0) & (share < 1)
    deff = np.where(inner, np.maximum(1.0, var_ratio / np.where(inner, var_binom, 1.0)), max(1.0, total / m))
    n_eff = total / deff
    low, high = wilson_interval(successes=share * n_eff, n=n_eff, z=crit)
    if one:
        return share[0], low[0], high[0], n_eff[0]
    return share, low, high, n_eff


def newcombe_interval(
    *, share_a: Any, low_a: Any, high_a: Any, share_b: Any, low_b: Any, high_b: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for ``share_a - share_b`` from each share's own interval (Newcombe 1998).

    Newcombe's hybrid score interval (his method 10) combines the two Wilson
    intervals: ``low = d - sqrt((a - low_a)**2 + (high_b - b)**2)`` and ``high =
    d + sqrt((high_a - a)**2 + (b - low_b)**2)``. Given clustered single-share
    limits (:func:`cluster_share_interval`) it is Zou and Donner's (2004)
    interval for clustered data. The two samples must be independent.

    Examples
    --------
    >>> la, ha = wilson_interval(successes=56, n=70)
    >>> lb, hb = wilson_interval(successes=48, n=80)
    >>> low, high = newcombe_interval(share_a=0.8, low_a=la, high_a=ha, share_b=0.6, low_b=lb, high_b=hb)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    a, b = np.asarray(share_a, dtype=float), np.asarray(share_b, dtype=float)
    d = a - b
    low = d - np.sqrt((a - np.asarray(low_a)) ** 2 + (np.asarray(high_b) - b) ** 2)
    high = d + np.sqrt((np.asarray(high_a) - a) ** 2 + (b - np.asarray(low_b)) ** 2)
    return np.asarray(np.maximum(low, -1.0)), np.asarray(np.minimum(high, 1.0))


def _log_pmf_hypergeom(x: np.ndarray, total: int, n_a: int, n_b: int) -> np.ndarray:
    from scipy.special import gammaln

    def log_choose(a: Any, b: Any) -> np.ndarray:
        return np.asarray(gammaln(np.add(a, 1)) - gammaln(np.add(b, 1)) - gammaln(np.subtract(a, b) + 1))

    return log_choose(n_a, x) + log_choose(n_b, total - x) - log_choose(n_a + n_b, total)


def midp_test(*, x_a: Any, n_a: int, x_b: Any, n_b: int) -> np.ndarray:
    """Two-sided mid-p exact conditional test that two binomial shares are equal.

    Given the total number of carriers, the count on side ``a`` is hypergeometric
    under the null. Tables are ordered by the absolute difference in shares
    ``|x_a/n_a - x_b/n_b|``; the mid-p value counts the tables further out in full
    and those exactly as far out by half (Lancaster 1961; Hirji 2006, ch. 2). It
    removes most of the conservatism of Fisher's exact test, whose size falls to
    1% or less with ten articles a side, while its size stays at or near the
    nominal level (``docs/benchmarks.md`` gives the exact size over a grid).

    Parameters
    ----------
    x_a, x_b : array_like of int
        Carriers on each side, one per frame.
    n_a, n_b : int
        Units on each side (at least 1 each).

    Returns
    -------
    ndarray
        The p-values, in (0, 1].

    Examples
    --------
    >>> round(float(midp_test(x_a=[7], n_a=10, x_b=[2], n_b=10)[0]), 4)
    0.0376
    >>> float(midp_test(x_a=[0], n_a=10, x_b=[0], n_b=10)[0])
    1.0
    """
    xa = np.atleast_1d(np.asarray(x_a, dtype=int))
    xb = np.atleast_1d(np.asarray(x_b, dtype=int))
    if n_a < 1 or n_b < 1:
        raise ValueError("each side needs at least one unit")
    out = np.ones(xa.shape[0])
    for j in range(xa.shape[0]):
        total = int(xa[j] + xb[j])
        x = np.arange(max(0, total - n_b), min(n_a, total) + 1)
        diff = np.abs(x / n_a - (total - x) / n_b)
        observed = abs(xa[j] / n_a - xb[j] / n_b)
        pmf = np.exp(_log_pmf_hypergeom(x, total, n_a, n_b))
        # Ties up to rounding are ties: the same difference reached from both tails.
        tie = np.abs(diff - observed) <= 1e-12
        beyond = diff > observed + 1e-12
        if x.size == 1:  # one possible table (no carriers, or all): nothing to test
            continue
        out[j] = min(1.0, float(pmf[beyond].sum() + 0.5 * pmf[tie].sum()))
    return out


# Nuisance shares over which the unconditional p-value is maximised: dense near 0, where the
# tail probabilities change fastest; the distribution of |Z| at 1 - pi is that at pi.
_NUISANCE = np.unique(np.concatenate([np.geomspace(1e-4, 0.05, 40), np.linspace(0.05, 0.5, 91)]))
# Above this many tables the exact sum is slow, and the normal approximation is exact to
# a few thousandths: about 1,400 units a side.
UNCONDITIONAL_MAX_TABLES = 2_000_000


def _pooled_z(xa: Any, n_a: int, xb: Any, n_b: int) -> np.ndarray:
    xa, xb = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)
    pooled = (xa + xb) / (n_a + n_b)
    var = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    d = xa / n_a - xb / n_b
    return np.asarray(np.abs(np.where(var > 0, d / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)))


def unconditional_test(*, x_a: Any, n_a: int, x_b: Any, n_b: int, all_tables: bool = False) -> np.ndarray:
    """Two-sided exact unconditional test that two binomial shares are equal (Suissa and Shuster 1985).

    The statistic is the pooled z, ``|x_a/n_a - x_b/n_b| / sqrt(s (1 - s) (1/n_a +
    1/n_b))`` with ``s`` the pooled share (0 when ``s`` is 0 or 1). Its p-value is the
    largest, over the unknown common share ``pi``, of the probability under two
    independent binomials of a table at least as extreme: Barnard's (1947) approach
    with the pooled z ordering, as in :func:`scipy.stats.barnard_exact`. Because
    the p-value is maximised over the nuisance share, the test's size is at most
    the nominal level at every ``pi`` (up to the grid of 131 values of ``pi``
    searched); unlike Fisher's exact test it does not condition on the total, which
    is what makes Fisher's test so conservative with few articles. Above
    :data:`UNCONDITIONAL_MAX_TABLES` tables (about 1,400 units a side) the normal
    approximation to the pooled z is used, accurate there to a few thousandths.

    Parameters
    ----------
    x_a, x_b : array_like of int
        Carriers on each side, one per frame.
    n_a, n_b : int
        Units on each side (at least 1 each).
    all_tables : bool, default=False
        Ignore ``x_a`` and ``x_b`` and return the p-value of every table, shape
        ``(n_a + 1, n_b + 1)`` (for computing the test's exact size).

    Examples
    --------
    >>> round(float(unconditional_test(x_a=[7], n_a=10, x_b=[2], n_b=10)[0]), 4)
    0.0414
    >>> float(unconditional_test(x_a=[0], n_a=10, x_b=[0], n_b=10)[0])
    1.0
    """
    if n_a < 1 or n_b < 1:
        raise ValueError("each side needs at least one unit")
    xa = np.atleast_1d(np.asarray(x_a, dtype=int))
    xb = np.atleast_1d(np.asarray(x_b, dtype=int))
    if (n_a + 1) * (n_b + 1) > UNCONDITIONAL_MAX_TABLES and not all_tables:
        z = _pooled_z(xa, n_a, xb, n_b)
        return np.asarray(np.minimum(1.0, 2 * sps.norm.sf(z)))
    Z = _pooled_z(np.arange(n_a + 1)[:, None], n_a, np.arange(n_b + 1)[None, :], n_b).ravel()
    order = np.argsort(-Z, kind="stable")
    sorted_z = Z[order]
    # Ties up to rounding are ties: a table is as extreme when its z is within 1e-9.
    if all_tables:
        target = Z
    else:
        target = _pooled_z(xa, n_a, xb, n_b)
    # How many tables are at least as extreme as each target (sorted_z is descending).
    count = np.searchsorted(-sorted_z, -(target - 1e-9), side="right")
    best = np.zeros(target.shape)
    pmf_a = sps.binom.pmf(np.arange(n_a + 1)[:, None], n_a, _NUISANCE[None, :])
    pmf_b = sps.binom.pmf(np.arange(n_b + 1)[:, None], n_b, _NUISANCE[None, :])
    for i in range(_NUISANCE.size):
        prob = np.outer(pmf_a[:, i], pmf_b[:, i]).ravel()[order]
        tail = np.concatenate([[0.0], np.cumsum(prob)])[count]
        np.maximum(best, tail, out=best)
    best = np.minimum(best, 1.0)
    return best.reshape(n_a + 1, n_b + 1) if all_tables else best


def _robust_t(sk: np.ndarray, sn: np.ndarray, sq: np.ndarray, sqn: np.ndarray, snn: np.ndarray,
              tk: np.ndarray, tn: float, tq: np.ndarray, tqn: np.ndarray, tnn: float,
              m: int, n: int) -> np.ndarray:
    """Studentized difference of ratio shares from per-side sums of K, N, K^2, KN, N^2."""
    ok, on = tk - sk, tn - sn
    oq, oqn, onn = tq - sq, tqn - sqn, tnn - snn
    pa = sk / sn[:, None]
    pb = ok / on[:, None]
    # Sum over clusters of (K - p N)^2 = sum K^2 - 2 p sum KN + p^2 sum N^2.
    ra = sq - 2 * pa * sqn + pa**2 * snn[:, None]
    rb = oq - 2 * pb * oqn + pb**2 * onn[:, None]
    va = m / max(m - 1, 1) * np.maximum(ra, 0) / sn[:, None] ** 2
    vb = (n - m) / max(n - m - 1, 1) * np.maximum(rb, 0) / on[:, None] ** 2
    se = np.sqrt(va + vb)
    d = pa - pb
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, d / np.where(se > 0, se, 1.0), np.where(np.abs(d) > 1e-12, np.inf, 0.0))
    return np.asarray(np.abs(t))


def studentized_permutation_test(
    *, counts: np.ndarray, sizes: np.ndarray, member: np.ndarray, n_perm: int, random_state: Any
) -> np.ndarray:
    """Two-sided Monte Carlo permutation p-values over clusters, studentized.

    The statistic is the difference between the members' and the others' pooled
    shares (``sum K / sum N``) divided by its cluster-robust standard error (each
    side's linearised ratio variance). Cluster labels are permuted between the
    sides; p = (1 + permutations at least as extreme) / (1 + ``n_perm``). A raw
    difference is not pivotal when the sides' clusters differ in size or spread,
    and its permutation test can then reject a true null too often or too
    rarely; the studentized one keeps its level asymptotically even then (Janssen
    1997; Chung and Romano 2013) and exactly when the clusters are exchangeable.

    Parameters
    ----------
    counts : ndarray of shape (clusters, frames)
    sizes : ndarray of shape (clusters,)
    member : ndarray of bool, shape (clusters,)
        The clusters of the first side; both sides need at least one.
    n_perm : int
        Random permutations.
    random_state : int or numpy.random.Generator

    Examples
    --------
    >>> import numpy as np
    >>> K = np.array([[2.0], [3.0], [1.0], [0.0], [0.0], [1.0]])
    >>> N = np.array([3.0, 4.0, 2.0, 3.0, 2.0, 4.0])
    >>> p = studentized_permutation_test(counts=K, sizes=N, member=np.arange(6) < 3, n_perm=999, random_state=0)
    >>> 0.05 < float(p[0]) < 0.2
    True
    """
    rng = np.random.default_rng(random_state)
    K = np.asarray(counts, dtype=float)
    N = np.asarray(sizes, dtype=float)
    member = np.asarray(member, dtype=bool)
    n, m = len(member), int(member.sum())
    if m == 0 or m == n:
        raise ValueError("both sides need at least one cluster")
    cols = [K, N[:, None], K * K, K * N[:, None], (N * N)[:, None]]
    data = np.hstack(cols)
    f = K.shape[1]
    tot = data.sum(axis=0)

    def t_of(sums: np.ndarray) -> np.ndarray:
        return _robust_t(
            sums[:, :f], sums[:, f], sums[:, f + 1 : 2 * f + 1], sums[:, 2 * f + 1 : 3 * f + 1], sums[:, -1],
            tot[:f], float(tot[f]), tot[f + 1 : 2 * f + 1], tot[2 * f + 1 : 3 * f + 1], float(tot[-1]), m, n,
        )

    observed = t_of(data[member].sum(axis=0)[None, :])[0]
    bound = observed * (1 - 1e-9) - 1e-12
    extreme = np.zeros(f)
    step = max(1, _CHUNK_CELLS // max(n, 1))
    done = 0
    while done < n_perm:
        size = min(step, n_perm - done)
        keys = rng.random((size, n))
        chosen = np.argpartition(keys, m - 1, axis=1)[:, :m]
        W = np.zeros((size, n))
        np.put_along_axis(W, chosen, 1.0, axis=1)
        stat = t_of(W @ data)
        extreme += (stat >= bound).sum(axis=0)
        done += size
    return np.asarray((1.0 + extreme) / (1.0 + n_perm))


def log_odds_z(a: np.ndarray, b: np.ndarray, *, prior: np.ndarray) -> np.ndarray:
    """Monroe, Colaresi and Quinn's (2008) weighted log-odds z-scores, rows of counts at once.

    ``a`` and ``b`` are word counts on each side (one row per draw, or 1-D);
    ``prior`` the Dirichlet pseudo-counts per word. Returns z with the shape of ``a``
    (positive: words of ``a``).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([20.0, 50, 1]), np.array([1.0, 50, 20])
    >>> prior = 10 * (a + b) / (a + b).sum()
    >>> np.round(log_odds_z(a, b, prior=prior), 1).tolist()
    [3.6, 0.0, -3.6]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    alpha = np.asarray(prior, dtype=float)
    alpha0 = alpha.sum()
    n_a = a.sum(axis=-1, keepdims=True)
    n_b = b.sum(axis=-1, keepdims=True)
    rest_a = np.maximum(n_a + alpha0 - a - alpha, 1e-12)
    rest_b = np.maximum(n_b + alpha0 - b - alpha, 1e-12)
    delta = np.log((a + alpha) / rest_a) - np.log((b + alpha) / rest_b)
    return np.asarray(delta / np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha)))


def max_z_threshold(
    *,
    counts: Any,
    member: Sequence[bool] | np.ndarray,
    prior_weight: float,
    n_perm: int = 1000,
    level: float = 0.95,
    random_state: Any = 0,
) -> float:
    """The |z| a word needs to be marked, calibrated over permutations of whole articles.

    ``counts`` holds each article's word counts (rows: articles, columns: words)
    on either side; ``member`` says which articles are on the first side. The
    articles are relabelled at random ``n_perm`` times (each keeps all its words,
    so bursty words stay bursty), and for each relabelling the largest |z| over
    all words is kept. The threshold is the ``level`` quantile of those maxima
    (the ``ceil((n_perm + 1) * level)``-th smallest): under the null that the
    articles are exchangeable between the sides, a list shows any marked word
    with probability at most ``1 - level`` (the max-T method of Westfall and Young
    1993, applied to the log-odds z of Monroe, Colaresi and Quinn 2008). Returns
    ``inf`` when there are too few arrangements to reach the level.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(40, 30))
    >>> t = max_z_threshold(counts=X, member=np.arange(40) < 20, prior_weight=100.0, n_perm=200, random_state=1)
    >>> 2.5 < t < 4.5
    True
    """
    rng = np.random.default_rng(random_state)
    X = sparse.csr_matrix(counts, dtype=float) if not sparse.issparse(counts) else sparse.csr_matrix(counts)
    member = np.asarray(member, dtype=bool)
    n, m = len(member), int(member.sum())
    if m == 0 or m == n or X.shape[1] == 0:
        return float("inf")
    from math import comb

    if comb(n, m) * (1 - level) < 1:
        return float("inf")
    total = np.asarray(X.sum(axis=0)).ravel()
    if np.any(total == 0):  # words no article has carry no information
        X = X[:, np.flatnonzero(total)]
        total = total[total > 0]
    prior = prior_weight * total / max(total.sum(), 1e-12)
    maxima = np.empty(n_perm)
    step = max(1, _CHUNK_CELLS // max(X.shape[1], n, 1))
    done = 0
    XT = X.T.tocsr()
    while done < n_perm:
        size = min(step, n_perm - done)
        keys = rng.random((size, n))
        chosen = np.argpartition(keys, m - 1, axis=1)[:, :m]
        W = np.zeros((size, n))
        np.put_along_axis(W, chosen, 1.0, axis=1)
        a = np.asarray((XT @ W.T).T)
        z = log_odds_z(a, total[None, :] - a, prior=prior)
        maxima[done : done + size] = np.abs(z).max(axis=1)
        done += size
    rank = int(np.ceil((n_perm + 1) * level))
    if rank > n_perm:
        return float("inf")
    return float(np.sort(maxima)[rank - 1])
