"""The rules about one article, with what they need to know about the whole newsroom.

`pressctl.validate` runs them; `pressctl.rules` lists their codes.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Protocol

from pressctl import record
from pressctl.article import (
    DATETIME_FIELDS,
    LIST_FIELDS,
    STATUSES,
    STRING_FIELDS,
    Article,
    aware,
    is_slug,
)
from pressctl.errors import RecordError, display_path
from pressctl.links import ArticleLink, FileLink, body_links
from pressctl.problems import Problem
from pressctl.record import CANONICAL_ORDER, IMAGE_ORDER
from pressctl.rules import RULES
from pressctl.store import Newsroom

REVIEW_ON = ("review", "scheduled", "published")
KNOWN_KEYS = frozenset(CANONICAL_ORDER)
REQUIRED = ("title", "slug", "status")
_BCP47 = re.compile(r"^(?:[A-Za-z]{2,3}|[xXiI])(?:-[A-Za-z0-9]{1,8})*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# the closing delimiter: the first line, after the opening one, that is exactly +++
_CLOSING = re.compile(r"\n\+\+\+\r?(?:\n|\Z)")


def problem(path: Path, code: str, message: str, *, line: int | None = None,
            field: str | None = None) -> Problem:
    """A finding of rule CODE, with the rule's severity."""
    return Problem(path, line, field, RULES[code].severity, code, message)


@dataclass
class Context:
    """What the rules that compare records need to know about the whole newsroom."""

    newsroom: Newsroom
    now: datetime
    stems: set[str] = field(default_factory=set)  # every record file, parsed or not
    slugs: dict[str, list[Path]] = field(default_factory=dict)  # front-matter slug
    ids: dict[str, list[Path]] = field(default_factory=dict)
    aliases: dict[str, list[Path]] = field(default_factory=dict)
    files: dict[Path, str | None] = field(default_factory=dict)  # link target -> problem

    def renamed_to(self, old: str) -> str | None:
        """The article that keeps OLD among its aliases, if any."""
        holders = self.aliases.get(old)
        return holders[0].stem if holders else None


def context(newsroom: Newsroom, articles: Iterable[Article], broken: Iterable[Path],
            now: datetime) -> Context:
    """What ARTICLES and the BROKEN records (by path) tell about the newsroom."""
    ctx = Context(newsroom, now)
    for path in broken:
        ctx.stems.add(path.stem)
    for article in articles:
        ctx.stems.add(article.slug)
        meta = article.meta
        slug, ident = meta.get("slug"), meta.get("id")
        if isinstance(slug, str):
            ctx.slugs.setdefault(slug, []).append(article.path)
        if isinstance(ident, str) and ident:
            ctx.ids.setdefault(ident, []).append(article.path)
        for alias in article.strings("aliases"):
            ctx.aliases.setdefault(alias, []).append(article.path)
    return ctx


# -- one article -------------------------------------------------------------------------


def check_one(ctx: Context, article: Article) -> list[Problem]:
    """Every problem of ARTICLE, the records of CTX in view."""
    out: list[Problem] = []
    rec = article.record
    path = article.path

    def add(code: str, message: str, key: str | None = None, *, line: int | None = None) -> None:
        where = line if line is not None else (rec.line_of(key) if key else None)
        out.append(problem(path, code, message, line=where or 1, field=key))

    if rec.bom:
        add("PC005", "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 "
            "without BOM (pressctl drops it whenever it rewrites the file)", line=1)
    stem = article.slug
    settings = ctx.newsroom.settings
    _check_own(article, stem, add, tz=settings.tzinfo, zone=settings.timezone)
    _check_identity(ctx, article, stem, add)
    _check_workflow(ctx, article, stem, add)
    _check_references(ctx, article, stem, add)
    _check_vocabulary(ctx, article, add)
    _check_body(ctx, article, stem, add, out)
    return out


