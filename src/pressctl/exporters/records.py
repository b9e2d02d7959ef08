"""Reading one record for an export: its entry (front matter, faults), its body, selection.

What an export needs of a record is kept as an `Entry`: the front matter, where the body
starts, the faults that keep it out of an export, and what its body renders to. Entries
travel between processes and into the catalog as JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pressctl import record
from pressctl.article import DATETIME_FIELDS, Article
from pressctl.errors import RecordError
from pressctl.exporters import bodies
from pressctl.exporters.bodies import BodyInfo
from pressctl.problems import Problem, Severity
from pressctl.query import Filters
from pressctl.record import Record

# A file changed this close to the run may change again within the same mtime tick.
RACY_NS = 2_000_000_000
BCP47 = re.compile(r"^(?:[A-Za-z]{2,3}|[xXiI])(?:-[A-Za-z0-9]{1,8})*$")
NOT_EXPORTED = "; the article is not exported"

Key = tuple[int, int, int]


@dataclass(slots=True)
class Entry:
    """One record file as the catalog remembers it."""

    name: str
    key: Key | None
    meta: dict[str, Any] | None = None
    offset: int = 0  # where the body starts in the decoded text (after a BOM)
    faults: tuple[tuple[int | None, str, str, str], ...] = ()
    error: tuple[str, str, int | None] | None = None  # code, message, line
    body: BodyInfo | None = None
    view: str = ""  # a digest of all that other pages show of it (see `view_of`)
    content: str = ""  # a digest of the file's bytes (see `record.content_digest`)

    def to_json(self) -> list[Any]:
        """The compact JSON form (datetimes of the known fields tagged), with its view."""
        typed: dict[str, list[str]] = {}
        plain: dict[str, Any] | None = None
        if self.meta is not None:
            plain = {}
            for k, v in self.meta.items():
                if k in DATETIME_FIELDS and isinstance(v, date | time):
                    kind = "dt" if isinstance(v, datetime) else "d" if isinstance(v, date) else "t"
                    typed[k] = [kind, v.isoformat()]
                    plain[k] = None
                else:
                    plain[k] = _plain(v)
        body = None
        if self.body is not None:
            b = self.body
            body = [b.digest, b.first_paragraph, b.words, b.refs]
        assert self.key is not None
        raw: list[Any] = [*self.key, plain, typed, self.offset, [list(f) for f in self.faults],
                          list(self.error) if self.error else None, body]
        self.view = view_of(raw)
        raw += [self.view, self.content]
        return raw

    @classmethod
    def from_json(cls, name: str, raw: list[Any], *, shared: bool = False) -> Entry:
        """Revive an entry; raises ValueError (or KeyError, TypeError) on a damaged one.

        With SHARED, its strings and time zones are shared with the other entries.
        """
        size, mtime, ino, plain, typed, offset, faults, error, body, view, content = raw
        meta = None
        if plain is not None:
            meta = plain
            for k, (kind, text) in typed.items():
                meta[k] = _REVIVE[kind](text)
            if shared:
                meta = compact(meta)
        info = None
        if body:
            info = BodyInfo(body[0], body[1], int(body[2]), tuple(body[3]) if body[3] else ())
        return cls(name, (int(size), int(mtime), int(ino)), meta, int(offset),
                   tuple(tuple(f) for f in faults) if faults else (),
                   tuple(error) if error else None, info, str(view), str(content))


def view_of(raw: list[Any]) -> str:
    """What of a record can show on pages other than its own: everything the catalog keeps
    of it but its file's identity, where the body starts, and the body's digest and words.

    Records whose view is unchanged lay the site out the same way and show the same cards,
    links and feed entries' metadata: after an edit that keeps it, only the article's own
    page and the feeds that carry its body can change.
    """
    plain, typed, _offset, faults, error, body = raw[3:9]
    seen = [plain, typed, faults, error, body[1] if body else None, body[3] if body else None]
    text = json.dumps(seen, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

_REVIVE: dict[str, Callable[[str], object]] = {
    "dt": datetime.fromisoformat, "d": date.fromisoformat, "t": time.fromisoformat,
}
# Values that repeat across a newsroom: one string object for all, from this many records
# on (sharing costs time; below it, memory is no concern).
SHARE_FROM = 20_000
_SHARED_VALUES = frozenset({"status", "lang", "category"})
_SHARED_LISTS = frozenset({"authors", "tags"})
_zones: dict[tuple[object, object], timezone] = {}


def compact(meta: dict[str, Any]) -> dict[str, Any]:
    """META with interned keys and repeated values, and one tzinfo per offset."""
    out: dict[str, Any] = {}
    intern = sys.intern
    for key, value in meta.items():
        if key in _SHARED_VALUES and isinstance(value, str):
            value = intern(value)
        elif key in _SHARED_LISTS and isinstance(value, list):
            value = [intern(v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, datetime) and isinstance(value.tzinfo, timezone):
            tz = value.tzinfo
            zone = _zones.setdefault((tz.utcoffset(None), tz.tzname(None)), tz)
            if zone is not tz:
                value = value.replace(tzinfo=zone)
        out[intern(key)] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Selection:
    """Which articles an export takes: live ones (or all), then the filters of `list`."""

    now: datetime
    include_all: bool = False
    filters: Filters = field(default_factory=Filters)

    def takes(self, article: Article) -> bool:
        """True when ARTICLE belongs in the export."""
        if not self.include_all and not article.is_live(self.now):
            return False
        return self.filters.matches(article)


@dataclass(frozen=True)
class Reader:
    """What a process needs to parse records and render the bodies of selected ones."""

    root: Path
    articles_dir: Path
    timezone: str | None
    default_lang: str
    selection: Selection

    @property
    def tz(self) -> ZoneInfo | None:
        """The newsroom's timezone (ZoneInfo keeps one instance per name)."""
        return ZoneInfo(self.timezone) if self.timezone else None

    def article(self, path: Path, rec: Record, tz: ZoneInfo | None = None) -> Article:
        """Wrap a record as an article of the newsroom."""
        return Article(path, rec, tz=tz or self.tz, default_lang=self.default_lang)


