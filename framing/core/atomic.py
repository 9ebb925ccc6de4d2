"""Write files so that a reader never sees half of one.

Everything goes to a temporary file in the destination's folder and is renamed
into place only when complete; on any failure the temporary file is removed and
the destination is left as it was. With ``backup=True`` (label files) the file
being replaced is kept as ``NAME.bak``. Devices and pipes (``/dev/null``,
``/dev/stdout``) cannot be replaced by a rename and hold nothing to lose: they
are written directly.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputError

__all__ = ["atomic_write", "append_line", "check_writable", "make_temp", "backup_path", "is_special"]


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


def is_special(path: Path) -> bool:
    """A device, pipe or socket: nothing a rename could replace, nothing to lose."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def backup_path(path: str | Path) -> Path:
    """Where :func:`atomic_write` keeps the file it replaces: ``NAME.bak`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".bak")


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    """An OSError as a message that says what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free some space or write elsewhere, then run again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "; write to a folder you may write to"
    else:
        hint = ""
    return OutputError(f"{path}: cannot write ({reason}){hint}")


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the data itself was synced
    finally:
        os.close(fd)


def _keep_backup(path: Path) -> None:
    """Copy the file about to be replaced to ``NAME.bak``, itself replaced atomically."""
    if not path.is_file():
        return
    backup = backup_path(path)
    fd, tmp = make_temp(backup)
    os.close(fd)
    try:
        shutil.copy2(path, tmp)
        os.replace(tmp, backup)
    finally:
        tmp.unlink(missing_ok=True)


def check_writable(path: str | Path, *, force: bool = False) -> Path:
    """Refuse early when ``path`` exists (without ``force``) or its folder does not."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if is_special(path):
        return path
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {path.parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_write(
    path: str | Path,
    *,
    mode: str = "w",
    force: bool = False,
    encoding: str | None = "utf-8",
    backup: bool = False,
) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    Parameters
    ----------
    path : str or Path
        The file to write.
    mode : str, default="w"
        ``"w"`` for text, ``"wb"`` for bytes.
    force : bool, default=False
        Replace an existing file; without it an existing file is an error.
    encoding : str, optional
        Of text written.
    backup : bool, default=False
        Keep the file being replaced as ``NAME.bak`` (see :func:`backup_path`).

    Raises
    ------
    OutputError
        The file exists (without ``force``), its folder does not, or writing
        failed (disk full, no permission); the message says what to do.

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
    if is_special(path):
        try:
            with open(path, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
                yield fh
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        return
    try:
        fd, tmp = make_temp(path)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if backup:
            _keep_backup(path)
        os.replace(tmp, path)
        _sync_folder(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def append_line(path: str | Path, line: str) -> None:
    """Append one line (UTF-8, its newline added) to a file and sync it to disk before returning.

    An append cannot lose what the file held; a crash mid-write can at worst leave
    the last line cut short. A file whose last line lacks its newline gets one first,
    so that the lines stay apart; a new file's name is synced to disk too.
    """
    path = Path(path)
    data = (line + "\n").encode("utf-8")
    new = not path.exists()
    with path.open("ab") as fh:
        if fh.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    data = b"\n" + data
        fh.write(data)
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
