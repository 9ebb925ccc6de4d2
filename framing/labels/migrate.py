"""Rename or merge frames in label files and the codebook (``framing labels migrate``).

Every file changed is written to a temporary file and renamed into place, with the
file it replaces kept as ``NAME.bak``; everything is checked before anything is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.atomic import atomic_write, backup_path
from ..core.errors import InputError, LabelError
from ..core.records import find_column, jsonl_records
from .codebook import Codebook, closest_frame, load_codebook
from .store import label_files, read_labels

__all__ = ["MigrationReport", "migrate_labels"]


@dataclass
class MigrationReport:
    """What a migration changed: records per label file, and the codebook."""

    steps: list[tuple[list[str], str]]
    files: dict[str, int] = field(default_factory=dict)  # path -> records changed
    codebook: str | None = None
    removed_tables: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


def _migrate_list(frames: list[str], sources: list[str], target: str, *, judged: bool) -> list[str]:
    """Frames (or judged frames) after merging ``sources`` into ``target``.

    A passage carries the merged frame when it carried any source. It was
    judged on the merged frame only when judged on every source: judged on one
    and silent on the other, it may carry the other.
    """
    hit = [f in frames for f in sources]
    keep = [f for f in frames if f not in sources]
    if (all(hit) if judged else any(hit)) and target not in keep:
        position = min(i for i, f in enumerate(frames) if f in sources)
        keep.insert(min(position, len(keep)), target)
    return keep


def _migrate_record(
    record: dict[str, Any], steps: list[tuple[list[str], str]], *, csv_sep: str | None, carried: set[str]
) -> bool:
    """Migrate the record's frames and judged frames in place; add the frames it carried to ``carried``."""
    changed = False
    for name, judged in (("frames", False), ("judged", True)):
        value = record.get(name)
        if value is None or (csv_sep is not None and name == "judged" and value == ""):
            continue
        if csv_sep is not None:
            items = [v.strip() for v in str(value).split(csv_sep) if v.strip()]
        elif isinstance(value, list):
            items = [str(v) for v in value]
        else:
            continue
        if name == "frames":
            carried.update(items)
        new = items
        for sources, target in steps:
            new = _migrate_list(new, sources, target, judged=judged)
        if new != items:
            record[name] = csv_sep.join(new) if csv_sep is not None else new
            changed = True
    return changed


_TABLE = re.compile(r"^\s*\[")
_FRAMES_TABLE = re.compile(r"^\s*\[\[\s*frames\s*\]\]")
_ID_LINE = re.compile(r"""^(\s*id\s*=\s*)(["'])([^"']*)\2(.*)$""")
_ADDED_LINE = re.compile(r"^\s*added\s*=")


def _frame_tables(lines: list[str]) -> dict[str, tuple[int, int, int]]:
    """frame id -> (first line, end line, id line) of its ``[[frames]]`` table."""
    out: dict[str, tuple[int, int, int]] = {}
    starts = [i for i, line in enumerate(lines) if _FRAMES_TABLE.match(line)]
    for start in starts:
        end = next((j for j in range(start + 1, len(lines)) if _TABLE.match(lines[j])), len(lines))
        for j in range(start + 1, end):
            match = _ID_LINE.match(lines[j])
            if match:
                out[match.group(3)] = (start, end, j)
                break
    return out


def _migrate_codebook(text: str, book: Codebook, steps: list[tuple[list[str], str]]) -> tuple[str, list[str]]:
    """The codebook's text with frames renamed or merged; and the ids whose tables were removed.

    The TOML is edited as text so comments, order and layout stay as the
    author wrote them: an id line changes, tables of merged-away frames go
    (their definitions stay in the backup), ``-> OLD`` cross-references in
    includes/excludes follow, and the merged frame's ``added`` becomes the
    latest of its sources' (a passage was judged on it only if judged on all).
    """
    added = {f.id: f.added for f in book.frames}
    removed: list[str] = []
    for sources, target in steps:
        lines = text.splitlines(keepends=True)
        tables = _frame_tables(lines)
        for s in sources:
            if s not in tables:
                hint = closest_frame(s, list(tables))
                tip = f"; did you mean {hint!r}?" if hint else ""
                raise LabelError(f"the codebook has no frame {s!r}{tip}", path=book.path)
        involved = [*sources, *([target] if target in tables and target not in sources else [])]
        keep = target if target in tables else sources[0]
        new_added = max(added.get(f, 1) for f in involved)
        drop = [f for f in involved if f != keep]
        start, end, id_line = tables[keep]
        match = _ID_LINE.match(lines[id_line].rstrip("\r\n"))
        assert match is not None  # found by _frame_tables
        ending = lines[id_line][len(lines[id_line].rstrip("\r\n")):]
        lines[id_line] = f"{match.group(1)}{match.group(2)}{target}{match.group(2)}{match.group(4)}{ending}"
        added_lines = [j for j in range(start, end) if _ADDED_LINE.match(lines[j])]
        if added_lines:
            lines[added_lines[0]] = f"added = {new_added}\n"
        elif new_added > 1:
            lines.insert(id_line + 1, f"added = {new_added}\n")
        # Remove the merged-away tables, last first so earlier indices hold
        # (found again: an inserted 'added' line moved what follows).
        tables = _frame_tables(lines)
        spans = sorted((tables[f][0], tables[f][1]) for f in drop)
        for a, b in reversed(spans):
            del lines[a:b]
        text = "".join(lines)
        for s in sources:
            text = re.sub(rf"->\s*{re.escape(s)}\b", f"-> {target}", text)
        for f in drop:
            added.pop(f, None)
        added[target] = new_added
        removed.extend(f for f in drop if f != target)
    return text, removed


