"""Compare how often groups of articles (or passages) carry each frame.

The input is what ``framing score`` writes: article records and, optionally,
passage records. For every frame and every group we report the prevalence (the
share of units carrying the frame) and the mean frame score; then each group
against the other (two groups) or against the rest (more than two): the
difference in prevalence with a percentile bootstrap interval, a two-sided
permutation p-value and Benjamini-Hochberg q-values across frames.

Resampling is by article. In passage mode (``unit="passage"``) an article's
passages are resampled and permuted together, because passages of one article
are not independent; the share is then a ratio of passage counts.

No verdict is given on a comparison in which either side has fewer than
:data:`MIN_ARTICLES` articles: the numbers are still computed and shown, with a
warning saying why they should not be read as a finding.

Distinctive language per frame comes from the passages that carry the frame:
weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and
Quinn 2008), compared within one language at a time (:mod:`framing.analysis.terms`).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.records import csv_records, jsonl_records
from ..core.text import detect_language
from .statistics import (
    cluster_share_interval,
    newcombe_interval,
    studentized_permutation_test,
    unconditional_test,
    wilson_interval,
)
from .terms import PRIOR_WEIGHT, GroupPassage, TermList, distinctive_terms

__all__ = [
    "MIN_ARTICLES",
    "MIN_RESAMPLES",
    "PERIODS",
    "UNITS",
    "Comparison",
    "Contrast",
    "EvidencePassage",
    "GroupStat",
    "PeriodStat",
    "ScoreData",
    "benjamini_hochberg",
    "compare",
    "check_dates",
    "check_field",
    "drop_duplicates",
    "period_of",
    "read_scores",
]

# The too-few rule: no verdict when either side of a comparison has fewer
# articles than this. Below it the bootstrap's percentile interval undercovers
# badly and the permutation test has too few distinct arrangements to reach a
# small p-value (1 article against 4 has only 5).
MIN_ARTICLES = 10
# Fewest bootstrap resamples (and permutations) allowed: percentile intervals need the tails well filled.
MIN_RESAMPLES = 2000
PERIODS = ("month", "week", "year")
UNITS = ("article", "passage")
# Rows of a resampling matrix built at once, times the units: bounds memory to a few tens of MB.
_CHUNK_CELLS = 2_000_000
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$")


# --------------------------------------------------------------------------- reading


@dataclass
class ScoreData:
    """Records read from score files, split into articles and passages.

    ``*_origins`` hold ``(file, line)`` for each record, for messages.
    """

    articles: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    article_origins: list[tuple[str, int]] = field(default_factory=list)
    passage_origins: list[tuple[str, int]] = field(default_factory=list)


def _unflatten(row: dict[str, Any], path: Path, line: int) -> dict[str, Any]:
    """A CSV row of ``framing score`` back into a record: ``frames`` split, ``score_<f>`` gathered."""
    record: dict[str, Any] = {}
    scores: dict[str, Any] = {}
    for key, value in row.items():
        if key.startswith("score_"):
            scores[key[len("score_") :]] = value
        elif key == "frames":
            record["frames"] = [f for f in (value or "").split(";") if f]
        elif key == "evidence":
            try:
                record["evidence"] = json.loads(value) if value else {}
            except json.JSONDecodeError:
                raise InputError("the 'evidence' column is not JSON", path=path, line=line) from None
        elif key == "duplicate_of":
            # An empty cell is an article that copies none, as null is in JSONL: the
            # column itself says the scores were checked for near-duplicates.
            record[key] = value or None
        elif value not in (None, ""):
            record[key] = value
    record["scores"] = scores
    return record


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = float(value)
        except ValueError:
            return None
    else:
        return None
    return x if math.isfinite(x) and 0.0 <= x <= 1.0 else None


def _validate(record: dict[str, Any], kind: str, frames: list[str] | None, path: Path, line: int) -> dict[str, Any]:
    """Check one record's fields and normalise its scores to floats; return it."""
    if kind == "article":
        if record.get("id") in (None, ""):
            raise InputError("article record has no 'id'", path=path, line=line)
    else:
        if record.get("article_id") in (None, ""):
            raise InputError("passage record has no 'article_id'", path=path, line=line)
        try:
            record["passage"] = int(record["passage"])
        except (TypeError, ValueError):
            bad = record.get("passage")
            raise InputError(f"'passage' must be a whole number, not {bad!r}", path=path, line=line) from None
        if not isinstance(record.get("text"), str):
            raise InputError("passage record has no 'text'", path=path, line=line)
    scores = record.get("scores")
    if not isinstance(scores, dict) or not scores:
        raise InputError(
            "no frame scores ('scores' object, or score_<frame> columns in CSV); is this a 'framing score' output?",
            path=path,
            line=line,
        )
    clean: dict[str, float] = {}
    for frame, value in scores.items():
        x = _number(value)
        if x is None:
            raise InputError(
                f"score of frame {frame!r} must be a number from 0 to 1, not {value!r}", path=path, line=line
            )
        clean[str(frame)] = x
    record["scores"] = clean
    if frames is not None and list(clean) != frames:
        raise InputError(
            f"frames differ from the first record's ({', '.join(frames)}): got {', '.join(clean)}; "
            "compare scores made with one model",
            path=path,
            line=line,
        )
    present = record.get("frames")
    if not isinstance(present, list) or not all(isinstance(f, str) for f in present):
        raise InputError("'frames' must be a list of frame names", path=path, line=line)
    unknown = [f for f in present if f not in clean]
    if unknown:
        raise InputError(f"'frames' names {', '.join(map(repr, unknown))}, which has no score", path=path, line=line)
    return record


