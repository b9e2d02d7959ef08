"""The articles an export reads: every record, parsed once and remembered between exports.

An export needs every record's front matter and, for the articles it exports, what
their bodies render to (the first paragraph for summaries, the word count, the links
in the body). Parsing and rendering 10,000 records takes seconds, so the results are
kept in `.pressctl/export-catalog.sqlite`, keyed by each file's size, mtime and inode,
and records that changed are parsed (and rendered) again, on every core when there
are many. A file of the same size under another mtime or inode (a fresh clone of the
newsroom, a restored copy) is read, and its entry kept when its bytes are the ones it
was parsed from. The catalog is a cache like the index (SQLite with a JSON row per record:
no pickle, so a planted file cannot run code), and safe to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time as clock
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pressctl import cachedb
from pressctl.article import Article
from pressctl.exporters import bodies
from pressctl.exporters.records import RACY_NS, SHARE_FROM, Entry, Key, Parsed, Reader
from pressctl.problems import Problem, Severity
from pressctl.record import Record, same_content
from pressctl.store import Newsroom, is_record_name

FILE = "export-catalog.sqlite"
FORMAT = 4  # 2: faults from the validation engine (checks.own_problems); 3: each entry's view;
# 4: each entry's content digest

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
    copies: list[tuple[str, Key, bool]] = []
    racy = False
    folder = newsroom.articles_dir
    try:
        listing = sorted((e.name, e) for e in os.scandir(folder) if is_record_name(e.name))
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
        elif old is not None and old.content and old.key is not None and old.key[0] == key[0]:
            copies.append((name, key, fresh))  # the same size: maybe the same bytes, copied
        else:
            todo.append(name)
    del listing
    moved = _same_bytes(folder, previous, copies, entries, todo)
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
        writer.move(moved, entries)
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


def _same_bytes(folder: Path, previous: dict[str, Entry], copies: list[tuple[str, Key, bool]],
                entries: dict[str, Entry], todo: list[str]) -> dict[str, Key]:
    """Take the entries of COPIES (name, new identity, too fresh to trust) whose files still
    have the bytes they were parsed from into ENTRIES, under their new identity; add the
    others to `todo`, the records to parse. Returns the entries to remember under their new
    identity, with the old one.

    A clone or a restored copy of a newsroom has the same records as files with other
    mtimes and inodes: reading them is much cheaper than parsing and rendering them again.
    """
    moved: dict[str, Key] = {}
    for name, key, fresh in copies:
        old = previous[name]
        if same_content(folder / name, old.content, key):
            if not fresh and old.key is not None:
                moved[name] = old.key
            old.key = key
            entries[name] = old
        else:
            todo.append(name)
    return moved


def store(state_dir: Path | None, rows: list[tuple[str, str]]) -> None:
    """Put entries parsed outside `load` (name, JSON text of `Entry.to_json`) into the catalog."""
    if state_dir is None or not rows or not (state_dir / FILE).exists():
        return
    writer = _Writer(state_dir, reset=False)
    try:
        for name, encoded in rows:
            writer.put(name, encoded)
        writer.flush()
    finally:
        writer.close()


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

    def move(self, moved: dict[str, Key], entries: dict[str, Entry]) -> None:
        """Remember the entries of MOVED (name: old identity) under their identity in ENTRIES.

        Their rows are read back and only their identity, which leads the JSON text, is
        rewritten: 10,000 records of a fresh clone are not encoded again.
        """
        if self.file is None or not moved:
            return
        names = sorted(moved)
        try:
            if self.db is None:
                self.db = _connect(self.file)
            for i in range(0, len(names), self.BATCH):
                part = names[i:i + self.BATCH]
                marks = ",".join("?" * len(part))
                rows = self.db.execute(f"SELECT name, data FROM entries WHERE name IN ({marks})",
                                       part).fetchall()
                for name, data in rows:
                    size, mtime, ino = moved[name]
                    key = entries[name].key
                    head = f"[{size},{mtime},{ino},"
                    if key is not None and data.startswith(head):
                        self.put(name, f"[{key[0]},{key[1]},{key[2]},{data[len(head):]}")
        except (OSError, sqlite3.Error):
            self.file = None  # not writable: run without keeping the catalog
            self.close()

    def _flush(self, gone: set[str] | None = None) -> None:
        rows, self.rows = self.rows, []
        final = gone is not None
        if self.file is None or (not rows and not gone and not self.reset
                                 and not (final and self.db is not None)):
            return
        try:
            if self.db is None:
                self.db = _connect(self.file)
            db = self.db
            with cachedb.transaction(db):
                if self.reset:
                    db.execute("DELETE FROM entries")
                    self.reset = False
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", rows)
                if gone is not None:  # the last batch: say which renderer made the bodies
                    db.executemany("DELETE FROM entries WHERE name = ?", ((n,) for n in sorted(gone)))
                    db.execute("INSERT OR REPLACE INTO about VALUES ('renderer', ?)", (renderer_id(),))
        except (OSError, sqlite3.Error):
            self.file = None  # not writable: run without keeping the catalog
            self.close()

    def flush(self) -> None:
        """Write the rows put so far."""
        self._flush()

    def finish(self, gone: set[str]) -> None:
        """Write the last rows and forget the records that are gone."""
        self._flush(gone)

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None


def _connect(file: Path) -> sqlite3.Connection:
    return cachedb.connect(file, FORMAT, {"entries": "name TEXT PRIMARY KEY, data TEXT NOT NULL",
                                          "about": "key TEXT PRIMARY KEY, value TEXT"})


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


def chunked(items: Iterable[str], size: int) -> list[list[str]]:
    """ITEMS in lists of SIZE."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]
