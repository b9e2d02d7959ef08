"""The CLI matches the core's registries, and every command explains itself."""

from __future__ import annotations

import typer

from pressctl import listing
from pressctl.cli.app import app
from pressctl.cli.commands.list import ListFormat


def test_every_command_and_option_has_help() -> None:
    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert {"init", "new", "list", "show", "edit", "validate", "review", "publish", "unpublish",
            "archive", "rename", "delete", "export"} <= set(names)
    options = 0
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help and command.help.strip(), f"{name} has no help text"
        for param in command.params:
            if isinstance(param, typer.core.TyperOption):
                options += 1
                assert param.help, f"{name} {param.opts} has no help text"
    assert options > 40


def test_list_formats_match_the_registry() -> None:
    assert [f.value for f in ListFormat] == list(listing.FORMATS)