def read_scores(paths: Iterable[str | Path]) -> ScoreData:
    """Read score files (``.jsonl`` or ``.csv``) and split article from passage records.

    A file is a passages file when its records have ``article_id`` and
    ``passage``; otherwise its records must be article records with an ``id``.
    Every record must score the same frames, in the same order.

    Raises
    ------
    InputError
        Naming the file and line: malformed JSON or CSV, missing fields, scores
        out of range, frames that differ between records, duplicate ids, a file
        with no records.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.jsonl"
    >>> rec = {"id": "a", "group": "x", "scores": {"econ": 0.9}, "frames": ["econ"]}
    >>> _ = path.write_text(json.dumps(rec) + "\\n", encoding="utf-8")
    >>> data = read_scores([path])
    >>> len(data.articles), len(data.passages), data.frames
    (1, 0, ['econ'])
    """
    data = ScoreData()
    frames: list[str] | None = None
    seen_articles: dict[str, str] = {}
    seen_passages: dict[tuple[str, int], str] = {}
    for item in paths:
        path = Path(item)
        if not path.is_file():
            raise InputError("no such file" if not path.exists() else "not a file", path=path)
        suffix = path.suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise InputError("scores must be .jsonl or .csv files written by 'framing score'", path=path)
        data.sources.append(str(path))
        kind: str | None = None
        rows = jsonl_records(path) if suffix == ".jsonl" else csv_records(path)
        count = 0
        for line, raw in rows:
            record = _unflatten(raw, path, line) if suffix == ".csv" else raw
            this = "passage" if "article_id" in record and "passage" in record else "article"
            if kind is None:
                kind = this
            elif this != kind:
                raise InputError(
                    f"a {this} record in a file of {kind} records; keep articles and passages in separate files",
                    path=path,
                    line=line,
                )
            record = _validate(record, kind, frames, path, line)
            if frames is None:
                frames = list(record["scores"])
            where = f"{path}:{line}"
            if kind == "article":
                key = str(record["id"])
                if key in seen_articles:
                    raise InputError(
                        f"duplicate article id {key!r} (also at {seen_articles[key]})", path=path, line=line
                    )
                seen_articles[key] = where
                data.articles.append(record)
                data.article_origins.append((str(path), line))
            else:
                pkey = (str(record["article_id"]), record["passage"])
                if pkey in seen_passages:
                    raise InputError(
                        f"duplicate passage {pkey[1]} of article {pkey[0]!r} (also at {seen_passages[pkey]})",
                        path=path,
                        line=line,
                    )
                seen_passages[pkey] = where
                data.passages.append(record)
                data.passage_origins.append((str(path), line))
            count += 1
        if count == 0:
            raise InputError("no records in this file", path=path)
    if not data.sources:
        raise InputError("no score files given")
    data.frames = frames or []
    return data


# --------------------------------------------------------------------------- statistics


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (false discovery rate adjusted p-values).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    # Step-up: each q is the smallest adjusted p at its rank or above.
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(ranked, 1.0)
    return q


