"""A validation sample: a simple random sample of scored articles within each group, to hand-code.

The corrected estimates (:mod:`framing.analysis.validation`) hold only for a random sample,
so the draw never looks at the model's scores or decisions (unlike ``suggest``, which picks
uncertain passages to improve the model). Within each group the articles (or passages) are
put in order of id, then a fixed number (or a share proportional to the group's size) is drawn
without replacement with ``numpy.random.default_rng(seed)``: the same files and seed give the
same sample whatever the order of the records.

The coding sheet (:func:`write_sheet`, ``.jsonl`` or ``.csv``) has one row per drawn article:
``id`` (``article_id`` and ``passage`` too for passages), ``group``, ``text`` when the
passages are given, ``frames`` left empty for the coder, the ``seed`` and ``frame_size``, the
number of articles in the group that could have been drawn (the sampling frame).

:func:`plan_groups` says roughly how many to draw: per frame and group, the hand-coded articles
that give a corrected interval of a wanted width, from the model's cross-validated precision and
recall (its card) and the classifier's share in the group.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.atomic import atomic_write
from ..core.errors import OutputError, ValidationError
from .validation import plan_sample

__all__ = ["SheetRow", "draw_sample", "write_sheet", "allocate", "PlanRow", "plan_groups"]


@dataclass(frozen=True)
class SheetRow:
    """One row of a coding sheet."""

    id: str
    group: str
    seed: int
    frame_size: int
    text: str | None = None
    article_id: str | None = None
    passage: int | None = None


def allocate(*, sizes: Mapping[str, int], n: int, proportional: bool = False) -> dict[str, int]:
    """How many to draw from each group: ``n`` each, or ``n`` in all shared by group size.

    Proportional shares are rounded by largest remainder (Hamilton), so they add up to ``n``;
    no group gets more than it has.

    Examples
    --------
    >>> allocate(sizes={"en": 300, "ru": 100}, n=40)
    {'en': 40, 'ru': 40}
    >>> allocate(sizes={"en": 300, "ru": 100}, n=40, proportional=True)
    {'en': 30, 'ru': 10}
    >>> allocate(sizes={"a": 1, "b": 1, "c": 1}, n=2, proportional=True)
    {'a': 1, 'b': 1, 'c': 0}
    """
    if n < 1:
        raise ValidationError(f"the sample size must be at least 1, not {n}")
    if not proportional:
        return {g: min(n, size) for g, size in sizes.items()}
    total = sum(sizes.values())
    n = min(n, total)
    exact = {g: n * size / total for g, size in sizes.items()}
    counts = {g: int(x) for g, x in exact.items()}
    left = n - sum(counts.values())
    for g in sorted(exact, key=lambda g: (counts[g] - exact[g], g))[:left]:
        counts[g] += 1
    return counts


def _passage_texts(passages: Sequence[Mapping[str, Any]]) -> dict[str, list[tuple[int, str]]]:
    texts: dict[str, list[tuple[int, str]]] = {}
    for record in passages:
        texts.setdefault(str(record["article_id"]), []).append((int(record["passage"]), str(record["text"])))
    for parts in texts.values():
        parts.sort()
    return texts


def draw_sample(
    *,
    articles: Sequence[Mapping[str, Any]],
    by: str,
    n: int,
    seed: int,
    passages: Sequence[Mapping[str, Any]] = (),
    unit: str = "article",
    proportional: bool = False,
) -> list[SheetRow]:
    """A simple random sample within each group of scored articles (or of their passages).

    Parameters
    ----------
    articles : sequence of mapping
        Article records as ``framing score`` writes them (:func:`framing.analysis.groups.read_scores`);
        only their ``id`` and the ``by`` field are read, never their scores.
    by : str
        The record field that names the group.
    n : int
        How many to draw from each group (all of a smaller group), or in all when ``proportional``.
    seed : int
        Seed of the random draw, written on the sheet.
    passages : sequence of mapping, optional
        Passage records (``article_id``, ``passage``, ``text``): they give the sheet its texts,
        and they are the units drawn when ``unit == "passage"``.
    unit : {"article", "passage"}
        What is drawn and coded.
    proportional : bool, default=False
        Share ``n`` between the groups in proportion to their sizes.

    Returns
    -------
    list of SheetRow
        Groups in sorted order, within a group in order of id.

    Raises
    ------
    ValidationError
        An article without the group field, an unknown unit, passages asked for but not given,
        a sample size below 1.

    Examples
    --------
    >>> arts = [{"id": f"a{i}", "group": "en" if i < 6 else "ru", "scores": {}} for i in range(10)]
    >>> rows = draw_sample(articles=arts, by="group", n=2, seed=1)
    >>> [(r.group, r.frame_size, r.seed) for r in rows]
    [('en', 6, 1), ('en', 6, 1), ('ru', 4, 1), ('ru', 4, 1)]
    >>> rows == draw_sample(articles=arts[::-1], by="group", n=2, seed=1)  # record order does not matter
    True
    """
    if unit not in ("article", "passage"):
        raise ValidationError(f"the unit must be 'article' or 'passage', not {unit!r}")
    if unit == "passage" and not passages:
        raise ValidationError("a sample of passages needs the passages file that 'framing score' wrote")
    group_of: dict[str, str] = {}
    missing = []
    for record in articles:
        value = record.get(by)
        if value in (None, ""):
            missing.append(str(record.get("id")))
        else:
            group_of[str(record["id"])] = str(value)
    if missing:
        raise ValidationError(
            f"{len(missing)} of {len(articles)} articles have no {by!r} field (first: {missing[0]!r}); "
            "every article must belong to a group"
        )
    texts = _passage_texts(passages)
    units: dict[str, list[tuple[str, int | None]]] = {}
    for key, group in group_of.items():
        if unit == "article":
            units.setdefault(group, []).append((key, None))
        else:
            units.setdefault(group, []).extend((key, k) for k, _ in texts.get(key, []))
    for members in units.values():
        members.sort(key=lambda m: (m[0], -1 if m[1] is None else m[1]))
    counts = allocate(sizes={g: len(m) for g, m in sorted(units.items())}, n=n, proportional=proportional)
    rng = np.random.default_rng(seed)
    rows: list[SheetRow] = []
    for group in sorted(units):
        members = units[group]
        chosen = np.sort(rng.choice(len(members), size=counts[group], replace=False))
        for i in chosen.tolist():
            key, k = members[i]
            parts = texts.get(key)
            if k is None:
                text = "\n\n".join(t for _, t in parts) if parts else None
                rows.append(SheetRow(id=key, group=group, seed=seed, frame_size=len(members), text=text))
            else:
                text = dict(parts or []).get(k)
                rows.append(
                    SheetRow(
                        id=f"{key}:{k}",
                        group=group,
                        seed=seed,
                        frame_size=len(members),
                        text=text,
                        article_id=key,
                        passage=k,
                    )
                )
    return rows


def _record(row: SheetRow) -> dict[str, Any]:
    record: dict[str, Any] = {"id": row.id}
    if row.article_id is not None:
        record["article_id"] = row.article_id
        record["passage"] = row.passage
    record.update(group=row.group, seed=row.seed, frame_size=row.frame_size)
    if row.text is not None:
        record["text"] = row.text
    record["frames"] = None  # for the coder to fill
    return record


def write_sheet(rows: Sequence[SheetRow], path: str | Path, *, force: bool = False) -> Path:
    """Write a coding sheet atomically, as JSONL or CSV by the file's suffix.

    In CSV, ``frames`` is an empty column for ``;``-separated frame ids.

    Raises
    ------
    OutputError
        An unknown suffix, the file exists (without ``force``), or it cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sheet.csv"
    >>> _ = write_sheet([SheetRow(id="a1", group="en", seed=3, frame_size=6, text="Hi")], path)
    >>> path.read_text().splitlines()
    ['id,group,seed,frame_size,text,frames', 'a1,en,3,6,Hi,']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise OutputError(f"{path}: a coding sheet is a .jsonl or .csv file")
    records = [_record(row) for row in rows]
    with atomic_write(path, force=force) as fh:
        if suffix == ".jsonl":
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            columns: list[str] = []
            for record in records:
                columns.extend(c for c in record if c not in columns)
            columns = [c for c in columns if c != "frames"] + ["frames"]
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "frames": ""})
    return path


