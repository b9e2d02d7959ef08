"""`pressctl new TITLE`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pressctl.cli.app import State
from pressctl.errors import UsageError, display_path


def new(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Argument(help="The headline.")] = None,
    author: Annotated[
        list[str] | None, typer.Option("--author", "-a", metavar="NAME", help="An author (repeatable).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).")
    ] = None,
    category: Annotated[str | None, typer.Option(help="The category.")] = None,
    lang: Annotated[str | None, typer.Option(help="Language (BCP 47), default from settings.")] = None,
    summary: Annotated[str | None, typer.Option(help="A one-sentence lead.")] = None,
    slug: Annotated[str | None, typer.Option(help="The slug (default: from the title).")] = None,
    body_file: Annotated[
        str | None,
        typer.Option("--body-file", metavar="FILE|-", help="Read the Markdown body from FILE, "
                     "or from standard input with '-'."),
    ] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Open the new article in $EDITOR.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the record, write nothing.")] = False,
) -> None:
    """Create a draft article and print its path."""
    from pressctl import draft, record

    state: State = ctx.obj
    newsroom = state.newsroom
    if title is None:
        if not state.output.stdin_is_terminal():
            raise UsageError("missing TITLE", hint='pressctl new "Your headline"')
        title = typer.prompt("Title")
    request = draft.DraftRequest(
        title=title, slug=slug, authors=author or [], tags=tag or [], category=category,
        lang=lang, summary=summary, body=_read_body(body_file),
    )
    article = draft.build(newsroom, request)
    if dry_run:
        draft.check_free(newsroom, article.slug)
        state.output.data(f"would create {display_path(article.path)}")
        state.output.data(record.dump(article.record))
        return
    path = draft.create(newsroom, article)
    state.output.data(display_path(path))
    if edit:
        from pressctl.cli.commands.edit import edit_interactively

        edit_interactively(state, article.slug)


def _read_body(source: str | None) -> str:
    if source is None:
        return ""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--body-file: {source} does not exist") from None
    except UnicodeDecodeError:
        raise UsageError(f"--body-file: {source} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"--body-file: cannot read {source}: {exc.strerror}") from None


def register(app: typer.Typer) -> None:
    """Add the command to APP."""
    app.command()(new)
