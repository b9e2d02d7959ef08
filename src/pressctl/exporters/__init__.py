"""Exports: the articles as a JSON document, JSON lines, or a static HTML site.

Each exporter is a function `(newsroom, options) -> ExportResult`, registered by format
name in `EXPORTERS` (the CLI's `--format` choices must match it, which a test checks).
Exporters never print: they write the export, and return what the CLI should report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from pressctl.problems import Problem
from pressctl.query import Filters

if TYPE_CHECKING:
    from pressctl.store import Newsroom

# (what is being done, how many done, how many in all)
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ExportOptions:
    """What to export and where: the selection, the destination, the number of workers."""

    filters: Filters = field(default_factory=Filters)
    include_all: bool = False
    out: Path | None = None  # a file (json, jsonl) or a folder (html)
    stream: TextIO | None = None  # json and jsonl without OUT
    jobs: int | None = None  # worker processes; None: one per core
    now: datetime | None = None  # what "live" is measured against; None: now
    progress: ProgressCallback | None = None


@dataclass
class ExportResult:
    """What an export did, and what the user should hear about."""

    exported: int = 0
    problems: list[Problem] = field(default_factory=list)  # records skipped, and why
    notes: list[str] = field(default_factory=list)  # other warnings
    skipped: int = 0  # records the export would have included, or could not read
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    out: Path | None = None

    @property
    def failed(self) -> bool:
        """True when a record the export should have included was skipped (exit 1)."""
        return self.skipped > 0


class Exporter(Protocol):
    """An export format."""

    def __call__(self, newsroom: Newsroom, options: ExportOptions) -> ExportResult: ...


def _json(newsroom: Newsroom, options: ExportOptions) -> ExportResult:
    from pressctl.exporters import document

    return document.export_document(newsroom, options, lines=False)


def _jsonl(newsroom: Newsroom, options: ExportOptions) -> ExportResult:
    from pressctl.exporters import document

    return document.export_document(newsroom, options, lines=True)


def _html(newsroom: Newsroom, options: ExportOptions) -> ExportResult:
    from pressctl.exporters import site

    return site.export_site(newsroom, options)


EXPORTERS: dict[str, Exporter] = {
    "json": _json,
    "jsonl": _jsonl,
    "html": _html,
}

# Formats that write one file (stdout by default); the others write a folder.
STREAM_FORMATS = frozenset({"json", "jsonl"})
