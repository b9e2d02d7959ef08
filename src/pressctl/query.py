"""Selecting and ordering articles: the filters and sorts of `list` and `export`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pressctl.article import Article


class SortKey(StrEnum):
    PUBLISHED = "published"
    CREATED = "created"
    UPDATED = "updated"
    TITLE = "title"
    SLUG = "slug"


@dataclass
class Filters:
    """What `list` and `export` select on; empty means everything."""

    statuses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None

    def matches(self, article: Article) -> bool:
        """True when ARTICLE passes every filter that is set."""
        if self.statuses and article.status not in self.statuses:
            return False
        if self.tags and not set(self.tags) & {t.lower() for t in article.tags}:
            return False
        if self.authors and not _any_casefold(self.authors, article.authors):
            return False
        if self.categories and article.text("category") not in self.categories:
            return False
        if self.langs and article.lang not in self.langs:
            return False
        if self.since or self.until:
            when = article.date
            if when is None:
                return False
            if self.since and when < self.since:
                return False
            if self.until and when > self.until:
                return False
        return not self.search or _search(self.search, article)


def _any_casefold(wanted: list[str], have: list[str]) -> bool:
    have_folded = {h.casefold() for h in have}
    return any(w.casefold() in have_folded for w in wanted)


def _search(needle: str, article: Article) -> bool:
    """Case-insensitive search in title, summary, slug, tags, then the body."""
    folded = needle.casefold()
    head = " ".join((article.title, article.text("summary"), article.slug, *article.tags))
    return folded in head.casefold() or folded in article.body.casefold()


def select(articles: Iterable[Article], filters: Filters) -> list[Article]:
    """The articles that pass FILTERS."""
    return [a for a in articles if filters.matches(a)]


def _stamp(when: datetime | None) -> float:
    return when.timestamp() if when is not None else float("-inf")


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """The stable order: newest `published` (else `created`) first, then slug.

    Two stable sorts on plain keys rather than one on (time, slug) pairs: no pair is made
    for each article, and the cycle collector is not woken by 10,000 of them.
    """
    result = sorted(articles, key=_slug)
    result.sort(key=_newest)
    return result


def _slug(article: Article) -> str:
    return article.slug


def _newest(article: Article) -> float:
    # a record fresh from the index carries its timestamp: no need to decode its fields
    stamp = article.record.stamp
    return -(stamp if stamp is not None else _stamp(article.date))


def order(articles: Iterable[Article], key: SortKey | None, *, reverse: bool = False) -> list[Article]:
    """Sort for `list`: dates newest first, text A to Z; REVERSE flips it."""
    items = list(articles)
    if key is None or key is SortKey.PUBLISHED:
        result = newest_first(items)
    elif key in (SortKey.CREATED, SortKey.UPDATED):
        result = sorted(items, key=lambda a: (-_stamp(a.when(key.value)), a.slug))
    elif key is SortKey.TITLE:
        result = sorted(items, key=lambda a: (a.title.casefold(), a.slug))
    else:
        result = sorted(items, key=lambda a: a.slug)
    if reverse:
        result.reverse()
    return result
