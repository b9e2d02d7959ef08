"""The html export: a static site, written incrementally.

1. If nothing that the last export was made from has changed (records, settings,
   templates, media, code, options, and no scheduled article has come due or expired
   since) and every file it wrote is still as it left it, there is nothing to do.
2. Else the records are read (through the catalog), the site laid out, and each
   page's fingerprint compared with the manifest's: only pages whose inputs changed,
   or whose file was touched, are rendered again — on every core — and a file is
   replaced only when its bytes differ.
3. Feeds, sitemap, robots.txt, the style sheet and the media follow; files of the
   last export that are no longer produced are removed; one sync; the manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pressctl.exporters import ExportOptions, ExportResult, layout, output, pages, patch, records
from pressctl.exporters.feeds import FeedWriter, feeds, robots, sitemaps
from pressctl.exporters.job import ExportJob, usable_state_dir
from pressctl.exporters.layout import Item, Layout, Page
from pressctl.exporters.output import Folder, Manifest, Written
from pressctl.exporters.pages import Contexts, Theme
from pressctl.settings import SETTINGS_FILE
from pressctl.store import Newsroom

TEMPLATES_DIR = "templates"
PAGE_CHUNK = 32
LATER = "\x00later"  # in place of a page's fingerprint (hex digits): not computed yet
PRINTS = 10_000  # articles whose part of the page fingerprints is kept for the next pages
NO_BASE_URL = ("pressctl.toml has no base_url: the site uses relative links only, and has no "
               "canonical links, Open Graph URLs, absolute feed links or sitemap; set base_url "
               '= "https://…/" for a site to publish')


def export_site(newsroom: Newsroom, options: ExportOptions) -> ExportResult:
    """Export the newsroom as a static site into options.out (default: [export] out)."""
    out_arg = options.out or newsroom.root / newsroom.settings.export.out
    out = output.check_folder(newsroom, out_arg)
    out.mkdir(parents=True, exist_ok=True)
    with _export_lock(newsroom), ExportJob(newsroom, options) as job:
        job.result.out = out
        if not newsroom.settings.base_url:
            job.result.notes.append(NO_BASE_URL)
        previous, previous_digest = output.load_manifest(out)
        inputs = Inputs(newsroom, options, out)
        if previous.inputs and previous.inputs == inputs.digest(previous.watch) and \
                _still_valid(previous, job.now) and \
                not output.interrupted(output.running_marker(job.state_dir, out)) and \
                _untouched(out, previous):
            job.result.unchanged = len(previous.files)
            job.result.exported = previous.articles
            return job.result
        store = patch.Store(job.state_dir, out)
        try:
            if not _patched(job, store, out, previous, previous_digest, inputs):
                inputs.keys.clear()  # only a patch needs them (100,000 take room)
                Build(job, out, previous, inputs, store).run(previous_digest)
        finally:
            store.close()
        return job.result


@contextlib.contextmanager
def _export_lock(newsroom: Newsroom) -> Iterator[None]:
    """One export of a newsroom at a time (a second one waits); no lock on a read-only checkout."""
    state_dir = usable_state_dir(newsroom)
    try:
        if state_dir is None:
            raise OSError("no state folder")
        fd = os.open(state_dir / "export.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _still_valid(manifest: Manifest, now: datetime) -> bool:
    if manifest.valid_until is None:
        return True
    try:
        return now < datetime.fromisoformat(manifest.valid_until)
    except ValueError:
        return False


def _patched(job: ExportJob, store: patch.Store, out: Path, previous: Manifest,
             previous_digest: str | None, inputs: Inputs) -> bool:
    """Patch the last export when only article bodies changed since (see `patch`)."""
    if (previous_digest is None or not _still_valid(previous, job.now)
            or output.interrupted(output.running_marker(job.state_dir, out))):
        return False
    state = store.load()
    if (state is None or state.manifest != previous_digest or state.config != inputs.config
            or state.media != inputs.media(previous.watch) or inputs.keys.keys() != state.keys.keys()
            or not _untouched(out, previous)):
        return False
    changed = [name for name, key in inputs.keys.items() if key is None or key != state.keys[name]]
    theme = Theme(job.newsroom.root / TEMPLATES_DIR, inputs.config)
    return patch.patch(job, store, state, changed, theme, out, previous, previous_digest,
                       inputs.digest(previous.watch), inputs.now_ns)


def _untouched(out: Path, manifest: Manifest) -> bool:
    folder = Folder(out)
    return all(folder.unchanged(rel, w) for rel, w in manifest.files.items())


class Inputs:
    """A digest of everything an export is made from, cheap enough to check first."""

    def __init__(self, newsroom: Newsroom, options: ExportOptions, out: Path) -> None:
        self.newsroom = newsroom
        self.now_ns = time.time_ns()
        self.racy = False
        h = hashlib.blake2b(digest_size=16)
        h.update(repr((str(out), options.include_all, repr(options.filters))).encode())
        h.update(code_id().encode())
        with contextlib.suppress(OSError):
            h.update((newsroom.root / SETTINGS_FILE).read_bytes())
        h.update(self._tree(newsroom.root / TEMPLATES_DIR).encode())
        self.config = h.hexdigest()  # everything but the records
        # Each record's identity (size:mtime:inode), None when too fresh to be trusted.
        self.keys: dict[str, str | None] = {}
        folder = f"{newsroom.articles_dir}/"
        lines = []
        for name in newsroom.record_names():
            try:
                st = os.stat(folder + name)
            except OSError:
                lines.append(f"{name}:-\n")
                self.keys[name] = None
                continue
            key: str | None = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
            lines.append(f"{name}:{key}\n")
            if self.now_ns - st.st_mtime_ns <= records.RACY_NS:
                self.racy, key = True, None
            self.keys[name] = key
        h.update("".join(lines).encode())
        self.base = h.hexdigest()

    def _stat(self, path: str, label: str) -> str:
        try:
            st = os.stat(path)
        except OSError:
            return f"{label}:-\n"
        if self.now_ns - st.st_mtime_ns <= records.RACY_NS:
            self.racy = True
        return f"{label}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}\n"

    def _tree(self, folder: Path) -> str:
        parts = []
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                parts.append(self._stat(path, os.path.relpath(path, folder)))
        return "".join(parts)

    def media(self, watch: list[str]) -> str:
        """The stats of the WATCH files (media, relative to the newsroom)."""
        return "".join(self._stat(str(self.newsroom.root / rel), rel) for rel in watch)

    def digest(self, watch: list[str]) -> str | None:
        """The digest, with the stats of the WATCH files (media); None when too fresh to trust."""
        h = hashlib.blake2b(self.base.encode(), digest_size=16)
        h.update(self.media(watch).encode())
        return None if self.racy else h.hexdigest()


_code_id: str | None = None


def code_id() -> str:
    """Identifies pressctl's code, templates and style sheet (their sizes and mtimes)."""
    global _code_id
    if _code_id is None:
        package = Path(__file__).resolve().parent.parent
        parts = []
        for folder in (package, package / "exporters", package / "templates", package / "static"):
            with contextlib.suppress(OSError), os.scandir(folder) as it:
                for entry in sorted(it, key=lambda e: e.name):
                    if entry.is_file():
                        st = entry.stat()
                        parts.append(f"{folder.name}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
        from pressctl import __version__

        parts.append(__version__)
        _code_id = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    return _code_id


@dataclass
class Task:
    """Pages for a worker to render and write.

    Each page comes with its context; an article page's as the JSON text the state keeps
    of it (`pages.kept`), which costs less to send than the context itself.
    """

    theme: Theme
    out: Path
    cache: Path
    site: dict[str, Any]  # `site`, the same on every page
    specs: list[tuple[str, str, dict[str, Any] | str, Written | None, str | None]]


class Build:
    """A full (incremental) build of the site."""

    def __init__(self, job: ExportJob, out: Path, previous: Manifest, inputs: Inputs,
                 store: patch.Store) -> None:
        self.job = job
        self.store = store
        self.out = out
        self.previous = previous
        self.inputs = inputs
        self.folder = Folder(out)
        self.files: dict[str, Written] = {}
        self.replaced: set[str] = set()  # folders where a file was replaced
        self.feeds_of: dict[str, list[str]] = {}  # record -> folders of the feeds that carry it
        self.theme = Theme(job.newsroom.root / TEMPLATES_DIR, inputs.config)
        self._prints: dict[str, str] = {}  # what a page's fingerprint takes of each article

    def record(self, rel: str, written: Written, wrote: bool) -> None:
        """Note a file of this export."""
        self.files[rel] = written
        if wrote:
            self.job.result.written += 1
            if rel in self.previous.files:
                self.replaced.add(rel.rpartition("/")[0])
        else:
            self.job.result.unchanged += 1

    def run(self, previous_digest: str | None) -> None:
        """Build, clean up, and save the manifest."""
        job = self.job
        marker = output.running_marker(job.state_dir, self.out)
        crashed = output.begin(marker)
        self.store.forget()
        kept = self.store.context_rels()  # pages whose context the state holds
        job.start()
        site = layout.build(job.chosen, job.aliases, job.settings.export.per_page,
                            self._fingerprints(), job.now if job.options.include_all else None)
        job.result.problems.extend(site.problems)
        contexts = self.contexts = Contexts(job, site)
        job.freeze()  # the layout lives to the end of the export too
        base = self._global_fingerprint(site, contexts)
        # Which pages to render: by number (pages are made again, one at a time, to render
        # them, so that 100,000 pages are never held at once).
        todo: list[tuple[int, str | None]] = []
        bodies = []
        for number, page in enumerate(site.pages()):
            before = self.previous.files.get(page.rel)
            if before is None:  # a new page: fingerprinted as it is rendered (with the workers busy)
                todo.append((number, LATER))
            else:
                fingerprint = self._page_fingerprint(base, site, page, contexts)
                if (fingerprint is not None and before.fingerprint == fingerprint
                        and self.folder.unchanged(page.rel, before)
                        and (page.kind != "article" or page.rel in kept)):
                    self.record(page.rel, before, False)
                    continue
                todo.append((number, fingerprint))
            if page.kind == "article":
                bodies.append(page.items[0].chosen)
        job.prerender(bodies)
        del bodies
        self._render(site, todo, contexts, base)
        self._feeds(site, contexts, base)
        self._assets(site, contexts)
        self._media()
        stale = [rel for rel in self.previous.files if rel not in self.files]
        job.result.removed = output.remove_stale(self.out, stale)
        watch = sorted({os.path.relpath(m.source, job.newsroom.root) for m in job.resolver.media.values()})
        trusted = not job.result.problems and not (job.catalog and job.catalog.racy)
        manifest = Manifest(self.files, self.inputs.digest(watch) if trusted else None,
                            job.valid_until, watch, len(job.chosen))
        written = output.finish(self.out, manifest, previous_digest, self.replaced)
        if not job.result.problems:  # (records too fresh to trust are kept without identity)
            self._save_state(written, watch)
        if crashed:  # the killed export's temporary files, where pages are written
            folders = {rel.rpartition("/")[0] for rel in (*self.previous.files, *self.files)}
            output.clean_temporary(self.out, folders)
        output.end(marker)
        job.save()

    def _save_state(self, manifest: str, watch: list[str]) -> None:
        """Leave what the next export needs to patch this one (see `patch`)."""
        job = self.job
        catalog = job.catalog
        assert catalog is not None
        now = self.inputs.now_ns
        chosen = {c.article.path.name: c for c in job.chosen}

        def kept() -> Iterator[tuple[str, patch.Kept]]:  # made as written: 100,000 take room
            for name, entry in catalog.entries.items():
                c = chosen.get(name)
                yield name, patch.Kept(patch.identity(entry.key, now), entry.view,
                                       f"articles/{c.slug}/index.html" if c else None,
                                       job.html_key(c) if c else None, self.feeds_of.get(name, []))

        state = patch.State(manifest, self.inputs.config, self.inputs.media(watch), job.aliases, {},
                            self.contexts.site())
        self.store.save(state, kept(), (f"articles/{c.slug}/index.html" for c in job.chosen))

    # -- fingerprints -------------------------------------------------------------

    def _fingerprints(self) -> dict[str, tuple[int, int, int] | None]:
        """Each article's record identity (size, mtime, inode); None when too fresh to trust."""
        now = self.inputs.now_ns
        return {c.slug: None if c.entry.key is None or now - c.entry.key[1] <= records.RACY_NS
                else c.entry.key for c in self.job.chosen}

    def _global_fingerprint(self, site: Layout, contexts: Contexts) -> str:
        job = self.job
        return layout.digest(self.inputs.config, contexts.site(), job.options.include_all,
                             site.languages)

    def _page_fingerprint(self, base: str, site: Layout, page: Page, contexts: Contexts) -> str | None:
        parts: list[object] = [base, page.rel, page.kind, page.key, page.number, page.count]
        items: tuple[Item | None, ...] = page.items
        if page.kind == "article":
            item = page.items[0]
            image = contexts.image(item)
            parts += [self.job.html_key(item.chosen), image and image["src"], item.live]
            items = (item, *site.other_news(item), None, *site.translations(item))
        elif page.kind == "tags":
            parts += [f"{t.slug}:{t.name}:{len(t.items)}" for t in site.tags.values()]
        elif page.kind == "redirect" and page.target is not None:
            items = (page.target,)
        for i in items:
            if i is None:
                parts.append("|")
                continue
            text = self._prints.get(i.slug)
            if text is None:
                if i.fingerprint is None:
                    return None
                if len(self._prints) >= PRINTS:
                    self._prints.clear()  # bounded: 100,000 articles take room
                size, mtime, ino = i.fingerprint
                # the slug and the identity, as two parts of the digest: made once an article
                text = self._prints[i.slug] = f"{i.slug}\x1e{size}:{mtime}:{ino}"
            parts.append(text)
        return layout.digest(*parts)

    # -- writing ------------------------------------------------------------------

    def _render(self, site: Layout, todo: list[tuple[int, str | None]], contexts: Contexts,
                base: str) -> None:
        job = self.job
        job.cache.flush()
        cache_path = job.cache.path

        def chosen() -> Iterator[tuple[Page, str | None]]:
            wanted = iter(todo)
            next_number, fingerprint = next(wanted, (-1, None))
            for number, page in enumerate(site.pages()):
                if number == next_number:
                    if fingerprint == LATER:
                        fingerprint = self._page_fingerprint(base, site, page, contexts)
                    yield page, fingerprint
                    next_number, fingerprint = next(wanted, (-1, None))

        kept: dict[str, str] = {}  # the state's JSON text of the article pages being written
        site_context = contexts.site()

        def tasks() -> Iterator[tuple[Task]]:
            specs: list[tuple[str, str, dict[str, Any] | str, Written | None, str | None]] = []
            for page, fingerprint in chosen():
                context = contexts.context(page)
                sent: dict[str, Any] | str = context
                if page.kind == "article":
                    sent = kept[page.rel] = pages.kept(context)
                specs.append((page.rel, pages.TEMPLATE_OF[page.kind], sent,
                              self.previous.files.get(page.rel), fingerprint))
                if len(specs) == PAGE_CHUNK:
                    yield (Task(self.theme, self.out, cache_path, site_context, specs),)
                    specs = []
            if specs:
                yield (Task(self.theme, self.out, cache_path, site_context, specs),)

        count = -(-len(todo) // PAGE_CHUNK)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            job.progress("Writing pages", min(done * PAGE_CHUNK, len(todo)), len(todo))

        for results in job.workers.map(render_pages, tasks(), count=count, done=tick):
            for rel, written, wrote in results:
                self.record(rel, written, wrote)
                if rel in kept:
                    self.store.put_context(rel, kept.pop(rel))

    def _write(self, rel: str, data: bytes | bytearray, fingerprint: str | None = None) -> None:
        written, wrote = self.folder.write(rel, data, self.previous.files.get(rel), fingerprint)
        self.record(rel, written, wrote)

    def _feeds(self, site: Layout, contexts: Contexts, base: str) -> None:
        job = self.job
        limit = job.settings.export.feed_items
        bodies: dict[str, str] = {}

        def body(item: Item) -> str:
            if item.slug not in bodies:
                bodies[item.slug] = job.body_html(item.chosen)
            return bodies[item.slug]

        writer = FeedWriter(contexts, body)
        for feed in feeds(site, contexts, limit):
            for item in feed.items:
                self.feeds_of.setdefault(item.chosen.article.path.name, []).append(feed.folder)
            prints = [i.fingerprint for i in feed.items]
            fingerprint = None if any(p is None for p in prints) else layout.digest(
                base, feed.folder, str(prints), [job.html_key(i.chosen) for i in feed.items])
            for rel, make in ((feed.atom, writer.atom), (feed.json, writer.json_feed)):
                before = self.previous.files.get(rel)
                if (fingerprint is not None and before is not None
                        and before.fingerprint == fingerprint and self.folder.unchanged(rel, before)):
                    self.record(rel, before, False)
                else:
                    self._write(rel, make(feed), fingerprint)

    def _assets(self, site: Layout, contexts: Contexts) -> None:
        for rel, data in sitemaps(site, contexts).items():
            self._write(rel, data)
        self._write("robots.txt", robots(contexts))
        static = pages.builtin_static()
        for name in ("style.css", "favicon.svg"):
            override = self.job.newsroom.root / TEMPLATES_DIR / name
            source = override if override.is_file() else static / name
            self._write(f"static/{name}", source.read_bytes())

    def _media(self) -> None:
        for rel, media in sorted(self.job.resolver.media.items()):
            try:
                st = os.stat(media.source)
            except OSError:
                continue
            fingerprint = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
            written, wrote = self.folder.copy(rel, media.source, self.previous.files.get(rel),
                                              fingerprint)
            self.record(rel, written, wrote)


# -- worker side ------------------------------------------------------------------------

def render_pages(task: Task) -> list[tuple[str, Written, bool]]:
    """Render and write TASK's pages (in a worker, or in the main process)."""
    from pressctl.exporters.bodies import cached_html

    folder = Folder(task.out)
    contexts = [pages.with_shared(json.loads(c), task.site) if isinstance(c, str) else c
                for _, _, c, _, _ in task.specs]
    keys = [c.get("body_key") for c in contexts]
    htmls = cached_html(task.cache, [k for k in keys if k])
    results = []
    for (rel, template, _, before, fingerprint), context, key in zip(task.specs, contexts, keys,
                                                                      strict=True):
        if key and key not in htmls:
            raise RuntimeError(f"the body of {rel} is missing from the render cache")
        data = pages.render(task.theme, template, pages.finish_context(context, htmls.get(key or "")))
        written, wrote = folder.write(rel, data, before, fingerprint)
        results.append((rel, written, wrote))
    return results
