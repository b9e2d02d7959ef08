"""`pressctl review`, `publish`, `unpublish` and `archive`: the status moves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import Refused, UsageError

if TYPE_CHECKING:
    from pressctl.workflow import Outcome

SlugsArg = Annotated[list[str], typer.Argument(help="The articles' slugs.", show_default=False)]
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Show what would change, write nothing.")]


def review(ctx: typer.Context, slugs: SlugsArg, dry_run: DryRunOpt = False) -> None:
    """Move drafts to review, after checking them (an article with errors stays a draft)."""
    _run(ctx.obj, slugs, "review", dry_run=dry_run)


def publish(
    ctx: typer.Context,
    slugs: Annotated[list[str] | None, typer.Argument(
        help="The articles' slugs.", show_default=False)] = None,
    at: Annotated[str | None, typer.Option(
        "--at", metavar="WHEN", help="Publish at WHEN (ISO 8601): a future time schedules "
        "the article, a past one backdates it.")] = None,
    due: Annotated[bool, typer.Option(
        "--due", help="Publish every scheduled article whose time has come (for cron); "
        "takes no SLUG.")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Publish articles now, or schedule them with --at, after checking them.

    `published` is set to now unless the article already holds a past date (a
    re-publication keeps it and sets `updated`). An article with errors is not moved.
    """
    state: State = ctx.obj
    if due:
        if slugs or at:
            raise UsageError("--due takes no SLUG and no --at",
                             hint="pressctl publish --due  (publishes what is due)")
        from pressctl import workflow

        outcomes = workflow.due(state.newsroom, dry_run=dry_run)
        if not outcomes:
            state.output.message("nothing is due")
            return
        _render(state, outcomes, dry_run=dry_run)
        return
    if not slugs:
        raise UsageError("give at least one SLUG, or --due",
                         hint="pressctl publish my-article  |  pressctl publish --due")
    when = None
    if at is not None:
        from pressctl import dates

        when = dates.parse_when(at, state.newsroom.settings.tzinfo, option="--at")
    _run(state, slugs, "published", at=when, dry_run=dry_run)


def unpublish(ctx: typer.Context, slugs: SlugsArg, dry_run: DryRunOpt = False) -> None:
    """Take articles back to draft (keeps `published`; never blocked by errors)."""
    _run(ctx.obj, slugs, "draft", dry_run=dry_run)


def archive(ctx: typer.Context, slugs: SlugsArg, dry_run: DryRunOpt = False) -> None:
    """Archive articles, from any status (never blocked by errors)."""
    _run(ctx.obj, slugs, "archived", dry_run=dry_run)


def _run(state: State, slugs: list[str], target: str, *, at: datetime | None = None,
         dry_run: bool) -> None:
    from pressctl import workflow

    outcomes = workflow.move(state.newsroom, slugs, target, at=at, dry_run=dry_run)
    _render(state, outcomes, dry_run=dry_run)


def _render(state: State, outcomes: list[Outcome], *, dry_run: bool) -> None:
    """Moves on stderr (on stdout with --dry-run), refusals with their problems; exit 1."""
    from pressctl.errors import display_path
    from pressctl.workflow import Kind, describe

    out = state.output
    refused = 0
    for item in outcomes:
        if item.kind is Kind.REFUSED:
            refused += 1
            out.error(Refused(item.message, path=display_path(item.path)))
            out.problems(item.problems)
            continue
        if item.kind is Kind.UNCHANGED:
            out.message(f"{describe(item)}; nothing to do")
            continue
        out.problems(p for p in item.problems if not p.is_error)  # warnings: moved anyway
        if dry_run:
            out.data(f"would move {describe(item)}\n"
                     + "".join(f"  {line}\n" for line in item.changes))
        else:
            out.message(describe(item))
    if len(outcomes) > 1:
        moved = sum(1 for o in outcomes if o.kind is Kind.MOVED)
        verb = "would move" if dry_run else "moved"
        out.message(f"{verb} {moved}, refused {refused}, unchanged "
                    f"{len(outcomes) - moved - refused}")
    if refused:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the commands to APP."""
    for command in (review, publish, unpublish, archive):
        app.command()(command)
