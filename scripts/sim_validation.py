"""The simulation figures of docs/methods.md ("Corrected comparisons"): coverage and width of the
corrected (PPI++), hand-codes-only and classifier-only 95% intervals, with known truth.

Uses the draws of tests/analysis/test_validation.py (same seeds, same groups):

    python scripts/sim_validation.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "analysis"))

import test_validation as sim

from framing.analysis.statistics import wilson_interval


def main() -> None:
    z = sim.Z
    true_a, true_b = sim.GROUP_A[0], sim.GROUP_B[0]
    rng = np.random.default_rng(20260421)
    a = sim._draw(rng, *sim.GROUP_A)
    b = sim._draw(rng, *sim.GROUP_B)
    print(f"{sim.DRAWS} draws, {sim.N_ARTICLES} articles and {sim.N_GOLD} hand-coded a group; "
          f"A: share, FPR, FNR = {sim.GROUP_A}; B: {sim.GROUP_B}")
    for name, lam in (("corrected (PPI++)", None), ("hand codes only", 0.0)):
        ea, sa = sim._corrected(*a, lam=lam)
        eb, sb = sim._corrected(*b, lam=lam)
        d, sd = ea - eb, np.sqrt(sa**2 + sb**2)
        print(f"{name:26s} cover A {sim._covers(ea - z * sa, ea + z * sa, true_a):.4f}  "
              f"B {sim._covers(eb - z * sb, eb + z * sb, true_b):.4f}  "
              f"A-B {sim._covers(d - z * sd, d + z * sd, true_a - true_b):.4f}  "
              f"width A {2 * z * sa.mean():.4f}  B {2 * z * sb.mean():.4f}  A-B {2 * z * sd.mean():.4f}")
    ka, kb = a[1].sum(axis=1), b[1].sum(axis=1)
    la, ha = wilson_interval(successes=ka, n=sim.N_ARTICLES)
    lb, hb = wilson_interval(successes=kb, n=sim.N_ARTICLES)
    pa, pb = ka / sim.N_ARTICLES, kb / sim.N_ARTICLES
    ld = pa - pb - np.sqrt((pa - la) ** 2 + (hb - pb) ** 2)
    hd = pa - pb + np.sqrt((ha - pa) ** 2 + (pb - lb) ** 2)
    print(f"{'classifier only (Wilson)':26s} cover A {sim._covers(la, ha, true_a):.4f}  "
          f"B {sim._covers(lb, hb, true_b):.4f}  A-B {sim._covers(ld, hd, true_a - true_b):.4f}  "
          f"width A {(ha - la).mean():.4f}  B {(hb - lb).mean():.4f}  (mean shares {pa.mean():.3f}, {pb.mean():.3f})")
    useless = sim._draw(np.random.default_rng(7), *sim.GROUP_A, useless=True)
    e, s = sim._corrected(*useless)
    _, g = sim._corrected(*useless, lam=0.0)
    print(f"useless classifier: corrected covers {sim._covers(e - z * s, e + z * s, true_a):.4f}; "
          f"width corrected / hand codes only: mean {(s / g).mean():.4f}, max {(s / g).max():.4f}")


if __name__ == "__main__":
    main()
