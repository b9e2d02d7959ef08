"""The export's progress bar: on stderr, on a terminal only, for long runs only."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pressctl.cli.output import Output

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from pressctl.exporters import ProgressCallback

# Fewer items than this finish before a bar is worth drawing.
MIN_ITEMS = 200
REFRESH_S = 0.1


class _Bar:
    """Draws a Rich progress bar on demand, refreshed by the caller (no thread: workers fork)."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.progress is None:
            if total < MIN_ITEMS:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), console=self.output.err,
                                     transient=True, auto_refresh=False)
            self.progress.start()
        if what not in self.tasks:
            self.tasks[what] = self.progress.add_task(what, total=total)
        self.progress.update(self.tasks[what], completed=done, total=total)
        now = time.monotonic()
        if now - self.last >= REFRESH_S or done >= total:
            self.last = now
            self.progress.refresh()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@contextlib.contextmanager
def progress_bar(output: Output) -> Iterator[ProgressCallback | None]:
    """A progress callback that draws on stderr when it is a terminal, else None."""
    if not output.is_terminal(sys.stderr):
        yield None
        return
    bar = _Bar(output)
    try:
        yield bar
    finally:
        bar.stop()
