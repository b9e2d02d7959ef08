"""Rendering article bodies: the extensions, the allow-lists, URL rewriting, text helpers."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressctl import markdown
from pressctl.markdown import (
    IFRAME_PREFIXES,
    RenderedBody,
    first_paragraph_text,
    plain_text,
    render_body,
    render_commonmark,
    render_markdown,
    strip_control_chars,
    word_count,
)
from tests.htmlsafety import assert_safe_html

REL = 'rel="noopener noreferrer"'


def test_headings_and_emphasis() -> None:
    html = render_markdown("# At the UN\n\nOur *President* spoke **twice**.\n\n## Context\n")
    assert html == (
        "<h1>At the UN</h1>\n<p>Our <em>President</em> spoke <strong>twice</strong>.</p>\n<h2>Context</h2>\n"
    )


def test_lists_quotes_code_and_breaks() -> None:
    html = render_markdown("3. three\n4. four\n\n> quoted  \n> line\n\n```python\nx = 1 < 2\n```\n\n---\n")
    assert '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>' in html
    assert "<blockquote>\n<p>quoted<br>\nline</p>\n</blockquote>" in html
    assert '<pre><code class="language-python">x = 1 &lt; 2\n</code></pre>' in html
    assert "<hr>" in html


def test_tables_have_alignment_classes_and_no_style() -> None:
    html = render_markdown("| Party | Seats | Share |\n|:--|:-:|--:|\n| A | 12 | 40% |\n")
    assert '<th class="align-left">Party</th>' in html
    assert '<th class="align-center">Seats</th>' in html
    assert '<td class="align-right">40%</td>' in html
    assert "<table>\n<thead>" in html and "<tbody>" in html
    assert "style" not in html


def test_strikethrough() -> None:
    assert render_markdown("We ~~will not~~ attend.") == "<p>We <del>will not</del> attend.</p>\n"


def test_footnotes_keep_their_ids_and_classes() -> None:
    html = render_markdown("Migration[^iom] matters[^iom].\n\n[^iom]: See the IOM report.\n")
    assert f'<sup class="footnote-ref"><a href="#fn-iom" id="fnref-iom" {REL}>1</a></sup>' in html
    assert f'<a href="#fn-iom" id="fnref-iom-2" {REL}>1</a>' in html
    assert '<section class="footnotes">\n<ol>\n<li id="fn-iom">\n<p>See the IOM report.' in html
    assert (
        f'<a href="#fnref-iom" class="footnote-backref" aria-label="Back to reference 1" {REL}>↩</a>'
    ) in html
    assert (
        '<a href="#fnref-iom-2" class="footnote-backref" aria-label="Back to reference 1-2" '
        f'{REL}>↩<sup class="footnote-ref">2</sup></a>'
    ) in html
    assert "data-" not in html


def test_footnote_labels_are_percent_encoded_in_ids() -> None:
    html = render_markdown('A[^a"b] B[^Zürich].\n\n[^a"b]: one\n[^zürich]: two\n')
    assert f'<a href="#fn-a%22b" id="fnref-a%22b" {REL}>1</a>' in html
    assert '<li id="fn-a%22b">' in html and '<li id="fn-z%C3%BCrich">' in html
    assert '<a href="#fnref-z%C3%BCrich" class="footnote-backref"' in html


def test_only_referenced_footnotes_are_listed() -> None:
    assert render_markdown("No reference.\n\n[^1]: A note.\n") == "<p>No reference.</p>\n"


def test_ids_and_classes_from_raw_html_are_filtered() -> None:
    html = render_markdown(
        '<p id="main" class="lead">x</p> <li id="fn-2 x" class="footnote-item">y</li> <li id="fn-2">w</li>'
        ' <a href="#a" id="fnref-2" class="button footnote-backref" aria-label="Click" data-x="1">z</a>'
        ' <code class="language-js evil">c</code> <sup class="footnote-ref big" id="fn-3">s</sup>'
    )
    assert "main" not in html and "lead" not in html and "fn-2 x" not in html and "footnote-item" not in html
    assert '<li>y</li> <li id="fn-2">w</li>' in html
    assert f'<a href="#a" id="fnref-2" class="footnote-backref" {REL}>z</a>' in html
    assert '<code class="language-js">c</code>' in html
    assert '<sup class="footnote-ref">s</sup>' in html
    assert "Click" not in html and "data-" not in html


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        (
            "See https://europa.eu/migration today.",
            "https://europa.eu/migration",
            "https://europa.eu/migration",
        ),
        ("See www.iom.int today.", "http://www.iom.int", "www.iom.int"),
        ("See https://who.int today.", "https://who.int", "https://who.int"),
        ("Write to press@example.org today.", "mailto:press@example.org", "press@example.org"),
        (
            "See <https://example.org/a?b=1&c=2> today.",
            "https://example.org/a?b=1&amp;c=2",
            "https://example.org/a?b=1&amp;c=2",
        ),
    ],
)
def test_autolinks(source: str, href: str, text: str) -> None:
    assert f'<a href="{href}" {REL}>{text}</a>' in render_markdown(source)


def test_bare_domains_are_not_links() -> None:
    # GitHub's autolink needs "www." or a scheme (markdown-it's linkify took who.int).
    html = render_markdown("See who.int, iom.int/en and un.org today.")
    assert html == "<p>See who.int, iom.int/en and un.org today.</p>\n"


def test_external_links_get_rel() -> None:
    html = render_markdown('[IOM](https://www.iom.int/) and <a href="http://example.org/">raw</a>')
    assert f'<a href="https://www.iom.int/" {REL}>IOM</a>' in html
    assert f'<a href="http://example.org/" {REL}>raw</a>' in html


def test_relative_links_get_rel_too_and_keep_their_href() -> None:
    # nh3 cannot tell internal links apart; without target="_blank" rel changes no behaviour.
    html = render_markdown("[other](../cutro/) and [top](#top) and [call](tel:+3225550100)")
    assert f'<a href="../cutro/" {REL}>other</a>' in html
    assert f'<a href="#top" {REL}>top</a>' in html
    assert f'<a href="tel:+3225550100" {REL}>call</a>' in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "java&#x09;script:alert(1)",
        "java&#1;script:alert(1)",
        "&#x6A;avascript:alert(1)",
        " javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/",
    ],
)
def test_urls_outside_the_allow_list_are_removed(url: str) -> None:
    for source in (f'<a href="{url}">x</a>', f'<img src="{url}" alt="x">', f"[x](<{url}>)", f"![x](<{url}>)"):
        html = render_markdown(source)
        assert_safe_html(html, where=source)
        if source.startswith("<") or not url.startswith("java&#"):
            assert "href" not in html and "src" not in html, source
        else:
            # cmark decodes the reference and percent-encodes the character: what is
            # left has no scheme ("%" cannot be in one), a harmless relative URL.
            assert re.search(r'(?:href|src)="java%(?:09|01)script:alert\(1\)"', html), source


def test_data_images_are_removed_too() -> None:
    html = render_markdown(
        "![pixel](data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7)"
    )
    assert html == '<p><img alt="pixel"></p>\n'


@pytest.mark.parametrize("prefix", IFRAME_PREFIXES)
def test_iframes_from_allowed_video_hosts_are_kept(prefix: str) -> None:
    source = (
        f'<iframe src="{prefix}abc123" title="Speech at the UN" width="560" height="315" '
        'allow="autoplay; encrypted-media; picture-in-picture" allowfullscreen '
        'style="border:0" onload="alert(1)" srcdoc="<script>alert(1)</script>">'
        "<script>alert(1)</script></iframe>\n"
    )
    assert render_markdown(source) == (
        f'<iframe src="{prefix}abc123" title="Speech at the UN" width="560" height="315" '
        'allow="autoplay; encrypted-media; picture-in-picture" allowfullscreen=""></iframe>\n'
    )


@pytest.mark.parametrize(
    "src",
    [
        "https://evil.example/embed/x",
        "https://www.youtube.com.evil.example/embed/x",
        "https://www.youtube.com/watch?v=x",
        "http://www.youtube.com/embed/x",
        "//www.youtube.com/embed/x",
        "/embed/x",
        "javascript:alert(1)",
        "https://player.vimeo.com/videos/x",
        "",
    ],
)
def test_other_iframes_are_removed_entirely(src: str) -> None:
    html = render_markdown(f'Before\n\n<iframe src="{src}" title="t"><b>inside</b></iframe>\n\nAfter\n')
    assert html == "<p>Before</p>\n\n<p>After</p>\n"


def test_an_iframe_without_src_is_removed_and_text_around_it_kept() -> None:
    html = render_markdown('<p title="<iframe>">a</p><iframe>x</iframe><abbr title="</iframe>">b</abbr>')
    assert "<iframe" not in html
    assert '<abbr title="&lt;/iframe&gt;">b</abbr>' in html


def test_allowed_raw_html_is_kept() -> None:
    source = (
        '<figure><img src="media/un.jpg" alt="Panel" width="800" height="450">'
        "<figcaption>Panel at the UN, <cite>IOM</cite></figcaption></figure>\n\n"
        "<details><summary>Background</summary>"
        '<abbr title="International Organization for Migration">IOM</abbr>, <q>dialogue</q>, '
        "<mark>new</mark>, <small>note</small>, H<sub>2</sub>O, x<sup>2</sup></details>\n"
    )
    html = render_markdown(source)
    assert html == source.replace("\n\n", "\n")


def test_disallowed_raw_html_is_unwrapped_or_dropped() -> None:
    html = render_markdown(
        '<div class="box" style="color:red"><span onclick="x()">kept text</span></div>\n\n'
        "<script>alert(1)</script><style>p{}</style><svg><text>gone</text></svg>"
        '<img src="a.jpg" style="width:1px" onerror="alert(1)" width="100%" alt="a">\n'
    )
    assert "kept text" in html
    assert "div" not in html and "span" not in html and "onclick" not in html
    assert "alert" not in html and "gone" not in html and "p{}" not in html
    assert '<img src="a.jpg" alt="a">' in html
    assert "style" not in html


def test_rewrite_url_is_applied_to_links_and_images() -> None:
    seen: list[str] = []

    def rewrite(url: str) -> str:
        seen.append(url)
        if url.startswith("media/"):
            return "static/" + url
        if url.endswith(".md"):
            return "../" + url.removesuffix(".md") + "/"
        return url

    source = (
        "![Panel](media/un.jpg) ![Photo](<media/Brüssel Foto.jpg>) [earlier](cutro.md) "
        "[IOM](https://www.iom.int/) www.iom.int\n\n"
        '<figure><img src="media/raw.jpg" alt="r"></figure> <a href="cutro.md">raw</a>\n\n'
        '<iframe src="https://www.youtube.com/embed/x"></iframe>\n'
    )
    html = render_markdown(source, rewrite_url=rewrite)
    assert '<img src="static/media/un.jpg" alt="Panel">' in html
    assert '<img src="static/media/Br%C3%BCssel%20Foto.jpg" alt="Photo">' in html
    assert f'<a href="../cutro/" {REL}>earlier</a>' in html
    assert f'<a href="https://www.iom.int/" {REL}>IOM</a>' in html
    assert '<img src="static/media/raw.jpg" alt="r">' in html
    assert f'<a href="../cutro/" {REL}>raw</a>' in html
    assert '<iframe src="https://www.youtube.com/embed/x"></iframe>' in html
    # given as written (no percent-encoding), each once, iframes not included
    assert seen == [
        "media/un.jpg",
        "media/Brüssel Foto.jpg",
        "cutro.md",
        "https://www.iom.int/",
        "http://www.iom.int",
        "media/raw.jpg",
        "cutro.md",
    ]


def test_rewrite_url_is_not_given_urls_the_sanitiser_removed() -> None:
    seen: list[str] = []
    render_markdown("[x](javascript:alert(1)) ![y](data:image/png;base64,AAAA)", rewrite_url=seen.append)  # type: ignore[arg-type]
    assert seen == []


@pytest.mark.parametrize(
    ("returned", "written"),
    [
        ("javascript:alert(1)", None),
        ("VBScript:x", None),
        ("data:text/html,x", None),
        ("java\tscript:alert(1)", "java%09script:alert(1)"),  # percent-encoded: a relative URL
        ("a\x01b", "a%01b"),
        ("static/a b.jpg", "static/a%20b.jpg"),
    ],
)
def test_what_rewrite_url_returns_is_encoded_and_sanitised(returned: str, written: str | None) -> None:
    html = render_markdown("[x](a.md) ![y](b.jpg)", rewrite_url=lambda url: returned)
    assert_safe_html(html, where=repr(returned))
    if written is None:
        assert html == f'<p><a {REL}>x</a> <img alt="y"></p>\n'
    else:
        assert html == f'<p><a href="{written}" {REL}>x</a> <img src="{written}" alt="y"></p>\n'


def test_an_error_in_rewrite_url_reaches_the_caller() -> None:
    def rewrite(url: str) -> str:
        raise LookupError(f"no such file: {url}")

    with pytest.raises(LookupError, match=r"no such file: media/x\.jpg"):
        render_markdown("![x](media/x.jpg)", rewrite_url=rewrite)


def test_rewrite_url_must_return_a_string() -> None:
    with pytest.raises(TypeError, match=r"rewrite_url returned None for 'a\.md'"):
        render_markdown("[x](a.md)", rewrite_url=lambda url: None)  # type: ignore[arg-type,return-value]


def test_control_characters_are_stripped() -> None:
    source = "Tab\there, form\x0cfeed, nul\x00, bell\x07, del\x7f, nel\x85 &#1;<b>&#x1;</b>\r\nend\n"
    html = render_markdown(source)
    # cmark-gfm decodes &#1; to U+0001 (markdown-it wrote U+FFFD): removed with the others
    assert html == "<p>Tab\there, formfeed, nul, bell, del, nel \nend</p>\n"
    assert_safe_html(html, where="control characters")


def test_a_control_character_cannot_join_a_script_url() -> None:
    html = render_markdown(
        '<a href="java&#1;script:alert(1)">x</a> <a href="java&#x7f;script:alert(1)">y</a>'
    )
    assert html == f"<p><a {REL}>x</a> <a {REL}>y</a></p>\n"


def test_strip_control_chars() -> None:
    assert strip_control_chars("a\x00b\x08c\td\ne\rf\x0bg\x1fh\x7fi\x9fj\ud800k\ufffel\ufdd0m") == (
        "abc\td\ne\rfghijklm"
    )
    # legal in XML 1.0, and ordinary text
    assert strip_control_chars("Brüssel — “quoted” 😀 \U0010ffff") == "Brüssel — “quoted” 😀 \U0010ffff"


def test_render_commonmark_has_no_extension_and_no_sanitiser() -> None:
    html = render_commonmark("~~x~~ https://example.org <script>alert(1)</script>\n\n| a |\n|---|\n")
    assert html == "<p>~~x~~ https://example.org <script>alert(1)</script></p>\n<p>| a |\n|---|</p>\n"
    assert render_commonmark("a\ud800b") == "<p>a?b</p>\n"


BODY = """\
Our President participated in the International Dialogue on Migration 2017[^1],
held at the [UN](https://www.un.org/) in New York. ![Panel](media/un.jpg)

## Other news

- No more tragedies like *Cutro*
- `pressctl` ships

[^1]: Organised by the IOM.
"""


def test_first_paragraph_text_is_plain_text() -> None:
    assert first_paragraph_text(BODY) == (
        "Our President participated in the International Dialogue on Migration 2017, "
        "held at the UN in New York."
    )
    assert first_paragraph_text("# Only a heading\n\n![photo](x.jpg)\n\nSecond *para*.") == "Second para."
    assert first_paragraph_text("") == ""


def test_word_count_and_plain_text() -> None:
    text = plain_text(BODY)
    assert "https://" not in text and "Panel" not in text and "*" not in text
    assert word_count(BODY) == 30
    assert word_count("Don't re-use e-mail, 3.5 times — ok?") == 6
    assert word_count("") == 0


def test_render_body_agrees_with_the_single_functions() -> None:
    body = render_body(BODY, rewrite_url=str.upper)
    assert body == RenderedBody(
        html=render_markdown(BODY, rewrite_url=str.upper),
        first_paragraph=first_paragraph_text(BODY),
        word_count=word_count(BODY),
    )
    assert '<img src="MEDIA/UN.JPG" alt="Panel">' in body.html


def test_the_module_needs_no_cli_library() -> None:
    code = (
        "import sys, pressctl.markdown\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'typer', 'rich', 'click'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert result.stdout.strip() == "[]"


def test_word_count_leaves_out_raw_html_image_descriptions_and_note_numbers() -> None:
    source = (
        "One <b>two</b> ![not counted](x.jpg) [three](https://example.org/not/counted)[^n].\n\n"
        "<div>not counted</div>\n\n"
        "| four | five |\n|---|---|\n| six | ~~seven~~ |\n\n"
        "```\neight nine\n```\n\n"
        "[^n]: Ten `eleven`.\n"
    )
    assert word_count(source) == 11
    assert " ".join(plain_text(source).split()) == "One two three. four five six seven eight nine Ten eleven."


def test_words_across_emphasis_join_and_blocks_do_not() -> None:
    assert word_count("foo*bar* and **Cutro**'s\n\n# End.\n\nNext") == 5
    text = first_paragraph_text('the *Ocean Viking* ("*Cutro*"), e-mail')
    assert text == 'the Ocean Viking ("Cutro"), e-mail'


def test_first_paragraph_skips_footnotes_and_finds_nested_paragraphs() -> None:
    assert first_paragraph_text("[^1]: Only a note.\n\nText[^1].\n") == "Text."
    assert first_paragraph_text("> - quoted *item*\n>   two\n") == "quoted item two"
    assert first_paragraph_text("<p>raw</p>\n\n![x](y.jpg)\n\n    code\n\nThe text.") == "The text."
    assert first_paragraph_text("A &#1;b &amp; &lt;c&gt;") == "A b & <c>"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["*", "**", "_", "`", "![", "](", ")", "[^1]", "[^1]: ", "\n\n", "\n", "<b>", "</b>",
                 "<div>", "&#1;", "&#0;", "&amp;", "| a |\n|---|\n", "```\n", "> ", "- ", "www.x.org", "\\"]
            ),
            st.text(max_size=6),
        ),
        max_size=30,
    ).map("".join)
)
def test_text_helpers_agree_with_render_body(text: str) -> None:
    body = render_body(text)
    assert body.first_paragraph == first_paragraph_text(text)
    assert body.word_count == word_count(text) >= 0
    assert not re.search("[\x00-\x08]", body.first_paragraph + plain_text(text))
    assert body.first_paragraph == " ".join(body.first_paragraph.split())


# What a word is, written plainly (pressctl.markdown counts them another way).
WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
TRICKY_WORDS = [
    "Don't re-use e-mail, 3.5 times — ok?",
    "aujourd’hui l’ONU’s U.S.A. e.g. 1.2.3 a..b a.-b a-'b -a- .a 'a' ’a’ a. .",
    "snake_case __init__ _ __ a_b-c_d 9,619 10.000,5 2017–2018 A—B",
    "Œuvre cœur €5 5€ ˆa ˜b Ÿ „quoted“ •item ‹a› «b» ½ ² x²",
    "Ελλάδα Αθήνα’s Москва-Сити 東京都 東京-大阪 مرحبا ١٢٣ दिल्ली ०१",
    "a\u00a0b\u202fc\u2009d\u200be\u2028f\u3000g",
    "a\x01b\x02c\x03d\x00e\x85f\x9fg",
    "😀 a😀b \U00010400\U00010401-\U00010402 ﬁne",
]


@pytest.mark.parametrize("text", TRICKY_WORDS)
def test_the_word_count_is_the_number_of_words_the_pattern_finds(text: str) -> None:
    assert markdown._count_words(text) == len(WORD.findall(text))
    for body in (text, f"*{text}*", f"- {text}\n\n> {text}[^1]\n\n[^1]: {text}\n", f"`{text}`"):
        assert word_count(body) == len(WORD.findall(plain_text(body)))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_1 .'’-\n\x00\x01\x85\xa0éœ€ˆ“—ΑЖ東😀")), max_size=40))
def test_the_word_count_agrees_with_the_pattern(text: str) -> None:
    assert markdown._count_words(text) == len(WORD.findall(text))


def test_word_classes_agree_with_the_word_pattern() -> None:
    def expected(char: str) -> str:
        return "w" if re.fullmatch(r"\w", char) else "s" if char in "'’.-" else " "

    for encoding, classes in (("latin-1", markdown._LATIN1_CLASSES), ("cp1252", markdown._CP1252_CLASSES)):
        for char in map(chr, range(0x10000)):
            try:
                (byte,) = char.encode(encoding)
            except UnicodeEncodeError:
                continue
            assert chr(classes[byte]) == expected(char), (encoding, char)


def test_strip_control_chars_finds_every_illegal_character() -> None:
    # The check on UTF-8 bytes against the regular expression, for each character
    # of the Basic Multilingual Plane and the last two of every other plane.
    last_two = [chr(plane << 16 | low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF)]
    chars = [*map(chr, range(0x10000)), *last_two]
    for char in chars:
        text = f"a{char}é"
        assert strip_control_chars(text) == markdown._ILLEGAL_CHARS.sub("", text), hex(ord(char))


def test_first_paragraph_collapses_every_kind_of_space() -> None:
    text = first_paragraph_text("One\u00a0two\u2003three\u2028four\u3000five\u202fsix &#9;seven &#10; eight")
    assert text == "One two three four five six seven eight"