def _chunks(rows: int, width: int) -> Iterator[int]:
    step = max(1, _CHUNK_CELLS // max(width, 1))
    done = 0
    while done < rows:
        size = min(step, rows - done)
        yield size
        done += size


def _bootstrap_sums(
    K: np.ndarray, S: np.ndarray, N: np.ndarray, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of frame counts, scores and units over ``n_boot`` resamples of the rows (clusters).

    Each resample draws ``n`` rows with replacement; the draw is held as a
    matrix of how often each row was drawn, so the sums are one matrix product.
    """
    n, f = K.shape
    data = np.hstack([K, S, N[:, None]])
    out = []
    for size in _chunks(n_boot, n):
        idx = rng.integers(0, n, size=(size, n), dtype=np.int32)
        idx += (np.arange(size, dtype=np.int32) * n)[:, None]
        W = np.bincount(idx.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        out.append(W @ data)  # float @ float goes to BLAS; int @ float does not
    sums = np.vstack(out)
    return sums[:, :f], sums[:, f : 2 * f], sums[:, 2 * f]


def _exact_permutation_p(K: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Exact two-sided permutation p-value per frame, one unit per row and 0/1 counts.

    Over all relabellings the number of members carrying a frame is
    hypergeometric, and the difference in shares is a function of it; so the
    exact p-value is a sum of hypergeometric probabilities (Fisher's exact test
    with the difference in shares as the statistic).
    """
    from scipy.special import gammaln

    def log_choose(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        return np.asarray(gammaln(np.add(a, 1)) - gammaln(np.add(b, 1)) - gammaln(np.subtract(a, b) + 1))

    n, m = K.shape[0], int(member.sum())
    rest = n - m
    out = np.ones(K.shape[1])
    for j in range(K.shape[1]):
        total = int(K[:, j].sum())
        x = np.arange(max(0, m - (n - total)), min(m, total) + 1)
        diff = x / m - (total - x) / rest
        observed = K[member, j].sum() / m - K[~member, j].sum() / rest
        # Ties must count as "as extreme"; the tolerance absorbs rounding only.
        extreme = np.abs(diff) >= abs(observed) - 1e-12
        # Hypergeometric probabilities from log-binomials (scipy's pmf is far slower here).
        x = x[extreme]
        log_pmf = log_choose(total, x) + log_choose(n - total, m - x) - log_choose(n, m)
        out[j] = min(1.0, float(np.exp(log_pmf).sum()))
    return out


def _permutation_p(
    K: np.ndarray, N: np.ndarray, member: np.ndarray, n_perm: int, rng: np.random.Generator
) -> np.ndarray:
    """Monte Carlo two-sided permutation p-value per frame for share(member) - share(others).

    Group labels are shuffled over the clusters (articles); with ``N`` units per
    cluster the share is a ratio of sums. p = (1 + #|perm| >= |observed|) / (1 + n_perm).
    """
    n = len(member)
    totK, totN = K.sum(axis=0), N.sum()
    obs = K[member].sum(axis=0) / N[member].sum() - K[~member].sum(axis=0) / N[~member].sum()
    m = int(member.sum())
    # Draw the smaller side at random (cheaper); the other side is the complement.
    small = min(m, n - m)
    data = np.hstack([K, N[:, None]])
    extreme = np.zeros(K.shape[1])
    bound = np.abs(obs) - 1e-12
    for size in _chunks(n_perm, n):
        keys = rng.random((size, n), dtype=np.float32)
        chosen = np.argpartition(keys, small - 1, axis=1)[:, :small]
        W = np.zeros((size, n))
        np.put_along_axis(W, chosen, 1.0, axis=1)
        sums = W @ data
        sk, sn = sums[:, :-1], sums[:, -1]
        if small != m:  # drew the non-members
            sk, sn = totK - sk, totN - sn
        stat = sk / sn[:, None] - (totK - sk) / (totN - sn)[:, None]
        extreme += (np.abs(stat) >= bound).sum(axis=0)
    return np.asarray((1.0 + extreme) / (1.0 + n_perm))


def _interval(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return low, high


def period_of(value: str, over: str) -> str:
    """The ``month`` (``2022-06``), ``week`` (``2022-W23``) or ``year`` of an ISO date.

    Raises ``ValueError`` for anything but ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``
    (optionally with a time), and for a week wanted from a date without a day.

    Examples
    --------
    >>> period_of("2022-06-09", "week"), period_of("2022-06", "month"), period_of("2022-06-09T10:00", "year")
    ('2022-W23', '2022-06', '2022')
    """
    match = _DATE.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD or YYYY-MM)")
    year, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"{value!r} has no month {month}")
    if over == "year":
        return year
    if month is None:
        raise ValueError(f"{value!r} has no month; periods of a {over} need YYYY-MM or YYYY-MM-DD")
    if over == "month":
        return f"{year}-{month}"
    if day is None:
        raise ValueError(f"{value!r} has no day; periods of a week need YYYY-MM-DD")
    try:
        iso = date(int(year), int(month), int(day)).isocalendar()
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    return f"{iso.year}-W{iso.week:02d}"


# --------------------------------------------------------------------------- results


@dataclass
class GroupStat:
    """Prevalence of one frame in one group.

    ``n`` counts units (articles, or passages with ``unit="passage"``),
    ``articles`` the articles they come from, ``present`` the units carrying the
    frame; ``share`` is ``present / n``, ``mean_score`` the mean frame score; the
    ``*_low``/``*_high`` bounds are 95% percentile-bootstrap intervals.
    """

    frame: str
    group: str
    n: int
    articles: int
    present: int
    share: float
    share_low: float
    share_high: float
    mean_score: float
    mean_low: float
    mean_high: float
    too_few: bool = False


@dataclass
class Contrast:
    """One group against the other group (or the rest) for one frame.

    ``diff`` is share(group) - share(other) with its 95% bootstrap interval; ``p``
    the two-sided permutation p-value; ``q`` its Benjamini-Hochberg q-value over
    the frames of this comparison. ``verdict`` is ``"higher"``, ``"lower"``,
    ``"no clear difference"`` or ``"too few"`` (no verdict: see :data:`MIN_ARTICLES`).
    """

    frame: str
    group: str
    other: str
    diff: float
    low: float
    high: float
    p: float
    q: float
    mean_diff: float
    mean_low: float
    mean_high: float
    verdict: str

    @property
    def significant(self) -> bool:
        """A difference is called only with enough articles and q under the level."""
        return self.verdict in ("higher", "lower")

    @property
    def excludes_zero(self) -> bool:
        """The 95% interval of this one difference leaves out 0."""
        return self.low > 0 or self.high < 0

    @property
    def disagrees(self) -> bool:
        """The star (a test corrected for every contrast) and the interval (this difference alone) differ.

        Both are shown, each with what it means: the interval can leave out 0 while
        the corrected test calls nothing, and near the edge the reverse happens.
        """
        return self.verdict != "too few" and self.significant != self.excludes_zero


@dataclass
class EvidencePassage:
    """A passage carrying a frame strongly, shown as evidence for a group."""

    frame: str
    group: str
    article_id: str
    passage: int | None
    outlet: str
    title: str
    score: float
    text: str


@dataclass
class PeriodStat:
    """Prevalence of a frame in a group within one period (for the time chart)."""

    period: str
    frame: str
    group: str
    n: int
    articles: int
    present: int
    share: float
    share_low: float
    share_high: float
    mean_score: float
    too_few: bool


@dataclass
class Comparison:
    """Everything ``framing compare`` reports; :meth:`to_dict` for JSON, :meth:`rows` for CSV."""

    by: str
    unit: str
    over: str | None
    frames: list[str]
    groups: list[str]
    group_sizes: dict[str, dict[str, int]]
    stats: list[GroupStat]
    contrasts: list[Contrast]
    terms: list[TermList]
    term_notes: dict[str, list[str]]
    evidence: list[EvidencePassage]
    periods: list[PeriodStat]
    warnings: list[str]
    rule: str
    text_source: str
    settings: dict[str, Any]
    sources: list[str] = field(default_factory=list)
    model_card: dict[str, Any] | None = None

    @property
    def too_few(self) -> bool:
        """True when some comparison has too few articles for a verdict."""
        return any(c.verdict == "too few" for c in self.contrasts)

    def stat(self, frame: str, group: str) -> GroupStat:
        """The prevalence of ``frame`` in ``group``."""
        for s in self.stats:
            if s.frame == frame and s.group == group:
                return s
        raise KeyError((frame, group))

    def contrast(self, frame: str, group: str) -> Contrast:
        """``group`` against the other group (or the rest) for ``frame``."""
        for c in self.contrasts:
            if c.frame == frame and c.group == group:
                return c
        raise KeyError((frame, group))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every figure, warning and setting."""
        out = asdict(self)
        for c, d in zip(self.contrasts, out["contrasts"], strict=True):
            d["significant"] = c.significant
            d["excludes_zero"] = c.excludes_zero
            d["disagrees"] = c.disagrees
        for t in out["terms"]:
            t["threshold"] = None if not math.isfinite(t["threshold"]) else t["threshold"]
        out["too_few"] = self.too_few
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per frame and group: prevalence and the group's comparison, for CSV."""
        out = []
        for s in self.stats:
            c = self.contrast(s.frame, s.group)
            out.append(
                {
                    "frame": s.frame,
                    "by": self.by,
                    "group": s.group,
                    "unit": self.unit,
                    "n": s.n,
                    "articles": s.articles,
                    "present": s.present,
                    "share": round(s.share, 6),
                    "share_low": round(s.share_low, 6),
                    "share_high": round(s.share_high, 6),
                    "too_few": s.too_few,
                    "mean_score": round(s.mean_score, 6),
                    "mean_low": round(s.mean_low, 6),
                    "mean_high": round(s.mean_high, 6),
                    "compared_with": c.other,
                    "diff": round(c.diff, 6),
                    "diff_low": round(c.low, 6),
                    "diff_high": round(c.high, 6),
                    "p": round(c.p, 6),
                    "q": round(c.q, 6),
                    "verdict": c.verdict,
                    "excludes_zero": c.excludes_zero,
                }
            )
        return out


# --------------------------------------------------------------------------- compare


def _value(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value).strip()


@dataclass
class _Cluster:
    """One article's units in one group: counts per frame, score sums, unit count."""

    group: str
    article: str
    date: str | None
    k: np.ndarray
    s: np.ndarray
    n: int


def _clusters(
    articles: Sequence[dict[str, Any]],
    passages: Sequence[dict[str, Any]] | None,
    *,
    by: str,
    unit: str,
    frames: list[str],
) -> list[_Cluster]:
    index = {f: j for j, f in enumerate(frames)}
    out: list[_Cluster] = []
    if unit == "article":
        for record in articles:
            group = _value(record, by)
            if group is None:
                raise InputError(
                    f"article {record['id']!r} has no {by!r} value; every article needs one to be compared by it"
                )
            k = np.zeros(len(frames))
            for f in record["frames"]:
                k[index[f]] = 1.0
            s = np.array([record["scores"][f] for f in frames], dtype=float)
            out.append(_Cluster(group, str(record["id"]), _value(record, "date"), k, s, 1))
        return out
    by_article = {str(a["id"]): a for a in articles}
    grouped: dict[tuple[str, str], _Cluster] = {}
    for record in passages or []:
        aid = str(record["article_id"])
        parent = by_article.get(aid, {})
        group = _value(record, by) or _value(parent, by)
        if group is None:
            raise InputError(
                f"passage {record['passage']} of article {aid!r} has no {by!r} value (nor has its article)"
            )
        cluster = grouped.get((group, aid))
        if cluster is None:
            when = _value(record, "date") or _value(parent, "date")
            cluster = _Cluster(group, aid, when, np.zeros(len(frames)), np.zeros(len(frames)), 0)
            grouped[(group, aid)] = cluster
        for f in record["frames"]:
            cluster.k[index[f]] += 1.0
        cluster.s += np.array([record["scores"][f] for f in frames], dtype=float)
        cluster.n += 1
    return list(grouped.values())


def _arrays(clusters: Sequence[_Cluster], n_frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not clusters:
        return np.zeros((0, n_frames)), np.zeros((0, n_frames)), np.zeros(0)
    K = np.vstack([c.k for c in clusters])
    S = np.vstack([c.s for c in clusters])
    N = np.array([c.n for c in clusters], dtype=float)
    return K, S, N


def _share_interval(K: np.ndarray, N: np.ndarray, clustered: bool) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of each frame's share: Wilson for articles, Wilson on the effective size for passages."""
    if K.shape[0] == 0:
        return np.zeros(K.shape[1]), np.ones(K.shape[1])
    if clustered:
        _, low, high, _ = cluster_share_interval(counts=K, sizes=N)
        return low, high
    total = np.full(K.shape[1], N.sum())
    return wilson_interval(successes=K.sum(axis=0), n=total)


def _group_stats(
    frames: list[str], group: str, K: np.ndarray, S: np.ndarray, N: np.ndarray, boot: tuple[np.ndarray, ...],
    *, clustered: bool = False, min_articles: int = MIN_ARTICLES,
) -> list[GroupStat]:
    _, bs, bn = boot
    share_low, share_high = _share_interval(K, N, clustered)
    mean_low, mean_high = _interval(bs / bn[:, None])
    total = N.sum()
    return [
        GroupStat(
            frame=f,
            group=group,
            n=int(total),
            articles=K.shape[0],
            present=int(K[:, j].sum()),
            share=float(K[:, j].sum() / total),
            share_low=float(share_low[j]),
            share_high=float(share_high[j]),
            mean_score=float(S[:, j].sum() / total),
            mean_low=float(mean_low[j]),
            mean_high=float(mean_high[j]),
            too_few=K.shape[0] < min_articles,
        )
        for j, f in enumerate(frames)
    ]


def _contrasts(
    frames: list[str],
    groups: list[str],
    arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    boots: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    n_perm: int,
    exact: bool,
    alpha: float,
    min_articles: int,
    rng: np.random.Generator,
) -> list[Contrast]:
    out: list[Contrast] = []
    K_all = np.vstack([arrays[g][0] for g in groups])
    N_all = np.concatenate([arrays[g][2] for g in groups])
    labels = np.concatenate([[g] * arrays[g][0].shape[0] for g in groups])
    # With two groups, "b against a" mirrors "a against b": computed once.
    targets = groups[:1] if len(groups) == 2 else groups
    # Every contrast's p-value first: the q-values correct across all of them (every frame
    # and, with three groups or more, every group against the rest), not one row at a time.
    parts = []
    for g in targets:
        others = [h for h in groups if h != g]
        K, S, N = arrays[g]
        oK_all = np.vstack([arrays[h][0] for h in others])
        oN_all = np.concatenate([arrays[h][2] for h in others])
        oS = np.sum([arrays[h][1].sum(axis=0) for h in others], axis=0)
        oN = float(oN_all.sum())
        diff = K.sum(axis=0) / N.sum() - oK_all.sum(axis=0) / oN
        mean_diff = S.sum(axis=0) / N.sum() - oS / oN
        # Newcombe's hybrid score interval from the two sides' own intervals (Wilson, or
        # Wilson on the effective size when passages cluster in articles).
        share_a, share_b = K.sum(axis=0) / N.sum(), oK_all.sum(axis=0) / oN
        la, ha = _share_interval(K, N, not exact)
        lb, hb = _share_interval(oK_all, oN_all, not exact)
        low, high = newcombe_interval(share_a=share_a, low_a=la, high_a=ha, share_b=share_b, low_b=lb, high_b=hb)
        # Mean scores keep the bootstrap: the rest is resampled within each of its groups, summed.
        _, bs, bn = boots[g]
        rs = np.sum([boots[h][1] for h in others], axis=0)
        rn = np.sum([boots[h][2] for h in others], axis=0)
        mlow, mhigh = _interval(bs / bn[:, None] - rs / rn[:, None])
        if exact:
            p = unconditional_test(
                x_a=K.sum(axis=0).round().astype(int), n_a=int(N.sum()),
                x_b=oK_all.sum(axis=0).round().astype(int), n_b=int(oN),
            )
        else:
            p = studentized_permutation_test(
                counts=K_all, sizes=N_all, member=labels == g, n_perm=n_perm, random_state=rng
            )
        parts.append((g, others, diff, mean_diff, low, high, mlow, mhigh, p))
    q_all = benjamini_hochberg(np.concatenate([part[-1] for part in parts]))
    for i, (g, others, diff, mean_diff, low, high, mlow, mhigh, p) in enumerate(parts):
        q = q_all[i * len(frames) : (i + 1) * len(frames)]
        enough = arrays[g][0].shape[0] >= min_articles and sum(arrays[h][0].shape[0] for h in others) >= min_articles
        other = others[0] if len(others) == 1 else "rest"
        for j, f in enumerate(frames):
            if not enough:
                verdict = "too few"
            elif q[j] < alpha:
                verdict = "higher" if diff[j] > 0 else "lower"
            else:
                verdict = "no clear difference"
            c = Contrast(
                frame=f, group=g, other=other, diff=float(diff[j]), low=float(low[j]), high=float(high[j]),
                p=float(p[j]), q=float(q[j]), mean_diff=float(mean_diff[j]), mean_low=float(mlow[j]),
                mean_high=float(mhigh[j]), verdict=verdict,
            )
            out.append(c)
            if len(groups) == 2:
                flipped = {"higher": "lower", "lower": "higher"}.get(verdict, verdict)
                out.append(
                    Contrast(
                        frame=f, group=others[0], other=g, diff=-c.diff, low=-c.high, high=-c.low, p=c.p, q=c.q,
                        mean_diff=-c.mean_diff, mean_low=-c.mean_high, mean_high=-c.mean_low, verdict=flipped,
                    )
                )
    order = {g: i for i, g in enumerate(groups)}
    fpos = {f: i for i, f in enumerate(frames)}
    out.sort(key=lambda c: (order[c.group], fpos[c.frame]))
    return out


def _texts(
    articles: Sequence[dict[str, Any]], passages: Sequence[dict[str, Any]] | None, *, by: str
) -> tuple[list[GroupPassage], str]:
    """The passages to draw terms and evidence from, and a note on where they came from."""
    by_article = {str(a["id"]): a for a in articles}
    out: list[GroupPassage] = []
    if passages:
        for r in passages:
            aid = str(r["article_id"])
            parent = by_article.get(aid, {})
            group = _value(r, by) or _value(parent, by)
            if group is None:
                continue
            out.append(
                GroupPassage(
                    group, _value(r, "language") or detect_language(r["text"]), set(r["frames"]), aid, r["passage"],
                    _value(r, "outlet") or _value(parent, "outlet") or "", _value(parent, "title") or "",
                    r["scores"], r["text"],
                )
            )
        return out, "all passages (from the passages file)"
    for a in articles:
        group = _value(a, by)
        evidence = a.get("evidence")
        if group is None or not isinstance(evidence, dict):
            continue
        merged: dict[Any, GroupPassage] = {}
        for frame, ev in evidence.items():
            if not isinstance(ev, dict) or not isinstance(ev.get("text"), str) or frame not in a["scores"]:
                continue
            key = ev.get("passage", frame)
            item = merged.get(key)
            if item is None:
                item = GroupPassage(
                    group, detect_language(ev["text"]), set(), str(a["id"]),
                    ev.get("passage") if isinstance(ev.get("passage"), int) else None,
                    _value(a, "outlet") or "", _value(a, "title") or "", {}, ev["text"],
                )
                merged[key] = item
            item.frames.add(frame)
            score = _number(ev.get("score"))
            item.scores[frame] = score if score is not None else a["scores"][frame]
        out.extend(merged.values())
    return out, (
        "each article's evidence passage per frame only (give the --passages file of 'framing score' "
        "for all passages)"
    )


def _evidence(texts: Sequence[GroupPassage], frames: list[str], groups: list[str], k: int) -> list[EvidencePassage]:
    carrying: dict[tuple[str, str], list[GroupPassage]] = defaultdict(list)
    for t in texts:
        for f in t.frames:
            carrying[(f, t.group)].append(t)
    out: list[EvidencePassage] = []
    for f in frames:
        for g in groups:
            ranked = sorted(
                carrying.get((f, g), []), key=lambda t: (-t.scores.get(f, 0.0), t.article_id, t.passage or 0)
            )
            out.extend(
                EvidencePassage(f, g, t.article_id, t.passage, t.outlet, t.title, float(t.scores.get(f, 0.0)), t.text)
                for t in ranked[:k]
            )
    return out


def _periods(
    clusters: Sequence[_Cluster],
    frames: list[str],
    groups: list[str],
    *,
    over: str,
    n_boot: int,
    min_articles: int,
    rng: np.random.Generator,
    clustered: bool = False,
) -> tuple[list[PeriodStat], int]:
    buckets: dict[tuple[str, str], list[_Cluster]] = defaultdict(list)
    undated = 0
    for c in clusters:
        if c.date is None:
            undated += 1
            continue
        try:
            period = period_of(c.date, over)
        except ValueError as exc:
            raise InputError(f"article {c.article!r}: {exc}") from None
        buckets[(period, c.group)].append(c)
    if not buckets:
        raise InputError(
            f"--over {over} needs dates: no article has a 'date' value (YYYY-MM-DD or YYYY-MM); "
            "add a date column to the metadata before scoring"
        )
    out = []
    for period in sorted({p for p, _ in buckets}):
        for g in groups:
            members = buckets.get((period, g))
            if not members:
                continue
            K, S, N = _arrays(members, len(frames))
            low, high = _share_interval(K, N, clustered)
            total = N.sum()
            for j, f in enumerate(frames):
                out.append(
                    PeriodStat(
                        period, f, g, int(total), len(members), int(K[:, j].sum()), float(K[:, j].sum() / total),
                        float(low[j]), float(high[j]), float(S[:, j].sum() / total), len(members) < min_articles,
                    )
                )
    return out, undated


def compare(
    articles: Sequence[dict[str, Any]],
    *,
    by: str,
    unit: str = "article",
    passages: Sequence[dict[str, Any]] | None = None,
    over: str | None = None,
    n_boot: int = 2000,
    random_state: int = 0,
    alpha: float = 0.05,
    min_articles: int = MIN_ARTICLES,
    top_terms: int = 10,
    n_evidence: int = 3,
    prior_weight: float = PRIOR_WEIGHT,
) -> Comparison:
    """Compare frame prevalence between the groups of a metadata field.

    Parameters
    ----------
    articles : sequence of dict
        Article records as ``framing score`` writes them (``read_scores(...).articles``).
    by : str
        The metadata field whose values are the groups (``group``, ``outlet``, ``language``...).
    unit : {"article", "passage"}
        Count articles, or passages (then ``passages`` is required).
    passages : sequence of dict, optional
        Passage records; needed for ``unit="passage"``, and used for distinctive
        terms and evidence (otherwise the articles' evidence passages are used).
    over : {"month", "week", "year"}, optional
        Also compute prevalence per period of the ``date`` field, for the time chart.
    n_boot : int, default=2000
        Bootstrap resamples, and permutations for Monte Carlo p-values (at least :data:`MIN_RESAMPLES`).
    random_state : int, default=0
        Seeds the one :class:`numpy.random.Generator` behind every resample.
    alpha : float, default=0.05
        Level for q-values to call a difference; intervals are always 95%.
    min_articles : int, default=MIN_ARTICLES
        No verdict when either side of a comparison has fewer articles.
    top_terms, n_evidence : int
        Words per distinctive-term list; evidence passages per frame and group.
    prior_weight : float, default=PRIOR_WEIGHT
        Total weight ``alpha_0`` of the log-odds prior.

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        A record without a value of ``by``, fewer than two groups, no passages for
        ``unit="passage"``, no dates (or bad ones) for ``over``.

    Examples
    --------
    >>> recs = [{"id": str(i), "g": "ab"[i % 2], "scores": {"econ": 0.9 if i % 4 < 2 else 0.1},
    ...          "frames": ["econ"] if i % 4 < 2 else []} for i in range(40)]
    >>> result = compare(recs, by="g")
    >>> s = result.stat("econ", "a")
    >>> (s.n, s.present, s.share)
    (20, 10, 0.5)
    >>> result.contrast("econ", "a").verdict
    'no clear difference'
    """
    if unit not in UNITS:
        raise InputError(f"unit must be 'article' or 'passage', not {unit!r}")
    if over is not None and over not in PERIODS:
        raise InputError(f"the period (over) must be month, week or year, not {over!r}")
    if n_boot < MIN_RESAMPLES:
        raise InputError(f"n_boot must be at least {MIN_RESAMPLES} for stable 95% intervals, not {n_boot}")
    if unit == "passage" and not passages:
        raise InputError("counting passages needs passage records: the passages file 'framing score' writes")
    if unit == "article" and not articles:
        raise InputError("no article records: the scores file 'framing score' writes")
    first = articles[0] if articles else passages[0]  # type: ignore[index]
    frames = list(first["scores"])
    clusters = _clusters(articles, passages, by=by, unit=unit, frames=frames)
    groups = sorted({c.group for c in clusters})
    if len(groups) < 2:
        found = f"only {groups[0]!r}" if groups else "none"
        raise InputError(f"field {by!r} has fewer than two groups ({found}): nothing to compare")
    rng = np.random.default_rng(random_state)
    arrays = {g: _arrays([c for c in clusters if c.group == g], len(frames)) for g in groups}
    boots = {g: _bootstrap_sums(*arrays[g], n_boot, rng) for g in groups}
    stats = [
        s for g in groups
        for s in _group_stats(frames, g, *arrays[g], boots[g], clustered=unit == "passage", min_articles=min_articles)
    ]
    contrasts = _contrasts(
        frames, groups, arrays, boots, n_perm=n_boot, exact=unit == "article", alpha=alpha,
        min_articles=min_articles, rng=rng,
    )
    sizes = {g: {"articles": int(arrays[g][0].shape[0]), "units": int(arrays[g][2].sum())} for g in groups}
    rule = (
        f"No verdict on a difference when either side of the comparison has fewer than {min_articles} articles"
        + (" (passages are resampled with their article, so articles count, not passages)" if unit == "passage" else "")
        + ": with so few, bootstrap intervals are too narrow and permutation p-values cannot get small. "
        "The numbers are still shown."
    )
    warnings: list[str] = []
    small = [g for g in groups if sizes[g]["articles"] < min_articles]
    if small:
        listing = ", ".join(
            f"{g!r} has {sizes[g]['articles']} article{'s' if sizes[g]['articles'] != 1 else ''}" for g in small
        )
        enough = len(small) < len(groups)
        warnings.append(
            f"Too few articles for a verdict: {listing} (the rule: at least {min_articles} articles on each side "
            f"of a comparison). The figures are shown, but they say nothing either way"
            + (" for those groups." if enough else "; no difference here is a finding.")
        )
    texts, text_source = _texts(articles, passages, by=by)
    terms, notes = distinctive_terms(
        texts, frames, groups, top=top_terms, prior_weight=prior_weight, random_state=random_state
    )
    evidence = _evidence(texts, frames, groups, n_evidence)
    periods: list[PeriodStat] = []
    if over is not None:
        periods, undated = _periods(
            clusters, frames, groups, over=over, n_boot=n_boot, min_articles=min_articles, rng=rng,
            clustered=unit == "passage",
        )
        if undated:
            warnings.append(
                f"{undated} of {len(clusters)} articles have no date and are left out of the time view"
            )
    return Comparison(
        by=by,
        unit=unit,
        over=over,
        frames=frames,
        groups=groups,
        group_sizes=sizes,
        stats=stats,
        contrasts=contrasts,
        terms=terms,
        term_notes=notes,
        evidence=evidence,
        periods=periods,
        warnings=warnings,
        rule=rule,
        text_source=text_source,
        settings={
            "n_boot": n_boot,
            # Articles: an exact test; passages: Monte Carlo permutations over articles.
            "n_perm": "exact" if unit == "article" else n_boot,
            "random_state": random_state,
            "alpha": alpha,
            "interval": (
                "95% Wilson score interval for shares, Newcombe's hybrid score interval for differences"
                if unit == "article" else
                "95% Wilson interval on the effective sample size (design effect over articles, t on articles - 1 "
                "degrees of freedom) for shares, Newcombe's hybrid score interval from those for differences"
            ),
            "mean_interval": "95% percentile bootstrap, articles resampled within groups",
            "test": (
                "exact unconditional test (pooled z, maximised over the common share)" if unit == "article"
                else "permutation test over articles of the studentized difference (cluster-robust standard error)"
            ),
            "q": f"Benjamini-Hochberg across all {len(contrasts) // (2 if len(groups) == 2 else 1)} contrasts",
            "min_articles": min_articles,
            "prior_weight": prior_weight,
            "top_terms": top_terms,
        },
    )


# --------------------------------------------------------------------------- files


def check_field(data: ScoreData, by: str, unit: str) -> None:
    """A missing grouping value, reported at its file and line."""
    if unit == "article":
        for record, (path, line) in zip(data.articles, data.article_origins, strict=True):
            if _value(record, by) is None:
                fields = ", ".join(k for k in record if k not in ("scores", "frames", "evidence"))
                raise InputError(f"no {by!r} value to compare by (fields here: {fields})", path=path, line=line)
    else:
        parents = {str(a["id"]): a for a in data.articles}
        for record, (path, line) in zip(data.passages, data.passage_origins, strict=True):
            if _value(record, by) is None and _value(parents.get(str(record["article_id"]), {}), by) is None:
                fields = ", ".join(k for k in record if k not in ("scores", "frames", "text"))
                raise InputError(f"no {by!r} value to compare by (fields here: {fields})", path=path, line=line)


def check_dates(data: ScoreData, over: str, unit: str) -> None:
    if unit == "article":
        records = zip(data.articles, data.article_origins, strict=True)
    else:
        records = zip(data.passages, data.passage_origins, strict=True)
    for record, (path, line) in records:
        value = _value(record, "date")
        if value is not None:
            try:
                period_of(value, over)
            except ValueError as exc:
                raise InputError(str(exc), path=path, line=line) from None


# --------------------------------------------------------------------------- near-duplicates


def drop_duplicates(data: ScoreData, *, by: str | None = None) -> tuple[int, bool]:
    """Count each story once (in each group, with ``by``): leave out the records flagged as its copies.

    ``duplicate_of`` names the first article of a near-duplicate cluster (one
    wire story on many sites, see :mod:`framing.inputs.duplicates`). Without
    ``by``, that first article is kept and its copies and their passages go.
    With ``by`` (the field groups are compared by), each group keeps the first
    of its own copies of a story: keeping one copy in one group only would make
    a story that both groups ran look like one group's alone. Returns how many
    articles were left out, and whether the scores carry the flag at all (older
    score files do not).

    Examples
    --------
    >>> data = ScoreData(articles=[
    ...     {"id": "w", "group": "a", "duplicate_of": None}, {"id": "c1", "group": "a", "duplicate_of": "w"},
    ...     {"id": "c2", "group": "b", "duplicate_of": "w"}, {"id": "c3", "group": "b", "duplicate_of": "w"}],
    ...     article_origins=[("s", i) for i in range(1, 5)])
    >>> drop_duplicates(data, by="group"), [r["id"] for r in data.articles]
    ((2, True), ['w', 'c2'])
    """
    flagged = any("duplicate_of" in r for r in data.articles) or any("duplicate_of" in r for r in data.passages)
    # One entry per article, in order: its id, its story and its group.
    stories: dict[str, tuple[str, Any]] = {}
    for ident, r in [*((r["id"], r) for r in data.articles), *((r["article_id"], r) for r in data.passages)]:
        group = r.get(by) if by else None
        stories.setdefault(str(ident), (str(r.get("duplicate_of") or ident), group))
    seen: set[tuple[str, Any]] = set()
    copies: set[str] = set()
    for ident, key in stories.items():
        if key in seen:
            copies.add(ident)
        seen.add(key)
    keep = [i for i, r in enumerate(data.articles) if str(r["id"]) not in copies]
    data.articles = [data.articles[i] for i in keep]
    data.article_origins = [data.article_origins[i] for i in keep]
    keep = [i for i, r in enumerate(data.passages) if str(r["article_id"]) not in copies]
    data.passages = [data.passages[i] for i in keep]
    data.passage_origins = [data.passage_origins[i] for i in keep]
    return len(copies), flagged
