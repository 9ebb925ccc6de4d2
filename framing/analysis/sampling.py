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

__all__ = ["SheetRow", "draw_sample", "write_sheet", "allocate"]


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
