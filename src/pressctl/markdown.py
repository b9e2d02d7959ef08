"""Render article bodies from Markdown to sanitised HTML.

The pipeline is: strip control characters, parse with markdown-it-py (the
CommonMark preset plus tables, strikethrough, linkify and footnotes, raw HTML
allowed), render, then sanitise with nh3 against the explicit allow-lists below.
The sanitiser is the only gate for URLs: markdown-it-py's own ``validateLink`` is
a deny-list, so it is switched off here and every ``href``/``src`` goes through
nh3's scheme allow-list (``http``, ``https``, ``mailto``, ``tel``, relative URLs
and fragments).

Choices worth knowing:

- Table cell alignment is written as ``class="align-left|align-center|align-right"``
  instead of markdown-it's ``style="text-align:…"``; no ``style`` attribute survives.
- nh3 adds ``rel="noopener noreferrer"`` to every ``<a>``, internal links included:
  it cannot tell them apart, and no ``target`` attribute is allowed, so on internal
  links the only effect is that no Referer is sent.
- ``id`` is kept only with the values the footnote plugin writes (``fn3`` on the
  note, ``fnref3``/``fnref3:1`` on the reference), ``class`` only with the values
  pressctl itself writes (footnotes, table alignment, ``language-*`` on code).
- ``<iframe>`` is kept only when its ``src`` starts with one of the embed
  prefixes of :data:`IFRAME_PREFIXES`; any other iframe is removed with its content:

  - ``https://www.youtube-nocookie.com/embed/``
  - ``https://www.youtube.com/embed/``
  - ``https://player.vimeo.com/video/``

- Characters that XML 1.0 forbids or HTML calls control characters are removed
  from the input and from the output (they would break the Atom feed).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "IFRAME_PREFIXES",
    "URL_SCHEMES",
    "RenderedBody",
    "UrlRewriter",
    "first_paragraph_text",
    "plain_text",
    "render_body",
    "render_commonmark",
    "render_markdown",
    "strip_control_chars",
    "word_count",
]

UrlRewriter = Callable[[str], str]

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

IFRAME_PREFIXES = (
    "https://www.youtube-nocookie.com/embed/",
    "https://www.youtube.com/embed/",
    "https://player.vimeo.com/video/",
)

ALLOWED_TAGS = frozenset(
    (
        "p h1 h2 h3 h4 h5 h6 ul ol li blockquote pre code em strong del s a img figure "
        "figcaption table thead tbody tr th td hr br sup sub section abbr cite q mark "
        "small details summary iframe"
    ).split()
)

ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    tag: frozenset(names.split())
    for tag, names in {
        "a": "href title id class",
        "img": "src alt title width height",
        "ol": "start class",
        "li": "id class",
        "code": "class",
        "th": "class colspan rowspan",
        "td": "class colspan rowspan",
        "sup": "class",
        "hr": "class",
        "section": "class",
        "abbr": "title",
        "details": "open",
        "iframe": "src title width height allow allowfullscreen loading referrerpolicy",
    }.items()
}

# Removed together with everything inside them (the others keep their text).
_CLEAN_CONTENT_TAGS = frozenset(
    (
        "script style template noscript object embed applet svg math textarea select "
        "title xmp noembed noframes"
    ).split()
)

_EXTRA_TLDS = ("int", "news", "press", "ngo", "app", "dev", "online", "site")
_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
_CLASSES: dict[str, frozenset[str]] = {
    "a": frozenset({"footnote-backref"}),
    "li": frozenset({"footnote-item"}),
    "ol": frozenset({"footnotes-list"}),
    "sup": frozenset({"footnote-ref"}),
    "hr": frozenset({"footnotes-sep"}),
    "section": frozenset({"footnotes"}),
    "th": _ALIGN_CLASSES,
    "td": _ALIGN_CLASSES,
}
_LANGUAGE_CLASS = re.compile(r"language-\S+")
_IDS = {"a": re.compile(r"fnref\d+(?::\d+)?"), "li": re.compile(r"fn\d+")}
_NUMBER = re.compile(r"\d{1,6}")
_START = re.compile(r"-?\d{1,9}")
_IFRAME_ALLOW_FEATURES = frozenset(
    (
        "accelerometer autoplay clipboard-write encrypted-media fullscreen gyroscope "
        "picture-in-picture web-share"
    ).split()
)
_REFERRER_POLICIES = frozenset(
    (
        "no-referrer no-referrer-when-downgrade origin origin-when-cross-origin "
        "same-origin strict-origin strict-origin-when-cross-origin"
    ).split()
)

# XML 1.0 forbids C0 controls (but tab, LF, CR), surrogates, U+FFFE and U+FFFF;
# HTML also calls DEL and the C1 controls control characters, and U+FDD0-U+FDEF
# noncharacters. (Astral noncharacters are legal XML and would slow the regex
# down twentyfold.)
_ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# Text in which linkify-it could find a link has a scheme's "//", an e-mail's "@"
# or a dot before a domain label. Its own tests are exact but slow (a Unicode
# class tried at every position): this one lets them skip most prose.
_LINK_HINT = re.compile(r"//|@|\.[^\W_]|localhost", re.IGNORECASE)
# URLs that percent-encoding (CommonMark's link normalisation) leaves unchanged.
_PLAIN_URL = re.compile(r"[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*")
# The sanitiser's serialised output, tag by tag: quoted attribute values are
# skipped whole, and an iframe is taken with its raw-text content, so a match can
# never start inside an attribute value or inside an iframe.
_SERIALISED = re.compile(
    r"""
    (?P<iframe><iframe(?P<attrs>(?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*>.*?</iframe\s*>)
    | <[^<>"]*(?:"[^"]*"[^<>"]*)*>
    | [^<]+
    | <
    """,
    re.DOTALL | re.VERBOSE | re.IGNORECASE,
)
_SRC_ATTRIBUTE = re.compile(r'\ssrc="')
_WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """An article body rendered once: sanitised HTML and what is derived from its text."""

    html: str
    first_paragraph: str
    word_count: int


def strip_control_chars(text: str) -> str:
    """Remove the characters that XML 1.0 forbids or HTML calls control characters."""
    return _ILLEGAL_CHARS.sub("", text)


def render_commonmark(text: str) -> str:
    """Pure CommonMark rendering with no extension and no sanitising (for conformance checks)."""
    return cast(str, _commonmark().render(text))


def render_markdown(text: str, *, rewrite_url: UrlRewriter | None = None) -> str:
    """Render an article body (CommonMark, tables, strikethrough, linkify, footnotes) to sanitised HTML.

    ``rewrite_url``, when given, is called with every link ``href`` and image ``src``
    as the author wrote it (markdown escapes and HTML entities decoded, before
    percent-encoding) once it passed the scheme allow-list; what it returns is
    percent-encoded and checked against the allow-list again. An exception it raises
    propagates to the caller.
    """
    tokens, env = _parse(text)
    return _sanitise(_render(tokens, env), rewrite_url)


def render_body(text: str, *, rewrite_url: UrlRewriter | None = None) -> RenderedBody:
    """Render an article body and derive its summary text and word count from one parse."""
    tokens, env = _parse(text)
    html = _sanitise(_render(tokens, env), rewrite_url)
    return RenderedBody(html, _first_paragraph(tokens), _count_words(tokens))


def plain_text(markdown: str) -> str:
    """The readable text of a Markdown body, without markup, raw HTML or URLs."""
    return " ".join(_texts(_parse(markdown)[0]))


def first_paragraph_text(markdown: str) -> str:
    """The plain text of the first paragraph that has any, for summaries ("" if none)."""
    return _first_paragraph(_parse(markdown)[0])


def word_count(markdown: str) -> int:
    """The number of words a reader reads in a Markdown body (text and code, not URLs or HTML)."""
    return _count_words(_parse(markdown)[0])


@cache
def _commonmark() -> MarkdownIt:
    return MarkdownIt("commonmark")


@cache
def _article_md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": True})
    md.enable(["table", "strikethrough", "linkify"]).use(footnote_plugin)
    # URLs reach the sanitiser as written: it decides on the scheme (an
    # allow-list), then _AttributeFilter rewrites and percent-encodes them.
    md.validateLink = _accept_link  # type: ignore[method-assign]
    md.normalizeLink = _keep_link  # type: ignore[method-assign]
    if md.linkify is not None:  # linkify-it-py is a dependency; None only if it is missing
        # linkify-it knows the country codes and a few generic domains; press
        # releases often cite international bodies (who.int, iom.int).
        md.linkify.tlds(list(_EXTRA_TLDS), True)
        # markdown-it calls pretest on a whole paragraph, then test on each of its
        # text runs: a paragraph that holds a Markdown link passes the hint but its
        # plain runs rarely do, so the hint alone is pretest and guards test.
        md.linkify.pretest = _has_link_hint
        md.linkify.test = _with_link_hint(md.linkify.test)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    return md


def _has_link_hint(text: str) -> bool:
    return _LINK_HINT.search(text) is not None


def _with_link_hint(test: Callable[[str], bool]) -> Callable[[str], bool]:
    def quick_test(text: str) -> bool:
        return _LINK_HINT.search(text) is not None and test(text)

    return quick_test


def _accept_link(url: str) -> bool:
    return True


def _keep_link(url: str) -> str:
    return url


def _render_cell_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Write a table cell's alignment as a class: no ``style`` attribute is allowed."""
    token = tokens[idx]
    style = token.attrs.pop("style", None)
    if isinstance(style, str) and style.startswith("text-align:"):
        token.attrs["class"] = "align-" + style.removeprefix("text-align:")
    return self.renderToken(tokens, idx, options, env)


def _parse(text: str) -> tuple[list[Token], EnvType]:
    env: EnvType = {}
    return _article_md().parse(strip_control_chars(text), env), env


def _render(tokens: Sequence[Token], env: EnvType) -> str:
    md = _article_md()
    return cast(str, md.renderer.render(tokens, md.options, env))


def _sanitise(html: str, rewrite_url: UrlRewriter | None) -> str:
    if rewrite_url is None:
        html = _cleaner().clean(html)
    else:
        attribute_filter = _AttributeFilter(rewrite_url)
        html = _make_cleaner(attribute_filter).clean(html)
        if attribute_filter.errors:
            # nh3 only reports a callback's exception to sys.unraisablehook: a bug
            # in the caller's rewrite_url must not pass silently.
            raise attribute_filter.errors[0]
    if "<iframe" in html:
        html = _SERIALISED.sub(_keep_allowed_iframe, html)
    return strip_control_chars(html)


def _keep_allowed_iframe(match: re.Match[str]) -> str:
    if match.group("iframe") is None:
        return match.group()
    attrs = match.group("attrs")
    # _AttributeFilter dropped any src outside IFRAME_PREFIXES; the content of an
    # iframe is raw text that no browser shows, so it goes too.
    return f"<iframe{attrs}></iframe>" if _SRC_ATTRIBUTE.search(attrs) else ""


@cache
def _cleaner() -> nh3.Cleaner:
    return _make_cleaner(_AttributeFilter(None))


def _make_cleaner(attribute_filter: _AttributeFilter) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        clean_content_tags=_CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_schemes=URL_SCHEMES,
    )


@cache
def _url_checker() -> nh3.Cleaner:
    return nh3.Cleaner(tags={"a"}, attributes={"a": {"href"}}, link_rel=None, url_schemes=URL_SCHEMES)


def _is_allowed_url(url: str) -> bool:
    """Whether nh3 keeps this URL (the same scheme allow-list as the document)."""
    if _ILLEGAL_CHARS.search(url):
        return False
    cleaned = _url_checker().clean(f'<a href="{html_lib.escape(url)}"></a>')
    return cleaned != "<a></a>"


class _AttributeFilter:
    """nh3's per-attribute callback: value checks nh3 has no option for, and URL rewriting."""

    __slots__ = ("errors", "rewrite_url")

    def __init__(self, rewrite_url: UrlRewriter | None) -> None:
        self.rewrite_url = rewrite_url
        self.errors: list[Exception] = []

    def __call__(self, tag: str, attr: str, value: str) -> str | None:
        if attr == "href" or (attr == "src" and tag == "img"):
            return self._url(value)
        if attr == "class":
            return _filter_classes(tag, value)
        if attr == "id":
            pattern = _IDS.get(tag)
            return value if pattern is not None and pattern.fullmatch(value) else None
        if attr in ("width", "height", "colspan", "rowspan"):
            return value if _NUMBER.fullmatch(value) else None
        if attr == "start":
            return value if _START.fullmatch(value) else None
        if tag == "iframe":
            return _filter_iframe_attribute(attr, value)
        return value

    def _url(self, value: str) -> str | None:
        # nh3 has checked the scheme already. A control character would be removed
        # from the output afterwards and could join "java\x01script:" into a scheme.
        if _ILLEGAL_CHARS.search(value):
            return None
        url = value
        if self.rewrite_url is not None:
            try:
                url = self.rewrite_url(value)
                if not isinstance(url, str):
                    raise TypeError(f"rewrite_url returned {url!r} for {value!r}, not a str")
            except Exception as error:  # re-raised by _sanitise once nh3 returns
                self.errors.append(error)
                return None
        if not _PLAIN_URL.fullmatch(url):
            url = normalizeLink(url)
        if url != value and not _is_allowed_url(url):
            return None
        return url


def _filter_classes(tag: str, value: str) -> str | None:
    if tag == "code":
        allowed = [name for name in value.split() if _LANGUAGE_CLASS.fullmatch(name)]
    else:
        names = _CLASSES.get(tag, frozenset())
        allowed = [name for name in value.split() if name in names]
    return " ".join(allowed) or None


def _filter_iframe_attribute(attr: str, value: str) -> str | None:
    if attr == "src":
        if value.startswith(IFRAME_PREFIXES) and not _WHITESPACE.search(value) and "\\" not in value:
            return value
        return None
    if attr == "allow":
        features = [part.split()[0] for part in value.split(";") if part.strip()]
        return value if features and all(f in _IFRAME_ALLOW_FEATURES for f in features) else None
    if attr == "allowfullscreen":
        return ""
    if attr == "loading":
        return value if value in ("lazy", "eager") else None
    if attr == "referrerpolicy":
        return value if value in _REFERRER_POLICIES else None
    return value


def _texts(tokens: Sequence[Token]) -> list[str]:
    """The text of every inline run and code block, in document order."""
    texts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            texts.append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            texts.append(token.content)
    return texts


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _first_paragraph(tokens: Sequence[Token]) -> str:
    in_footnotes = False
    for index, token in enumerate(tokens):
        if token.type == "footnote_block_open":
            in_footnotes = True
        elif token.type == "footnote_block_close":
            in_footnotes = False
        elif token.type == "paragraph_open" and not in_footnotes:
            text = _WHITESPACE.sub(" ", _inline_text(tokens[index + 1])).strip()
            if text:
                return text
    return ""


def _count_words(tokens: Sequence[Token]) -> int:
    return sum(len(_WORD.findall(text)) for text in _texts(tokens))
