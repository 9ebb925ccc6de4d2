"""Manage label files: import labels from other tools, count them, migrate frames.

Label files are hours of a coder's work, so every change here is written to a
temporary file and renamed into place, with the file it replaces kept as
``NAME.bak``; an import keeps every byte already in the file. Interactive
labelling appends one answer at a time (see :func:`append_record`), synced to
disk before the next passage is shown.

Judged-on frames: a record stamped ``codebook_version`` was judged on the
frames that codebook version had (a frame's ``added`` field in the codebook
says when it came in), a record with a ``judged`` list on those frames; see
:func:`framing.labels.store.read_labels`. Imports and the labelling loop stamp every
record they write with the codebook's version.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.atomic import atomic_write, backup_path, check_writable
from ..core.errors import InputError, LabelError
from ..core.records import csv_records, find_column, jsonl_records
from ..core.text import LANGUAGES, detect_language, normalize
from .codebook import Codebook, closest_frame, load_codebook
from .store import AUTHORED, LABEL_SUFFIXES, LabelledPassage, label_files, read_labels

__all__ = [
    "text_key",
    "find_codebook",
    "existing_labels",
    "check_given_labels",
    "import_labels",
    "ImportReport",
    "label_stats",
    "migrate_labels",
    "MigrationReport",
    "append_record",
    "remove_record",
    "check_tail",
]

CODEBOOK_NAME = "codebook.toml"
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


def clean_text(text: str) -> str:
    """White space folded to single spaces (tabs, line breaks, no-break spaces).

    Examples
    --------
    >>> clean_text("  Two\\tspaces\\u00a0and\\n a break ")
    'Two spaces and a break'
    """
    return " ".join(text.split())


def find_codebook(codebook: str | Path | None, *, near: str | Path) -> Codebook:
    """The codebook given, else ``codebook.toml`` in the folder of ``near`` (a labels file or folder).

    Raises
    ------
    LabelError
        When none is given and there is none beside the labels.
    """
    if codebook is not None:
        return load_codebook(codebook)
    near = Path(near)
    folder = near if near.is_dir() else near.parent
    candidate = folder / CODEBOOK_NAME
    if candidate.is_file():
        return load_codebook(candidate)
    raise LabelError(f"no {CODEBOOK_NAME} beside the labels; pass --codebook FILE", path=folder)


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
    """Label files or folders a user named (``--labels``): each must exist.

    :func:`existing_labels` treats a missing default as no labels; a named path
    that is missing is more likely a typo, and ignoring it would let duplicates
    of its passages through.
    """
    out = [Path(p) for p in paths]
    for path in out:
        if not path.exists():
            raise LabelError("no such label file or folder (given with --labels)", path=path)
    return out


# ---------------------------------------------------------------------------
# Import


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
) -> list[tuple[int, str, list[str], dict[str, Any]]]:
    """(line, clean text, frames, record to write) for every record of one file, validated."""
    if path.suffix.lower() == ".jsonl":
        records = jsonl_records(path)
    elif path.suffix.lower() == ".csv":
        records = csv_records(path, required=text_col, hint="; choose it with --text-col")
    else:
        raise LabelError("labels to import must be .csv or .jsonl", path=path)
    out = []
    try:
        for line, record in records:
            text_key_name = _field(record, text_col)
            text = record.get(text_key_name) if text_key_name else None
            if not isinstance(text, str) or not text.strip():
                raise LabelError(
                    f"no {text_col!r} text in this record (choose it with --text-col)", path=path, line=line
                )
            frames_key = _field(record, frames_col)
            if frames_key is None or record[frames_key] is None:
                raise LabelError(
                    f"no {frames_col!r} in this record (choose it with --frames-col; an empty value means none)",
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
    if into.suffix.lower() != ".jsonl":
        raise LabelError("labels are imported into a .jsonl file", path=into)
    check_writable(into, force=True)
    if not files:
        raise LabelError("no files to import")
    if not sep:
        raise LabelError("--sep, what separates frame ids in a text cell, must not be empty")
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
            language_col=language_col, source_col=source_col,
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
    _assign_ids(new, used_ids, stem=into.stem)
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


def _assign_ids(new: list[_Candidate], used: dict[str, str], *, stem: str) -> None:
    """Keep given ids that are free; number the rest ``STEM-00001``... past every id in use."""
    for c in new:
        ident = c.record["id"]
        if ident is None:
            continue
        if ident in used:
            path, _, line = c.origin.rpartition(":")
            raise LabelError(
                f"id {ident!r} is already used at {used[ident]} for another passage; "
                "import without ids (--id-col '') to number them",
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


# ---------------------------------------------------------------------------
# Statistics


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
    from .store import MIN_POSITIVES

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


# ---------------------------------------------------------------------------
# Migrations: renaming and merging frames


@dataclass
class MigrationReport:
    """What a migration changed: records per label file, and the codebook."""

    steps: list[tuple[list[str], str]]
    files: dict[str, int] = field(default_factory=dict)  # path -> records changed
    codebook: str | None = None
    removed_tables: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


def parse_steps(renames: Sequence[str] = (), merges: Sequence[str] = ()) -> list[tuple[list[str], str]]:
    """``OLD=NEW`` renames and ``A,B=NEW`` merges as (sources, target) steps, renames first.

    Examples
    --------
    >>> parse_steps(["old=new"], ["a,b=ab"])
    [(['old'], 'new'), (['a', 'b'], 'ab')]
    """
    steps: list[tuple[list[str], str]] = []
    for kind, items in (("rename", renames), ("merge", merges)):
        for item in items:
            left, eq, right = item.partition("=")
            sources = [s.strip() for s in left.split(",") if s.strip()]
            target = right.strip()
            if not eq or not sources or not target or (kind == "rename" and len(sources) != 1):
                form = "OLD=NEW" if kind == "rename" else "A,B=NEW"
                raise LabelError(f"--{kind} takes {form}, not {item!r}")
            if kind == "merge" and len(set(sources)) < 2:
                raise LabelError(f"--merge needs at least two frames to merge: {item!r}")
            if kind == "rename" and sources == [target]:
                raise LabelError(f"--rename {item!r} renames a frame to itself")
            steps.append((list(dict.fromkeys(sources)), target))
    if not steps:
        raise LabelError("nothing to migrate: give --rename OLD=NEW or --merge A,B=NEW")
    return steps


def _migrate_list(frames: list[str], sources: list[str], target: str, *, judged: bool) -> list[str]:
    """Frames (or judged frames) after merging ``sources`` into ``target``.

    A passage carries the merged frame when it carried any source. It was
    judged on the merged frame only when judged on every source: judged on one
    and silent on the other, it may carry the other.
    """
    hit = [f in frames for f in sources]
    keep = [f for f in frames if f not in sources]
    if (all(hit) if judged else any(hit)) and target not in keep:
        position = min(i for i, f in enumerate(frames) if f in sources)
        keep.insert(min(position, len(keep)), target)
    return keep


def _migrate_record(
    record: dict[str, Any], steps: list[tuple[list[str], str]], *, csv_sep: str | None, carried: set[str]
) -> bool:
    """Migrate the record's frames and judged frames in place; add the frames it carried to ``carried``."""
    changed = False
    for name, judged in (("frames", False), ("judged", True)):
        value = record.get(name)
        if value is None or (csv_sep is not None and name == "judged" and value == ""):
            continue
        if csv_sep is not None:
            items = [v.strip() for v in str(value).split(csv_sep) if v.strip()]
        elif isinstance(value, list):
            items = [str(v) for v in value]
        else:
            continue
        if name == "frames":
            carried.update(items)
        new = items
        for sources, target in steps:
            new = _migrate_list(new, sources, target, judged=judged)
        if new != items:
            record[name] = csv_sep.join(new) if csv_sep is not None else new
            changed = True
    return changed