def own_problems(article: Article, *, tz: tzinfo | None = None,
                 zone: str | None = None) -> list[Problem]:
    """The problems ARTICLE has on its own, no other record or file needed.

    The export skips an article with any of these errors (the fields it relies on).
    """
    out: list[Problem] = []
    rec = article.record

    def add(code: str, message: str, key: str | None = None, *, line: int | None = None) -> None:
        where = line if line is not None else (rec.line_of(key) if key else None)
        out.append(problem(article.path, code, message, line=where or 1, field=key))

    _check_own(article, article.slug, add, tz=tz, zone=zone)
    return out


def _check_own(article: Article, stem: str, add: _Add, *, tz: tzinfo | None,
               zone: str | None) -> None:
    _check_fields(article, stem, add, tz=tz, zone=zone)
    _check_slug(article, stem, add)
    _check_status(article, stem, add)
    _check_image_alt(article, stem, add)


class _Add(Protocol):
    """The signature of `add` in `check_one`: report a finding on this article."""

    def __call__(self, code: str, message: str, key: str | None = None, *,
                 line: int | None = None) -> None: ...


def _check_fields(article: Article, stem: str, add: _Add, *, tz: tzinfo | None,
                  zone: str | None) -> None:
    meta = article.meta
    for key in meta:
        if key not in KNOWN_KEYS:
            add("PC014", f"unknown key, kept but not used{did_you_mean(key, KNOWN_KEYS)}", key)
    for key in REQUIRED:
        if key not in meta:
            example = {"title": '"Council adopts the budget"', "slug": f'"{stem}"',
                       "status": '"draft"'}[key]
            add("PC010", f"missing; add a line like {key} = {example}", key, line=1)
    for key in ("id", "created"):
        if key not in meta:
            how = ('id = "…" with a new UUID (`uuidgen` prints one)' if key == "id" else
                   "like created = 2026-05-01T09:00:00+02:00 (when the article was first "
                   "written)")
            add("PC013", f"missing; add a line {how}", key, line=1)
    for key in STRING_FIELDS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            add("PC011", f'must be a string, like {key} = "…"; got {_kind(value)}', key)
    for key in LIST_FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            add("PC011", f'must be a list of strings, like {key} = ["a", "b"]; got '
                f"{_kind(value)}", key)
        else:
            for item in value:
                if not isinstance(item, str):
                    add("PC011", f'must be a list of strings, like {key} = ["a", "b"]; '
                        f"the item {_show(item)} is {_kind(item)}: put it in quotes", key)
    for key in DATETIME_FIELDS:
        _check_datetime(meta.get(key), key, add, tz=tz, zone=zone or "the computer's time zone")
    image = meta.get("image")
    if image is not None:
        if not isinstance(image, dict):
            add("PC011", 'must be a table: a line [image] at the end of the front matter, '
                'then src = "media/photo.jpg" and alt = "…"', "image")
        else:
            for sub, value in image.items():
                name = f"image.{sub}"
                if sub not in IMAGE_ORDER:
                    add("PC014", f"unknown key, kept but not used; [image] knows src, alt, credit"
                        f"{did_you_mean(sub, IMAGE_ORDER)}", name)
                elif not isinstance(value, str):
                    add("PC011", f'must be a string, like {sub} = "…"; got {_kind(value)}', name)
    title = meta.get("title")
    if isinstance(title, str):
        if not title.strip():
            add("PC012", "is empty; write the headline", "title")
        elif "\n" in title or "\r" in title:
            add("PC012", "spans several lines; write the headline on one line", "title")
    lang = meta.get("lang")
    if isinstance(lang, str) and not _BCP47.match(lang):
        add("PC015", f'{quote(lang)} is not a BCP 47 language tag; write one like "en", "fr" or '
            '"pt-BR"', "lang")


