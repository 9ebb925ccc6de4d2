"""A model file and the card beside it: where the card is, and checking both before loading.

A model file is a joblib pickle. Unpickling runs code, so a file is unpickled
only when its sha256 matches the one its card recorded at training time (and
only models you trust should be loaded at all). The file holds a dict:

* ``format``: :data:`FORMAT`;
* ``model``: the :class:`~framing.model.FrameModel` (scikit-learn objects),
  pickled into bytes, so that reading the file does not unpickle it;
* ``scorer``: the model's scoring form, plain arrays (see :mod:`framing.scorer`),
  or None where the model has none.

Files of the first format (``framing-model/1``) hold the model itself and no
scoring form; they are still read. Nothing here imports scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .errors import ModelError, OutputError

__all__ = ["FORMAT", "FORMATS", "card_path", "check_model_path", "read_card", "read_payload", "sha256_of"]

FORMAT = "framing-model/2"
FORMATS = ("framing-model/1", FORMAT)  # formats this version reads


def check_model_path(path: str | Path) -> Path:
    """Refuse a model file name that does not end in ``.joblib``.

    A model is written over whatever file the name holds (with ``--force``), so a
    slip such as ``--out labels/seeds.jsonl`` would replace a label file with pickle
    bytes; the suffix rule keeps label files, codebooks and outputs out of reach.
    """
    path = Path(path)
    if path.suffix.lower() != ".joblib":
        raise OutputError(f"{path}: a model file's name must end in .joblib")
    return path


def card_path(model_path: str | Path) -> Path:
    """The card beside a model: ``models/x.joblib`` -> ``models/x.card.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def sha256_of(path: str | Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_card(path: str | Path) -> dict[str, Any]:
    """The card of a model file, without loading the model."""
    path = Path(path)
    card_file = card_path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file; train one with 'framing train'")
    if not card_file.is_file():
        raise ModelError(f"{path}: no card {card_file.name} beside it; refusing to load an unverified model")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: unreadable model card ({exc})") from None
    if not isinstance(card, dict) or card.get("format") not in FORMATS:
        raise ModelError(f"{card_file}: not a framing model card")
    return card


def read_payload(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The unpickled contents of a model file and its card, after checking the file against the card.

    The file's sha256 must equal the card's before a byte is unpickled, and the
    installed scikit-learn must be the version the model was trained with.

    Raises
    ------
    ModelError
        Missing file or card, changed or truncated file, other scikit-learn version.
    """
    from importlib.metadata import PackageNotFoundError, version

    import joblib

    path = Path(path)
    card = read_card(path)
    if sha256_of(path) != card.get("model_sha256"):
        raise ModelError(
            f"{path}: file differs from its card (sha256 mismatch): changed or damaged since "
            "training; refusing to load it. Retrain, or restore the original file"
        )
    # The installed distribution's version, read without importing scikit-learn (seconds).
    try:
        installed = version("scikit-learn")
    except PackageNotFoundError:  # pragma: no cover - scikit-learn is a dependency
        installed = "none"
    made_with = card.get("versions", {}).get("scikit-learn")
    if made_with != installed:
        raise ModelError(
            f"{path}: made with scikit-learn {made_with}, this is {installed}; "
            "retrain it with 'framing train' (or install that version)"
        )
    try:
        payload = joblib.load(path)
    except Exception as exc:  # any unpickling failure means a damaged file
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}); retrain it") from None
    if not isinstance(payload, dict) or payload.get("format") not in FORMATS:
        raise ModelError(f"{path}: not a framing model")
    return payload, card
