"""Rich renderables for articles: the list table and the show panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pressctl.article import Article
from pressctl.cli.output import STATUS_STYLES
from pressctl.listing import short_date

if TYPE_CHECKING:
    from rich.table import Table


def article_table(articles: Sequence[Article]) -> Table:
    """The `list` table: date, status in its colour, title, slug."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Title", ratio=3)
    table.add_column("Slug", style="dim", ratio=2, overflow="fold")
    for a in articles:
        table.add_row(short_date(a), f"[{STATUS_STYLES.get(a.status, '')}]{a.status}[/]"
                      if a.status in STATUS_STYLES else _escape(a.status), _escape(a.title), a.slug)
    return table


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def article_panel(article: Article, path: str) -> object:
    """The `show` view: a metadata panel, then the body rendered as Markdown."""
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    from pressctl.record import canonical
    from pressctl.serialize import plain

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in canonical(article.meta).items():
        if key in ("title",):
            continue
        shown = plain(value)
        if key == "status":
            cell = Text(str(shown), style=STATUS_STYLES.get(str(shown), ""))
        elif isinstance(shown, list):
            cell = Text(", ".join(str(v) for v in shown))
        elif isinstance(shown, dict):
            cell = Text("; ".join(f"{k}: {v}" for k, v in shown.items()))
        else:
            cell = Text(str(shown))
        grid.add_row(key, cell)
    grid.add_row("file", Text(path, style="dim"))
    title = Text(article.title or article.slug, style="bold")
    body = Markdown(article.body) if article.body.strip() else Text("(empty body)", style="dim")
    return Group(Panel(grid, title=title, title_align="left"), Rule(style="dim"), body)
