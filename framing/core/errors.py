"""Errors raised by the library.

Library code raises these and never exits; the command-line interface turns
them into a one-line message and an exit code in one place (``framing.cli.base.Commands``).
"""

from __future__ import annotations

from pathlib import Path


class FramingError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class InputError(FramingError):
    """A file or record we were asked to read is unusable.

    The message names the file and, where it is known, the line.

    Examples
    --------
    >>> str(InputError("no 'text' field", path="a.jsonl", line=3))
    "a.jsonl:3: no 'text' field"
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class LabelError(InputError):
    """A labels or codebook file is invalid (unknown frame, empty file, ...)."""


class TrainingError(FramingError):
    """The labels cannot train a model (too few examples of a frame, ...)."""


class ModelError(FramingError):
    """A model file is missing, damaged, changed since training or incompatible."""


class OutputError(FramingError):
    """An output cannot be written (exists without --force, no directory, disk full)."""


class InputWarning(UserWarning):
    """Input was read, but not as given: a guessed encoding, a skipped record.

    Library functions that take an ``on_warning`` callback call it instead;
    the command line prints these as ``warning: ...`` lines on stderr.
    """


class ValidationError(FramingError):
    """A validation sample, hand codes or corrected estimate cannot be made (too few coded, ...)."""
