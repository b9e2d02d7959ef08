"""The JSON export: one document (`json`) or one article a line (`jsonl`), and its schema.

The same input gives the same bytes: keys in canonical order, articles newest first
(then by slug), and `generated` taken from the articles, not from the clock. The
document is written as it is made, one article at a time, so that memory does not
grow with the newsroom.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pressctl.article import DATETIME_FIELDS, STATUSES, Article, aware
from pressctl.exporters import ExportOptions, ExportResult
from pressctl.exporters.bodies import reading_minutes
from pressctl.exporters.job import Chosen, ExportJob
from pressctl.exporters.records import Entry, Reader, read_body
from pressctl.record import canonical
from pressctl.serialize import plain
from pressctl.settings import Settings
from pressctl.store import Newsroom, atomic_file

FORMAT = "pressctl/v1"
SCHEMA_ID = "https://pressctl.invalid/schema/pressctl-v1.json"


def export_document(newsroom: Newsroom, options: ExportOptions, *, lines: bool) -> ExportResult:
    """Write the json (or, with LINES, jsonl) export to options.out or options.stream."""
    with ExportJob(newsroom, options) as job:
        job.start()
        job.prerender(job.chosen)
        chunks = _document(job, lines=lines)
        if options.out is not None:
            _write_file(options.out, chunks)
            job.result.out = options.out
        else:
            assert options.stream is not None
            for chunk in chunks:
                options.stream.write(chunk)
            options.stream.flush()
        job.save()
        return job.result


def _document(job: ExportJob, *, lines: bool) -> Iterator[str]:
    """The export's text, piece by piece. One article a line: json's fast C encoder writes it."""
    encoded = _encoded(job, lines=lines)
    if lines:
        yield from encoded
        return
    yield "{\n"
    yield f'  "format": {json.dumps(FORMAT)},\n'
    yield f'  "generated": {json.dumps(generated(job.chosen))},\n'
    yield f'  "site": {json.dumps(site_object(job.settings), ensure_ascii=False)},\n'
    yield '  "articles": ['
    first = True
    for text in encoded:
        yield ("\n    " if first else ",\n    ") + text
        first = False
    yield "]\n}\n" if first else "\n  ]\n}\n"


def _encoded(job: ExportJob, *, lines: bool) -> Iterator[str]:
    """Each article as JSON text, in order, a few hundred at a time.

    In this process: encoding costs about as much as moving the text from a worker.
    """
    job.cache.flush()
    spec = Spec(job.reader, job.settings.base_url, job.cache.path, lines)
    for i in range(0, len(job.chosen), CHUNK):
        part = job.chosen[i:i + CHUNK]
        yield from encode_articles(spec, [(c.entry, job.html_key(c)) for c in part])


CHUNK = 256


@dataclass(frozen=True)
class Spec:
    """What a worker needs to write articles as JSON."""

    reader: Reader
    base_url: str | None
    cache: Path
    lines: bool


def encode_articles(spec: Spec, items: list[tuple[Entry, str]]) -> list[str]:
    """ITEMS (catalog entry, body HTML key) as JSON text, one string each."""
    from pressctl.exporters.bodies import cached_html
    from pressctl.record import Record

    htmls = cached_html(spec.cache, [key for _, key in items])
    folder = spec.reader.articles_dir
    tz = spec.reader.tz
    separators = (",", ":") if spec.lines else (", ", ": ")
    out = []
    for entry, key in items:
        path = folder / entry.name
        assert entry.meta is not None
        article = Article(path, Record(entry.meta, None, source=path), tz=tz,
                          default_lang=spec.reader.default_lang)
        html = htmls.get(key)
        if html is None:
            raise RuntimeError(f"the body of {entry.name} is missing from the render cache")
        obj = article_object(article, entry, html, spec.base_url)
        out.append(json.dumps(obj, ensure_ascii=False, separators=separators)
                   + ("\n" if spec.lines else ""))
    return out


def article_object(article: Article, entry: Entry, body_html: str, base_url: str | None) -> dict[str, Any]:
    """One article as the json and jsonl exports give it."""
    info = entry.body
    assert info is not None
    path = f"articles/{entry.name[:-3]}/"
    extra: dict[str, Any] = {"path": path}
    if base_url:
        extra["url"] = base_url + path
    extra["body_markdown"] = read_body(article.path, entry)
    extra["body_html"] = body_html
    extra["word_count"] = info.words
    extra["reading_minutes"] = reading_minutes(info.words)
    data = front_matter(article)
    data.update(extra)
    return data


def front_matter(article: Article) -> dict[str, Any]:
    """The front matter as `serialize.article_dict` gives it, datetimes in RFC 3339 with offset.

    Faster than `article_dict` for the common values (strings, lists of strings).
    """
    data: dict[str, Any] = {}
    for key, value in canonical(article.meta).items():
        if key in DATETIME_FIELDS:
            moment = article.when(key)  # a datetime without offset gets the newsroom's
            data[key] = moment.isoformat() if moment is not None else plain(value)
        elif isinstance(value, str | int | float | bool) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            data[key] = value
        else:
            data[key] = plain(value)
    return data


def site_object(settings: Settings) -> dict[str, Any]:
    """The `site` object: the newsroom's settings that a consumer needs."""
    return {
        "title": settings.title,
        "description": settings.description,
        "base_url": settings.base_url,
        "lang": settings.lang,
        "timezone": settings.timezone,
        "logo": settings.logo,
    }


