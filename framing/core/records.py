"""Read JSONL and CSV files a record at a time: labels, metadata, score files and article tables.

Each reader yields ``(line number, record)`` lazily, so a large file is never held in memory.
The encoding is detected on the file's start (:mod:`framing.core.encoding`). A bad line raises
:class:`~framing.core.errors.InputError` naming the file and line; with an ``on_error`` callback
it is reported there and reading goes on with the next one.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .encoding import detect_encoding, encoding_label
from .errors import InputError, InputWarning

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_LINE_CHARS",
    "OnError",
    "OnWarning",
    "csv_records",
    "find_column",
    "jsonl_records",
    "lone_surrogate",
    "LONE_SURROGATE",
    "open_lines",
    "raise_or_report",
    "too_long",
    "warn",
    "warn_guessed",
]

csv.field_size_limit(sys.maxsize)


# Longer than this is not one news article (a book, a database dump, a file of
# one 50 MB line): refused with a message rather than scored for many minutes
# with memory growing. About 150,000 words.
MAX_ARTICLE_CHARS = 1_000_000
# A JSONL line can hold an article written with \uXXXX escapes, six characters
# a letter; lines are read at most this long, so memory stays bounded.
MAX_LINE_CHARS = 8 * MAX_ARTICLE_CHARS
# Encoding is decided on the start of a JSONL or CSV file.
_SNIFF_BYTES = 2**20
# Bytes no codec could decode, kept by the surrogateescape handler.
_UNDECODED = re.compile("[\udc80-\udcff]")

OnError = Callable[[InputError], None]
OnWarning = Callable[[str], None]


def raise_or_report(error: InputError, on_error: OnError | None) -> None:
    """Raise ``error``, or hand it to ``on_error`` so that reading goes on."""
    if on_error is None:
        raise error
    on_error(error)


def warn(message: str, on_warning: OnWarning | None) -> None:
    if on_warning is None:
        warnings.warn(message, InputWarning, stacklevel=3)
    else:
        on_warning(message)


def warn_guessed(path: str | Path, label: str, on_warning: OnWarning | None) -> None:
    warn(f"{path}: not UTF-8; read as {label} (check that the text reads right)", on_warning)


def too_long(size: int, unit: str) -> str:
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


def open_lines(
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
            warn_guessed(path, label, on_warning)
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
                raise_or_report(InputError(too_long(MAX_LINE_CHARS, "characters or more in one line"), path=path,
                                 line=number), on_error)
                continue
            if _undecoded(line):
                raise_or_report(InputError(f"not {label} text (bytes that do not decode); re-save the file as UTF-8",
                                 path=path, line=number), on_error)
                continue
            yield number, line


def jsonl_records(
    path: Path, *, on_error: OnError | None = None, on_warning: OnWarning | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in open_lines(path, on_error=on_error, on_warning=on_warning):
        if not line.strip():
            continue
        try:
            # Without its line ending, so that the column of an error is on this line.
            record = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            error = InputError(f"malformed JSON ({exc.msg}, column {exc.colno})", path=path, line=number)
            raise_or_report(error, on_error)
            continue
        if not isinstance(record, dict):
            raise_or_report(InputError("each line must be a JSON object", path=path, line=number), on_error)
            continue
        if lone_surrogate(line, record):
            raise_or_report(InputError(LONE_SURROGATE, path=path, line=number), on_error)
            continue
        yield number, record


LONE_SURROGATE = "a \\u escape in it is half of a surrogate pair, not a character; fix or remove it"


def lone_surrogate(line: str, record: dict[str, Any]) -> bool:
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


def find_column(columns: list[str], wanted: str) -> str | None:
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


def csv_records(
    path: Path,
    *,
    required: str | None = None,
    optional: Sequence[str] = (),
    hint: str = "",
    on_error: OnError | None = None,
    on_warning: OnWarning | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) of a CSV file with a header.

    The ``required`` column (if any) and those of ``optional`` that are present are
    matched as :func:`find_column` does and renamed to the names asked for, so a
    reader looks up ``record["id"]`` whether the header says ``id``, ``ID`` or ``Id``.
    A missing ``required`` column is an error listing the columns found.
    """
    lines = (line for _, line in open_lines(path, on_error=on_error, on_warning=on_warning))
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
    matched: dict[str, str] = {}
    if required is not None:
        actual = find_column(columns, required)
        if actual is None:
            found = ", ".join(repr(c) for c in columns) or "none"
            raise InputError(f"no {required!r} column (columns found: {found}){hint}", path=path, line=1)
        matched[required] = actual
    for wanted in optional:
        column = find_column(columns, wanted)
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
            raise_or_report(InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num), on_error)
            continue
        # Cells past the header (key None) and unnamed columns are not metadata.
        row = {k: v for k, v in record.items() if isinstance(k, str) and k.strip()}
        for column, wanted in renames:
            row[wanted] = row.pop(column, None)
        yield reader.line_num, row
