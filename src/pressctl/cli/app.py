"""The Typer application: global options, the error funnel and command registration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from pressctl import __version__
from pressctl.cli.output import Output
from pressctl.errors import PressctlError
from pressctl.store import Newsroom, os_error


@dataclass
class State:
    """What every command gets: the output streams and the newsroom, found on first use."""

    output: Output
    root: Path | None = None
    _newsroom: Newsroom | None = field(default=None, repr=False)

    @property
    def newsroom(self) -> Newsroom:
        """The newsroom (--root, $PRESSCTL_ROOT, or the nearest marked folder)."""
        if self._newsroom is None:
            self._newsroom = Newsroom.discover(self.root)
        return self._newsroom


class FunnelGroup(TyperGroup):
    """Turns expected errors into a message and an exit code; bugs keep their traceback."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Commands in the order of COMMANDS (the workflow order), not alphabetical."""
        return list(self.commands)

    def invoke(self, ctx: Any) -> Any:
        """Run the command, funnelling PressctlError, the file system's refusals and Ctrl-C."""
        try:
            return super().invoke(ctx)
        except PressctlError as exc:
            self._fail(ctx, exc)
        except BrokenPipeError:
            raise  # the reader went away: Typer ends quietly, as it does for a closed pipe
        except OSError as exc:  # a full disk, a read-only folder, a file where a folder should be
            self._fail(ctx, os_error(exc))
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    @staticmethod
    def _fail(ctx: Any, exc: PressctlError) -> NoReturn:
        state = ctx.obj if isinstance(ctx.obj, State) else State(Output())
        state.output.error(exc)
        raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="pressctl",
    cls=FunnelGroup,
    help="Manage a newsroom's articles as plain files: create, validate, schedule, "
    "publish and export them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pressctl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Newsroom folder (default: $PRESSCTL_ROOT, else the "
                     "nearest folder upwards with pressctl.toml or articles/).",
                     file_okay=False),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Never use colour (NO_COLOR is honoured too).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
) -> None:
    """Manage a newsroom's articles as plain files."""
    ctx.obj = State(Output(no_color=no_color), root=root)


# Command modules, each exposing `register(app)`; the order is the order of --help.
COMMANDS = ("init", "new", "list", "show", "edit", "validate", "workflow", "rename", "export")


def _register(names: tuple[str, ...]) -> None:
    for name in names:
        module = import_module(f"pressctl.cli.commands.{name}")
        register: Callable[[typer.Typer], None] = module.register
        register(app)


_register(COMMANDS)
