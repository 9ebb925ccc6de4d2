"""framing.analysis.terms: weighted log-odds with an informative prior (compare's distinctive words)."""

from __future__ import annotations

import pytest

from framing.analysis.terms import log_odds


def test_log_odds_finds_the_planted_word() -> None:
    # Equal counts of every word but one, which is ten times as common in a.
    a = {"pipeline": 30, "oil": 25, "said": 60, "officials": 20, "government": 100}
    b = {"pipeline": 3, "oil": 25, "said": 60, "officials": 20, "government": 100}
    odds = log_odds(a, b)
    z = {w: v[1] for w, v in odds.items()}
    assert max(z, key=z.__getitem__) == "pipeline"
    assert z["pipeline"] > 1.96
    assert all(abs(v) < 1.96 for w, v in z.items() if w != "pipeline")
    swapped = log_odds(b, a)
    assert swapped["pipeline"][1] == pytest.approx(-z["pipeline"])
    # A stronger prior shrinks the difference.
    assert abs(log_odds(a, b, prior_weight=1000)["pipeline"][0]) < abs(odds["pipeline"][0])
