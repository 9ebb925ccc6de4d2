"""framing: score news texts on frames, retrain with new labels, compare coverage.

The public API; the command line (``framing ...``) is a thin layer over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

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
from .versions import compare_models

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
    "read_articles",
    "read_labels",
    "read_scores",
    "save_model",
    "score",
    "score_articles",
    "split_passages",
    "train",
]
