"""Hand codes of a validation sample, and the agreement of two coders on them.

A codes file is label JSONL or CSV with an ``id`` (the scored article's id) and ``frames`` (a
list, or ``;``-separated in CSV), one record an article; a ``coder`` field is kept when there.
:func:`read_codes` reads one; :func:`agreement` measures two coders' reliability per frame and
over all frames: Krippendorff's alpha for nominal data (Krippendorff 2004, *Content Analysis*,
ch. 11; the ``krippendorff`` package) and percent agreement, with every disagreement listed so
that it can be adjudicated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np

from ..core.errors import InputError, LabelError, ValidationError
from ..core.records import csv_records, jsonl_records

__all__ = ["Codes", "FrameAgreement", "Agreement", "read_codes", "agreement"]


@dataclass(frozen=True)
class Codes:
    """One coder's (or an adjudicated) codes: article id to the frames it carries, in file order."""

    frames: Mapping[str, frozenset[str]]
    coders: Mapping[str, str] = field(default_factory=dict)
    source: str = ""


def _frames_of(value: Any, *, path: Path, line: int) -> frozenset[str]:
    if value is None:
        raise LabelError("'frames' is empty: this article has not been coded yet", path=path, line=line)
    if isinstance(value, str):  # CSV cell
        return frozenset(v.strip() for v in value.split(";") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(v.strip() for v in value if v.strip())
    raise LabelError("'frames' must be a list of frame ids", path=path, line=line)


def read_codes(path: str | Path) -> Codes:
    """Read a codes file (``.jsonl`` or ``.csv``): ``id`` and ``frames`` each record.

    Raises
    ------
    LabelError
        Naming the file and line: no such file, a record without ``id`` or ``frames``, an id
        coded twice, frames that are not a list, no records.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = path.write_text('{"id": "x", "frames": ["econ"], "coder": "ann"}\\n{"id": "y", "frames": []}\\n')
    >>> codes = read_codes(path)
    >>> sorted(codes.frames["x"]), sorted(codes.frames["y"]), dict(codes.coders)
    (['econ'], [], {'x': 'ann'})
    """
    path = Path(path)
    if not path.is_file():
        raise LabelError("no such file" if not path.exists() else "not a file", path=path)
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise LabelError("hand codes must be a .jsonl or .csv file", path=path)
    frames: dict[str, frozenset[str]] = {}
    coders: dict[str, str] = {}
    lines: dict[str, int] = {}
    try:
        rows = (
            jsonl_records(path)
            if suffix == ".jsonl"
            else csv_records(path, required="id", optional=("frames", "coder"))
        )
        for line, record in rows:
            key = record.get("id")
            if key in (None, ""):
                raise LabelError("record has no 'id'", path=path, line=line)
            key = str(key)
            if key in frames:
                raise LabelError(f"article {key!r} coded twice (also on line {lines[key]})", path=path, line=line)
            if "frames" not in record:
                raise LabelError("record has no 'frames'", path=path, line=line)
            frames[key] = _frames_of(record["frames"], path=path, line=line)
            lines[key] = line
            if record.get("coder") not in (None, ""):
                coders[key] = str(record["coder"])
    except LabelError:
        raise
    except InputError as exc:  # malformed JSON or CSV: still a bad codes file
        raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
    if not frames:
        raise LabelError("no coded articles in this file", path=path)
    return Codes(frames=frames, coders=coders, source=str(path))


@dataclass(frozen=True)
class FrameAgreement:
    """Two coders on one frame (or on all, ``frame == "all"``): alpha and percent agreement."""

    frame: str
    units: int
    alpha: float  # NaN when undefined: both coders gave one and the same value throughout
    percent: float
    disagreements: int


@dataclass(frozen=True)
class Agreement:
    """Reliability of two coders: per frame, overall, the disagreements and the unmatched ids."""

    frames: list[FrameAgreement]
    overall: FrameAgreement
    articles: int  # coded by both
    identical: int  # coded with exactly the same frames by both
    disagreements: list[tuple[str, str, bool, bool]]  # (id, frame, first says, second says)
    only_first: list[str]
    only_second: list[str]


def _alpha(first: np.ndarray, second: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) of two coders' 0/1 codes; NaN when it is undefined."""
    if np.unique(np.concatenate([first, second])).size < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=np.vstack([first, second]), level_of_measurement="nominal"))


def agreement(*, first: Codes, second: Codes, frames: Sequence[str] | None = None) -> Agreement:
    """Inter-coder reliability of two coders, per frame and over all frames.

    Each frame is a nominal variable (carried or not) coded on every article both coders coded.
    The overall figures pool all (article, frame) pairs as units.

    Parameters
    ----------
    first, second : Codes
        The two coders' codes (:func:`read_codes`).
    frames : sequence of str, optional
        The frames to measure (the codebook's); by default every frame either coder used.

    Returns
    -------
    Agreement

    Raises
    ------
    ValidationError
        The coders have no article in common, or there is no frame to measure.

    Examples
    --------
    >>> a = Codes({"1": frozenset(), "2": frozenset({"econ"}), "3": frozenset(), "4": frozenset({"econ"})})
    >>> b = Codes({"1": frozenset(), "2": frozenset({"econ"}), "3": frozenset({"econ"}), "4": frozenset({"econ"})})
    >>> result = agreement(first=a, second=b)
    >>> row = result.frames[0]
    >>> row.frame, row.units, round(row.alpha, 4), row.percent
    ('econ', 4, 0.5333, 0.75)
    >>> result.disagreements
    [('3', 'econ', False, True)]
    """
    common = [key for key in first.frames if key in second.frames]
    only_first = [key for key in first.frames if key not in second.frames]
    only_second = [key for key in second.frames if key not in first.frames]
    if not common:
        raise ValidationError("the two coders have no article in common: compare codes of the same sample")
    if frames is None:
        used = set().union(*first.frames.values(), *second.frames.values())
        frames = sorted(used)
    frames = list(frames)
    if not frames:
        raise ValidationError("neither coder marked any frame: there is nothing to measure agreement on")
    a = np.array([[f in first.frames[key] for f in frames] for key in common], dtype=bool)
    b = np.array([[f in second.frames[key] for f in frames] for key in common], dtype=bool)
    rows = []
    for j, frame in enumerate(frames):
        differ = int(np.sum(a[:, j] != b[:, j]))
        rows.append(
            FrameAgreement(
                frame=frame,
                units=len(common),
                alpha=_alpha(a[:, j].astype(float), b[:, j].astype(float)),
                percent=1.0 - differ / len(common),
                disagreements=differ,
            )
        )
    differ_all = int(np.sum(a != b))
    overall = FrameAgreement(
        frame="all",
        units=a.size,
        alpha=_alpha(a.ravel().astype(float), b.ravel().astype(float)),
        percent=1.0 - differ_all / a.size,
        disagreements=differ_all,
    )
    listed = [
        (key, frame, bool(a[i, j]), bool(b[i, j]))
        for i, key in enumerate(common)
        for j, frame in enumerate(frames)
        if a[i, j] != b[i, j]
    ]
    return Agreement(
        frames=rows,
        overall=overall,
        articles=len(common),
        identical=int(np.sum(np.all(a == b, axis=1))),
        disagreements=listed,
        only_first=only_first,
        only_second=only_second,
    )
