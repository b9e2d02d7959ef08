"""Check that HTML can run no script: for rendered bodies, exported pages and feed content.

The checks parse the HTML (``html.parser``) and look at real tags and attributes;
attribute values are decoded as a browser decodes them before anything is compared.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
IFRAME_PREFIXES = (
    "https://www.youtube-nocookie.com/embed/",
    "https://www.youtube.com/embed/",
    "https://player.vimeo.com/video/",
)
# Never in a body; a page may hold those of PAGE_TAGS.
FORBIDDEN_TAGS = frozenset(
    {
        "script", "style", "object", "embed", "applet", "form", "svg", "math", "base",
        "meta", "link", "frame", "frameset", "template", "portal",
    }
)  # fmt: skip
PAGE_TAGS = frozenset({"meta", "link", "style"})
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "poster", "background",
        "data", "cite", "codebase", "longdesc", "lowsrc", "dynsrc", "manifest", "icon",
        "ping", "usemap",
    }
)  # fmt: skip
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What a browser ignores in a URL before it reads the scheme.
_URL_IGNORED = re.compile("[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]*)", re.IGNORECASE)
_CSS_DANGER = re.compile(r"javascript:|vbscript:|expression\s*\(|-moz-binding|behavior\s*:", re.IGNORECASE)


def url_scheme(url: str) -> str | None:
    """The scheme a browser reads in URL (lowercase), or None for a relative URL."""
    url = _URL_IGNORED.sub("", url).strip(_C0_AND_SPACE)
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def assert_safe_html(html: str, *, where: str, page: bool = False) -> None:
    """Fail, naming WHERE, when HTML holds anything that could run script or load a foreign frame.

    Checked: no script, style, object, embed, form, svg, math, base, meta, link …
    element; no ``on…`` event-handler attribute; no ``style`` or ``srcdoc``
    attribute; every URL attribute (href, src, action, formaction, xlink:href …,
    srcset) relative or of an allowed scheme (so no javascript:, vbscript:,
    data: …); iframes only from IFRAME_PREFIXES; no C0 control character.

    ``page=True`` is for whole exported pages: it also allows ``meta`` (a refresh
    must point to an allowed URL), ``link`` (its href is checked), ``style``
    elements without script-like CSS, and ``<script type="application/ld+json">``.
    """
    problems = _Checker(page).check(html)
    if problems:
        listed = "\n  ".join(problems)
        raise AssertionError(f"unsafe HTML in {where}:\n  {listed}\n--- HTML ---\n{html}")


class _Checker(HTMLParser):
    def __init__(self, page: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []
        self.open_raw: str | None = None

    def check(self, html: str) -> list[str]:
        if CONTROL_CHARS.search(html):
            self.problems.append(f"C0 control character {CONTROL_CHARS.search(html)!r}")
        if not self.page and re.search(r"<\s*script", html, re.IGNORECASE):
            self.problems.append("'<script' in the text")
        self.feed(html)
        self.close()
        return self.problems

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self._check_tag(tag, values)
        for name, value in attrs:
            self._check_attribute(tag, name, value or "")
        if tag in ("script", "style"):
            self.open_raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.open_raw = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self.open_raw:
            self.open_raw = None

    def handle_data(self, data: str) -> None:
        if self.open_raw == "style" and _CSS_DANGER.search(data):
            self.problems.append(f"<style> with script-like CSS: {data[:80]!r}")

    def _check_tag(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "script":
            json_ld = attrs.get("type", "").strip().lower() == "application/ld+json"
            if not (self.page and json_ld and "src" not in attrs):
                self.problems.append(f"<script> element {attrs}")
        elif tag in FORBIDDEN_TAGS and not (self.page and tag in PAGE_TAGS):
            self.problems.append(f"<{tag}> element {attrs}")
        elif tag == "iframe" and not attrs.get("src", "").startswith(IFRAME_PREFIXES):
            self.problems.append(f"<iframe> from a host not allowed: {attrs.get('src')!r}")
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH_URL.search(attrs.get("content", ""))
            if match:
                self._check_url("meta", "content", match.group(1))

    def _check_attribute(self, tag: str, name: str, value: str) -> None:
        bare = name.lstrip("/")
        if bare.startswith("on"):
            self.problems.append(f"<{tag}> event handler {name}={value!r}")
        elif bare in ("style", "srcdoc"):
            self.problems.append(f"<{tag}> {name} attribute {value!r}")
        elif bare in URL_ATTRIBUTES:
            self._check_url(tag, name, value)
        elif bare in ("srcset", "imagesrcset"):
            for candidate in value.split(","):
                self._check_url(tag, name, candidate.strip().split(" ")[0])

    def _check_url(self, tag: str, name: str, url: str) -> None:
        scheme = url_scheme(url)
        if scheme is not None and scheme not in ALLOWED_URL_SCHEMES:
            self.problems.append(f"<{tag}> {name} with a {scheme}: URL {url!r}")
