"""The ``framing`` command line: one module per command group, over the public API."""

from .commands import app, run

__all__ = ["app", "run"]
