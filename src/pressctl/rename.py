"""Renaming and deleting articles, with the references other articles make to them.

`rename OLD NEW` writes NEW (same id, OLD added to its aliases), updates every
`related` and `translation_of` that named OLD, then removes OLD, all under the lock.
A crash leaves a state that `validate` reports (the same id in two files, or OLD
still named somewhere) and that running the same rename again completes: when NEW
already holds OLD's id or lists OLD among its aliases, rename finishes what is left.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pressctl import dates, record
from pressctl.article import Article
from pressctl.changes import diff, tidy
from pressctl.errors import RecordError, Refused, UsageError, display_path
from pressctl.links import links_to
from pressctl.store import Newsroom, Scan, fsync_dir, write_atomic
from pressctl.validate import read_body
from pressctl.workflow import rewrite


@dataclass
class Change:
    """One file written or removed, with a line per field changed."""

    path: Path
    action: str  # "create", "update" or "remove"
    lines: list[str] = field(default_factory=list)

    def describe(self, *, dry_run: bool = False) -> list[str]:
        """Lines for people: `renamed articles/x.md -> …`, `updated articles/y.md: …`."""
        verb = {"create": "create", "update": "update", "remove": "remove"}[self.action]
        done = {"create": "created", "update": "updated", "remove": "removed"}[self.action]
        head = f"{'would ' + verb if dry_run else done} {display_path(self.path)}"
        return [head] + [f"  {line}" for line in self.lines]


@dataclass
class Result:
    """What rename or delete changed, and what a person should still look at."""

    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    resumed: bool = False  # an interrupted rename was completed


@dataclass
class Reference:
    """A place where another article names SLUG."""

    article: Article
    field: str  # "related", "translation_of" or "body"
    line: int | None

    def describe(self) -> str:
        """`articles/x.md:13 (related)`."""
        where = display_path(self.article.path)
        where = f"{where}:{self.line}" if self.line else where
        what = "a link in the body" if self.field == "body" else self.field
        return f"{where} ({what})"


def references(scan: Scan, slug: str, *, exclude: set[Path] | None = None) -> list[Reference]:
    """Every place where an article of SCAN (but those in EXCLUDE) names SLUG."""
    found = []
    for article in sorted(scan.articles, key=lambda a: a.slug):
        if exclude and article.path in exclude:
            continue
        rec = article.record
        if slug in article.strings("related"):
            found.append(Reference(article, "related", rec.line_of("related")))
        if article.meta.get("translation_of") == slug:
            found.append(Reference(article, "translation_of", rec.line_of("translation_of")))
        with contextlib.suppress(OSError, RecordError):
            body = read_body(article)
            for link in links_to(body, slug):
                found.append(Reference(article, "body", rec.body_line + link.line(body) - 1))
    return found


def _point_elsewhere(newsroom: Newsroom, article: Article, old: str, new: str | None,
                     now: datetime) -> Article | None:
    """ARTICLE with its `related`/`translation_of` naming NEW instead of OLD (None: drop)."""
    meta = dict(article.meta)
    related = article.strings("related")
    if old in related:
        kept = [r for r in related if r != old] if new is None else [
            new if r == old else r for r in related]
        meta["related"] = list(dict.fromkeys(kept))
        if not meta["related"]:
            del meta["related"]
    if meta.get("translation_of") == old:
        if new is None:
            del meta["translation_of"]
        else:
            meta["translation_of"] = new
    if meta == article.meta:
        return None
    if article.status == "published":
        meta["updated"] = now
    changed = rewrite(newsroom, article, meta)
    tidy(changed, now)
    return changed


def rename(newsroom: Newsroom, old: str, new: str, *, dry_run: bool = False,
           now: datetime | None = None) -> Result:
    """Rename OLD to NEW: move the file, keep the id, keep OLD as an alias, fix references."""
    old_path, new_path = newsroom.path_for(old), newsroom.path_for(new)
    if old == new:
        raise UsageError(f"OLD and NEW are the same slug ({old!r})")
    current = now or dates.now(newsroom.settings.tzinfo)
    with contextlib.nullcontext() if dry_run else newsroom.lock():
        scan = newsroom.scan()
        by_slug = scan.by_slug()
        broken = {p.path.stem: p for p in scan.problems}
        for slug in (old, new):
            if slug in broken:
                raise Refused(f"cannot rename: {broken[slug]}",
                              hint="fix the file first (pressctl validate shows how)")
        source, target = by_slug.get(old), by_slug.get(new)
        result = Result()
        if source is None and target is None:
            raise UsageError(f"no article {old!r} (looked for {display_path(old_path)})",
                             hint="list the slugs with: pressctl list --format slugs")
        if target is not None:
            same = source is not None and source.meta.get("id") == target.meta.get("id")
            if not (same or old in target.strings("aliases")):
                if source is None:
                    raise UsageError(f"no article {old!r} (looked for {display_path(old_path)})",
                                     hint="list the slugs with: pressctl list --format slugs")
                raise Refused(f"the slug {new!r} is taken by {display_path(new_path)}",
                              hint="choose another NEW slug, or delete that article first")
            result.resumed = True
            base = target  # the renamed file was written: finish from it
        else:
            assert source is not None
            if os.path.lexists(new_path):  # a dangling link, say: not an article, but there
                raise Refused(f"{display_path(new_path)} exists and is not an article",
                              hint="choose another NEW slug, or look at that file first")
            for article in scan.articles:
                if new in article.strings("aliases") and article is not source:
                    raise Refused(f"the slug {new!r} is an old name of {article.slug!r} "
                                  f"(in the aliases of {display_path(article.path)})",
                                  hint="choose another NEW slug")
            base = source
        meta = dict(base.meta)
        meta["slug"] = new
        aliases = [a for a in base.strings("aliases") if a != new]
        meta["aliases"] = list(dict.fromkeys([*aliases, old]))
        if base.status == "published" and base is source:
            meta["updated"] = current
        renamed = rewrite(newsroom, base, meta, path=new_path)
        tidy(renamed, current)
        if target is None or renamed.meta != target.meta:
            result.changes.append(Change(new_path, "create" if target is None else "update",
                                         diff(base.meta, renamed.meta)))
        referrers = []
        for ref in references(scan, old, exclude={old_path, new_path}):
            if ref.field == "body":
                result.notes.append(f"{ref.describe()} still links to {old!r}: change the link "
                                    f"to ../{new}/ (pressctl never edits a body)")
            elif ref.article not in referrers:
                referrers.append(ref.article)
        updates = []
        for article in referrers:
            changed = _point_elsewhere(newsroom, article, old, new, current)
            if changed is not None:
                updates.append(changed)
                result.changes.append(Change(article.path, "update",
                                             diff(article.meta, changed.meta)))
        if source is not None:
            result.changes.append(Change(old_path, "remove"))
        if dry_run:
            return result
        if target is None:
            # Rewrite in place, then move: at every moment the article has exactly one
            # file. A crash between the two leaves OLD.md saying `slug = NEW` (validate
            # reports it); running the same rename again completes it.
            write_atomic(old_path, record.dump(renamed.record).encode("utf-8"))
            os.rename(old_path, new_path)  # NEW is free: checked above, under the lock
            fsync_dir(new_path.parent)
        elif renamed.meta != target.meta:
            newsroom.save(renamed)
        for changed in updates:
            newsroom.save(changed)
        if source is not None and target is not None:  # an older run left both names
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old_path)
            fsync_dir(old_path.parent)
    return result


def delete(newsroom: Newsroom, slug: str, *, force: bool = False, dry_run: bool = False,
           now: datetime | None = None) -> Result:
    """Remove SLUG; refused while others refer to it, unless FORCE removes those references."""
    path = newsroom.path_for(slug)
    current = now or dates.now(newsroom.settings.tzinfo)
    with contextlib.nullcontext() if dry_run else newsroom.lock():
        scan = newsroom.scan()
        if slug not in scan.by_slug() and path not in {p.path for p in scan.problems}:
            raise UsageError(f"no article {slug!r} (looked for {display_path(path)})",
                             hint="list the slugs with: pressctl list --format slugs")
        mode = os.lstat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise Refused(f"{display_path(path)} is not a file (a folder, a pipe or a device); "
                          "pressctl deletes article files only",
                          hint="look at it and remove it yourself if it does not belong there")
        refs = references(scan, slug, exclude={path})
        if refs and not force:
            listing = "\n  ".join(ref.describe() for ref in refs)
            raise Refused(f"{display_path(path)} is referred to by other articles:\n  {listing}",
                          hint=f"remove those references first, or run: pressctl delete {slug} "
                          "--force (it removes them from related and translation_of)")
        result = Result()
        updates = []
        seen: set[Path] = set()
        for ref in refs:
            if ref.field == "body":
                result.notes.append(f"{ref.describe()} still links to {slug!r}: edit or remove "
                                    "the link (pressctl never edits a body)")
            elif ref.article.path not in seen:
                seen.add(ref.article.path)
                changed = _point_elsewhere(newsroom, ref.article, slug, None, current)
                if changed is not None:
                    updates.append(changed)
                    result.changes.append(Change(ref.article.path, "update",
                                                 diff(ref.article.meta, changed.meta)))
        result.changes.append(Change(path, "remove"))
        if dry_run:
            return result
        for changed in updates:
            newsroom.save(changed)
        os.unlink(path)
        fsync_dir(path.parent)
    return result
