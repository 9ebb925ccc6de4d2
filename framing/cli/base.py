"""What every command shares: the consoles, the error boundary, warning and progress lines.

Every :class:`~framing.core.errors.FramingError` (and any operating-system error)
becomes a one-line ``error: ...`` message and a non-zero exit, here and only
here (:class:`Commands`, the app's command group); library code never exits.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

try:  # recent typer vendors its own click; older ones use click itself
    import typer._click as click
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ..core.errors import FramingError, InputWarning, LabelError
from ..labels.codebook import CODEBOOK_NAME, Codebook, codebook_beside, load_codebook
from ..labels.store import check_given_labels

__all__ = [
    "Commands",
    "Progress",
    "codebook_for",
    "codebook_near",
    "err_console",
    "given_labels",
    "note",
    "out_console",
]

out_console = Console()
err_console = Console(stderr=True)


class Commands(TyperGroup):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():  # restores showwarning afterwards
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except FramingError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            message = escape(f"{where}{exc.strerror or exc}")
            err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM: outputs being written were removed on the way out
            # (atomic_write), so nothing half-written is left under a final name.
            err_console.print(
                "[bold red]error:[/] interrupted; unfinished outputs were removed, run the command again",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None


_python_showwarning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    # Input warnings from library calls without a callback (a label file in
    # Windows-1251, say) read like the rest: one "warning:" line.
    if issubclass(category, InputWarning):
        note("warning", str(message))
    else:
        _python_showwarning(message, category, *args, **kwargs)


def note(kind: str, message: str) -> None:
    """A ``warning:`` or ``skipped:`` line on stderr, never wrapped."""
    style = "yellow" if kind == "warning" else "dim"
    err_console.print(f"[{style}]{kind}:[/] {escape(message)}", highlight=False, soft_wrap=True)


class Progress:
    """Articles done and articles/s on stderr while a long run goes on.

    Shown only when stderr is a terminal, so logs and pipes stay clean; it
    clears itself at the end, leaving the summary.
    """

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if err_console.is_terminal:
            from rich.progress import Progress as Bar
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Bar(
                SpinnerColumn(),
                TextColumn("scoring: {task.completed:,.0f} articles"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self._task = self._progress.add_task("score", total=None, rate="")
            self._progress.start()
        return self

    def update(self, done: int) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, completed=done)
        speed = self._progress.tasks[0].speed
        if speed:
            self._progress.update(self._task, rate=f"{speed:,.0f} articles/s")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def codebook_near(codebook: Path | None, *, near: Path) -> Codebook | None:
    """The ``--codebook`` given, else the codebook beside the labels ``near``, else None."""
    if codebook is not None:
        return load_codebook(codebook)
    candidate = codebook_beside(near)
    return load_codebook(candidate) if candidate.is_file() else None


def codebook_for(codebook: Path | None, *, near: Path) -> Codebook:
    """The ``--codebook`` given, else the codebook beside the labels ``near``, else an error."""
    book = codebook_near(codebook, near=near)
    if book is None:
        folder = codebook_beside(near).parent
        raise LabelError(f"no {CODEBOOK_NAME} beside the labels; pass --codebook FILE", path=folder)
    return book


def given_labels(paths: list[Path] | None) -> list[Path] | None:
    """The ``--labels`` paths, each checked to exist (the error names the option)."""
    if paths is None:
        return None
    try:
        return check_given_labels(paths)
    except LabelError as exc:
        raise LabelError(f"{exc.reason} (given with --labels)", path=exc.path, line=exc.line) from None
