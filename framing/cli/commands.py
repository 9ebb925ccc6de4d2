"""The ``framing`` command line: parse arguments, call one library function, print.

Every :class:`~framing.core.errors.FramingError` (and any operating-system error)
becomes a one-line ``error: ...`` message and a non-zero exit, here and only
here; library code never exits.
"""

from __future__ import annotations

import json
import signal
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # recent typer vendors its own click; older ones use click itself
    import typer._click as click
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from .. import __version__
from ..core.atomic import atomic_write, check_writable
from ..core.errors import FramingError, InputWarning, ModelError
from ..inputs.duplicates import WINDOW
from ..labels.codebook import Codebook, load_codebook
from ..labels.store import read_labels
from ..model.files import card_path, check_model_path
from ..runs.scoring import ScoreSummary, dedicate_process, score

# Commands import what only they need inside them: scikit-learn, which training,
# evaluating and explaining need, takes seconds to import, and scoring can do without it.

out_console = Console()
err_console = Console(stderr=True)


class _Commands(TyperGroup):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():  # restores showwarning afterwards
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except FramingError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            message = escape(f"{where}{exc.strerror or exc}")
            err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM: outputs being written were removed on the way out
            # (atomic_write), so nothing half-written is left under a final name.
            err_console.print(
                "[bold red]error:[/] interrupted; unfinished outputs were removed, run the command again",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None


_python_showwarning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    # Input warnings from library calls without a callback (a label file in
    # Windows-1251, say) read like the rest: one "warning:" line.
    if issubclass(category, InputWarning):
        _note("warning", str(message))
    else:
        _python_showwarning(message, category, *args, **kwargs)


class _Progress:
    """Articles done and articles/s on stderr while a long run goes on.

    Shown only when stderr is a terminal, so logs and pipes stay clean; it
    clears itself at the end, leaving the summary.
    """

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if err_console.is_terminal:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("scoring: {task.completed:,.0f} articles"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self._task = self._progress.add_task("score", total=None, rate="")
            self._progress.start()
        return self

    def update(self, done: int) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, completed=done)
        speed = self._progress.tasks[0].speed
        if speed:
            self._progress.update(self._task, rate=f"{speed:,.0f} articles/s")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _note(kind: str, message: str) -> None:
    """A ``warning:`` or ``skipped:`` line on stderr, never wrapped."""
    style = "yellow" if kind == "warning" else "dim"
    err_console.print(f"[{style}]{kind}:[/] {escape(message)}", highlight=False, soft_wrap=True)


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


def _fmt_or_blank(x: float | None) -> str:
    return "" if x is None else _fmt(x)


def _metrics_table(report: dict[str, Any], title: str) -> Table:
    calibration = report.get("calibration")
    caption = (
        f"ECE: expected calibration error of the scores ({calibration['bins']} equal-width bins); "
        "the micro row pools every frame's scores"
        if calibration
        else None
    )
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    columns = ("frame", "precision", "recall", "F1", "support", *(("ECE",) if calibration else ()))
    for col in columns:
        table.add_column(col, justify="left" if col == "frame" else "right")
    for frame, m in report["per_frame"].items():
        ece = (_fmt_or_blank(calibration["per_frame"][frame]["ece"]),) if calibration else ()
        table.add_row(frame, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), str(m["support"]), *ece)
    table.add_section()
    for avg in ("micro", "macro"):
        m = report[avg]
        ece = ((_fmt_or_blank(calibration["overall"]["ece"]) if avg == "micro" else ""),) if calibration else ()
        table.add_row(
            f"[bold]{avg}[/]", _fmt(m["precision"]), _fmt(m["recall"]), f"[bold]{_fmt(m['f1'])}[/]", "", *ece
        )
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
    parent: Annotated[
        Path | None,
        typer.Option(help="The model this one is retrained from, recorded in the card. Default: the model replaced."),
    ] = None,
    also_train: Annotated[
        list[Path] | None,
        typer.Option(
            "--also-train",
            help="More labels (e.g. another language's) that only train the classifiers: thresholds and "
            "calibration are tuned on LABELS alone. Repeatable.",
        ),
    ] = None,
    cues: Annotated[
        bool | None,
        typer.Option(
            "--cues/--no-cues",
            help="Add the codebook's bilingual cue-phrase matches as features [default: with --codebook].",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", help="Processes fitting classifiers [default: all cores on large data]; same model."
        ),
    ] = None,
) -> None:
    """Train a frame model from labelled passages and write it with its card."""
    from ..model.files import save_model
    from ..model.history import lineage
    from ..model.training import train

    check_model_path(out)  # before training, which can take minutes
    check_writable(out, force=force)
    check_writable(card_path(out), force=force)
    # A model replaced with --force is the new one's parent unless told otherwise;
    # one whose card cannot be read is simply not recorded.
    replaced = parent is None and out.is_file() and card_path(out).is_file()
    try:
        history = lineage(labels, parent=out if replaced else parent, model=out)
    except ModelError:
        if not replaced:
            raise
        history = lineage(labels, model=out)
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    also = read_labels(also_train, codebook=book) if also_train else []
    config = _config_with_cues(book, cues)
    model = train(
        passages,
        frames=book.ids if book else None,
        unit=unit,
        random_state=random_state,
        extra=also,
        config=config,
        jobs=jobs,
    )
    extra: dict[str, Any] = {"label_files": [str(p) for p in labels], **history}
    if also_train:
        extra["extra_label_files"] = [str(p) for p in also_train]
    if book is not None:
        extra["codebook"] = {"path": str(codebook), "version": book.version, "name": book.name}
    card_file = save_model(model, out, force=force, extra_card=extra)
    cv = model.card["cv_metrics"]
    out_console.print(
        f"trained on {len(passages)} {model.unit}s, {len(model.frames)} frames -> [bold]{out}[/] "
        f"(card {card_file.name}); out-of-fold micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}",
        highlight=False,
    )
    if history["parent"] is not None:
        out_console.print(f"parent model: {history['parent']['path']} (recorded in the card)", highlight=False)


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
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Go on past bad records and files, listing each on stderr."),
    ] = False,
    text_field: Annotated[str, typer.Option(help="Column with the article text in JSONL/CSV inputs.")] = "text",
    id_field: Annotated[str, typer.Option(help="Column with the article id in JSONL/CSV inputs.")] = "id",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Processes scoring in parallel [default: all cores]; same results."),
    ] = None,
    dedupe_window: Annotated[
        int, typer.Option(help="Look for near-duplicates among this many previous articles.")
    ] = WINDOW,
    engine: Annotated[
        str, typer.Option(help="local (processes on this machine) or dask (a Dask cluster over JSONL/CSV shards).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="With --engine dask: the scheduler's address (tcp://HOST:8786), or local [default: local]."),
    ] = None,
    parts_dir: Annotated[
        Path | None,
        typer.Option(help="With --engine dask: where workers write parts (shared storage) [default: beside --out]."),
    ] = None,
) -> None:
    """Score articles on every frame of a model.

    Inputs: .txt and .html files (or folders of them, with a metadata.csv), JSONL or CSV
    with a text column, a quoted glob pattern ('shards/*.jsonl'), or - for stdin. Legacy
    encodings (Windows-1251, KOI8-R) are detected, with a warning.
    """
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"--engine is local or dask, not {engine!r}")
    if engine == "local" and (scheduler is not None or parts_dir is not None):
        raise typer.BadParameter("--scheduler and --parts-dir go with --engine dask")
    common: dict[str, Any] = {
        "model": model,
        "out": out,
        "passages_out": passages,
        "force": force,
        "keep_records": show,
        "skip_bad": skip_bad,
        "on_skip": lambda error: _note("skipped", str(error)),
        "on_warning": lambda message: _note("warning", message),
        "text_field": text_field,
        "id_field": id_field,
        "dedupe_window": dedupe_window,
    }
    with _Progress() as progress:
        if engine == "dask":
            from ..runs.dask import score_dask

            summary = score_dask(
                inputs,
                scheduler=scheduler or "local",
                parts_dir=parts_dir,
                n_workers=jobs,
                on_progress=progress.update,
                **common,
            )
        else:
            dedicate_process()  # this process ends with the run
            summary = score(inputs, jobs=jobs, on_progress=progress.update, **common)
    _print_score_summary(summary)


