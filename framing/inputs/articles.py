"""Read articles to score: .txt and .html files and folders, JSONL, CSV, or standard input.

Every reader yields :class:`Article` objects lazily, so a large input is never
held in memory at once. Bad input raises :class:`~framing.core.errors.InputError`
naming the file and line; with an ``on_error`` callback a bad record or file
is reported to it instead and reading goes on with the next one.

Files may be UTF-8 (with or without BOM), UTF-16 with a BOM, or a legacy code
page (Windows-1251, KOI8-R, Windows-1252), which is detected and reported
through ``on_warning`` (see :mod:`framing.core.encoding`). Saved web pages are
reduced to their article text, title, date and site (see :mod:`framing.inputs.webpages`).
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..core.encoding import check_text, decode_bytes
from ..core.errors import InputError
from ..core.records import (
    LONE_SURROGATE,
    MAX_ARTICLE_CHARS,
    OnError,
    OnWarning,
    csv_records,
    jsonl_records,
    lone_surrogate,
    raise_or_report,
    too_long,
    warn_guessed,
)
from .webpages import HTML_SUFFIXES, declared_charset, extract_html, looks_like_html

__all__ = [
    "Article", "read_articles", "expand_patterns", "read_metadata", "METADATA_FILES", "MAX_ARTICLE_CHARS", "OnError",
    "OnWarning",
]

# Sidecar files that give metadata (title, outlet, group, date, ...) for the
# .txt and .html files in the same folder, keyed by file stem in the column ``id``.
METADATA_FILES = ("metadata.csv", "metadata.jsonl")
TEXT_SUFFIXES = (".txt", *HTML_SUFFIXES)
TABLE_SUFFIXES = (".jsonl", ".csv")
# How to read another column than "text", in library terms (the command line names its option instead).
COLUMN_HINT = "; name it with text_field"
# Files read whole: larger ones are refused before a byte is read. Saved pages
# carry scripts, styles and inline images around the text, hence the margin.
MAX_TEXT_BYTES = 4 * MAX_ARTICLE_CHARS
MAX_HTML_BYTES = 32 * 2**20



@dataclass
class Article:
    """One article: its id, full text and metadata passed through to the scores."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # "file" or "file:line", for messages

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its fields (scoring sends chunks of articles to its workers):
        # a fifth of the time of the default, which pickles and restores a __dict__.
        return (Article, (self.id, self.text, self.meta, self.origin))


def _check_length(text: str, *, path: str | Path, line: int | None = None) -> None:
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(too_long(len(text), "characters"), path=path, line=line)


def _read_bytes(path: Path, *, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            # Refused before reading: a file this big is not one article.
            raise InputError(too_long(size, "bytes"), path=path)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None


def _decode(data: bytes, *, path: str | Path, on_warning: OnWarning | None, declared: str | None = None) -> str:
    decoded = decode_bytes(data, path=path, declared=declared)
    if decoded.guessed:
        warn_guessed(path, decoded.label, on_warning)
    return decoded.text


def read_metadata(path: Path, *, on_warning: OnWarning | None = None) -> dict[str, dict[str, Any]]:
    """Read a sidecar metadata file (CSV or JSONL with an ``id`` column).

    An id given twice is an error: which row would describe the article?
    """
    rows: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}

    def add(key: str, meta: dict[str, Any], number: int) -> None:
        if key in lines:
            raise InputError(f"id {key!r} appears twice (also line {lines[key]})", path=path, line=number)
        rows[key], lines[key] = meta, number

    if path.suffix == ".jsonl":
        for number, record in jsonl_records(path, on_warning=on_warning):
            if "id" not in record:
                raise InputError("metadata record has no 'id'", path=path, line=number)
            add(str(record["id"]), {k: v for k, v in record.items() if k != "id"}, number)
        return rows
    for number, record in csv_records(path, required="id", on_warning=on_warning):
        add(str(record["id"]), {k: v for k, v in record.items() if k != "id" and v not in (None, "")}, number)
    return rows


