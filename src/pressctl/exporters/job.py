"""One export run: the records read, the articles chosen, their bodies rendered once.

Shared by every format: `ExportJob.start` reads the newsroom through the catalog,
applies the selection (live articles, or all; then the filters of `list`), sets aside
records that cannot be exported with a warning, and orders the rest the stable way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pressctl import dates
from pressctl.article import Article, is_slug
from pressctl.errors import Refused
from pressctl.exporters import ExportOptions, ExportResult, bodies, catalog, records
from pressctl.exporters.bodies import RenderCache, Resolver
from pressctl.exporters.records import Entry, Reader, Selection
from pressctl.exporters.workers import Workers
from pressctl.problems import Problem, Severity
from pressctl.store import Newsroom, collector_paused

CHUNK = 48
_OLDEST = datetime(1, 1, 2, tzinfo=UTC)


@dataclass(eq=False, slots=True)
class Chosen:
    """An article the export takes, with its catalog entry."""

    article: Article
    entry: Entry
    slug: str = ""  # the file name without `.md`
    key: str = ""  # the render cache key of its body on its page, once known
    published: datetime | None = None
    updated: datetime | None = None
    date: datetime | None = None  # published, else created: what the order goes by

    def __post_init__(self) -> None:
        self.slug = self.entry.name[:-3]
        self.published = self.article.published
        self.updated = self.article.when("updated")
        self.date = self.published or self.article.created

    def body(self) -> str:
        """The Markdown body, read from the file."""
        return records.read_body(self.article.path, self.entry)


class ExportJob:
    """The state of one export: workers, render cache, catalog, selection."""

    def __init__(self, newsroom: Newsroom, options: ExportOptions) -> None:
        self.newsroom = newsroom
        self.options = options
        self.settings = newsroom.settings
        self.now: datetime = options.now or dates.now(self.settings.tzinfo)
        self.selection = Selection(self.now, options.include_all, options.filters)
        self.result = ExportResult()
        self.state_dir = usable_state_dir(newsroom)
        self.cache = RenderCache(self.state_dir)
        self.workers = Workers(options.jobs, before_fork=self.cache.close)
        self.reader = Reader(newsroom.root, newsroom.articles_dir, self.settings.timezone,
                             self.settings.lang, self.selection)
        self.chosen: list[Chosen] = []
        self.catalog: catalog.Catalog | None = None
        self.valid_until: str | None = None  # when the selection changes by itself next
        self.aliases: dict[str, str] = {}
        self.resolver = Resolver(newsroom.root, newsroom.articles_dir, {})
        self._frozen = False

    def __enter__(self) -> ExportJob:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.workers.close(failed=exc_type is not None)
        self.cache.cleanup()
        if self._frozen:  # what the export read can be collected again
            gc.unfreeze()
            self._frozen = False

    def progress(self, what: str, done: int, total: int) -> None:
        """Report progress, when someone listens."""
        if self.options.progress is not None:
            self.options.progress(what, done, total)

    # -- reading -------------------------------------------------------------------

    def start(self) -> None:
        """Read every record and choose the articles to export."""

        def run(reader: Reader, chunks: list[list[str]]) -> Iterator[list[records.Parsed]]:
            total = sum(len(c) for c in chunks)
            done = 0

            def tick(n: int) -> None:
                nonlocal done
                done += n
                self.progress("Reading articles", min(done * catalog.CHUNK, total), total)

            return self.workers.map(records.read_records, ((reader, c) for c in chunks),
                                    count=len(chunks), done=tick)

        # What reading builds lives to the end of the export (`freeze`).
        with collector_paused():
            try:
                self.catalog = catalog.load(self.newsroom, self.state_dir, self.reader, run,
                                            self.cache.put)
            finally:
                self.freeze()
        result = self.result
        for problem in self.catalog.unreadable:
            result.problems.append(problem)
            result.skipped += 1
        self.aliases = alias_map(self.catalog.articles)
        self.resolver = Resolver(self.newsroom.root, self.newsroom.articles_dir, self.aliases)
        chosen = []
        for article in self.catalog.articles:
            entry = self.catalog.entry(article)
            if not self.selection.takes(article):
                continue
            if entry.faults:
                result.problems.extend(records.problems_of(article.path, entry))
                result.skipped += 1
                continue
            chosen.append(Chosen(article, entry))
        self.valid_until = valid_until(self.catalog.articles, self.now)
        # What is not exported is not needed any more: 100,000 records take room.
        taken = {c.article.path.name for c in chosen}
        for name, entry in self.catalog.entries.items():
            if name not in taken:
                entry.meta = None
        self.catalog.articles = []
        # The stable order of `list` (query.newest_first), with each date computed once.
        chosen.sort(key=lambda c: c.slug)
        chosen.sort(key=lambda c: c.date or _OLDEST, reverse=True)
        self.chosen = chosen
        result.exported = len(chosen)

    def freeze(self) -> None:
        """Move what exists now out of the cycle collector's sight until the export ends:
        what an export reads and lays out lives as long as it does, and walking it again and
        again finds nothing to free. Not done when something else in this process has frozen
        objects (given back at the end, they would be given back too)."""
        if self._frozen or gc.get_freeze_count() == 0:
            gc.freeze()
            self._frozen = True

    def save(self) -> None:
        """Keep the render cache tidy for the next export (the catalog is saved as it is read)."""
        if self.catalog is not None:
            self.cache.prune({e.body.digest for e in self.catalog.entries.values() if e.body})
        self.cache.flush()

    # -- bodies --------------------------------------------------------------------

    def html_key(self, chosen: Chosen) -> str:
        """The render cache key of the article's body on its page."""
        if not chosen.key:
            info = chosen.entry.body
            assert info is not None, chosen.slug
            chosen.key = bodies.html_key(info.digest, [self.resolver(r) for r in info.refs])
        return chosen.key

    def body_html(self, chosen: Chosen) -> str:
        """The article's body as sanitised HTML for its page (rendered once, then cached)."""
        key = self.html_key(chosen)
        html = self.cache.get(key)
        if html is None:
            rendered = bodies.render(chosen.body(), self.resolver)
            html = rendered.html
            self.cache.put(key, rendered.info.digest, html)
        return html

    def prerender(self, chosen: list[Chosen]) -> None:
        """Render, on every core, the bodies of CHOSEN that the cache does not hold."""
        missing: list[Chosen] = []
        for i in range(0, len(chosen), CHUNK * 10):  # a part at a time: 100,000 keys take room
            part = chosen[i:i + CHUNK * 10]
            held = self.cache.has(self.html_key(c) for c in part)
            missing.extend(c for c in part if c.key not in held)
        if not missing:
            return
        aliases = self.aliases
        tasks = [(self.reader, aliases, [(c.article.path.name, c.entry) for c in missing[i:i + CHUNK]])
                 for i in range(0, len(missing), CHUNK)]
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.progress("Rendering articles", min(done * CHUNK, len(missing)), len(missing))

        for results in self.workers.map(render_bodies, tasks, count=len(tasks), done=tick):
            for key, digest, html in results:
                self.cache.put(key, digest, html)
        self.cache.flush()


