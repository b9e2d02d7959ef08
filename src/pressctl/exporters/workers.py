"""Running export work on every core: a process pool, ordered results, bounded memory.

With one job (or little work) everything runs in this process, through the very same
functions, so the output cannot depend on the number of workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many tasks a pool costs more than it saves (when --jobs is not given).
MIN_TASKS = 3


def _quiet() -> None:
    """In a worker: Ctrl-C is the main process's to handle (it stops the pool), not a traceback.

    The cycle collector runs as usual, even when the main process paused it while forking,
    but leaves alone what the worker inherited: walking it would find nothing to free, and
    would copy the pages it shares with the main process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    gc.enable()


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Workers:
    """A lazily started pool of JOBS processes (none when JOBS is 1)."""

    def __init__(self, jobs: int | None, before_fork: Callable[[], None] | None = None) -> None:
        self.explicit = jobs is not None
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self.before_fork = before_fork
        self._pool: Pool | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(failed=exc_type is not None)

    def close(self, *, failed: bool = False) -> None:
        """Stop the pool (terminate it after an error, so Ctrl-C never waits for workers)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            if failed:
                pool.terminate()
            else:
                pool.close()
            pool.join()

    def _get(self) -> Pool:
        if self._pool is None:
            if self.before_fork is not None:
                self.before_fork()
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            self._pool = multiprocessing.get_context(method).Pool(self.jobs, initializer=_quiet)
        return self._pool

    def map(self, fn: Callable[..., R], tasks: Iterable[tuple[Any, ...]], *, count: int,
            done: Callable[[int], None] | None = None) -> Iterator[R]:
        """FN(*task) for each task, in order; at most a few tasks in flight at once."""
        if self.jobs == 1 or (not self.explicit and count < MIN_TASKS):
            for task in tasks:
                result = fn(*task)
                if done is not None:
                    done(1)
                yield result
            return
        pool = self._get()
        pending: deque[AsyncResult[R]] = deque()
        limit = 2 * self.jobs + 2
        for task in tasks:
            pending.append(pool.apply_async(fn, task))
            while len(pending) >= limit:
                yield pending.popleft().get()
                if done is not None:
                    done(1)
        while pending:
            yield pending.popleft().get()
            if done is not None:
                done(1)
