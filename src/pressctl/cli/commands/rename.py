"""`pressctl rename OLD NEW` and `pressctl delete SLUG`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pressctl.cli.app import State

if TYPE_CHECKING:
    from pressctl.rename import Result

DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Show what would change, write nothing.")]


def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The article's current slug.")],
    new: Annotated[str, typer.Argument(help="The new slug.")],
    dry_run: DryRunOpt = False,
) -> None:
    """Rename an article: move its file, keep its id and OLD as an alias, fix references.

    Every `related` and `translation_of` that named OLD is updated; links in bodies
    are listed, never edited. Running it again after an interruption completes it.
    """
    from pressctl import rename as core

    state: State = ctx.obj
    result = core.rename(state.newsroom, old, new, dry_run=dry_run)
    if result.resumed:
        state.output.message(f"{'would complete' if dry_run else 'completed'} the rename of "
                             f"{old!r} to {new!r}")
    if not result.changes:
        state.output.message(f"{old!r} is already renamed to {new!r}; nothing left to do")
    _render(state, result, dry_run=dry_run)


def delete(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The article's slug.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Delete even when other articles refer to it, removing it from "
        "their related and translation_of.")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Delete an article; refused while other articles refer to it (see --force)."""
    from pressctl import rename as core

    state: State = ctx.obj
    _render(state, core.delete(state.newsroom, slug, force=force, dry_run=dry_run),
            dry_run=dry_run)


def _render(state: State, result: Result, *, dry_run: bool) -> None:
    """Changes on stderr (on stdout with --dry-run); notes as warnings."""
    for change in result.changes:
        lines = change.describe(dry_run=dry_run)
        if dry_run:
            state.output.data("".join(f"{line}\n" for line in lines))
        else:
            for line in lines:
                state.output.message(line)
    for note in result.notes:
        state.output.warn(note)


def register(app: typer.Typer) -> None:
    """Add the commands to APP."""
    app.command()(rename)
    app.command()(delete)
