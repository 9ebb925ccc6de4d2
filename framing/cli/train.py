"""``framing train``: a frame model from labelled passages, written with its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..labels.codebook import Codebook
from .base import out_console


def train_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Label files (.jsonl, .csv) or folders of them.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write, e.g. models/default.joblib.")],
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook (TOML); frames must be its ids. Default: the labels' frames.")
    ] = None,
    unit: Annotated[str, typer.Option(help="What the labels are: passage, article, or auto.")] = "auto",
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model.")] = False,
    parent: Annotated[
        Path | None,
        typer.Option(help="The model this one is retrained from, recorded in the card. Default: the model replaced."),
    ] = None,
    also_train: Annotated[
        list[Path] | None,
        typer.Option(
            "--also-train",
            help="More labels (e.g. another language's) that only train the classifiers: thresholds and "
            "calibration are tuned on LABELS alone. Repeatable.",
        ),
    ] = None,
    cues: Annotated[
        bool | None,
        typer.Option(
            "--cues/--no-cues",
            help="Add the codebook's bilingual cue-phrase matches as features [default: with --codebook].",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", help="Processes fitting classifiers [default: all cores on large data]; same model."
        ),
    ] = None,
) -> None:
    """Train a frame model from labelled passages and write it with its card."""
    from ..runs.training import train_files

    if cues and codebook is None:
        raise typer.BadParameter("--cues takes its cue phrases from the codebook: give --codebook too")
    summary = train_files(
        labels, out=out, codebook=codebook, unit=unit, random_state=random_state, force=force, parent=parent,
        also_train=also_train, cues=cues, jobs=jobs,
    )
    model = summary.model
    cv = model.card["cv_metrics"]
    out_console.print(
        f"trained on {summary.texts} {model.unit}s, {len(model.frames)} frames -> [bold]{out}[/] "
        f"(card {summary.card_file.name}); out-of-fold micro-F1 {cv['micro']['f1']:.3f}, "
        f"macro-F1 {cv['macro']['f1']:.3f}",
        highlight=False,
    )
    if summary.parent is not None:
        out_console.print(f"parent model: {summary.parent['path']} (recorded in the card)", highlight=False)


def config_with_cues(book: Codebook | None, cues: bool | None) -> Any:
    """The model settings for ``--cues/--no-cues``: cue features by default when there is a codebook."""
    from ..runs.training import cue_config

    if cues and book is None:
        raise typer.BadParameter("--cues takes its cue phrases from the codebook: give --codebook too")
    return cue_config(book, cues)