def migrate_labels(
    paths: Sequence[str | Path],
    *,
    steps: list[tuple[list[str], str]],
    codebook: str | Path | None = None,
) -> MigrationReport:
    """Rename or merge frames in label files and, when given, in the codebook.

    Parameters
    ----------
    paths : sequence of str or Path
        Label files (``.jsonl``, ``.csv``) or folders of them.
    steps : list of (sources, target)
        The frames ``sources`` merged into ``target``, applied in order. A rename is a merge of one.
    codebook : str or Path, optional
        The codebook (TOML) to migrate with the labels.

    Returns
    -------
    MigrationReport

    Notes
    -----
    Everything is computed and checked first (the new codebook must load and
    every migrated frame must be in it), then each file is replaced atomically,
    its old version kept as ``NAME.bak``. Other fields and the order of
    records are kept; a JSONL file's blank lines are not.
    """
    book = load_codebook(codebook) if codebook is not None else None
    report = MigrationReport(steps=steps)
    new_book_text: str | None = None
    if book is not None:
        new_book_text, report.removed_tables = _migrate_codebook(
            Path(book.path).read_text(encoding="utf-8"), book, steps
        )
        try:
            tomllib.loads(new_book_text)
        except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the edit keeps TOML valid
            raise LabelError(f"migrated codebook is not valid TOML ({exc}); nothing changed", path=book.path) from None
    outputs: list[tuple[Path, bytes]] = []
    carried: set[str] = set()  # the frames the labels carry before the migration
    for path in label_files(paths):
        data, changed = _migrate_file(path, steps, carried)
        report.files[str(path)] = changed
        if changed:
            outputs.append((path, data))
    _check_renames(steps, carried | (set(book.ids) if book is not None else set()))
    if new_book_text is not None and book is not None:
        _check_new_codebook(new_book_text, book, outputs)
        outputs.append((Path(book.path), new_book_text.encode("utf-8")))
        report.codebook = book.path
    for path, data in outputs:
        with atomic_write(path, mode="wb", force=True, backup=True) as fh:
            fh.write(data)
        report.backups.append(str(backup_path(path)))
    return report


def _check_renames(steps: list[tuple[list[str], str]], frames: set[str]) -> None:
    """A rename into a frame that already exists (in ``frames``, or made by an earlier
    step) would merge the two without saying so."""
    current = set(frames)
    for sources, target in steps:
        if len(sources) == 1 and target in current:
            old = sources[0]
            raise LabelError(
                f"--rename {old}={target}: {target!r} is already a frame; to fold {old!r} into it, "
                f"use --merge {old},{target}={target}"
            )
        current = (current - set(sources)) | {target}


def _check_new_codebook(text: str, book: Codebook, outputs: list[tuple[Path, bytes]]) -> None:
    """Every frame the migrated labels use must be in the migrated codebook."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "codebook.toml"
        probe.write_text(text, encoding="utf-8")
        new = load_codebook(probe)
        for number, (path, data) in enumerate(outputs):
            copy = Path(tmp) / f"{number}{path.suffix}"
            copy.write_bytes(data)
            try:
                read_labels([copy], codebook=new)
            except LabelError as exc:
                raise LabelError(
                    f"after the migration: {exc.reason} (line {exc.line}); nothing changed", path=path
                ) from None


def _migrate_file(path: Path, steps: list[tuple[list[str], str]], carried: set[str]) -> tuple[bytes, int]:
    """The file's new bytes and how many records changed; the frames its records carried go into ``carried``."""
    changed = 0
    if path.suffix.lower() == ".jsonl":
        lines = []
        try:
            for _, record in jsonl_records(path):
                if _migrate_record(record, steps, csv_sep=None, carried=carried):
                    changed += 1
                lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        except InputError as exc:
            raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
        return "".join(lines).encode("utf-8"), changed
    # CSV: read with the file's own header, so columns keep their names and order.
    import csv
    import io

    from ..core.records import open_lines

    try:
        reader = csv.DictReader(line for _, line in open_lines(path))
        header = [c for c in (reader.fieldnames or []) if c is not None]
        rows = list(reader)
    except (InputError, csv.Error) as exc:
        reason = exc.reason if isinstance(exc, InputError) else f"malformed CSV ({exc})"
        raise LabelError(reason, path=path) from None
    names = {"frames": find_column(header, "frames"), "judged": find_column(header, "judged")}
    for row in rows:
        record = {key: row.get(name) for key, name in names.items() if name is not None}
        if _migrate_record(record, steps, csv_sep=";", carried=carried):
            changed += 1
            for key, name in names.items():
                if name is not None:
                    row[name] = record[key]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8"), changed
