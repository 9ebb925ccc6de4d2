"""The ``framing`` command line: parse arguments, call one library function, print.

Every :class:`~framing.errors.FramingError` (and any operating-system error)
becomes a one-line ``error: ...`` message and a non-zero exit, here and only
here; library code never exits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # recent typer vendors its own click; older ones use click itself
    import typer._click as click
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from . import __version__
from .atomic import atomic_write, check_writable
from .codebook import load_codebook
from .errors import FramingError
from .evaluate import cross_validate, evaluate_model
from .labels import read_labels
from .model import card_path, load_model, save_model, train
from .score import score

out_console = Console()
err_console = Console(stderr=True)


class _Commands(TyperGroup):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FramingError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            err_console.print(f"[bold red]error:[/] {where}{exc.strerror or exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands,
    help="Score news texts on frames, retrain with new labels, compare coverage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"framing {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Score news texts on frames, retrain with new labels, compare coverage."""


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def _metrics_table(report: dict[str, Any], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("frame", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "frame" else "right")
    for frame, m in report["per_frame"].items():
        table.add_row(frame, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), str(m["support"]))
    table.add_section()
    for avg in ("micro", "macro"):
        m = report[avg]
        table.add_row(f"[bold]{avg}[/]", _fmt(m["precision"]), _fmt(m["recall"]), f"[bold]{_fmt(m['f1'])}[/]", "")
    return table


@app.command("train")
def train_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Label files (.jsonl, .csv) or folders of them.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write, e.g. models/default.joblib.")],
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook (TOML); frames must be its ids. Default: the labels' frames.")
    ] = None,
    unit: Annotated[str, typer.Option(help="What the labels are: passage, article, or auto.")] = "auto",
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model.")] = False,
) -> None:
    """Train a frame model from labelled passages and write it with its card."""
    check_writable(out, force=force)  # before training, which can take minutes
    check_writable(card_path(out), force=force)
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    model = train(passages, frames=book.ids if book else None, unit=unit, random_state=random_state)
    extra: dict[str, Any] = {"label_files": [str(p) for p in labels]}
    if book is not None:
        extra["codebook"] = {"path": str(codebook), "version": book.version, "name": book.name}
    card_file = save_model(model, out, force=force, extra_card=extra)
    cv = model.card["cv_metrics"]
    out_console.print(
        f"trained on {len(passages)} {model.unit}s, {len(model.frames)} frames -> [bold]{out}[/] "
        f"(card {card_file.name}); out-of-fold micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}",
        highlight=False,
    )


@app.command("score")
def score_cmd(
    inputs: Annotated[
        list[str], typer.Argument(help=".txt files or folders, .jsonl/.csv with a text column, or - for stdin.")
    ],
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file written by 'framing train'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scores to write: .jsonl or .csv, one record per article.")],
    passages: Annotated[
        Path | None, typer.Option("--passages", help="Also write one record per passage (.jsonl or .csv).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing outputs.")] = False,
    show: Annotated[int, typer.Option(help="Articles to show in the summary table.")] = 6,
) -> None:
    """Score articles on every frame of a model."""
    summary = score(inputs, model=model, out=out, passages_out=passages, force=force, keep_records=show)
    # Frames as rows and articles as columns: frame names stay readable at 80 columns.
    table = Table(title="Frame scores (* = over the frame's threshold)", title_justify="left")
    table.add_column("frame", no_wrap=True, min_width=max(map(len, summary.frames), default=5))
    for record in summary.records:
        label = str(record["id"])[:8]
        if record.get("group"):
            label += f"\n[dim]{str(record['group'])[:8]}[/]"
        table.add_column(label, justify="right", max_width=8, no_wrap=True)
    for frame in summary.frames:
        cells = [
            f"[bold]{r['scores'][frame]:.2f}*[/]" if frame in r["frames"] else f"[dim]{r['scores'][frame]:.2f}[/]"
            for r in summary.records
        ]
        table.add_row(frame, *cells)
    out_console.print(table)
    more = summary.articles - len(summary.records)
    tail = f" ({more} more not shown)" if more > 0 else ""
    where = f" and {summary.passages_out}" if summary.passages_out else ""
    out_console.print(
        f"scored {summary.articles} articles ({summary.passages} passages){tail} -> {summary.out}{where}",
        highlight=False,
    )


@app.command("evaluate")
def evaluate_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Labelled passages (.jsonl, .csv) or folders of them.")],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Evaluate this model on the labels (held out).")
    ] = None,
    cv: Annotated[
        str | None, typer.Option(help="Cross-validate training instead: a number of folds, or 'article'.")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook to check frames against.")] = None,
    unit: Annotated[str, typer.Option(help="With --cv: passage, article or auto.")] = "auto",
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --json file.")] = False,
) -> None:
    """Micro/macro F1 and per-frame precision, recall, F1 and support."""
    if (model is None) == (cv is None):
        raise typer.BadParameter("give exactly one of --model or --cv")
    if json_out is not None:
        check_writable(json_out, force=force)  # before cross-validating, which can take minutes
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    if model is not None:
        report = evaluate_model(load_model(model), passages)
        title = f"{model} on {len(passages)} held-out passages"
    else:
        folds: int | str = cv if cv == "article" else _folds(cv)
        report = cross_validate(
            passages, folds=folds, frames=book.ids if book else None, unit=unit, random_state=random_state
        )
        title = f"{report['method']} cross-validation, {len(passages)} labelled texts"
    if json_out is not None:
        with atomic_write(json_out, force=force) as fh:
            json.dump(report, fh, indent=2)
    out_console.print(_metrics_table(report, title))


def _folds(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise typer.BadParameter(f"--cv takes a number of folds or 'article', not {value!r}") from None


@app.command("compare")
def compare_cmd(
    scores: Annotated[
        list[Path], typer.Argument(help="Score files from 'framing score' (--out, and --passages for passage views).")
    ],
    by: Annotated[str, typer.Option("--by", help="Metadata field whose values are the groups: group, outlet...")],
    over: Annotated[
        str | None, typer.Option(help="Also by period of the 'date' field, for the time chart: month, week or year.")
    ] = None,
    unit: Annotated[str, typer.Option(help="Count articles, or passages (needs the passages file).")] = "article",
    report: Annotated[Path | None, typer.Option("--report", help="Write a self-contained HTML report.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every figure as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write one row per frame and group as CSV.")] = None,
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model whose card goes into the report's methods note.")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples and permutations (at least 2000).")] = 2000,
    random_state: Annotated[int, typer.Option(help="Seed for the resampling.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace existing outputs.")] = False,
) -> None:
    """Compare frame prevalence between groups: differences, intervals, q-values, distinctive words."""
    from .compare import compare_files
    from .report import comparison_table

    result = compare_files(
        scores, by=by, unit=unit, over=over, report=report, json_out=json_out, csv_out=csv_out,
        model=model, force=force, n_boot=n_boot, random_state=random_state,
    )
    out_console.print(comparison_table(result))
    for warning in result.warnings:
        out_console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    sizes = ", ".join(f"{g} {s['units']}" for g, s in result.group_sizes.items())
    written = [str(p) for p in (report, json_out, csv_out) if p is not None]
    tail = f" -> {', '.join(written)}" if written else ""
    out_console.print(f"compared {result.unit}s by {by} ({sizes}){tail}", highlight=False, soft_wrap=True)


def run() -> None:
    """Console-script entry point."""
    app()
