"""Everything the CLI shows: consoles, messages, tables. Rich is imported here only."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING

from pressctl.errors import PressctlError
from pressctl.problems import Problem

if TYPE_CHECKING:
    from rich.console import Console

STATUS_STYLES = {
    "draft": "yellow",
    "review": "magenta",
    "scheduled": "cyan",
    "published": "green",
    "archived": "dim",
}


@dataclass
class Output:
    """The two streams: data on stdout, messages on stderr; colour only on a terminal."""

    no_color: bool = False
    _out: Console | None = field(default=None, repr=False)
    _err: Console | None = field(default=None, repr=False)

    @property
    def color(self) -> bool:
        """True when colour may be used (not --no-color, not NO_COLOR)."""
        return not self.no_color and not os.environ.get("NO_COLOR")

    @property
    def out(self) -> Console:
        """The console on stdout."""
        if self._out is None:
            self._out = _console(sys.stdout, self.color)
        return self._out

    @property
    def err(self) -> Console:
        """The console on stderr."""
        if self._err is None:
            self._err = _console(sys.stderr, self.color)
        return self._err

    @staticmethod
    def is_terminal(stream: object = None) -> bool:
        """True when STREAM (stdout by default) is a terminal."""
        target = stream if stream is not None else sys.stdout
        isatty = getattr(target, "isatty", None)
        return bool(isatty and isatty())

    @staticmethod
    def stdin_is_terminal() -> bool:
        """True when a person can answer a prompt."""
        return sys.stdin is not None and sys.stdin.isatty()

    def data(self, text: str) -> None:
        """Write TEXT to stdout as it is (no markup, no wrapping)."""
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")

    def message(self, text: str, *, style: str | None = None) -> None:
        """A message for people, on stderr."""
        self.err.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def warn(self, text: str) -> None:
        """A warning on stderr."""
        self._labelled("warning", "yellow", text)

    def error(self, exc: PressctlError) -> None:
        """An expected failure: `error: path:line: field: message` and a hint."""
        self._labelled("error", "red", str(exc))
        if exc.hint:
            self._labelled("hint", "cyan", exc.hint)

    def problems(self, problems: Iterable[Problem]) -> None:
        """Report problems on stderr, one a line."""
        for problem in problems:
            label, style = (("error", "red") if problem.is_error else ("warning", "yellow"))
            self._labelled(label, style, str(problem))

    def report(self, problems: Sequence[Problem]) -> None:
        """Validation findings on stdout for a person: grouped by file, in colour."""
        from rich.text import Text

        from pressctl.errors import display_path

        for number, (path, group) in enumerate(groupby(problems, key=lambda p: p.path)):
            if number:
                self.out.print()
            self.out.print(Text(display_path(path), style="bold underline"), soft_wrap=True)
            for problem in group:
                style = "red" if problem.is_error else "yellow"
                line = Text("  ")
                line.append(f"{problem.line or '':>4}", style="dim")
                line.append(f"  {problem.severity:<7}", style=f"bold {style}")
                line.append(f"  {problem.code}  ", style="dim")
                if problem.field:
                    line.append(f"{problem.field}: ", style="bold")
                line.append(problem.message)
                self.out.print(line, soft_wrap=True, highlight=False)

    def _labelled(self, label: str, style: str, text: str) -> None:
        from rich.text import Text

        line = Text()
        line.append(f"{label}:", style=f"bold {style}")
        line.append(f" {text}")
        self.err.print(line, soft_wrap=True, highlight=False)


def _console(stream: object, color: bool) -> Console:
    from rich.console import Console

    return Console(file=stream, no_color=not color, highlight=False)  # type: ignore[arg-type]