_TABLE = re.compile(r"^\s*\[")
_FRAMES_TABLE = re.compile(r"^\s*\[\[\s*frames\s*\]\]")
_ID_LINE = re.compile(r"""^(\s*id\s*=\s*)(["'])([^"']*)\2(.*)$""")
_ADDED_LINE = re.compile(r"^\s*added\s*=")


def _frame_tables(lines: list[str]) -> dict[str, tuple[int, int, int]]:
    """frame id -> (first line, end line, id line) of its ``[[frames]]`` table."""
    out: dict[str, tuple[int, int, int]] = {}
    starts = [i for i, line in enumerate(lines) if _FRAMES_TABLE.match(line)]
    for start in starts:
        end = next((j for j in range(start + 1, len(lines)) if _TABLE.match(lines[j])), len(lines))
        for j in range(start + 1, end):
            match = _ID_LINE.match(lines[j])
            if match:
                out[match.group(3)] = (start, end, j)
                break
    return out


def _migrate_codebook(text: str, book: Codebook, steps: list[tuple[list[str], str]]) -> tuple[str, list[str]]:
    """The codebook's text with frames renamed or merged; and the ids whose tables were removed.

    The TOML is edited as text so comments, order and layout stay as the
    author wrote them: an id line changes, tables of merged-away frames go
    (their definitions stay in the backup), ``-> OLD`` cross-references in
    includes/excludes follow, and the merged frame's ``added`` becomes the
    latest of its sources' (a passage was judged on it only if judged on all).
    """
    added = {f.id: f.added for f in book.frames}
    removed: list[str] = []
    for sources, target in steps:
        lines = text.splitlines(keepends=True)
        tables = _frame_tables(lines)
        for s in sources:
            if s not in tables:
                hint = closest_frame(s, list(tables))
                tip = f"; did you mean {hint!r}?" if hint else ""
                raise LabelError(f"the codebook has no frame {s!r}{tip}", path=book.path)
        involved = [*sources, *([target] if target in tables and target not in sources else [])]
        keep = target if target in tables else sources[0]
        new_added = max(added.get(f, 1) for f in involved)
        drop = [f for f in involved if f != keep]
        start, end, id_line = tables[keep]
        match = _ID_LINE.match(lines[id_line].rstrip("\r\n"))
        assert match is not None  # found by _frame_tables
        ending = lines[id_line][len(lines[id_line].rstrip("\r\n")):]
        lines[id_line] = f"{match.group(1)}{match.group(2)}{target}{match.group(2)}{match.group(4)}{ending}"
        added_lines = [j for j in range(start, end) if _ADDED_LINE.match(lines[j])]
        if added_lines:
            lines[added_lines[0]] = f"added = {new_added}\n"
        elif new_added > 1:
            lines.insert(id_line + 1, f"added = {new_added}\n")
        # Remove the merged-away tables, last first so earlier indices hold
        # (found again: an inserted 'added' line moved what follows).
        tables = _frame_tables(lines)
        spans = sorted((tables[f][0], tables[f][1]) for f in drop)
        for a, b in reversed(spans):
            del lines[a:b]
        text = "".join(lines)
        for s in sources:
            text = re.sub(rf"->\s*{re.escape(s)}\b", f"-> {target}", text)
        for f in drop:
            added.pop(f, None)
        added[target] = new_added
        removed.extend(f for f in drop if f != target)
    return text, removed


