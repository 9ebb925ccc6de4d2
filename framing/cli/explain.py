"""``framing explain`` (why a text scored as it did) and ``framing inspect`` (what a model file holds)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..core.atomic import atomic_write, check_writable
from ..render.tables import frames_table, strongest_terms_table
from .base import out_console


def explain_cmd(
    source: Annotated[str, typer.Argument(help="A text, page, JSONL or CSV file, or - for stdin.")],
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file written by 'framing train'.")],
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Also write the explanation as a self-contained HTML page.")
    ] = None,
    top: Annotated[int, typer.Option(min=0, help="Terms shown each way (up, down) per passage.")] = 8,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --html file.")] = False,
) -> None:
    """Why a text scored: per frame the score, threshold, carrying passages and the terms that moved it."""
    from rich.text import Text

    from ..analysis.explain import explain_input, token_weights
    from ..model.files import load_model
    from ..render.explanation import explanation_html

    if html_out is not None:
        check_writable(html_out, force=force)
    explanations = explain_input(source, model=load_model(model))
    for ident, explanation in explanations:
        out_console.rule(f"{escape(ident)} ({len(explanation.passages)} passages)")
        for fe in explanation.frames:
            mark = "[bold green]present[/]" if fe.present else "[dim]absent[/]"
            out_console.print(
                f"[bold]{escape(fe.frame)}[/] {fe.score:.3f} (threshold {fe.threshold:.3f}) {mark}", highlight=False
            )
            for pf in fe.passages:
                pieces = token_weights(pf)
                scale = max((abs(w) for _, w in pieces), default=0.0)
                line = Text(f"  [{pf.passage + 1}] {pf.score:.3f}  ")
                for piece, w in pieces:
                    strong = scale > 0 and abs(w) >= 0.25 * scale
                    style = ("bold " if strong else "") + ("green" if w > 0 else "red") if w and scale else ""
                    line.append(piece, style=style)
                out_console.print(line)
                up, down = pf.top(top)
                out_console.print(
                    "      [green]up:[/] " + escape(", ".join(f"{t.name!r} {t.contribution:+.3f}" for t in up))
                    + "\n      [red]down:[/] " + escape(", ".join(f"{t.name!r} {t.contribution:+.3f}" for t in down)),
                    highlight=False, soft_wrap=True,
                )
    if html_out is not None:
        with atomic_write(html_out, force=force) as fh:
            fh.write(explanation_html(explanations, title=f"framing explain: {source}", top=top))
        out_console.print(f"-> {escape(str(html_out))}", highlight=False)


def inspect_cmd(
    model: Annotated[Path, typer.Argument(help="Model file written by 'framing train'.")],
    top: Annotated[int, typer.Option(min=0, help="Strongest terms shown each way per frame and language.")] = 8,
) -> None:
    """A model's card and the strongest positive and negative terms per frame in each language."""
    from ..analysis.inspect import strongest_terms
    from ..model.files import load_model

    loaded = load_model(model)
    card = loaded.card
    counts = card.get("label_counts", {})
    positives = counts.get("positives", {})
    metrics = card.get("cv_metrics", {})
    out_console.print(
        f"[bold]{escape(str(model))}[/]: {card.get('unit', loaded.unit)} model, {len(loaded.frames)} frames, "
        f"{card.get('features', '?')} features; trained {card.get('created', '?')} on "
        f"{counts.get('passages', '?')} texts {escape(json.dumps(counts.get('by_language', {})))}",
        highlight=False, soft_wrap=True,
    )
    if "micro" in metrics:
        out_console.print(
            f"out-of-fold micro-F1 {metrics['micro']['f1']:.3f}, macro-F1 {metrics['macro']['f1']:.3f} "
            f"({metrics.get('folds', '?')} folds; optimistic, see 'framing evaluate --cv')",
            highlight=False,
        )
    versions = card.get("versions", {})
    out_console.print(
        "versions: " + escape(", ".join(f"{k} {v}" for k, v in versions.items())), highlight=False, soft_wrap=True
    )
    if card.get("scoring_form"):
        out_console.print("scoring form: yes ('framing score' reads it without scikit-learn)", highlight=False)
    else:
        out_console.print("scoring form: none ('framing score' loads the whole model)", highlight=False)
    out_console.print(frames_table(loaded.frames, loaded.thresholds, positives, metrics))
    out_console.print(strongest_terms_table(strongest_terms(loaded, top=top)))
