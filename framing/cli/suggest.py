"""``framing suggest``: the passages most worth labelling next, queued for ``framing label``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..render.tables import suggestions_table
from .base import given_labels, note, out_console


def suggest_cmd(
    inputs: Annotated[
        list[str], typer.Argument(help="Articles: .txt/.html files or folders, .jsonl/.csv with a text column, or -.")
    ],
    model: Annotated[Path, typer.Option("--model", "-m", help="The current model.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The queue to write (.jsonl), for 'framing label'.")],
    n: Annotated[int, typer.Option("-n", help="How many passages to suggest.")] = 50,
    labels: Annotated[
        list[Path] | None,
        typer.Option("--labels", help="Labels whose passages are left out. Default: the model's training labels."),
    ] = None,
    max_similarity: Annotated[
        float, typer.Option(help="Cosine similarity over which a passage is too like one already queued.")
    ] = 0.8,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing queue.")] = False,
) -> None:
    """The passages most worth labelling next: the model's least certain, not all from one story."""
    from ..analysis.suggestions import suggest

    summary = suggest(
        inputs, model=model, n=n, out=out, labels=given_labels(labels), max_similarity=max_similarity, force=force
    )
    if summary.missing_labels:
        note(
            "warning",
            f"the model's label files not found from here: {', '.join(summary.missing_labels)}; their passages "
            "were not left out (give them with --labels)",
        )
    out_console.print(suggestions_table(summary.queue))
    out_console.print(
        f"queued {len(summary.queue)} of {summary.passages} passages from {summary.articles} articles -> "
        f"{escape(str(summary.out))}; left out: {summary.labelled} already labelled, {summary.repeated} repeats, "
        f"{summary.similar} too like one queued",
        highlight=False, soft_wrap=True,
    )
