"""Corrected prevalence estimates (framing.analysis.validation) checked against ppi-python and by
simulation with known truth.

The simulation: two groups of coverage whose classifier errs differently (group A: many false
positives, few misses; group B: few false positives, many misses), as the English and
Russian-language sides do. Each draw makes every article's true frame and the classifier's
decision, hand-codes a simple random sample of ``N_GOLD`` articles a group, and builds the
corrected (PPI++), the uncorrected (classifier's share, Wilson interval) and the hand-codes-only
95% intervals. All draws are made at once as arrays (draws x articles).

Tolerance: with ``DRAWS`` draws a coverage estimate of a true 95% has binomial standard error
``sqrt(0.95 * 0.05 / DRAWS)``, 0.49 points at 2,000 draws; the 93-97% band is about four of
them each side, so a correct method fails it with probability below 1e-4, while a method that
covers 92% or less (three points short, what the issue calls not keeping its level) fails it
with probability near 0.98. The uncorrected intervals miss by far more than that.
"""

from __future__ import annotations

import numpy as np
import pytest

from framing.analysis.statistics import wilson_interval
from framing.analysis.validation import (
    Prevalence,
    benjamini_hochberg_q,
    corrected_difference,
    corrected_prevalence,
    plan_sample,
    ppi_mean,
    validate,
)
from framing.core.errors import FramingError, ValidationError

DRAWS = 2000
N_ARTICLES = 2000  # scored articles a group
N_GOLD = 200  # hand-coded a group
Z = 1.959963984540054
COVERAGE_BAND = (0.93, 0.97)
# (true prevalence, false-positive rate, false-negative rate)
GROUP_A = (0.30, 0.20, 0.10)
GROUP_B = (0.25, 0.05, 0.30)


def _draw(rng: np.random.Generator, prevalence: float, fpr: float, fnr: float, *, useless: bool = False):
    """One group's truth and decisions for every draw; the first N_GOLD articles are the gold sample.

    Articles are exchangeable within a draw, so taking the first N_GOLD is a simple random sample.
    ``useless``: the decisions are independent of the truth (a coin with the same rate).
    """
    truth = rng.random((DRAWS, N_ARTICLES)) < prevalence
    u = rng.random((DRAWS, N_ARTICLES))
    if useless:
        decided = u < 0.4
    else:
        decided = np.where(truth, u >= fnr, u < fpr)
    return truth.astype(float), decided.astype(float)


def _corrected(truth: np.ndarray, decided: np.ndarray, *, lam: float | None = None):
    est = ppi_mean(
        gold=truth[:, :N_GOLD],
        gold_predicted=decided[:, :N_GOLD],
        unlabelled_predicted=decided[:, N_GOLD:],
        lam=lam,
    )
    return est.estimate, est.se


def _covers(low, high, value) -> float:
    return float(np.mean((low <= value) & (value <= high)))


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(20260421)
    a = _draw(rng, *GROUP_A)
    b = _draw(rng, *GROUP_B)
    return a, b


def test_corrected_intervals_cover_the_true_prevalence_and_difference(simulated):
    (truth_a, dec_a), (truth_b, dec_b) = simulated
    est_a, se_a = _corrected(truth_a, dec_a)
    est_b, se_b = _corrected(truth_b, dec_b)
    cover_a = _covers(est_a - Z * se_a, est_a + Z * se_a, GROUP_A[0])
    cover_b = _covers(est_b - Z * se_b, est_b + Z * se_b, GROUP_B[0])
    diff, se_d = est_a - est_b, np.sqrt(se_a**2 + se_b**2)
    cover_d = _covers(diff - Z * se_d, diff + Z * se_d, GROUP_A[0] - GROUP_B[0])
    for cover in (cover_a, cover_b, cover_d):
        assert COVERAGE_BAND[0] <= cover <= COVERAGE_BAND[1], (cover_a, cover_b, cover_d)
    # Unbiased: the mean estimate is within 4 Monte-Carlo standard errors of the truth.
    assert abs(est_a.mean() - GROUP_A[0]) < 4 * est_a.std() / np.sqrt(DRAWS)
    assert abs(diff.mean() - (GROUP_A[0] - GROUP_B[0])) < 4 * diff.std() / np.sqrt(DRAWS)