def _print_score_summary(summary: ScoreSummary) -> None:
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
    extra = ""
    if summary.duplicates:
        extra += f"; {summary.duplicates} near-duplicates of earlier articles flagged (duplicate_of)"
    if summary.skipped:
        extra += f"; {len(summary.skipped)} bad records skipped (the 'skipped:' lines on stderr)"
    out_console.print(
        f"scored {summary.articles} articles ({summary.passages} passages){tail} -> {summary.out}{where}{extra}",
        highlight=False,
    )


def _config_with_cues(book: Codebook | None, cues: bool | None) -> Any:
    """The model settings for ``--cues/--no-cues``: cue features by default when there is a codebook."""
    from ..model.config import ModelConfig
    from ..model.cues import cues_from_codebook

    if cues and book is None:
        raise typer.BadParameter("--cues takes its cue phrases from the codebook: give --codebook too")
    if book is None or cues is False:
        return None
    return ModelConfig(cues=cues_from_codebook(book))


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
    cues: Annotated[
        bool | None,
        typer.Option(
            "--cues/--no-cues",
            help="With --cv: the codebook's cue-phrase matches as features, as train has them "
            "[default: with --codebook].",
        ),
    ] = None,
    random_state: Annotated[int, typer.Option(help="Seed for folds and solvers.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --json file.")] = False,
    against: Annotated[
        Path | None,
        typer.Option(help="With --model: an older model scored on the same labels; shows per-frame F1 differences."),
    ] = None,
    n_boot: Annotated[int, typer.Option(help="With --against: paired bootstrap resamples (at least 2000).")] = 2000,
    also_train: Annotated[
        list[Path] | None,
        typer.Option(
            "--also-train",
            help="With --cv: more labels (e.g. another language's) that join every training fold and are never "
            "tested. Repeatable.",
        ),
    ] = None,
) -> None:
    """Micro/macro F1 and per-frame precision, recall, F1 and support."""
    from ..model.evaluation import cross_validate, evaluate_model
    from ..model.files import load_model

    if (model is None) == (cv is None):
        raise typer.BadParameter("give exactly one of --model or --cv")
    if also_train and cv is None:
        raise typer.BadParameter("--also-train adds training data to cross-validation: use it with --cv")
    if against is not None and model is None:
        raise typer.BadParameter("--against compares two trained models: give --model NEW --against OLD")
    if json_out is not None:
        check_writable(json_out, force=force)  # before cross-validating, which can take minutes
    book = load_codebook(codebook) if codebook else None
    passages = read_labels(labels, codebook=book)
    if model is not None and against is not None:
        from ..model.history import compare_models

        report = compare_models(
            load_model(model), load_model(against), passages, n_boot=n_boot, random_state=random_state
        )
        if json_out is not None:
            with atomic_write(json_out, force=force) as fh:
                json.dump(report, fh, indent=2)
        out_console.print(_against_table(report, f"{model} (new) against {against} (old), {len(passages)} passages"))
        return
    if model is not None:
        report = evaluate_model(load_model(model), passages)
        title = f"{model} on {len(passages)} held-out passages"
        if report["unknown_frames"]:
            listing = ", ".join(f"{f} ({n} passages)" for f, n in report["unknown_frames"].items())
            _note("warning", f"frames in the labels that {model} does not score, left out: {listing}")
    else:
        folds: int | str = cv if cv == "article" else _folds(cv)
        also = read_labels(also_train, codebook=book) if also_train else []
        report = cross_validate(
            passages, folds=folds, frames=book.ids if book else None, unit=unit, random_state=random_state,
            extra=also, config=_config_with_cues(book, cues),
        )
        title = f"{report['method']} cross-validation, {len(passages)} labelled texts"
        if also:
            title += f" (+{len(also)} train-only)"
    if json_out is not None:
        with atomic_write(json_out, force=force) as fh:
            json.dump(report, fh, indent=2)
    out_console.print(_metrics_table(report, title))


