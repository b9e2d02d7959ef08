"""The one article-as-dict: canonical key order and RFC 3339 dates, for every output."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pressctl.article import Article
from pressctl.record import canonical


def plain(value: Any) -> Any:
    """A TOML value as JSON-ready data: datetimes become RFC 3339 strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def json_default(value: object) -> str:
    """For `json.dumps(default=…)`: dates as RFC 3339 text, in the C encoder's stride."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def article_dict(article: Article, **extra: Any) -> dict[str, Any]:
    """Front matter in canonical order, then EXTRA keys (path, url, body …)."""
    data: dict[str, Any] = plain(canonical(article.meta))
    data.update(extra)
    return data


def record_path(article: Article, root: Any) -> str:
    """The record's path relative to the newsroom root, with forward slashes."""
    return article.path.relative_to(root).as_posix()
