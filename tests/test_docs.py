"""The README, the docs and the commands stay in step (as sqlite-utils checks its docs).

* every command has help, and every option of it has help and shows in ``--help``;
* docs/cli.md is what scripts/gen_cli_docs.py makes from the typer app today, and it
  documents every command and every option;
* the README mentions every command in its tour or links to its entry in docs/cli.md;
* every relative link in README.md and docs/*.md points at a file that exists (and at a
  heading that exists, when it names one);
* the README's two set-up commands are ``make demo`` and ``make test``, targets of the Makefile.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from framing.cli import app

from .conftest import strip_ansi


def _root() -> Path:
    """The project folder: the nearest parent holding pyproject.toml (wherever this file sits in tests/)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise AssertionError("no pyproject.toml above tests/")


ROOT = _root()
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"


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


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None, "scripts/gen_cli_docs.py is missing"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(command: click.Command) -> list[Any]:
    return [
        p for p in command.params if getattr(p, "param_type_name", "") == "option" and not getattr(p, "hidden", False)
    ]


def _long(param: Any) -> list[str]:
    return [o for o in param.opts if o.startswith("--")] or list(param.opts)


def test_there_are_commands() -> None:
    assert {"train", "score", "evaluate", "compare", "labels import"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help(name: str) -> None:
    command = COMMANDS[name]
    assert (command.help or "").strip(), f"framing {name} has no help text"
    result = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    shown = " ".join(strip_ansi(result.output).split())
    assert " ".join((command.help or "").strip().splitlines()[0].split()) in shown
    for param in _options(command):
        assert (param.help or "").strip(), f"framing {name} {param.opts[0]} has no help"
        assert any(o in shown for o in _long(param)), f"framing {name} --help does not show {param.opts}"


# --------------------------------------------------------------------------- docs/cli.md


def test_cli_reference_is_current() -> None:
    assert CLI_MD.is_file(), "docs/cli.md is missing: run `make docs`"
    expected = _generator().render()
    assert CLI_MD.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is out of date with the commands' help: run `make docs` and commit docs/cli.md"
    )


def _sections(text: str) -> dict[str, str]:
    """docs/cli.md's text under each ``## framing NAME`` (or ``###``) heading, by command name."""
    parts = re.split(r"^#{2,4} framing (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_cli_reference(name: str) -> None:
    assert CLI_MD.is_file(), "docs/cli.md is missing: run `make docs`"
    sections = _sections(CLI_MD.read_text(encoding="utf-8"))
    assert name in sections, f"docs/cli.md has no section for `framing {name}`: run `make docs`"
    section = sections[name]
    command = COMMANDS[name]
    assert " ".join((command.help or "").strip().split("\n\n")[0].split()) in " ".join(section.split())
    for param in _options(command):
        documented = any(f"`{o}`" in section for o in _long(param))
        assert documented, f"docs/cli.md does not document framing {name} {param.opts}"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "argument":
            assert f"`{param.name.upper()}" in section, f"docs/cli.md does not document framing {name} {param.name}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    """Named in the README's tour (inline code, or a line of a code block), or linked to its reference entry."""
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    slug = _generator().slug(f"framing {name}")
    named = re.search(rf"`framing {re.escape(name)}[` ]", text) or re.search(
        rf"^\s*(\$ )?framing {re.escape(name)}(\s|$)", text, flags=re.MULTILINE
    )
    linked = f"docs/cli.md#{slug}" in text
    assert named or linked, f"README.md neither shows `framing {name}` nor links to docs/cli.md#{slug}"


# --------------------------------------------------------------------------- links


def _slugs(markdown: str) -> set[str]:
    """GitHub's anchors for a file's headings (outside code blocks), duplicates numbered."""
    seen: dict[str, int] = {}
    out = set()
    for line in _prose(markdown).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))  # links keep their text
        base = "".join(c for c in title.lower() if c.isalnum() or c in " -_").replace(" ", "-")
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def _prose(markdown: str) -> str:
    """The file without its fenced code blocks."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.MULTILINE | re.DOTALL)


def _links(markdown: str) -> list[str]:
    prose = re.sub(r"`[^`\n]*`", "", _prose(markdown))  # nor inline code
    return re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", prose)


DOC_FILES = [README, *sorted(DOCS.glob("*.md"))]


def test_there_are_docs() -> None:
    names = {p.name for p in DOC_FILES}
    assert {"README.md", "cli.md", "tutorial.md", "methods.md", "benchmarks.md", "model-files.md"} <= names


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in _links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        where = (doc.parent / path).resolve() if path else doc
        if not where.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and where.suffix == ".md" and anchor not in _slugs(where.read_text(encoding="utf-8")):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links: {', '.join(broken)}"


def test_the_readme_links_to_every_page_of_the_docs() -> None:
    linked = {Path(t.partition("#")[0]).name for t in _links(README.read_text(encoding="utf-8"))}
    missing = sorted(p.name for p in DOCS.glob("*.md") if p.name not in linked)
    assert not missing, f"README.md does not link to docs/{', docs/'.join(missing)}"


# --------------------------------------------------------------------------- set-up


def test_the_two_setup_commands_are_make_demo_and_make_test() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"^```(?:sh|bash|console)?\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert block, "README.md has no code block with the set-up commands"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.split("#")[0].strip()]
    assert commands == ["make demo", "make test"], f"README.md's first code block runs {commands}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), f"the Makefile has no `{target}` target"


def test_every_public_name_resolves_and_unknown_names_do_not() -> None:
    # framing/__init__.py imports its names on first use (so that scoring skips scikit-learn):
    # each name of __all__ must be found where the package says it lives.
    import framing

    for name in framing.__all__:
        assert getattr(framing, name) is not None, name
        assert name in dir(framing)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        framing.nothing_here  # noqa: B018
