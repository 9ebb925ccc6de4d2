"""``framing compare``: frame prevalence between groups, with intervals, q-values and distinctive words."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .base import note, out_console


def compare_cmd(
    scores: Annotated[
        list[Path], typer.Argument(help="Score files from 'framing score' (--out, and --passages for passage views).")
    ],
    by: Annotated[str, typer.Option("--by", help="Metadata field whose values are the groups: group, outlet...")],
    over: Annotated[
        str | None, typer.Option(help="Also by period of the 'date' field, for the time chart: month, week or year.")
    ] = None,
    unit: Annotated[str, typer.Option(help="Count articles, or passages (needs the passages file).")] = "article",
    report: Annotated[Path | None, typer.Option("--report", help="Write a self-contained HTML report.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every figure as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write one row per frame and group as CSV.")] = None,
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model whose card goes into the report's methods note.")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples and permutations (at least 2000).")] = 2000,
    random_state: Annotated[int, typer.Option(help="Seed for the resampling.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace existing outputs.")] = False,
    dedupe: Annotated[
        bool,
        typer.Option(
            "--dedupe", help="Count each story once in each group: leave out near-duplicates 'framing score' flagged."
        ),
    ] = False,
) -> None:
    """Compare frame prevalence between groups: differences, intervals, q-values, distinctive words."""
    from ..render.comparison import comparison_table
    from ..runs.comparing import compare_files

    result = compare_files(
        scores, by=by, unit=unit, over=over, report=report, json_out=json_out, csv_out=csv_out,
        model=model, force=force, n_boot=n_boot, random_state=random_state, dedupe=dedupe,
    )
    out_console.print(comparison_table(result))
    for warning in result.warnings:
        note("warning", warning)
    sizes = ", ".join(f"{g} {s['units']}" for g, s in result.group_sizes.items())
    written = [str(p) for p in (report, json_out, csv_out) if p is not None]
    tail = f" -> {', '.join(written)}" if written else ""
    out_console.print(f"compared {result.unit}s by {by} ({sizes}){tail}", highlight=False, soft_wrap=True)