@dataclass(frozen=True)
class PlanRow:
    """How many to hand-code in one group for one frame's corrected interval (see :func:`plan_groups`)."""

    group: str
    frame: str
    articles: int
    predicted_share: float
    prevalence: float
    precision: float
    recall: float
    needed: int


def plan_groups(
    *,
    articles: Sequence[Mapping[str, Any]],
    by: str,
    frames: Sequence[str],
    card: Mapping[str, Any],
    width: float,
    level: float = 0.95,
) -> list[PlanRow]:
    """Roughly how many articles to hand-code in each group, frame by frame.

    The true share is guessed from the classifier's share ``q`` in the group as
    ``q * precision / recall`` (kept within 1% and 99%), with the model's cross-validated
    precision and recall of the frame from its card; :func:`~framing.analysis.validation.plan_sample`
    gives the number. The card's figures come from other texts (and are optimistic when the
    thresholds were tuned on the same folds): take the largest number of a group, with a margin.

    Raises
    ------
    ValidationError
        The card has no cross-validated precision and recall for a frame; an article without the
        group field.

    Examples
    --------
    >>> arts = [{"id": str(i), "g": "en", "frames": ["econ"] if i < 300 else []} for i in range(1000)]
    >>> card = {"cv_metrics": {"per_frame": {"econ": {"precision": 0.8, "recall": 0.8}}}}
    >>> [(r.group, r.prevalence, r.needed) for r in plan_groups(articles=arts, by="g", frames=["econ"],
    ...                                                         card=card, width=0.1)]
    [('en', 0.3, 190)]
    """
    per_frame = (card.get("cv_metrics") or {}).get("per_frame") or {}
    members: dict[str, list[Mapping[str, Any]]] = {}
    for record in articles:
        group = record.get(by)
        if group in (None, ""):
            raise ValidationError(
                f"article {record.get('id')!r} has no {by!r} field; every article must belong to a group"
            )
        members.setdefault(str(group), []).append(record)
    rows: list[PlanRow] = []
    for frame in frames:
        figures = per_frame.get(frame) or {}
        precision, recall = figures.get("precision"), figures.get("recall")
        if not precision or not recall:
            raise ValidationError(f"the model's card has no cross-validated precision and recall for frame {frame!r}")
        for group in sorted(members):
            records = members[group]
            share = sum(frame in r.get("frames", ()) for r in records) / len(records)
            prevalence = min(max(share * precision / recall, 0.01), 0.99, 0.99 * precision / recall)
            rows.append(
                PlanRow(
                    group=group,
                    frame=frame,
                    articles=len(records),
                    predicted_share=share,
                    prevalence=round(prevalence, 6),
                    precision=float(precision),
                    recall=float(recall),
                    needed=plan_sample(
                        prevalence=prevalence, precision=precision, recall=recall, width=width,
                        articles=len(records), level=level,
                    ) if len(records) >= 3 else len(records),
                )
            )
    return rows
