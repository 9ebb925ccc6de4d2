"""``framing evaluate``: a model on held-out labels, cross-validated training, or a model against an older one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..core.atomic import atomic_write, check_writable
from ..core.errors import TrainingError
from ..labels.codebook import load_codebook
from ..labels.store import read_labels
from ..render.tables import against_table, metrics_table
from .base import note, out_console
from .train import config_with_cues


def evaluate_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Labelled passages (.jsonl, .csv) or folders of them.")],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Evaluate this model on the labels (held out).")
    ] = None,
    cv: Annotated[
        str | None, typer.Option(help="Cross-validate training instead: a number of folds, or 'article'.")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook to check frames against.")] = None,
    unit: Annotated[str, typer.Option(help="With --cv: passage, article or auto.")] = "auto",
    cues: Annotated[
        bool | None,
        typer.Option(
            "--cues/--no-cues",
            help="With --cv: the codebook's cue-phrase matches as features, as train has them "
            "[default: with --codebook].",
        ),
    ] = None,
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --json file.")] = False,
    against: Annotated[
        Path | None,
        typer.Option(help="With --model: an older model scored on the same labels; shows per-frame F1 differences."),
    ] = None,
    n_boot: Annotated[int, typer.Option(help="With --against: paired bootstrap resamples (at least 2000).")] = 2000,
    also_train: Annotated[
        list[Path] | None,
        typer.Option(
            "--also-train",
            help="With --cv: more labels (e.g. another language's) that join every training fold and are never "
            "tested. Repeatable.",
        ),
    ] = None,
) -> None:
    """Micro/macro F1 and per-frame precision, recall, F1 and support."""
    from ..model.evaluation import cross_validate, evaluate_model
    from ..model.files import load_model

    if (model is None) == (cv is None):
        raise typer.BadParameter("give exactly one of --model or --cv")
    if also_train and cv is None:
        raise typer.BadParameter("--also-train adds training data to cross-validation: use it with --cv")
    if against is not None and model is None:
        raise typer.BadParameter("--against compares two trained models: give --model NEW --against OLD")
    if json_out is not None:
        check_writable(json_out, force=force)  # before cross-validating, which can take minutes
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    if model is not None and against is not None:
        from ..model.history import compare_models

        report = compare_models(
            load_model(model), load_model(against), passages, n_boot=n_boot, random_state=random_state
        )
        if json_out is not None:
            with atomic_write(json_out, force=force) as fh:
                json.dump(report, fh, indent=2)
        out_console.print(against_table(report, f"{model} (new) against {against} (old), {len(passages)} passages"))
        return
    if model is not None:
        report = evaluate_model(load_model(model), passages)
        title = f"{model} on {len(passages)} held-out passages"
        if report["unknown_frames"]:
            listing = ", ".join(f"{f} ({n} passages)" for f, n in report["unknown_frames"].items())
            note("warning", f"frames in the labels that {model} does not score, left out: {listing}")
    else:
        folds: int | str = cv if cv == "article" else _folds(cv)
        also = read_labels(also_train, codebook=book) if also_train else []
        config = config_with_cues(book, cues)
        if isinstance(folds, int) and folds < 2:  # the library's message speaks of folds, not of --cv
            raise TrainingError(f"--cv takes 2 or more folds (or 'article'), not {folds}")
        report = cross_validate(
            passages, folds=folds, frames=book.ids if book else None, unit=unit, random_state=random_state,
            extra=also, config=config,
        )
        title = f"{report['method']} cross-validation, {len(passages)} labelled texts"
        if also:
            title += f" (+{len(also)} train-only)"
    if json_out is not None:
        with atomic_write(json_out, force=force) as fh:
            json.dump(report, fh, indent=2)
    out_console.print(metrics_table(report, title))


def _folds(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise typer.BadParameter(f"--cv takes a number of folds or 'article', not {value!r}") from None