def generated(chosen: list[Chosen]) -> str | None:
    """The newest `published` or `updated` of the articles, in its own offset (None: none)."""
    newest: datetime | None = None
    for c in chosen:
        for key in ("published", "updated"):
            value = aware(c.article.meta.get(key), c.article.tz)
            if value is not None and (newest is None or value > newest):
                newest = value
    return newest.isoformat() if newest is not None else None


def _write_file(path: Path, chunks: Iterator[str]) -> None:
    """Write CHUNKS to PATH atomically."""
    with atomic_file(path) as out:
        for chunk in chunks:
            out.write(chunk.encode("utf-8"))


# -- the schema ----------------------------------------------------------------------------

_DATETIME = {"type": "string", "format": "date-time"}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the json document; `$defs/article` is one article."""
    article = {
        "type": "object",
        "description": "One article: its front matter (canonical key order, unknown keys kept), "
                       "then what the export adds.",
        "required": ["title", "slug", "status", "path", "body_markdown", "body_html",
                     "word_count", "reading_minutes"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string", "minLength": 1},
            "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 80},
            "status": {"enum": list(STATUSES)},
            "created": _DATETIME,
            "published": _DATETIME,
            "updated": _DATETIME,
            "expires": _DATETIME,
            "authors": _STRINGS,
            "summary": {"type": "string"},
            "category": {"type": "string"},
            "tags": _STRINGS,
            "lang": {"type": "string"},
            "translation_of": {"type": "string"},
            "related": _STRINGS,
            "aliases": _STRINGS,
            "image": {
                "type": "object",
                "properties": {
                    "src": {"type": "string"},
                    "alt": {"type": "string"},
                    "credit": {"type": "string"},
                },
            },
            "path": {"type": "string", "pattern": "^articles/[a-z0-9-]+/$",
                     "description": "The article's page in the html export."},
            "url": {"type": "string", "format": "uri",
                    "description": "base_url + path; only when base_url is set."},
            "body_markdown": {"type": "string"},
            "body_html": {"type": "string",
                          "description": "Sanitised HTML; relative links are relative to `path`."},
            "word_count": {"type": "integer", "minimum": 0},
            "reading_minutes": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": True,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pressctl export (format pressctl/v1)",
        "type": "object",
        "required": ["format", "generated", "site", "articles"],
        "properties": {
            "format": {"const": FORMAT},
            "generated": {"oneOf": [_DATETIME, {"type": "null"}],
                          "description": "The newest published or updated date of the articles."},
            "site": {
                "type": "object",
                "required": ["title", "description", "base_url", "lang", "timezone", "logo"],
                "properties": {
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "base_url": {"type": ["string", "null"]},
                    "lang": {"type": "string"},
                    "timezone": {"type": ["string", "null"]},
                    "logo": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
            },
            "articles": {"type": "array", "items": {"$ref": "#/$defs/article"}},
        },
        "additionalProperties": False,
        "$defs": {"article": article},
    }


def schema_text() -> str:
    """The schema as `export --schema` prints it."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"