def _check_datetime(value: Any, key: str, add: _Add, *, tz: tzinfo | None, zone: str) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        if value.tzinfo is None:
            fixed = aware(value, tz)
            add("PC016", f"{value.isoformat()} has no offset, so it is read in {zone}; write "
                f"{fixed.isoformat() if fixed else value.isoformat()}", key)
    elif isinstance(value, date):
        fixed = aware(value, tz)
        add("PC016", f"{value.isoformat()} is a date without a time and offset, so it is read "
            f"as midnight in {zone}; write {fixed.isoformat() if fixed else value.isoformat()}",
            key)
    else:
        got = "a time of day without a date" if isinstance(value, time) else _kind(value)
        add("PC011", f"must be a date and time with offset, like {key} = "
            f"2026-05-01T09:00:00+02:00 (no quotes); got {got}", key)


def _check_slug(article: Article, stem: str, add: _Add) -> None:
    slug = article.meta.get("slug")
    if not is_slug(stem):
        add("PC021", f"the file name {quote(article.path.name)} is not a valid slug, so no command "
            f"can name it; rename the file to {_suggest_slug(stem)}.md", "slug", line=1)
    if isinstance(slug, str):
        if not is_slug(slug):
            add("PC020", f"{quote(slug)} is not a valid slug; use lowercase letters, digits and "
                f"single hyphens, at most 80 characters, like {quote(_suggest_slug(slug))}", "slug")
        elif slug != stem and is_slug(stem):
            add("PC021", f"{quote(slug)} does not match the file name {article.path.name}; write "
                f'slug = "{stem}", or run: pressctl rename {stem} {slug}', "slug")


def _check_identity(ctx: Context, article: Article, stem: str, add: _Add) -> None:
    meta = article.meta
    slug = meta.get("slug")
    if isinstance(slug, str):
        others = [p for p in ctx.slugs.get(slug, []) if p != article.path]
        if others:
            add("PC022", f"{quote(slug)} is also the slug of {_paths(others)}; slugs must be unique: "
                "give one of them another slug", "slug")
    ident = meta.get("id")
    if isinstance(ident, str):
        others = [p for p in ctx.ids.get(ident, []) if p != article.path]
        if not ident.strip():
            add("PC013", 'is empty; write a new UUID (`uuidgen` prints one)', "id")
        elif others:
            add("PC023", f"{quote(ident)} is also the id of {_paths(others)}; every article needs "
                "its own id: give the copy a new UUID (`uuidgen` prints one), or, if a "
                "rename was interrupted, run the same pressctl rename again", "id")
    for alias in article.strings("aliases"):
        if not is_slug(alias):
            add("PC024", f"{quote(alias)} is not a valid slug; aliases are old slugs like "
                f"{quote(_suggest_slug(alias))}", "aliases")
        elif alias == stem:
            add("PC025", f"{quote(alias)} is this article's own slug; remove it from aliases",
                "aliases")
        elif alias in ctx.stems:
            add("PC025", f"{quote(alias)} is the slug of articles/{alias}.md; remove it from aliases "
                f"(or, if renaming {alias} to {stem} was interrupted, run: pressctl rename "
                f"{alias} {stem})", "aliases")
        else:
            others = [p for p in ctx.aliases.get(alias, []) if p != article.path]
            if others:
                add("PC025", f"{quote(alias)} is also an alias of {_paths(others)}; keep it in one "
                    "article only", "aliases")


def _check_status(article: Article, slug: str, add: _Add) -> None:
    meta = article.meta
    status = meta.get("status")
    if isinstance(status, str) and status not in STATUSES:
        add("PC030", f"{quote(status)} is not one of {', '.join(STATUSES)}"
            f"{did_you_mean(status, STATUSES)}", "status")
    if status in ("scheduled", "published") and "published" not in meta:
        fix = (f"pressctl publish {slug} --at WHEN" if status == "scheduled"
               else f"pressctl unpublish {slug} && pressctl publish {slug}")
        add("PC031", f"missing, but the status is {quote(status)}; add the publication date, or "
            f"run: {fix}", "published", line=article.record.line_of("status"))


