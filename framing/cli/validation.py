"""``framing sample``, ``framing agree`` and ``framing validate``: the validation sample, the coders'
agreement and the classifier against the hand codes. Each parses, calls one library function and
prints; errors become one-line messages in the app's error handler.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .base import err_console, out_console

# Disagreements printed in the terminal; the rest are counted.
_SHOWN = 40


def _pct(x: float) -> str:
    return "" if math.isnan(x) else f"{100 * x:.0f}%"


def _num(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.2f}"


def sample_cmd(
    scores: Annotated[
        list[Path], typer.Argument(help="Score files from 'framing score' (--out, and --passages for the texts).")
    ],
    by: Annotated[str, typer.Option("--by", help="Metadata field whose values are the groups: group, outlet...")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The coding sheet to write (.jsonl or .csv).")
    ] = None,
    n: Annotated[int, typer.Option("-n", help="Articles to draw from each group (in all with --proportional).")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the random draw; it is written on the sheet.")] = 0,
    unit: Annotated[str, typer.Option(help="Draw articles, or passages (needs the passages file).")] = "article",
    proportional: Annotated[
        bool, typer.Option("--proportional", help="Share -n between the groups in proportion to their sizes.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing sheet.")] = False,
    plan: Annotated[
        bool,
        typer.Option("--plan", help="Only say how many to hand-code per group for --width (needs --model); no sheet."),
    ] = False,
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="With --plan: the model whose card gives its CV error rates.")
    ] = None,
    width: Annotated[float, typer.Option(help="With --plan: the corrected interval's wanted width.")] = 0.10,
) -> None:
    """Draw a simple random sample within each group to hand-code, never by the model's scores.

    The sheet has one row per drawn article: id, group, text (from the passages file), an empty
    frames field for the coder, the seed and the sampling frame (how many could have been drawn
    in the group). Code it blind, then check the classifier with 'framing validate'. With --plan,
    nothing is drawn: it says roughly how many articles per group give corrected 95% intervals
    of --width for every frame, from the model's cross-validated precision and recall.
    """
    from ..analysis.groups import read_scores
    from ..analysis.sampling import draw_sample, write_sheet
    from ..core.atomic import check_writable

    if plan:
        if model is None:
            raise typer.BadParameter("--plan needs --model, whose card gives the error rates")
        _plan(scores, by=by, model=model, width=width)
        return
    if out is None:
        raise typer.BadParameter("give --out, the coding sheet to write (or --plan)")
    check_writable(out, force=force)
    data = read_scores(scores)
    rows = draw_sample(
        articles=data.articles, by=by, n=n, seed=seed, passages=data.passages, unit=unit, proportional=proportional
    )
    write_sheet(rows, out, force=force)
    counts: dict[str, tuple[int, int]] = {}
    for row in rows:
        drawn, size = counts.get(row.group, (0, row.frame_size))
        counts[row.group] = (drawn + 1, size)
    sizes = ", ".join(f"{escape(g)} {d} of {s}" for g, (d, s) in counts.items())
    out_console.print(f"drew {len(rows)} {unit}s by {escape(by)} ({sizes}), seed {seed} -> {escape(str(out))}",
               highlight=False, soft_wrap=True)
    if not any(row.text for row in rows):
        err_console.print("[yellow]warning:[/] no passages file given: the sheet has no texts", highlight=False)


def _plan(scores: list[Path], *, by: str, model: Path, width: float) -> None:
    from ..analysis.groups import read_scores
    from ..analysis.sampling import plan_groups
    from ..model.files import read_card

    card = read_card(model)
    data = read_scores(scores)
    rows = plan_groups(articles=data.articles, by=by, frames=data.frames, card=card, width=width)
    table = Table(title=f"Hand-coded articles for corrected 95% intervals {width:.2f} wide", title_justify="left")
    for col in ("frame", "group", "articles", "predicted", "guessed true", "prec", "recall", "to code"):
        table.add_column(col, justify="left" if col in ("frame", "group") else "right")
    for r in rows:
        table.add_row(
            escape(r.frame), escape(r.group), str(r.articles), _pct(r.predicted_share), _pct(r.prevalence),
            _num(r.precision), _num(r.recall), str(r.needed),
        )
    out_console.print(table)
    most: dict[str, int] = {}
    for r in rows:
        most[r.group] = max(most.get(r.group, 0), r.needed)
    out_console.print("for every frame: " + ", ".join(f"{escape(g)} {k}" for g, k in most.items())
               + " (from the model's cross-validated error rates on its training texts: plan with a margin)",
               highlight=False, soft_wrap=True)


def agree_cmd(
    first: Annotated[Path, typer.Argument(help="One coder's codes (.jsonl or .csv with id and frames).")],
    second: Annotated[Path, typer.Argument(help="The other coder's codes of the same sample.")],
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook (TOML) whose frames are measured. Default: every frame coded.")
    ] = None,
) -> None:
    """Inter-coder reliability: Krippendorff's alpha and percent agreement per frame and overall.

    Every disagreement is listed (the first 40 in the terminal), to adjudicate. Articles only one
    coder coded are left out, with a warning.
    """
    from ..labels.agreement import agreement, read_codes

    frames = None
    if codebook is not None:
        from ..labels.codebook import load_codebook

        frames = list(load_codebook(codebook).ids)
    result = agreement(first=read_codes(first), second=read_codes(second), frames=frames)
    table = Table(title=f"Agreement on {result.articles} articles coded by both", title_justify="left")
    for col in ("frame", "alpha", "agreement", "disagreements"):
        table.add_column(col, justify="left" if col == "frame" else "right")
    for row in [*result.frames, result.overall]:
        table.add_row(escape(row.frame), _num(row.alpha), _pct(row.percent), str(row.disagreements))
    out_console.print(table)
    out_console.print(f"{result.identical} of {result.articles} articles coded with the same frames by both",
               highlight=False)
    for key, frame, a, b in result.disagreements[:_SHOWN]:
        said = f"{first.name}: {'yes' if a else 'no'}, {second.name}: {'yes' if b else 'no'}"
        out_console.print(f"  {escape(key)}  {escape(frame)}  ({escape(said)})", highlight=False, soft_wrap=True)
    if len(result.disagreements) > _SHOWN:
        out_console.print(f"  ... and {len(result.disagreements) - _SHOWN} more", highlight=False)
    for name, missing in ((second.name, result.only_first), (first.name, result.only_second)):
        if missing:
            err_console.print(f"[yellow]warning:[/] {len(missing)} articles not in {escape(name)}: "
                       f"{escape(', '.join(missing[:5]))}{', ...' if len(missing) > 5 else ''}",
                       highlight=False, soft_wrap=True)


def validate_cmd(
    scores: Annotated[list[Path], typer.Argument(help="Score files from 'framing score' (--out).")],
    gold: Annotated[
        Path, typer.Option("--gold", help="Hand codes of a random sample (.jsonl or .csv, id and frames).")
    ],
    by: Annotated[
        str | None, typer.Option("--by", help="Metadata field whose values are the groups: group, language...")
    ] = None,
) -> None:
    """The classifier against the hand codes: precision, recall, F1 and shares per frame and group.

    Beside the classifier's share of every scored article it shows the coders' share of the
    sample and the corrected (prediction-powered) share with its 95% interval, and it warns when
    the classifier's false-positive or false-negative rate differs between groups.
    """
    from ..analysis.groups import read_scores
    from ..analysis.validation import validate
    from ..labels.agreement import read_codes

    data = read_scores(scores)
    report = validate(articles=data.articles, frames=data.frames, gold=read_codes(gold).frames, by=by)
    table = Table(title="The classifier against the hand codes", title_justify="left")
    columns = ("frame", "group", "coded", "prec", "recall", "F1", "predicted", "hand-coded", "corrected")
    for col in columns:
        table.add_column(col, justify="left" if col in ("frame", "group") else "right")
    for c in report.checks:
        corrected = "too few" if math.isnan(c.corrected_share) else (
            f"{_pct(c.corrected_share)} [{_pct(c.corrected_low)}, {_pct(c.corrected_high)}]"
        )
        table.add_row(
            escape(c.frame), escape(c.group), f"{c.coded}/{c.articles}", _num(c.precision), _num(c.recall),
            _num(c.f1), _pct(c.predicted_share), _pct(c.gold_share), corrected,
        )
    out_console.print(table)
    out_console.print("predicted: the classifier's share of every scored article; hand-coded: the coders' share of the "
               "sample; corrected: prediction-powered estimate with its 95% interval", highlight=False,
               soft_wrap=True)
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