# An entry as JSON text (as the catalog stores it; or the entry itself when the file could
# not even be stat'ed), and the (cache key, HTML) of its body when it was rendered.
Parsed = tuple[str, "str | Entry", "tuple[str, str] | None"]


def read_records(reader: Reader, names: list[str]) -> list[Parsed]:
    """Parse NAMES and render the bodies of the ones the selection takes (worker side).

    The bodies are rendered with no aliases known; the caller checks the links.
    """
    resolver = bodies.Resolver(reader.root, reader.articles_dir, {})
    out: list[Parsed] = []
    for name in names:
        path = reader.articles_dir / name
        entry, rec = parse_entry(path)
        html = None
        if rec is not None and entry.meta is not None and not entry.faults:
            article = reader.article(path, rec)
            if reader.selection.takes(article):
                rendered = bodies.render(rec.body, resolver)
                entry.body = rendered.info
                if isinstance(entry.meta.get("summary"), str) and entry.meta["summary"]:
                    rendered.info.first_paragraph = ""  # the summary stands in for it
                html = (bodies.html_key(rendered.info.digest, rendered.outputs), rendered.html)
        # JSON text travels back cheaply and goes into the catalog as it is.
        encoded = entry if entry.key is None else json.dumps(
            entry.to_json(), ensure_ascii=False, separators=(",", ":"))
        out.append((name, encoded, html))
    return out


def parse_entry(path: Path) -> tuple[Entry, Record | None]:
    """Read one record file into an entry (an unreadable one becomes an entry with its error)."""
    name = path.name
    try:
        st = os.stat(path)
        key: Key | None = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError as exc:
        return Entry(name, None, error=("PC006", f"cannot read: {exc.strerror}", None)), None
    content = ""
    try:
        data = record.read_bytes(path)
        content = record.content_digest(data)
        text = record.decode(data, path)
        rec = record.parse(text, path)
    except RecordError as exc:
        return Entry(name, key, error=(exc.code, exc.message, exc.line), content=content), None
    except OSError as exc:
        return Entry(name, key, error=("PC006", f"cannot read: {exc.strerror}", None)), None
    if text.startswith(record.BOM):
        text = text[1:]
    offset = len(text) - len(rec.body)
    return Entry(name, key, rec.meta, offset, tuple(faults(rec, path)), content=content), rec


def read_body(path: Path, entry: Entry) -> str:
    """The body of the record at PATH, read past the front matter the catalog remembers."""
    data = record.read_bytes(path)
    if entry.key is not None and len(data) == entry.key[0]:
        text = record.decode(data, path)
        if text.startswith(record.BOM):
            text = text[1:]
        head = text[:entry.offset]
        if head.endswith(("+++\n", "+++\r\n", "+++")) and head.startswith("+++"):
            return text[entry.offset:]
    return record.parse(record.decode(data, path), path).body  # changed since: parse it


def faults(rec: Record, path: Path) -> list[tuple[int | None, str, str, str]]:
    """What keeps a record out of an export: its own errors, as `pressctl validate` finds them.

    Each fault is (line, field, rule code, message).
    """
    from pressctl.checks import own_problems

    return [(p.line, p.field or "", p.code, p.message)
            for p in own_problems(Article(path, rec)) if p.is_error]


def problems_of(path: Path, entry: Entry) -> list[Problem]:
    """The faults of ENTRY as warnings that say the article is skipped."""
    return [Problem(path, line, key, Severity.WARNING, code, message + NOT_EXPORTED)
            for line, key, code, message in entry.faults]