def _check_workflow(ctx: Context, article: Article, slug: str, add: _Add) -> None:
    meta = article.meta
    status = meta.get("status")
    published = article.published
    expires = article.when("expires")
    if expires is not None and published is not None and expires <= published:
        add("PC032", f"{expires.isoformat()} is not after published ({published.isoformat()}); "
            "set a later date or remove expires", "expires")
    if status == "published" and published is not None and published > ctx.now:
        add("PC036", f"{published.isoformat()} is in the future, but the status is "
            '"published", so the article is live already; to embargo it run: pressctl '
            f"unpublish {slug} && pressctl publish {slug} --at {published.isoformat()}",
            "published")
    if status not in REVIEW_ON:
        return
    if not article.authors:
        add("PC033", f"none, but a {quote(status)} article needs at least one; run: pressctl edit "
            f'{slug} --author "{_first(ctx.newsroom.settings.authors, "Press Office")}"',
            "authors")
    for name in ctx.newsroom.settings.required:
        if name in KNOWN_KEYS and _blank(meta.get(name)):
            add("PC034", f"required by pressctl.toml for articles in review or later; run: "
                f'pressctl edit {slug} --set {name}="…"', name, line=article.record.line_of(name))


def _check_references(ctx: Context, article: Article, stem: str, add: _Add) -> None:
    for target in article.strings("related"):
        reason = _missing_article(ctx, target, stem)
        if reason:
            add("PC040", f"{quote(target)} {reason}", "related")
    translated = article.meta.get("translation_of")
    if isinstance(translated, str):
        reason = _missing_article(ctx, translated, stem)
        if reason:
            add("PC041", f"{quote(translated)} {reason}", "translation_of")
    image = article.meta.get("image")
    if isinstance(image, dict):
        src = image.get("src")
        if isinstance(src, str):
            reason = _image_problem(ctx, article, src)
            if reason:
                add("PC044", f"{quote(src)} {reason}", "image.src")


def _check_image_alt(article: Article, stem: str, add: _Add) -> None:
    image = article.meta.get("image")
    if isinstance(image, dict) and isinstance(image.get("src"), str):
        alt = image.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            add("PC045", ("missing" if alt is None else "is empty") + "; describe the "
                "picture for readers who cannot see it: pressctl edit "
                f'{stem} --set image.alt="…"', "image.alt",
                line=article.record.line_of("image.alt" if alt is not None else "image"))


def _missing_article(ctx: Context, target: str, stem: str) -> str | None:
    """Why TARGET does not name another article, or None when it does."""
    if target == stem:
        return "is this article itself; remove it"
    if target in ctx.stems:
        return None
    new = ctx.renamed_to(target)
    if new:
        return f"was renamed to {quote(new)}; write {quote(new)}"
    return f"is not an article; fix the slug or remove it{did_you_mean(target, ctx.stems)}"


def _image_problem(ctx: Context, article: Article, src: str) -> str | None:
    if src.startswith("https://"):
        return None
    if _SCHEME.match(src) or src.startswith("//"):
        return "is neither a file in the newsroom nor an https URL; use https:// or a path"
    if src.startswith("/"):
        return ("is an absolute path; write it relative to the article file, like "
                '"media/photo.jpg" for articles/media/photo.jpg')
    return _file_problem(ctx, article, src)


def _file_problem(ctx: Context, article: Article, target: str) -> str | None:
    """Why TARGET, relative to ARTICLE's file, is not a file inside the newsroom."""
    path = article.path.parent / target
    if path in ctx.files:
        return ctx.files[path]
    reason: str | None = None
    if not ctx.newsroom.contains(path):
        reason = ("names a file outside the newsroom; keep media in articles/media/ and "
                  "link to it there")
    elif not os.path.exists(path):
        reason = (f"names a file that does not exist ({display_path(os.path.normpath(path))}); "
                  "fix the path (relative to the article file) or add the file")
    ctx.files[path] = reason
    return reason


