"""`pressctl export`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pressctl.cli.app import State
from pressctl.cli.commands.list import (
    AuthorOpt,
    CategoryOpt,
    LangOpt,
    SearchOpt,
    SinceOpt,
    StatusOpt,
    TagOpt,
    UntilOpt,
    build_filters,
)
from pressctl.cli.progress import progress_bar
from pressctl.errors import UsageError, display_path
from pressctl.reporters import plural


class ExportFormat(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    HTML = "html"


def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Export format.")] = (
        ExportFormat.JSON),
    out: Annotated[str | None, typer.Option(
        "--out", "-o", metavar="PATH",
        help="Where to write: a file for json/jsonl ('-', stdout, by default), a folder for "
             "html (default: [export] out of pressctl.toml, else public/).")] = None,
    all_: Annotated[bool, typer.Option(
        "--all", help="Include every article, not only live ones (for previews and archives).")] = False,
    status: StatusOpt = None,
    tag: TagOpt = None,
    author: AuthorOpt = None,
    category: CategoryOpt = None,
    lang: LangOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    search: SearchOpt = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: one per core).")] = None,
    schema: Annotated[bool, typer.Option(
        "--schema", help="Print the JSON Schema of the json export and exit.")] = False,
) -> None:
    """Export articles as JSON, JSON lines or a static HTML site.

    Only live articles are exported (published, or scheduled and due, and not expired),
    newest first; the filters of `list` narrow the choice and --all includes every
    article. A record that cannot be exported is skipped with a warning, and the exit
    status is then 1.
    """
    from pressctl.exporters import EXPORTERS, STREAM_FORMATS, ExportOptions
    from pressctl.exporters.output import check_file, check_folder

    state: State = ctx.obj
    if schema:
        from pressctl.exporters.document import schema_text

        state.output.data(schema_text())
        return
    newsroom = state.newsroom
    filters = build_filters(state, status, tag, author, category, lang, since, until, search)
    target: Path | None = None
    if fmt.value in STREAM_FORMATS:
        if out not in (None, "-"):
            target = check_file(newsroom, Path(out))
    else:
        if out == "-":
            raise UsageError("--out -: the html export writes a folder, not stdout",
                             hint="give a folder, like --out public")
        folder = Path(out) if out is not None else newsroom.root / newsroom.settings.export.out
        target = check_folder(newsroom, folder)
    with progress_bar(state.output) as progress:
        options = ExportOptions(filters=filters, include_all=all_, out=target,
                                stream=sys.stdout if target is None else None, jobs=jobs,
                                progress=progress)
        result = EXPORTERS[fmt.value](newsroom, options)
    for note in result.notes:
        state.output.warn(note)
    state.output.problems(result.problems)
    if fmt is ExportFormat.HTML and result.out is not None:
        # plain text: a summary is no reason to load Rich
        typer.echo(f"exported {plural(result.exported, 'article')} to {display_path(result.out)}: "
                   f"{plural(result.written, 'file')} written, {result.unchanged} unchanged, "
                   f"{result.removed} removed", err=True)
    if result.failed:
        typer.echo(f"{plural(result.skipped, 'record')} skipped: see the warnings above", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(export)
