"""Every command has help and is documented in the README (as sqlite-utils checks its docs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from framing.cli import app

from .conftest import strip_ansi

README = Path(__file__).parent.parent / "README.md"


def _commands(group: Any, prefix: str = "") -> dict[str, click.Command]:
    """Every command by its full name, sub-commands of groups included ("labels import").

    Groups are told by their ``commands``: typer may vendor its own click, whose
    classes are not the ``click`` package's.
    """
    out: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        out[prefix + name] = command
        if hasattr(command, "commands"):
            out.update(_commands(command, prefix=f"{prefix}{name} "))
    return out


COMMANDS: dict[str, click.Command] = _commands(typer.main.get_command(app))


def test_there_are_commands() -> None:
    assert {"train", "score", "evaluate"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help(name: str) -> None:
    command = COMMANDS[name]
    assert (command.help or "").strip(), f"framing {name} has no help text"
    result = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    shown = " ".join(strip_ansi(result.output).split())
    assert " ".join(command.help.strip().splitlines()[0].split()) in shown
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not param.hidden:  # any click's Option
            assert (param.help or "").strip(), f"framing {name} {param.opts[0]} has no help"
            long = [o for o in param.opts if o.startswith("--")] or param.opts
            assert any(o in shown for o in long), f"framing {name} --help does not show {param.opts}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    assert re.search(rf"`framing {re.escape(name)}[` ]", text), f"README.md does not document `framing {name}`"


def test_every_public_name_resolves_and_unknown_names_do_not() -> None:
    # framing/__init__.py imports its names on first use (so that scoring skips scikit-learn):
    # each name of __all__ must be found where the package says it lives.
    import framing

    for name in framing.__all__:
        assert getattr(framing, name) is not None, name
        assert name in dir(framing)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        framing.nothing_here  # noqa: B018
