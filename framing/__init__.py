"""framing: score news texts on frames, retrain with new labels, compare coverage.

The public API; the command line (``framing ...``) is a thin layer over it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Where each public name lives. Imported on first use (PEP 562), so that
# ``import framing`` and the command line load only what a command needs:
# scoring, say, never imports scikit-learn (about 2 s of start-up).
_HOMES = {
    "suggest": "active",
    "annotate": "annotate",
    "audit": "audit",
    "Codebook": "codebook",
    "Frame": "codebook",
    "load_codebook": "codebook",
    "Comparison": "compare",
    "compare": "compare",
    "compare_files": "compare",
    "read_scores": "compare",
    "Article": "corpus",
    "read_articles": "corpus",
    "FramingError": "errors",
    "InputError": "errors",
    "LabelError": "errors",
    "ModelError": "errors",
    "OutputError": "errors",
    "TrainingError": "errors",
    "cross_validate": "evaluate",
    "evaluate_model": "evaluate",
    "import_labels": "labelling",
    "label_stats": "labelling",
    "migrate_labels": "labelling",
    "LabelledPassage": "labels",
    "read_labels": "labels",
    "FrameModel": "model",
    "ModelConfig": "model",
    "load_model": "model",
    "save_model": "model",
    "train": "model",
    "split_passages": "passages",
    "score": "score",
    "score_articles": "score",
    "Scorer": "scorer",
    "load_scorer": "scorer",
    "compare_models": "versions",
}

if TYPE_CHECKING:
    from .active import suggest
    from .annotate import annotate
    from .audit import audit
    from .codebook import Codebook, Frame, load_codebook
    from .compare import Comparison, compare, compare_files, read_scores
    from .corpus import Article, read_articles
    from .errors import FramingError, InputError, LabelError, ModelError, OutputError, TrainingError
    from .evaluate import cross_validate, evaluate_model
    from .labelling import import_labels, label_stats, migrate_labels
    from .labels import LabelledPassage, read_labels
    from .model import FrameModel, ModelConfig, load_model, save_model, train
    from .passages import split_passages
    from .score import score, score_articles
    from .scorer import Scorer, load_scorer
    from .versions import compare_models


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'framing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "__version__",
    "annotate",
    "audit",
    "compare_models",
    "import_labels",
    "label_stats",
    "migrate_labels",
    "suggest",
    "Article",
    "Codebook",
    "Comparison",
    "Frame",
    "FrameModel",
    "FramingError",
    "InputError",
    "LabelError",
    "LabelledPassage",
    "ModelConfig",
    "ModelError",
    "OutputError",
    "TrainingError",
    "compare",
    "compare_files",
    "cross_validate",
    "evaluate_model",
    "load_codebook",
    "load_model",
    "load_scorer",
    "read_articles",
    "read_labels",
    "read_scores",
    "save_model",
    "score",
    "score_articles",
    "Scorer",
    "split_passages",
    "train",
]
