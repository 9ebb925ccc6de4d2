"""Every command has help and is documented in the README (as sqlite-utils checks its docs)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from framing.cli import app

from .conftest import strip_ansi

README = Path(__file__).parent.parent / "README.md"

COMMANDS: dict[str, click.Command] = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_there_are_commands() -> None:
    assert {"train", "score", "evaluate"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help(name: str) -> None:
    command = COMMANDS[name]
    assert (command.help or "").strip(), f"framing {name} has no help text"
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    shown = " ".join(strip_ansi(result.output).split())
    assert " ".join(command.help.strip().splitlines()[0].split()) in shown
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"framing {name} {param.opts[0]} has no help"
            long = [o for o in param.opts if o.startswith("--")] or param.opts
            assert any(o in shown for o in long), f"framing {name} --help does not show {param.opts}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    assert re.search(rf"`framing {re.escape(name)}[` ]", text), f"README.md does not document `framing {name}`"
