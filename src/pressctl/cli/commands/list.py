"""`pressctl list`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import UsageError
from pressctl.query import Filters, SortKey

TERMINAL_LIMIT = 50


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    SLUGS = "slugs"


StatusOpt = Annotated[list[str] | None, typer.Option(
    "--status", metavar="STATUS", help="Only these statuses (repeatable, or comma-separated).")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Only with this tag.")]
AuthorOpt = Annotated[list[str] | None, typer.Option("--author", "-a", metavar="NAME",
                                                                help="Only by this author.")]
CategoryOpt = Annotated[list[str] | None, typer.Option("--category", metavar="CATEGORY",
                                                                 help="Only in this category.")]
LangOpt = Annotated[list[str] | None, typer.Option("--lang", metavar="LANG", help="Only in this language.")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", metavar="DATE", help="Published (or created) on or after DATE (ISO 8601).")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", metavar="DATE", help="Published (or created) on or before DATE (ISO 8601).")]
SearchOpt = Annotated[str | None, typer.Option(
    "--search", metavar="TEXT", help="Text in the title, summary, slug, tags or body.")]


def build_filters(state: State, status: list[str] | None, tag: list[str] | None,
                  author: list[str] | None, category: list[str] | None,
                  lang: list[str] | None, since: str | None, until: str | None,
                  search: str | None) -> Filters:
    """The core Filters from the shared filter options of `list` and `export`."""
    from pressctl import dates
    from pressctl.article import STATUSES
    statuses = _split(status)
    for s in statuses:
        if s not in STATUSES:
            raise UsageError(f"--status: {s!r} is not one of {', '.join(STATUSES)}")
    tz = state.newsroom.settings.tzinfo
    until_dt = _end_of_day(until, dates.parse_when(until, tz, option="--until")) if until else None
    return Filters(
        statuses=statuses,
        tags=[t.lower() for t in _split(tag)],
        authors=_split(author, sep=None),
        categories=_split(category),
        langs=_split(lang),
        since=dates.parse_when(since, tz, option="--since") if since else None,
        until=until_dt,
        search=search,
    )


def _end_of_day(text: str, parsed: datetime) -> datetime:
    """`--until 2026-05-01` includes the whole day."""
    if "T" not in text and " " not in text.strip():
        return parsed.replace(hour=23, minute=59, second=59)
    return parsed


def _split(values: list[str] | None, sep: str | None = ",") -> list[str]:
    out: list[str] = []
    for value in values or []:
        parts = value.split(sep) if sep else [value]
        out.extend(p.strip() for p in parts if p.strip())
    return out


def list_(
    ctx: typer.Context,
    status: StatusOpt = None,
    tag: TagOpt = None,
    author: AuthorOpt = None,
    category: CategoryOpt = None,
    lang: LangOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    search: SearchOpt = None,
    sort: Annotated[SortKey, typer.Option(help="Order by this field.")] = SortKey.PUBLISHED,
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: Annotated[int | None, typer.Option(
        min=0, metavar="N",
        help="Show at most N articles (0: all). On a terminal the table shows 50.")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.TABLE),
) -> None:
    """List articles, newest first."""
    from pressctl import listing, query

    state: State = ctx.obj
    newsroom = state.newsroom
    filters = build_filters(state, status, tag, author, category, lang, since, until, search)
    scan = newsroom.scan()
    state.output.problems(scan.problems)
    chosen = query.order(query.select(scan.articles, filters), sort, reverse=reverse)
    terminal_table = fmt is ListFormat.TABLE and state.output.is_terminal()
    if limit is None and terminal_table:
        limit = TERMINAL_LIMIT
    shown = chosen[:limit] if limit else chosen
    if terminal_table:
        from pressctl.cli.tables import article_table

        state.output.out.print(article_table(shown))
        if len(chosen) > len(shown):
            more = len(chosen) - len(shown)
            state.output.message(f"… and {more} more (use --limit 0 to show all)")
    else:
        state.output.data(listing.FORMATS[fmt.value](shown, newsroom.root))
    if scan.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command("list")(list_)