def migrate_labels(
    paths: Sequence[str | Path],
    *,
    steps: list[tuple[list[str], str]],
    codebook: str | Path | None = None,
) -> MigrationReport:
    """Rename or merge frames in label files and, when given, in the codebook.

    Parameters
    ----------
    paths : sequence of str or Path
        Label files (``.jsonl``, ``.csv``) or folders of them.
    steps : list of (sources, target)
        From :func:`parse_steps`; applied in order. A rename is a merge of one.
    codebook : str or Path, optional
        The codebook (TOML) to migrate with the labels.

    Returns
    -------
    MigrationReport

    Notes
    -----
    Everything is computed and checked first (the new codebook must load and
    every migrated frame must be in it), then each file is replaced atomically,
    its old version kept as ``NAME.bak``. Other fields and the order of
    records are kept; a JSONL file's blank lines are not.
    """
    book = load_codebook(codebook) if codebook is not None else None
    report = MigrationReport(steps=steps)
    new_book_text: str | None = None
    if book is not None:
        new_book_text, report.removed_tables = _migrate_codebook(
            Path(book.path).read_text(encoding="utf-8"), book, steps
        )
        try:
            tomllib.loads(new_book_text)
        except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the edit keeps TOML valid
            raise LabelError(f"migrated codebook is not valid TOML ({exc}); nothing changed", path=book.path) from None
    outputs: list[tuple[Path, bytes]] = []
    carried: set[str] = set()  # the frames the labels carry before the migration
    for path in label_files(paths):
        data, changed = _migrate_file(path, steps, carried)
        report.files[str(path)] = changed
        if changed:
            outputs.append((path, data))
    _check_renames(steps, carried | (set(book.ids) if book is not None else set()))
    if new_book_text is not None and book is not None:
        _check_new_codebook(new_book_text, book, outputs)
        outputs.append((Path(book.path), new_book_text.encode("utf-8")))
        report.codebook = book.path
    for path, data in outputs:
        with atomic_write(path, mode="wb", force=True, backup=True) as fh:
            fh.write(data)
        report.backups.append(str(backup_path(path)))
    return report


