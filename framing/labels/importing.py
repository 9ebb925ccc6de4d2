"""Import labelled passages from other tools' CSV or JSONL into a label file (``framing labels import``).

Label files are hours of a coder's work: an import keeps every byte already in the
file, writes to a temporary file and renames it into place, with the file it replaces
kept as ``NAME.bak``. Every record written is stamped with the codebook's version (see
:func:`framing.labels.store.read_labels` on judged-on frames).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.atomic import atomic_write, check_writable
from ..core.errors import InputError, LabelError
from ..core.records import csv_records, find_column, jsonl_records
from ..core.text import LANGUAGES, detect_language
from .codebook import Codebook, closest_frame
from .store import AUTHORED, LABEL_SUFFIXES, check_given_labels, existing_labels, text_key

__all__ = ["ImportReport", "clean_text", "import_labels"]


def clean_text(text: str) -> str:
    """White space folded to single spaces (tabs, line breaks, no-break spaces).

    Examples
    --------
    >>> clean_text("  Two\\tspaces\\u00a0and\\n a break ")
    'Two spaces and a break'
    """
    return " ".join(text.split())


@dataclass
class ImportReport:
    """What an import did: passages added, and those left out with the reason."""

    into: Path
    read: int = 0
    added: int = 0
    codebook_version: int = 1
    # (where, where the passage already is, "exact" or "normalised")
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    # (where, where the other is, its frames, the other's frames): neither is imported
    conflicts: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)


@dataclass
class _Candidate:
    origin: str
    key: str
    text: str
    frames: list[str]
    record: dict[str, Any]
    dropped: bool = False


def _field(record: dict[str, Any], wanted: str) -> str | None:
    """The key of ``record`` meaning column ``wanted`` (CSV headers match loosely)."""
    return find_column([k for k in record if isinstance(k, str)], wanted)


def _split_frames(value: Any, *, sep: str, path: Path, line: int) -> list[str]:
    if isinstance(value, str):
        return list(dict.fromkeys(v.strip() for v in value.split(sep) if v.strip()))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))
    raise LabelError(f"frames must be a list of frame ids or a string separated by {sep!r}", path=path, line=line)


def _check_frames(frames: Sequence[str], book: Codebook, *, path: Path, line: int, what: str = "frame") -> None:
    for frame in frames:
        if frame not in book:
            hint = closest_frame(frame, book.ids)
            tip = f"; did you mean {hint!r}?" if hint else f"; the codebook has {', '.join(book.ids)}"
            raise LabelError(f"unknown {what} {frame!r}{tip}", path=path, line=line)


def _read_import(
    path: Path,
    *,
    book: Codebook,
    text_col: str,
    frames_col: str,
    sep: str,
    id_col: str,
    language_col: str,
    source_col: str,
    names: Mapping[str, str],
) -> list[tuple[int, str, list[str], dict[str, Any]]]:
    """(line, clean text, frames, record to write) for every record of one file, validated."""
    if path.suffix.lower() == ".jsonl":
        records = jsonl_records(path)
    elif path.suffix.lower() == ".csv":
        records = csv_records(path, required=text_col, hint=f"; choose it with {names['text_col']}")
    else:
        raise LabelError("labels to import must be .csv or .jsonl", path=path)
    out = []
    try:
        for line, record in records:
            text_key_name = _field(record, text_col)
            text = record.get(text_key_name) if text_key_name else None
            if not isinstance(text, str) or not text.strip():
                raise LabelError(
                    f"no {text_col!r} text in this record (choose it with {names['text_col']})", path=path, line=line
                )
            frames_key = _field(record, frames_col)
            if frames_key is None or record[frames_key] is None:
                raise LabelError(
                    f"no {frames_col!r} in this record "
                    f"(choose it with {names['frames_col']}; an empty value means none)",
                    path=path, line=line,
                )
            frames = _split_frames(record[frames_key], sep=sep, path=path, line=line)
            _check_frames(frames, book, path=path, line=line)
            text = clean_text(text)
            language_key = _field(record, language_col)
            language = (record.get(language_key) if language_key else None) or detect_language(text)
            if language not in LANGUAGES:
                raise LabelError(f"language {language!r} is not one of {', '.join(LANGUAGES)}", path=path, line=line)
            id_key = _field(record, id_col)
            ident = record.get(id_key) if id_key else None
            source_key = _field(record, source_col)
            source = (record.get(source_key) if source_key else None) or AUTHORED
            used = {text_key_name, frames_key, language_key, id_key, source_key}
            out_record: dict[str, Any] = {
                "id": None if ident in (None, "") else str(ident),
                "text": text,
                "frames": frames,
                "language": language,
                "source": str(source),
                "codebook_version": book.version,
            }
            judged_key = _field(record, "judged")
            if judged_key is not None and record[judged_key] not in (None, ""):
                judged = _split_frames(record[judged_key], sep=sep, path=path, line=line)
                _check_frames(judged, book, path=path, line=line, what="frame in 'judged'")
                out_record["judged"] = judged
                used.add(judged_key)
            # Other fields (outlet, url, coder...) are kept: they cost nothing and may matter later.
            for key, value in record.items():
                if key not in used and key not in out_record and value not in (None, ""):
                    out_record[key] = value
            out.append((line, text, frames, out_record))
    except LabelError:
        raise
    except InputError as exc:  # malformed JSON or CSV: a bad file to import
        raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
    return out


def import_labels(
    files: Sequence[str | Path],
    *,
    into: str | Path,
    codebook: Codebook,
    existing: Sequence[str | Path] | None = None,
    text_col: str = "text",
    frames_col: str = "frames",
    sep: str = ";",
    id_col: str = "id",
    language_col: str = "language",
    source_col: str = "source",
    names: Mapping[str, str] | None = None,
) -> ImportReport:
    """Add labelled passages from CSV or JSONL files to a JSONL label file.

    Parameters
    ----------
    files : sequence of str or Path
        ``.csv`` or ``.jsonl`` files to import.
    into : str or Path
        The ``.jsonl`` label file to add to (created when missing). What it
        holds is kept byte for byte; new records go after it.
    codebook : Codebook
        Every frame must be one of its ids; records are stamped with its version.
    existing : sequence of str or Path, optional
        The labels already made, to check against (default: every label file
        in the folder of ``into``). Each path given must exist.
    text_col, frames_col, sep, id_col, language_col, source_col
        Where to find each field (CSV headers match ignoring case and
        surrounding spaces) and what separates frame ids in a string.
    names : mapping, optional
        How messages call ``text_col``, ``frames_col``, ``sep`` and ``id_col``
        (default: so; the command line gives its options' names).

    Returns
    -------
    ImportReport
        Counts, and the duplicates and conflicts left out.

    Raises
    ------
    LabelError
        An unknown frame (naming the file, line and the closest known id), a
        record without text or frames, an id already used for another passage.
        Nothing is written then.

    Notes
    -----
    White space is folded. A passage whose text, or whose text with case,
    spacing and punctuation ignored (:func:`text_key`), is already labelled
    with the same frames is a duplicate and left out. With *other* frames it is
    a conflict: it is not imported, and when both sides come from the import,
    neither is, so that a coder decides rather than the order of the files.
    """
    into = Path(into)
    called = {name: name for name in ("text_col", "frames_col", "sep", "id_col")} | dict(names or {})
    if into.suffix.lower() != ".jsonl":
        raise LabelError("labels are imported into a .jsonl file", path=into)
    check_writable(into, force=True)
    if not files:
        raise LabelError("no files to import")
    if not sep:
        raise LabelError(f"{called['sep']}, what separates frame ids in a text cell, must not be empty")
    given = check_given_labels(existing) if existing is not None else [into.parent]
    old = existing_labels(_with_target(given, into))
    report = ImportReport(into=into, codebook_version=codebook.version)
    by_key: dict[str, tuple[str, list[str], str]] = {}  # key -> (origin, frames, text) of labels held
    for p in old:
        by_key.setdefault(text_key(p.text), (p.origin, sorted(p.frames), p.text))
    used_ids = {p.id: p.origin for p in old}
    candidates: dict[str, _Candidate] = {}
    order: list[_Candidate] = []
    for item in files:
        path = Path(item)
        if not path.is_file():
            raise LabelError("no such file", path=path)
        for line, text, frames, record in _read_import(
            path, book=codebook, text_col=text_col, frames_col=frames_col, sep=sep, id_col=id_col,
            language_col=language_col, source_col=source_col, names=called,
        ):
            report.read += 1
            origin = f"{path}:{line}"
            key = text_key(text)
            held = by_key.get(key)
            if held is not None:
                if held[1] == sorted(frames):
                    report.duplicates.append((origin, held[0], "exact" if held[2] == text else "normalised"))
                else:
                    report.conflicts.append((origin, held[0], frames, held[1]))
                continue
            earlier = candidates.get(key)
            if earlier is not None:
                if sorted(earlier.frames) == sorted(frames):
                    kind = "exact" if earlier.text == text else "normalised"
                    report.duplicates.append((origin, earlier.origin, kind))
                else:
                    report.conflicts.append((origin, earlier.origin, frames, earlier.frames))
                    earlier.dropped = True
                continue
            candidate = _Candidate(origin, key, text, frames, record)
            candidates[key] = candidate
            order.append(candidate)
    new = [c for c in order if not c.dropped]
    _assign_ids(new, used_ids, stem=into.stem, id_option=called["id_col"])
    report.added = len(new)
    if new:
        _append_all(into, [c.record for c in new])
    return report


def _with_target(paths: Sequence[str | Path], into: Path) -> list[Path]:
    """The label files of ``paths`` plus ``into``, each once."""
    files: dict[Path, Path] = {}
    for item in [*paths, into]:
        path = Path(item)
        found = (
            [p for p in path.iterdir() if p.suffix.lower() in LABEL_SUFFIXES] if path.is_dir()
            else [path] if path.is_file() else []
        )
        for f in found:
            files.setdefault(f.resolve(), f)
    return sorted(files.values())


def _assign_ids(new: list[_Candidate], used: dict[str, str], *, stem: str, id_option: str) -> None:
    """Keep given ids that are free; number the rest ``STEM-00001``... past every id in use."""
    for c in new:
        ident = c.record["id"]
        if ident is None:
            continue
        if ident in used:
            path, _, line = c.origin.rpartition(":")
            raise LabelError(
                f"id {ident!r} is already used at {used[ident]} for another passage; "
                f"import without ids ({id_option} '') to number them",
                path=path, line=int(line),
            )
        used[ident] = c.origin
    number = 0
    for c in new:
        if c.record["id"] is not None:
            continue
        number += 1
        while f"{stem}-{number:05d}" in used:
            number += 1
        fresh = f"{stem}-{number:05d}"
        c.record["id"] = fresh
        used[fresh] = c.origin


def _append_all(path: Path, records: Sequence[dict[str, Any]]) -> None:
    """Rewrite ``path`` as its old bytes plus ``records``, atomically and keeping ``NAME.bak``."""
    old = path.read_bytes() if path.is_file() else b""
    with atomic_write(path, mode="wb", force=True, backup=True) as fh:
        fh.write(old)
        if old and not old.endswith(b"\n"):
            fh.write(b"\n")
        for record in records:
            fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
