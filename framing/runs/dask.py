"""Score sharded inputs on a Dask cluster: ``framing score --engine dask``.

The work is split by shard (one JSONL or CSV file of articles): one task per
shard reads it on a worker, scores it with the chunk function of the local
engine (:func:`framing.runs.scoring._score_for_writing`) and writes a *part* into a
parts folder that the workers and this process share. This process then goes
through the parts in shard order, links near-duplicates exactly as the local
engine does (which needs every earlier article, so it cannot be done by
workers), and writes the outputs atomically. The outputs are byte for byte
those of ``framing score`` on the same shards in the same order.

A part is two files: ``NNNNNN.jsonl``, one JSON array per line, either
``["ok", id, record JSON, passage JSONs, passage count, has signature]``,
``["error", message]`` or ``["warning", message]``, in input order; and
``NNNNNN.sig``, the MinHash signatures of the articles that have one, 96
little-endian uint32 each, written as they come so that a worker's memory does
not grow with its shard.

Dask is optional (``pip install 'framing[dask]'``) and imported only when this
engine runs, so ``import framing`` never needs it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._fast.pool import available_cores
from .._fast.scorer import Scorer
from ..analysis.scoring import CHUNK, chunked
from ..core.errors import FramingError, InputError, OutputError
from ..core.records import OnError, OnWarning
from ..inputs.articles import TABLE_SUFFIXES, expand_patterns, read_articles
from ..inputs.duplicates import WINDOW
from .scoring import TEXT_FIELD_HINT, BadInput, ScoredArticle, ScoreSummary, _Run, _score_for_writing

if TYPE_CHECKING:
    from ..model.frame_model import FrameModel

__all__ = ["score_dask", "DaskEngineError", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'framing[dask]'"
_SIG_WORDS = 96  # uint32 values in a MinHash signature (framing.inputs.duplicates)
_SIG_BYTES = 4 * _SIG_WORDS


class DaskEngineError(FramingError):
    """Dask is not installed, the scheduler cannot be reached, or a worker failed."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskEngineError(f"--engine dask needs Dask, which is not installed: {INSTALL_HINT}") from None
    return distributed


class _Stop(Exception):
    """Ends a shard at its first bad record when bad records are not skipped."""


def _score_shard(
    shard: str,
    part: str,
    model: Scorer | FrameModel,
    passage_records: bool,
    skip_bad: bool,
    text_field: str,
    id_field: str,
    chunk_size: int,
) -> int:
    """On a worker: read ``shard``, score it, write the part ``part``.{jsonl,sig}; return its article count.

    Bad records are written into the part in their place, for the client to
    report or raise exactly as the local engine would. Without ``skip_bad`` the
    run stops at the first one anyway, so the rest of the shard is not scored.
    """
    done = 0
    # "x": the parts folder is this run's own; a file already there is a clash, not something to replace.
    with open(part + ".jsonl", "x", encoding="utf-8") as items, open(part + ".sig", "xb") as sigs:

        def bad(message: str) -> None:
            items.write(json.dumps(["error", message], ensure_ascii=False) + "\n")
            if not skip_bad:
                raise _Stop

        def warn(message: str) -> None:
            items.write(json.dumps(["warning", message], ensure_ascii=False) + "\n")

        articles = read_articles(
            [shard],
            text_field=text_field,
            id_field=id_field,
            on_error=lambda error: bad(str(error)),
            on_warning=warn,
            column_hint=TEXT_FIELD_HINT,
        )
        with contextlib.suppress(_Stop):
            for chunk in chunked(articles, chunk_size):
                for item in _score_for_writing(chunk, model=model, passage_records=passage_records):
                    if isinstance(item, BadInput):
                        bad(item.message)
                        continue
                    sig = item.signature  # (its band keys are made again when linking)
                    record, passages = item.record.decode("utf-8"), [row.decode("utf-8") for row in item.passages]
                    line = ["ok", item.id, record, passages, item.n_passages, bool(sig.size)]
                    items.write(json.dumps(line, ensure_ascii=False))
                    items.write("\n")
                    if sig.size:
                        sigs.write(np.asarray(sig, dtype="<u4").tobytes())
                    done += 1
    return done


