"""Write files so that a reader never sees half of one.

Everything goes to a temporary file in the destination's folder and is renamed
into place only when complete; on any failure the temporary file is removed and
the destination is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputError

__all__ = ["atomic_write", "check_writable", "make_temp"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp(path: Path) -> tuple[int, Path]:
    """A temporary file beside ``path``, with the permissions a new file would get.

    mkstemp creates files readable by their owner only; outputs are meant to be
    shared like any file the user writes, so the usual umask applies instead.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(name)


def check_writable(path: str | Path, *, force: bool = False) -> Path:
    """Refuse early when ``path`` exists (without ``force``) or its folder does not."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {path.parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_write(
    path: str | Path, *, mode: str = "w", force: bool = False, encoding: str | None = "utf-8"
) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as fh:
    ...     _ = fh.write("done")
    >>> target.read_text()
    'done'
    """
    path = check_writable(path, force=force)
    binary = "b" in mode
    fd, tmp = make_temp(path)
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
