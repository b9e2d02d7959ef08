"""Re-exporting after edits that changed article bodies only: their pages patched, not the site rebuilt.

A full build (`site.Build`) leaves, for the folder it wrote, a state in
`.pressctl/export-state.sqlite`: the digest of the manifest it wrote, the digest of its
configuration (settings, templates, code, options), the stats of the media it copied,
the alias map, and for every record its file identity, its *view* (a digest of all that
pages other than its own show of it, `records.view_of`), its page, the key of its body's
HTML and the feeds that carry it; and for every article page, the context its template
got (without the body).

The next export patches instead of building when the manifest is still that one, the
configuration and media are the same, no record was added or removed, at most
`MAX_CHANGED` records changed, and every changed record kept its view. Then the site's
layout, every card, link and list is as before: only the changed articles' pages (their
body, word count and reading time) and the feeds that carry their bodies can differ. The
pages are rendered again from their stored contexts, and in each feed the entry's old
content is replaced by the new one. Whenever anything is not exactly as expected, the
full build runs instead: the patch only ever takes a shortcut to the bytes it would make.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pressctl import cachedb
from pressctl.exporters import bodies, output, pages, records
from pressctl.exporters.bodies import Resolver
from pressctl.exporters.feeds import atom_content, feed_content, json_content
from pressctl.exporters.job import ExportJob, render_bodies
from pressctl.exporters.output import Folder, Manifest
from pressctl.exporters.records import RACY_NS, Entry

FILE = "export-state.sqlite"
FORMAT = 5  # 5: article contexts without their JSON-LD, made when the page is written
KEEP_FOLDERS = 4  # export folders whose state is kept: the most recently built ones
MAX_CHANGED = 64
TABLES = {
    "runs": "out TEXT PRIMARY KEY, manifest TEXT, data TEXT, saved REAL",
    "records": "out TEXT, name TEXT, key TEXT, view TEXT, rel TEXT, html TEXT, feeds TEXT, "
               "PRIMARY KEY (out, name)",
    "contexts": "out TEXT, rel TEXT, data TEXT, PRIMARY KEY (out, rel)",
}
BATCH = 500


@dataclass
class Kept:
    """What the state keeps of one record."""

    key: str | None  # its file's identity (`identity`); None when too fresh to be trusted
    view: str  # `records.view_of`
    rel: str | None = None  # its page, when the export has one
    html: str | None = None  # the render cache key of its body on that page
    feeds: list[str] = field(default_factory=list)  # folders of the feeds that carry it

    def row(self, out: str, name: str) -> tuple[str, str, str | None, str, str | None, str | None, str]:
        """The row in the state file."""
        return (out, name, self.key, self.view, self.rel, self.html, json.dumps(self.feeds))


@dataclass
class State:
    """What the last build into an export folder left for the next export to start from."""

    manifest: str  # the digest of the manifest it wrote
    config: str  # site.Inputs.config: settings, templates, code, options
    media: str  # the stats of the media files it copied
    aliases: dict[str, str]
    keys: dict[str, str | None]  # every record's identity (see Kept.key)
    site: dict[str, Any]  # the `site` of every page's context

    def dumps(self) -> str:
        """The JSON text kept in the state file (the records have rows of their own)."""
        return json.dumps({"config": self.config, "media": self.media, "aliases": self.aliases,
                           "site": self.site}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, manifest: str, text: str, keys: dict[str, str | None]) -> State:
        """A state from its JSON text; raises ValueError, KeyError or TypeError when damaged."""
        raw = json.loads(text)
        return cls(manifest, str(raw["config"]), str(raw["media"]), dict(raw["aliases"]), keys,
                   dict(raw["site"]))


def identity(key: records.Key | None, now_ns: int) -> str | None:
    """A record file's identity as the state keeps it; None when too fresh to be trusted."""
    if key is None or now_ns - key[1] <= RACY_NS:
        return None
    return f"{key[0]}:{key[1]}:{key[2]}"


