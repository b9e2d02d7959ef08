"""The JSON export: one document (`json`) or one article a line (`jsonl`), and its schema.

The same input gives the same bytes: keys in canonical order, articles newest first
(then by slug), and `generated` taken from the articles, not from the clock. The
document is written as it is made, one article at a time, so that memory does not
grow with the newsroom.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pressctl.article import DATETIME_FIELDS, STATUSES, aware
from pressctl.exporters import ExportOptions, ExportResult
from pressctl.exporters.bodies import reading_minutes
from pressctl.exporters.job import Chosen, ExportJob
from pressctl.serialize import article_dict
from pressctl.settings import Settings
from pressctl.store import Newsroom, fsync_dir

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
    objects = (article_object(job, chosen, html) for chosen, html in job.bodies(job.chosen))
    if lines:
        for obj in objects:
            yield json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
        return
    yield "{\n"
    yield f'  "format": {json.dumps(FORMAT)},\n'
    yield f'  "generated": {json.dumps(generated(job.chosen))},\n'
    yield f'  "site": {json.dumps(site_object(job.settings), ensure_ascii=False)},\n'
    yield '  "articles": ['
    first = True
    for obj in objects:
        yield ("\n    " if first else ",\n    ") + json.dumps(obj, ensure_ascii=False)
        first = False
    yield "]\n}\n" if first else "\n  ]\n}\n"


def article_object(job: ExportJob, chosen: Chosen, body_html: str) -> dict[str, Any]:
    """One article as the json and jsonl exports give it."""
    article = chosen.article
    info = chosen.entry.body
    assert info is not None
    path = f"articles/{article.slug}/"
    extra: dict[str, Any] = {"path": path}
    if job.settings.base_url:
        extra["url"] = job.settings.base_url + path
    extra["body_markdown"] = chosen.body()
    extra["body_html"] = body_html
    extra["word_count"] = info.words
    extra["reading_minutes"] = reading_minutes(info.words)
    data = article_dict(article, **extra)
    for key in DATETIME_FIELDS:  # RFC 3339: a datetime without offset gets the newsroom's
        value = article.when(key)
        if value is not None and key in data:
            data[key] = value.isoformat()
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
    """Write CHUNKS to PATH atomically: a temporary file, fsync, rename."""
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            _copy(chunks, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def _copy(chunks: Iterator[str], fh: IO[str]) -> None:
    for chunk in chunks:
        fh.write(chunk)


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
