"""Auditing label files (``framing audit``): the disagreements, and optionally a JSONL file of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.atomic import atomic_write, check_writable
from ..labels.codebook import load_codebook
from ..labels.store import read_labels

__all__ = ["audit_files"]


def audit_files(
    labels: Sequence[str | Path],
    *,
    codebook: str | Path | None = None,
    folds: int = 5,
    unit: str = "auto",
    random_state: int = 0,
    out: str | Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """:func:`framing.audit` of label files; with ``out``, every disagreement written as JSONL, strongest first.

    ``out`` is checked before cross-validating, which can take minutes. Returns the audit's result.
    """
    from ..model.auditing import audit

    if out is not None:
        check_writable(out, force=force)
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    result = audit(passages, frames=book.ids if book else None, folds=folds, unit=unit, random_state=random_state)
    if out is not None:
        with atomic_write(out, force=force) as fh:
            for row in result["disagreements"]:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return result
