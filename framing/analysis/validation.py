"""Prevalence estimates corrected with a hand-coded random sample (prediction-powered inference).

The classifier's share of articles carrying a frame is biased whenever the classifier errs, and
its errors differ between groups of coverage (false positives pile up on one side). A simple
random sample of hand-coded articles (the gold sample) corrects it: the estimate is the
classifier's share on the articles nobody coded, plus the classifier's mean error measured on
the coded ones. This is prediction-powered inference (Angelopoulos, Bates, Fannjiang, Jordan and
Zrnic, Science 2023) in its power-tuned form PPI++ (Angelopoulos, Duchi and Zrnic 2024): the
classifier's part is weighted by ``lam``, chosen from the data to make the interval as narrow as
possible, so that a useless classifier (``lam`` near 0) gives back the hand-codes-only interval
and an informative one gives a narrower interval. Whatever the classifier's errors, the estimate
is unbiased and the interval keeps its level (asymptotically in the gold sample's size).

Pure functions on arrays; the last axis holds the articles, leading axes are broadcast (many
frames, or many simulated draws, at once):

- :func:`ppi_mean`: the PPI++ estimate of a mean, its standard error and ``lam``.
- :func:`corrected_prevalence`: one group's corrected share with an interval, from predictions
  on every scored article and the hand codes of a random subsample.
- :func:`corrected_difference`: the corrected difference between two independent groups with
  an interval and a two-sided p-value.
- :func:`benjamini_hochberg_q`: q-values across frames (Benjamini and Hochberg 1995).
- :func:`plan_sample`: roughly how many hand-coded articles a group needs for a corrected
  interval of a given width, from the classifier's precision and recall.
- :func:`validate`: the classifier against the hand codes, per frame and group: precision,
  recall, F1, the hand-coded against the predicted share, the corrected share, and warnings
  when its error rates differ between groups (differential misclassification).

Checked against ``ppi-python`` (``ppi_py.ppi_mean_ci``) and by simulation with known truth in
``tests/analysis/test_validation.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..core.errors import ValidationError
from .statistics import wilson_interval

__all__ = [
    "PPIEstimate",
    "Prevalence",
    "Difference",
    "ppi_mean",
    "corrected_prevalence",
    "corrected_difference",
    "benjamini_hochberg_q",
    "plan_sample",
    "FrameCheck",
    "ValidationReport",
    "validate",
]


@dataclass(frozen=True)
class PPIEstimate:
    """A PPI++ estimate of a mean: ``estimate``, ``se`` and the power-tuning ``lam`` (arrays)."""

    estimate: np.ndarray
    se: np.ndarray
    lam: np.ndarray
    labelled: int
    unlabelled: int


@dataclass(frozen=True)
class Prevalence:
    """One group's corrected share: ``share`` with its interval ``low`` to ``high``."""

    share: np.ndarray
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    lam: np.ndarray
    labelled: int
    unlabelled: int


@dataclass(frozen=True)
class Difference:
    """The corrected difference of two groups' shares (first minus second), interval and p-value."""

    diff: np.ndarray
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    p: np.ndarray


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValidationError(f"the confidence level must be between 0 and 1, not {level}")
    return float(sps.norm.ppf(1.0 - (1.0 - level) / 2.0))


def _as_float(name: str, value: Any) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        raise ValidationError(f"{name} must be a sequence of values, one per article")
    if not np.all(np.isfinite(array)):
        raise ValidationError(f"{name} holds values that are missing or not finite")
    return array


