"""Read articles to score: .txt files and folders, JSONL, CSV, or standard input.

Every reader yields :class:`Article` objects lazily, so a large input is never
held in memory at once. Bad input raises :class:`~framing.errors.InputError`
naming the file and line.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import InputError

__all__ = ["Article", "read_articles", "read_metadata", "METADATA_FILES"]

# Sidecar files that give metadata (title, outlet, group, date, ...) for the
# .txt files in the same folder, keyed by file stem in the column ``id``.
METADATA_FILES = ("metadata.csv", "metadata.jsonl")
TEXT_SUFFIXES = (".txt",)
TABLE_SUFFIXES = (".jsonl", ".csv")

csv.field_size_limit(sys.maxsize)


@dataclass
class Article:
    """One article: its id, full text and metadata passed through to the scores."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # "file" or "file:line", for messages


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {exc.start}); convert it to UTF-8", path=path, line=line
        ) from None


def _open_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) of a UTF-8 file, reading it a line at a time."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError("not UTF-8 text; convert it to UTF-8", path=path, line=number) from None
            yield number, line


def read_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Read a sidecar metadata file (CSV or JSONL with an ``id`` column)."""
    rows: dict[str, dict[str, Any]] = {}
    if path.suffix == ".jsonl":
        for number, record in _jsonl_records(path):
            if "id" not in record:
                raise InputError("metadata record has no 'id'", path=path, line=number)
            rows[str(record["id"])] = {k: v for k, v in record.items() if k != "id"}
        return rows
    for _, record in _csv_records(path, required="id"):
        rows[str(record["id"])] = {k: v for k, v in record.items() if k != "id" and v not in (None, "")}
    return rows


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _open_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON ({exc.msg}, column {exc.colno})", path=path, line=number) from None
        if not isinstance(record, dict):
            raise InputError("each line must be a JSON object", path=path, line=number)
        yield number, record


def _csv_records(path: Path, *, required: str) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = (line for _, line in _open_lines(path))
    reader = csv.DictReader(lines)
    try:
        columns = reader.fieldnames or []
        if required not in columns:
            found = ", ".join(repr(c) for c in columns) or "none"
            raise InputError(f"no {required!r} column (columns found: {found})", path=path, line=1)
        for record in reader:
            yield reader.line_num, record
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num) from None


def _from_table(path: Path, *, text_field: str, id_field: str) -> Iterator[Article]:
    records = (
        _jsonl_records(path) if path.suffix == ".jsonl" else _csv_records(path, required=text_field)
    )
    for number, record in records:
        text = record.get(text_field)
        if not isinstance(text, str):
            raise InputError(f"no {text_field!r} text in this record", path=path, line=number)
        if not text.strip():
            raise InputError(f"empty {text_field!r}", path=path, line=number)
        ident = record.get(id_field)
        ident = f"{path.stem}:{number}" if ident in (None, "") else str(ident)
        meta = {k: v for k, v in record.items() if k not in (text_field, id_field)}
        yield Article(ident, text, meta, f"{path}:{number}")


def _from_txt(path: Path, meta: dict[str, Any]) -> Article:
    text = _read_text(path)
    if not text.strip():
        raise InputError("empty file", path=path)
    meta = dict(meta)
    if "title" not in meta:
        # A saved article starts with its headline.
        meta["title"] = next(line.strip() for line in text.splitlines() if line.strip())
    return Article(path.stem, text, meta, str(path))


def _sidecar(folder: Path) -> dict[str, dict[str, Any]]:
    for name in METADATA_FILES:
        candidate = folder / name
        if candidate.is_file():
            return read_metadata(candidate)
    return {}


def _from_stdin(stream: IO[str]) -> Iterator[Article]:
    text = stream.read()
    if not text.strip():
        raise InputError("no input on standard input", path="<stdin>")
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"malformed JSON ({exc.msg})", path="<stdin>", line=number) from None
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise InputError("each line needs a 'text' string", path="<stdin>", line=number)
            ident = str(record.get("id") or f"stdin:{number}")
            meta = {k: v for k, v in record.items() if k not in ("text", "id")}
            yield Article(ident, record["text"], meta, f"<stdin>:{number}")
    else:
        yield Article("stdin", text, {}, "<stdin>")


def read_articles(
    inputs: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    stdin: IO[str] | None = None,
) -> Iterator[Article]:
    """Yield the articles in ``inputs``, in the order given.

    Parameters
    ----------
    inputs : iterable of str or Path
        ``.txt`` files, folders (their ``.txt``, ``.jsonl`` and ``.csv`` files, sorted
        by name, with metadata from a ``metadata.csv`` or ``metadata.jsonl`` sidecar),
        ``.jsonl`` / ``.csv`` files with a text column, or ``"-"`` for standard input
        (JSONL when it starts with ``{``, otherwise one plain-text article).
    text_field, id_field : str
        Column names in JSONL and CSV inputs.
    stdin : file-like, optional
        Stream read for ``"-"`` (default ``sys.stdin``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Headline\\n\\nBody text.", encoding="utf-8")
    >>> [(a.id, a.meta["title"]) for a in read_articles([folder])]
    [('a', 'Headline')]
    """
    for item in inputs:
        if str(item) == "-":
            yield from _from_stdin(stdin or sys.stdin)
            continue
        path = Path(item)
        if path.is_dir():
            meta = _sidecar(path)
            members = sorted(
                p for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + TABLE_SUFFIXES
                and p.name not in METADATA_FILES
            )
            if not members:
                raise InputError("folder holds no .txt, .jsonl or .csv files", path=path)
            for member in members:
                if member.suffix.lower() in TEXT_SUFFIXES:
                    yield _from_txt(member, meta.get(member.stem, {}))
                else:
                    yield from _from_table(member, text_field=text_field, id_field=id_field)
        elif not path.exists():
            raise InputError("no such file or folder", path=path)
        elif path.suffix.lower() in TABLE_SUFFIXES:
            yield from _from_table(path, text_field=text_field, id_field=id_field)
        else:
            yield _from_txt(path, _sidecar(path.parent).get(path.stem, {}))