def _json_type(value: Any) -> str:
    """What a JSON value is, in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _from_table(
    path: Path,
    *,
    text_field: str,
    id_field: str,
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
    column_hint: str = COLUMN_HINT,
) -> Iterator[Article]:
    reported = 0

    def report(error: InputError) -> None:
        nonlocal reported
        reported += 1
        raise_or_report(error, on_error)

    hint = column_hint if text_field == "text" else ""
    if path.suffix.lower() == ".jsonl":
        records = jsonl_records(path, on_error=report if on_error else None, on_warning=on_warning)
    else:
        records = csv_records(
            path, required=text_field, optional=(id_field,), hint=hint, on_error=report if on_error else None,
            on_warning=on_warning,
        )
    found = 0
    for number, record in records:
        found += 1
        text = record.get(text_field)
        if not isinstance(text, str):
            if text_field in record:  # there, but a number, a list or null
                problem = f"{text_field!r} must be a string, not {_json_type(text)}"
            else:
                fields = ", ".join(repr(k) for k in record) or "none"
                problem = f"no {text_field!r} text in this record (fields: {fields}){hint}"
            report(InputError(problem, path=path, line=number))
            continue
        if not text.strip():
            report(InputError(f"empty {text_field!r}", path=path, line=number))
            continue
        try:
            _check_length(text, path=path, line=number)
        except InputError as exc:
            report(exc)
            continue
        ident = record.get(id_field)
        ident = f"{path.stem}:{number}" if ident in (None, "") else str(ident)
        meta = {k: v for k, v in record.items() if k not in (text_field, id_field)}
        yield Article(ident, text, meta, f"{path}:{number}")
    if found == 0 and reported == 0:
        raise InputError("empty file: no articles in it", path=path)


def _from_page(text: str, *, path: str | Path, meta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The article in an HTML page, with the page's metadata under the given ``meta``."""
    body, found = extract_html(text, path=path)
    # The user's sidecar metadata wins over what the page says about itself.
    return body, {**found, **meta}


def _from_txt(path: Path, meta: dict[str, Any], *, on_warning: OnWarning | None = None) -> Article:
    is_html = path.suffix.lower() in HTML_SUFFIXES
    data = _read_bytes(path, limit=MAX_HTML_BYTES if is_html else MAX_TEXT_BYTES)
    text = _decode(data, path=path, on_warning=on_warning, declared=declared_charset(data) if is_html else None)
    if not text.strip():
        raise InputError("empty file; give it the article text, or leave it out", path=path)
    meta = dict(meta)
    if is_html or looks_like_html(text):
        text, meta = _from_page(text, path=path, meta=meta)
    elif "title" not in meta:
        # A saved article starts with its headline.
        meta["title"] = next(line.strip() for line in text.splitlines() if line.strip())
    _check_length(text, path=path)
    return Article(path.stem, text, meta, str(path))


def _sidecar(folder: Path, on_warning: OnWarning | None = None) -> dict[str, dict[str, Any]]:
    found = [folder / name for name in METADATA_FILES if (folder / name).exists()]
    if len(found) > 1:
        raise InputError(f"both {' and '.join(p.name for p in found)} are here; keep one of them", path=folder)
    if found and not found[0].is_file():
        raise InputError("is not a file", path=found[0])
    return read_metadata(found[0], on_warning=on_warning) if found else {}


def _from_stdin(
    stream: IO[str], *, on_error: OnError | None = None, on_warning: OnWarning | None = None
) -> Iterator[Article]:
    where = "<stdin>"
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        # Bytes, so that a legacy encoding is detected like a file's, not a crash in the locale's codec.
        text = _decode(raw.read(), path=where, on_warning=on_warning)
    else:
        text = check_text(stream.read(), path=where)
    if not text.strip():
        raise InputError("no input on standard input", path=where)
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise_or_report(InputError(f"malformed JSON ({exc.msg})", path=where, line=number), on_error)
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise_or_report(InputError("each line needs a 'text' string", path=where, line=number), on_error)
                continue
            if lone_surrogate(line, record):
                raise_or_report(InputError(LONE_SURROGATE, path=where, line=number), on_error)
                continue
            try:
                _check_length(record["text"], path=where, line=number)
            except InputError as exc:
                raise_or_report(exc, on_error)
                continue
            ident = str(record.get("id") or f"stdin:{number}")
            meta = {k: v for k, v in record.items() if k not in ("text", "id")}
            yield Article(ident, record["text"], meta, f"{where}:{number}")
    else:
        found: dict[str, Any] = {}
        if looks_like_html(text):
            text, found = _from_page(text, path=where, meta=found)
        _check_length(text, path=where)
        yield Article("stdin", text, found, where)


def _guarded(articles: Iterator[Article], on_error: OnError | None) -> Iterator[Article]:
    """Articles of one input; a bad input ends it, reported to ``on_error`` when given."""
    try:
        yield from articles
    except InputError as exc:
        raise_or_report(exc, on_error)


