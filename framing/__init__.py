"""framing: score news texts on frames, retrain with new labels, compare coverage.

The public API; the command line (``framing ...``) is a thin layer over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .codebook import Codebook, Frame, load_codebook
from .corpus import Article, read_articles
from .errors import FramingError, InputError, LabelError, ModelError, OutputError, TrainingError
from .evaluate import cross_validate, evaluate_model
from .labels import LabelledPassage, read_labels
from .model import FrameModel, ModelConfig, load_model, save_model, train
from .passages import split_passages

__all__ = [
    "__version__",
    "Article",
    "Codebook",
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
    "cross_validate",
    "evaluate_model",
    "load_codebook",
    "load_model",
    "read_articles",
    "read_labels",
    "save_model",
    "split_passages",
    "train",
]
