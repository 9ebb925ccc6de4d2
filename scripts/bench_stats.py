"""The long version of tests/analysis/test_statistics.py: coverage, size and false-mark rates.

Run with ``make bench-stats``; the figures go in docs/benchmarks.md ("Statistics of compare").
Exact figures (article-mode coverage, the unconditional test's size) are computed over every
table; the rest are simulated with fixed seeds and printed with their binomial standard error.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from framing.analysis.groups import benjamini_hochberg
from framing.analysis.statistics import (
    cluster_share_interval,
    log_odds_z,
    max_z_threshold,
    newcombe_interval,
    studentized_permutation_test,
    unconditional_test,
    wilson_interval,
)
from tests.analysis.test_statistics import bursty_articles, clustered_draw

SIZES = (10, 30, 100, 500)
SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)


def se(rate: float, reps: int) -> float:
    return math.sqrt(max(rate * (1 - rate), 1e-12) / reps)


def article_coverage() -> None:
    print("## Article mode: exact coverage of Wilson (shares) and Newcombe (difference, p and p+0.1)")
    print("n      " + "  ".join(f"p={p:<5}" for p in SHARES))
    for n in SIZES:
        x = np.arange(n + 1)
        low, high = wilson_interval(successes=x, n=np.full(n + 1, n))
        share = [float(sps.binom.pmf(x, n, p)[(low <= p) & (p <= high)].sum()) for p in SHARES]
        diffs = []
        for p in SHARES:
            q = p + 0.1
            A, B = np.meshgrid(x, x, indexing="ij")
            lo, hi = newcombe_interval(
                share_a=(x / n)[A], low_a=low[A], high_a=high[A], share_b=(x / n)[B], low_b=low[B], high_b=high[B]
            )
            w = np.outer(sps.binom.pmf(x, n, q), sps.binom.pmf(x, n, p))
            diffs.append(float(w[(lo <= 0.1 + 1e-12) & (0.1 - 1e-12 <= hi)].sum()))
        print(f"{n:<5}  share " + "  ".join(f"{c:.3f}  " for c in share))
        print(f"{'':<5}  diff  " + "  ".join(f"{c:.3f}  " for c in diffs))


def passage_coverage(reps: int) -> None:
    print(f"\n## Passage mode (ICC 0.2, 1 + Poisson(5) passages an article): simulated coverage, {reps} draws")
    rng = np.random.default_rng(2024)
    for n in SIZES:
        share_cov, diff_cov = [], []
        for p in SHARES:
            hs = hd = 0
            for _ in range(reps):
                Ka, Na = clustered_draw(rng, n, p, icc=0.2, mean_len=6)
                Kb, Nb = clustered_draw(rng, n, p + 0.1, icc=0.2, mean_len=6)
                sa, la, ha, _ = cluster_share_interval(counts=Ka, sizes=Na)
                sb, lb, hb, _ = cluster_share_interval(counts=Kb, sizes=Nb)
                hs += bool(la <= p <= ha)
                lo, hi = newcombe_interval(share_a=sb, low_a=lb, high_a=hb, share_b=sa, low_b=la, high_b=ha)
                hd += bool(lo <= 0.1 + 1e-12 and 0.1 - 1e-12 <= hi)
            share_cov.append(hs / reps)
            diff_cov.append(hd / reps)
        print(f"{n:<5}  share " + "  ".join(f"{c:.3f}" for c in share_cov))
        print(f"{'':<5}  diff  " + "  ".join(f"{c:.3f}" for c in diff_cov))
    print(f"(standard error of each figure about {se(0.95, reps):.3f})")


def exact_size(n_a: int, n_b: int) -> list[float]:
    reject = unconditional_test(x_a=0, n_a=n_a, x_b=0, n_b=n_b, all_tables=True) <= 0.05
    xa, xb = np.arange(n_a + 1), np.arange(n_b + 1)
    return [float(np.outer(sps.binom.pmf(xa, n_a, p), sps.binom.pmf(xb, n_b, p))[reject].sum()) for p in SHARES]


def test_size(reps: int) -> None:
    print("\n## Article mode: exact size of the unconditional test at 5%, per common share")
    for n_a, n_b in [(10, 10), (10, 30), (30, 30), (100, 100), (100, 300), (500, 500)]:
        print(f"{n_a:>4} vs {n_b:<4} " + "  ".join(f"{s:.4f}" for s in exact_size(n_a, n_b)))
    print(f"\n## Passage mode: simulated size of the studentized permutation test ({reps} draws, 499 permutations)")
    rng = np.random.default_rng(99)
    for n_a, n_b, len_a, len_b in [(10, 30, 3, 12), (30, 30, 6, 6), (30, 90, 3, 12), (100, 100, 4, 9)]:
        rates = []
        for p in (0.1, 0.3):
            rejected = 0
            for r in range(reps):
                Ka, Na = clustered_draw(rng, n_a, p, icc=0.3, mean_len=len_a)
                Kb, Nb = clustered_draw(rng, n_b, p, icc=0.3, mean_len=len_b)
                K = np.concatenate([Ka, Kb])[:, None]
                N = np.concatenate([Na, Nb])
                pv = studentized_permutation_test(
                    counts=K, sizes=N, member=np.arange(n_a + n_b) < n_a, n_perm=499, random_state=r
                )
                rejected += bool(pv[0] <= 0.05)
            rates.append(rejected / reps)
        print(f"{n_a} articles (mean {len_a} passages) vs {n_b} (mean {len_b}): p=0.1 {rates[0]:.3f}, "
              f"p=0.3 {rates[1]:.3f}  (se {se(0.05, reps):.3f})")


def word_marks(reps: int) -> None:
    print(f"\n## Word marks under the null (bursty text, 20 shown words), {reps} lists each")
    rng = np.random.default_rng(5)
    for articles in (50, 200):
        member = np.arange(2 * articles) < articles
        calibrated = old = 0
        for r in range(reps):
            X = bursty_articles(rng, 2 * articles, vocab=2000)
            X = X[:, X.sum(axis=0) > 0]
            bar = max_z_threshold(counts=X, member=member, prior_weight=100.0, n_perm=499, random_state=r)
            a, b = X[member].sum(axis=0).astype(float), X[~member].sum(axis=0).astype(float)
            z = np.abs(log_odds_z(a, b, prior=100.0 * (a + b) / (a + b).sum()))
            top = np.sort(z)[-20:]
            calibrated += bool((top >= bar).any())
            old += bool((top >= 1.96).any())
        print(f"{articles} articles a side: lists with a mark: calibrated {calibrated / reps:.3f}, "
              f"|z| >= 1.96 {old / reps:.3f}  (se {se(0.05, reps):.3f})")


def many_groups(reps: int) -> None:
    print(f"\n## Any false star, ten null frames, article mode, n=30 a group ({reps} tables)")
    rng = np.random.default_rng(8)
    for k in (3, 4, 6):
        all_rows = per_row = 0
        for _ in range(reps):
            X = rng.binomial(1, 0.3, size=(k, 30, 10)).sum(axis=1)
            ps = [unconditional_test(x_a=X[g], n_a=30, x_b=X.sum(axis=0) - X[g], n_b=30 * (k - 1)) for g in range(k)]
            all_rows += bool((benjamini_hochberg(np.concatenate(ps)) < 0.05).any())
            per_row += any(bool((benjamini_hochberg(p) < 0.05).any()) for p in ps)
        print(f"{k} groups: BH across all contrasts {all_rows / reps:.3f}; BH within each row {per_row / reps:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=1000, help="simulated draws per figure")
    args = parser.parse_args()
    article_coverage()
    passage_coverage(args.reps)
    test_size(args.reps // 2)
    word_marks(args.reps // 5)
    many_groups(args.reps // 2)


if __name__ == "__main__":
    main()
