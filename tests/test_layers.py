"""The import rule of pyproject.toml (``make lint`` runs it): it holds, and it bites.

A copy of the package with one forbidden import added must break the contracts; the tree
itself must keep them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # The copy's folder first on the path, so that it is the framing the linter reads.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "framing", tmp_path / "framing", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_the_import_contracts(tmp_path: Path) -> None:
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the model layer reaching up into rendering
        (
            "model/upward.py",
            "from framing.render import comparison\n",
            "framing.model is not allowed to import framing.render",
        ),
        # the labels and inputs layers are independent of each other
        ("labels/sideways.py", "from framing.inputs import passages\n", "is not allowed to import"),
        # the command line using the speed machinery directly
        ("cli/fast.py", "from framing._fast import kernels\n", "framing.cli is not allowed to import framing._fast"),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(tmp_path: Path, module: str, line: str, broken: str) -> None:
    root = _copy(tmp_path)
    (root / "framing" / module).write_text(f'"""A forbidden import, for the test."""\n\n{line}', encoding="utf-8")
    done = _lint(root)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and broken in done.stdout, done.stdout
