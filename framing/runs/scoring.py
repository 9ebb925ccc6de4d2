"""A scoring run over files: read the inputs, score them in worker processes, link near-duplicates, write.

The records are those of :func:`framing.analysis.scoring.score_articles`, with ``duplicate_of`` added:
the id of the first article of a near-duplicate story (one wire story on many sites), or null
(see :mod:`framing.inputs.duplicates`). Outputs are written under temporary names and renamed
into place only when the run succeeds. With ``skip_bad`` a bad record or file is reported and
skipped instead of stopping the run.
"""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, overload

import numpy as np

from .._fast import kernels
from .._fast.jsontext import dumpb
from .._fast.pool import MAP_ABOVE, available_cores, keep_freed_memory, keeps_freed_memory, ordered_map
from .._fast.scorer import Scorer
from ..analysis.scoring import CHUNK, chunked, score_chunk
from ..core.atomic import atomic_write, check_writable, is_special
from ..core.errors import InputError, InputWarning, OutputError
from ..core.records import OnError, OnWarning
from ..inputs.articles import Article, read_articles
from ..inputs.duplicates import WINDOW, NearDuplicates, band_keys, signatures
from ..model.files import load_scorer

if TYPE_CHECKING:
    from ..model.frame_model import FrameModel

__all__ = [
    "score",
    "ScoreSummary",
    "ScoredArticle",
    "BadInput",
    "OUTPUT_SUFFIXES",
    "TEXT_FIELD_HINT",
    "dedicate_process",
]


OUTPUT_SUFFIXES = (".jsonl", ".csv")
# Added to "no 'text' column" errors: the option of framing score that names another column.
TEXT_FIELD_HINT = "; choose it with --text-field"


@dataclass
class ScoreSummary:
    """What a scoring run did, for the command line to print."""

    out: Path
    articles: int = 0
    passages: int = 0
    frames: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # kept for the summary table
    passages_out: Path | None = None
    skipped: list[str] = field(default_factory=list)  # "file:line: reason" of each bad record skipped
    warnings: list[str] = field(default_factory=list)  # guessed encodings
    duplicates: int = 0  # articles flagged as near-duplicates of an earlier one


class ScoredArticle(NamedTuple):
    """What a worker sends back for an article it scored.

    The main process adds ``"duplicate_of"``, which needs every earlier article, to
    the record and each passage record (hence their JSON without the closing brace),
    and writes them.
    """

    kind: str  # "ok"
    id: str
    record: bytes  # the article's record as UTF-8 JSON, without its closing brace
    passages: list[bytes]  # the passage records likewise (none unless passage records are written)
    n_passages: int
    signature: Any  # MinHash signature: uint32 array (bytes between processes, see _score_to_send)
    band_keys: Any = None  # its band keys: a list of ints (bytes between processes), or None: made when linking


class BadInput(NamedTuple):
    """What a worker sends back for a record it could not score (or a Dask part's warning)."""

    kind: str  # "error" (or "warning")
    message: str


_Item = ScoredArticle | BadInput
_WORKER: dict[str, Any] = {}


def _set_worker_model(model: Scorer | FrameModel, passage_records: bool) -> None:
    _WORKER["model"], _WORKER["passage_records"] = model, passage_records
    if multiprocessing.parent_process() is not None:  # a scoring worker, which ends with the run
        keep_freed_memory(map_above=MAP_ABOVE)


def _score_for_writing(
    chunk: list[Article], *, model: Scorer | FrameModel | None = None, passage_records: bool | None = None
) -> list[_Item]:
    """Score a chunk into JSON text (in a worker process, or in this one).

    ``model`` and ``passage_records`` default to those :func:`_set_worker_model`
    set; the Dask engine passes them, as tasks in one worker may run in threads.
    """
    items: list[_Item] = []
    errors = lambda error: items.append(BadInput("error", str(error)))  # noqa: E731
    model = _WORKER["model"] if model is None else model
    passage_records = _WORKER["passage_records"] if passage_records is None else passage_records
    # (_score_chunk reports a chunk's errors while splitting, before its first record.)
    scored = list(score_chunk(chunk, model, errors, passage_records=passage_records))
    sigs = signatures([passages for _, _, passages in scored])  # the whole chunk in one pass
    for (record, rows, passages), sig, keys in zip(scored, sigs, band_keys(sigs)):
        dump = dumpb(record)[:-1]
        rows_json = [dumpb(row)[:-1] for row in rows]
        items.append(ScoredArticle("ok", str(record["id"]), dump, rows_json, len(passages), sig, keys))
    release_memory()
    return items