def _one(path: Path, meta: dict[str, Any], on_warning: OnWarning | None) -> Iterator[Article]:
    yield _from_txt(path, meta, on_warning=on_warning)


def _from_folder(
    path: Path, *, text_field: str, id_field: str, on_error: OnError | None, on_warning: OnWarning | None,
    column_hint: str,
) -> Iterator[Article]:
    meta = _sidecar(path, on_warning)
    members = sorted(
        p for p in path.iterdir()
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + TABLE_SUFFIXES and p.name not in METADATA_FILES
    )
    if not members:
        raise InputError("folder holds no .txt, .html, .jsonl or .csv files", path=path)
    for member in members:
        if member.suffix.lower() in TEXT_SUFFIXES:
            articles = _one(member, meta.get(member.stem, {}), on_warning)
        else:
            articles = _from_table(
                member, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning,
                column_hint=column_hint,
            )
        yield from _guarded(articles, on_error)


def expand_patterns(inputs: Iterable[str | Path], *, on_error: OnError | None = None) -> Iterator[str | Path]:
    """``inputs`` with each glob pattern (``shards/*.jsonl``, ``**``) replaced by its matches, sorted.

    A pattern is expanded only when no file has that very name. One that
    matches nothing is an error naming it (reported to ``on_error`` when given).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.jsonl", "a.jsonl"):
    ...     _ = (folder / name).write_text("", encoding="utf-8")
    >>> [pathlib.Path(p).name for p in expand_patterns([f"{folder}/*.jsonl", "-"])]
    ['a.jsonl', 'b.jsonl', '-']
    """
    for item in inputs:
        # Quoted on the command line, so that the shell's limit on arguments does not apply.
        pattern = str(item)
        if pattern == "-" or not glob.has_magic(pattern) or Path(pattern).exists():
            yield item
            continue
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise_or_report(InputError("no file matches this pattern", path=pattern), on_error)
        yield from matches


def read_articles(
    inputs: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    stdin: IO[str] | None = None,
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
    column_hint: str = COLUMN_HINT,
) -> Iterator[Article]:
    """Yield the articles in ``inputs``, in the order given.

    Parameters
    ----------
    inputs : iterable of str or Path
        ``.txt`` and ``.html``/``.htm`` files, folders (their ``.txt``, ``.html``,
        ``.jsonl`` and ``.csv`` files, sorted by name, with metadata from a
        ``metadata.csv`` or ``metadata.jsonl`` sidecar), ``.jsonl`` / ``.csv``
        files with a text column, or ``"-"`` for standard input (JSONL when it
        starts with ``{``, a page when it starts like HTML, otherwise one
        plain-text article). Glob patterns are expanded (:func:`expand_patterns`).
    text_field, id_field : str
        Column names in JSONL and CSV inputs (CSV headers match ignoring case
        and surrounding spaces).
    stdin : file-like, optional
        Stream read for ``"-"`` (default ``sys.stdin``).
    on_error : callable, optional
        Called with each bad record or file (an :class:`InputError` naming the
        file and line), after which reading goes on. Without it the first one is raised.
    on_warning : callable, optional
        Called with a message for each file read in a guessed encoding; without
        it an :class:`~framing.core.errors.InputWarning` is issued.
    column_hint : str
        Added to the error when a JSONL/CSV input has no ``text`` field: how to name
        another (the command line names its option).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Headline\\n\\nBody text.", encoding="utf-8")
    >>> [(a.id, a.meta["title"]) for a in read_articles([folder])]
    [('a', 'Headline')]
    """
    for item in expand_patterns(inputs, on_error=on_error):
        path = Path(item)
        articles: Iterator[Article]
        if str(item) == "-":
            articles = _from_stdin(stdin or sys.stdin, on_error=on_error, on_warning=on_warning)
        elif path.is_dir():
            articles = _from_folder(
                path, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning,
                column_hint=column_hint,
            )
        elif not path.exists():
            raise_or_report(InputError("no such file or folder", path=path), on_error)
            continue
        elif path.suffix.lower() in TABLE_SUFFIXES:
            articles = _from_table(
                path, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning,
                column_hint=column_hint,
            )
        else:
            articles = _one(path, _sidecar(path.parent, on_warning).get(path.stem, {}), on_warning)
        yield from _guarded(articles, on_error)