def _check_renames(steps: list[tuple[list[str], str]], frames: set[str]) -> None:
    """A rename into a frame that already exists (in ``frames``, or made by an earlier
    step) would merge the two without saying so."""
    current = set(frames)
    for sources, target in steps:
        if len(sources) == 1 and target in current:
            old = sources[0]
            raise LabelError(
                f"--rename {old}={target}: {target!r} is already a frame; to fold {old!r} into it, "
                f"use --merge {old},{target}={target}"
            )
        current = (current - set(sources)) | {target}


def _check_new_codebook(text: str, book: Codebook, outputs: list[tuple[Path, bytes]]) -> None:
    """Every frame the migrated labels use must be in the migrated codebook."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "codebook.toml"
        probe.write_text(text, encoding="utf-8")
        new = load_codebook(probe)
        for number, (path, data) in enumerate(outputs):
            copy = Path(tmp) / f"{number}{path.suffix}"
            copy.write_bytes(data)
            try:
                read_labels([copy], codebook=new)
            except LabelError as exc:
                raise LabelError(
                    f"after the migration: {exc.reason} (line {exc.line}); nothing changed", path=path
                ) from None


def _migrate_file(path: Path, steps: list[tuple[list[str], str]], carried: set[str]) -> tuple[bytes, int]:
    """The file's new bytes and how many records changed; the frames its records carried go into ``carried``."""
    changed = 0
    if path.suffix.lower() == ".jsonl":
        lines = []
        try:
            for _, record in jsonl_records(path):
                if _migrate_record(record, steps, csv_sep=None, carried=carried):
                    changed += 1
                lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        except InputError as exc:
            raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
        return "".join(lines).encode("utf-8"), changed
    # CSV: read with the file's own header, so columns keep their names and order.
    import csv
    import io

    from ..core.records import open_lines

    try:
        reader = csv.DictReader(line for _, line in open_lines(path))
        header = [c for c in (reader.fieldnames or []) if c is not None]
        rows = list(reader)
    except (InputError, csv.Error) as exc:
        reason = exc.reason if isinstance(exc, InputError) else f"malformed CSV ({exc})"
        raise LabelError(reason, path=path) from None
    names = {"frames": find_column(header, "frames"), "judged": find_column(header, "judged")}
    for row in rows:
        record = {key: row.get(name) for key, name in names.items() if name is not None}
        if _migrate_record(record, steps, csv_sep=";", carried=carried):
            changed += 1
            for key, name in names.items():
                if name is not None:
                    row[name] = record[key]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8"), changed


# ---------------------------------------------------------------------------
# Appending one answer at a time


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
    path = Path(path)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    new = not path.exists()
    with path.open("ab") as fh:
        if fh.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    line = b"\n" + line
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    if new:  # the file's name must reach the disk too
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


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
