"""``framing audit``: likely mislabels, the labels cross-validated predictions contradict most."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    from ..runs.auditing import audit_files

    result = audit_files(
        labels, codebook=codebook, folds=cv, unit=unit, random_state=random_state, out=out, force=force
    )
    found = result["disagreements"]
    out_console.print(audit_table(result, top))
    where = f" -> {escape(str(out))}" if out is not None else ""
    out_console.print(
        f"{len(found)} of {result['checked']} labels contradicted ({result['passages']} passages){where}",
        highlight=False, soft_wrap=True,
    )
