"""Status moves: review, publish (now, at a time, or what is due), unpublish, archive.

Each move follows the contract's workflow table. Moves into review, scheduled or
published validate the article as the move would leave it and refuse one with errors;
taking an article down is never blocked. Several articles move independently: each
that passes is written, the others are refused. Every write holds the newsroom lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pressctl import dates, validate
from pressctl.article import STATUSES, Article
from pressctl.changes import diff, tidy
from pressctl.errors import UsageError, display_path
from pressctl.problems import Problem
from pressctl.record import Record
from pressctl.store import Newsroom


class Kind(StrEnum):
    MOVED = "moved"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


# target status -> (the command, the statuses it moves from)
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "review": ("review", ("draft",)),
    "published": ("publish", ("draft", "review", "scheduled", "archived")),
    "draft": ("unpublish", ("review", "scheduled", "published", "archived")),
    "archived": ("archive", ("draft", "review", "scheduled", "published")),
}
VALIDATED = ("review", "scheduled", "published")


@dataclass
class Outcome:
    """What a move did (or, with dry_run, would do) to one article."""

    slug: str
    path: Path
    kind: Kind
    before: str
    after: str
    changes: list[str] = field(default_factory=list)
    message: str = ""
    problems: list[Problem] = field(default_factory=list)


def move(newsroom: Newsroom, slugs: Iterable[str], target: str, *,
         at: datetime | None = None, dry_run: bool = False,
         now: datetime | None = None) -> list[Outcome]:
    """Move each of SLUGS to TARGET (`publish --at` with AT); an unknown slug changes nothing."""
    if target not in MOVES:
        raise ValueError(f"no move to {target!r}")
    wanted = list(dict.fromkeys(slugs))
    for slug in wanted:
        newsroom.path_for(slug)  # a malformed slug is a usage error
    with contextlib.nullcontext() if dry_run else newsroom.lock():
        scan = newsroom.scan()
        found = scan.by_slug()
        broken = {p.path.stem: p for p in scan.problems}
        unknown = [s for s in wanted if s not in found and s not in broken]
        if unknown:
            raise UsageError(
                f"no article {', '.join(repr(s) for s in unknown)}; nothing was changed",
                hint="list the slugs with: pressctl list --format slugs")
        current = now or dates.now(newsroom.settings.tzinfo)
        check = validate.checker(newsroom, scan, now=current)
        outcomes = []
        for slug in wanted:
            if slug in broken:
                problem = broken[slug]
                outcomes.append(Outcome(slug, problem.path, Kind.REFUSED, "?", "?",
                                        message="the file cannot be read; fix it first",
                                        problems=[problem]))
                continue
            outcome, moved = _move_one(newsroom, check, found[slug], target, at, current)
            if moved is not None and not dry_run:
                newsroom.save(moved)
            outcomes.append(outcome)
    return outcomes


def due(newsroom: Newsroom, *, dry_run: bool = False,
        now: datetime | None = None) -> list[Outcome]:
    """Publish every scheduled article whose time has come (for cron)."""
    current = now or dates.now(newsroom.settings.tzinfo)
    with contextlib.nullcontext() if dry_run else newsroom.lock():
        scan = newsroom.scan()
        check = validate.checker(newsroom, scan, now=current)
        outcomes = []
        for article in sorted(scan.articles, key=lambda a: a.slug):
            published = article.published
            if article.status != "scheduled" or published is None or published > current:
                continue
            outcome, moved = _move_one(newsroom, check, article, "published", None, current)
            if moved is not None and not dry_run:
                newsroom.save(moved)
            outcomes.append(outcome)
    return outcomes


def _move_one(newsroom: Newsroom, check: Callable[[Article], list[Problem]], article: Article,
              target: str, at: datetime | None, now: datetime) -> tuple[Outcome, Article | None]:
    """The outcome of moving ARTICLE, and the moved article to write (None: nothing to write)."""
    before = article.status
    command, sources = MOVES[target]
    slug = article.slug

    def stay(kind: Kind, message: str) -> tuple[Outcome, None]:
        return Outcome(slug, article.path, kind, before, before, message=message), None

    if target == "published" and at is not None:
        if before == "published":
            return stay(Kind.REFUSED, "is published already; to schedule it, unpublish it "
                        f"first: pressctl unpublish {slug} && pressctl publish {slug} --at WHEN")
        if before == "archived":
            return stay(Kind.REFUSED, f"is archived; publish it again with: pressctl publish "
                        f"{slug} (without --at), or unpublish it first to schedule it")
        after = "scheduled" if at > now else "published"
        if before == after == "scheduled" and article.published == at:
            return stay(Kind.UNCHANGED, f"is already scheduled for {at.isoformat()}")
    else:
        after = target
        if before == after:
            return stay(Kind.UNCHANGED, f"is already {before}")
    if before not in sources and target != "archived":  # archive takes any status
        return stay(Kind.REFUSED, _refusal(slug, before, command, sources))

    meta = dict(article.meta)
    meta["status"] = after
    if target == "published":
        published = article.published
        if at is not None:
            meta["published"] = at
        elif published is None or published > now:
            meta["published"] = now
        elif before != "scheduled":  # a re-publication keeps its date and says when
            meta["updated"] = now
    moved = rewrite(newsroom, article, meta)
    tidy(moved, now)
    outcome = Outcome(slug, article.path, Kind.MOVED, before, after,
                      changes=diff(article.meta, moved.meta))
    if after in VALIDATED:
        outcome.problems = check(moved)
        if validate.errors(outcome.problems):
            outcome.kind = Kind.REFUSED
            outcome.after = before
            outcome.problems = validate.errors(outcome.problems)
            n = len(outcome.problems)
            outcome.message = (f"not moved to {after}: {n} error{'s' if n != 1 else ''} "
                               "to fix first")
            return outcome, None
    return outcome, moved


def _refusal(slug: str, before: str, command: str, sources: tuple[str, ...]) -> str:
    """Why COMMAND does not move an article in status BEFORE, and what would."""
    if before not in STATUSES:
        return (f'has the status "{before}", which is not one of {", ".join(STATUSES)}; '
                f"write one of them in the file, or run: pressctl archive {slug}")
    # only `review` has sources short of "any other status"
    return (f"is {before}; {command} moves only {' or '.join(sources)} articles; to take it "
            f"back to draft first: pressctl unpublish {slug}")


def rewrite(newsroom: Newsroom, article: Article, meta: dict[str, Any],
            path: Path | None = None) -> Article:
    """A copy of ARTICLE with META (and perhaps another PATH), its body unchanged."""
    rec = article.record
    body = validate.read_body(article)
    new = Record(meta, body, newline=rec.newline, bom=rec.bom, lines=rec.lines,
                 body_line=rec.body_line, source=rec.source)
    return newsroom.article(new, path or article.path)


def describe(outcome: Outcome) -> str:
    """One line about an outcome: `articles/x.md: draft -> published`."""
    where = display_path(outcome.path)
    if outcome.kind is Kind.MOVED:
        return f"{where}: {outcome.before} -> {outcome.after}"
    return f"{where}: {outcome.message}"
