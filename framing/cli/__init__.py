"""The ``framing`` command line: one module per command group, each over the library.

A command parses its arguments, calls the library, and prints (its tables are built in
:mod:`framing.render`). The app's command group (:class:`framing.cli.base.Commands`) is the
one error boundary: library errors become one-line ``error: ...`` messages and exit codes
there. Commands import what only they need inside them: scikit-learn, which training,
evaluating and explaining need, takes seconds to import, and scoring can do without it.

| command | module |
| --- | --- |
| ``train`` | ``cli/train.py`` |
| ``score`` | ``cli/score.py`` |
| ``evaluate`` | ``cli/evaluate.py`` |
| ``compare`` | ``cli/compare.py`` |
| ``suggest`` | ``cli/suggest.py`` |
| ``label``, ``labels import|stats|migrate`` | ``cli/labels.py`` |
| ``audit`` | ``cli/audit.py`` |
| ``explain``, ``inspect`` | ``cli/explain.py`` |
| ``sample``, ``agree``, ``validate`` | ``cli/validation.py`` |
"""

from __future__ import annotations

import signal
from typing import Annotated, Any

import typer

from .. import __version__
from . import audit, compare, evaluate, explain, labels, score, suggest, train, validation
from .base import Commands

__all__ = ["app", "run"]

app = typer.Typer(
    cls=Commands,
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


# In the order --help lists them.
app.command("train")(train.train_cmd)
app.command("score")(score.score_cmd)
app.command("evaluate")(evaluate.evaluate_cmd)
app.command("compare")(compare.compare_cmd)
app.command("suggest")(suggest.suggest_cmd)
app.command("label")(labels.label_cmd)
app.command("audit")(audit.audit_cmd)
app.command("explain")(explain.explain_cmd)
app.command("inspect")(explain.inspect_cmd)
app.command("sample")(validation.sample_cmd)
app.command("agree")(validation.agree_cmd)
app.command("validate")(validation.validate_cmd)
labels.labels_app.command("import")(labels.labels_import_cmd)
labels.labels_app.command("stats")(labels.labels_stats_cmd)
labels.labels_app.command("migrate")(labels.labels_migrate_cmd)
app.add_typer(labels.labels_app, name="labels")


def _terminate(signum: int, frame: Any) -> None:
    # A run killed with SIGTERM (a job scheduler, a closing terminal) cleans up as on Ctrl-C.
    raise KeyboardInterrupt


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    app()
