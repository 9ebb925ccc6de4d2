"""``framing labels import|stats|migrate`` (label files) and ``framing label`` (labelling a queue in the terminal)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..core.atomic import atomic_write, check_writable
from ..core.errors import LabelError
from ..labels.store import read_labels
from ..render.tables import conflicts_table, duplicates_table, label_counts_tables
from .base import codebook_for, codebook_near, given_labels, out_console

labels_app = typer.Typer(
    help="Manage label files: import labels from other tools, count them, rename or merge frames.",
    no_args_is_help=True,
)


# How the library's messages on an import name its parameters: by this command's options.
_IMPORT_OPTIONS = {"text_col": "--text-col", "frames_col": "--frames-col", "sep": "--sep", "id_col": "--id-col"}


def labels_import_cmd(
    files: Annotated[list[Path], typer.Argument(help="CSV or JSONL files of labelled passages to import.")],
    into: Annotated[Path, typer.Option("--into", help="The label file to add to, e.g. labels/NAME.jsonl.")],
    codebook: Annotated[
        Path | None,
        typer.Option(help="Codebook (TOML) to validate frames against. Default: codebook.toml beside --into."),
    ] = None,
    text_col: Annotated[str, typer.Option("--text-col", help="Column or field with the passage text.")] = "text",
    frames_col: Annotated[str, typer.Option("--frames-col", help="Column or field with the frame ids.")] = "frames",
    sep: Annotated[str, typer.Option("--sep", help="What separates frame ids in a text cell.")] = ";",
    id_col: Annotated[str, typer.Option("--id-col", help="Column with passage ids ('' to number them).")] = "id",
    language_col: Annotated[
        str, typer.Option("--language-col", help="Column with the language (en/ru); detected when absent.")
    ] = "language",
    source_col: Annotated[
        str, typer.Option("--source-col", help="Column with the source article's id (default: authored).")
    ] = "source",
    labels: Annotated[
        list[Path] | None,
        typer.Option("--labels", help="Labels to check for duplicates. Default: every label file beside --into."),
    ] = None,
) -> None:
    """Import labelled passages from CSV or JSONL into a label file, checked and without duplicates."""
    from ..labels.importing import import_labels

    book = codebook_for(codebook, near=into)
    report = import_labels(
        files, into=into, codebook=book, existing=given_labels(labels), text_col=text_col, frames_col=frames_col,
        sep=sep, id_col=id_col, language_col=language_col, source_col=source_col, names=_IMPORT_OPTIONS,
    )
    if report.duplicates:
        out_console.print(duplicates_table(report.duplicates))
    if report.conflicts:
        out_console.print(conflicts_table(report.conflicts))
    out_console.print(
        f"imported {report.added} of {report.read} passages into [bold]{escape(str(report.into))}[/] "
        f"(stamped codebook version {report.codebook_version}); {len(report.duplicates)} duplicates left out, "
        f"{len(report.conflicts)} conflicts to settle by hand",
        highlight=False, soft_wrap=True,
    )


def labels_stats_cmd(
    labels: Annotated[
        list[Path] | None, typer.Argument(help="Label files or folders (default: labels/).")
    ] = None,
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook (TOML). Default: codebook.toml beside the labels, if any.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the counts as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --json file.")] = False,
) -> None:
    """Passages per frame, language and source, and the frames under the trainer's minimum."""
    from ..labels.stats import label_stats
    from ..model.training import frames_of

    paths = labels or [Path("labels")]
    if json_out is not None:
        check_writable(json_out, force=force)
    book = codebook_near(codebook, near=paths[0])
    passages = read_labels(paths, codebook=book)
    stats = label_stats(passages, book.ids if book is not None else frames_of(passages))
    for table in label_counts_tables(stats):
        out_console.print(table)
    if json_out is not None:
        with atomic_write(json_out, force=force) as fh:
            json.dump(stats, fh, indent=2, ensure_ascii=False)
    if stats["below_minimum"]:
        out_console.print(
            f"[bold red]under the minimum[/] (training needs {stats['min_positives']} positives and a negative "
            f"per frame): {', '.join(stats['below_minimum'])}",
            highlight=False, soft_wrap=True,
        )
    else:
        out_console.print(f"every frame has at least {stats['min_positives']} positive passages", highlight=False)


def labels_migrate_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Label files or folders to migrate.")],
    rename: Annotated[
        list[str] | None, typer.Option("--rename", help="OLD=NEW: rename a frame (repeatable).")
    ] = None,
    merge: Annotated[
        list[str] | None, typer.Option("--merge", help="A,B=NEW: merge frames into one (repeatable).")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook (TOML) to migrate with the labels.")] = None,
) -> None:
    """Rename or merge frames in label files (and the codebook), keeping each old file as NAME.bak."""
    from ..labels.migrate import migrate_labels

    steps = parse_steps(rename or [], merge or [])
    report = migrate_labels(labels, steps=steps, codebook=codebook)
    for path, changed in report.files.items():
        out_console.print(f"{escape(path)}: {changed} records changed", highlight=False, soft_wrap=True)
    if report.codebook:
        gone = f"; removed the tables of {', '.join(report.removed_tables)} " if report.removed_tables else ""
        note = "(their definitions are in the .bak: fold them into the merged frame's)" if gone else ""
        out_console.print(f"{escape(report.codebook)}: migrated{gone}{note}", highlight=False, soft_wrap=True)
    if report.backups:
        out_console.print(f"backups: {escape(', '.join(report.backups))}", highlight=False, soft_wrap=True)


def label_cmd(
    queue: Annotated[Path, typer.Argument(help="A queue from 'framing suggest' (.jsonl).")],
    into: Annotated[Path, typer.Option("--into", help="The label file answers are appended to (.jsonl).")],
    codebook: Annotated[
        Path | None,
        typer.Option(help="Codebook (TOML) whose frames are offered. Default: codebook.toml beside --into."),
    ] = None,
) -> None:
    """Label a queue in the terminal: digits toggle frames, enter saves, s skips, u undoes, q quits."""
    import sys

    from ..runs.labelling import annotate

    book = codebook_for(codebook, near=into)
    summary = annotate(queue, into=into, codebook=book, stdin=sys.stdin, console=out_console)
    out_console.print(
        f"{summary.answered} answered, {summary.skipped} skipped, {summary.undone} undone this session; "
        f"{summary.remaining} of {summary.queue} to go -> {escape(str(summary.into))}",
        highlight=False, soft_wrap=True,
    )


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
