"""``framing score``: articles scored on every frame of a model, here or on a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..inputs.duplicates import WINDOW
from ..render.tables import scores_table
from ..runs.scoring import ScoreSummary, dedicate_process, score
from .base import Progress, note, out_console


def score_cmd(
    inputs: Annotated[
        list[str], typer.Argument(help=".txt files or folders, .jsonl/.csv with a text column, or - for stdin.")
    ],
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file written by 'framing train'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scores to write: .jsonl or .csv, one record per article.")],
    passages: Annotated[
        Path | None, typer.Option("--passages", help="Also write one record per passage (.jsonl or .csv).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing outputs.")] = False,
    show: Annotated[int, typer.Option(help="Articles to show in the summary table.")] = 6,
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Go on past bad records and files, listing each on stderr."),
    ] = False,
    text_field: Annotated[str, typer.Option(help="Column with the article text in JSONL/CSV inputs.")] = "text",
    id_field: Annotated[str, typer.Option(help="Column with the article id in JSONL/CSV inputs.")] = "id",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Processes scoring in parallel [default: all cores]; same results."),
    ] = None,
    dedupe_window: Annotated[
        int, typer.Option(help="Look for near-duplicates among this many previous articles.")
    ] = WINDOW,
    engine: Annotated[
        str, typer.Option(help="local (processes on this machine) or dask (a Dask cluster over JSONL/CSV shards).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="With --engine dask: the scheduler's address (tcp://HOST:8786), or local [default: local]."),
    ] = None,
    parts_dir: Annotated[
        Path | None,
        typer.Option(help="With --engine dask: where workers write parts (shared storage) [default: beside --out]."),
    ] = None,
) -> None:
    """Score articles on every frame of a model.

    Inputs: .txt and .html files (or folders of them, with a metadata.csv), JSONL or CSV
    with a text column, a quoted glob pattern ('shards/*.jsonl'), or - for stdin. Legacy
    encodings (Windows-1251, KOI8-R) are detected, with a warning.
    """
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"--engine is local or dask, not {engine!r}")
    if engine == "local" and (scheduler is not None or parts_dir is not None):
        raise typer.BadParameter("--scheduler and --parts-dir go with --engine dask")
    common: dict[str, Any] = {
        "model": model,
        "out": out,
        "passages_out": passages,
        "force": force,
        "keep_records": show,
        "skip_bad": skip_bad,
        "on_skip": lambda error: note("skipped", str(error)),
        "on_warning": lambda message: note("warning", message),
        "text_field": text_field,
        "id_field": id_field,
        "dedupe_window": dedupe_window,
    }
    with Progress() as progress:
        if engine == "dask":
            from ..runs.dask import score_dask

            summary = score_dask(
                inputs,
                scheduler=scheduler or "local",
                parts_dir=parts_dir,
                n_workers=jobs,
                on_progress=progress.update,
                **common,
            )
        else:
            dedicate_process()  # this process ends with the run
            summary = score(inputs, jobs=jobs, on_progress=progress.update, **common)
    _print_score_summary(summary)


def _print_score_summary(summary: ScoreSummary) -> None:
    out_console.print(scores_table(summary.frames, summary.records))
    more = summary.articles - len(summary.records)
    tail = f" ({more} more not shown)" if more > 0 else ""
    where = f" and {summary.passages_out}" if summary.passages_out else ""
    extra = ""
    if summary.duplicates:
        extra += f"; {summary.duplicates} near-duplicates of earlier articles flagged (duplicate_of)"
    if summary.skipped:
        extra += f"; {len(summary.skipped)} bad records skipped (the 'skipped:' lines on stderr)"
    out_console.print(
        f"scored {summary.articles} articles ({summary.passages} passages){tail} -> {summary.out}{where}{extra}",
        highlight=False,
    )
