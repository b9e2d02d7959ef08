"""Render article bodies from Markdown to sanitised HTML.

The pipeline is: strip control characters, parse with cmark-gfm (GitHub's C
implementation of CommonMark, through the ``cmarkgfm`` package) with the table,
strikethrough and autolink extensions and footnotes, raw HTML passed through,
render, then sanitise with nh3 against the explicit allow-lists below. The
sanitiser is the only gate for raw HTML and for URLs: cmark-gfm's ``tagfilter``
extension is not used (it would escape the allowed video iframes) and its
"unsafe" option is on, so every ``href``/``src`` goes through nh3's scheme
allow-list (``http``, ``https``, ``mailto``, ``tel``, relative URLs and fragments).

Choices worth knowing:

- Table cell alignment is written as ``class="align-left|align-center|align-right"``
  instead of cmark-gfm's ``align="…"``; no ``style`` or ``align`` attribute survives.
- nh3 adds ``rel="noopener noreferrer"`` to every ``<a>``, internal links included:
  it cannot tell them apart, and no ``target`` attribute is allowed, so on internal
  links the only effect is that no Referer is sent.
- ``id`` is kept only with the values cmark-gfm's footnotes write (``fn-LABEL`` on
  the note, ``fnref-LABEL`` and ``fnref-LABEL-2``… on its references, the label
  percent-encoded), ``class`` only with the values pressctl itself writes
  (``footnotes``, ``footnote-ref``, ``footnote-backref``, table alignment,
  ``language-*`` on code), ``aria-label`` only as cmark-gfm writes it on a
  footnote's back link ("Back to reference 1"). cmark-gfm's ``data-footnote*``
  attributes are removed.
- ``<iframe>`` is kept only when its ``src`` starts with one of the embed
  prefixes of :data:`IFRAME_PREFIXES`; any other iframe is removed with its content:

  - ``https://www.youtube-nocookie.com/embed/``
  - ``https://www.youtube.com/embed/``
  - ``https://player.vimeo.com/video/``

- Characters that XML 1.0 forbids or HTML calls control characters are removed
  from the input and from the output (they would break the Atom feed).

What changed for authors when cmark-gfm replaced markdown-it-py:

- A bare domain is no longer a link: GitHub's autolink needs ``www.`` or a scheme
  (``www.iom.int``, ``https://iom.int``); ``who.int`` or ``iom.int/en`` stay text.
- Footnote references are numbered ``1``, ``2``… (not ``[1]``, ``[1:1]``), the
  note list has no ``<hr>`` before it, ids are ``fn-LABEL``/``fnref-LABEL``, and
  a note is only listed when the text refers to it.
- ``~~text~~`` is ``<del>`` (it was ``<s>``).
- A numeric character reference to a control character (``&#1;``) is removed
  instead of becoming U+FFFD.
- Of the 652 examples of CommonMark 0.31.2, 641 render exactly as the spec says
  (markdown-it-py: 649): cmark-gfm never writes a ``<strong>`` directly inside
  another (GitHub's choice), and follows spec 0.29 in two corners (a reference
  beyond Unicode is U+FFFD; a currency sign next to ``*`` is not punctuation).
  tests/test_commonmark_spec.py lists them.

The first paragraph and the word count come from the same parse, through cmark's
XML rendering of the syntax tree (see :func:`_text_of`).

cmarkgfm's Python wrappers never free what cmark allocates (the document tree and
the returned string, theacodes/cmarkgfm#53), so this module calls cmark-gfm's C
functions itself and frees both (see :class:`_Cmark`).
"""

from __future__ import annotations

import ctypes
import html as html_lib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import nh3
from cmarkgfm import _cmark  # type: ignore[import-untyped]

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
        "a": "href title id class aria-label",
        "img": "src alt title width height",
        "ol": "start",
        "li": "id",
        "code": "class",
        "th": "class colspan rowspan",
        "td": "class colspan rowspan",
        "sup": "class",
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

