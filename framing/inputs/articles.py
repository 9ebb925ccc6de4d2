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

import csv
import glob
import io
import itertools
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..core.encoding import check_text, decode_bytes, detect_encoding, encoding_label
from ..core.errors import InputError, InputWarning
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

# Longer than this is not one news article (a book, a database dump, a file of
# one 50 MB line): refused with a message rather than scored for many minutes
# with memory growing. About 150,000 words.
MAX_ARTICLE_CHARS = 1_000_000
# A JSONL line can hold an article written with \uXXXX escapes, six characters
# a letter; lines are read at most this long, so memory stays bounded.
MAX_LINE_CHARS = 8 * MAX_ARTICLE_CHARS
# Files read whole: larger ones are refused before a byte is read. Saved pages
# carry scripts, styles and inline images around the text, hence the margin.
MAX_TEXT_BYTES = 4 * MAX_ARTICLE_CHARS
MAX_HTML_BYTES = 32 * 2**20
# Encoding is decided on the start of a JSONL or CSV file.
_SNIFF_BYTES = 2**20
# Bytes no codec could decode, kept by the surrogateescape handler.
_UNDECODED = re.compile("[\udc80-\udcff]")

OnError = Callable[[InputError], None]
OnWarning = Callable[[str], None]

csv.field_size_limit(sys.maxsize)


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


def _fail(error: InputError, on_error: OnError | None) -> None:
    """Raise ``error``, or hand it to ``on_error`` so that reading goes on."""
    if on_error is None:
        raise error
    on_error(error)


def _warn(message: str, on_warning: OnWarning | None) -> None:
    if on_warning is None:
        warnings.warn(message, InputWarning, stacklevel=3)
    else:
        on_warning(message)


def _guessed(path: str | Path, label: str, on_warning: OnWarning | None) -> None:
    _warn(f"{path}: not UTF-8; read as {label} (check that the text reads right)", on_warning)


def _too_long(size: int, unit: str) -> str:
    return (
        f"{size:,} {unit}: too long for one article (the limit is {MAX_ARTICLE_CHARS:,} characters); "
        "split it into articles"
    )


def _undecoded(line: str) -> bool:
    """Whether the line holds bytes that did not decode (surrogate escapes)."""
    # Encoding to UTF-8 fails only on surrogates and runs at C speed; the regex
    # search it guards took about half a millisecond on a 3 kB line.
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return bool(_UNDECODED.search(line))
    return False


def _check_length(text: str, *, path: str | Path, line: int | None = None) -> None:
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(_too_long(len(text), "characters"), path=path, line=line)


def _read_bytes(path: Path, *, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            # Refused before reading: a file this big is not one article.
            raise InputError(_too_long(size, "bytes"), path=path)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None


def _decode(data: bytes, *, path: str | Path, on_warning: OnWarning | None, declared: str | None = None) -> str:
    decoded = decode_bytes(data, path=path, declared=declared)
    if decoded.guessed:
        _guessed(path, decoded.label, on_warning)
    return decoded.text


def _open_lines(
    path: Path, *, on_error: OnError | None = None, on_warning: OnWarning | None = None
) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) of a text file, reading it a line at a time.

    The encoding is decided on the file's first megabyte. A line that cannot be
    decoded, or is longer than ``MAX_LINE_CHARS``, is an error naming it; with
    ``on_error`` it is reported there and skipped.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None
    with handle:
        try:
            sample = handle.read(_SNIFF_BYTES)
            codec, guessed = detect_encoding(sample, path=path, final=len(sample) < _SNIFF_BYTES)
            handle.seek(0)
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), path=path) from None
        label = encoding_label(codec)
        if guessed:
            _guessed(path, label, on_warning)
        # newline="": lines end at \n, \r\n or \r and keep their ending, as csv expects.
        text = io.TextIOWrapper(handle, encoding=codec, errors="surrogateescape", newline="")
        number = 0
        while True:
            try:
                line = text.readline(MAX_LINE_CHARS)
            except UnicodeDecodeError:
                raise InputError(f"not valid {label}; re-save the file as UTF-8", path=path, line=number + 1) from None
            except OSError as exc:
                raise InputError(exc.strerror or str(exc), path=path, line=number + 1) from None
            if not line:
                return
            number += 1
            if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                while True:  # skip the rest of the line without holding it in memory
                    rest = text.readline(MAX_LINE_CHARS)
                    if not rest or rest.endswith(("\n", "\r")):
                        break
                _fail(InputError(_too_long(MAX_LINE_CHARS, "characters or more in one line"), path=path,
                                 line=number), on_error)
                continue
            if _undecoded(line):
                _fail(InputError(f"not {label} text (bytes that do not decode); re-save the file as UTF-8",
                                 path=path, line=number), on_error)
                continue
            yield number, line


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
        for number, record in _jsonl_records(path, on_warning=on_warning):
            if "id" not in record:
                raise InputError("metadata record has no 'id'", path=path, line=number)
            add(str(record["id"]), {k: v for k, v in record.items() if k != "id"}, number)
        return rows
    for number, record in _csv_records(path, required="id", on_warning=on_warning):
        add(str(record["id"]), {k: v for k, v in record.items() if k != "id" and v not in (None, "")}, number)
    return rows