def ppi_mean(
    *,
    gold: Any,
    gold_predicted: Any,
    unlabelled_predicted: Any,
    lam: float | None = None,
) -> PPIEstimate:
    """The PPI++ estimate of a mean and its standard error (Angelopoulos, Duchi and Zrnic 2024).

    With ``n`` hand-coded articles (gold codes ``Y`` and the classifier's predictions ``Yhat``
    on them) and ``N`` articles nobody coded (predictions ``Yhat_u``), the estimate is
    ``lam * mean(Yhat_u) + mean(Y - lam * Yhat)`` and its variance
    ``lam**2 var(Yhat_u) / N + var(Y - lam * Yhat) / n``. Left to the data, ``lam`` is the
    variance-minimising ``cov(Y, Yhat) / ((1 + n / N) var(Yhat))`` clipped to [0, 1], computed
    as ``ppi_py`` does (the covariance over ``n``, the variance over the labelled and unlabelled
    predictions together). ``lam = 1`` is plain PPI, ``lam = 0`` the hand codes alone.

    Parameters
    ----------
    gold : array_like, shape (..., n)
        The hand codes (1 if the article carries the frame, else 0) of a simple random sample.
    gold_predicted : array_like, shape (..., n)
        The classifier's decisions (0/1) or scores (0 to 1) on those same articles.
    unlabelled_predicted : array_like, shape (..., N)
        Its decisions or scores on the articles that were not hand-coded. Leading axes must
        broadcast with those of ``gold``.
    lam : float, optional
        The power-tuning parameter; by default chosen from the data.

    Returns
    -------
    PPIEstimate

    Raises
    ------
    ValidationError
        Fewer than 2 hand-coded or 1 unlabelled articles, lengths that differ, values that are
        missing.

    Examples
    --------
    >>> est = ppi_mean(gold=[1, 0, 1, 0], gold_predicted=[1, 0, 0, 0],
    ...                unlabelled_predicted=[1, 1, 0, 0, 0, 0, 0, 0], lam=1.0)
    >>> float(est.estimate)  # 0.25 predicted, plus 0.25 missed on the gold sample
    0.5
    >>> round(float(est.se), 4)  # sqrt(var(Yhat_u) / 8 + var(Y - Yhat) / 4), each variance 0.1875
    0.2652
    """
    Y = _as_float("the hand codes", gold)
    Yhat = _as_float("the predictions on the hand-coded articles", gold_predicted)
    Yhat_u = _as_float("the predictions on the other articles", unlabelled_predicted)
    if Y.shape[-1] != Yhat.shape[-1]:
        raise ValidationError(
            f"{Y.shape[-1]} hand codes but {Yhat.shape[-1]} predictions for the hand-coded articles"
        )
    n, N = Y.shape[-1], Yhat_u.shape[-1]
    if n < 2:
        raise ValidationError(f"a corrected estimate needs at least 2 hand-coded articles, not {n}")
    if N < 1:
        raise ValidationError("a corrected estimate needs articles that were not hand-coded")
    if lam is None:
        y_c = Y - Y.mean(axis=-1, keepdims=True)
        yhat_c = Yhat - Yhat.mean(axis=-1, keepdims=True)
        cov = (y_c * yhat_c).mean(axis=-1)
        # The variance of the predictions over both sets, with n + N - 1 in the denominator.
        total = n + N
        shape = np.broadcast_shapes(Yhat.shape[:-1], Yhat_u.shape[:-1])
        s1 = np.broadcast_to(Yhat.sum(axis=-1), shape) + np.broadcast_to(Yhat_u.sum(axis=-1), shape)
        s2 = np.broadcast_to((Yhat**2).sum(axis=-1), shape) + np.broadcast_to((Yhat_u**2).sum(axis=-1), shape)
        var = np.maximum(s2 - s1**2 / total, 0.0) / (total - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            tuned = cov / ((1.0 + n / N) * var)
        # Predictions that never vary carry no information: the hand codes alone.
        lam_arr = np.clip(np.where(var > 0, tuned, 0.0), 0.0, 1.0)
    else:
        if not 0.0 <= lam <= 1.0:
            raise ValidationError(f"lam must be between 0 and 1, not {lam}")
        lam_arr = np.asarray(float(lam))
    lam_k = lam_arr[..., None]
    rectifier = Y - lam_k * Yhat
    estimate = lam_arr * Yhat_u.mean(axis=-1) + rectifier.mean(axis=-1)
    variance = lam_arr**2 * Yhat_u.var(axis=-1) / N + rectifier.var(axis=-1) / n
    return PPIEstimate(
        estimate=np.asarray(estimate),
        se=np.sqrt(variance),
        lam=np.asarray(np.broadcast_to(lam_arr, np.shape(estimate))),
        labelled=n,
        unlabelled=N,
    )


def _split(predicted: Any, gold: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictions on every article and the hand codes (NaN where not coded) into PPI's three arrays."""
    pred = _as_float("the predictions", predicted)
    codes = np.asarray(gold, dtype=float)
    if codes.shape[-1:] != pred.shape[-1:] or codes.ndim != 1:
        raise ValidationError(
            "the hand codes must be one value per scored article (missing where not hand-coded): "
            f"{codes.shape[-1] if codes.ndim else 0} codes for {pred.shape[-1]} articles"
        )
    coded = ~np.isnan(codes)
    bad = codes[coded][(codes[coded] != 0) & (codes[coded] != 1)]
    if bad.size:
        raise ValidationError(f"hand codes must be 0 or 1, not {bad[0]:g}")
    return codes[coded], pred[..., coded], pred[..., ~coded]


def corrected_prevalence(
    *, predicted: Any, gold: Any, level: float = 0.95, lam: float | None = None
) -> Prevalence:
    """One group's share of articles carrying a frame, corrected with a hand-coded random sample.

    Parameters
    ----------
    predicted : array_like, shape (..., N)
        The classifier's decisions (0/1) or scores (0 to 1) on every scored article of the group
        (leading axes: frames, say).
    gold : array_like, shape (N,)
        The hand codes of those articles, 0 or 1, and NaN for the articles that were not coded.
        The coded articles must be a simple random sample of the group's articles.
    level : float, default=0.95
        Confidence level of the interval.
    lam : float, optional
        The PPI++ power-tuning parameter; by default chosen from the data (see :func:`ppi_mean`).

    Returns
    -------
    Prevalence
        The share, a normal interval clipped to [0, 1], its standard error, ``lam``, and the
        numbers of coded and uncoded articles.

    Raises
    ------
    ValidationError
        Codes other than 0, 1 or missing; fewer than 2 coded articles; none left uncoded.

    Examples
    --------
    The classifier flags 3 of 10 articles; of the 4 hand-coded ones it missed one frame:

    >>> nan = float("nan")
    >>> est = corrected_prevalence(predicted=[1, 0, 0, 0, 1, 0, 0, 0, 1, 0],
    ...                            gold=[1, 1, 0, 0, nan, nan, nan, nan, nan, nan], lam=1.0)
    >>> round(float(est.share), 3), est.labelled, est.unlabelled
    (0.583, 4, 6)
    """
    Y, Yhat, Yhat_u = _split(predicted, gold)
    est = ppi_mean(gold=Y, gold_predicted=Yhat, unlabelled_predicted=Yhat_u, lam=lam)
    half = _z(level) * est.se
    return Prevalence(
        share=est.estimate,
        low=np.clip(est.estimate - half, 0.0, 1.0),
        high=np.clip(est.estimate + half, 0.0, 1.0),
        se=est.se,
        lam=est.lam,
        labelled=est.labelled,
        unlabelled=est.unlabelled,
    )


def corrected_difference(*, first: Prevalence, second: Prevalence, level: float = 0.95) -> Difference:
    """The corrected difference between two groups' shares, with interval and p-value.

    The groups' articles and gold samples are independent, so the standard errors add in
    quadrature, and each group's own ``lam`` (tuned to its own variance) also minimises the
    variance of the difference. The interval is normal, the p-value the two-sided z-test of no
    difference.

    Parameters
    ----------
    first, second : Prevalence
        From :func:`corrected_prevalence` on each group.
    level : float, default=0.95
        Confidence level.

    Returns
    -------
    Difference
        ``first.share - second.share``, an interval clipped to [-1, 1], its standard error and
        p-value.

    Examples
    --------
    >>> a = Prevalence(share=np.array(0.40), low=np.array(0.3), high=np.array(0.5), se=np.array(0.03),
    ...                lam=np.array(0.8), labelled=200, unlabelled=1800)
    >>> b = Prevalence(share=np.array(0.30), low=np.array(0.2), high=np.array(0.4), se=np.array(0.04),
    ...                lam=np.array(0.8), labelled=200, unlabelled=1800)
    >>> d = corrected_difference(first=a, second=b)
    >>> round(float(d.diff), 2), round(float(d.se), 2), round(float(d.low), 3), round(float(d.p), 4)
    (0.1, 0.05, 0.002, 0.0455)
    """
    z = _z(level)
    diff = np.asarray(first.share - second.share)
    se = np.sqrt(first.se**2 + second.se**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, np.abs(diff) / se, np.where(diff == 0, 0.0, np.inf))
    p = 2.0 * sps.norm.sf(stat)
    return Difference(
        diff=diff,
        low=np.clip(diff - z * se, -1.0, 1.0),
        high=np.clip(diff + z * se, -1.0, 1.0),
        se=np.asarray(se),
        p=np.asarray(p),
    )


def benjamini_hochberg_q(*, p: Any) -> np.ndarray:
    """Benjamini-Hochberg q-values across frames; a missing p-value (NaN) stays missing.

    Parameters
    ----------
    p : array_like, shape (m,)
        One p-value a frame.

    Returns
    -------
    ndarray
        The q-values (``scipy.stats.false_discovery_control``, method ``"bh"``).

    Examples
    --------
    >>> benjamini_hochberg_q(p=[0.01, 0.04, float("nan"), 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, nan, 0.053, 0.5]
    """
    values = np.asarray(p, dtype=float)
    if values.ndim != 1:
        raise ValidationError("q-values take one p-value a frame")
    q = np.full(values.shape, np.nan)
    known = ~np.isnan(values)
    if np.any((values[known] < 0) | (values[known] > 1)):
        raise ValidationError("p-values must be between 0 and 1")
    if known.any():
        q[known] = sps.false_discovery_control(values[known], method="bh")
    return q


def plan_sample(
    *,
    prevalence: float,
    precision: float,
    recall: float,
    width: float,
    articles: int,
    level: float = 0.95,
) -> int:
    """Roughly how many articles of a group to hand-code for a corrected interval ``width`` wide.

    The classifier's decisions are taken to have the given precision and recall at the given
    true ``prevalence`` (so it flags ``prevalence * recall / precision`` of the articles). The
    PPI++ variance at its best ``lam`` is ``(Var(Y) - Cov(Y, Yhat)**2 / ((1 + n / N) Var(Yhat))) / n``
    (:func:`ppi_mean`); the answer is the smallest ``n`` whose interval, ``2 z`` standard errors,
    is at most ``width``, or every article when none is enough. Error rates measured elsewhere
    (cross-validation on other texts) are only a guide: plan with a margin.

    Parameters
    ----------
    prevalence : float
        The expected true share of articles carrying the frame, in (0, 1).
    precision, recall : float
        The classifier's, in (0, 1].
    width : float
        The wanted width of the interval (0.10 for plus or minus 5 points).
    articles : int
        Scored articles in the group (N + n).
    level : float, default=0.95
        Confidence level.

    Returns
    -------
    int

    Raises
    ------
    ValidationError
        Figures out of range, or a precision and recall that no classifier can have at this
        prevalence (more flagged articles than there are).

    Examples
    --------
    Hand codes alone need about ``4 z**2 p (1 - p) / width**2``, 323 at 30% for 10 points; a
    good classifier cuts that by more than half:

    >>> plan_sample(prevalence=0.3, precision=0.5, recall=1e-9, width=0.10, articles=10**6)
    323
    >>> plan_sample(prevalence=0.3, precision=0.8, recall=0.8, width=0.10, articles=10**6)
    159
    """
    z = _z(level)
    for name, value in (("prevalence", prevalence), ("precision", precision), ("recall", recall)):
        if not 0.0 < value <= 1.0 or (name == "prevalence" and value == 1.0):
            raise ValidationError(f"{name} must be between 0 and 1, not {value}")
    if not 0.0 < width < 1.0:
        raise ValidationError(f"the interval width must be between 0 and 1, not {width}")
    if articles < 3:
        raise ValidationError(f"a group needs at least 3 articles for a corrected estimate, not {articles}")
    p = prevalence
    flagged = p * recall / precision
    if flagged > 1.0:
        raise ValidationError(
            f"a precision of {precision} and recall of {recall} flag more than every article at a prevalence of {p}"
        )
    var_y = p * (1 - p)
    var_hat = flagged * (1 - flagged)
    cov = p * recall - p * flagged  # P(Y = 1, Yhat = 1) - P(Y = 1) P(Yhat = 1)

    def too_wide(n: int) -> bool:
        explained = cov**2 / ((1 + n / (articles - n)) * var_hat) if var_hat > 0 else 0.0
        return 2 * z * math.sqrt(max(var_y - explained, 0.0) / n) > width

    low, high = 2, articles - 1
    if too_wide(high):
        return articles
    while low < high:  # the width shrinks as n grows: the smallest n that is narrow enough
        mid = (low + high) // 2
        if too_wide(mid):
            low = mid + 1
        else:
            high = mid
    return low


# --------------------------------------------------------------------------- the classifier against the codes


@dataclass(frozen=True)
class FrameCheck:
    """The classifier against the hand codes on one frame in one group (``"all"`` without groups).

    ``predicted_share`` is the classifier's share over every scored article of the group (the
    uncorrected figure); ``gold_share`` the coders' share in the hand-coded sample, with its
    Wilson interval; ``corrected_*`` the PPI++ share and interval (NaN when the group has fewer
    than 2 coded articles or none uncoded). Precision, recall and F1 are NaN when undefined.
    """

    frame: str
    group: str
    articles: int
    coded: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    predicted_share: float
    predicted_on_coded: float
    gold_share: float
    gold_low: float
    gold_high: float
    corrected_share: float
    corrected_low: float
    corrected_high: float


@dataclass(frozen=True)
class ValidationReport:
    """Every :class:`FrameCheck` (frames in order, groups sorted) and the warnings, one line each."""

    checks: list[FrameCheck]
    warnings: list[str]
    groups: list[str]
    frames: list[str]


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def _differ(counts: list[tuple[int, int]]) -> float:
    """p-value of equal error rates across groups: Fisher's exact test for two, else chi-squared."""
    table = np.array(counts, dtype=float)
    keep = table.sum(axis=1) > 0
    table = table[keep]
    if table.shape[0] < 2 or np.any(table.sum(axis=0) == 0):
        return float("nan")
    if table.shape[0] == 2:
        return float(sps.fisher_exact(table.astype(int)).pvalue)
    return float(sps.chi2_contingency(table).pvalue)


def validate(
    *,
    articles: Sequence[Mapping[str, Any]],
    frames: Sequence[str],
    gold: Mapping[str, frozenset[str] | set[str]],
    by: str | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
) -> ValidationReport:
    """The classifier's decisions against the hand codes, per frame and per group.

    Parameters
    ----------
    articles : sequence of mapping
        Article records of ``framing score`` (``id``, ``frames`` decided, the ``by`` field).
    frames : sequence of str
        The model's frames.
    gold : mapping of str to set of str
        Hand codes: article id to the frames the coders found (a random sample of the articles).
    by : str, optional
        The field that names the group (``"language"`` for a breakdown by language).
    level : float, default=0.95
        Confidence level of the intervals.
    alpha : float, default=0.05
        A warning is given when a test of equal false-positive (or false-negative) rates across
        groups has a p-value below this.

    Returns
    -------
    ValidationReport

    Raises
    ------
    ValidationError
        Hand-coded ids that were not scored (named), codes of a frame the model does not have,
        articles without the group field.

    Examples
    --------
    >>> arts = [{"id": str(i), "g": "en" if i % 2 else "ru", "frames": ["econ"] if i % 3 == 0 else []}
    ...         for i in range(12)]
    >>> gold = {"0": {"econ"}, "1": set(), "2": {"econ"}, "3": set(), "4": set(), "5": set()}
    >>> report = validate(articles=arts, frames=["econ"], gold=gold, by="g")
    >>> [(c.group, c.coded, c.tp, c.fp, c.fn, c.tn) for c in report.checks]
    [('en', 3, 0, 1, 0, 2), ('ru', 3, 1, 0, 1, 1)]
    """
    frames = list(frames)
    scored = {str(a["id"]): a for a in articles}
    unknown = [key for key in gold if key not in scored]
    if unknown:
        shown = ", ".join(repr(k) for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise ValidationError(f"{len(unknown)} hand-coded articles were not scored: {shown}")
    strange = sorted(set().union(*gold.values()) - set(frames)) if gold else []
    if strange:
        raise ValidationError(
            f"the hand codes use frames the model does not have: {', '.join(strange)} (its frames: {', '.join(frames)})"
        )
    if not gold:
        raise ValidationError("no hand-coded articles")
    members: dict[str, list[str]] = {}
    for key, record in scored.items():
        group = "all" if by is None else record.get(by)
        if group in (None, ""):
            raise ValidationError(f"article {key!r} has no {by!r} field; every article must belong to a group")
        members.setdefault(str(group), []).append(key)
    groups = sorted(members)
    checks: list[FrameCheck] = []
    warnings: list[str] = []
    z = _z(level)
    for frame in frames:
        fp_counts: list[tuple[int, int]] = []
        fn_counts: list[tuple[int, int]] = []
        rows: list[FrameCheck] = []
        for group in groups:
            keys = members[group]
            predicted = np.array([frame in scored[k]["frames"] for k in keys], dtype=float)
            codes = np.array([float(frame in gold[k]) if k in gold else np.nan for k in keys])
            coded = ~np.isnan(codes)
            y, yhat = codes[coded].astype(bool), predicted[coded].astype(bool)
            tp, fp = int(np.sum(y & yhat)), int(np.sum(~y & yhat))
            fn, tn = int(np.sum(y & ~yhat)), int(np.sum(~y & ~yhat))
            precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
            f1 = _ratio(2 * tp, 2 * tp + fp + fn)
            n_coded = int(coded.sum())
            if n_coded:
                low, high = wilson_interval(successes=int(y.sum()), n=n_coded, z=z)
                gold_share, gold_low, gold_high = float(y.mean()), float(low), float(high)
            else:
                gold_share = gold_low = gold_high = float("nan")
            if n_coded >= 2 and n_coded < len(keys):
                est = corrected_prevalence(predicted=predicted, gold=codes, level=level)
                corrected = (float(est.share), float(est.low), float(est.high))
            else:
                corrected = (float("nan"),) * 3
            rows.append(
                FrameCheck(
                    frame=frame,
                    group=group,
                    articles=len(keys),
                    coded=n_coded,
                    tp=tp,
                    fp=fp,
                    fn=fn,
                    tn=tn,
                    precision=precision,
                    recall=recall,
                    f1=f1,
                    predicted_share=float(predicted.mean()),
                    predicted_on_coded=float(yhat.mean()) if n_coded else float("nan"),
                    gold_share=gold_share,
                    gold_low=gold_low,
                    gold_high=gold_high,
                    corrected_share=corrected[0],
                    corrected_low=corrected[1],
                    corrected_high=corrected[2],
                )
            )
            fp_counts.append((fp, tn))
            fn_counts.append((fn, tp))
        checks.extend(rows)
        for kind, counts in (("false-positive", fp_counts), ("false-negative", fn_counts)):
            p = _differ(counts)
            if p < alpha:
                rates = ", ".join(
                    f"{g} {100 * e / (e + k):.0f}% of {e + k}" for g, (e, k) in zip(groups, counts) if e + k
                )
                warnings.append(
                    f"frame {frame!r}: the {kind} rate differs between groups ({rates}; p = {p:.3g}): "
                    "the classifier's shares are biased differently in each group; use the corrected shares"
                )
    return ValidationReport(checks=checks, warnings=warnings, groups=groups, frames=frames)
