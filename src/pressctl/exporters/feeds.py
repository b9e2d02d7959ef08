"""Feeds and files for machines: Atom, JSON Feed 1.1, sitemap.xml and robots.txt.

The feeds carry the newest articles with their whole body. Links in a body are
relative to the article's page; in a feed they are made absolute (with `base_url`) or
relative to the feed's own folder (without it), since a feed reader has no page to
resolve them against.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

from pressctl.exporters.layout import Item, Layout
from pressctl.exporters.pages import Contexts

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
SITEMAP_LIMIT = 50_000
EPOCH = "1970-01-01T00:00:00+00:00"

# The sanitiser's serialised output: every `<` starts a real tag, attribute values are
# double-quoted; rewrite only href and src inside tags.
_TAG = re.compile(r"<[^<>\"]*(?:\"[^\"]*\"[^<>\"]*)*>")
_URL_ATTR = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_XML_SPECIAL = re.compile(r'[&<>"]')


def xml_text(text: str) -> str:
    """TEXT escaped for XML character data and attribute values."""
    return _XML_SPECIAL.sub(lambda m: _XML_ESCAPES[m.group()], text)


@dataclass(frozen=True)
class Feed:
    """One pair of feeds: the whole site's, or one language's."""

    folder: str  # '' or '<lang>/'
    lang: str
    title: str
    items: tuple[Item, ...]

    @property
    def atom(self) -> str:
        """The Atom file's path."""
        return f"{self.folder}feed.xml"

    @property
    def json(self) -> str:
        """The JSON Feed file's path."""
        return f"{self.folder}feed.json"


def feed_content(body: str, path: str, folder: str, absolute: Callable[[str], str | None]) -> str:
    """BODY, the HTML of the article at the site path PATH, with its links rewritten for
    the feed in FOLDER ('' or '<lang>/'); ABSOLUTE makes a site path absolute (or None)."""
    page = absolute(path)

    def fix(url: str) -> str:
        if url.startswith("#"):
            return feed_link(path, folder, absolute) + url
        if _SCHEME.match(url) or url.startswith("//"):
            return url
        if page:
            return urljoin(page, url)
        joined = urljoin("http://site.invalid/" + path, url)
        return _up(folder) + joined.removeprefix("http://site.invalid/")

    def attribute(m: re.Match[str]) -> str:
        url = fix(html.unescape(m.group(2))).replace('"', "%22").replace("&", "&amp;")
        return m.group(1) + url + m.group(3)

    return _TAG.sub(lambda m: _URL_ATTR.sub(attribute, m.group()), body)


def feed_link(path: str, folder: str, absolute: Callable[[str], str | None]) -> str:
    """The URL of the site path PATH, as written in the feed in FOLDER."""
    return absolute(path) or (_up(folder) + quote(path, safe="/#"))


def atom_content(content: str) -> str:
    """How CONTENT (a feed_content) stands in an Atom entry."""
    return f'<content type="html">{xml_text(content)}</content>'


def json_content(content: str) -> str:
    """How CONTENT (a feed_content) stands in a JSON Feed item."""
    return '"content_html": ' + json.dumps(content, ensure_ascii=False)


def feeds(layout: Layout, contexts: Contexts, limit: int) -> list[Feed]:
    """The site's feed, and one per language when there are several."""
    site = contexts.site()
    out = [Feed("", contexts.settings.lang, site["title"], tuple(layout.items[:limit]))]
    if layout.multilingual:
        from pressctl.exporters.i18n import language_name

        for lang in layout.languages:
            items = tuple(i for i in layout.items if i.lang.lower() == lang)[:limit]
            out.append(Feed(f"{lang}/", lang, f"{site['title']} ({language_name(lang)})", items))
    return out


