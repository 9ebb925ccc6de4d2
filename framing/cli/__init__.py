"""The ``framing`` command line: one module per command group, over the public API."""

from . import validation as _validation  # noqa: F401  (registers sample, agree and validate)
from .commands import app, run

__all__ = ["app", "run"]
