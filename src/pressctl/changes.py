"""Scripted metadata changes: `edit --set`, tags and authors."""

from __future__ import annotations

import contextlib
import copy
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from pressctl import dates
from pressctl.article import DATETIME_FIELDS, LIST_FIELDS, Article, aware, is_slug
from pressctl.draft import tag_slug
from pressctl.errors import UsageError
from pressctl.store import Newsroom

PROTECTED = {
    "status": "change the status with review, publish, unpublish or archive",
    "slug": "rename the article with: pressctl rename OLD NEW",
    "id": "an article's id never changes",
}
IMAGE_KEYS = ("src", "alt", "credit")


@dataclass
class Changes:
    """The changes one `edit` asks for."""

    sets: list[tuple[str, str]] = field(default_factory=list)
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    add_authors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sets or self.add_tags or self.remove_tags or self.add_authors)


def parse_assignment(text: str) -> tuple[str, str]:
    """Split `KEY=VALUE`, refusing protected and malformed keys."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"--set {text!r}: expected KEY=VALUE, like --set category=news")
    if key in PROTECTED:
        raise UsageError(f"--set {key}: {key} cannot be set this way", hint=PROTECTED[key])
    head, dot, sub = key.partition(".")
    if dot and (head != "image" or sub not in IMAGE_KEYS):
        raise UsageError(f"--set {key}: only image.src, image.alt and image.credit "
                         "can be set with a dotted key")
    return key, value


def convert(key: str, value: str, article: Article) -> Any:
    """VALUE converted by the field's type; an empty VALUE removes the field (None)."""
    if value.strip() == "":
        return None
    if key in DATETIME_FIELDS:
        return dates.parse_when(value, article.tz, option=f"--set {key}")
    if key in LIST_FIELDS:
        items = _list(key, value)
        return [tag_slug(i) for i in items] if key == "tags" else items
    return value


def _list(key: str, value: str) -> list[str]:
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"--set {key}: {text!r} is not a TOML array ({exc})",
                             hint='like --set tags=\'["a", "b"]\' or --set tags=a,b') from None
        if not all(isinstance(i, str) for i in parsed):
            raise UsageError(f"--set {key}: every item must be a string")
        return [i.strip() for i in parsed if i.strip()]
    return [i.strip() for i in text.split(",") if i.strip()]


def apply(article: Article, changes: Changes) -> list[str]:
    """Apply CHANGES to ARTICLE's front matter; returns a line per field changed."""
    meta = article.meta
    before = copy.deepcopy(meta)
    for key, raw in changes.sets:
        value = convert(key, raw, article)
        if key.startswith("image."):
            sub = key.partition(".")[2]
            image = meta.get("image")
            if not isinstance(image, dict):
                image = {}
            if value is None:
                image.pop(sub, None)
            else:
                image[sub] = value
            if image:
                meta["image"] = image
            else:
                meta.pop("image", None)
        elif value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    if changes.add_tags or changes.remove_tags:
        tags = article.tags
        for tag in (tag_slug(t) for t in changes.add_tags):
            if tag and tag not in tags:
                tags.append(tag)
        removed = {tag_slug(t) for t in changes.remove_tags} | set(changes.remove_tags)
        tags = [t for t in tags if t not in removed]
        if tags:
            meta["tags"] = tags
        else:
            meta.pop("tags", None)
    if changes.add_authors:
        authors = article.authors
        for name in changes.add_authors:
            if name.strip() and name.strip() not in authors:
                authors.append(name.strip())
        meta["authors"] = authors
    return diff(before, meta)


def tidy(article: Article, now: datetime) -> list[str]:
    """Fix what a rewrite fixes: missing id or created, datetimes without offset, tags.

    Returns a line per field changed.
    """
    meta = article.meta
    before = dict(meta)
    if not isinstance(meta.get("id"), str) or not meta["id"].strip():
        meta["id"] = str(uuid.uuid4())
    if "created" not in meta:
        published = article.published
        meta["created"] = published if published is not None and published < now else now
    for key in DATETIME_FIELDS:
        value = meta.get(key)
        naive = isinstance(value, datetime) and value.tzinfo is None
        if naive or (isinstance(value, date) and not isinstance(value, datetime)):
            meta[key] = aware(value, article.tz)
    tags = meta.get("tags")
    if (isinstance(tags, list) and all(isinstance(t, str) for t in tags)
            and not all(is_slug(t) for t in tags)):
        normal = list(dict.fromkeys(t if is_slug(t) else tag_slug(t) for t in tags))
        meta["tags"] = [t for t in normal if t]
    return diff(before, meta)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """A line per field that differs: `key: old -> new`."""
    return [f"{key}: {show(before.get(key))} -> {show(after.get(key))}"
            for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]


def show(value: Any) -> str:
    """A field's value as the change lines print it."""
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def edit_metadata(newsroom: Newsroom, slug: str, changes: Changes, *,
                  dry_run: bool = False) -> tuple[Article, list[str]]:
    """Apply CHANGES to one article under the lock; sets `updated` on a published one."""
    with contextlib.nullcontext() if dry_run else newsroom.lock():
        article = newsroom.get(slug)
        from pressctl import validate

        scan = newsroom.scan()
        had = validate.check_article(newsroom, article, scan)
        report = apply(article, changes)
        if report:  # refuse errors the change adds; some old ones --set cannot fix (slug)
            added = validate.introduced(had, validate.check_article(newsroom, article, scan))
            if added:
                raise validate.refusal(added, "not changed: the change would add")
        if report:
            now = dates.now(newsroom.settings.tzinfo)
            tidy(article, now)  # a rewrite fixes a missing id or created, offsets, tags
            if article.status == "published":
                article.meta["updated"] = now
        if report and not dry_run:
            newsroom.save(article)
    return article, report
