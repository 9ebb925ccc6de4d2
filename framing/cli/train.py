"""``framing train``: a frame model from labelled passages, written with its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.atomic import check_writable
from ..core.errors import ModelError
from ..labels.codebook import Codebook, load_codebook
from ..labels.store import read_labels
from ..model.files import card_path, check_model_path
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
    from ..model.files import save_model
    from ..model.history import lineage
    from ..model.training import train

    check_model_path(out)  # before training, which can take minutes
    check_writable(out, force=force)
    check_writable(card_path(out), force=force)
    # A model replaced with --force is the new one's parent unless told otherwise;
    # one whose card cannot be read is simply not recorded.
    replaced = parent is None and out.is_file() and card_path(out).is_file()
    try:
        history = lineage(labels, parent=out if replaced else parent, model=out)
    except ModelError:
        if not replaced:
            raise
        history = lineage(labels, model=out)
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    also = read_labels(also_train, codebook=book) if also_train else []
    config = config_with_cues(book, cues)
    model = train(
        passages,
        frames=book.ids if book else None,
        unit=unit,
        random_state=random_state,
        extra=also,
        config=config,
        jobs=jobs,
    )
    extra: dict[str, Any] = {"label_files": [str(p) for p in labels], **history}
    if also_train:
        extra["extra_label_files"] = [str(p) for p in also_train]
    if book is not None:
        extra["codebook"] = {"path": str(codebook), "version": book.version, "name": book.name}
    card_file = save_model(model, out, force=force, extra_card=extra)
    cv = model.card["cv_metrics"]
    out_console.print(
        f"trained on {len(passages)} {model.unit}s, {len(model.frames)} frames -> [bold]{out}[/] "
        f"(card {card_file.name}); out-of-fold micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}",
        highlight=False,
    )
    if history["parent"] is not None:
        out_console.print(f"parent model: {history['parent']['path']} (recorded in the card)", highlight=False)


def config_with_cues(book: Codebook | None, cues: bool | None) -> Any:
    """The model settings for ``--cues/--no-cues``: cue features by default when there is a codebook."""
    from ..model.config import ModelConfig
    from ..model.cues import cues_from_codebook

    if cues and book is None:
        raise typer.BadParameter("--cues takes its cue phrases from the codebook: give --codebook too")
    if book is None or cues is False:
        return None
    return ModelConfig(cues=cues_from_codebook(book))
