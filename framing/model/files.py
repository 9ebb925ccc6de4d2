"""A model file and the card beside it: where the card is, and checking both before loading.

A model file is a joblib pickle. Unpickling runs code, so a file is unpickled
only when its sha256 matches the one its card recorded at training time (and
only models you trust should be loaded at all). The file holds a dict:

* ``format``: :data:`FORMAT`;
* ``model``: the :class:`~framing.model.frame_model.FrameModel` (scikit-learn objects),
  pickled into bytes, so that reading the file does not unpickle it;
* ``scorer``: the model's scoring form, plain arrays (see :mod:`framing._fast.scorer`),
  or None where the model has none.

Files of the first format (``framing-model/1``) hold the model itself and no
scoring form; they are still read. Nothing here imports scikit-learn.

Pickles name classes and functions by module: files saved before framing was split into
subpackages name ``framing.model.FrameModel``, ``framing.features.CharNgramVectorizer`` and so
on. Both unpicklings go through :func:`current_name`, which maps those names to today's, and
take framing's names only from the modules that define what a model file holds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._fast import kernels
from .._fast.scorer import STATE_VERSION, Scorer, constant_logit
from .._fast.vocab import join_terms
from ..core.atomic import check_writable, make_temp
from ..core.errors import ModelError, OutputError
from ..core.text import StemAnalyzer, fold_words

if TYPE_CHECKING:
    from .frame_model import FrameModel

__all__ = [
    "FORMAT",
    "FORMATS",
    "card_path",
    "check_model_path",
    "current_name",
    "read_card",
    "read_payload",
    "sha256_of",
    "unpickle_model",
]

FORMAT = "framing-model/2"
FORMATS = ("framing-model/1", FORMAT)  # formats this version reads

# Modules of the flat layout (before the subpackages) whose names a model file may hold, and
# where those names live now.
MOVED_MODULES = {
    "framing.features": "framing._fast.vectorizers",
    "framing.text": "framing.core.text",
    "framing.cues": "framing.model.cues",
    "framing.scorer": "framing._fast.scorer",
}
# framing.model was split: where each of its pickled names went.
MOVED_NAMES = {
    ("framing.model", "FrameModel"): "framing.model.frame_model",
    ("framing.model", "ModelConfig"): "framing.model.config",
    ("framing.model", "_char_preprocessor"): "framing.model.config",
}
# The only framing modules a model file may take names from: the model, its settings and its features.
PICKLED_MODULES = frozenset(
    {
        "framing.model.frame_model",
        "framing.model.config",
        "framing.model.cues",
        "framing._fast.vectorizers",
        "framing._fast.scorer",
        "framing.core.text",
    }
)


def current_name(module: str, name: str) -> tuple[str, str]:
    """Where a name pickled by a model file lives now: ``(module, name)``.

    Raises
    ------
    pickle.UnpicklingError
        A framing name outside the modules that define what a model file holds.

    Examples
    --------
    >>> current_name("framing.features", "WordNgramVectorizer")
    ('framing._fast.vectorizers', 'WordNgramVectorizer')
    >>> current_name("framing.model", "FrameModel")
    ('framing.model.frame_model', 'FrameModel')
    >>> current_name("numpy", "dtype")
    ('numpy', 'dtype')
    """
    module = MOVED_NAMES.get((module, name)) or MOVED_MODULES.get(module, module)
    if (module == "framing" or module.startswith("framing.")) and module not in PICKLED_MODULES:
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a model file")
    return module, name


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(*current_name(module, name))


def unpickle_model(data: bytes) -> Any:
    """Unpickle the model a model file holds as bytes, names of earlier layouts mapped (:func:`current_name`)."""
    return _Unpickler(io.BytesIO(data)).load()


def _unpickle_file(path: Path) -> Any:
    """A joblib file's contents, with :func:`current_name` applied to the names it pickles."""
    from joblib import numpy_pickle

    class Unpickler(numpy_pickle.NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            return super().find_class(*current_name(module, name))

    # joblib.load, with the unpickler above: the file may be compressed (joblib >= 1.5).
    with path.open("rb") as raw, numpy_pickle._validate_fileobject_and_memmap(raw, str(path), None) as (fobj, _):
        return Unpickler(str(path), fobj, ensure_native_byte_order=True).load()


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
        payload = _unpickle_file(path)
    except Exception as exc:  # any unpickling failure means a damaged file
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}); retrain it") from None
    if not isinstance(payload, dict) or payload.get("format") not in FORMATS:
        raise ModelError(f"{path}: not a framing model")
    return payload, card


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model file depends on."""
    from importlib.metadata import version

    import joblib
    import scipy
    import sklearn

    from .. import __version__

    return {
        "framing": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "nltk": version("nltk"),  # not nltk.__version__: importing nltk whole takes seconds
        "joblib": joblib.__version__,
    }


def scoring_state(model: FrameModel) -> dict[str, Any] | None:
    """The model's scoring form (read by :class:`framing._fast.scorer.Scorer`), or None where it has none.

    Plain arrays and Python: each block's vocabulary, idf and tf-idf settings,
    the stacked weights, intercepts, calibration and thresholds. A model has
    one when it is calibrated, has at least two fitted classifiers and its
    features are framing's own word and character blocks with the usual tf-idf
    settings; its scores are then the model's own, bit for bit.
    """
    from sklearn.pipeline import FeatureUnion

    from .._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer
    from .cues import CueLexicon
    from .frame_model import _width

    union = model.vectorizer
    calibration = getattr(model, "calibration", None)
    linear = [j for j, clf in enumerate(model.classifiers) if not isinstance(clf, float)]
    if calibration is None or not isinstance(union, FeatureUnion) or union.transformer_weights or len(linear) < 2:
        return None
    blocks: list[dict[str, Any]] = []
    for _, block in union.transformer_list:
        if isinstance(block, CueLexicon):
            phrases = [[" ".join(p) for p in column] for column in block.phrases()]
            blocks.append({"kind": "cues", "phrases": phrases, "scale": getattr(block, "scale", "log")})
            continue
        if not (
            isinstance(block, (CharNgramVectorizer, WordNgramVectorizer))
            and hasattr(block, "vocabulary_")
            and block.norm == "l2"
            and block.use_idf
            and block.dtype == np.float32
            and block.input == "content"
        ):
            return None
        terms = join_terms(block.vocabulary_)
        if terms is None:
            return None
        common = {
            "terms": terms,
            "idf": np.asarray(block.idf_),
            "binary": bool(block.binary),
            "sublinear_tf": bool(block.sublinear_tf),
        }
        if isinstance(block, CharNgramVectorizer):
            # The scorer folds text with fold_words, the character block's own preprocessing.
            if block.analyzer != "char_wb" or getattr(block.preprocessor, "same_words", None) is not fold_words:
                return None
            if block._get_lookup() is None:
                return None
            blocks.append({"kind": "char_wb", "ngram_range": tuple(block.ngram_range), **common})
        else:
            if block._get_stem_lookup() is None:
                return None
            analyzer = block.analyzer
            blocks.append({"kind": "stems", "ngram_range": analyzer.ngram_range, "analyzer": analyzer, **common})
    weights, intercepts = model._stacked_weights(linear)
    if sum(_width(block) for _, block in union.transformer_list) != weights.shape[0]:
        return None
    relevance = getattr(model, "relevance", None)
    return {
        "version": STATE_VERSION,
        "frames": list(model.frames),
        "unit": model.unit,
        "thresholds": np.asarray(model.thresholds, dtype=float),
        "min_frames": int(getattr(model, "min_frames", int(model.config.at_least_one))),
        "calibration": np.asarray(calibration),
        "linear": linear,
        "logits": [0.0 if j in linear else constant_logit(clf) for j, clf in enumerate(model.classifiers)],
        "weights": weights,
        "intercepts": intercepts,
        "blocks": blocks,
        "relevance": None
        if relevance is None
        else {"weights": relevance.coef_.ravel().astype(np.float64), "intercept": float(relevance.intercept_[0])},
    }


def save_model(
    model: FrameModel, path: str | Path, *, force: bool = False, extra_card: dict[str, Any] | None = None
) -> Path:
    """Write the model and its JSON card beside it; return the card's path.

    The file holds the model and its scoring form (see :mod:`framing.model.files`).
    Both files are written to temporary names and renamed into place only when
    both are complete, so a failed save leaves any older model as it was.
    """
    import joblib

    path = check_model_path(path)
    card_file = card_path(path)
    check_writable(path, force=force)
    check_writable(card_file, force=force)
    card = {**model.card, **(extra_card or {})}
    card["format"] = FORMAT
    card["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    card["model_file"] = path.name
    model.card = card
    # The model is pickled into bytes of its own, so that scoring reads the file
    # without unpickling it (and without importing scikit-learn).
    state = scoring_state(model)
    card["scoring_form"] = state is not None
    payload = {"format": FORMAT, "model": pickle.dumps(model, protocol=5), "scorer": state}
    tmp_model = tmp_card = None
    try:
        fd, tmp_model = make_temp(path)
        os.close(fd)
        joblib.dump(payload, tmp_model, compress=3)
        card["model_sha256"] = sha256_of(tmp_model)
        fd, tmp_card = make_temp(card_file)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(card, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp_model, path)
        os.replace(tmp_card, card_file)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write model ({exc.strerror or exc})") from None
    finally:
        for tmp in (tmp_model, tmp_card):
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    return card_file


def load_model(path: str | Path) -> FrameModel:
    """Load a model after checking it against its card.

    The file's sha256 must equal the card's before a byte is unpickled, and the
    scikit-learn version must match the one it was trained with. To score, the
    lighter :func:`framing.model.files.load_scorer` reads only the scoring form.

    Raises
    ------
    ModelError
        Missing file or card, changed or truncated file, other scikit-learn version.
    """
    payload, card = read_payload(path)
    return model_of_payload(payload, card, path)


def model_of_payload(payload: dict[str, Any], card: dict[str, Any], path: str | Path) -> FrameModel:
    """The model a checked model file holds (see :func:`framing.model.files.read_payload`)."""
    from .frame_model import FrameModel  # scikit-learn: only where the whole model is wanted

    model = payload.get("model")
    if isinstance(model, bytes):
        try:
            model = unpickle_model(model)
        except Exception as exc:  # any unpickling failure means a damaged file
            raise ModelError(f"{path}: cannot load model ({type(exc).__name__}); retrain it") from None
    if not isinstance(model, FrameModel):
        raise ModelError(f"{path}: not a framing model")
    model.card = card
    _use_fast_blocks(model.vectorizer)
    return model


def _use_fast_blocks(vectorizer: Any) -> None:
    """Give feature blocks saved as plain ``TfidfVectorizer`` (models trained before
    framing had its own) the fast subclasses, which transform to the same matrices.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .._fast.vectorizers import CharNgramVectorizer, WordNgramVectorizer

    for _, block in getattr(vectorizer, "transformer_list", []):
        if type(block) is TfidfVectorizer and hasattr(block, "vocabulary_"):
            if block.analyzer == "char_wb":
                block.__class__ = CharNgramVectorizer
            elif type(block.analyzer) is StemAnalyzer:
                block.__class__ = WordNgramVectorizer


def load_scorer(path: str | Path) -> Scorer | FrameModel:
    """What scores with a model file: its scoring form, or the whole model where it has none.

    The file is checked against its card first, as :func:`framing.model.files.load_model` does.

    Raises
    ------
    ModelError
        Missing file or card, changed or truncated file, other scikit-learn version.
    """
    payload, card = read_payload(path)
    state = payload.get("scorer")
    if state is not None and kernels.AVAILABLE:
        try:
            return Scorer(state, card=card)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: damaged scoring form ({exc}); retrain it") from None
    return model_of_payload(payload, card, path)
