"""Creating articles: slugs from titles and new draft records."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pressctl import dates
from pressctl.article import SLUG_MAX, Article, is_slug
from pressctl.errors import Refused, UsageError
from pressctl.record import Record
from pressctl.store import Newsroom


def slug_for(title: str) -> str:
    """The slug python-slugify gives TITLE, at most 80 characters, on a word boundary."""
    from slugify import slugify

    return slugify(title, max_length=SLUG_MAX, word_boundary=True, save_order=True)


def tag_slug(tag: str) -> str:
    """A tag in its normal form (a slug)."""
    from slugify import slugify

    return slugify(tag, max_length=SLUG_MAX)


@dataclass
class DraftRequest:
    """What `new` was asked for."""

    title: str
    slug: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    category: str | None = None
    lang: str | None = None
    summary: str | None = None
    body: str = ""


def build(newsroom: Newsroom, request: DraftRequest) -> Article:
    """The draft article REQUEST describes, not yet written; refuses bad slugs and titles."""
    title = request.title.strip()
    if not title:
        raise UsageError("the title is empty", hint='pass a title: pressctl new "Title"')
    if "\n" in title or "\r" in title:
        raise UsageError("the title must be a single line")
    if request.slug is not None:
        slug = request.slug
        if not is_slug(slug):
            newsroom.path_for(slug)  # raises the usage error with its hint
    else:
        slug = slug_for(title)
        if not slug:
            raise UsageError(
                f"the title {title!r} gives no slug (no letters or digits to use)",
                hint="choose one: --slug my-article",
            )
    meta: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "title": title,
        "slug": slug,
        "status": "draft",
        "created": dates.now(newsroom.settings.tzinfo),
    }
    if request.authors:
        meta["authors"] = _unique(a.strip() for a in request.authors if a.strip())
    if request.summary:
        meta["summary"] = request.summary.strip()
    if request.category:
        meta["category"] = request.category.strip()
    tags = _unique(t for t in (tag_slug(t) for t in request.tags) if t)
    if tags:
        meta["tags"] = tags
    meta["lang"] = request.lang or newsroom.settings.lang
    body = request.body
    if body and not body.endswith("\n"):
        body += "\n"
    path = newsroom.path_for(slug)
    return newsroom.article(Record(meta, body, source=path), path)


def check_free(newsroom: Newsroom, slug: str) -> None:
    """Refuse a slug that is taken by an article or kept as another article's alias."""
    if newsroom.path_for(slug).exists():
        raise Refused(
            f"the slug {slug!r} is taken by {newsroom.path_for(slug).relative_to(newsroom.root)}",
            hint=f"choose another with --slug, for example --slug {free_slug(newsroom, slug)}",
        )
    for article in newsroom.scan().articles:
        if slug in article.strings("aliases"):
            raise Refused(
                f"the slug {slug!r} is an old name of {article.slug!r} (in its aliases)",
                hint=f"choose another with --slug, for example --slug {free_slug(newsroom, slug)}",
            )


def free_slug(newsroom: Newsroom, slug: str) -> str:
    """The first of SLUG-2, SLUG-3 … that no file uses."""
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if not newsroom.path_for(candidate).exists():
            return candidate
        n += 1


def create(newsroom: Newsroom, article: Article) -> Path:
    """Write a new article under the lock; never overwrites (Refused if the slug is taken)."""
    with newsroom.lock():
        check_free(newsroom, article.slug)
        newsroom.articles_dir.mkdir(exist_ok=True)
        try:
            newsroom.save(article, create=True)
        except FileExistsError:
            check_free(newsroom, article.slug)
            raise
    return article.path


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