def _score_to_send(chunk: list[Article]) -> list[_Item]:
    """:func:`_score_for_writing` in a worker process, its arrays as bytes for the pipe.

    A signature pickles and unpickles many times faster as bytes than as a numpy
    array, and its band keys faster than as a list; :func:`_received` makes them
    arrays and lists again.
    """
    return [
        item if isinstance(item, BadInput) else item._replace(
            signature=item.signature.tobytes(),
            band_keys=None if item.band_keys is None else np.array(item.band_keys, dtype=np.uint64).tobytes(),
        )
        for item in _score_for_writing(chunk)
    ]


@overload
def _received(item: ScoredArticle) -> ScoredArticle: ...


@overload
def _received(item: BadInput) -> BadInput: ...


def _received(item: _Item) -> _Item:
    """An item of :func:`_score_to_send` as :func:`_score_for_writing` made it."""
    if isinstance(item, BadInput):
        return item
    return item._replace(
        signature=np.frombuffer(item.signature, dtype=np.uint32),
        band_keys=None if item.band_keys is None else np.frombuffer(item.band_keys, dtype=np.uint64).tolist(),
    )


def _malloc_trim() -> Callable[[], None]:
    """``malloc_trim(0)`` where the C library is glibc, else nothing.

    Each chunk allocates and frees large numpy temporaries. glibc keeps freed
    memory for reuse and raises its threshold for returning big blocks to the
    system, so without a trim the resident size creeps up chunk after chunk
    (from 150 to 240 MB over 2,000 articles, measured) although nothing is kept.
    """
    try:
        import ctypes

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return lambda: None

    def release() -> None:
        if not keeps_freed_memory():  # a process keeping its freed memory reuses it instead
            trim(0)

    return release


release_memory = _malloc_trim()


def _flat(record: dict[str, Any], frames: list[str]) -> dict[str, Any]:
    row = {k: v for k, v in record.items() if k not in ("scores", "frames", "evidence")}
    row["frames"] = ";".join(record["frames"])
    for f in frames:
        row[f"score_{f}"] = record["scores"][f]
    return {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v) for k, v in row.items()}


class _Writer:
    """Writes records as JSONL (streamed) or CSV.

    CSV needs every column before the first row and metadata fields vary, so
    CSV rows are spooled to a temporary file and written out at the end:
    memory stays flat either way.
    """

    def __init__(self, handle: IO[Any], suffix: str, frames: list[str], *, articles: bool):
        self.handle, self.suffix, self.frames, self.articles = handle, suffix, frames, articles
        self.columns: dict[str, None] = {}
        self.spool: IO[str] | None = None

    def write_json(self, data: bytes) -> None:
        """Write one record given as its JSON (UTF-8 bytes)."""
        if self.suffix == ".jsonl":
            self.handle.write(data + b"\n")
        else:
            self.write(json.loads(data))

    def write(self, record: dict[str, Any]) -> None:
        if self.suffix == ".jsonl":
            self.handle.write(dumpb(record) + b"\n")
            return
        row = _flat(record, self.frames) if self.articles else _flat_passage(record, self.frames)
        self.columns.update(dict.fromkeys(row))
        if self.spool is None:
            import tempfile

            self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.spool.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.suffix != ".csv":
            return
        writer = csv.DictWriter(self.handle, fieldnames=list(self.columns))
        writer.writeheader()
        if self.spool is not None:
            self.spool.seek(0)
            for line in self.spool:
                writer.writerow(json.loads(line))
            self.spool.close()


def _flat_passage(record: dict[str, Any], frames: list[str]) -> dict[str, Any]:
    row = {k: v for k, v in record.items() if k not in ("scores", "frames")}
    row["frames"] = ";".join(record["frames"])
    for f in frames:
        row[f"score_{f}"] = record["scores"][f]
    return row


def _suffix(path: Path) -> str:
    if is_special(path):
        return ".jsonl"  # a device such as /dev/null: written directly, as JSONL
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"{path}: output must end in .jsonl or .csv")
    return suffix


