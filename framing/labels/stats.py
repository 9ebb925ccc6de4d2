"""Counts of labelled passages per frame, language and source (``framing labels stats``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..core.text import LANGUAGES
from .store import MIN_POSITIVES, LabelledPassage

__all__ = ["label_stats"]


def label_stats(passages: Sequence[LabelledPassage], frames: Sequence[str]) -> dict[str, Any]:
    """Passages per frame (by language, judged on, negatives), per language and per source.

    ``below_minimum`` lists the frames the trainer would refuse: fewer than
    ``MIN_POSITIVES`` positive passages, or no judged negative.

    Examples
    --------
    >>> ps = [LabelledPassage("1", "Oil and sanctions.", ("economy",), "en", "a1"),
    ...       LabelledPassage("2", "Нефть и санкции.", (), "ru", "a2")]
    >>> s = label_stats(ps, ["economy"])
    >>> s["frames"]["economy"]["positives"], s["frames"]["economy"]["negatives"], s["below_minimum"]
    (1, 1, {'economy': 'only 1 positive passages (need 3)'})
    """
    per: dict[str, dict[str, Any]] = {
        f: {"positives": 0, "by_language": {lang: 0 for lang in LANGUAGES}, "judged": 0} for f in frames
    }
    for p in passages:
        judged = set(frames) if p.judged is None else {*p.judged, *p.frames}
        for f in frames:
            if f in judged:
                per[f]["judged"] += 1
        for f in p.frames:
            if f in per:
                per[f]["positives"] += 1
                per[f]["by_language"][p.language] += 1
    below: dict[str, str] = {}
    for f, row in per.items():
        row["negatives"] = row["judged"] - row["positives"]
        if row["positives"] < MIN_POSITIVES:
            below[f] = f"only {row['positives']} positive passages (need {MIN_POSITIVES})"
        elif row["negatives"] < 1:
            below[f] = "no negative passage judged on it"
    languages = Counter(p.language for p in passages)
    sources = Counter(p.source for p in passages)
    files = Counter(p.origin.rpartition(":")[0] for p in passages)
    return {
        "passages": len(passages),
        "no_frame": sum(1 for p in passages if not p.frames),
        "frames": per,
        "by_language": {lang: languages.get(lang, 0) for lang in LANGUAGES},
        "by_source": dict(sources.most_common()),
        "by_file": dict(files),
        "min_positives": MIN_POSITIVES,
        "below_minimum": below,
        "unknown_frames": sorted({f for p in passages for f in p.frames} - set(frames)),
    }
