"""Distinctive words of the passages carrying a frame: compare's term lists.

Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008),
compared within one language at a time, with marks calibrated by permutations of whole
articles (:func:`framing.analysis.statistics.max_z_threshold`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from ..core.text import tokenize
from .statistics import max_z_threshold
from .stopwords import STOP_WORDS

__all__ = ["PRIOR_WEIGHT", "GroupPassage", "TermList", "distinctive_terms", "log_odds"]

# Total weight of the informative Dirichlet prior in the log-odds (Monroe et al.'s alpha_0),
# in pseudo-words. It mostly tames rare words (a word seen 3 times in 1,000 gets 0.3
# pseudo-counts); much larger, and on the few hundred words of a small comparison the
# prior would swamp the data.
PRIOR_WEIGHT = 100.0


@dataclass
class TermList:
    """Distinctive words of one group's frame-carrying passages in one language.

    ``kind`` is ``"versus"`` (against ``other``'s passages carrying the same
    frame in the same language) or ``"own"`` (against the group's own passages in
    that language that do not carry the frame: its strongest evidence terms,
    used when the groups share no language). ``terms`` are dicts with ``word``,
    ``z``, ``delta``, ``count`` (in this group), ``other_count`` and ``marked``:
    ``|z|`` reaches ``threshold``, the 95% point of the largest |z| over
    permutations of whole articles between the sides
    (:func:`framing.analysis.statistics.max_z_threshold`), so that a list of two
    exchangeable sides shows a marked word at most 5% of the time. ``"own"`` lists
    have no calibrated mark (``threshold`` is infinite).
    """

    frame: str
    group: str
    other: str
    language: str
    kind: str
    passages: int
    other_passages: int
    terms: list[dict[str, Any]] = field(default_factory=list)
    threshold: float = float("inf")


@dataclass
class GroupPassage:
    """A passage of one group that terms and evidence are drawn from (with its article's fields)."""

    group: str
    language: str
    frames: set[str]
    article_id: str
    passage: int | None
    outlet: str
    title: str
    scores: dict[str, float]
    text: str


def log_odds(
    counts_a: dict[str, int] | Counter[str],
    counts_b: dict[str, int] | Counter[str],
    *,
    prior_weight: float = PRIOR_WEIGHT,
) -> dict[str, tuple[float, float]]:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe et al. 2008).

    The prior for word ``w`` is ``alpha_w = prior_weight * (a_w + b_w) / (n_a + n_b)``,
    from the two corpora pooled. Returns ``{word: (delta, z)}``: ``delta`` is the
    log-odds of ``w`` in ``a`` minus that in ``b``; ``z = delta / sqrt(1/(a_w+alpha_w) +
    1/(b_w+alpha_w))``. Positive ``z`` marks words of ``a``, negative ones of ``b``.

    Examples
    --------
    >>> a = {"oil": 20, "the": 50, "army": 1}
    >>> b = {"oil": 1, "the": 50, "army": 20}
    >>> z = {w: round(v[1], 1) for w, v in log_odds(a, b).items()}
    >>> z["oil"] > 2, z["army"] < -2, abs(z["the"]) < 1
    (True, True, True)
    """
    words = sorted(set(counts_a) | set(counts_b))
    if not words:
        return {}
    a = np.array([counts_a.get(w, 0) for w in words], dtype=float)
    b = np.array([counts_b.get(w, 0) for w in words], dtype=float)
    n_a, n_b = a.sum(), b.sum()
    alpha = prior_weight * (a + b) / (n_a + n_b)
    alpha0 = alpha.sum()
    rest_a, rest_b = n_a + alpha0 - a - alpha, n_b + alpha0 - b - alpha
    if min(rest_a.min(), rest_b.min()) <= 0:
        # One word is all there is (on one side, with no prior mass elsewhere): no odds to compare.
        return {w: (0.0, 0.0) for w in words}
    delta = np.log((a + alpha) / rest_a) - np.log((b + alpha) / rest_b)
    z = delta / np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha))
    return {w: (float(d), float(s)) for w, d, s in zip(words, delta, z, strict=True)}


def _words(text: str) -> list[str]:
    # Single letters are mostly split-off possessives ("russia's" -> "russia", "s").
    return [w for w in tokenize(text) if w not in STOP_WORDS and len(w) > 1]


def _top_terms(
    odds: dict[str, tuple[float, float]], mine: Counter[str], theirs: Counter[str], k: int,
    threshold: float = float("inf"),
) -> list[dict[str, Any]]:
    # Ties (common in small corpora) go to the more frequent word, then alphabetically.
    ranked = sorted(
        ((z, w) for w, (_, z) in odds.items() if z > 0 and mine.get(w, 0) > 0), key=lambda t: (-t[0], -mine[t[1]], t[1])
    )
    return [
        {
            "word": w,
            "z": round(z, 3),
            "delta": round(odds[w][0], 4),
            "count": mine.get(w, 0),
            "other_count": theirs.get(w, 0),
            "marked": bool(z >= threshold),
        }
        for z, w in ranked[:k]
    ]


def _mark_threshold(
    texts: Sequence[GroupPassage], words: Sequence[list[str]], mine: list[int], theirs: list[int], *,
    prior_weight: float, n_perm: int, random_state: Any,
) -> float:
    """The |z| a word needs for a mark: max |z| over permutations of whole articles (see TermList)."""
    from scipy import sparse

    rows: dict[tuple[bool, str], int] = {}
    vocab: dict[str, int] = {}
    r_idx: list[int] = []
    c_idx: list[int] = []
    for side, indices in ((True, mine), (False, theirs)):
        for i in indices:
            row = rows.setdefault((side, texts[i].article_id), len(rows))
            for w in words[i]:
                r_idx.append(row)
                c_idx.append(vocab.setdefault(w, len(vocab)))
    if not vocab:
        return float("inf")
    X = sparse.csr_matrix((np.ones(len(r_idx)), (r_idx, c_idx)), shape=(len(rows), len(vocab)))
    member = np.array([side for side, _ in rows], dtype=bool)
    return max_z_threshold(
        counts=X, member=member, prior_weight=prior_weight, n_perm=n_perm, random_state=random_state
    )


def distinctive_terms(
    texts: Sequence[GroupPassage], frames: list[str], groups: list[str], *, top: int, prior_weight: float,
    n_perm: int = 1000, random_state: int = 0,
) -> tuple[list[TermList], dict[str, list[str]]]:
    """Distinctive words of each group's passages carrying each frame, per language, and notes per frame.

    Two groups: the first against the second and the second against the first, within each
    language both have; more: each group against the rest. Where the sides share no
    language, each side's own strongest terms (``kind="own"``) are listed instead.
    """
    words = [_words(t.text) for t in texts]
    carrying: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        for f in t.frames:
            carrying[f].append(i)
    # Every word of a group in a language: the background of its "own terms".
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        members[(t.group, t.language)].append(i)
    totals = {key: Counter(chain.from_iterable(words[i] for i in idx)) for key, idx in members.items()}
    sizes = {key: len(idx) for key, idx in members.items()}

    def counts(indices: Iterable[int]) -> Counter[str]:
        # Counter over one flat iterable counts in C; update() per passage is many times slower.
        return Counter(chain.from_iterable(words[i] for i in indices))

    def own(frame: str, group: str, with_f: list[int]) -> list[TermList]:
        """The group's passages carrying the frame against its other passages, per language."""
        result = []
        for lang in sorted({texts[i].language for i in with_f}):
            mine = [i for i in with_f if texts[i].language == lang]
            ca = counts(mine)
            cb = totals[(group, lang)] - ca
            odds = log_odds(ca, cb, prior_weight=prior_weight)
            result.append(
                TermList(frame, group, "its passages without the frame", lang, "own", len(mine),
                         sizes[(group, lang)] - len(mine), _top_terms(odds, ca, cb, top))
            )
        return result

    out: list[TermList] = []
    notes: dict[str, list[str]] = defaultdict(list)
    targets = groups[:1] if len(groups) == 2 else groups
    for f in frames:
        for g in targets:
            others = [h for h in groups if h != g]
            other = others[0] if len(others) == 1 else "rest"
            mine = [i for i in carrying.get(f, []) if texts[i].group == g]
            theirs = [i for i in carrying.get(f, []) if texts[i].group != g]
            langs_a = Counter(texts[i].language for i in mine)
            langs_b = Counter(texts[i].language for i in theirs)
            shared = sorted(set(langs_a) & set(langs_b))
            for lang in shared:
                in_a = [i for i in mine if texts[i].language == lang]
                in_b = [i for i in theirs if texts[i].language == lang]
                ca, cb = counts(in_a), counts(in_b)
                odds = log_odds(ca, cb, prior_weight=prior_weight)
                # One seed per list, fixed by random_state: a list's marks do not depend on the others.
                seed = [random_state, frames.index(f), groups.index(g), sorted(langs_a).index(lang)]
                bar = _mark_threshold(
                    texts, words, in_a, in_b, prior_weight=prior_weight, n_perm=n_perm, random_state=seed
                )
                out.append(
                    TermList(f, g, other, lang, "versus", langs_a[lang], langs_b[lang],
                             _top_terms(odds, ca, cb, top, bar), bar)
                )
                if len(groups) == 2:
                    flipped = {w: (-d, -z) for w, (d, z) in odds.items()}
                    out.append(
                        TermList(f, other, g, lang, "versus", langs_b[lang], langs_a[lang],
                                 _top_terms(flipped, cb, ca, top, bar), bar)
                    )
            if shared:
                for lang in sorted(set(langs_a) - set(langs_b)):
                    notes[f].append(f"only {g} has {lang!r} passages carrying this frame; not compared in {lang!r}")
                if len(groups) == 2:
                    for lang in sorted(set(langs_b) - set(langs_a)):
                        notes[f].append(
                            f"only {other} has {lang!r} passages carrying this frame; not compared in {lang!r}"
                        )
                continue
            if not mine and not theirs:
                notes[f].append("no passage carries this frame")
                continue
            if not mine or not theirs:
                notes[f].append(
                    f"{g if not mine else other} has no passages carrying this frame, so there is nothing to compare "
                    "with; the other side's own strongest terms for the frame are shown instead"
                )
            else:
                notes[f].append(
                    f"{g} and {other} have no language in common among the passages carrying this frame "
                    f"({g}: {', '.join(sorted(langs_a))}; {other}: {', '.join(sorted(langs_b))}); "
                    "words differ trivially across languages, so each group's own strongest terms are shown instead"
                )
            out.extend(own(f, g, mine))
            if len(groups) == 2:
                out.extend(own(f, other, theirs))
    return out, dict(notes)
