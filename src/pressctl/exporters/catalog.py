"""The articles an export reads: every record, parsed once and remembered between exports.

An export needs every record's front matter and, for the articles it exports, what
their bodies render to (the first paragraph for summaries, the word count, the links
in the body). Parsing and rendering 10,000 records takes seconds, so the results are
kept in `.pressctl/export-catalog.sqlite`, keyed by each file's size, mtime and inode,
and records that changed are parsed (and rendered) again, on every core when there
are many. The catalog is a cache like the index (SQLite with a JSON row per record:
no pickle, so a planted file cannot run code), and safe to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import sys
import time as clock
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pressctl import record
from pressctl.article import DATETIME_FIELDS, LIST_FIELDS, STATUSES, STRING_FIELDS, Article, is_slug
from pressctl.errors import RecordError
from pressctl.exporters import bodies
from pressctl.exporters.bodies import BodyInfo
from pressctl.problems import Problem, Severity
from pressctl.query import Filters
from pressctl.record import Record
from pressctl.store import Newsroom

FILE = "export-catalog.sqlite"
FORMAT = 1
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

    def to_json(self) -> list[Any]:
        """The compact JSON form (datetimes of the known fields tagged)."""
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
        return [*self.key, plain, typed, self.offset, [list(f) for f in self.faults],
                list(self.error) if self.error else None, body]

    @classmethod
    def from_json(cls, name: str, raw: list[Any], *, shared: bool = False) -> Entry:
        """Revive an entry; raises ValueError (or KeyError, TypeError) on a damaged one.

        With SHARED, its strings and time zones are shared with the other entries.
        """
        size, mtime, ino, plain, typed, offset, faults, error, body = raw
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
                   tuple(error) if error else None, info)

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
    try:
        data = record.read_bytes(path)
        text = record.decode(data, path)
        rec = record.parse(text, path)
    except RecordError as exc:
        return Entry(name, key, error=(exc.code, exc.message, exc.line)), None
    except OSError as exc:
        return Entry(name, key, error=("PC006", f"cannot read: {exc.strerror}", None)), None
    if text.startswith(record.BOM):
        text = text[1:]
    offset = len(text) - len(rec.body)
    return Entry(name, key, rec.meta, offset, tuple(faults(rec, path.stem))), rec


def read_body(path: Path, entry: Entry) -> str:
    """The body of the record at PATH, read past the front matter the catalog remembers."""
    if entry.key is not None and entry.key[0] <= record.MAX_RECORD_BYTES:
        with open(path, "rb") as fh:
            data = fh.read(record.MAX_RECORD_BYTES + 1)
    else:
        data = record.read_bytes(path)
    if entry.key is not None and len(data) == entry.key[0]:
        text = record.decode(data, path)
        if text.startswith(record.BOM):
            text = text[1:]
        head = text[:entry.offset]
        if head.endswith(("+++\n", "+++\r\n", "+++")) and head.startswith("+++"):
            return text[entry.offset:]
    return record.parse(record.decode(data, path), path).body  # changed since: parse it


def faults(rec: Record, stem: str) -> list[tuple[int | None, str, str, str]]:
    """What keeps a record out of an export: the fields an export relies on, badly typed.

    Each fault is (line, field, rule code, message), with the codes of `pressctl validate`.
    """
    meta = rec.meta
    found: list[tuple[int | None, str, str, str]] = []

    def bad(key: str, code: str, message: str) -> None:
        found.append((rec.line_of(key), key, code, message))

    for key in ("title", "slug", "status"):
        if key not in meta:
            bad(key, "PC010", "missing: every article needs a title, a slug and a status")
    for key in STRING_FIELDS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            bad(key, "PC011", f'must be a string, like {key} = "…"')
    for key in LIST_FIELDS:
        value = meta.get(key)
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            bad(key, "PC011", f'must be a list of strings, like {key} = ["a", "b"]')
    for key in DATETIME_FIELDS:
        value = meta.get(key)
        if value is not None and not isinstance(value, date):
            bad(key, "PC011", f"must be a date and time, like {key} = 2026-05-01T09:00:00+02:00")
    title = meta.get("title")
    if isinstance(title, str) and (not title.strip() or "\n" in title or "\r" in title):
        bad("title", "PC012", "must be one non-empty line")
    slug = meta.get("slug")
    if isinstance(slug, str) and slug != stem:
        bad("slug", "PC021", f'"{slug}" does not match the file name; write slug = "{stem}"')
    if not is_slug(stem):
        bad("slug", "PC021", f"the file name {stem}.md is not a valid slug")
    status = meta.get("status")
    if "status" in meta and status not in STATUSES:
        bad("status", "PC030", f"{status!r} is not one of {', '.join(STATUSES)}")
    if status in ("scheduled", "published") and not isinstance(meta.get("published"), date):
        bad("published", "PC031", f"required for a {status} article")
    lang = meta.get("lang")
    if isinstance(lang, str) and not BCP47.match(lang):
        bad("lang", "PC015", f'"{lang}" is not a BCP 47 language tag, like "en" or "pt-BR"')
    image = meta.get("image")
    if image is not None:
        if not isinstance(image, dict):
            bad("image", "PC011", 'must be a table with src = "…" and alt = "…"')
        else:
            for sub in ("src", "alt", "credit"):
                if sub in image and not isinstance(image[sub], str):
                    bad(f"image.{sub}", "PC011", f'must be a string, like {sub} = "…"')
            if isinstance(image.get("src"), str) and not (
                    isinstance(image.get("alt"), str) and image["alt"].strip()):
                bad("image.alt", "PC045", "an image needs alt text that describes it")
    return found


# -- the catalog -------------------------------------------------------------------------


CHUNK = 48
Runner = Callable[[Reader, list[list[str]]], Iterator[list[Parsed]]]


@dataclass
class Catalog:
    """Every record of the newsroom: readable ones as articles, the others as problems."""

    entries: dict[str, Entry]
    articles: list[Article]
    unreadable: list[Problem]
    racy: bool  # some record changed in the last two seconds

    def entry(self, article: Article) -> Entry:
        """The catalog entry of ARTICLE."""
        return self.entries[article.path.name]


def renderer_id() -> str:
    """Identifies the Markdown renderer: catalog body data from another one is not reused."""
    return bodies.renderer_version()


def load(newsroom: Newsroom, state_dir: Path | None, reader: Reader, run: Runner,
         store: Callable[[str, str, str], None]) -> Catalog:
    """Every record, from the catalog where the file is unchanged, else parsed again.

    RUN parses chunks of file names (in worker processes when there are many); STORE
    keeps each rendered body's HTML (the render cache: key, body digest, HTML). Entries
    parsed again go into the catalog as they come, so memory does not hold them twice.
    """
    stored = _read(state_dir / FILE) if state_dir is not None else {}
    previous = stored if stored is not None else {}
    now_ns = clock.time_ns()
    entries: dict[str, Entry] = {}
    todo: list[str] = []
    racy = False
    folder = newsroom.articles_dir
    try:
        listing = sorted((e.name, e) for e in os.scandir(folder)
                         if e.name.endswith(".md") and not e.name.startswith("."))
    except FileNotFoundError:
        listing = []
    shared = len(listing) >= SHARE_FROM
    for name, dirent in listing:
        try:
            st = dirent.stat()
        except OSError as exc:
            entries[name] = Entry(name, None, error=("PC006", f"cannot read: {exc.strerror}", None))
            continue
        if dirent.is_symlink() and not newsroom.contains(Path(dirent.path)):
            entries[name] = Entry(name, None, error=(
                "PC004", "the file is a link to a place outside the newsroom; it is ignored", None))
            continue
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
        fresh = now_ns - st.st_mtime_ns <= RACY_NS
        racy = racy or fresh
        old = previous.get(name)
        if old is not None and old.key == key and not fresh:
            entries[name] = old
        else:
            todo.append(name)
    del listing
    articles: dict[str, Article] = {}
    for name, entry in entries.items():
        if entry.meta is not None:
            articles[name] = _article(reader, folder, entry)
    # Cached articles that the selection now takes but whose body was never rendered.
    todo.extend(name for name, a in articles.items()
                if entries[name].body is None and not entries[name].faults
                and reader.selection.takes(a))
    gone = set(previous) - set(entries) - set(todo)
    previous.clear()
    writer = _Writer(state_dir, reset=stored is None)
    try:
        for results in run(reader, chunked(todo, CHUNK)) if todo else ():
            for name, encoded, html in results:
                if isinstance(encoded, Entry):
                    entry = encoded
                else:
                    entry = Entry.from_json(name, json.loads(encoded), shared=shared)
                    if entry.key is not None and now_ns - entry.key[1] > RACY_NS:
                        writer.put(name, encoded)
                    else:
                        gone.add(name)  # too fresh to be trusted next time
                entries[name] = entry
                if entry.meta is not None:
                    articles[name] = _article(reader, folder, entry)
                else:
                    articles.pop(name, None)
                if html is not None and entry.body is not None:
                    store(html[0], entry.body.digest, html[1])
        writer.finish(gone)
    finally:
        writer.close()
    unreadable = []
    for name in sorted(entries):
        entry = entries[name]
        if entry.error is not None:
            code, message, line = entry.error
            unreadable.append(Problem(folder / name, line, None, Severity.WARNING,
                                      code, message + "; the record is skipped"))
    ordered = [articles[n] for n in sorted(articles)]
    return Catalog(entries, ordered, unreadable, racy)


_NO_LINES: dict[str, int] = {}  # shared by every record read from the catalog: never written


def _article(reader: Reader, folder: Path, entry: Entry) -> Article:
    path = folder / entry.name
    assert entry.meta is not None
    return Article(path, Record(entry.meta, None, lines=_NO_LINES, source=path), tz=reader.tz,
                   default_lang=reader.default_lang)


class _Writer:
    """Writes catalog rows in batches while the records are read (when the folder allows)."""

    BATCH = 500

    def __init__(self, state_dir: Path | None, *, reset: bool) -> None:
        self.file = state_dir / FILE if state_dir is not None else None
        self.rows: list[tuple[str, str]] = []
        self.db: sqlite3.Connection | None = None
        self.reset = reset  # another renderer's catalog: forget it all

    def put(self, name: str, encoded: str) -> None:
        self.rows.append((name, encoded))
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self, gone: set[str] | None = None) -> None:
        rows, self.rows = self.rows, []
        final = gone is not None
        if self.file is None or (not rows and not gone and not self.reset
                                 and not (final and self.db is not None)):
            return
        try:
            if self.db is None:
                self.db = _connect(self.file)
            self.db.execute("BEGIN")
            if self.reset:
                self.db.execute("DELETE FROM entries")
                self.reset = False
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", rows)
            if gone is not None:  # the last batch: say which renderer made the bodies
                self.db.executemany("DELETE FROM entries WHERE name = ?", ((n,) for n in sorted(gone)))
                self.db.execute("INSERT OR REPLACE INTO about VALUES ('renderer', ?)",
                                (renderer_id(),))
            self.db.execute("COMMIT")
        except (OSError, sqlite3.Error):
            self.file = None  # not writable: run without keeping the catalog
            self.close()

    def finish(self, gone: set[str]) -> None:
        """Write the last rows and forget the records that are gone."""
        self._flush(gone)

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None


def _connect(file: Path) -> sqlite3.Connection:
    db = sqlite3.connect(file, timeout=30.0, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != FORMAT:
        db.execute("DROP TABLE IF EXISTS entries")
        db.execute("DROP TABLE IF EXISTS about")
        db.execute("CREATE TABLE entries (name TEXT PRIMARY KEY, data TEXT NOT NULL)")
        db.execute("CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(f"PRAGMA user_version={FORMAT}")
    return db


def _read(file: Path) -> dict[str, Entry] | None:
    """The entries of the catalog FILE; None when it was made by another renderer (or is damaged)."""
    if not file.exists():
        return {}
    try:
        db = _connect(file)
    except sqlite3.Error:
        with contextlib.suppress(OSError):
            file.unlink()
        return {}
    except OSError:
        return {}
    try:
        about = dict(db.execute("SELECT key, value FROM about").fetchall())
        if about.get("renderer") != renderer_id():
            return None
        (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
        shared = count >= SHARE_FROM
        out: dict[str, Entry] = {}
        loads = json.loads
        for name, data in db.execute("SELECT name, data FROM entries"):  # streamed, not fetched
            try:
                out[name] = Entry.from_json(name, loads(data), shared=shared)
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                continue
        return out
    except sqlite3.Error:
        return None
    finally:
        db.close()


def problems_of(path: Path, entry: Entry) -> list[Problem]:
    """The faults of ENTRY as warnings that say the article is skipped."""
    return [Problem(path, line, key, Severity.WARNING, code, message + NOT_EXPORTED)
            for line, key, code, message in entry.faults]


def chunked(items: Iterable[str], size: int) -> list[list[str]]:
    """ITEMS in lists of SIZE."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]