def test_uncorrected_intervals_do_not_cover(simulated):
    (_, dec_a), (_, dec_b) = simulated
    k_a, k_b = dec_a.sum(axis=1), dec_b.sum(axis=1)
    low_a, high_a = wilson_interval(successes=k_a, n=N_ARTICLES)
    low_b, high_b = wilson_interval(successes=k_b, n=N_ARTICLES)
    # The difference from the two Wilson intervals (Newcombe's hybrid score interval).
    p_a, p_b = k_a / N_ARTICLES, k_b / N_ARTICLES
    d = p_a - p_b
    low_d = d - np.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high_d = d + np.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    cover_a = _covers(low_a, high_a, GROUP_A[0])
    cover_b = _covers(low_b, high_b, GROUP_B[0])
    cover_d = _covers(low_d, high_d, GROUP_A[0] - GROUP_B[0])
    # Group A's classifier says 0.41 for a true 0.30, group B's 0.21 for 0.25: nowhere near 95%.
    assert max(cover_a, cover_b, cover_d) < 0.5, (cover_a, cover_b, cover_d)


def test_corrected_narrower_than_hand_codes_alone_when_the_classifier_is_informative(simulated):
    (truth_a, dec_a), _ = simulated
    _, se_ppi = _corrected(truth_a, dec_a)
    _, se_gold = _corrected(truth_a, dec_a, lam=0.0)
    ratio = se_ppi / se_gold
    assert ratio.mean() < 0.9, ratio.mean()
    assert np.mean(ratio < 1.0) > 0.99


def test_corrected_no_wider_than_hand_codes_alone_when_the_classifier_is_useless():
    rng = np.random.default_rng(7)
    truth, decided = _draw(rng, *GROUP_A, useless=True)
    est, se_ppi = _corrected(truth, decided)
    _, se_gold = _corrected(truth, decided, lam=0.0)
    ratio = se_ppi / se_gold
    # lam lands near 0: on average the width is the hand codes' own, never more than 1% over.
    assert ratio.mean() <= 1.0 + 1e-3, ratio.mean()
    assert ratio.max() <= 1.01, ratio.max()
    cover = _covers(est - Z * se_ppi, est + Z * se_ppi, GROUP_A[0])
    assert COVERAGE_BAND[0] <= cover <= COVERAGE_BAND[1], cover


def test_scores_instead_of_decisions_also_cover():
    """Predictions may be scores: noisy probabilities, miscalibrated differently by group."""
    rng = np.random.default_rng(11)
    truth = (rng.random((DRAWS, N_ARTICLES)) < 0.2).astype(float)
    scores = np.clip(0.15 + 0.5 * truth + rng.normal(0, 0.2, truth.shape), 0, 1)
    est, se = _corrected(truth, scores)
    cover = _covers(est - Z * se, est + Z * se, 0.2)
    assert COVERAGE_BAND[0] <= cover <= COVERAGE_BAND[1], cover


# --------------------------------------------------------------------------- against ppi-python


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_ppi_python(seed):
    ppi_py = pytest.importorskip("ppi_py")
    rng = np.random.default_rng(seed)
    n, N = 150, 3000
    Y = (rng.random(n) < 0.3).astype(float)
    Yhat = np.where(Y == 1, rng.random(n) < 0.8, rng.random(n) < 0.15).astype(float)
    Yhat_u = (rng.random(N) < 0.33).astype(float)
    ours = ppi_mean(gold=Y, gold_predicted=Yhat, unlabelled_predicted=Yhat_u)
    point = ppi_py.ppi_mean_pointestimate(Y, Yhat, Yhat_u)
    low, high = ppi_py.ppi_mean_ci(Y, Yhat, Yhat_u, alpha=0.05)
    assert float(ours.estimate) == pytest.approx(float(np.squeeze(point)), abs=1e-12)
    assert float(ours.estimate - Z * ours.se) == pytest.approx(float(np.squeeze(low)), abs=1e-9)
    assert float(ours.estimate + Z * ours.se) == pytest.approx(float(np.squeeze(high)), abs=1e-9)
    p = ppi_py.ppi_mean_pval(Y, Yhat, Yhat_u, null=0.25)
    z = (float(ours.estimate) - 0.25) / float(ours.se)
    from scipy.stats import norm

    assert 2 * norm.sf(abs(z)) == pytest.approx(float(np.squeeze(p)), rel=1e-9)


