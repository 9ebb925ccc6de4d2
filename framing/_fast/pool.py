"""Run a function over a stream of work items in worker processes, in order.

Used by ``framing score --jobs N``: the main process reads articles and writes
results, workers do the scoring; and by :func:`framing.model.training.train`, whose
workers fit the classifiers. By default at most ``2 * jobs`` items are in flight, so
memory does not grow with the length of the input, and results come back in
input order whatever order the workers finish in.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import Any, TypeVar

from ..core.errors import FramingError

__all__ = ["available_cores", "ordered_map", "WorkerError"]

T = TypeVar("T")
R = TypeVar("R")


class WorkerError(FramingError):
    """A worker process died (killed, or out of memory)."""


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    # Ctrl-C goes to the whole process group: the main process handles it
    # (removing unfinished outputs); workers are stopped by it, not by the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker told to stop with SIGTERM ends quietly, not through a handler the main
    # process installed (framing's turns SIGTERM into KeyboardInterrupt).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if initializer is not None:
        initializer(*initargs)


def ordered_map(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    in_flight: int | None = None,
    what: str = "scoring",
) -> Generator[R, None, None]:
    """Yield ``func(item)`` for each item, in order, computed in ``jobs`` processes.

    With ``jobs == 1``, or when there is only one item, everything runs in this
    process (after calling ``initializer``), so small inputs pay no start-up.
    ``func`` must be a module-level function. Workers are forked where the
    system allows it, so ``initargs`` (a model, say) reach each worker once
    without pickling; elsewhere they are pickled once per worker.

    ``in_flight`` caps the items submitted ahead of the one awaited (default
    ``2 * jobs``, which bounds memory on long streams). Work of uneven length
    whose items are small (indices, say) may allow all of them, so that no
    worker idles behind a slow item. ``what`` names the work in the error
    raised when a worker dies.

    Examples
    --------
    >>> list(ordered_map(abs, [-3, 2, -1], jobs=2))
    [3, 2, 1]
    """
    iterator = iter(items)
    head = list(islice(iterator, 2))
    if jobs <= 1 or len(head) < 2:
        if initializer is not None:
            initializer(*initargs)
        for item in chain(head, iterator):
            yield func(item)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(  # (its workers fork at the first submit)
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )
    # Forked workers share this process's memory until either side writes to a page. The
    # garbage collector writes to every object it visits, so a collection on either side
    # copied the pages of the model and the libraries (~90 MB a run of 1 GB). Frozen
    # objects are never visited; gc.unfreeze() below hands them back to the collector.
    gc.freeze()
    window = 2 * jobs if in_flight is None else max(1, in_flight)
    pending: deque[Future[R]] = deque()
    try:
        for item in chain(head, iterator):
            pending.append(executor.submit(func, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise WorkerError(
            f"a {what} process died (killed, or out of memory); run again with fewer --jobs"
        ) from None
    finally:
        # On an error or Ctrl-C: drop queued work, let running items finish, end the workers.
        # (Not killing them: a worker killed while sending a result leaves a partial message
        # that the pool's reader thread waits on for ever. Nothing compiles in a worker, so
        # running items finish within a chunk's time.)
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


# Set by keep_freed_memory: this process keeps what it frees (and trims nothing).
_KEEPING: list[bool] = []
# glibc's largest allowed M_MMAP_THRESHOLD on 64-bit systems.
MAP_ABOVE = 32 << 20


def keep_freed_memory(*, map_above: int | None = None) -> None:
    """In this process, serve allocations from the heap and keep freed memory (glibc only).

    glibc maps large allocations afresh and unmaps them when freed, and gives
    the top of the heap back when enough of it is free, so a process that makes
    and frees big temporaries page-faults every page of every one, a noticeable
    share of training and scoring time (each page zeroed anew). Kept, the pages are
    reused. ``map_above``: allocations larger than this many bytes are still
    mapped and returned when freed (at most :data:`MAP_ABOVE`); by default none
    is. Meant for processes that end with their run: the heap stays at its peak
    until the process ends. Elsewhere (not glibc) it does nothing.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold, m_mmap_max = -1, -3, -4
    if map_above is None:
        mallopt(m_mmap_max, 0)
    else:
        mallopt(m_mmap_threshold, min(map_above, MAP_ABOVE))
    mallopt(m_trim_threshold, 2**31 - 1)
    _KEEPING[:] = [True]


def keeps_freed_memory() -> bool:
    """Whether :func:`keep_freed_memory` was called in this process (or before it forked)."""
    return bool(_KEEPING)