def _check_vocabulary(ctx: Context, article: Article, add: _Add) -> None:
    settings = ctx.newsroom.settings
    for tag in article.tags:
        if not is_slug(tag):
            from pressctl.draft import tag_slug

            add("PC060", f"{quote(tag)} is not normalised; write {quote(tag_slug(tag))}", "tags")
    if settings.authors:
        for name in article.authors:
            if name not in settings.authors:
                add("PC061", f"{quote(name)} is not in the authors of pressctl.toml; fix the spelling "
                    f"or add the name there{did_you_mean(name, settings.authors)}", "authors")
    category = article.meta.get("category")
    if settings.categories and isinstance(category, str) and category not in settings.categories:
        add("PC062", f"{quote(category)} is not one of the categories of pressctl.toml: "
            f"{', '.join(settings.categories)}{did_you_mean(category, settings.categories)}",
            "category")


def _check_body(ctx: Context, article: Article, stem: str, add: _Add,
                out: list[Problem]) -> None:
    try:
        body = read_body(article)
    except FileNotFoundError:
        out.append(problem(article.path, "PC006", "the file disappeared while pressctl was "
                           "checking it; check whether it was moved or deleted"))
        return
    except RecordError as exc:
        out.append(problem(article.path, exc.code, exc.message, line=exc.line))
        return
    except OSError as exc:
        out.append(problem(article.path, "PC006", f"cannot read: {exc.strerror}; check the "
                           "file's permissions"))
        return
    rec = article.record
    status = article.meta.get("status")
    if status in REVIEW_ON and not body.strip():
        add("PC035", f"the body is empty, and a {quote(status)} article needs its text; write "
            "it below the closing +++ line", line=rec.body_line)
    for link in body_links(body):
        if isinstance(link.target, ArticleLink):
            slug = link.target.slug
            if slug in ctx.stems or slug == stem:
                continue
            new = ctx.renamed_to(slug)
            why = (f"uses the old name of {quote(new)}, which was renamed; link to ../{new}/" if new
                   else f"points to no article {quote(slug)}; fix the slug or remove the link"
                   f"{did_you_mean(slug, ctx.stems)}")
            add("PC042", f"link {quote(link.raw)} {why}", line=rec.body_line + link.line(body) - 1)
        elif isinstance(link.target, FileLink):
            reason = _file_problem(ctx, article, link.target.path)
            if reason:
                add("PC043", f"link {quote(link.raw)} {reason}",
                    line=rec.body_line + link.line(body) - 1)


def read_body(article: Article) -> str:
    """ARTICLE's body, read cheaply: a record from the cache is not parsed again."""
    rec = article.record
    if rec._body is not None or rec.source is None:  # already in memory
        return rec.body
    text = record.decode(_read(rec.source), rec.source)
    close = _CLOSING.search(text)
    if close is None or text.count("\n", 0, close.start() + 1) + 2 != rec.body_line:
        # the file changed since it was cached: parse it properly
        rec.body = record.parse(text, rec.source).body
    else:
        rec.body = text[close.end():]
    return rec.body


def _read(path: Path) -> bytes:
    """The bytes of PATH; a file over the size limit is refused without reading it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not hang us
    try:
        st = os.fstat(fd)
        size = st.st_size
        if size > record.MAX_RECORD_BYTES or not stat.S_ISREG(st.st_mode):
            return record.read_bytes(path)  # raises the PC003 or PC006 error
        data = os.read(fd, size + 1)
    finally:
        os.close(fd)
    return data if len(data) <= size else record.read_bytes(path)  # it grew: read it again


# -- small helpers ----------------------------------------------------------------------


def quote(value: object) -> str:
    """VALUE quoted as in TOML and JSON: "like this"."""
    return json.dumps(value, ensure_ascii=False)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    options = list(choices)
    match = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not match:
        match = [c for c in options if c.casefold().startswith(value.casefold())][:1]
    return f"; did you mean {quote(match[0])}?" if match else ""


def _suggest_slug(text: str) -> str:
    from pressctl.draft import slug_for

    return slug_for(text) or "my-article"


def _paths(paths: list[Path]) -> str:
    return ", ".join(display_path(p) for p in sorted(paths))


def _first(values: tuple[str, ...], default: str) -> str:
    return values[0] if values else default


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _show(value: object) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return quote(value) if isinstance(value, str | int | float | bool) else _kind(value)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date"
    return type(value).__name__