def score(
    inputs: Iterable[str | Path],
    *,
    model: str | Path | Scorer | FrameModel,
    out: str | Path,
    passages_out: str | Path | None = None,
    force: bool = False,
    stdin: IO[str] | None = None,
    keep_records: int = 0,
    skip_bad: bool = False,
    on_skip: OnError | None = None,
    on_warning: OnWarning | None = None,
    text_field: str = "text",
    id_field: str = "id",
    jobs: int | None = None,
    chunk_size: int = CHUNK,
    dedupe_window: int = WINDOW,
    on_progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Read ``inputs``, score every article and write ``out`` (and ``passages_out``).

    Outputs are written under temporary names and renamed into place only when
    every article has been scored, so an error or an interrupt leaves no
    half-written file under the final name.

    Parameters
    ----------
    inputs : iterable of str or Path
        As :func:`~framing.inputs.articles.read_articles`.
    model : path, Scorer or FrameModel
        A model file (checked against its card; only its scoring form is read
        where it has one, see :mod:`framing._fast.scorer`) or a loaded model.
    out : path
        ``.jsonl`` or ``.csv``: one record per article.
    passages_out : path, optional
        ``.jsonl`` or ``.csv``: one record per passage, with its scores.
    force : bool, default=False
        Replace existing outputs.
    keep_records : int, default=0
        Keep the first this-many article records in the summary (for display).
    skip_bad : bool, default=False
        Go on past bad records and files (malformed lines, undecodable or empty
        files, articles of clutter only): each is listed in ``summary.skipped``
        and passed to ``on_skip``. The run fails only when nothing could be scored.
    on_skip : callable, optional
        Called with each :class:`InputError` skipped (with ``skip_bad``).
    on_warning : callable, optional
        Called with each warning (a file read in a guessed encoding); without
        it an :class:`~framing.core.errors.InputWarning` is issued. Warnings are also
        listed in ``summary.warnings``.
    text_field, id_field : str
        Column names of JSONL and CSV inputs.
    jobs : int, optional
        Worker processes scoring chunks in parallel (default: every available
        core). Results are the same whatever the number, in input order.
    chunk_size : int, default=256
        Articles read, scored and written at a time.
    dedupe_window : int, default=10000
        Near-duplicates are looked for among this many previous articles
        (:class:`~framing.inputs.duplicates.NearDuplicates`); memory stays bounded.
    on_progress : callable, optional
        Called with the number of articles done after each chunk.
    """
    run = _Run(
        out=out, passages_out=passages_out, force=force, model=model, keep_records=keep_records,
        skip_bad=skip_bad, on_skip=on_skip, on_warning=on_warning, dedupe_window=dedupe_window,
    )
    fm = run.model
    articles = read_articles(
        inputs, stdin=stdin, text_field=text_field, id_field=id_field, on_error=run.on_error, on_warning=run.warn,
        column_hint=TEXT_FIELD_HINT,
    )
    jobs = available_cores() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, not {jobs}")
    with contextlib.ExitStack() as stack:
        run.open(stack)
        # Build the model's lazily made lookup tables and the compiled kernels here,
        # before workers fork: forked workers then share those pages instead of each
        # making its own, and none compiles (where a Ctrl-C could be lost).
        kernels.ensure_compiled()
        fm.predict_proba(["warm-up"])
        results = ordered_map(
            _score_to_send if jobs > 1 else _score_for_writing,
            chunked(articles, chunk_size),
            jobs=jobs,
            initializer=_set_worker_model,
            initargs=(fm, run.p_writer is not None),
        )
        stack.callback(results.close)  # stops the workers on an error or Ctrl-C
        for items in results:
            for item in items:
                if isinstance(item, BadInput):
                    run.error(InputError(item.message))
                else:
                    run.write(_received(item) if jobs > 1 else item)
            if jobs > 1:
                release_memory()  # the workers trim theirs; this process parses and writes
            if on_progress is not None:
                on_progress(run.summary.articles)
        run.finish()
    return run.summary


class _Run:
    """What every engine's main process does: check the outputs, load the model,
    keep the summary, link near-duplicates in input order and write the records.

    Workers send each article as a :class:`ScoredArticle`; :meth:`write` adds
    ``duplicate_of``, which needs every earlier article.
    """

    def __init__(
        self,
        *,
        out: str | Path,
        passages_out: str | Path | None,
        force: bool,
        model: str | Path | Scorer | FrameModel,
        keep_records: int,
        skip_bad: bool,
        on_skip: OnError | None,
        on_warning: OnWarning | None,
        dedupe_window: int,
    ):
        if dedupe_window < 1:
            raise InputError(f"--dedupe-window must be at least 1, not {dedupe_window}")
        if keep_records < 0:
            raise InputError(f"--show must be 0 or more, not {keep_records}")
        self.out = out = Path(out)
        self.suffix = _suffix(out)
        check_writable(out, force=force)
        self.passages_out: Path | None = None
        self.p_suffix: str | None = None
        if passages_out is not None:
            self.passages_out = Path(passages_out)
            self.p_suffix = _suffix(self.passages_out)
            check_writable(self.passages_out, force=force)
            if self.passages_out.resolve() == out.resolve():
                raise OutputError(f"{out}: --out and --passages must be different files")
        self.force, self.keep_records = force, keep_records
        self._on_skip, self._on_warning = on_skip, on_warning
        self.model = load_scorer(model) if isinstance(model, (str, os.PathLike)) else model
        self.summary = ScoreSummary(out=out, frames=self.model.frames, passages_out=self.passages_out)
        self.on_error: OnError | None = self.skip if skip_bad else None
        self.duplicates = NearDuplicates(window=dedupe_window)
        self.writer: _Writer | None = None
        self.p_writer: _Writer | None = None

    def skip(self, error: InputError) -> None:
        self.summary.skipped.append(str(error))
        if self._on_skip is not None:
            self._on_skip(error)

    def warn(self, message: str) -> None:
        self.summary.warnings.append(message)
        if self._on_warning is None:
            warnings.warn(message, InputWarning, stacklevel=4)
        else:
            self._on_warning(message)

    def error(self, error: InputError) -> None:
        """A bad record: stop the run, or skip it with ``skip_bad``."""
        if self.on_error is None:
            raise error
        self.on_error(error)

    def open(self, stack: contextlib.ExitStack) -> None:
        """Open the outputs; both are renamed into place only if the whole run succeeds."""
        frames = self.model.frames

        def opened(path: Path, suffix: str) -> IO[Any]:  # JSONL gets the records' bytes as they are
            return stack.enter_context(atomic_write(path, force=self.force, mode="wb" if suffix == ".jsonl" else "w"))

        self.writer = _Writer(opened(self.out, self.suffix), self.suffix, frames, articles=True)
        if self.passages_out is not None and self.p_suffix is not None:
            self.p_writer = _Writer(opened(self.passages_out, self.p_suffix), self.p_suffix, frames, articles=False)

    def write(self, item: ScoredArticle) -> None:
        """Link one scored article to its story and write it (and its passages)."""
        assert self.writer is not None, "open() first"
        dump, rows, n_passages = item.record, item.passages, item.n_passages
        summary = self.summary
        # Clutter is gone from the passages, so site furniture does not hide a shared story.
        first = self.duplicates.add_signature(item.id, item.signature, keys=item.band_keys)
        summary.duplicates += first is not None
        tail = b',"duplicate_of":' + dumpb(first) + b"}"
        self.writer.write_json(dump + tail)
        summary.articles += 1
        if len(summary.records) < self.keep_records:
            summary.records.append(json.loads(dump + tail))
        summary.passages += n_passages
        if self.p_writer is not None:
            for row in rows:
                self.p_writer.write_json(row + tail)

    def finish(self) -> None:
        """Fail when nothing was scored; otherwise complete the outputs."""
        assert self.writer is not None, "open() first"
        if self.summary.articles == 0:
            if self.summary.skipped:
                raise InputError(f"no articles scored: all {len(self.summary.skipped)} inputs found were bad")
            raise InputError("no articles found in the inputs")
        self.writer.close()
        if self.p_writer is not None:
            self.p_writer.close()


def dedicate_process() -> None:
    """Set up this process for one scoring run that it ends with (as ``framing score`` does).

    It keeps the memory it frees for reuse instead of page-faulting fresh pages for every
    chunk, and loads the compiled kernels without numba's linear-algebra set-up, which
    scoring does not use (:func:`framing._fast.kernels.ensure_compiled_for_scoring_run`).
    Not for a library caller's process, which goes on after the run.
    """
    keep_freed_memory(map_above=MAP_ABOVE)
    kernels.ensure_compiled_for_scoring_run()