def _against_table(report: dict[str, Any], title: str) -> Table:
    """Old and new F1 side by side, the difference and its paired bootstrap interval."""
    level = round(100 * report["level"])
    table = Table(title=title, title_justify="left", caption=report["method"], caption_justify="left")
    for col in ("frame", "support", "old F1", "new F1", "new - old", f"{level}% interval", ""):
        table.add_column(col, justify="left" if col == "frame" else "right")

    def add(name: str, row: dict[str, Any], support: str) -> None:
        low, high = row["ci"]
        verdict = "better" if low > 0 else "worse" if high < 0 else ""
        style = "green" if verdict == "better" else "red" if verdict == "worse" else "dim"
        table.add_row(
            name, support, _fmt(row["old"]), _fmt(row["new"]), f"{row['diff']:+.3f}",
            f"[{low:+.3f}, {high:+.3f}]", f"[{style}]{verdict or 'no clear change'}[/]",
        )

    for frame, row in report["frames"].items():
        add(frame, row, str(row["support"]))
    table.add_section()
    for avg in ("micro", "macro"):
        add(f"[bold]{avg}[/]", report[avg], "")
    return table


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
    dedupe: Annotated[
        bool, typer.Option("--dedupe", help="Count each story once: leave out near-duplicates 'framing score' flagged.")
    ] = False,
) -> None:
    """Compare frame prevalence between groups: differences, intervals, q-values, distinctive words."""
    from ..render.comparison import comparison_table
    from ..runs.comparing import compare_files

    result = compare_files(
        scores, by=by, unit=unit, over=over, report=report, json_out=json_out, csv_out=csv_out,
        model=model, force=force, n_boot=n_boot, random_state=random_state, dedupe=dedupe,
    )
    out_console.print(comparison_table(result))
    for warning in result.warnings:
        _note("warning", warning)
    sizes = ", ".join(f"{g} {s['units']}" for g, s in result.group_sizes.items())
    written = [str(p) for p in (report, json_out, csv_out) if p is not None]
    tail = f" -> {', '.join(written)}" if written else ""
    out_console.print(f"compared {result.unit}s by {by} ({sizes}){tail}", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------------
# Retraining with new labels: label files, active learning, labelling, audit

labels_app = typer.Typer(
    help="Manage label files: import labels from other tools, count them, rename or merge frames.",
    no_args_is_help=True,
)
app.add_typer(labels_app, name="labels")


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return escape(text if len(text) <= width else text[: width - 1] + "…")


def _codebook_near(codebook: Path | None, labels: list[Path]) -> Any:
    """The codebook given, else codebook.toml beside the first labels path, else None."""
    if codebook is not None:
        return load_codebook(codebook)
    first = labels[0]
    candidate = (first if first.is_dir() else first.parent) / "codebook.toml"
    return load_codebook(candidate) if candidate.is_file() else None


@labels_app.command("import")
def labels_import_cmd(
    files: Annotated[list[Path], typer.Argument(help="CSV or JSONL files of labelled passages to import.")],
    into: Annotated[Path, typer.Option("--into", help="The label file to add to, e.g. labels/NAME.jsonl.")],
    codebook: Annotated[
        Path | None,
        typer.Option(help="Codebook (TOML) to validate frames against. Default: codebook.toml beside --into."),
    ] = None,
    text_col: Annotated[str, typer.Option("--text-col", help="Column or field with the passage text.")] = "text",
    frames_col: Annotated[str, typer.Option("--frames-col", help="Column or field with the frame ids.")] = "frames",
    sep: Annotated[str, typer.Option("--sep", help="What separates frame ids in a text cell.")] = ";",
    id_col: Annotated[str, typer.Option("--id-col", help="Column with passage ids ('' to number them).")] = "id",
    language_col: Annotated[
        str, typer.Option("--language-col", help="Column with the language (en/ru); detected when absent.")
    ] = "language",
    source_col: Annotated[
        str, typer.Option("--source-col", help="Column with the source article's id (default: authored).")
    ] = "source",
    labels: Annotated[
        list[Path] | None,
        typer.Option("--labels", help="Labels to check for duplicates. Default: every label file beside --into."),
    ] = None,
) -> None:
    """Import labelled passages from CSV or JSONL into a label file, checked and without duplicates."""
    from ..labels.manage import find_codebook, import_labels

    book = find_codebook(codebook, near=into)
    report = import_labels(
        files, into=into, codebook=book, existing=labels, text_col=text_col, frames_col=frames_col, sep=sep,
        id_col=id_col, language_col=language_col, source_col=source_col,
    )
    if report.duplicates:
        table = Table(title="Duplicates of passages already labelled (left out)", title_justify="left")
        for col in ("record", "already at", "match"):
            table.add_column(col)
        for where, other, kind in report.duplicates[:10]:
            table.add_row(escape(where), escape(other), kind)
        if len(report.duplicates) > 10:
            table.caption = f"{len(report.duplicates) - 10} more not shown"
        out_console.print(table)
    if report.conflicts:
        table = Table(title="Conflicts: the same passage with other frames (not imported)", title_justify="left")
        for col in ("record", "its frames", "other record", "other frames"):
            table.add_column(col)
        for where, other, frames, theirs in report.conflicts:
            table.add_row(escape(where), ", ".join(frames) or "none", escape(other), ", ".join(theirs) or "none")
        out_console.print(table)
    out_console.print(
        f"imported {report.added} of {report.read} passages into [bold]{escape(str(report.into))}[/] "
        f"(stamped codebook version {report.codebook_version}); {len(report.duplicates)} duplicates left out, "
        f"{len(report.conflicts)} conflicts to settle by hand",
        highlight=False, soft_wrap=True,
    )


@labels_app.command("stats")
def labels_stats_cmd(
    labels: Annotated[
        list[Path] | None, typer.Argument(help="Label files or folders (default: labels/).")
    ] = None,
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook (TOML). Default: codebook.toml beside the labels, if any.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the counts as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --json file.")] = False,
) -> None:
    """Passages per frame, language and source, and the frames under the trainer's minimum."""
    from ..labels.manage import label_stats
    from ..model.training import frames_of

    paths = labels or [Path("labels")]
    if json_out is not None:
        check_writable(json_out, force=force)
    book = _codebook_near(codebook, paths)
    passages = read_labels(paths, codebook=book)
    stats = label_stats(passages, book.ids if book is not None else frames_of(passages))
    table = Table(title=f"{stats['passages']} labelled passages: positives per frame", title_justify="left")
    # The last column flags frames under the minimum; without any it would be an empty one.
    flags = bool(stats["below_minimum"])
    for col in ("frame", "positives", "en", "ru", "judged on", "negatives") + (("",) if flags else ()):
        table.add_column(col, justify="left" if col in ("frame", "") else "right")
    for frame, row in stats["frames"].items():
        flag = stats["below_minimum"].get(frame, "")
        cells = [
            frame, str(row["positives"]), str(row["by_language"]["en"]), str(row["by_language"]["ru"]),
            str(row["judged"]), str(row["negatives"]),
        ]
        table.add_row(*cells, *([f"[bold red]{flag}[/]" if flag else ""] if flags else []))
    table.add_section()
    table.add_row("[dim]no frame[/]", str(stats["no_frame"]), *[""] * (len(table.columns) - 2))
    out_console.print(table)
    languages = Table(title="Per language", title_justify="left")
    languages.add_column("language")
    languages.add_column("passages", justify="right")
    for language, count in stats["by_language"].items():
        languages.add_row(language, str(count))
    out_console.print(languages)
    sources = Table(title="Per source (article id, or authored)", title_justify="left")
    sources.add_column("source")
    sources.add_column("passages", justify="right")
    shown = list(stats["by_source"].items())
    for source, count in shown[:15]:
        sources.add_row(escape(source), str(count))
    if len(shown) > 15:
        sources.add_row(f"[dim]{len(shown) - 15} more sources[/]", str(sum(c for _, c in shown[15:])))
    out_console.print(sources)
    if json_out is not None:
        with atomic_write(json_out, force=force) as fh:
            json.dump(stats, fh, indent=2, ensure_ascii=False)
    if stats["below_minimum"]:
        out_console.print(
            f"[bold red]under the minimum[/] (training needs {stats['min_positives']} positives and a negative "
            f"per frame): {', '.join(stats['below_minimum'])}",
            highlight=False, soft_wrap=True,
        )
    else:
        out_console.print(f"every frame has at least {stats['min_positives']} positive passages", highlight=False)


@labels_app.command("migrate")
def labels_migrate_cmd(
    labels: Annotated[list[Path], typer.Argument(help="Label files or folders to migrate.")],
    rename: Annotated[
        list[str] | None, typer.Option("--rename", help="OLD=NEW: rename a frame (repeatable).")
    ] = None,
    merge: Annotated[
        list[str] | None, typer.Option("--merge", help="A,B=NEW: merge frames into one (repeatable).")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook (TOML) to migrate with the labels.")] = None,
) -> None:
    """Rename or merge frames in label files (and the codebook), keeping each old file as NAME.bak."""
    from ..labels.manage import migrate_labels, parse_steps

    steps = parse_steps(rename or [], merge or [])
    report = migrate_labels(labels, steps=steps, codebook=codebook)
    for path, changed in report.files.items():
        out_console.print(f"{escape(path)}: {changed} records changed", highlight=False, soft_wrap=True)
    if report.codebook:
        gone = f"; removed the tables of {', '.join(report.removed_tables)} " if report.removed_tables else ""
        note = "(their definitions are in the .bak: fold them into the merged frame's)" if gone else ""
        out_console.print(f"{escape(report.codebook)}: migrated{gone}{note}", highlight=False, soft_wrap=True)
    if report.backups:
        out_console.print(f"backups: {escape(', '.join(report.backups))}", highlight=False, soft_wrap=True)


@app.command("suggest")
def suggest_cmd(
    inputs: Annotated[
        list[str], typer.Argument(help="Articles: .txt/.html files or folders, .jsonl/.csv with a text column, or -.")
    ],
    model: Annotated[Path, typer.Option("--model", "-m", help="The current model.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The queue to write (.jsonl), for 'framing label'.")],
    n: Annotated[int, typer.Option("-n", help="How many passages to suggest.")] = 50,
    labels: Annotated[
        list[Path] | None,
        typer.Option("--labels", help="Labels whose passages are left out. Default: the model's training labels."),
    ] = None,
    max_similarity: Annotated[
        float, typer.Option(help="Cosine similarity over which a passage is too like one already queued.")
    ] = 0.8,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing queue.")] = False,
) -> None:
    """The passages most worth labelling next: the model's least certain, not all from one story."""
    from ..analysis.suggestions import suggest

    summary = suggest(inputs, model=model, n=n, out=out, labels=labels, max_similarity=max_similarity, force=force)
    if summary.missing_labels:
        _note(
            "warning",
            f"the model's label files not found from here: {', '.join(summary.missing_labels)}; their passages "
            "were not left out (give them with --labels)",
        )
    table = Table(title="Suggested for labelling (least certain first)", title_justify="left")
    for col in ("#", "id", "closest to", "uncertainty", "model's guess", "text"):
        table.add_column(col, justify="right" if col in ("#", "uncertainty") else "left")
    for rank, record in enumerate(summary.queue[:20], start=1):
        table.add_row(
            str(rank), escape(record["id"]), record["nearest_frame"], f"{record['uncertainty']:.2f}",
            ", ".join(record["frames"]) or "none", _short(record["text"], 50),
        )
    out_console.print(table)
    out_console.print(
        f"queued {len(summary.queue)} of {summary.passages} passages from {summary.articles} articles -> "
        f"{escape(str(summary.out))}; left out: {summary.labelled} already labelled, {summary.repeated} repeats, "
        f"{summary.similar} too like one queued",
        highlight=False, soft_wrap=True,
    )


@app.command("label")
def label_cmd(
    queue: Annotated[Path, typer.Argument(help="A queue from 'framing suggest' (.jsonl).")],
    into: Annotated[Path, typer.Option("--into", help="The label file answers are appended to (.jsonl).")],
    codebook: Annotated[
        Path | None,
        typer.Option(help="Codebook (TOML) whose frames are offered. Default: codebook.toml beside --into."),
    ] = None,
) -> None:
    """Label a queue in the terminal: digits toggle frames, enter saves, s skips, u undoes, q quits."""
    import sys

    from ..labels.manage import find_codebook
    from ..runs.labelling import annotate

    book = find_codebook(codebook, near=into)
    summary = annotate(queue, into=into, codebook=book, stdin=sys.stdin, console=out_console)
    out_console.print(
        f"{summary.answered} answered, {summary.skipped} skipped, {summary.undone} undone this session; "
        f"{summary.remaining} of {summary.queue} to go -> {escape(str(summary.into))}",
        highlight=False, soft_wrap=True,
    )


@app.command("audit")
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
    table = Table(title=f"Labels the {result['method']} contradicts, strongest first", title_justify="left")
    for col in ("#", "id", "frame", "label", "score", "threshold", "strength", "text"):
        table.add_column(col, justify="right" if col in ("#", "score", "threshold", "strength") else "left")
    for row in found[:top]:
        table.add_row(
            str(row["rank"]), escape(row["id"]), row["frame"], "present" if row["label"] else "absent",
            f"{row['score']:.2f}", f"{row['threshold']:.2f}", f"{row['disagreement']:.2f}", _short(row["text"], 50),
        )
    out_console.print(table)
    if out is not None:
        with atomic_write(out, force=force) as fh:
            for row in found:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    where = f" -> {escape(str(out))}" if out is not None else ""
    out_console.print(
        f"{len(found)} of {result['checked']} labels contradicted ({result['passages']} passages){where}",
        highlight=False, soft_wrap=True,
    )


@app.command("explain")
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

    from ..analysis.explain import explain_input, explanation_html, token_weights
    from ..model.files import load_model

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


@app.command("inspect")
def inspect_cmd(
    model: Annotated[Path, typer.Argument(help="Model file written by 'framing train'.")],
    top: Annotated[int, typer.Option(min=0, help="Strongest terms shown each way per frame and language.")] = 8,
) -> None:
    """A model's card and the strongest positive and negative terms per frame in each language."""
    from ..analysis.explain import strongest_terms
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
    table = Table(title="Frames", title_justify="left")
    for col in ("frame", "threshold", "positives", "out-of-fold F1"):
        table.add_column(col, justify="left" if col in ("frame", "positives") else "right")
    for j, frame in enumerate(loaded.frames):
        f1 = metrics.get("per_frame", {}).get(frame, {}).get("f1")
        pos = positives.get(frame, {})
        table.add_row(
            frame, f"{loaded.thresholds[j]:.2f}", escape(", ".join(f"{k} {v}" for k, v in pos.items())),
            "" if f1 is None else _fmt(f1),
        )
    out_console.print(table)
    terms = Table(title="Strongest terms (classifier coefficients; word stems and character n-grams)",
                  title_justify="left")
    for col in ("frame", "lang", "up", "down"):
        terms.add_column(col)
    for frame, per_language in strongest_terms(loaded, top=top).items():
        for language, found in per_language.items():
            terms.add_row(
                frame, language,
                "[green]" + escape(", ".join(f"{t!r} {w:+.2f}" for t, w in found["up"])) + "[/]",
                "[red]" + escape(", ".join(f"{t!r} {w:+.2f}" for t, w in found["down"])) + "[/]",
            )
        terms.add_section()
    out_console.print(terms)


def _terminate(signum: int, frame: Any) -> None:
    # A run killed with SIGTERM (a job scheduler, a closing terminal) cleans up as on Ctrl-C.
    raise KeyboardInterrupt


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    app()