class Store:
    """The state file, for one export folder (a cache: any error and it is not used)."""

    def __init__(self, state_dir: Path | None, out: Path) -> None:
        self.file = state_dir / FILE if state_dir is not None else None
        self.out = str(out)
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str]] = []

    def _open(self) -> sqlite3.Connection | None:
        if self._db is None and self.file is not None:
            try:
                self._db = cachedb.connect_or_replace(self.file, FORMAT, TABLES)
            except (OSError, sqlite3.Error):
                self.file = None  # busy or not writable: carry on without it
        return self._db

    def _run(self, action: Callable[[sqlite3.Connection], Any]) -> Any:
        db = self._open()
        if db is None:
            return None
        try:
            return action(db)
        except (OSError, sqlite3.Error):
            with contextlib.suppress(sqlite3.Error):
                if db.in_transaction:
                    db.execute("ROLLBACK")
            self.file = None  # damaged or not writable: carry on without it
            return None

    def load(self) -> State | None:
        """The state the last build into this folder left, if any."""
        if self.file is None or not self.file.exists():
            return None

        def read(db: sqlite3.Connection) -> tuple[tuple[str, str] | None, dict[str, str | None]]:
            run = db.execute("SELECT manifest, data FROM runs WHERE out = ?", (self.out,)).fetchone()
            if run is None:
                return None, {}
            return run, dict(db.execute("SELECT name, key FROM records WHERE out = ?", (self.out,)))

        found = self._run(read)
        if found is None or found[0] is None:
            return None
        (manifest, data), keys = found
        try:
            return State.loads(manifest, data, keys)
        except (ValueError, KeyError, TypeError):
            return None

    def kept(self, name: str) -> Kept | None:
        """What the state keeps of the record NAME."""
        row = self._run(lambda db: db.execute(
            "SELECT key, view, rel, html, feeds FROM records WHERE out = ? AND name = ?",
            (self.out, name)).fetchone())
        if row is None:
            return None
        try:
            feeds = json.loads(row[4])
            return Kept(row[0], row[1], row[2], row[3], [str(f) for f in feeds])
        except (ValueError, TypeError):
            return None

    def forget(self) -> None:
        """A build starts: until it ends, there is no state to patch from."""
        if self.file is not None and self.file.exists():
            self._run(lambda db: db.execute("DELETE FROM runs WHERE out = ?", (self.out,)))

    def context_rels(self) -> set[str]:
        """The pages whose context is kept."""
        if self.file is None or not self.file.exists():
            return set()
        rows = self._run(lambda db: db.execute("SELECT rel FROM contexts WHERE out = ?",
                                               (self.out,)).fetchall())
        return {rel for (rel,) in rows or ()}

    def context(self, rel: str) -> dict[str, Any] | None:
        """The context the page REL was last rendered with."""
        row = self._run(lambda db: db.execute("SELECT data FROM contexts WHERE out = ? AND rel = ?",
                                              (self.out, rel)).fetchone())
        try:
            return json.loads(row[0]) if row is not None else None
        except ValueError:
            return None

    def put_context(self, rel: str, text: str) -> None:
        """Keep the context (JSON text) a page was rendered with."""
        if self.file is None:
            return
        self._pending.append((self.out, rel, text))
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if rows:

            def put(db: sqlite3.Connection) -> None:
                with cachedb.transaction(db):  # one commit for the lot, not one a row
                    db.executemany("INSERT OR REPLACE INTO contexts VALUES (?, ?, ?)", rows)

            self._run(put)

    def save(self, state: State, kept: Iterable[tuple[str, Kept]],
             pages_kept: Iterable[str] | None = None) -> None:
        """Record STATE and what it keeps of the records in KEPT (all of them when PAGES_KEPT
        is given: a build; then the contexts of other pages are forgotten, and so is the
        state of other export folders but the most recent ones that still exist)."""
        self._flush()

        def write(db: sqlite3.Connection) -> None:
            with cachedb.transaction(db):
                if pages_kept is not None:
                    pages = set(pages_kept)
                    stale = [(self.out, rel) for (rel,) in db.execute(
                        "SELECT rel FROM contexts WHERE out = ?", (self.out,)) if rel not in pages]
                    db.executemany("DELETE FROM contexts WHERE out = ? AND rel = ?", stale)
                    db.execute("DELETE FROM records WHERE out = ?", (self.out,))
                    self._forget_other_folders(db)
                db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (k.row(self.out, name) for name, k in kept))
                db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)",
                           (self.out, state.manifest, state.dumps(), time.time()))

        self._run(write)

    def _forget_other_folders(self, db: sqlite3.Connection) -> None:
        """Keep the state of this folder and of the KEEP_FOLDERS - 1 other most recently
        built ones that still exist: a preview exported to a passing folder leaves nothing."""
        recent = [out for (out,) in db.execute("SELECT out FROM runs ORDER BY saved DESC")
                  if out != self.out and os.path.isdir(out)][:KEEP_FOLDERS - 1]
        keep = {self.out, *recent}
        outs = {out for table in ("runs", "records", "contexts")
                for (out,) in db.execute(f"SELECT DISTINCT out FROM {table}")}
        for out in outs - keep:
            for table in ("runs", "records", "contexts"):
                db.execute(f"DELETE FROM {table} WHERE out = ?", (out,))

    def close(self) -> None:
        """Write what is pending and close the file."""
        self._flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


