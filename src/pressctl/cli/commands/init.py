"""`pressctl init [DIR]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import display_path


def init(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Folder to make a newsroom (created if missing).",
                             file_okay=False)
    ] = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created.")] = False,
) -> None:
    """Create a newsroom: a commented pressctl.toml, articles/ and a .gitignore."""
    from pressctl import scaffold

    state: State = ctx.obj
    actions = scaffold.plan(directory)
    verb = "would create" if dry_run else "created"
    if not dry_run:
        scaffold.create(directory, actions)
    for path, what in actions:
        label = "update" if what == "gitignore" and path.exists() and dry_run else verb
        state.output.data(f"{label} {display_path(path)}{'/' if what == 'folder' else ''}")
    if not dry_run:
        state.output.message(
            f'Next: cd {display_path(directory)} && pressctl new "Your first headline"'
            if directory != Path(".") else 'Next: pressctl new "Your first headline"'
        )


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(init)
