"""Article bodies as exported: links rewritten for the article's page, and a render cache.

A body is rendered by `pressctl.markdown` (sanitised HTML) with every link and image
URL passed through a `Resolver`, which rewrites

- links to other articles (`../other-slug/`, `other-slug.md`, an old slug kept in
  `aliases`) to the relative URL of that article's page, `../other-slug/`;
- local files (relative to the article file, inside the newsroom, of a media type)
  to their copy under `static/media/`, which the html export makes.

Everything else is left as written. The HTML is kept in `.pressctl/render.sqlite`,
keyed by a hash of the body, the renderer's version and what its links resolved to, so
that an unchanged article is rendered once.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pressctl import __version__, cachedb
from pressctl.article import is_slug

CACHE_FILE = "render.sqlite"
CACHE_FORMAT = 1
MEDIA_DIR = "static/media"
# Relative URL from an article page (articles/<slug>/) to the site root.
PAGE_ROOT = "../../"
# Local files copied into the site: what a browser shows or downloads, never what it runs
# (no .html, .svg, .xml or .js: served from the site, they could carry script).
MEDIA_TYPES = frozenset({
    "jpg", "jpeg", "png", "gif", "webp", "avif", "bmp", "ico",
    "pdf", "txt", "csv", "mp3", "m4a", "ogg", "oga", "wav", "flac", "mp4", "m4v", "webm",
    "ogv", "mov", "zip", "epub", "odt", "ods", "odp", "doc", "docx", "xls", "xlsx",
    "ppt", "pptx", "rtf",
})
IMAGE_TYPES = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "bmp", "ico"})
# Packages whose version changes what a body renders to.
_RENDER_PACKAGES = ("cmarkgfm", "nh3")
_version: str | None = None


def renderer_version() -> str:
    """A short id of everything that decides a body's HTML: code and library versions."""
    global _version
    if _version is None:
        parts = [__version__]
        here = Path(__file__).resolve()
        for path in (here, here.parent.parent / "markdown.py", here.parent.parent / "links.py"):
            with contextlib.suppress(OSError):
                parts.append(hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest())
        for name in _RENDER_PACKAGES:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec else None
            if origin:
                with contextlib.suppress(OSError):
                    st = os.stat(origin)
                    parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        _version = hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()
    return _version


def body_digest(body: str) -> str:
    """The render cache's key for a body (with the renderer's version)."""
    h = hashlib.blake2b(body.encode("utf-8"), digest_size=16)
    h.update(renderer_version().encode())
    return h.hexdigest()