def test_hand_computed_example():
    """lam and the estimate worked out by hand (the arithmetic is in the comments)."""
    Y = np.array([1, 1, 0, 0], float)
    Yhat = np.array([1, 0, 0, 0], float)
    Yhat_u = np.array([1, 0, 0, 0, 1, 0], float)
    # cov_n(Y, Yhat) = mean(Y*Yhat) - mean(Y)mean(Yhat) = 0.25 - 0.5*0.25 = 0.125
    # var over all 10 predictions (3 ones), ddof 1: (3 - 9/10) / 9 = 0.2333...
    lam = 0.125 / ((1 + 4 / 6) * (2.1 / 9))
    est = ppi_mean(gold=Y, gold_predicted=Yhat, unlabelled_predicted=Yhat_u)
    assert float(est.lam) == pytest.approx(lam)
    assert float(est.estimate) == pytest.approx(lam * 2 / 6 + (2 - lam) / 4)


# --------------------------------------------------------------------------- the public wrappers


def test_corrected_prevalence_and_difference_from_full_arrays():
    rng = np.random.default_rng(3)
    truth = (rng.random(1000) < 0.3).astype(float)
    decided = np.where(truth == 1, rng.random(1000) < 0.9, rng.random(1000) < 0.2).astype(float)
    gold = np.full(1000, np.nan)
    coded = rng.choice(1000, 150, replace=False)
    gold[coded] = truth[coded]
    a = corrected_prevalence(predicted=decided, gold=gold)
    assert a.labelled == 150 and a.unlabelled == 850
    assert a.low <= a.share <= a.high
    direct = ppi_mean(gold=truth[coded], gold_predicted=decided[coded], unlabelled_predicted=np.delete(decided, coded))
    assert float(a.share) == pytest.approx(float(direct.estimate))
    # Two frames at once: the leading axis.
    both = corrected_prevalence(predicted=np.stack([decided, 1 - decided]), gold=gold)
    assert both.share.shape == (2,)
    d = corrected_difference(first=a, second=a)
    assert float(d.diff) == 0.0 and float(d.p) == 1.0


def test_difference_p_value_and_interval_agree():
    a = Prevalence(np.array(0.5), np.array(0), np.array(1), np.array(0.05), np.array(1.0), 100, 900)
    b = Prevalence(np.array(0.3), np.array(0), np.array(1), np.array(0.05), np.array(1.0), 100, 900)
    d = corrected_difference(first=a, second=b)
    # The 95% interval excludes 0 exactly when p < 0.05.
    assert (float(d.low) > 0) == (float(d.p) < 0.05)


def test_benjamini_hochberg_matches_the_step_up_rule():
    q = benjamini_hochberg_q(p=[0.001, 0.02, 0.03, 0.8])
    assert q.tolist() == pytest.approx([0.004, 0.04, 0.04, 0.8])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"predicted": [1, 0, 1], "gold": [1, np.nan, np.nan]}, "at least 2"),
        ({"predicted": [1, 0, 1], "gold": [1, 0, 1]}, "not hand-coded"),
        ({"predicted": [1, 0, 1], "gold": [1, 2, np.nan]}, "0 or 1"),
        ({"predicted": [1, 0, 1], "gold": [1, 0]}, "one value per scored article"),
    ],
)
def test_errors_are_framing_errors_without_flags(kwargs, words):
    with pytest.raises(ValidationError) as info:
        corrected_prevalence(**kwargs)
    assert isinstance(info.value, FramingError)
    assert words in str(info.value)
    assert "--" not in str(info.value)


# --------------------------------------------------------------------------- validate


def _scored(rng, group, size, prevalence, fpr, fnr):
    truth = rng.random(size) < prevalence
    u = rng.random(size)
    decided = np.where(truth, u >= fnr, u < fpr)
    arts = [{"id": f"{group}{i}", "group": group, "language": group, "frames": ["econ"] if d else []}
            for i, d in enumerate(decided)]
    return arts, {f"{group}{i}": ({"econ"} if t else set()) for i, t in enumerate(truth)}


