"""Score articles on frames and write one record per article.

Scoring happens at the unit the model was trained on. A *passage* model scores
each passage of an article; the article's score for a frame is the highest
score any of its passages gets (so a frame is present in an article when at
least one passage carries it), and the evidence is that passage. An *article*
model scores the whole text; its evidence is still the passage the same model
scores highest. Articles are read, scored and written in chunks, in input order.

Near-duplicates (one wire story on many sites) are flagged: a record's
``duplicate_of`` is the id of the first article of its story, or null (see
:mod:`framing.inputs.duplicates`). With ``skip_bad`` a bad record or file is reported and
skipped instead of stopping the run.
"""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from .._fast import kernels
from .._fast.jsontext import dumpb
from .._fast.pool import MAP_ABOVE, available_cores, keep_freed_memory, keeps_freed_memory, ordered_map
from .._fast.scorer import RELEVANT, Scorer
from ..core.atomic import atomic_write, check_writable, is_special
from ..core.errors import InputError, InputWarning, OutputError
from ..core.records import OnError, OnWarning
from ..core.text import detect_language
from ..inputs.articles import Article, read_articles
from ..inputs.duplicates import WINDOW, NearDuplicates, band_keys, signatures
from ..inputs.passages import section_starts, split_passages
from ..model.files import load_scorer

if TYPE_CHECKING:
    from ..model.frame_model import FrameModel

__all__ = ["score_articles", "article_scores", "score", "ScoreSummary", "OUTPUT_SUFFIXES", "RELEVANT"]

OUTPUT_SUFFIXES = (".jsonl", ".csv")
CHUNK = 256  # articles per chunk: big enough to amortise the per-batch costs, small enough to keep temporaries small


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


def rounded4(values: np.ndarray) -> list[list[float]]:
    """``[[round(x, 4) for x in row] for row in values.tolist()]``: the same floats, made a matrix at a time.

    ``round(x, 4)`` is the double nearest the decimal with 4 places nearest x.
    ``rint(x * 10**4) / 10**4`` is the same double wherever ``x * 10**4`` is not
    within rounding error of a half (that error cannot then change the nearest
    whole number, and the division is correctly rounded); the values that are,
    and any too large for the product to be near exact, get ``round`` itself.
    Scores are rounded so for every record: ``round`` took 30 us an article.

    Examples
    --------
    >>> rounded4(np.array([[0.123449999, 0.03125, 1.0]]))
    [[0.1234, 0.0312, 1.0]]
    """
    scaled = values * 10_000.0
    whole = np.rint(scaled)
    out = whole / 10_000.0
    unsure = (np.abs(np.abs(scaled - whole) - 0.5) < 1e-6) | (np.abs(scaled) >= 2.0**40)
    if unsure.any():
        at = np.nonzero(unsure)
        out[at] = [round(x, 4) for x in values[at].tolist()]
    return out.tolist()


def _score_chunk(
    chunk: list[Article], model: Scorer | FrameModel, on_error: OnError | None = None, *, passage_records: bool = True
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[str]]]:
    """Score one chunk: yield each article's record, its passage records and its passages."""
    split = []
    kept = []
    for article in chunk:
        passages = split_passages(article.text)
        if not passages:
            error = InputError(
                "nothing left to score after removing clutter (menus, tickers, headings, short lines)",
                path=article.origin,
            )
            if on_error is None:
                raise error
            on_error(error)
            continue
        kept.append(article)
        split.append(passages)
    chunk = kept
    if not chunk:
        return
    flat = [p for ps in split for p in ps]
    starts = np.zeros(len(split) + 1, dtype=np.intp)
    np.cumsum([len(ps) for ps in split], out=starts[1:])
    relevance = None
    if model.unit == "article":
        passage_proba = model.predict_proba(flat)
        article_proba = model.predict_proba([a.text for a in chunk])
        passage_present = None
    else:
        passage_proba, article_proba, relevance = article_scores(model, split)
        passage_present = model.decide(passage_proba)
    # The whole chunk at once (decide works row by row), then plain Python numbers.
    article_decided = model.decide(article_proba)
    if relevance is not None:
        # Off the story: no frames, for the article and for its passages.
        relevant = relevance >= RELEVANT
        article_decided &= relevant[:, None]
        assert passage_present is not None
        passage_present &= np.repeat(relevant, np.diff(starts))[:, None]
    article_present = article_decided.tolist()
    relevance_rounded = None if relevance is None else rounded4(relevance[:, None])
    article_rounded = rounded4(article_proba)
    passage_rounded = rounded4(passage_proba)
    frames_in_order = list(enumerate(model.frames))
    offsets = starts.tolist()
    for i, (article, passages) in enumerate(zip(chunk, split)):
        start = offsets[i]
        proba = passage_proba[start : offsets[i + 1]]
        present = article_present[i]
        best = proba.argmax(axis=0).tolist()
        language = article.meta.get("language") or detect_language(article.text)
        record = {
            "id": article.id,
            **{k: v for k, v in article.meta.items() if k != "language"},
            "language": language,
            "passages": len(passages),
            **({} if relevance_rounded is None else {"relevance": relevance_rounded[i][0]}),
            "scores": dict(zip(model.frames, article_rounded[i])),
            "frames": [f for j, f in frames_in_order if present[j]],
            "evidence": {
                f: {"passage": best[j], "score": passage_rounded[start + best[j]][j], "text": passages[best[j]]}
                for j, f in frames_in_order
                if present[j]
            },
        }
        rows = []
        for k, text in enumerate(passages if passage_records else ()):
            row = proba[k]
            if passage_present is not None:
                carried = [f for f, keep in zip(model.frames, passage_present[start + k]) if keep]
            else:
                carried = [f for f, s, t in zip(model.frames, row, model.thresholds) if s >= t]
            rows.append(
                {
                    "article_id": article.id,
                    "passage": k,
                    **{key: v for key, v in article.meta.items() if key not in ("language", "title")},
                    "language": detect_language(text),
                    "text": text,
                    "scores": dict(zip(model.frames, passage_rounded[start + k])),
                    "frames": carried,
                }
            )
        yield record, rows, passages


