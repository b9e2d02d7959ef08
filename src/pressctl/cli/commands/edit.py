"""`pressctl edit SLUG`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import UsageError, display_path

if TYPE_CHECKING:
    from pressctl.editor import Check


def edit(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The article's slug.")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE",
        help="Set a field (repeatable). Dates in ISO 8601; lists as a TOML array or "
        "comma-separated; an empty VALUE removes the field.")] = None,
    add_tag: Annotated[list[str] | None, typer.Option("--add-tag", metavar="TAG", help="Add a tag.")] = None,
    remove_tag: Annotated[list[str] | None, typer.Option(
        "--remove-tag", metavar="TAG", help="Remove a tag.")] = None,
    author: Annotated[list[str] | None, typer.Option(
        "--author", "-a", metavar="NAME", help="Add an author.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would change, write nothing.")] = False,
) -> None:
    """Edit an article in $EDITOR, or change its metadata with options (for scripts)."""
    from pressctl import changes

    state: State = ctx.obj
    newsroom = state.newsroom
    wanted = changes.Changes(
        sets=[changes.parse_assignment(s) for s in set_ or []],
        add_tags=add_tag or [], remove_tags=remove_tag or [], add_authors=author or [],
    )
    if not wanted:
        if dry_run:
            raise UsageError("--dry-run needs a change option (--set, --add-tag, …)")
        if not (state.output.stdin_is_terminal() and state.output.is_terminal()):
            raise UsageError(
                "no change given and no terminal to open an editor on",
                hint="in scripts use --set KEY=VALUE, --add-tag, --remove-tag or --author",
            )
        edit_interactively(state, slug)
        return
    article, report = changes.edit_metadata(newsroom, slug, wanted, dry_run=dry_run)
    where = display_path(article.path)
    if not report:
        state.output.message(f"{where}: nothing to change")
    elif dry_run:
        state.output.data("".join(f"would change {where}: {line}\n" for line in report))
    else:
        for line in report:
            state.output.message(f"{where}: {line}")


def edit_interactively(state: State, slug: str) -> None:
    """Open SLUG in $EDITOR and save it back safely."""
    from pressctl import editor

    result = editor.edit(state.newsroom, slug, check=_checker())
    where = display_path(result.path)
    state.output.message(f"saved {where}" if result.changed else f"{where}: no changes")


def _checker() -> Check:
    """The validation run before an edit is saved (errors only)."""
    from pressctl.validate import editor_check

    return editor_check


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(edit)
