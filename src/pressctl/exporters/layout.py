"""The static site's layout: which pages exist and which articles each one shows.

```
index.html                 newest articles, paginated (page/2/index.html …)
articles/<slug>/index.html one page per article, with "Other news"
tags/index.html            every tag; tags/<tag>/index.html (paginated) per tag
<lang>/index.html          per language (paginated), with <lang>/feed.xml, feed.json,
                           when the articles are in several languages
<alias>/index.html         redirects for renamed articles (and articles/<alias>/)
```

Every page gets a fingerprint: a hash of everything it is made from (the files of the
articles it shows, the settings, templates and code). A page whose fingerprint and
file did not change since the last export is not rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pressctl.article import Article, is_slug
from pressctl.exporters.job import Chosen
from pressctl.problems import Problem, Severity

OTHER_NEWS = 5
RESERVED = frozenset({"articles", "tags", "page", "static", "feed", "media"})


@dataclass(eq=False, slots=True)
class Item:
    """An exported article as the site places it."""

    chosen: Chosen
    order: int
    slug: str
    path: str  # articles/<slug>/
    lang: str
    date: datetime | None
    tags: list[Tag]
    fingerprint: tuple[int, int, int] | None  # the record file's size, mtime, inode (None: too fresh)
    group: str  # the translation group: the original's slug
    related: list[str]
    live: bool
    lastmod: str | None  # the newest of published and updated, RFC 3339

    @property
    def article(self) -> Article:
        """The article."""
        return self.chosen.article


@dataclass(eq=False, slots=True)
class Tag:
    """A tag and its articles, newest first."""

    slug: str
    name: str
    items: list[Item] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The tag page, tags/<slug>/."""
        return f"tags/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Page:
    """One page to write: where, with which template, of what kind, showing what."""

    rel: str  # the file, relative to the export folder
    kind: str  # article, home, language, tag, tags, redirect
    items: tuple[Item, ...] = ()
    number: int = 1
    count: int = 1
    key: str = ""  # the language, tag or alias
    target: Item | None = None

    @property
    def path(self) -> str:
        """The page's URL path relative to the site root (`articles/x/`, '' for the home)."""
        return self.rel.removesuffix("index.html")


@dataclass
class Layout:
    """The whole site."""

    items: list[Item]
    by_slug: dict[str, Item]
    tags: dict[str, Tag]
    languages: list[str]  # language folders, when there are several languages
    groups: dict[str, list[Item]]
    aliases: dict[str, Item]
    per_page: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def multilingual(self) -> bool:
        """True when the articles are in more than one language."""
        return len(self.languages) > 1

    def other_news(self, item: Item) -> list[Item]:
        """The live `related` articles in order, else the newest sharing a tag."""
        related: list[Item] = []
        for slug in item.related:
            other = self.by_slug.get(slug)
            if other is not None and other is not item and other not in related:
                related.append(other)
        if related:
            return related
        own = self.groups.get(item.group, [item])
        depth = OTHER_NEWS + len(own)
        seen: dict[int, Item] = {}
        for tag in item.tags:
            for other in tag.items[:depth]:
                if other is not item and other not in own:
                    seen.setdefault(other.order, other)
        return [seen[k] for k in sorted(seen)][:OTHER_NEWS]

    def translations(self, item: Item) -> list[Item]:
        """The articles of the item's translation group, the item included, by language."""
        group = self.groups.get(item.group, [])
        return group if len(group) > 1 else []

    def pages(self) -> Iterator[Page]:
        """Every page of the site, in a stable order."""
        yield from self._listing("", "home", self.items)
        for item in self.items:
            yield Page(f"{item.path}index.html", "article", (item,))
        if self.tags:
            yield Page("tags/index.html", "tags")
        for tag in self.tags.values():
            yield from self._listing(tag.path, "tag", tag.items, tag.slug)
        if self.multilingual:
            for lang in self.languages:
                items = [i for i in self.items if i.lang.lower() == lang]
                yield from self._listing(f"{lang}/", "language", items, lang)
        top = self._top_level()
        for alias, target in self.aliases.items():
            if alias not in top:
                yield Page(f"{alias}/index.html", "redirect", key=alias, target=target)
            yield Page(f"articles/{alias}/index.html", "redirect", key=alias, target=target)

    def _top_level(self) -> set[str]:
        return set(RESERVED) | set(self.languages)

    def _listing(self, base: str, kind: str, items: list[Item], key: str = "") -> Iterator[Page]:
        size = self.per_page
        count = max(1, -(-len(items) // size))
        for number in range(1, count + 1):
            rel = f"{base}index.html" if number == 1 else f"{base}page/{number}/index.html"
            yield Page(rel, kind, tuple(items[(number - 1) * size:number * size]), number, count, key)


def build(chosen: list[Chosen], aliases: dict[str, str], per_page: int,
          fingerprint_of: dict[str, tuple[int, int, int] | None],
          now: datetime | None = None) -> Layout:
    """Lay out the site for CHOSEN (in the stable order) and the alias map of the newsroom.

    With NOW, articles that are not live then are marked (an export with --all).
    """
    tags: dict[str, Tag] = {}
    items: list[Item] = []
    by_slug: dict[str, Item] = {}
    groups: dict[str, list[Item]] = {}
    for order, c in enumerate(chosen):
        article = c.article
        meta = article.meta
        item_tags: list[Tag] = []
        for name in meta.get("tags") or ():
            slug = tag_slug(name)
            tag = tags.get(slug)
            if tag is None:
                tag = tags[slug] = Tag(slug, name)
            if tag not in item_tags:
                item_tags.append(tag)
        translation_of = meta.get("translation_of") or ""
        group = translation_of if is_slug(translation_of) else c.slug
        published, updated = c.published, c.updated
        newest = max((d for d in (published, updated) if d is not None), default=None)
        item = Item(c, order, c.slug, f"articles/{c.slug}/", article.lang, c.date,
                    item_tags, fingerprint_of.get(c.slug), group, meta.get("related") or [],
                    now is None or article.is_live(now), newest.isoformat() if newest else None)
        for tag in item_tags:
            tag.items.append(item)
        items.append(item)
        by_slug[c.slug] = item
    for item in items:
        groups.setdefault(item.group, []).append(item)
    for slug in list(groups):
        members = groups[slug]
        if len(members) < 2:
            del groups[slug]
        else:
            members.sort(key=lambda i: (i.slug != slug, i.lang.lower(), i.slug))
    languages = sorted({i.lang.lower() for i in items})
    layout = Layout(items, by_slug, dict(sorted(tags.items())), languages, groups, {}, per_page)
    top = RESERVED | set(languages)
    for alias, slug in sorted(aliases.items()):
        target = by_slug.get(slug)
        if target is None:
            continue
        if alias in top:
            layout.problems.append(Problem(target.chosen.article.path, None, "aliases",
                                           Severity.WARNING, "PC025",
                                           f'the alias "{alias}" is a folder of the site; '
                                           f"only articles/{alias}/ redirects"))
        layout.aliases[alias] = target
    return layout


def tag_slug(name: str) -> str:
    """The folder of a tag's page: the tag itself when it is a slug, else a slug made from it."""
    if is_slug(name):
        return name
    from slugify import slugify

    made = slugify(name, max_length=80)
    if made and is_slug(made):
        return made
    return "tag-" + hashlib.blake2b(name.encode("utf-8"), digest_size=5).hexdigest()


def digest(*parts: object) -> str:
    """A fingerprint of PARTS (strings, numbers, None, and lists of them)."""
    text = "\x1e".join(p if isinstance(p, str) else repr(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
