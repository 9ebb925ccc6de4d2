"""Score articles on frames: one record per article, and one per passage.

Scoring happens at the unit the model was trained on. A *passage* model scores
each passage of an article; the article's score for a frame is the highest
score any of its passages gets (so a frame is present in an article when at
least one passage carries it), and the evidence is that passage. An *article*
model scores the whole text; its evidence is still the passage the same model
scores highest. Articles are read, scored and written in chunks, in input order.

Runs over files (reading, worker processes, near-duplicates, writing) are
:func:`framing.runs.scoring.score`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .._fast.scorer import RELEVANT, Scorer
from ..core.errors import InputError
from ..core.records import OnError
from ..core.text import detect_language
from ..inputs.articles import Article
from ..inputs.passages import section_starts, split_passages

if TYPE_CHECKING:
    from ..model.frame_model import FrameModel

__all__ = ["CHUNK", "RELEVANT", "article_scores", "chunked", "rounded4", "score_articles", "score_chunk"]
CHUNK = 256  # articles per chunk: big enough to amortise the per-batch costs, small enough to keep temporaries small


def rounded4(values: np.ndarray) -> list[list[float]]:
    """``[[round(x, 4) for x in row] for row in values.tolist()]``: the same floats, made a matrix at a time.

    ``round(x, 4)`` is the double nearest the decimal with 4 places nearest x.
    ``rint(x * 10**4) / 10**4`` is the same double wherever ``x * 10**4`` is not
    within rounding error of a half (that error cannot then change the nearest
    whole number, and the division is correctly rounded); the values that are,
    and any too large for the product to be near exact, get ``round`` itself.
    Scores are rounded so for every record, where ``round`` on each value was a cost of its own.

    Examples
    --------
    >>> rounded4(np.array([[0.123449999, 0.03125, 1.0]]))
    [[0.1234, 0.0312, 1.0]]
    """
    scaled = values * 10_000.0
    whole = np.rint(scaled)
    out = whole / 10_000.0
    unsure = (np.abs(np.abs(scaled - whole) - 0.5) < 1e-6) | (np.abs(scaled) >= 2.0**40)
    if unsure.any():
        at = np.nonzero(unsure)
        out[at] = [round(x, 4) for x in values[at].tolist()]
    return out.tolist()


def score_chunk(
    chunk: list[Article], model: Scorer | FrameModel, on_error: OnError | None = None, *, passage_records: bool = True
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[str]]]:
    """Score one chunk: yield each article's record, its passage records and its passages."""
    split = []
    kept = []
    for article in chunk:
        passages = split_passages(article.text)
        if not passages:
            error = InputError(
                "nothing left to score after removing clutter (menus, tickers, headings, short lines)",
                path=article.origin,
            )
            if on_error is None:
                raise error
            on_error(error)
            continue
        kept.append(article)
        split.append(passages)
    chunk = kept
    if not chunk:
        return
    flat = [p for ps in split for p in ps]
    starts = np.zeros(len(split) + 1, dtype=np.intp)
    np.cumsum([len(ps) for ps in split], out=starts[1:])
    relevance = None
    if model.unit == "article":
        passage_proba = model.predict_proba(flat)
        article_proba = model.predict_proba([a.text for a in chunk])
        passage_present = None
    else:
        passage_proba, article_proba, relevance = article_scores(model, split)
        passage_present = model.decide(passage_proba)
    # The whole chunk at once (decide works row by row), then plain Python numbers.
    article_decided = model.decide(article_proba)
    if relevance is not None:
        # Off the story: no frames, for the article and for its passages.
        relevant = relevance >= RELEVANT
        article_decided &= relevant[:, None]
        assert passage_present is not None
        passage_present &= np.repeat(relevant, np.diff(starts))[:, None]
    article_present = article_decided.tolist()
    relevance_rounded = None if relevance is None else rounded4(relevance[:, None])
    article_rounded = rounded4(article_proba)
    passage_rounded = rounded4(passage_proba)
    frames_in_order = list(enumerate(model.frames))
    offsets = starts.tolist()
    for i, (article, passages) in enumerate(zip(chunk, split)):
        start = offsets[i]
        proba = passage_proba[start : offsets[i + 1]]
        present = article_present[i]
        best = proba.argmax(axis=0).tolist()
        language = article.meta.get("language") or detect_language(article.text)
        record = {
            "id": article.id,
            **{k: v for k, v in article.meta.items() if k != "language"},
            "language": language,
            "passages": len(passages),
            **({} if relevance_rounded is None else {"relevance": relevance_rounded[i][0]}),
            "scores": dict(zip(model.frames, article_rounded[i])),
            "frames": [f for j, f in frames_in_order if present[j]],
            "evidence": {
                f: {"passage": best[j], "score": passage_rounded[start + best[j]][j], "text": passages[best[j]]}
                for j, f in frames_in_order
                if present[j]
            },
        }
        rows = []
        for k, text in enumerate(passages if passage_records else ()):
            row = proba[k]
            if passage_present is not None:
                carried = [f for f, keep in zip(model.frames, passage_present[start + k]) if keep]
            else:
                carried = [f for f, s, t in zip(model.frames, row, model.thresholds) if s >= t]
            rows.append(
                {
                    "article_id": article.id,
                    "passage": k,
                    **{key: v for key, v in article.meta.items() if key not in ("language", "title")},
                    "language": detect_language(text),
                    "text": text,
                    "scores": dict(zip(model.frames, passage_rounded[start + k])),
                    "frames": carried,
                }
            )
        yield record, rows, passages


def article_scores(
    model: Scorer | FrameModel, split: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A passage model's scores of articles given as their passages.

    Returns each passage's probabilities (all articles' passages in order), each
    article's (its best section's: an article is scored in sections of at least
    ``SECTION_WORDS`` words, each as one text made of its passages) and each
    article's relevance (its best section's; None for a model without the check).
    Scoring by the best passage instead made long articles carry every frame.
    """
    flat = [p for ps in split for p in ps]
    first_sections: list[int] = []
    sections: list[int] = []
    offset = 0
    for ps in split:
        first_sections.append(len(sections))
        sections.extend(offset + s for s in section_starts([p.count(" ") + 1 for p in ps]))
        offset += len(ps)
    sections.append(offset)
    passage_proba, section_proba, section_relevance = model.proba_of_sections(flat, np.array(sections))
    article_proba = np.maximum.reduceat(section_proba, first_sections, axis=0)
    relevance = None if section_relevance is None else np.maximum.reduceat(section_relevance, first_sections)
    return passage_proba, article_proba, relevance


def score_articles(
    articles: Iterable[Article], model: Scorer | FrameModel, *, chunk_size: int = CHUNK, on_error: OnError | None = None
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield ``(article record, passage records)`` for each article, in order.

    An article with nothing left after clutter is removed is an error; with
    ``on_error`` it is reported there and left out.

    Examples
    --------
    >>> from framing import Article, LabelledPassage, train
    >>> labels = [LabelledPassage(f"p{i}", t, f, "en", f"a{i}") for i, (t, f) in enumerate(
    ...     [("sanctions and oil exports trade", ("econ",)), ("troops and the alliance", ())] * 6)]
    >>> model = train(labels, random_state=0)
    >>> article = Article("x", "New sanctions hit oil exports and trade with Moscow this week, officials said.")
    >>> record, passages = next(score_articles([article], model))
    >>> record["frames"], len(passages)
    (['econ'], 1)
    """
    for chunk in chunked(articles, chunk_size):
        for record, rows, _ in score_chunk(chunk, model, on_error):
            yield record, rows


def chunked(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


