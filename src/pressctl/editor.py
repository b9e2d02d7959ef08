"""Editing an article in $EDITOR without ever losing the edit.

The user edits a copy, without holding the lock. On save pressctl takes the lock,
checks that the file did not change meanwhile and that the result is a valid record,
then writes it. Anything that cannot be saved is kept in a recovery file.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pressctl import dates, record
from pressctl.article import Article
from pressctl.errors import PressctlError, Refused, UsageError, display_path
from pressctl.store import Newsroom, os_error, write_atomic

RECOVERY_DIR = "recovered"

# A check run on the edited article before it is saved; returns error messages.
Check = Callable[[Newsroom, Article], list[str]]


@dataclass
class EditResult:
    """What happened to an edit."""

    changed: bool
    path: Path
    recovery: Path | None = None


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split like a shell would."""
    value = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(value)


def edit(newsroom: Newsroom, slug: str, *, check: Check | None = None,
         run_editor: Callable[[Path], int] | None = None) -> EditResult:
    """Open a copy of SLUG's file in the editor and save it back safely."""
    article = newsroom.get(slug)
    original = article.path.read_bytes()
    workdir = newsroom.ensure_state_dir() / "edit"
    workdir.mkdir(exist_ok=True)
    copy = workdir / f"{slug}.md"
    if copy.exists():  # an edit that could be neither saved nor recovered: never overwritten
        _recover(newsroom, slug, copy.read_bytes())
    write_atomic(copy, original)
    status = (run_editor or _run_editor)(copy)
    edited = copy.read_bytes()
    if status != 0:
        kept = _recover(newsroom, slug, edited)
        copy.unlink(missing_ok=True)
        raise Refused(f"the editor exited with status {status}; nothing was saved",
                      path=article.path, hint=f"your text is kept in {kept}")
    if edited == original:
        copy.unlink(missing_ok=True)
        return EditResult(changed=False, path=article.path)
    try:
        _save(newsroom, article, original, edited, check)
    except (PressctlError, OSError) as exc:
        error = os_error(exc) if isinstance(exc, OSError) else exc
        try:
            kept = _recover(newsroom, slug, edited)
            copy.unlink(missing_ok=True)
        except OSError:  # a full disk, say: the copy the editor saved stays where it is
            kept = copy
        error.hint = f"nothing was saved; your edit is kept in {display_path(kept)}" + (
            f" ({error.hint})" if error.hint else "")
        if error is exc:
            raise
        raise error from exc
    copy.unlink(missing_ok=True)
    return EditResult(changed=True, path=article.path)


def _save(newsroom: Newsroom, article: Article, original: bytes, edited: bytes,
          check: Check | None) -> None:
    text = record.decode(edited, article.path)
    rec = record.parse(text, article.path)
    updated = newsroom.article(rec, article.path)
    with newsroom.lock():
        try:
            current = article.path.read_bytes()
        except FileNotFoundError:
            raise Refused("the article was removed or renamed while you edited it",
                          path=article.path) from None
        if current != original:
            raise Refused("the article was changed by someone else while you edited it",
                          path=article.path,
                          hint="compare your copy with the file and edit again")
        problems = check(newsroom, updated) if check else []
        if problems:
            raise Refused("the edited article has errors:\n  " + "\n  ".join(problems),
                          path=article.path)
        if updated.status == "published":
            updated.meta["updated"] = dates.now(newsroom.settings.tzinfo)
            newsroom.save(updated)
        else:
            write_atomic(article.path, edited)


def _recover(newsroom: Newsroom, slug: str, data: bytes) -> Path:
    folder = newsroom.root / RECOVERY_DIR
    if not newsroom.contains(folder):  # a planted link: keep the text inside the newsroom
        folder = newsroom.ensure_state_dir() / RECOVERY_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{slug}-{stamp}.md"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{slug}-{stamp}-{n}.md"
    write_atomic(target, data, exclusive=True)
    return target


def _run_editor(path: Path) -> int:
    command = editor_command()
    try:
        return subprocess.call([*command, str(path)])
    except FileNotFoundError:
        raise UsageError(f"the editor {command[0]!r} was not found",
                         hint="set $EDITOR, for example: export EDITOR=nano") from None