def render_bodies(reader: Reader, aliases: dict[str, str],
                  names: list[tuple[str, Entry]]) -> list[tuple[str, str, str]]:
    """Render the bodies of NAMES with their links resolved (worker side)."""
    resolver = Resolver(reader.root, reader.articles_dir, aliases)
    out = []
    for name, entry in names:
        body = records.read_body(reader.articles_dir / name, entry)
        rendered = bodies.render(body, resolver)
        out.append((bodies.html_key(rendered.info.digest, rendered.outputs),
                    rendered.info.digest, rendered.html))
    return out


def valid_until(articles: list[Article], now: datetime) -> str | None:
    """When the selection next changes by itself: a scheduled article comes due, one expires."""
    soonest: datetime | None = None
    for article in articles:
        moments = [article.when("expires")]
        if article.status == "scheduled":
            moments.append(article.published)
        for moment in moments:
            if moment is not None and moment > now and (soonest is None or moment < soonest):
                soonest = moment
    return soonest.isoformat() if soonest is not None else None


def usable_state_dir(newsroom: Newsroom) -> Path | None:
    """`.pressctl/`, created if need be; None when it cannot be written or leads outside."""
    try:
        return newsroom.ensure_state_dir()
    except (Refused, OSError):
        return None


def alias_map(articles: list[Article]) -> dict[str, str]:
    """Old slug -> article, for the aliases that are slugs and name one article only."""
    slugs = {a.slug for a in articles}
    seen: dict[str, str | None] = {}
    for article in articles:
        for alias in article.strings("aliases"):
            if not is_slug(alias) or alias in slugs or alias == article.slug:
                continue
            seen[alias] = None if alias in seen and seen[alias] != article.slug else article.slug
    return {alias: slug for alias, slug in seen.items() if slug is not None}


def note(result: ExportResult, path: Path, code: str, message: str) -> None:
    """Add a warning about a record that does not stop its export."""
    result.problems.append(Problem(path, None, None, Severity.WARNING, code, message))