class FeedWriter:
    """Writes a feed's bytes, given each item's body HTML (as on its page)."""

    def __init__(self, contexts: Contexts, body: Callable[[Item], str]) -> None:
        self.contexts = contexts
        self.body = body

    def link(self, feed: Feed, path: str) -> str:
        """The URL of the site path PATH, as written in FEED."""
        return feed_link(path, feed.folder, self.contexts.absolute)

    def content(self, feed: Feed, item: Item) -> str:
        """The item's body with its links rewritten for the feed."""
        return feed_content(self.body(item), item.path, feed.folder, self.contexts.absolute)

    def entry_id(self, item: Item) -> str:
        """A stable id: urn:uuid: of the article's id when it is a UUID, else its URL."""
        ident = item.article.text("id")
        try:
            return uuid.UUID(ident).urn
        except ValueError:
            return self.contexts.absolute(item.path) or f"urn:pressctl:article:{item.slug}"

    def updated(self, items: Iterable[Item]) -> str:
        """The newest published or updated date of ITEMS."""
        newest = None
        for item in items:
            for when in (item.article.published, item.article.when("updated")):
                if when is not None and (newest is None or when > newest):
                    newest = when
        return newest.isoformat() if newest is not None else EPOCH

    def atom(self, feed: Feed) -> bytes:
        """The Atom feed (RFC 4287)."""
        c = self.contexts
        site = c.site()
        out = ['<?xml version="1.0" encoding="utf-8"?>\n',
               f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{xml_text(feed.lang)}">\n',
               f"  <title>{xml_text(feed.title)}</title>\n"]
        if site["description"]:
            out.append(f"  <subtitle>{xml_text(site['description'])}</subtitle>\n")
        feed_url = c.absolute(feed.atom)
        out.append(f"  <id>{xml_text(feed_url or 'urn:pressctl:feed:' + (feed.lang or 'site'))}</id>\n")
        out.append(f"  <updated>{self.updated(feed.items)}</updated>\n")
        if feed_url:
            out.append(f'  <link rel="self" type="application/atom+xml" href="{xml_text(feed_url)}"/>\n')
        home = xml_text(self.link(feed, feed.folder))
        out.append(f'  <link rel="alternate" type="text/html" href="{home}"/>\n')
        out.append(f"  <author><name>{xml_text(site['title'])}</name></author>\n")
        out.append(f"  <generator>{xml_text(site['generator'])}</generator>\n")
        for item in feed.items:
            out.append(self._atom_entry(feed, item))
        out.append("</feed>\n")
        return "".join(out).encode("utf-8")

    def _atom_entry(self, feed: Feed, item: Item) -> str:
        c = self.contexts
        card = c.card(item)
        article = item.article
        published = article.published or item.date
        updated = article.when("updated") or published
        link = xml_text(self.link(feed, item.path))
        lines = ["  <entry>\n",
                 f"    <title>{xml_text(card['title'])}</title>\n",
                 f'    <link rel="alternate" type="text/html" href="{link}"/>\n',
                 f"    <id>{xml_text(self.entry_id(item))}</id>\n"]
        if published is not None:
            lines.append(f"    <published>{published.isoformat()}</published>\n")
        lines.append(f"    <updated>{updated.isoformat() if updated else EPOCH}</updated>\n")
        for author in article.authors:
            lines.append(f"    <author><name>{xml_text(c.clean(author))}</name></author>\n")
        for tag in item.tags:
            term, label = xml_text(tag.slug), xml_text(c.clean(tag.name))
            lines.append(f'    <category term="{term}" label="{label}"/>\n')
        if card["summary"]:
            lines.append(f"    <summary>{xml_text(card['summary'])}</summary>\n")
        lines.append(f"    {atom_content(self.content(feed, item))}\n")
        lines.append("  </entry>\n")
        return "".join(lines)

    def json_feed(self, feed: Feed) -> bytes:
        """The JSON Feed (version 1.1)."""
        c = self.contexts
        site = c.site()
        doc: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": feed.title}
        home, url = c.absolute(feed.folder), c.absolute(feed.json)
        if home:
            doc["home_page_url"] = home
        if url:
            doc["feed_url"] = url
        if site["description"]:
            doc["description"] = site["description"]
        doc["language"] = feed.lang
        doc["authors"] = [{"name": site["title"]}]
        doc["items"] = [self._json_item(feed, item) for item in feed.items]
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _json_item(self, feed: Feed, item: Item) -> dict[str, Any]:
        c = self.contexts
        card = c.card(item)
        article = item.article
        entry: dict[str, Any] = {"id": self.entry_id(item)}
        link = c.absolute(item.path)
        if link:
            entry["url"] = link
        entry["title"] = card["title"]
        entry["content_html"] = self.content(feed, item)
        if card["summary"]:
            entry["summary"] = card["summary"]
        image = c.image(item)
        if image and image["url"]:
            entry["image"] = image["url"]
        published = article.published or item.date
        if published is not None:
            entry["date_published"] = published.isoformat()
        updated = article.when("updated")
        if updated is not None:
            entry["date_modified"] = updated.isoformat()
        if article.authors:
            entry["authors"] = [{"name": c.clean(a)} for a in article.authors]
        if item.tags:
            entry["tags"] = [c.clean(t.name) for t in item.tags]
        entry["language"] = item.lang
        return entry


def sitemaps(layout: Layout, contexts: Contexts) -> dict[str, bytes | bytearray]:
    """sitemap.xml (split into sitemap-N.xml under an index past 50,000 URLs); needs base_url."""
    if not contexts.base_url:
        return {}
    parts: list[bytearray] = []
    part = bytearray()
    for count, (loc, lastmod) in enumerate(_urls(layout, contexts)):
        if count % SITEMAP_LIMIT == 0:
            part = bytearray(_URLSET_HEAD)
            parts.append(part)
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        part += f"  <url><loc>{xml_text(loc)}</loc>{mod}</url>\n".encode()
    if not parts:
        parts.append(bytearray(_URLSET_HEAD))
    for part in parts:
        part += _URLSET_TAIL
    if len(parts) == 1:
        return {"sitemap.xml": parts[0]}
    out: dict[str, bytes | bytearray] = {f"sitemap-{n}.xml": p for n, p in enumerate(parts, 1)}
    index = ['<?xml version="1.0" encoding="UTF-8"?>\n',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for name in out:
        index.append(f"  <sitemap><loc>{xml_text(contexts.absolute(name) or name)}</loc></sitemap>\n")
    index.append("</sitemapindex>\n")
    out["sitemap.xml"] = "".join(index).encode("utf-8")
    return out


_URLSET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
_URLSET_TAIL = b"</urlset>\n"


def _urls(layout: Layout, contexts: Contexts) -> Iterator[tuple[str, str | None]]:
    """Every page worth indexing, with its last change where one is known."""
    absolute = contexts.absolute
    yield absolute("") or "", layout.items[0].lastmod if layout.items else None
    for lang in layout.languages if layout.multilingual else []:
        yield absolute(f"{lang}/") or "", None
    for item in layout.items:
        yield absolute(item.path) or "", item.lastmod
    if layout.tags:
        yield absolute("tags/") or "", None
    for tag in layout.tags.values():
        yield absolute(tag.path) or "", tag.items[0].lastmod if tag.items else None


def robots(contexts: Contexts) -> bytes:
    """robots.txt: everything may be crawled; the sitemap's address when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if contexts.base_url:
        lines.append(f"Sitemap: {contexts.absolute('sitemap.xml')}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _up(folder: str) -> str:
    return "../" * folder.count("/")
