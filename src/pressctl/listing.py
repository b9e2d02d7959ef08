"""The formats of `pressctl list`, as plain text: a registry of renderers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from pressctl.article import Article
from pressctl.record import canonical
from pressctl.serialize import json_default

CSV_COLUMNS = ("slug", "status", "published", "title", "authors", "tags", "category", "lang")
# `json.dumps(text, ensure_ascii=False)` builds an encoder at each call: one for all lines
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def as_json(articles: Sequence[Article], root: Path) -> str:
    """A JSON array of article objects: front matter plus `path`, no body."""
    if not articles:
        return "[]\n"
    # One article a line: readable, and written by json's fast C encoder.
    lines = (_line(a) for a in articles)
    return "[\n" + ",\n".join(lines) + "\n]\n"


def _line(article: Article) -> str:
    path = f"{article.path.parent.name}/{article.path.name}"
    row = article.record.row  # the index's copy, while the record is untouched
    if row is not None:
        return f'{row[:-1]}, "path": {_json_text(path)}}}' if row != "{}" \
            else f'{{"path": {_json_text(path)}}}'
    data = canonical(article.meta)
    data["path"] = path
    return json.dumps(data, ensure_ascii=False, default=json_default)


def as_csv(articles: Sequence[Article], root: Path) -> str:
    """CSV with a header row; lists joined with ';'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in articles:
        published = a.published
        writer.writerow([
            a.slug, a.status, published.isoformat() if published else "", a.title,
            ";".join(a.authors), ";".join(a.tags), a.text("category"), a.lang,
        ])
    return buffer.getvalue()


def as_slugs(articles: Sequence[Article], root: Path) -> str:
    """One slug a line."""
    return "".join(f"{a.slug}\n" for a in articles)


def as_lines(articles: Sequence[Article], root: Path) -> str:
    """The table off a terminal: slug, status, date, title, tab-separated, no borders."""
    return "".join(
        f"{a.slug}\t{a.status}\t{short_date(a)}\t{_one_line(a.title)}\n" for a in articles
    )


def short_date(article: Article) -> str:
    """`published`, else `created`, as YYYY-MM-DD ('' when neither is set)."""
    when = article.date
    return when.date().isoformat() if when else ""


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


Renderer = Callable[[Sequence[Article], Path], str]

# `table` is drawn by the CLI on a terminal and falls back to `as_lines` elsewhere.
FORMATS: dict[str, Renderer] = {
    "table": as_lines,
    "json": as_json,
    "csv": as_csv,
    "slugs": as_slugs,
}
