"""framing: score news texts on frames, retrain with new labels, compare coverage.

The public API; the command line (``framing ...``) is a thin layer over it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The public names and the module each lives in: the one list of them (``__all__`` is made
# from it). Each is imported on first use (PEP 562), so that ``import framing`` and the
# command line load only what a command needs: scoring, say, never imports scikit-learn.
_HOMES = {
    "annotate": "runs.labelling",
    "audit": "model.auditing",
    "compare_models": "model.history",
    "import_labels": "labels.importing",
    "label_stats": "labels.stats",
    "migrate_labels": "labels.migrate",
    "suggest": "analysis.suggestions",
    "Article": "inputs.articles",
    "Codebook": "labels.codebook",
    "Comparison": "analysis.groups",
    "Frame": "labels.codebook",
    "FrameModel": "model.frame_model",
    "FramingError": "core.errors",
    "InputError": "core.errors",
    "LabelError": "core.errors",
    "LabelledPassage": "labels.store",
    "ModelConfig": "model.config",
    "ModelError": "core.errors",
    "OutputError": "core.errors",
    "TrainingError": "core.errors",
    "compare": "analysis.groups",
    "compare_files": "runs.comparing",
    "cross_validate": "model.evaluation",
    "evaluate_model": "model.evaluation",
    "load_codebook": "labels.codebook",
    "load_model": "model.files",
    "load_scorer": "model.files",
    "read_articles": "inputs.articles",
    "read_labels": "labels.store",
    "read_scores": "analysis.groups",
    "save_model": "model.files",
    "score": "runs.scoring",
    "score_articles": "analysis.scoring",
    "Scorer": "_fast.scorer",
    "split_passages": "inputs.passages",
    "train": "model.training",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'framing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