_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
_CLASSES: dict[str, frozenset[str]] = {
    "a": frozenset({"footnote-backref"}),
    "sup": frozenset({"footnote-ref"}),
    "section": frozenset({"footnotes"}),
    "th": _ALIGN_CLASSES,
    "td": _ALIGN_CLASSES,
}
_LANGUAGE_CLASS = re.compile(r"language-\S+")
# cmark-gfm writes a footnote's label percent-encoded (houdini_escape_href), so an
# id holds no whitespace, quote or angle bracket.
_LABEL = r"[A-Za-z0-9\-_.+!*'(),%#@?=;:/&$~]{1,200}"
_IDS = {"a": re.compile("fnref-" + _LABEL), "li": re.compile("fn-" + _LABEL)}
_BACKREF_LABEL = re.compile(r"Back to reference \d{1,6}(?:-\d{1,6})?")
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
# The same characters in UTF-8, but the surrogates, which UTF-8 cannot encode: one
# byte each for C0 and DEL, and the others from two lead bytes (a regular expression
# that starts with a literal scans far faster than one that starts with a set).
_ILLEGAL_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_ILLEGAL_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_ILLEGAL_NONCHARACTER_UTF8 = re.compile(rb"\xef(?:\xb7[\x90-\xaf]|\xbf[\xbe\xbf])")
# URLs that cmark-gfm's escaping (houdini_escape_href) leaves unchanged.
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-_.+!*'(),%#@?=;:/&$~]*")
_HREF_SAFE = "-_.+!*'(),%#@?=;:/&$~"  # with letters and digits, what houdini_escape_href keeps
# cmark-gfm writes a table cell's alignment as an attribute; the sanitiser keeps a class.
_CELL_ALIGN = re.compile(r'<(t[hd]) align="(left|center|right)"')
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
# A word is a run of word characters (\w), or several joined by one of the joiners
# ("e-mail", "3.5", "don't", "aujourd’hui"). The quantifiers are possessive: a run
# never gives characters back (it would not match more), which the engine then
# need not prepare for.
_JOINERS = "'’.-"
_WORD = re.compile(rf"\w++(?:[{_JOINERS}]\w++)*+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """An article body rendered once: sanitised HTML and what is derived from its text."""

    html: str
    first_paragraph: str
    word_count: int


def strip_control_chars(text: str) -> str:
    """Remove the characters that XML 1.0 forbids or HTML calls control characters.

    A text that holds none is returned as it is, found so from its UTF-8 encoding
    (several times faster than the regular expression).
    """
    try:
        if not _encodes_illegal_chars(text.encode("utf-8")):
            return text
    except UnicodeEncodeError:  # a lone surrogate
        pass
    return _ILLEGAL_CHARS.sub("", text)


def render_commonmark(text: str) -> str:
    """Pure CommonMark rendering with no extension and no sanitising (for conformance checks)."""
    cmark = _cmark_functions()
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes "?"
    return cmark.take(_cmark.lib.cmark_markdown_to_html(data, len(data), _cmark.lib.CMARK_OPT_UNSAFE))


def render_markdown(text: str, *, rewrite_url: UrlRewriter | None = None) -> str:
    """Render an article body (CommonMark, tables, strikethrough, autolinks, footnotes) to sanitised HTML.

    ``rewrite_url``, when given, is called with every link ``href`` and image ``src``
    as the author wrote it (markdown escapes and HTML entities decoded, before
    percent-encoding) once it passed the scheme allow-list; what it returns is
    percent-encoded and checked against the allow-list again. An exception it raises
    propagates to the caller.
    """
    html, xml = _render_article(text, xml=_ONLY_FOR_URLS if rewrite_url else _NO_XML)
    return _sanitise(html, rewrite_url, _destinations(xml))


def render_body(text: str, *, rewrite_url: UrlRewriter | None = None) -> RenderedBody:
    """Render an article body and derive its summary text and word count from one parse."""
    html, xml = _render_article(text, xml=_ALWAYS_XML)
    marked = _text_of(xml)
    return RenderedBody(
        _sanitise(html, rewrite_url, _destinations(xml) if rewrite_url else {}),
        _first_paragraph(marked),
        _count_words(marked),
    )


def plain_text(markdown: str) -> str:
    """The readable text of a Markdown body, without markup, raw HTML or URLs."""
    parts = _MARKS.split(_text_of(_render_article(markdown, html=False, xml=_ALWAYS_XML)[1]))
    return " ".join(stripped for part in parts if (stripped := part.strip()))


def first_paragraph_text(markdown: str) -> str:
    """The plain text of the first paragraph that has any, for summaries ("" if none)."""
    return _first_paragraph(_text_of(_render_article(markdown, html=False, xml=_ALWAYS_XML)[1]))


def word_count(markdown: str) -> int:
    """The number of words a reader reads in a Markdown body (text and code, not URLs or HTML)."""
    return _count_words(_text_of(_render_article(markdown, html=False, xml=_ALWAYS_XML)[1]))


# -- cmark-gfm ---------------------------------------------------------------------------

_NO_XML, _ONLY_FOR_URLS, _ALWAYS_XML = 0, 1, 2


class _Cmark:
    """cmark-gfm's C functions, called so that whatever cmark allocates is freed.

    cmarkgfm's wrappers (``markdown_to_html_with_extensions`` and the others) never
    free the document tree nor the string they return (theacodes/cmarkgfm#53, about
    19 KB a call). Its compiled module ``_cmark`` declares to cffi the functions that
    parse and render HTML, but not ``cmark_node_free`` nor the XML renderer, though
    the shared library exports all of cmark-gfm's API. ctypes finds their addresses
    in that library (``CDLL`` of a loaded library's path returns the same handle) and
    ``_cmark.ffi.cast`` makes them callable with the module's own types.
    """

    __slots__ = ("extensions", "mem", "node_free", "options", "render_xml")

    def __init__(self) -> None:
        ffi, lib = _cmark.ffi, _cmark.lib
        library = ctypes.CDLL(_cmark.__file__)

        def function(name: str, signature: str) -> Any:
            address = ctypes.cast(getattr(library, name), ctypes.c_void_p).value
            return ffi.cast(signature, address)

        self.node_free = function("cmark_node_free", "void (*)(cmark_node *)")
        self.render_xml = function("cmark_render_xml", "char *(*)(cmark_node *, int)")
        # A parser from cmark_parser_new allocates the tree, and the renderers the
        # string they return, with cmark's default allocator: its own free releases them.
        self.mem = function("cmark_get_default_mem_allocator", "cmark_mem *(*)(void)")()
        lib.cmark_gfm_core_extensions_ensure_registered()
        self.extensions = [
            lib.cmark_find_syntax_extension(name) for name in (b"table", b"strikethrough", b"autolink")
        ]
        assert ffi.NULL not in self.extensions, "cmark-gfm lacks a core extension"
        self.options = lib.CMARK_OPT_UNSAFE | lib.CMARK_OPT_FOOTNOTES

    def take(self, string: Any) -> str:
        """A string cmark returned, decoded, and its memory freed."""
        try:
            return str(_cmark.ffi.string(string).decode("utf-8", "replace"))
        finally:
            self.mem.free(string)


@cache
def _cmark_functions() -> _Cmark:
    return _Cmark()


def _encodes_illegal_chars(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character :func:`strip_control_chars` removes."""
    return (
        len(data.translate(None, _ILLEGAL_BYTES)) < len(data)
        or (b"\xc2" in data and _ILLEGAL_C1_UTF8.search(data) is not None)
        or (b"\xef" in data and _ILLEGAL_NONCHARACTER_UTF8.search(data) is not None)
    )


def _utf8_without_illegal_chars(text: str) -> bytes:
    """``strip_control_chars(text)`` in UTF-8, encoding ``text`` once when it holds none of them."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _ILLEGAL_CHARS.sub("", text).encode("utf-8")
    return _ILLEGAL_CHARS.sub("", text).encode("utf-8") if _encodes_illegal_chars(data) else data


def _render_article(text: str, *, html: bool = True, xml: int) -> tuple[str, str]:
    """The HTML of an article body (not yet sanitised) and, as XML asks, its syntax tree in XML."""
    cmark = _cmark_functions()
    ffi, lib = _cmark.ffi, _cmark.lib
    data = _utf8_without_illegal_chars(text)
    parser = lib.cmark_parser_new(cmark.options)
    root = ffi.NULL
    try:
        for extension in cmark.extensions:
            lib.cmark_parser_attach_syntax_extension(parser, extension)
        lib.cmark_parser_feed(parser, data, len(data))
        root = lib.cmark_parser_finish(parser)
        rendered = ""
        if html:
            rendered = cmark.take(
                lib.cmark_render_html(root, cmark.options, lib.cmark_parser_get_syntax_extensions(parser))
            )
        # The tree's XML gives the URLs of links as written (the HTML has them
        # percent-encoded), only needed when one of them was encoded.
        want_xml = xml == _ALWAYS_XML or (xml == _ONLY_FOR_URLS and "%" in rendered)
        return rendered, cmark.take(cmark.render_xml(root, 0)) if want_xml else ""
    finally:
        if root != ffi.NULL:
            cmark.node_free(root)
        lib.cmark_parser_free(parser)


def _escape_href(url: str) -> str:
    """URL percent-encoded as cmark-gfm encodes a link destination (houdini_escape_href)."""
    return quote(url, safe=_HREF_SAFE)


def _destinations(xml: str) -> dict[str, str]:
    """The link and image URLs as written, by the percent-encoded form in the HTML.

    A raw-HTML href that is written exactly like one of these encoded forms is given
    to ``rewrite_url`` decoded too; both end up encoded the same way.
    """
    found: dict[str, str] = {}
    if xml:
        for match in _XML_DESTINATION.finditer(xml):
            url = html_lib.unescape(match.group(1))
            if not _PLAIN_URL.fullmatch(url):
                found.setdefault(_escape_href(url), url)
    return found


# -- sanitising --------------------------------------------------------------------------


def _sanitise(html: str, rewrite_url: UrlRewriter | None, originals: Mapping[str, str]) -> str:
    if ' align="' in html:  # in every match of _CELL_ALIGN
        html = _CELL_ALIGN.sub(r'<\1 class="align-\2"', html)
    if rewrite_url is None and not originals:
        html = _cleaner().clean(html)
    else:
        # One cleaner for every body (making one costs more than cleaning a body): its
        # filter is given this body's rewriter and URLs for the call, then reset.
        cleaner, attribute_filter = _rewriting_cleaner()
        attribute_filter.rewrite_url, attribute_filter.originals = rewrite_url, originals
        try:
            html = cleaner.clean(html)
        finally:
            errors = attribute_filter.errors
            attribute_filter.rewrite_url, attribute_filter.originals = None, {}
            attribute_filter.errors = []
        if errors:
            # nh3 only reports a callback's exception to sys.unraisablehook: a bug
            # in the caller's rewrite_url must not pass silently.
            raise errors[0]
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
    return _make_cleaner(_AttributeFilter(None, {}))


@cache
def _rewriting_cleaner() -> tuple[nh3.Cleaner, _AttributeFilter]:
    attribute_filter = _AttributeFilter(None, {})
    return _make_cleaner(attribute_filter), attribute_filter


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

    __slots__ = ("errors", "originals", "rewrite_url")

    def __init__(self, rewrite_url: UrlRewriter | None, originals: Mapping[str, str]) -> None:
        self.rewrite_url = rewrite_url
        self.originals = originals  # URLs as written, by their percent-encoded form
        self.errors: list[Exception] = []

    def __call__(self, tag: str, attr: str, value: str) -> str | None:
        if attr == "href" or (attr == "src" and tag == "img"):
            return self._url(value)
        if attr == "class":
            return _filter_classes(tag, value)
        if attr == "id":
            pattern = _IDS.get(tag)
            return value if pattern is not None and pattern.fullmatch(value) else None
        if attr == "aria-label":
            return value if _BACKREF_LABEL.fullmatch(value) else None
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
        written = self.originals.get(value, value)
        url = written
        if self.rewrite_url is not None:
            try:
                url = self.rewrite_url(written)
                if not isinstance(url, str):
                    raise TypeError(f"rewrite_url returned {url!r} for {written!r}, not a str")
            except Exception as error:  # re-raised by _sanitise once nh3 returns
                self.errors.append(error)
                return None
        if not _PLAIN_URL.fullmatch(url):
            url = _escape_href(url)
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


# -- text, from cmark's XML rendering of the syntax tree ---------------------------------
#
# The XML is one element a node, indented, its text escaped (no "<" outside markup).
# _text_of keeps the text of text, code span and code block nodes, a space for a line
# break, and marks where blocks start and end, paragraphs and footnote definitions
# (cmark-gfm moves those to the end of the document) apart. Image descriptions and raw
# HTML are left out, as are link URLs (attributes).

_XML_DESTINATION = re.compile(r'<(?:link|image) destination="([^"]*)"')
_XML_IMAGE = re.compile(r"<image\b[^>]*?/>|<image\b[^>]*>(?:(?!<image\b).)*?</image>", re.DOTALL)
_XML_RAW_HTML = re.compile(r"<(html_block|html_inline)\b[^>]*>[^<]*</\1>")
_XML_BREAK = re.compile(r"<(?:softbreak|linebreak) />")
# The inline elements, and the indentation before a tag ("<" in text is escaped)
# with the inline element that may start there.
_INLINE_TAG = r"</?(?:text|code|emph|strong|link|strikethrough)\b[^>]*>"
_XML_INLINE = re.compile(_INLINE_TAG)
_XML_INDENT = re.compile(rf"\n *+(?:{_INLINE_TAG}|(?=<))")
# The elements that need more passes: images, raw HTML, footnotes.
_XML_RARE = re.compile(r"<(?:image\b|html_|<unknown>|footnote_)")
# This cmark-gfm's XML renderer names the footnote nodes "<unknown>".
_XML_FOOTNOTE_REF = re.compile(r"<(?:<unknown>|footnote_reference\b)[^<>]*/>")
_XML_FOOTNOTE_DEF = re.compile(r"<(?:<unknown>|footnote_definition\b)[^<>]*>")
_XML_FOOTNOTE_END = re.compile(r"</(?:<unknown>|footnote_definition)>")
_XML_TAG = re.compile(r"<[^>]*>")
_BLOCK, _PARAGRAPH, _PARAGRAPH_END, _FOOTNOTES = "\x00", "\x01", "\x02", "\x03"
_MARKS = re.compile("[\x00-\x03]+")
_FIRST_PARAGRAPHS = re.compile("\x01([^\x02]*)\x02")


def _text_of(xml: str) -> str:
    """The text of the tree in XML, blocks separated by marks (\\x00-\\x03, see above)."""
    if "\x00" in xml or "\x01" in xml or "\x02" in xml or "\x03" in xml:
        xml = strip_control_chars(xml)  # a character reference like &#1; in the text
    # Each pattern starts with one literal character, which the regular expression
    # engine scans for far faster than for a set of them. Neither kind of match can
    # start inside the other, so the two passes remove what one pass would.
    xml = _XML_INLINE.sub("", _XML_INDENT.sub("", xml))
    # A break is an empty element, and no pattern for images, raw HTML or footnotes
    # depends on one: breaks can be replaced first.
    xml = _XML_BREAK.sub(" ", xml)
    if _XML_RARE.search(xml):
        xml = _drop_images_and_raw_html_mark_notes(xml)
    xml = xml.replace("<paragraph>", _PARAGRAPH).replace("</paragraph>", _PARAGRAPH_END)
    return html_lib.unescape(_XML_TAG.sub(_BLOCK, xml))


def _drop_images_and_raw_html_mark_notes(xml: str) -> str:
    """The XML without images (and their description), raw HTML and footnote
    references, and with footnote definitions marked."""
    while "<image" in xml:
        xml, count = _XML_IMAGE.subn("", xml)
        if not count:
            break
    if "<html_" in xml:
        xml = _XML_RAW_HTML.sub("", xml)
    if "<<unknown>" in xml or "<footnote_" in xml:
        xml = _XML_FOOTNOTE_REF.sub("", xml)
        xml = _XML_FOOTNOTE_END.sub(_BLOCK, _XML_FOOTNOTE_DEF.sub(_FOOTNOTES, xml))
    return xml


def _first_paragraph(marked: str) -> str:
    for match in _FIRST_PARAGRAPHS.finditer(marked.partition(_FOOTNOTES)[0]):
        # str.split() and the regular expression \s take the same characters for space.
        text = " ".join(match.group(1).replace(_BLOCK, "").split())
        if text:
            return text
    return ""


def _word_classes_of(encoding: str) -> bytes:
    """For each byte, what the character it encodes in ``encoding`` is to _WORD:
    ``w`` a word character, ``s`` a joiner, a space any other (or no character)."""
    classes = bytearray(b" " * 256)
    for byte in range(256):
        try:
            char = bytes([byte]).decode(encoding)
        except UnicodeDecodeError:
            continue
        if re.fullmatch(r"\w", char):
            classes[byte] = ord("w")
        elif char in _JOINERS:
            classes[byte] = ord("s")
    return bytes(classes)


# Most texts in Latin script are in Latin-1, or in Windows-1252: Latin-1 with the
# typographic quotes and dashes, "€", "œ"… in place of the C1 controls.
_LATIN1_CLASSES = _word_classes_of("latin-1")
_CP1252_CLASSES = _word_classes_of("cp1252")


def _count_words(marked: str) -> int:
    """The number of matches of _WORD in the text, counted without building them."""
    classes = _word_classes(marked)
    if classes is None:
        return len(_WORD.findall(marked))
    # A word starts at a word character unless the character before it is one too,
    # or is a joiner that follows one (then it continues the word before).
    return (
        classes.count(b" w")
        + classes.count(b" sw")
        + classes.count(b"ssw")
        + classes.startswith(b"w")
        + classes.startswith(b"sw")
    )


def _word_classes(text: str) -> bytes | None:
    """The class of each character of ``text`` (see _word_classes_of), or None when a
    character is in neither Latin-1 nor Windows-1252 (Greek, Cyrillic, CJK…)."""
    try:
        return text.encode("latin-1").translate(_LATIN1_CLASSES)
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("cp1252").translate(_CP1252_CLASSES)
    except UnicodeEncodeError:
        return None
