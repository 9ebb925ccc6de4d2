"""Training from label files (``framing train``): the model file, its card and its lineage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.atomic import check_writable
from ..core.errors import ModelError
from ..labels.codebook import Codebook, load_codebook
from ..labels.store import read_labels
from ..model.files import card_path, check_model_path

__all__ = ["TrainSummary", "cue_config", "train_files"]


@dataclass
class TrainSummary:
    """What :func:`train_files` made: the model, how many texts trained it, its card, its parent."""

    model: Any  # a FrameModel
    texts: int
    card_file: Path
    parent: dict[str, Any] | None


def cue_config(book: Codebook | None, cues: bool | None) -> Any:
    """The model settings for cue features: by default with a codebook (``cues=None``), never without one.

    Returns None for the default settings (no cue features).
    """
    from ..model.config import ModelConfig
    from ..model.cues import cues_from_codebook

    if book is None or cues is False:
        return None
    return ModelConfig(cues=cues_from_codebook(book))


def train_files(
    labels: Sequence[str | Path],
    *,
    out: str | Path,
    codebook: str | Path | None = None,
    unit: str = "auto",
    random_state: int = 0,
    force: bool = False,
    parent: str | Path | None = None,
    also_train: Sequence[str | Path] | None = None,
    cues: bool | None = None,
    jobs: int | None = None,
) -> TrainSummary:
    """Train a frame model from label files and write it with its card (see :func:`framing.train`).

    The outputs are checked before training, which can take minutes. A model replaced
    with ``force`` is the new one's parent unless ``parent`` says otherwise; one whose
    card cannot be read is simply not recorded. The card records the label files (and
    ``also_train``'s), their lineage and the codebook.
    """
    from ..model.files import save_model
    from ..model.history import lineage
    from ..model.training import train

    out = Path(out)
    check_model_path(out)
    check_writable(out, force=force)
    check_writable(card_path(out), force=force)
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
    model = train(
        passages,
        frames=book.ids if book else None,
        unit=unit,
        random_state=random_state,
        extra=also,
        config=cue_config(book, cues),
        jobs=jobs,
    )
    extra: dict[str, Any] = {"label_files": [str(p) for p in labels], **history}
    if also_train:
        extra["extra_label_files"] = [str(p) for p in also_train]
    if book is not None:
        extra["codebook"] = {"path": str(codebook), "version": book.version, "name": book.name}
    card_file = save_model(model, out, force=force, extra_card=extra)
    return TrainSummary(model, len(passages), card_file, history["parent"])