def html_key(digest: str, outputs: Iterable[str]) -> str:
    """The key of a body's HTML once its links resolved to OUTPUTS."""
    h = hashlib.blake2b(digest.encode(), digest_size=16)
    for out in outputs:
        h.update(b"\x1f" + out.encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Media:
    """A local file that the site carries a copy of."""

    source: Path
    rel: str  # path in the export folder, static/media/...


@dataclass
class Resolver:
    """Rewrites the URLs of a body (or of `image.src`) for the article's page."""

    root: Path
    articles_dir: Path
    aliases: dict[str, str]
    media: dict[str, Media] = field(default_factory=dict)
    _files: dict[str, Media | None] = field(default_factory=dict)
    _real_root: str = ""

    def __call__(self, url: str) -> str:
        """The URL to write on the page for URL as the author wrote it."""
        from pressctl.links import ArticleLink, FileLink, classify

        target = classify(url)
        if target is None:
            return url
        fragment = url.partition("#")[2]
        suffix = f"#{fragment}" if fragment else ""
        if isinstance(target, ArticleLink):
            slug = target.slug
            if not is_slug(slug):
                return url
            return f"../{self.aliases.get(slug, slug)}/{suffix}"
        assert isinstance(target, FileLink)
        found = self.local_file(target.path)
        if found is None:
            return url
        return PAGE_ROOT + quote(found.rel, safe="/") + suffix

    def is_ref(self, url: str) -> bool:
        """True when URL names another article or a local file (what the cache key records)."""
        from pressctl.links import classify

        return classify(url) is not None

    def local_file(self, relpath: str, *, images_only: bool = False) -> Media | None:
        """The media file that RELPATH (relative to articles/) names, when it may be copied."""
        if relpath in self._files:
            found = self._files[relpath]
        else:
            found = self._files[relpath] = self._find(relpath)
        if found is None or (images_only and _extension(found.rel) not in IMAGE_TYPES):
            return None
        self.media[found.rel] = found
        return found

    def _find(self, relpath: str) -> Media | None:
        if not self._real_root:
            self._real_root = os.path.realpath(self.root)
        if "\x00" in relpath or relpath.startswith("/"):
            return None
        real = os.path.realpath(os.path.join(self.articles_dir, relpath))
        rel = os.path.relpath(real, self._real_root)
        if rel.startswith(".."):
            return None  # outside the newsroom, whatever a link says
        parts = rel.split(os.sep)
        if any(p.startswith(".") for p in parts):
            return None  # hidden files and .pressctl/ stay private
        if _extension(rel) not in MEDIA_TYPES:
            return None
        if not os.path.isfile(real):
            return None
        return Media(Path(real), f"{MEDIA_DIR}/{'/'.join(parts)}")


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name.rpartition("/")[2] else ""


@dataclass(slots=True)
class BodyInfo:
    """What a body renders to, apart from its HTML (which the render cache keeps)."""

    digest: str
    first_paragraph: str  # '' when the article has a summary of its own
    words: int
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A body rendered for its page: the HTML and what else the export keeps of it."""

    html: str
    info: BodyInfo
    outputs: tuple[str, ...]


def render(body: str, resolver: Resolver) -> Rendered:
    """Render BODY with its links resolved by RESOLVER."""
    from pressctl import markdown

    refs: list[str] = []
    outputs: list[str] = []

    def rewrite(url: str) -> str:
        result = resolver(url)
        if resolver.is_ref(url):
            refs.append(url)
            outputs.append(result)
        return result

    result = markdown.render_body(body, rewrite_url=rewrite)
    info = BodyInfo(body_digest(body), summary_text(result.first_paragraph), result.word_count,
                    tuple(refs))
    return Rendered(result.html, info, tuple(outputs))


SUMMARY_CHARS = 300


def summary_text(text: str) -> str:
    """A first paragraph cut to a summary's length at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",;:.!?-–—")
    return cut + "…"


def reading_minutes(words: int) -> int:
    """Minutes to read WORDS at 200 words a minute, at least 1 for a non-empty body."""
    return 0 if words <= 0 else max(1, round(words / 200))


# -- the render cache ----------------------------------------------------------------------


class RenderCache:
    """Rendered body HTML in SQLite: `.pressctl/render.sqlite`, or a temporary file."""

    def __init__(self, state_dir: Path | None) -> None:
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        self.path = state_dir / CACHE_FILE if state_dir is not None else self._temporary()
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str]] = []
        self.used: set[str] = set()

    def _temporary(self) -> Path:
        """A cache for this run only (a read-only checkout)."""
        if self._temp is None:
            self._temp = tempfile.TemporaryDirectory(prefix="pressctl-render-")
        return Path(self._temp.name) / CACHE_FILE

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = _connect(self.path)
            except (OSError, sqlite3.Error):
                self.path = self._temporary()
                self._db = _connect(self.path)
        return self._db

    def put(self, key: str, digest: str, html: str) -> None:
        """Keep HTML under KEY (written at the next flush)."""
        self._pending.append((key, digest, html))
        self.used.add(key)
        if len(self._pending) >= 500:
            self.flush()

    def get(self, key: str) -> str | None:
        """The HTML under KEY, or None."""
        self.flush()
        try:
            row = self._open().execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        self.used.add(key)
        return str(row[0])

    def get_many(self, keys: list[str]) -> dict[str, str]:
        """The HTML under each of KEYS that the cache holds."""
        self.flush()
        found: dict[str, str] = {}
        db = self._open()
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            with contextlib.suppress(sqlite3.Error):
                found.update(db.execute(
                    f"SELECT key, html FROM bodies WHERE key IN ({marks})", part))
        self.used.update(found)
        return found

    def has(self, keys: Iterable[str]) -> set[str]:
        """Which of KEYS the cache holds."""
        self.flush()
        wanted = list(keys)
        found: set[str] = set()
        db = self._open()
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            marks = ",".join("?" * len(part))
            with contextlib.suppress(sqlite3.Error):
                found.update(k for (k,) in db.execute(
                    f"SELECT key FROM bodies WHERE key IN ({marks})", part))
        return found

    def flush(self) -> None:
        """Write what `put` collected."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        with contextlib.suppress(sqlite3.Error):
            db = self._open()
            with cachedb.transaction(db):
                db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", rows)

    def prune(self, digests: set[str]) -> None:
        """Forget bodies that no current record has, once they outnumber the live ones."""
        self.flush()
        with contextlib.suppress(sqlite3.Error):
            db = self._open()
            (count,) = db.execute("SELECT count(*) FROM bodies").fetchone()
            if count <= 2 * len(digests) + 100:
                return
            with cachedb.transaction(db):
                db.execute("CREATE TEMP TABLE IF NOT EXISTS live (digest TEXT PRIMARY KEY)")
                db.execute("DELETE FROM live")
                db.executemany("INSERT OR IGNORE INTO live VALUES (?)", ((d,) for d in digests))
                db.execute("DELETE FROM bodies WHERE digest NOT IN (SELECT digest FROM live)")

    def close(self) -> None:
        """Flush and close (a fork must not inherit an open connection)."""
        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def cleanup(self) -> None:
        """Close, and remove a temporary cache."""
        self.close()
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None


def _connect(path: Path) -> sqlite3.Connection:
    # synchronous=OFF: a cache, and losing it costs a re-render
    return cachedb.connect_or_replace(
        path, CACHE_FORMAT, {"bodies": "key TEXT PRIMARY KEY, digest TEXT NOT NULL, html TEXT NOT NULL"},
        synchronous="OFF")


def cached_html(cache: Path, keys: list[str]) -> dict[str, str]:
    """The rendered bodies the render cache at CACHE holds for KEYS (read-only, for workers)."""
    if not keys:
        return {}
    db = open_reader(cache)
    if db is None:
        return {}
    try:
        marks = ",".join("?" * len(keys))
        return dict(db.execute(f"SELECT key, html FROM bodies WHERE key IN ({marks})", keys))
    finally:
        db.close()


def open_reader(path: Path) -> sqlite3.Connection | None:
    """A read-only connection for a worker process."""
    try:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30.0)
        db.execute("PRAGMA query_only=1")
        return db
    except sqlite3.Error:
        return None
