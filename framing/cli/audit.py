"""``framing audit``: likely mislabels, the labels cross-validated predictions contradict most."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..core.atomic import atomic_write, check_writable
from ..labels.codebook import load_codebook
from ..labels.store import read_labels
from ..render.tables import audit_table
from .base import out_console


def audit_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Label files or folders to audit.")],
    codebook: Annotated[Path | None, typer.Option(help="Codebook to check frames against.")] = None,
    cv: Annotated[int, typer.Option(help="Folds of the cross-validation grouped by article.")] = 5,
    top: Annotated[int, typer.Option(min=0, help="How many of the strongest disagreements to show.")] = 20,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write every disagreement as JSONL, strongest first.")
    ] = None,
    unit: Annotated[str, typer.Option(help="passage, article or auto.")] = "auto",
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
) -> None:
    """Likely mislabels: labels that cross-validated predictions contradict most strongly."""
    from ..model.auditing import audit

    if out is not None:
        check_writable(out, force=force)  # before cross-validating, which can take minutes
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    result = audit(
        passages, frames=book.ids if book else None, folds=cv, unit=unit, random_state=random_state
    )
    found = result["disagreements"]
    out_console.print(audit_table(result, top))
    if out is not None:
        with atomic_write(out, force=force) as fh:
            for row in found:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    where = f" -> {escape(str(out))}" if out is not None else ""
    out_console.print(
        f"{len(found)} of {result['checked']} labels contradicted ({result['passages']} passages){where}",
        highlight=False, soft_wrap=True,
    )
