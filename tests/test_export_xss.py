"""Known XSS vectors in every field an article has, through the html and json exports.

Each vector of tests/data/xss becomes an article whose body, title, summary, tags,
authors, category and image (src, alt, credit) are that vector. Every file of the
exported site must then run no script: pages (JSON-LD included), the Atom feed's and
the JSON Feed's HTML, and the json export's `body_html`.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
import tomli_w

from pressctl.exporters import EXPORTERS, ExportOptions
from pressctl.store import Newsroom
from tests.conftest import SETTINGS
from tests.htmlsafety import assert_safe_html
from tests.test_xss import VECTORS

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHED = datetime.fromisoformat("2026-01-10T09:00:00+01:00")


def one_line(text: str) -> str:
    return " ".join(text.split()) or "x"


def write_article(articles: Path, slug: str, vector: str, n: int) -> None:
    meta = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "title": f"T {one_line(vector)}",
        "slug": slug,
        "status": "published",
        "published": PUBLISHED.replace(minute=n % 60, hour=n // 60 % 24),
        "authors": [vector],
        "summary": vector,
        "category": vector,
        "tags": [vector, "xss"],
        "lang": "en",
        "image": {"src": vector, "alt": one_line(vector), "credit": vector},
    }
    (articles / f"{slug}.md").write_text(f"+++\n{tomli_w.dumps(meta)}+++\n{vector}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "articles").mkdir()
    (root / "pressctl.toml").write_text(SETTINGS + "[export]\nfeed_items = 1000\n", encoding="utf-8")
    for n, (_name, vector) in enumerate(VECTORS):
        write_article(root / "articles", f"v-{n:03d}", vector, n)
    return root


@pytest.fixture(scope="module")
def site(hostile: Path) -> Path:
    out = hostile / "public"
    result = EXPORTERS["html"](Newsroom(hostile), ExportOptions(out=out))
    assert not result.failed, [str(p) for p in result.problems]
    assert result.exported == len(VECTORS)
    return out


def test_every_page_is_safe(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 2 * len(VECTORS)  # articles and tag pages at least
    for page in pages:
        assert_safe_html(page.read_text(encoding="utf-8"), where=str(page.relative_to(site)), page=True)


def test_json_ld_cannot_close_its_script(site: Path) -> None:
    for page in (site / "articles").glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        body = html[start:html.index("</script>", start)]
        assert "<" not in body and ">" not in body
        json.loads(body)
        assert html.count("<script") == 1


def test_the_atom_feed_parses_and_its_html_is_safe(site: Path) -> None:
    data = (site / "feed.xml").read_bytes()
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == len(VECTORS)
    root = ET.fromstring(data)
    for entry in root.findall(f"{ATOM}entry"):
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        assert_safe_html(content.text or "", where=entry.findtext(f"{ATOM}id") or "?")
        for name in ("title", "summary"):  # text constructs: shown as text, never as markup
            element = entry.find(f"{ATOM}{name}")
            assert element is None or element.get("type") in (None, "text")


def test_the_json_feed_html_is_safe(site: Path) -> None:
    doc = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert len(doc["items"]) == len(VECTORS)
    for item in doc["items"]:
        assert_safe_html(item["content_html"], where=item["id"])
        assert "image" not in item or item["image"].startswith("https://")


def test_the_sitemap_is_well_formed(site: Path) -> None:
    ET.parse(site / "sitemap.xml")


def test_no_image_with_a_hostile_source(site: Path) -> None:
    for page in (site / "articles").glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        assert 'class="article-image"' not in html or 'src="https://' in html or 'src="../../static/' in html


def test_the_json_export_body_html_is_safe(hostile: Path) -> None:
    stream = io.StringIO()
    result = EXPORTERS["json"](Newsroom(hostile), ExportOptions(stream=stream))
    assert not result.failed
    doc = json.loads(stream.getvalue())
    assert len(doc["articles"]) == len(VECTORS)
    for article in doc["articles"]:
        assert_safe_html(article["body_html"], where=article["slug"])


def test_a_title_that_closes_the_script_element(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "pressctl.toml").write_text(SETTINGS, encoding="utf-8")
    write_article(tmp_path / "articles", "closer", "</script><!--<script>alert(1)</script>", 1)
    out = tmp_path / "public"
    EXPORTERS["html"](Newsroom(tmp_path), ExportOptions(out=out, jobs=1))
    html = (out / "articles/closer/index.html").read_text(encoding="utf-8")
    assert_safe_html(html, where="closer", page=True)
    assert "\\u003c/script\\u003e\\u003c!--" in html
    assert html.count("</script>") == 1
