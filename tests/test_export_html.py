"""`pressctl export --format html`: the static site, its feeds, and how it is kept up to date."""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest

from pressctl.exporters import EXPORTERS, ExportOptions
from pressctl.store import Newsroom
from tests.conftest import Result, Room
from tests.export_support import MANIFEST, export_html, rewritten, snapshot, tree_bytes

Cli = Callable[..., Result]
SOMERS = "at-un-bart-somers-discusses-migration"
CUTRO_EN, CUTRO_FR = "no-more-tragedies-like-cutro", "plus-jamais-de-drames-comme-cutro"
LIVE = ["at-un-bart-somers-discusses-migration", "cities-lead-the-way-to-climate-neutrality",
        "integration-starts-in-the-neighbourhood", "next-eu-budget-must-reach-regions",
        "no-more-tragedies-like-cutro", "plus-jamais-de-drames-comme-cutro",
        "smart-cities-need-digital-rights", "statement-local-self-government-is-not-negotiable"]


class Page(HTMLParser):
    """What the tests read in a page: meta, links, anchors, headings, JSON-LD, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self.headings: list[tuple[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.lang = ""
        self._in: str | None = None
        self._buf: list[str] = []
        self._attrs: dict[str, str] = {}
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "meta":
            key = a.get("property") or a.get("name") or a.get("http-equiv") or ""
            self.meta.setdefault(key, []).append(a.get("content", ""))
        elif tag == "link":
            self.links.append(a)
        elif tag in ("a", "script", "h1", "h2", "h3"):
            self._in, self._buf, self._attrs = tag, [], a

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = "".join(self._buf)
        if tag == "a":
            self.anchors.append({**self._attrs, "text": " ".join(text.split())})
        elif tag == "script":
            self.scripts.append((self._attrs, text))
        else:
            self.headings.append((tag, " ".join(text.split())))
        self._in = None

    def first(self, key: str) -> str:
        return self.meta[key][0]

    def link(self, rel: str, **match: str) -> list[dict[str, str]]:
        return [x for x in self.links if x.get("rel") == rel
                and all(x.get(k) == v for k, v in match.items())]

    def hrefs_after(self, heading: str) -> list[str]:
        """The hrefs of the anchors that follow the heading HEADING in the page."""
        start = self.html.index(f">{heading}</h")
        return [a["href"] for a in Page(self.html[start:]).anchors]


def read(out: Path, rel: str) -> Page:
    return Page((out / rel).read_text(encoding="utf-8"))


export = export_html


@pytest.fixture
def site(sample: Room, cli: Cli) -> Path:
    out = sample.root.parent / "site"
    export(cli, out)
    return out


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def published(room: Room, slug: str, when: str = "2026-01-10T09:00:00+01:00", **meta: Any) -> Path:
    return room.write(slug, status="published", published=dt(when), **meta)


# -- the layout ---------------------------------------------------------------------------------


def test_every_page_of_the_contract_exists(site: Path) -> None:
    for rel in ("index.html", "feed.xml", "feed.json", "sitemap.xml", "robots.txt",
                "static/style.css", "tags/index.html", "tags/migration/index.html",
                "en/index.html", "fr/index.html", "en/feed.xml", "fr/feed.json",
                "statement-charter-of-local-self-government/index.html",
                "articles/statement-charter-of-local-self-government/index.html"):
        assert (site / rel).is_file(), rel
    pages = sorted(p.parent.name for p in (site / "articles").glob("*/index.html"))
    assert pages == sorted([*LIVE, "statement-charter-of-local-self-government"])


def test_articles_that_are_not_live_appear_nowhere(site: Path) -> None:
    for rel, data in tree_bytes(site).items():
        for slug in ("affordable-housing-is-a-local-emergency", "brussels-summit-of-liberal-mayors-2027",
                     "bart-somers-wins-world-mayor-prize", "les-jeunes-elus-locaux-prennent-la-parole",
                     "closing-the-rural-broadband-gap"):
            assert slug.encode() not in data, (slug, rel)


def test_the_article_page(site: Path) -> None:
    page = read(site, f"articles/{SOMERS}/index.html")
    assert page.lang == "en"
    assert [h for h in page.headings if h[0] == "h1"] == [("h1", "At UN, Bart Somers discusses migration")]
    assert "Belgium mission to the United Nations" in "".join(page.text)
    assert ("h2", "Other news") in page.headings
    related = ["../../articles/no-more-tragedies-like-cutro/",
               "../../articles/integration-starts-in-the-neighbourhood/",
               "../../articles/statement-local-self-government-is-not-negotiable/"]
    assert [h for h in page.hrefs_after("Other news") if h in related] == related
    url = f"https://press.example.org/articles/{SOMERS}/"
    assert page.link("canonical")[0]["href"] == url
    assert page.first("og:url") == url
    assert page.first("og:title") == "At UN, Bart Somers discusses migration"
    assert page.first("og:type") == "article"
    assert page.first("og:description").startswith("Our President took part")
    assert page.first("og:image") == "https://press.example.org/static/media/articles/media/somers-un.jpg"
    (_attrs, text), = [s for s in page.scripts if s[0].get("type") == "application/ld+json"]
    ld = json.loads(text)
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == "At UN, Bart Somers discusses migration"
    assert ld["datePublished"] == "2017-04-19T10:00:00+02:00"
    assert ld["author"] == [{"@type": "Person", "name": "Press Office"}]


def test_translations_link_to_each_other(site: Path) -> None:
    en = read(site, f"articles/{CUTRO_EN}/index.html")
    fr = read(site, f"articles/{CUTRO_FR}/index.html")
    assert fr.lang == "fr"
    for page in (en, fr):
        alternates = {x["hreflang"]: x["href"] for x in page.link("alternate") if "hreflang" in x}
        assert alternates == {"en": f"https://press.example.org/articles/{CUTRO_EN}/",
                              "fr": f"https://press.example.org/articles/{CUTRO_FR}/"}
    # a visible switch: a link in the page's body to the other language
    assert any(a["href"] == f"../../articles/{CUTRO_FR}/" and a.get("hreflang") == "fr" for a in en.anchors)
    assert any(a["href"] == f"../../articles/{CUTRO_EN}/" and a.get("hreflang") == "en" for a in fr.anchors)
    assert ("h2", "Autres actualités") in fr.headings


def test_the_home_page_lists_the_newest_first(site: Path) -> None:
    page = read(site, "index.html")
    titles = [a["text"] for a in page.anchors if a["href"].startswith("./articles/")]
    assert titles[0] == "Smart cities need digital rights"
    assert "At UN, Bart Somers discusses migration" in titles
    assert page.link("canonical")[0]["href"] == "https://press.example.org/"


def test_languages_have_their_index_and_feeds(site: Path) -> None:
    fr = read(site, "fr/index.html")
    assert fr.lang == "fr"
    assert [a["href"] for a in fr.anchors if "/articles/" in a["href"]] == [f"../articles/{CUTRO_FR}/"]
    feed = feedparser.parse((site / "fr/feed.xml").read_bytes())
    assert not feed.bozo and [e.link for e in feed.entries] == [
        f"https://press.example.org/articles/{CUTRO_FR}/"]


def test_tag_pages(site: Path) -> None:
    page = read(site, "tags/migration/index.html")
    linked = {a["href"] for a in page.anchors if "/articles/" in a["href"]}
    assert linked == {f"../../articles/{s}/" for s in
                      (SOMERS, CUTRO_EN, CUTRO_FR, "integration-starts-in-the-neighbourhood")}
    index = read(site, "tags/index.html")
    assert any(a["href"] == "../tags/migration/" for a in index.anchors)


def test_an_alias_redirects_to_the_article(site: Path) -> None:
    target = "statement-local-self-government-is-not-negotiable"
    for rel, root in (("statement-charter-of-local-self-government/index.html", "../"),
                      ("articles/statement-charter-of-local-self-government/index.html", "../../")):
        page = read(site, rel)
        assert page.first("refresh") == f"0; url={root}articles/{target}/"
        assert page.link("canonical")[0]["href"] == f"https://press.example.org/articles/{target}/"
        assert page.first("robots") == "noindex"


def test_media_is_copied_and_linked(site: Path, sample: Room) -> None:
    copy = site / "static/media/articles/media/somers-un.jpg"
    assert copy.read_bytes() == (sample.articles / "media/somers-un.jpg").read_bytes()
    page = read(site, f"articles/{SOMERS}/index.html")
    assert 'src="../../static/media/articles/media/somers-un.jpg"' in page.html


def test_body_media_links_are_rewritten_and_nothing_outside_is_copied(room: Room, cli: Cli,
                                                                       tmp_path: Path) -> None:
    (room.articles / "media").mkdir()
    (room.articles / "media" / "report 2026.pdf").write_bytes(b"%PDF-1.4 report")
    (room.articles / "media" / "evil.svg").write_text("<svg onload='alert(1)'/>", encoding="utf-8")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")
    (room.articles / "media" / "leak.pdf").symlink_to(secret)
    published(room, "with-media", body="[The report](media/report%202026.pdf#page=2), "
              "![logo](media/evil.svg), [leak](media/leak.pdf), [up](../../secret.pdf)\n")
    out = room.root / "public"
    export(cli, out)
    html = (out / "articles/with-media/index.html").read_text(encoding="utf-8")
    assert 'href="../../static/media/articles/media/report%202026.pdf#page=2"' in html
    assert (out / "static/media/articles/media/report 2026.pdf").read_bytes() == b"%PDF-1.4 report"
    assert not list(out.rglob("evil.svg")) and not list(out.rglob("leak.pdf"))
    assert not [p for p in out.rglob("*") if p.is_file() and p.read_bytes() == b"%PDF secret"]


# -- feeds and files for machines ---------------------------------------------------------


def test_the_atom_feed_parses(site: Path) -> None:
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Liberal Cities & Regions — Press Office"
    assert len(feed.entries) == len(LIVE)
    first = feed.entries[0]
    assert first.link == "https://press.example.org/articles/smart-cities-need-digital-rights/"
    assert first.id == "urn:uuid:dfdc33d1-d683-478d-af7b-84a6be98cdbb"
    assert "Tallinn" in first.content[0].value
    somers = next(e for e in feed.entries if e.link.endswith(f"/{SOMERS}/"))
    assert somers.published == "2017-04-19T10:00:00+02:00"


def test_feed_bodies_have_absolute_links(site: Path) -> None:
    doc = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    smart = next(i for i in doc["items"] if i["url"].endswith("/smart-cities-need-digital-rights/"))
    assert ('href="https://press.example.org/articles/statement-local-self-government-is-not-negotiable/"'
            in smart["content_html"])


def test_the_json_feed(site: Path) -> None:
    doc = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] and isinstance(doc["items"], list) and doc["items"]
    assert doc["feed_url"] == "https://press.example.org/feed.json"
    assert doc["home_page_url"] == "https://press.example.org/"
    for item in doc["items"]:
        assert item["id"] and ("content_html" in item or "content_text" in item)
        assert item["url"].startswith("https://press.example.org/articles/")


def test_the_sitemap_and_robots(site: Path) -> None:
    root = ET.parse(site / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text or "" for e in root.findall("s:url/s:loc", ns)]
    assert all(loc.startswith("https://press.example.org/") for loc in locs)
    assert f"https://press.example.org/articles/{SOMERS}/" in locs
    assert "statement-charter-of-local-self-government" not in " ".join(locs)
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://press.example.org/sitemap.xml" in robots


def test_without_base_url_links_are_relative_and_a_warning_says_so(sample: Room, cli: Cli) -> None:
    toml = sample.root / "pressctl.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('base_url = "https://press.example.org/"',
                                                             ""), encoding="utf-8")
    out = sample.root.parent / "preview"
    result = export(cli, out)
    assert result.stderr.count("no base_url") == 1
    assert not (out / "sitemap.xml").exists()
    page = read(out, f"articles/{SOMERS}/index.html")
    assert not page.link("canonical") and "og:url" not in page.meta and "og:image" not in page.meta
    for rel, data in tree_bytes(out).items():
        assert b"press.example.org" not in data, rel
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo
    assert f"articles/{SOMERS}/" in [e.link for e in feed.entries][-1] or any(
        e.link.endswith(f"articles/{SOMERS}/") for e in feed.entries)


# -- pagination ---------------------------------------------------------------------------------


def test_the_index_is_paginated(room: Room, cli: Cli) -> None:
    with (room.root / "pressctl.toml").open("a", encoding="utf-8") as fh:
        fh.write("[export]\nper_page = 10\n")
    for n in range(25):
        published(room, f"story-{n:02d}", f"2026-01-{n + 1:02d}T09:00:00+01:00")
    out = room.root / "public"
    export(cli, out)
    first, second, third = (read(out, r) for r in ("index.html", "page/2/index.html", "page/3/index.html"))
    def stories(p: Page) -> list[str]:
        return [a["href"].rsplit("/", 2)[-2] for a in p.anchors if "/articles/story-" in a["href"]]
    assert stories(first) == [f"story-{n:02d}" for n in range(24, 14, -1)]
    assert stories(second) == [f"story-{n:02d}" for n in range(14, 4, -1)]
    assert stories(third) == [f"story-{n:02d}" for n in range(4, -1, -1)]
    assert first.link("next")[0]["href"] == "./page/2/"
    assert second.link("prev")[0]["href"] == "../../" and second.link("next")[0]["href"] == "../../page/3/"
    assert not third.link("next")
    assert not (out / "page/4/index.html").exists()


# -- incremental and tidy -------------------------------------------------------------------------


def test_re_export_rewrites_nothing(site: Path, cli: Cli) -> None:
    before = snapshot(site)
    result = export(cli, site)
    assert snapshot(site) == before
    assert "0 files written" in result.stderr
    shutil.rmtree(site.parent / "sample" / ".pressctl")  # without caches, still nothing rewritten
    export(cli, site)
    assert rewritten(before, snapshot(site)) == set()


def test_editing_one_article_rewrites_only_what_shows_it(site: Path, sample: Room, cli: Cli) -> None:
    before = snapshot(site)
    path = sample.path("integration-starts-in-the-neighbourhood")
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    export(cli, site)
    assert rewritten(before, snapshot(site)) == {
        "articles/integration-starts-in-the-neighbourhood/index.html",
        "feed.xml", "feed.json", "en/feed.xml", "en/feed.json"}  # the feeds carry the whole body


def test_a_changed_title_rewrites_the_pages_that_show_it(site: Path, sample: Room, cli: Cli) -> None:
    before = snapshot(site)
    path = sample.path("cities-lead-the-way-to-climate-neutrality")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title = "Cities lead the way', 'title = "Towns lead the way'),
                    encoding="utf-8")
    export(cli, site)
    changed = rewritten(before, snapshot(site))
    assert "articles/cities-lead-the-way-to-climate-neutrality/index.html" in changed
    assert "articles/next-eu-budget-must-reach-regions/index.html" in changed  # its Other news
    assert "tags/climate/index.html" in changed and "index.html" in changed
    assert f"articles/{SOMERS}/index.html" not in changed


def test_a_file_changed_by_hand_is_written_again(site: Path, cli: Cli) -> None:
    page = site / f"articles/{SOMERS}/index.html"
    original = page.read_bytes()
    page.write_bytes(b"defaced")
    export(cli, site)
    assert page.read_bytes() == original


def test_pages_no_longer_produced_are_removed_and_the_rest_is_untouched(site: Path, sample: Room,
                                                                         cli: Cli) -> None:
    (site / "CNAME").write_text("press.example.org\n", encoding="utf-8")
    (site / "articles" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (site / "downloads").mkdir()
    (site / "downloads" / "kit.zip").write_bytes(b"zip")
    sample.path("integration-starts-in-the-neighbourhood").unlink()
    export(cli, site)
    assert not (site / "articles/integration-starts-in-the-neighbourhood").exists()
    assert (site / "CNAME").read_text(encoding="utf-8") == "press.example.org\n"
    assert (site / "articles" / "notes.txt").exists() and (site / "downloads" / "kit.zip").exists()
    manifest = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    assert "CNAME" not in manifest["files"]


def test_a_tag_that_disappears_takes_its_folder_along(room: Room, cli: Cli) -> None:
    path = published(room, "one", tags=["ephemeral"])
    out = room.root / "public"
    export(cli, out)
    assert (out / "tags/ephemeral/index.html").exists()
    path.write_text(path.read_text(encoding="utf-8").replace('"ephemeral"', '"lasting"'), encoding="utf-8")
    export(cli, out)
    assert not (out / "tags/ephemeral").exists() and (out / "tags/lasting/index.html").exists()


def test_a_damaged_manifest_removes_nothing(site: Path, sample: Room, cli: Cli) -> None:
    (site / MANIFEST).write_text('{"format": "pressctl-manifest/1", "files": '
                                 '{"../outside.txt": ["x", 1, 1, null], "/etc/passwd": ["x", 1, 1, null]}}',
                                 encoding="utf-8")
    outside = site.parent / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    export(cli, site)
    assert outside.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("where", [".", "articles", "..", "/", "articles/sub", "templates"])
def test_dangerous_destinations_are_refused(sample: Room, cli: Cli, where: str) -> None:
    before = snapshot(sample.root)
    result = cli("export", "--format", "html", "--out", where)
    assert result.exit_code == 1, result.stdout
    assert "refusing" in result.stderr
    assert snapshot(sample.root) == before


def test_the_default_folder_is_export_out_under_the_newsroom(sample: Room, cli: Cli) -> None:
    result = cli("export", "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert (sample.root / "public" / "index.html").is_file()


def test_a_symlink_in_the_output_is_not_followed(room: Room, cli: Cli, tmp_path: Path) -> None:
    published(room, "one")
    out = room.root / "public"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "articles").symlink_to(elsewhere)
    result = cli("export", "--format", "html", "--out", str(out))
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


# -- templates, workers, previews ---------------------------------------------------------------


def test_templates_can_be_overridden_by_name(sample: Room, cli: Cli) -> None:
    templates = sample.root / "templates"
    templates.mkdir()
    (templates / "article.html").write_text(
        '{% extends "builtin/article.html" %}\n'
        '{% block content %}<p class="house-style">{{ article.title }}</p>{{ super() }}{% endblock %}\n',
        encoding="utf-8")
    out = sample.root.parent / "site"
    export(cli, out)
    page = (out / f"articles/{SOMERS}/index.html").read_text(encoding="utf-8")
    assert '<p class="house-style">At UN, Bart Somers discusses migration</p>' in page
    assert "Other news" in page
    (templates / "article.html").write_text("<!DOCTYPE html><title>{{ article.title }}</title>\n",
                                            encoding="utf-8")
    export(cli, out)
    assert (out / f"articles/{SOMERS}/index.html").read_text(encoding="utf-8") == (
        "<!DOCTYPE html><title>At UN, Bart Somers discusses migration</title>\n")


def test_an_override_of_the_card_macro_is_used_everywhere_cards_are(sample: Room, cli: Cli) -> None:
    templates = sample.root / "templates"
    templates.mkdir()
    (templates / "macros.html").write_text(
        '{% import "builtin/macros.html" as builtin %}\n'
        "{% macro card(item, level, root, lang) %}"
        '<li class="house-card" data-level="{{ level }}"><a href="{{ root }}{{ item.path }}">'
        "{{ item.title }}</a>{{ item.date_text }}</li>\n{% endmacro %}\n"
        "{% macro pagination(p, root, t) %}{{ builtin.pagination(p, root, t) }}{% endmacro %}\n",
        encoding="utf-8")
    out = sample.root.parent / "site"
    export(cli, out)
    home = (out / "index.html").read_text(encoding="utf-8")
    article = (out / f"articles/{SOMERS}/index.html").read_text(encoding="utf-8")
    tag = next((out / "tags").glob("*/index.html")).read_text(encoding="utf-8")
    for page, level, root in ((home, 2, "./"), (article, 3, "../../"), (tag, 2, "../../")):
        assert 'class="card"' not in page
        assert f'<li class="house-card" data-level="{level}"><a href="{root}articles/' in page
    assert f'<a href="./articles/{SOMERS}/">At UN, Bart Somers discusses migration</a>' in home
    # An override that reuses the built-in card (through builtin/) gets the built-in pages.
    default = sample.root.parent / "default"
    shutil.rmtree(templates)
    export(cli, default)
    templates.mkdir()
    (templates / "macros.html").write_text(
        '{% import "builtin/macros.html" as builtin %}\n'
        "{% macro card(item, level, root, lang) %}{{ builtin.card(item, level, root=root, lang=lang) }}"
        "{% endmacro %}\n"
        "{% macro pagination(p, root, t) %}{{ builtin.pagination(p, root, t) }}{% endmacro %}\n",
        encoding="utf-8")
    export(cli, out)
    assert tree_bytes(out) == tree_bytes(default)


def test_one_worker_and_two_give_the_same_site(sample: Room, cli: Cli) -> None:
    one, two = sample.root.parent / "one", sample.root.parent / "two"
    export(cli, one, "--jobs", "1")
    shutil.rmtree(sample.root / ".pressctl")
    export(cli, two, "--jobs", "2")
    assert tree_bytes(one) == tree_bytes(two)


def test_all_exports_previews_marked_noindex(sample: Room, cli: Cli) -> None:
    out = sample.root.parent / "preview"
    export(cli, out, "--all")
    draft = read(out, "articles/affordable-housing-is-a-local-emergency/index.html")
    assert draft.first("robots") == "noindex"
    assert "Preview: this article is not live." in "".join(draft.text)
    live = read(out, f"articles/{SOMERS}/index.html")
    assert "robots" not in live.meta


def test_the_core_reports_progress_and_counts(sample: Room, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    out = tmp_path / "core-site"
    result = EXPORTERS["html"](Newsroom(sample.root),
                               ExportOptions(out=out, jobs=1, progress=lambda *a: seen.append(a)))
    assert not result.failed and result.exported == len(LIVE)
    assert result.written == len([p for p in out.rglob("*") if p.is_file()]) - 1  # not the manifest
    assert seen and all(done <= total for _, done, total in seen)


def test_a_broken_record_is_skipped_and_the_site_still_exported(room: Room, cli: Cli) -> None:
    published(room, "good")
    room.write_raw("broken.md", b"+++\ntitle = 'x'\n\xff\n+++\n")
    out = room.root / "public"
    result = cli("export", "--format", "html", "--out", str(out))
    assert result.exit_code == 1
    assert "broken.md" in result.stderr
    assert (out / "articles/good/index.html").is_file()


def test_through_the_installed_entry_point(sample: Room, tmp_path: Path) -> None:
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "pressctl"
    out = tmp_path / "entry-site"
    proc = subprocess.run([str(exe), "export", "--format", "html", "--out", str(out)], cwd=sample.root,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PRESSCTL_ROOT": str(sample.root)})
    assert proc.returncode == 0, proc.stderr
    assert (out / f"articles/{SOMERS}/index.html").is_file()
    assert "\x1b[" not in proc.stderr  # no progress bar, no colour off a terminal


def test_a_state_folder_that_leads_outside_is_not_written(room: Room, cli: Cli, tmp_path: Path) -> None:
    published(room, "one")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (room.root / ".pressctl").symlink_to(elsewhere)
    out = room.root / "public"
    for _ in range(2):
        export(cli, out)
    assert list(elsewhere.iterdir()) == []
    assert (out / "articles/one/index.html").is_file()


def test_a_read_only_newsroom_still_exports(room: Room, cli: Cli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from pressctl.store import Newsroom

    published(room, "one")

    def read_only(self: Newsroom) -> Path:  # what a read-only mount answers, even to root
        raise OSError(errno.EROFS, "Read-only file system", str(self.state_dir))

    monkeypatch.setattr(Newsroom, "ensure_state_dir", read_only)
    out = tmp_path / "site-ro"
    result = cli("export", "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert (out / "articles/one/index.html").is_file()
    assert not (room.root / ".pressctl").exists()


def test_a_large_sitemap_becomes_an_index(room: Room, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from pressctl.exporters import feeds

    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 3)
    for n in range(7):
        published(room, f"story-{n}")  # with the home page: 8 URLs, 3 a file
    out = room.root / "public"
    export(cli, out)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [e.text for e in index.findall("s:sitemap/s:loc", ns)]
    assert parts == ["https://news.example.org/sitemap-1.xml", "https://news.example.org/sitemap-2.xml",
                     "https://news.example.org/sitemap-3.xml"]
    locs = [e.text for n in (1, 2, 3)
            for e in ET.parse(out / f"sitemap-{n}.xml").getroot().findall("s:url/s:loc", ns)]
    assert len(locs) == len(set(locs)) == 8


def test_the_article_page_matches_its_golden_file(sample: Room, tmp_path: Path) -> None:
    """The Bart Somers page, byte for byte, at a fixed moment (PRESSCTL_UPDATE_GOLDEN=1 updates it)."""
    from tests.export_support import check_golden

    out = tmp_path / "golden-site"
    now = datetime.fromisoformat("2026-11-27T12:00:00+01:00")
    result = EXPORTERS["html"](Newsroom(sample.root), ExportOptions(out=out, now=now, jobs=1))
    assert not result.failed
    check_golden("sample-article.html", (out / f"articles/{SOMERS}/index.html").read_text(encoding="utf-8"))
    check_golden("sample-feed.xml", (out / "feed.xml").read_text(encoding="utf-8"))


def test_html_cannot_go_to_stdout(sample: Room, cli: Cli) -> None:
    result = cli("export", "--format", "html", "--out", "-")
    assert result.exit_code == 2
    assert "folder" in result.stderr


def test_a_second_export_reuses_the_cache(room: Room, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """After one article changes, only it is parsed and rendered again (500 records: whole batches)."""
    from pressctl.exporters import bodies, records

    for n in range(500):
        path = published(room, f"story-{n:03d}", f"2025-01-01T09:{n % 60:02d}:00+01:00")
        os.utime(path, (path.stat().st_atime - 3600, path.stat().st_mtime - 3600))  # not fresh
    out = room.root / "public"
    export(cli, out, "--jobs", "1")
    calls: list[str] = []
    real = bodies.render
    monkeypatch.setattr(bodies, "render", lambda body, resolver: calls.append(body) or real(body, resolver))
    parsed: list[Path] = []
    real_parse = records.parse_entry
    monkeypatch.setattr(records, "parse_entry", lambda p: parsed.append(p) or real_parse(p))
    edited = room.path("story-007")
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    export(cli, out, "--jobs", "1")
    assert parsed == [edited] and len(calls) == 1


@pytest.mark.parametrize("fresh", [False, True], ids=["copied-earlier", "copied-just-now"])
def test_a_copy_of_the_newsroom_with_its_caches_parses_only_what_differs(
        room: Room, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh: bool) -> None:
    """A fresh clone in a pipeline, with `.pressctl/` restored: every file has a new mtime
    and inode, but a record with the bytes it had is not parsed or rendered again (one
    edited without a change of size is), and the site is the one a cold export makes."""
    import types

    from pressctl.exporters import bodies, catalog, records

    for n in range(60):
        path = published(room, f"story-{n:03d}", f"2025-01-01T09:{n:02d}:00+01:00", tags=["city"])
        os.utime(path, (path.stat().st_atime - 3600, path.stat().st_mtime - 3600))
    export_html(cli, tmp_path / "site", "--jobs", "1")
    clone = tmp_path / "clone"
    shutil.copytree(room.root, clone, copy_function=shutil.copy)  # new inodes
    edited = clone / "articles" / "story-007.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("Body text.", "Body-text."), encoding="utf-8")  # same size
    copied = 1_900_000_000 * 10**9  # the copy's mtime; the catalog's clock is set from it
    for path in (clone / "articles").glob("*.md"):
        os.utime(path, ns=(copied, copied))

    def at(seconds_after_the_copy: float) -> None:
        now = copied + int(seconds_after_the_copy * 10**9)
        monkeypatch.setattr(catalog, "clock", types.SimpleNamespace(time_ns=lambda: now))

    parsed: list[str] = []
    rendered: list[str] = []
    compared: list[str] = []
    real_parse, real_render, real_same = records.parse_entry, bodies.render, catalog.same_content
    monkeypatch.setattr(records, "parse_entry", lambda p: parsed.append(p.name) or real_parse(p))
    monkeypatch.setattr(bodies, "render",
                        lambda body, resolver: rendered.append(body) or real_render(body, resolver))
    monkeypatch.setattr(catalog, "same_content",
                        lambda p, c, k: compared.append(p.name) or real_same(p, c, k))

    def export_clone(out: Path) -> None:
        result = cli("--root", str(clone), "export", "--format", "html", "--out", str(out), "--jobs", "1")
        assert result.exit_code == 0, result.stderr

    at(1 if fresh else 600)  # within the two seconds an mtime is not trusted, or long after
    export_clone(tmp_path / "clone-site")
    # Every copy of the same size is compared; the one that differs is parsed and rendered.
    assert parsed == ["story-007.md"] and rendered == ["Body-text.\n"] and len(compared) == 60
    page = (tmp_path / "clone-site" / "articles" / "story-007" / "index.html").read_text(encoding="utf-8")
    assert "Body-text." in page
    parsed.clear()
    compared.clear()
    at(600)
    export_clone(tmp_path / "clone-site-again")
    # What was compared or parsed while its mtime was too fresh to trust was not
    # remembered under it (the file could have changed within the same tick): it is
    # compared or parsed again. The rest is known by its new identity.
    assert parsed == (["story-007.md"] if fresh else [])
    assert len(compared) == (59 if fresh else 0)  # the parsed one was forgotten, not kept
    shutil.rmtree(clone / ".pressctl")
    export_clone(tmp_path / "cold")
    assert tree_bytes(tmp_path / "clone-site") == tree_bytes(tmp_path / "cold")
    assert tree_bytes(tmp_path / "clone-site-again") == tree_bytes(tmp_path / "cold")


def test_a_copy_is_compared_only_when_it_is_the_file_that_was_listed(room: Room) -> None:
    """The identity the catalog remembers for a copy is the one of the file whose bytes
    were compared: one put in its place since (same bytes or not) is not taken for it."""
    from pressctl import record

    path = published(room, "story")
    st = path.stat()
    listed = (st.st_size, st.st_mtime_ns, st.st_ino)
    digest = record.content_digest(path.read_bytes())
    assert record.same_content(path, digest, listed)
    assert not record.same_content(path, record.content_digest(b"other bytes"), listed)
    replacement = path.with_name("story.tmp")
    shutil.copy(path, replacement)
    os.replace(replacement, path)  # the same bytes, another inode
    assert not record.same_content(path, digest, listed)
    assert not record.same_content(room.articles / "gone.md", digest, listed)


def test_an_export_leaves_the_cycle_collector_as_it_found_it(sample: Room, cli: Cli, tmp_path: Path) -> None:
    """An export keeps what it read out of the collector's sight while it runs, and gives
    it back after (pressctl's modules are used in-process too; a failed export is checked
    below)."""
    import gc

    assert gc.get_freeze_count() == 0 and gc.isenabled()
    export_html(cli, tmp_path / "out")
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    kept_frozen = [object()]  # a program that froze objects of its own keeps them frozen
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        export_html(cli, tmp_path / "again")
        assert 0 < gc.get_freeze_count() <= frozen  # none given back, none added (some freed)
    finally:
        gc.unfreeze()
    assert kept_frozen


@pytest.mark.parametrize("where", ["open", "write"])
def test_a_failed_write_names_the_file_and_the_next_export_completes_the_site(
        sample: Room, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A full disk halfway through (when a page's file is made, or written to): a message
    naming the page, exit 1, and no traceback; once there is room again, the next export
    leaves the same site as one never stopped."""
    import errno
    import gc

    from pressctl.exporters import output

    reference = tmp_path / "reference"
    export_html(cli, reference)
    out = tmp_path / "out"
    real_open, real_write = os.open, os.write
    made = 0

    def full_disk_on_open(path: str, flags: int, mode: int = 0o777) -> int:
        nonlocal made
        if str(path).endswith(output.TMP_SUFFIX):
            made += 1
            if made > 3:
                raise OSError(errno.ENOSPC, "No space left on device", path)
        return real_open(path, flags, mode)

    def full_disk_on_write(fd: int, data: Any) -> int:  # as the kernel says it: no file name
        nonlocal made
        made += 1
        if made > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    if where == "open":
        monkeypatch.setattr(os, "open", full_disk_on_open)
    else:
        monkeypatch.setattr(os, "write", full_disk_on_write)
    result = cli("export", "--format", "html", "--out", str(out), "--jobs", "1")
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # given back after a failure too
    assert result.exit_code == 1
    assert re.search(r"\S+/index\.html: No space left on device", result.stderr)
    assert "Traceback" not in result.stderr
    monkeypatch.setattr(os, "open", real_open)
    monkeypatch.setattr(os, "write", real_write)
    export_html(cli, out)
    assert tree_bytes(out) == tree_bytes(reference)
