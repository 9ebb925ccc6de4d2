"""Read labelled passages (JSONL or CSV) and validate them against a codebook.

JSONL: one object a line with ``text``, ``frames`` (a list; empty means judged
to carry none), and optionally ``language`` (``en``/``ru``, detected when
absent), ``id`` and ``source`` (the article a passage comes from, or
``authored``). CSV: columns ``text`` and ``frames`` (ids separated by ``;``),
the others optional.

Which frames a passage was judged on: an explicit ``judged`` list, else the
frames its ``codebook_version`` had (a codebook frame's ``added`` field says
when it came in; a record without a version counts as version 1), else every
frame. Passages are not negatives of frames they were never judged on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.atomic import append_line, atomic_write
from ..core.errors import InputError, LabelError
from ..core.records import csv_records, jsonl_records
from ..core.text import LANGUAGES, detect_language, normalize
from .codebook import Codebook, closest_frame

__all__ = [
    "LabelledPassage",
    "read_labels",
    "write_labels",
    "label_files",
    "labels_digest",
    "label_counts",
    "text_key",
    "existing_labels",
    "check_given_labels",
    "check_tail",
    "append_record",
    "remove_record",
]

LABEL_SUFFIXES = (".jsonl", ".csv")
# The fields of a record read besides ``text``: a CSV header names them in any case.
_OTHER_FIELDS = ("frames", "language", "id", "source", "judged", "codebook_version", "topic")
# What a passage may say of its subject: about the story (``on``) or not (``off``).
TOPICS = ("on", "off")
AUTHORED = "authored"
# A frame seen fewer times than this cannot be learnt or have a threshold tuned (the trainer's
# minimum; label stats flag frames under it).
MIN_POSITIVES = 3


@dataclass(frozen=True)
class LabelledPassage:
    """A passage of text with the frames a coder judged it to carry."""

    id: str
    text: str
    frames: tuple[str, ...]
    language: str
    source: str = AUTHORED
    origin: str = ""
    # The frames the coder judged the passage on; None means every frame. A
    # passage labelled before a frame was added to the codebook says nothing
    # about that frame and must not count as its negative.
    judged: tuple[str, ...] | None = None
    # "on" (about the story), "off" (about something else) or None (not said). A
    # passage that carries a frame is about the story; "off" passages teach the
    # model's relevance check what the story is not.
    topic: str | None = None

    @property
    def group(self) -> str:
        """Cross-validation group: passages of one article stay together."""
        return self.id if self.source in ("", AUTHORED) else self.source


def label_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their ``.jsonl`` / ``.csv`` files, sorted by name."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in LABEL_SUFFIXES)
            if not found:
                raise LabelError("folder holds no .jsonl or .csv label files", path=path)
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise LabelError("no such file or folder", path=path)
    return out


def _frames_of(value: Any, *, path: Path, line: int) -> tuple[str, ...]:
    if isinstance(value, str):  # CSV cell
        items = [v.strip() for v in value.split(";")]
        return tuple(v for v in items if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise LabelError("'frames' must be a list of frame ids", path=path, line=line)


def read_labels(
    paths: Iterable[str | Path], *, codebook: Codebook | None = None
) -> list[LabelledPassage]:
    """Read and validate labelled passages from files and folders.

    Parameters
    ----------
    paths : iterable of str or Path
        Label files (``.jsonl``, ``.csv``) or folders of them.
    codebook : Codebook, optional
        When given, every frame must be one of its ids.

    Raises
    ------
    LabelError
        Naming the file and line: malformed record, missing text or frames, an
        unknown frame (with the closest known id), an unknown language, a
        repeated id, or no passages at all.
    """
    known = codebook.ids if codebook is not None else None
    passages: list[LabelledPassage] = []
    seen_ids: dict[str, str] = {}
    for path in label_files(paths):
        records = (
            jsonl_records(path)
            if path.suffix.lower() == ".jsonl"
            else csv_records(path, required="text", optional=_OTHER_FIELDS)
        )
        try:
            for number, record in records:
                passages.append(
                    _passage(record, path=path, line=number, known=known, seen_ids=seen_ids, codebook=codebook)
                )
        except LabelError:
            raise
        except InputError as exc:  # malformed JSON or CSV, not UTF-8: still a bad labels file
            raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
    if not passages:
        raise LabelError("no labelled passages found", path=", ".join(str(p) for p in paths))
    return passages


def _judged_of(
    record: dict[str, Any], frames: tuple[str, ...], *, path: Path, line: int, codebook: Codebook | None
) -> tuple[str, ...] | None:
    """The frames a passage was judged on: its ``judged`` list, else those of its ``codebook_version``.

    A record with neither was labelled before any frame was marked ``added``
    in the codebook, so it counts as judged under version 1. Without a codebook
    only an explicit ``judged`` list can narrow the frames. A frame the passage
    carries was judged, whatever the record says.
    """
    value = record.get("judged")
    if isinstance(value, str) and not value.strip():
        # An empty CSV cell is a judged list not given (as an absent JSON field is),
        # not "judged on no frame", which would drop the passage from every frame's negatives.
        value = None
    if value is not None:
        if isinstance(value, str):  # CSV cell
            judged = tuple(v.strip() for v in value.split(";") if v.strip())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            judged = tuple(v.strip() for v in value if v.strip())
        else:
            raise LabelError("'judged' must be a list of frame ids", path=path, line=line)
        if codebook is not None:
            for frame in judged:
                if frame not in codebook:
                    hint = closest_frame(frame, codebook.ids)
                    tip = f"; did you mean {hint!r}?" if hint else ""
                    raise LabelError(f"unknown frame {frame!r} in 'judged'{tip}", path=path, line=line)
    elif codebook is not None:
        raw = record.get("codebook_version")
        version = 1
        if raw not in (None, ""):
            try:
                version = int(raw)
            except (TypeError, ValueError):
                version = 0
            if isinstance(raw, bool) or not 1 <= version <= codebook.version:
                raise LabelError(
                    f"codebook_version {raw!r} is not a version of the codebook (1 to {codebook.version})",
                    path=path, line=line,
                )
        judged = tuple(codebook.frames_at(version))
        if len(judged) == len(codebook.frames):
            return None
    else:
        return None
    return tuple(dict.fromkeys((*judged, *frames)))


def _passage(
    record: dict[str, Any],
    *,
    path: Path,
    line: int,
    known: list[str] | None,
    seen_ids: dict[str, str],
    codebook: Codebook | None = None,
) -> LabelledPassage:
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelError("no 'text' in this record", path=path, line=line)
    if "frames" not in record or record["frames"] is None:
        raise LabelError("no 'frames' in this record (use [] for none)", path=path, line=line)
    frames = _frames_of(record["frames"], path=path, line=line)
    if known is not None:
        for frame in frames:
            if frame not in known:
                hint = closest_frame(frame, known)
                tip = f"; did you mean {hint!r}?" if hint else ""
                raise LabelError(f"unknown frame {frame!r}{tip}", path=path, line=line)
    language = record.get("language") or detect_language(text)
    if language not in LANGUAGES:
        raise LabelError(f"language {language!r} is not one of {', '.join(LANGUAGES)}", path=path, line=line)
    ident = str(record.get("id") or f"{path.stem}:{line}")
    if ident in seen_ids:
        raise LabelError(f"id {ident!r} already used at {seen_ids[ident]}", path=path, line=line)
    seen_ids[ident] = f"{path}:{line}"
    source = str(record.get("source") or AUTHORED)
    judged = _judged_of(record, frames, path=path, line=line, codebook=codebook)
    topic = record.get("topic") or None
    if topic is not None and topic not in TOPICS:
        raise LabelError(f"'topic' must be 'on' or 'off', not {topic!r}", path=path, line=line)
    if topic == "off" and frames:
        raise LabelError("a passage with 'topic' off carries no frame", path=path, line=line)
    return LabelledPassage(
        ident, text.strip(), tuple(dict.fromkeys(frames)), language, source, f"{path}:{line}", judged, topic
    )


def labels_digest(passages: Sequence[LabelledPassage]) -> str:
    """sha256 of the labels' content (id, text, frames, language, judged frames, topic), order-free.

    The judged frames enter only when narrowed and the topic only when given, so
    labels that say neither keep the digest they always had.
    """
    rows = sorted(
        json.dumps(
            [
                p.id,
                p.text,
                sorted(p.frames),
                p.language,
                *([sorted(p.judged)] if p.judged is not None else []),
                *([{"topic": p.topic}] if p.topic is not None else []),
            ],
            ensure_ascii=False,
        )
        for p in passages
    )
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()


def label_counts(passages: Sequence[LabelledPassage], frames: Sequence[str]) -> dict[str, Any]:
    """Positive passages per frame and language, plus totals."""
    per: dict[str, dict[str, int]] = {f: {lang: 0 for lang in LANGUAGES} for f in frames}
    for p in passages:
        for f in p.frames:
            if f in per:
                per[f][p.language] += 1
    languages = Counter(p.language for p in passages)
    return {
        "passages": len(passages),
        "by_language": {lang: languages.get(lang, 0) for lang in LANGUAGES},
        "no_frame": sum(1 for p in passages if not p.frames),
        "positives": per,
    }


def write_labels(passages: Iterable[LabelledPassage], path: str | Path, *, force: bool = False) -> Path:
    """Write labelled passages as JSONL, safely: never a half-written or lost labels file.

    The file is written under a temporary name and renamed into place; a labels
    file it replaces (only with ``force``) is first kept as ``NAME.bak``, since
    labels are hours of a coder's work. Returns the path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "l.jsonl"
    >>> _ = write_labels([LabelledPassage("p1", "Sanctions hit oil exports.", ("economy",), "en")], path)
    >>> [(p.id, p.frames) for p in read_labels([path])]
    [('p1', ('economy',))]
    """
    path = Path(path)
    if path.suffix.lower() != ".jsonl":
        raise LabelError("labels are written as JSONL: the file name must end in .jsonl", path=path)
    with atomic_write(path, force=force, backup=True) as fh:
        for p in passages:
            record = {"id": p.id, "text": p.text, "frames": list(p.frames), "language": p.language, "source": p.source}
            if p.judged is not None:
                record["judged"] = list(p.judged)
            if p.topic is not None:
                record["topic"] = p.topic
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


_WORDS = re.compile(r"\w+")


def text_key(text: str) -> str:
    """A passage's text reduced to what a coder reads: case, accents of ё, spaces and punctuation ignored.

    Two passages with one key are the same passage, copied from different
    places (a web page and a PDF, curly or straight quotes).

    Examples
    --------
    >>> text_key("Всё  «ЕЩЁ» идёт.") == text_key("все еще идет")
    True
    """
    return " ".join(_WORDS.findall(normalize(text)))


def _has_records(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return any(line.strip() for line in fh)
    except OSError:
        return False


def existing_labels(paths: Iterable[str | Path]) -> list[LabelledPassage]:
    """Labelled passages in ``paths`` (files or folders), where there are any; missing or empty ones are none.

    Unlike :func:`~framing.labels.store.read_labels`, no labels at all is not an
    error: a labelling session or an import may start a new set.
    """
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in LABEL_SUFFIXES))
        elif path.is_file():
            files.append(path)
    files = [p for p in files if _has_records(p)]
    return read_labels(files) if files else []


def check_given_labels(paths: Iterable[str | Path]) -> list[Path]:
    """Label files or folders a user named: each must exist.

    :func:`existing_labels` treats a missing default as no labels; a named path
    that is missing is more likely a typo, and ignoring it would let duplicates
    of its passages through.
    """
    out = [Path(p) for p in paths]
    for path in out:
        if not path.exists():
            raise LabelError("no such label file or folder", path=path)
    return out


# ---------------------------------------------------------------------------
# Appending one answer at a time, and undoing it


def check_tail(path: str | Path) -> None:
    """Refuse a label file whose last line was cut off (a write interrupted by a crash).

    Raises
    ------
    LabelError
        Naming the line, so the coder can look at it before more is appended.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        fh.seek(max(path.stat().st_size - (1 << 16), 0))
        tail = fh.read()
    if tail.endswith(b"\n"):
        return
    last = tail.rsplit(b"\n", 1)[-1]
    try:
        json.loads(last.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        lines = path.read_bytes().count(b"\n") + 1
        raise LabelError(
            "the last line is incomplete (an interrupted write?); look at it, remove it, and run again",
            path=path, line=lines,
        ) from None


def append_record(path: str | Path, record: dict[str, Any]) -> None:
    """Append one JSON record to a label file and sync it to disk before returning.

    An append cannot lose what the file held; a crash mid-write can at worst
    leave the last line cut short, which :func:`check_tail` reports next time.
    """
    append_line(path, json.dumps(record, ensure_ascii=False))


def remove_record(path: str | Path, ident: str) -> bool:
    """Remove the last record with id ``ident`` from a JSONL label file (atomically, keeping ``NAME.bak``).

    Every other line is kept byte for byte. Returns whether one was found.
    """
    path = Path(path)
    if not path.is_file():
        return False
    lines = path.read_bytes().splitlines(keepends=True)
    for i in range(len(lines) - 1, -1, -1):
        try:
            record = json.loads(lines[i])
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict) and str(record.get("id")) == ident:
            del lines[i]
            with atomic_write(path, mode="wb", force=True, backup=True) as fh:
                fh.write(b"".join(lines))
            return True
    return False