def _jsonl_records(
    path: Path, *, on_error: OnError | None = None, on_warning: OnWarning | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _open_lines(path, on_error=on_error, on_warning=on_warning):
        if not line.strip():
            continue
        try:
            # Without its line ending, so that the column of an error is on this line.
            record = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            _fail(InputError(f"malformed JSON ({exc.msg}, column {exc.colno})", path=path, line=number), on_error)
            continue
        if not isinstance(record, dict):
            _fail(InputError("each line must be a JSON object", path=path, line=number), on_error)
            continue
        if _lone_surrogate(line, record):
            _fail(InputError(_LONE_SURROGATE, path=path, line=number), on_error)
            continue
        yield number, record


_LONE_SURROGATE = "a \\u escape in it is half of a surrogate pair, not a character; fix or remove it"


def _lone_surrogate(line: str, record: dict[str, Any]) -> bool:
    """Whether a string of the record read from ``line`` holds a lone surrogate (from a
    JSON escape such as \\ud800).

    Such a string cannot be written as UTF-8, so it would fail scoring or writing
    far from its line. Only a line with such an escape can make one, so only those
    are checked.
    """
    if "\\ud" not in line and "\\uD" not in line:
        return False
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _column(columns: list[str], wanted: str) -> str | None:
    """The column meant by ``wanted``: exact, else ignoring case and spaces (" Text " in an export)."""
    if wanted in columns:
        return wanted
    loose = wanted.strip().casefold()
    return next((c for c in columns if c.strip().casefold() == loose), None)


def _delimiter(header: str) -> str:
    """Comma, or the ';' or tab of a header without commas (Excel in many locales, Russian among them)."""
    if "," in header:
        return ","
    return max((";", "\t"), key=header.count) if (";" in header or "\t" in header) else ","


def _json_type(value: Any) -> str:
    """What a JSON value is, in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _csv_records(
    path: Path,
    *,
    required: str,
    optional: Sequence[str] = (),
    hint: str = "",
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) of a CSV file with a header.

    The ``required`` column and those of ``optional`` that are present are
    matched as :func:`_column` does and renamed to the names asked for, so a
    reader looks up ``record["id"]`` whether the header says ``id``, ``ID`` or ``Id``.
    A missing ``required`` column is an error listing the columns found.
    """
    lines = (line for _, line in _open_lines(path, on_error=on_error, on_warning=on_warning))
    first = next(lines, None)
    rows = lines if first is None else itertools.chain([first], lines)
    reader = csv.DictReader(rows, delimiter=_delimiter(first or ""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num) from None
    if header is None:
        raise InputError("empty file: no header, no records", path=path)
    columns = [c for c in header if c is not None]
    actual = _column(columns, required)
    if actual is None:
        found = ", ".join(repr(c) for c in columns) or "none"
        raise InputError(f"no {required!r} column (columns found: {found}){hint}", path=path, line=1)
    matched = {required: actual}
    for wanted in optional:
        column = _column(columns, wanted)
        if column is not None and wanted not in matched and column not in matched.values():
            matched[wanted] = column
    # Matched once, on the header: a row costs one rename per column not named exactly.
    renames = [(column, wanted) for wanted, column in matched.items() if column != wanted]
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            _fail(InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num), on_error)
            continue
        # Cells past the header (key None) and unnamed columns are not metadata.
        row = {k: v for k, v in record.items() if isinstance(k, str) and k.strip()}
        for column, wanted in renames:
            row[wanted] = row.pop(column, None)
        yield reader.line_num, row


def _from_table(
    path: Path,
    *,
    text_field: str,
    id_field: str,
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
) -> Iterator[Article]:
    reported = 0

    def report(error: InputError) -> None:
        nonlocal reported
        reported += 1
        _fail(error, on_error)

    hint = "; choose it with --text-field" if text_field == "text" else ""
    if path.suffix.lower() == ".jsonl":
        records = _jsonl_records(path, on_error=report if on_error else None, on_warning=on_warning)
    else:
        records = _csv_records(
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
                _fail(InputError(f"malformed JSON ({exc.msg})", path=where, line=number), on_error)
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                _fail(InputError("each line needs a 'text' string", path=where, line=number), on_error)
                continue
            if _lone_surrogate(line, record):
                _fail(InputError(_LONE_SURROGATE, path=where, line=number), on_error)
                continue
            try:
                _check_length(record["text"], path=where, line=number)
            except InputError as exc:
                _fail(exc, on_error)
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
        _fail(exc, on_error)


def _one(path: Path, meta: dict[str, Any], on_warning: OnWarning | None) -> Iterator[Article]:
    yield _from_txt(path, meta, on_warning=on_warning)


def _from_folder(
    path: Path, *, text_field: str, id_field: str, on_error: OnError | None, on_warning: OnWarning | None
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
                member, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning
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
            _fail(InputError("no file matches this pattern", path=pattern), on_error)
        yield from matches


def read_articles(
    inputs: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    stdin: IO[str] | None = None,
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
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
                path, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning
            )
        elif not path.exists():
            _fail(InputError("no such file or folder", path=path), on_error)
            continue
        elif path.suffix.lower() in TABLE_SUFFIXES:
            articles = _from_table(
                path, text_field=text_field, id_field=id_field, on_error=on_error, on_warning=on_warning
            )
        else:
            articles = _one(path, _sidecar(path.parent, on_warning).get(path.stem, {}), on_warning)
        yield from _guarded(articles, on_error)