def _read_part(part: Path) -> Iterator[ScoredArticle | BadInput]:
    """The items of a part, in order, signatures read back beside the articles that have one."""
    empty = np.zeros(0, dtype=np.uint32)
    with open(part.with_suffix(".jsonl"), encoding="utf-8") as items, open(part.with_suffix(".sig"), "rb") as sigs:
        for line in items:
            item = json.loads(line)
            if item[0] != "ok":
                yield BadInput(*item)
                continue
            _, ident, dump, rows, n_passages, has_sig = item
            sig = empty
            if has_sig:
                raw = sigs.read(_SIG_BYTES)
                if len(raw) != _SIG_BYTES:
                    raise DaskEngineError(f"{part}.sig: part cut short (was the parts folder changed during the run?)")
                sig = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
            passages = [row.encode("utf-8") for row in rows]
            yield ScoredArticle("ok", ident, dump.encode("utf-8"), passages, n_passages, sig)


def _shards(inputs: Iterable[str | Path], on_error: OnError | None) -> list[tuple[str, str]]:
    """(path as given, absolute path for the workers) of each shard, patterns expanded."""
    out = []
    for item in expand_patterns(inputs, on_error=on_error):
        given = str(Path(item))
        path = Path(item)
        if given == "-" or path.is_dir() or path.suffix.lower() not in TABLE_SUFFIXES:
            raise InputError(
                "--engine dask reads shards: JSONL or CSV files, or a quoted glob pattern of them",
                path=given,
            )
        if not path.is_file():
            error = InputError("no such file or folder", path=given)
            if on_error is None:
                raise error
            on_error(error)
            continue
        # Workers may run elsewhere (another working folder): they get the absolute path,
        # which is the same on every machine when the storage is shared at one mount point.
        out.append((given, str(path.absolute())))
    if not out:
        raise InputError("no input files to score")
    return out


def _as_given(message: str, absolute: str, given: str) -> str:
    """A worker's message about ``absolute`` as the local engine words it: with the path as given."""
    return given + message[len(absolute) :] if message.startswith(absolute + ":") else message


def _remove(folder: Path) -> None:
    # A task cancelled on a failure may still be opening its part files on a
    # remote worker: try again briefly rather than leave the folder behind.
    for _ in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.1)


@contextlib.contextmanager
def _client(scheduler: str, *, n_workers: int | None, timeout: float) -> Iterator[Any]:
    distributed = _distributed()
    if scheduler == "local":
        with distributed.LocalCluster(
            n_workers=n_workers or available_cores(),
            threads_per_worker=1,  # scoring holds the GIL: processes, not threads, use the cores
            processes=True,
            dashboard_address=None,
            # A task's failure reaches the user as this run's one-line error, with the
            # worker's message: the workers' own log lines and tracebacks would only repeat it.
            silence_logs=logging.CRITICAL,
        ) as cluster, distributed.Client(cluster) as client:
            yield client
        return
    if n_workers is not None:
        raise DaskEngineError("--jobs sets the workers of --scheduler local; a cluster's are set when starting them")
    try:
        client = distributed.Client(scheduler, timeout=timeout)
    except (OSError, ValueError, TypeError) as exc:
        raise DaskEngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise DaskEngineError(
                f"the Dask scheduler at {scheduler} has no workers after {timeout:g} s; "
                f"start some with: dask worker {scheduler}"
            ) from None
        yield client


