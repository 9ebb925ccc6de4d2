"""Fixtures of the label tests: a labels folder with its codebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import CODEBOOK_TOML


@pytest.fixture
def labels_dir(tmp_path: Path, labels_file: Path) -> Path:
    """labels/ with the codebook and the conftest corpus as corpus.jsonl."""
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "codebook.toml").write_text(CODEBOOK_TOML, encoding="utf-8")
    labels_file.rename(folder / "corpus.jsonl")
    return folder
