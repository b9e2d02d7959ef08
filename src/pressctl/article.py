"""An article: a record at a path, with typed views of its fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from pressctl.dates import in_machine_zone, whole_minutes
from pressctl.record import Record

STATUSES = ("draft", "review", "scheduled", "published", "archived")
SLUG_MAX = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATETIME_FIELDS = ("created", "published", "updated", "expires")
LIST_FIELDS = ("authors", "tags", "related", "aliases")
STRING_FIELDS = ("id", "title", "slug", "status", "summary", "category", "lang", "translation_of")


def is_slug(value: str) -> bool:
    """True when VALUE is a well-formed slug."""
    return len(value) <= SLUG_MAX and SLUG_RE.match(value) is not None


def aware(value: object, tz: tzinfo | None) -> datetime | None:
    """A datetime with an offset: naive values are read in TZ (else the machine's zone)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return whole_minutes(value.replace(tzinfo=tz) if tz else in_machine_zone(value))
        return value
    if isinstance(value, date):
        naive = datetime.combine(value, time())
        return whole_minutes(naive.replace(tzinfo=tz) if tz else in_machine_zone(naive))
    return None


@dataclass(slots=True)
class Article:
    """A record loaded from `articles/<slug>.md`."""

    path: Path
    record: Record
    tz: tzinfo | None = None
    default_lang: str = "en"

    @property
    def slug(self) -> str:
        """The slug, which is the file name without `.md`."""
        return self.path.stem

    @property
    def meta(self) -> dict[str, Any]:
        """The front matter as parsed."""
        return self.record.meta

    @property
    def body(self) -> str:
        """The Markdown body."""
        return self.record.body

    def text(self, key: str) -> str:
        """A string field, or '' when missing or of another type."""
        value = self.meta.get(key)
        return value if isinstance(value, str) else ""

    def strings(self, key: str) -> list[str]:
        """A list-of-strings field, keeping only its strings."""
        value = self.meta.get(key)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        return []

    def when(self, key: str) -> datetime | None:
        """A datetime field with its offset (naive values read in the newsroom zone)."""
        return aware(self.meta.get(key), self.tz)

    @property
    def title(self) -> str:
        """The title."""
        return self.text("title")

    @property
    def status(self) -> str:
        """The workflow status."""
        return self.text("status")

    @property
    def lang(self) -> str:
        """The article's language, else the newsroom's."""
        return self.text("lang") or self.default_lang

    @property
    def tags(self) -> list[str]:
        """The tags."""
        return self.strings("tags")

    @property
    def authors(self) -> list[str]:
        """The authors."""
        return self.strings("authors")

    @property
    def published(self) -> datetime | None:
        """When it was (or will be) published."""
        return self.when("published")

    @property
    def created(self) -> datetime | None:
        """When it was created."""
        return self.when("created")

    @property
    def date(self) -> datetime | None:
        """The date lists show and filter on: `published`, else `created`."""
        return self.published or self.created

    def is_live(self, now: datetime) -> bool:
        """Published (or scheduled and due), and not expired."""
        status = self.status
        published = self.published
        if status == "published":
            pass
        elif status == "scheduled":
            if published is None or published > now:
                return False
        else:
            return False
        expires = self.when("expires")
        return expires is None or expires > now