def score_dask(
    shards: Iterable[str | Path],
    *,
    model: str | Path | Scorer | FrameModel,
    out: str | Path,
    passages_out: str | Path | None = None,
    scheduler: str = "local",
    parts_dir: str | Path | None = None,
    force: bool = False,
    keep_records: int = 0,
    skip_bad: bool = False,
    on_skip: OnError | None = None,
    on_warning: OnWarning | None = None,
    text_field: str = "text",
    id_field: str = "id",
    n_workers: int | None = None,
    chunk_size: int = CHUNK,
    dedupe_window: int = WINDOW,
    on_progress: Callable[[int], None] | None = None,
    timeout: float = 30.0,
) -> ScoreSummary:
    """Score JSONL or CSV shards on a Dask cluster; outputs as :func:`framing.runs.scoring.score` writes them.

    Parameters
    ----------
    shards : iterable of str or Path
        JSONL or CSV files of articles, or glob patterns of them (expanded and
        sorted; a pattern matching nothing is an error). One task per shard.
    model : path, Scorer or FrameModel
        A model file (checked against its card) or a loaded model. It is
        loaded here and sent once to each worker.
    out, passages_out : path
        As :func:`framing.runs.scoring.score`.
    scheduler : str, default="local"
        A scheduler address (``tcp://host:8786``), or ``"local"`` to start a
        :class:`distributed.LocalCluster` of one single-threaded process per
        core (``n_workers``) for this run.
    parts_dir : path, optional
        Folder in which workers write their parts, seen by the workers and this
        process alike; a folder of this run is made in it and removed at the end,
        also on failure. Default: beside ``out``.
    force, keep_records, skip_bad, on_skip, on_warning, text_field, id_field, chunk_size, dedupe_window
        As :func:`framing.runs.scoring.score`.
    n_workers : int, optional
        Worker processes of ``scheduler="local"`` (default: every available core).
    on_progress : callable, optional
        Called with the number of articles written after each shard.
    timeout : float, default=30
        Seconds to wait for the scheduler to answer and for a first worker.

    Raises
    ------
    DaskEngineError
        Dask is not installed, the scheduler cannot be reached or has no
        workers, or a worker failed.
    InputError, OutputError, ModelError
        As :func:`framing.runs.scoring.score`.
    """
    out = Path(out)
    if n_workers is not None and n_workers < 1:
        raise InputError(f"--jobs must be at least 1, not {n_workers}")
    _distributed()  # before any work: a missing install is the first thing to say
    run = _Run(
        out=out, passages_out=passages_out, force=force, model=model, keep_records=keep_records,
        skip_bad=skip_bad, on_skip=on_skip, on_warning=on_warning, dedupe_window=dedupe_window,
    )
    out, passages_out, fm, summary, on_error, warn = (
        run.out, run.passages_out, run.model, run.summary, run.on_error, run.warn
    )
    inputs = _shards(shards, on_error)
    base = Path(parts_dir) if parts_dir is not None else out.absolute().parent
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.parts.", dir=base)).absolute()
    except OSError as exc:
        raise OutputError(
            f"{base}: cannot make the parts folder there ({exc.strerror or exc}); choose one with --parts-dir"
        ) from None
    futures: list[Any] = []
    try:
        with _client(scheduler, n_workers=n_workers, timeout=timeout) as client, contextlib.ExitStack() as stack:
            # Sent once to every worker: each task then gets that worker's copy, where
            # passing the model itself would pickle it (tens of MB) into every one of
            # possibly thousands of tasks. hash=False: no hashing of a large object.
            shipped = client.scatter(fm, broadcast=True, hash=False)
            passage_records = passages_out is not None
            futures = [
                client.submit(
                    _score_shard,
                    absolute,
                    str(folder / f"{i:06d}"),
                    shipped,
                    passage_records,
                    skip_bad,
                    text_field,
                    id_field,
                    chunk_size,
                    key=f"framing-score-{folder.name}-{i:06d}",
                    pure=False,
                    retries=0,
                )
                for i, (_, absolute) in enumerate(inputs)
            ]
            # Workers stop on an error or Ctrl-C here (the parts folder is removed below).
            stack.callback(client.cancel, futures)
            run.open(stack)
            for i, ((given, absolute), future) in enumerate(zip(inputs, futures)):
                _wait(future, given)
                for item in _read_part(folder / f"{i:06d}"):
                    if isinstance(item, BadInput):
                        if item.kind == "warning":
                            warn(_as_given(item.message, absolute, given))
                        else:
                            run.error(InputError(_as_given(item.message, absolute, given)))
                    else:
                        run.write(item)  # as score(): the first article of each story, in input order
                if on_progress is not None:
                    on_progress(summary.articles)
            run.finish()
    finally:
        _remove(folder)
    return summary


def _wait(future: Any, shard: str) -> None:
    """The shard's task done, or a :class:`DaskEngineError` saying what became of it."""
    distributed = _distributed()
    try:
        future.result()
    except FramingError:
        raise
    except concurrent.futures.CancelledError:
        raise DaskEngineError(f"{shard}: the task was cancelled (did the scheduler stop?)") from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise DaskEngineError(
            f"{shard}: a worker could not write its part ({where}{exc.strerror or exc}); "
            "the parts folder must be on storage every worker can write (--parts-dir)"
        ) from None
    except distributed.KilledWorker:
        raise DaskEngineError(
            f"{shard}: the workers scoring it died (killed, or out of memory); use smaller shards"
        ) from None
    except Exception as exc:
        raise DaskEngineError(f"{shard}: scoring failed on a worker: {type(exc).__name__}: {exc}") from exc