def _validate_sim(seed, b_rates):
    rng = np.random.default_rng(seed)
    arts_a, truth_a = _scored(rng, "en", 1000, *GROUP_A)
    arts_b, truth_b = _scored(rng, "ru", 1000, *b_rates)
    gold = {k: truth_a[k] for k in list(truth_a)[:200]} | {k: truth_b[k] for k in list(truth_b)[:200]}
    return validate(articles=arts_a + arts_b, frames=["econ"], gold=gold, by="group")


def test_validate_warns_of_differential_misclassification():
    report = _validate_sim(5, GROUP_B)
    assert [c.group for c in report.checks] == ["en", "ru"]
    en, ru = report.checks
    assert en.coded == ru.coded == 200 and en.articles == 1000
    assert en.tp + en.fp + en.fn + en.tn == 200
    assert en.predicted_share > en.gold_share  # false positives pile up on the English side
    assert en.corrected_low <= GROUP_A[0] <= en.corrected_high
    assert any("false-positive rate differs" in w for w in report.warnings), report.warnings
    assert all("--" not in w for w in report.warnings)


def test_validate_rarely_warns_when_the_errors_are_alike():
    """Same error rates in both groups: each of the two tests (false positives, false negatives)
    warns at most 5% of the time (Fisher's test is conservative), so at most about 10% of draws;
    over 40 draws more than 10 warnings has probability below 0.01."""
    warned = sum(bool(_validate_sim(seed, (0.25, GROUP_A[1], GROUP_A[2])).warnings) for seed in range(100, 140))
    assert warned <= 10, warned


def test_validate_precision_recall_by_hand():
    arts = [{"id": str(i), "frames": ["econ"] if i < 4 else []} for i in range(10)]
    gold = {"0": {"econ"}, "1": {"econ"}, "2": set(), "4": {"econ"}, "5": set()}
    (check,) = validate(articles=arts, frames=["econ"], gold=gold).checks
    assert (check.group, check.tp, check.fp, check.fn, check.tn) == ("all", 2, 1, 1, 1)
    assert check.precision == pytest.approx(2 / 3) and check.recall == pytest.approx(2 / 3)
    assert check.f1 == pytest.approx(2 / 3) and check.gold_share == pytest.approx(0.6)
    assert check.predicted_share == pytest.approx(0.4) and check.predicted_on_coded == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("gold", "words"),
    [
        ({"nope": set(), "0": set()}, "1 hand-coded articles were not scored: 'nope'"),
        ({"0": {"war"}}, "frames the model does not have: war"),
        ({}, "no hand-coded"),
    ],
)
def test_validate_errors(gold, words):
    arts = [{"id": str(i), "frames": []} for i in range(3)]
    with pytest.raises(ValidationError, match=words):
        validate(articles=arts, frames=["econ"], gold=gold)


# --------------------------------------------------------------------------- planning


def test_plan_gives_the_width_asked_for():
    """Group A's classifier: precision and recall from its error rates; the planned n gives a
    mean simulated width within 3% of the width asked for (the widths' Monte-Carlo error is far
    smaller), and one article fewer per ten gives a wider interval."""
    p, fpr, fnr = GROUP_A
    recall = 1 - fnr
    precision = p * recall / (p * recall + (1 - p) * fpr)
    n = plan_sample(prevalence=p, precision=precision, recall=recall, width=0.08, articles=N_ARTICLES)
    rng = np.random.default_rng(99)
    truth, decided = _draw(rng, *GROUP_A)
    est = ppi_mean(gold=truth[:, :n], gold_predicted=decided[:, :n], unlabelled_predicted=decided[:, n:])
    width = 2 * Z * est.se.mean()
    assert width == pytest.approx(0.08, rel=0.03), (n, width)
    fewer = int(n * 0.9)
    est = ppi_mean(gold=truth[:, :fewer], gold_predicted=decided[:, :fewer], unlabelled_predicted=decided[:, fewer:])
    assert 2 * Z * est.se.mean() > 0.08


def test_plan_errors_and_limits():
    assert plan_sample(prevalence=0.3, precision=0.9, recall=0.9, width=0.01, articles=50) == 50
    with pytest.raises(ValidationError, match="flag more than every article"):
        plan_sample(prevalence=0.9, precision=0.5, recall=1.0, width=0.1, articles=100)
    with pytest.raises(ValidationError, match="width"):
        plan_sample(prevalence=0.3, precision=0.9, recall=0.9, width=0.0, articles=100)