@dataclass
class _Change:
    """A changed record that the patch handles."""

    name: str
    entry: Entry
    encoded: str
    before: Kept
    key: str | None = None
    html: str | None = None


def patch(job: ExportJob, store: Store, state: State, changed: list[str], theme: pages.Theme,
          out: Path, previous: Manifest, previous_digest: str | None, inputs: str | None,
          now_ns: int) -> bool:
    """Patch the export in OUT for the CHANGED records; False (and nothing written) when it cannot.

    INPUTS is the digest of what this export is made from (None when too fresh to trust).
    """
    if len(changed) > MAX_CHANGED:
        return False
    resolver = Resolver(job.newsroom.root, job.newsroom.articles_dir, state.aliases)
    changes: list[_Change] = []
    for name, encoded, rendered in records.read_records(job.reader, changed):
        if isinstance(encoded, Entry):
            return False
        entry = Entry.from_json(name, json.loads(encoded))
        before = store.kept(name)
        if before is None or entry.view != before.view or entry.error is not None or entry.faults:
            return False
        change = _Change(name, entry, encoded, before)
        if change.before.rel is not None:
            if entry.body is None:
                return False
            change.key = bodies.html_key(entry.body.digest, [resolver(r) for r in entry.body.refs])
            if rendered is not None and rendered[0] == change.key:
                change.html = rendered[1]
            else:
                [(change.key, _digest, change.html)] = render_bodies(
                    job.reader, state.aliases, [(name, entry)])
        changes.append(change)

    files: dict[str, bytes] = {}

    def current(rel: str) -> str | None:
        if rel in files:
            return files[rel].decode("utf-8")
        written = previous.files.get(rel)
        if written is None or not Folder(out).unchanged(rel, written):
            return None
        try:
            return (out / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def absolute(path: str) -> str | None:
        return pages.absolute_url(job.settings.base_url, path)

    for change in changes:
        page = change.before.rel
        if page is None:
            continue
        assert change.entry.body is not None and change.html is not None
        context = store.context(page)
        if context is None or "body_key" not in context:
            return False
        assert change.key is not None
        path = context["article"]["path"]
        context = pages.with_body(pages.with_shared(context, state.site), change.key,
                                  change.entry.body.words)
        files[page] = pages.render(theme, pages.TEMPLATE_OF["article"],
                                   pages.finish_context(context, change.html))
        old_key, feed_folders = change.before.html, change.before.feeds
        old_html = job.cache.get(old_key) if feed_folders and old_key else None
        for feed_folder in feed_folders:
            if old_html is None:
                return False
            old = feed_content(old_html, path, feed_folder, absolute)
            new = feed_content(change.html, path, feed_folder, absolute)
            for rel, form in ((f"{feed_folder}feed.xml", atom_content),
                              (f"{feed_folder}feed.json", json_content)):
                text = current(rel)
                if text is None or text.count(form(old)) != 1:
                    return False
                files[rel] = text.replace(form(old), form(new)).encode("utf-8")

    # Everything is known: write.
    marker = output.running_marker(job.state_dir, out)
    output.begin(marker)
    folder = Folder(out)
    written_files = dict(previous.files)
    replaced: set[str] = set()
    for rel, data in sorted(files.items()):
        written, wrote = folder.write(rel, data, previous.files.get(rel), None)
        written_files[rel] = written
        if wrote:
            job.result.written += 1
            replaced.add(rel.rpartition("/")[0])
    job.result.unchanged = len(written_files) - job.result.written
    job.result.exported = previous.articles
    for change in changes:
        if change.key is not None and change.html is not None and change.entry.body is not None:
            job.cache.put(change.key, change.entry.body.digest, change.html)
    job.cache.flush()
    manifest = Manifest(written_files, inputs, previous.valid_until, previous.watch,
                        previous.articles)
    state.manifest = output.finish(out, manifest, previous_digest, replaced)
    for change in changes:
        change.before.key = identity(change.entry.key, now_ns)
        if change.key is not None:
            change.before.html = change.key
    store.save(state, ((c.name, c.before) for c in changes))
    from pressctl.exporters import catalog

    catalog.store(job.state_dir, [(c.name, c.encoded) for c in changes
                                  if identity(c.entry.key, now_ns) is not None])
    output.end(marker)
    return True
