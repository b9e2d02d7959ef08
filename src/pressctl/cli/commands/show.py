"""`pressctl show SLUG`."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import display_path


class ShowFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def show(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The article's slug.")],
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.TEXT),
    raw: Annotated[bool, typer.Option("--raw", help="Print the file exactly as it is.")] = False,
) -> None:
    """Show an article: its metadata and its rendered body."""
    from pressctl import record
    from pressctl.serialize import article_dict

    state: State = ctx.obj
    newsroom = state.newsroom
    article = newsroom.get(slug)
    if raw:
        state.output.data(record.decode(record.read_bytes(article.path), article.path))
    elif fmt is ShowFormat.JSON:
        data = article_dict(article, path=article.path.relative_to(newsroom.root).as_posix(),
                            body_markdown=article.body)
        state.output.data(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        from pressctl.cli.tables import article_panel

        state.output.out.print(article_panel(article, display_path(article.path)))


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(show)
