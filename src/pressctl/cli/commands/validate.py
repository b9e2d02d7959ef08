"""`pressctl validate [SLUG...]`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from pressctl.cli.app import State


class ValidateFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


def validate(
    ctx: typer.Context,
    slugs: Annotated[list[str] | None, typer.Argument(
        help="Check only these articles (the rules that compare articles still see all).",
        show_default=False)] = None,
    fmt: Annotated[ValidateFormat, typer.Option(
        "--format", "-f", help="text (grouped by file), json (an array of problems) or "
        "github (annotations for GitHub Actions).")] = ValidateFormat.TEXT,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Fail (exit 1) on warnings too.")] = False,
) -> None:
    """Check articles, the links between them and pressctl.toml; exit 1 on errors.

    Findings go to stdout, a one-line summary to stderr. The README lists every rule
    code (PC001 …) with an example and its fix.
    """
    from pressctl import reporters
    from pressctl import validate as engine

    state: State = ctx.obj
    newsroom = state.newsroom
    only = None
    if slugs:
        for slug in slugs:
            newsroom.path_for(slug)  # a malformed slug is a usage error
        only = set(slugs)
    scan = newsroom.scan()
    problems = engine.check(newsroom, scan, only)
    if fmt is ValidateFormat.TEXT and state.output.is_terminal():
        state.output.report(problems)
    else:
        state.output.data(reporters.REPORTERS[fmt.value](problems))
    checked = len(only) if only is not None else len(scan.articles) + len(scan.problems)
    state.output.message(reporters.summary(problems, checked))
    if any(p.is_error for p in problems) or (strict and problems):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(validate)
