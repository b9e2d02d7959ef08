"""The validation engine: every problem of a newsroom's records, collected in one pass.

`check` looks at a whole `Scan` (or a subset of it, with the whole newsroom still in
view for the rules that compare records); `check_article` looks at one article, for
instance as a workflow move would leave it. Both return problems, never raise for a
finding, never print. The rules about one article are in `pressctl.checks`, their
codes in `pressctl.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pressctl import dates, record
from pressctl.article import Article
from pressctl.checks import (
    KNOWN_KEYS,
    REVIEW_ON,
    check_one,
    context,
    did_you_mean,
    problem,
    quote,
    read_body,
)
from pressctl.errors import PressctlError, RecordError, Refused, UsageError, display_path
from pressctl.problems import Problem
from pressctl.settings import SETTINGS_FILE
from pressctl.store import Newsroom, Scan

__all__ = ["REVIEW_ON", "check", "check_article", "checker", "editor_check", "errors", "introduced",
           "ordered", "problem", "read_body", "refusal"]


def check(newsroom: Newsroom, scan: Scan, only: set[str] | None = None, *,
          now: datetime | None = None) -> list[Problem]:
    """Every problem of the newsroom (or of the records ONLY names), in a stable order.

    The settings' problems always come along; an unknown slug in ONLY is a usage error.
    """
    broken = [p.path for p in scan.problems]
    if only is not None:
        known = {a.slug for a in scan.articles} | {p.stem for p in broken}
        unknown = sorted(only - known)
        if unknown:
            raise UsageError(
                f"no article {', '.join(repr(s) for s in unknown)} in "
                f"{display_path(newsroom.articles_dir)}",
                hint="list the slugs with: pressctl list --format slugs")
    ctx = context(newsroom, scan.articles, broken, now or dates.now(newsroom.settings.tzinfo))
    found = [*newsroom.settings_problems, *_settings_rules(newsroom)]
    for p in scan.problems:
        if only is None or p.path.stem in only:
            found.append(_explain(p))
    for article in scan.articles:
        if only is None or article.slug in only:
            found.extend(check_one(ctx, article))
    return ordered(found)


def check_article(newsroom: Newsroom, article: Article, scan: Scan, *,
                  now: datetime | None = None) -> list[Problem]:
    """The problems of ARTICLE (perhaps not yet saved) among the other records of SCAN."""
    others = [a for a in scan.articles if a.path != article.path]
    broken = [p.path for p in scan.problems if p.path != article.path]
    ctx = context(newsroom, [*others, article], broken,
                   now or dates.now(newsroom.settings.tzinfo))
    return ordered(check_one(ctx, article))


def checker(newsroom: Newsroom, scan: Scan, *,
            now: datetime | None = None) -> Callable[[Article], list[Problem]]:
    """`check_article` for many articles of SCAN at once: the newsroom is looked at once.

    For changes that keep an article's slug, id and aliases (status moves); other
    changes need `check_article`.
    """
    ctx = context(newsroom, scan.articles, [p.path for p in scan.problems],
                  now or dates.now(newsroom.settings.tzinfo))
    return lambda article: ordered(check_one(ctx, article))


def editor_check(newsroom: Newsroom, article: Article) -> list[str]:
    """The errors an edit adds to ARTICLE (as saved now), one `path:line: …` line each."""
    scan = newsroom.scan()
    try:
        before = check_article(newsroom, newsroom.get(article.slug), scan)
    except PressctlError:  # the saved file does not load: every error of the edit counts
        before = []
    return [str(p) for p in introduced(before, check_article(newsroom, article, scan))]


def introduced(before: Iterable[Problem], after: Iterable[Problem]) -> list[Problem]:
    """The errors of AFTER that BEFORE did not have (lines aside: a rewrite moves them)."""
    seen = {(p.code, p.field, p.message) for p in before}
    return [p for p in errors(after) if (p.code, p.field, p.message) not in seen]


def refusal(problems: list[Problem], what: str) -> Refused:
    """A refusal that lists PROBLEMS: `WHAT: 2 errors:` then a line for each."""
    n = len(problems)
    lines = "".join(f"\n  {p}" for p in problems)
    return Refused(f"{what}: {n} error{'s' if n != 1 else ''}:{lines}",
                   hint="fix them and try again; `pressctl validate SLUG` shows them too")


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Settings first, then by file, line and code: the same input gives the same order."""
    return sorted(problems, key=lambda p: (p.path.name != SETTINGS_FILE, str(p.path),
                                           p.line or 0, p.code, p.message))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """Only the errors."""
    return [p for p in problems if p.is_error]


# -- records that did not load ---------------------------------------------------------


def _explain(found: Problem) -> Problem:
    """A scan problem with its fix: the scan keeps the message, the record gives the hint."""
    try:
        record.load(found.path)
    except RecordError as exc:
        hint = f"; {exc.hint}" if exc.hint else ""
        return problem(found.path, exc.code, exc.message + hint, line=exc.line)
    except FileNotFoundError:
        return problem(found.path, "PC006", "the file disappeared while pressctl was reading "
                       "it; check whether it was moved or deleted")
    except OSError as exc:
        return problem(found.path, "PC006", f"cannot read: {exc.strerror}; check the file's "
                       "permissions")
    return found  # readable now: report what the scan saw


def _settings_rules(newsroom: Newsroom) -> list[Problem]:
    """Rules about pressctl.toml that need the article record's fields (PC052)."""
    bad = [name for name in newsroom.settings.required if name not in KNOWN_KEYS]
    if not bad:
        return []
    path = newsroom.root / SETTINGS_FILE
    try:
        lines = record.key_lines(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        lines = {}
    return [problem(path, "PC052", f"{quote(name)} is not an article field{did_you_mean(name, KNOWN_KEYS)}",
                    line=lines.get("required"), field="required") for name in bad]
