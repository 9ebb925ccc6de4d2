"""The codebook: the frames, their definitions and bilingual cue phrases."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import LabelError

__all__ = ["CODEBOOK_NAME", "Frame", "Codebook", "load_codebook", "closest_frame", "codebook_beside"]

# The codebook beside a folder of labels has this name.
CODEBOOK_NAME = "codebook.toml"


@dataclass(frozen=True)
class Frame:
    """One frame of the codebook."""

    id: str
    label: str = ""
    definition: str = ""
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    cues_en: tuple[str, ...] = ()
    cues_ru: tuple[str, ...] = ()
    # The codebook version that introduced the frame: passages labelled under an
    # older version were never judged on it and must not count as its negatives.
    added: int = 1


@dataclass(frozen=True)
class Codebook:
    """An ordered set of frames with a version number."""

    frames: tuple[Frame, ...]
    version: int = 1
    name: str = ""
    path: str = ""
    description: str = field(default="", repr=False)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.frames]

    def __contains__(self, frame_id: object) -> bool:
        return frame_id in self.ids

    def frames_at(self, version: int) -> list[str]:
        """The ids of the frames a coder judged under codebook ``version`` (those added by then).

        Examples
        --------
        >>> book = Codebook(frames=(Frame("a"), Frame("b", added=2)), version=2)
        >>> book.frames_at(1), book.frames_at(2)
        (['a'], ['a', 'b'])
        """
        return [f.id for f in self.frames if f.added <= version]


def closest_frame(name: str, known: list[str]) -> str | None:
    """The known frame id most like ``name``, if any is close.

    Examples
    --------
    >>> closest_frame("betrayl", ["betrayal", "decolonial"])
    'betrayal'
    """
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return match[0] if match else None


def _strings(table: dict[str, Any], key: str, *, frame: str, path: Path) -> tuple[str, ...]:
    """The frame's ``key`` list (cues, includes, excludes) as a tuple of strings.

    Checked because tuple() would turn ``cues_en = "oil"`` into the cues o, i, l
    and fail with a TypeError on ``cues_en = 5``.

    Raises
    ------
    LabelError
        When the value is not a list of strings.
    """
    value = table.get(key, [])
    if not isinstance(value, list):
        raise LabelError(f"frame {frame!r}: {key!r} must be a list of strings, not {value!r}", path=path)
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise LabelError(
                f"frame {frame!r}: {key!r} must be a list of strings, but item {number} is {item!r}", path=path
            )
    return tuple(value)


def load_codebook(path: str | Path) -> Codebook:
    """Read a TOML codebook with ``[[frames]]`` tables (``id`` required).

    Raises
    ------
    LabelError
        When the file is missing, is not TOML, its version is not a whole number of
        1 or more, a frame lacks an id or repeats one, or a frame's list (cues,
        includes, excludes) is not a list of strings.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelError(exc.strerror or str(exc), path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LabelError(f"not a valid TOML codebook ({exc})", path=path) from None
    version = data.get("version", 1)
    # bool is an int to Python, and int() would truncate 1.5 or crash on "one".
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LabelError(f"'version' must be a whole number of 1 or more, not {version!r}", path=path)
    tables = data.get("frames")
    if not isinstance(tables, list) or not tables:
        raise LabelError("codebook has no [[frames]] tables", path=path)
    frames: list[Frame] = []
    for number, table in enumerate(tables, start=1):
        fid = table.get("id") if isinstance(table, dict) else None
        if not isinstance(fid, str) or not fid:
            raise LabelError(f"frame number {number} has no id", path=path)
        if fid in (f.id for f in frames):
            raise LabelError(f"frame id {fid!r} appears twice", path=path)
        added = table.get("added", 1)
        if not isinstance(added, int) or isinstance(added, bool) or not 1 <= added <= version:
            raise LabelError(
                f"frame {fid!r}: 'added' must be a codebook version from 1 to the codebook's version "
                f"({version}), not {added!r}",
                path=path,
            )
        frames.append(
            Frame(
                id=fid,
                label=str(table.get("label", "")),
                definition=str(table.get("definition", "")),
                includes=_strings(table, "includes", frame=fid, path=path),
                excludes=_strings(table, "excludes", frame=fid, path=path),
                cues_en=_strings(table, "cues_en", frame=fid, path=path),
                cues_ru=_strings(table, "cues_ru", frame=fid, path=path),
                added=added,
            )
        )
    return Codebook(
        frames=tuple(frames),
        version=version,
        name=str(data.get("name", "")),
        path=str(path),
        description=str(data.get("description", "")),
    )


def codebook_beside(labels: str | Path) -> Path:
    """Where the codebook of a labels file or folder is: ``codebook.toml`` in its folder (it may not exist).

    Examples
    --------
    >>> codebook_beside("labels/seeds.jsonl").as_posix()
    'labels/codebook.toml'
    """
    near = Path(labels)
    return (near if near.is_dir() else near.parent) / CODEBOOK_NAME
