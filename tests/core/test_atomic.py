"""Writing files atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from framing.core.atomic import atomic_write, check_writable
from framing.core.errors import OutputError


def test_writes_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_write(target) as fh:
        fh.write("первая строка\n")
        assert not target.exists()  # nothing under the final name until the body is done
    assert target.read_text(encoding="utf-8") == "первая строка\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_binary_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with atomic_write(target, mode="wb") as fh:
        fh.write(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_a_failing_body_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"), atomic_write(target, force=True) as fh:
        fh.write("new, half written")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_interrupt_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as fh:
        fh.write("partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_force_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with atomic_write(target, force=True) as fh:
        fh.write("new")
    assert target.read_text(encoding="utf-8") == "new"


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists; pass --force"), atomic_write(target) as fh:
        fh.write("new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_writable(tmp_path / "nowhere" / "out.txt")
    assert check_writable(tmp_path / "out.txt") == tmp_path / "out.txt"


def test_newlines_are_written_as_given(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_write(target) as fh:
        fh.write("a\r\nb\n")
    assert target.read_bytes() == b"a\r\nb\n"


def test_written_file_gets_umask_permissions_not_owner_only(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        target = tmp_path / "shared.txt"
        with atomic_write(target) as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
