"""Label a queue of passages in the terminal, one answer at a time.

The loop shows a passage, the numbered frames of the codebook with the model's
guess already ticked, and reads one command a line:

- digits toggle frames (``1``-``9``, ``0`` for the tenth; ``13`` toggles the
  first and third), and so does a frame id; with more than ten frames, numbers
  are read whole (``11``), separated by spaces;
- an empty line (enter) saves the ticked frames as the answer;
- ``s`` skips the passage, ``u`` undoes the last answer or skip, ``q`` quits.

Each answer is appended to the label file and synced to disk at once, so an
interrupted session loses nothing; skips go to a sidecar ``NAME.jsonl.skipped``.
Starting again on the same queue and label file resumes at the first passage
neither answered nor skipped. Commands come from any text stream, so a script
(or a test) can drive the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from ..core.atomic import append_line, atomic_write, check_writable
from ..core.errors import InputError, LabelError
from ..core.records import jsonl_records
from ..core.text import LANGUAGES, detect_language
from ..labels.codebook import Codebook
from ..labels.store import AUTHORED, append_record, check_tail, existing_labels, remove_record, text_key

__all__ = ["annotate", "AnnotateSummary", "skipped_path", "parse_toggles"]

# Queue fields that are the model's, not the coder's: not written to the labels.
_MODEL_FIELDS = {"frames", "scores", "uncertainty", "nearest_frame", "rank", "guess", "judged", "codebook_version"}
_HELP = "digits or frame ids toggle · enter saves · s skips · u undoes · q quits"


@dataclass
class AnnotateSummary:
    """What a labelling session did."""

    into: Path
    queue: int = 0
    answered: int = 0
    skipped: int = 0
    undone: int = 0
    remaining: int = 0
    already: int = 0  # answered or skipped before this session


def skipped_path(into: str | Path) -> Path:
    """The sidecar listing skipped queue ids: ``NAME.jsonl.skipped`` (not read as labels)."""
    into = Path(into)
    return into.with_name(into.name + ".skipped")


def parse_toggles(command: str, frames: Sequence[str]) -> list[str]:
    """The frames a command line toggles, in the order given.

    Raises
    ------
    ValueError
        Naming the key that is no frame.

    Examples
    --------
    >>> parse_toggles("13", ["a", "b", "c"]), parse_toggles("c 0", list("abcdefghij"))
    (['a', 'c'], ['c', 'j'])
    """
    out: list[str] = []
    for token in command.replace(",", " ").split():
        if token in frames:
            out.append(token)
        elif token.isdigit() and len(frames) <= 10:
            for digit in token:
                index = 9 if digit == "0" else int(digit) - 1
                if index >= len(frames):
                    raise ValueError(f"no frame number {digit}")
                out.append(frames[index])
        elif token.isdigit():
            index = int(token) - 1
            if not 0 <= index < len(frames):
                raise ValueError(f"no frame number {token}")
            out.append(frames[index])
        else:
            raise ValueError(f"{token!r} is neither a frame number nor a frame id")
    return out


def _read_queue(path: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        for line, record in jsonl_records(path):
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                raise LabelError("no 'text' in this queue record", path=path, line=line)
            ident = str(record.get("id") or f"{path.stem}:{line}")
            if ident in seen:
                raise LabelError(f"id {ident!r} appears twice in the queue", path=path, line=line)
            seen.add(ident)
            items.append({**record, "id": ident})
    except InputError as exc:
        if isinstance(exc, LabelError):
            raise
        raise LabelError(exc.reason, path=exc.path, line=exc.line) from None
    if not items:
        raise LabelError("the queue is empty", path=path)
    return items


def _read_skipped(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _show(console: Console, item: dict[str, Any], ticked: set[str], book: Codebook, position: str) -> None:
    scores = item.get("scores") if isinstance(item.get("scores"), dict) else {}
    where = " · ".join(str(x) for x in (item["id"], item.get("language"), item.get("outlet")) if x)
    console.print(Panel(Text(item["text"]), title=Text(f"{position}  {where}"), title_align="left"))
    guess = [f for f in book.ids if f in (item.get("frames") or [])]
    lines = []
    for k, frame in enumerate(book.frames, start=1):
        key = str(k % 10) if len(book.frames) <= 10 else str(k)
        mark = "[bold green]x[/]" if frame.id in ticked else " "
        score = scores.get(frame.id) if scores else None
        shown = f"  [dim]{score:.2f}[/]" if isinstance(score, int | float) else ""
        label = f" [dim]{escape(frame.label)}[/]" if frame.label else ""
        lines.append(f" {key:>2} \\[{mark}] {escape(frame.id)}{label}{shown}")
    console.print("\n".join(lines), highlight=False)
    console.print(f"[dim]model's guess: {', '.join(guess) or 'none'} · {_HELP}[/]", highlight=False)


def annotate(
    queue: str | Path,
    *,
    into: str | Path,
    codebook: Codebook,
    stdin: IO[str],
    console: Console | None = None,
) -> AnnotateSummary:
    """Run the labelling loop over a queue, appending each answer to ``into``.

    Parameters
    ----------
    queue : str or Path
        A queue written by ``framing suggest`` (JSONL with ``id`` and ``text``;
        ``frames`` and ``scores`` from the model are shown when present).
    into : str or Path
        The ``.jsonl`` label file answers are appended to (created when missing).
    codebook : Codebook
        The frames offered; every answer is stamped with its version.
    stdin : text stream
        Where commands are read, one a line; the end of the stream quits.
    console : rich Console, optional
        Where passages and prompts are shown.

    Returns
    -------
    AnnotateSummary
    """
    console = console or Console()
    queue = Path(queue)
    into = Path(into)
    if into.suffix.lower() != ".jsonl":
        raise LabelError("answers are written to a .jsonl label file", path=into)
    check_writable(into, force=True)
    check_tail(into)
    items = _read_queue(queue)
    sidecar = skipped_path(into)
    held = existing_labels([into])
    answered_ids = {p.id for p in held}
    answered_keys = {text_key(p.text) for p in held}
    skipped = _read_skipped(sidecar)
    summary = AnnotateSummary(into=into, queue=len(items))

    def done(item: dict[str, Any]) -> bool:
        return item["id"] in answered_ids or item["id"] in skipped or text_key(item["text"]) in answered_keys

    summary.already = sum(1 for item in items if done(item))
    # (action, item, frames answered): what 'u' takes back, newest last.
    history: list[tuple[str, dict[str, Any], list[str]]] = []
    ticked_again: dict[str, set[str]] = {}
    while True:
        pending = [item for item in items if not done(item)]
        if not pending:
            console.print("[bold]queue done[/]: every passage is answered or skipped.", highlight=False)
            break
        item = pending[0]
        ticked = ticked_again.pop(item["id"], None)
        if ticked is None:
            ticked = {f for f in (item.get("frames") or []) if f in codebook}
        position = f"[{len(items) - len(pending) + 1}/{len(items)}]"
        _show(console, item, ticked, codebook, position)
        while True:
            line = stdin.readline()
            if line == "":  # end of input: as good as q
                command = "q"
            else:
                command = line.strip()
            if command.lower() == "q":
                summary.remaining = len(pending)
                console.print(
                    f"stopped: {summary.answered} answered, {summary.skipped} skipped this session, "
                    f"{summary.remaining} to go; run the same command to resume.",
                    highlight=False,
                )
                return summary
            if command in ("?", "h"):
                console.print(_HELP, highlight=False)
                continue
            if command.lower() == "s":
                append_line(sidecar, item["id"])
                skipped.append(item["id"])
                history.append(("skip", item, []))
                summary.skipped += 1
                break
            if command.lower() == "u":
                if not history:
                    console.print("[yellow]nothing to undo in this session[/]", highlight=False)
                    continue
                action, previous, frames = history.pop()
                if action == "label":
                    remove_record(into, previous["id"])
                    answered_ids.discard(previous["id"])
                    answered_keys.discard(text_key(previous["text"]))
                    summary.answered -= 1
                else:
                    skipped.remove(previous["id"])
                    _rewrite_lines(sidecar, skipped)
                    summary.skipped -= 1
                summary.undone += 1
                # Back to the undone passage, showing the answer that was given;
                # the current one keeps its ticks for when it comes round again.
                if action == "label":
                    ticked_again[previous["id"]] = set(frames)
                ticked_again[item["id"]] = ticked
                console.print(f"undone: {action} of {previous['id']}", highlight=False)
                break
            if command == "":
                frames = [f for f in codebook.ids if f in ticked]
                append_record(into, _answer(item, frames, codebook))
                answered_ids.add(item["id"])
                answered_keys.add(text_key(item["text"]))
                history.append(("label", item, frames))
                summary.answered += 1
                console.print(f"saved {item['id']}: {', '.join(frames) or 'no frame'}", highlight=False)
                break
            try:
                toggles = parse_toggles(command, codebook.ids)
            except ValueError as exc:
                console.print(f"[yellow]{exc}[/]; {_HELP}", highlight=False)
                continue
            ticked ^= set(toggles)
            now = [f for f in codebook.ids if f in ticked]
            console.print(f"ticked: {', '.join(now) or 'none'} (enter saves)", highlight=False)
    summary.remaining = 0
    return summary


def _answer(item: dict[str, Any], frames: list[str], codebook: Codebook) -> dict[str, Any]:
    """The label record for an answer: the passage, the frames, the codebook version judged under."""
    language = item.get("language")
    if language not in LANGUAGES:
        language = detect_language(item["text"])
    record: dict[str, Any] = {
        "id": item["id"],
        "text": item["text"],
        "frames": frames,
        "language": language,
        "source": str(item.get("source") or item.get("article_id") or AUTHORED),
        "codebook_version": codebook.version,
    }
    for key, value in item.items():
        if key not in record and key not in _MODEL_FIELDS and value not in (None, ""):
            record[key] = value
    return record


def _rewrite_lines(path: Path, lines: list[str]) -> None:
    with atomic_write(path, force=True) as fh:
        fh.write("".join(line + "\n" for line in lines))