def article_scores(
    model: Scorer | FrameModel, split: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A passage model's scores of articles given as their passages.

    Returns each passage's probabilities (all articles' passages in order), each
    article's (its best section's: an article is scored in sections of at least
    ``SECTION_WORDS`` words, each as one text made of its passages) and each
    article's relevance (its best section's; None for a model without the check).
    Scoring by the best passage instead made long articles carry every frame.
    """
    flat = [p for ps in split for p in ps]
    first_sections: list[int] = []
    sections: list[int] = []
    offset = 0
    for ps in split:
        first_sections.append(len(sections))
        sections.extend(offset + s for s in section_starts([p.count(" ") + 1 for p in ps]))
        offset += len(ps)
    sections.append(offset)
    passage_proba, section_proba, section_relevance = model.proba_of_sections(flat, np.array(sections))
    article_proba = np.maximum.reduceat(section_proba, first_sections, axis=0)
    relevance = None if section_relevance is None else np.maximum.reduceat(section_relevance, first_sections)
    return passage_proba, article_proba, relevance


def score_articles(
    articles: Iterable[Article], model: Scorer | FrameModel, *, chunk_size: int = CHUNK, on_error: OnError | None = None
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield ``(article record, passage records)`` for each article, in order.

    An article with nothing left after clutter is removed is an error; with
    ``on_error`` it is reported there and left out.

    Examples
    --------
    >>> from framing import Article, LabelledPassage, train
    >>> labels = [LabelledPassage(f"p{i}", t, f, "en", f"a{i}") for i, (t, f) in enumerate(
    ...     [("sanctions and oil exports trade", ("econ",)), ("troops and the alliance", ())] * 6)]
    >>> model = train(labels, random_state=0)
    >>> article = Article("x", "New sanctions hit oil exports and trade with Moscow this week, officials said.")
    >>> record, passages = next(score_articles([article], model))
    >>> record["frames"], len(passages)
    (['econ'], 1)
    """
    for chunk in _chunks(articles, chunk_size):
        for record, rows, _ in _score_chunk(chunk, model, on_error):
            yield record, rows


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# What a worker sends back for each article: ("ok", id, record JSON (UTF-8 bytes)
# without its closing brace, passage JSONs likewise, passage count, MinHash
# signature, and optionally the signature's band keys) or ("error", message). The main process
# adds "duplicate_of", which needs every earlier article, and writes.
_Item = tuple[Any, ...]
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
    errors = lambda error: items.append(("error", str(error)))  # noqa: E731
    model = _WORKER["model"] if model is None else model
    passage_records = _WORKER["passage_records"] if passage_records is None else passage_records
    # (_score_chunk reports a chunk's errors while splitting, before its first record.)
    scored = list(_score_chunk(chunk, model, errors, passage_records=passage_records))
    sigs = signatures([passages for _, _, passages in scored])  # the whole chunk in one pass
    for (record, rows, passages), sig, keys in zip(scored, sigs, band_keys(sigs)):
        dump = dumpb(record)[:-1]
        rows_json = [dumpb(row)[:-1] for row in rows]
        items.append(("ok", str(record["id"]), dump, rows_json, len(passages), sig, keys))
    release_memory()
    return items


def _score_to_send(chunk: list[Article]) -> list[_Item]:
    """:func:`_score_for_writing` in a worker process, its arrays as bytes for the pipe.

    A signature pickles and unpickles in about 1.5 us as bytes, against 27 us as
    a numpy array, and its band keys in 2 us against 10 as a list (measured);
    :func:`_received` makes them arrays and lists again.
    """
    return [
        item if item[0] != "ok" else
        (*item[:5], item[5].tobytes(), None if item[6] is None else np.array(item[6], dtype=np.uint64).tobytes())
        for item in _score_for_writing(chunk)
    ]


def _received(item: _Item) -> _Item:
    """An item of :func:`_score_to_send` as :func:`_score_for_writing` made it."""
    if item[0] != "ok":
        return item
    sig = np.frombuffer(item[5], dtype=np.uint32)
    keys = None if item[6] is None else np.frombuffer(item[6], dtype=np.uint64).tolist()
    return (*item[:5], sig, keys)


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
        inputs, stdin=stdin, text_field=text_field, id_field=id_field, on_error=run.on_error, on_warning=run.warn
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
            _chunks(articles, chunk_size),
            jobs=jobs,
            initializer=_set_worker_model,
            initargs=(fm, run.p_writer is not None),
        )
        stack.callback(results.close)  # stops the workers on an error or Ctrl-C
        for items in results:
            for item in items:
                if item[0] == "error":
                    run.error(InputError(item[1]))
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

    Workers send each article as ``("ok", id, record JSON without its closing
    brace, passage JSONs likewise, passage count, signature[, band keys])``;
    :meth:`write` adds ``duplicate_of``, which needs every earlier article.
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

    def write(self, item: _Item) -> None:
        """Link one scored article to its story and write it (and its passages)."""
        assert self.writer is not None, "open() first"
        _, ident, dump, rows, n_passages, sig, *keys = item
        summary = self.summary
        # Clutter is gone from the passages, so site furniture does not hide a shared story.
        first = self.duplicates.add_signature(ident, sig, keys=keys[0] if keys else None)
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


