"""XSS vectors from four public corpora, and generated input, rendered through render_markdown.

Every output must pass tests.htmlsafety.assert_safe_html: no script, no event
handler, no javascript:/vbscript:/data: URL, no style attribute, no iframe from a
host off the list, no object/embed/form/svg/math/base/meta/link, no C0 control.
Each vector is rendered as written, and also put where Markdown takes a URL
(a link and an image destination) and inside a raw ``<a href="…">``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressctl.markdown import render_markdown, strip_control_chars
from tests.htmlsafety import assert_safe_html

DATA = Path(__file__).parent / "data" / "xss"


def _owasp() -> list[tuple[str, str]]:
    entries = json.loads((DATA / "owasp.json").read_text(encoding="utf-8"))
    return [(f"owasp-{index}", entry["data"]) for index, entry in enumerate(entries, 1)]


def _h5sc() -> list[tuple[str, str]]:
    entries = json.loads((DATA / "h5sc.json").read_text(encoding="utf-8"))
    return [(f"h5sc-{entry['id']}", entry["data"]) for entry in entries]


def _bleach() -> list[tuple[str, str]]:
    files = sorted((DATA / "bleach").glob("*.test"), key=lambda path: int(path.stem))
    return [(f"bleach-{path.stem}", path.read_text(encoding="utf-8").split("\n--\n")[0]) for path in files]


def _markdown_it() -> list[tuple[str, str]]:
    """The inputs of markdown-it's fixture file: each case is '.', input, '.', output, '.'."""
    cases: list[tuple[str, str]] = []
    section, lines = 0, []
    for number, line in enumerate(
        (DATA / "markdown-it" / "xss.md").read_text(encoding="utf-8").split("\n"), 1
    ):
        if line != ".":
            if section == 1:
                lines.append(line)
            continue
        if section == 1:
            cases.append((f"markdown-it-line-{number}", "\n".join(lines) + "\n"))
            lines = []
        section = (section + 1) % 3
    return cases


OWASP, H5SC, BLEACH, MARKDOWN_IT = _owasp(), _h5sc(), _bleach(), _markdown_it()
VECTORS = OWASP + H5SC + BLEACH + MARKDOWN_IT
IDS = [name for name, _ in VECTORS]


def test_the_corpora_are_complete() -> None:
    assert (len(OWASP), len(H5SC), len(BLEACH), len(MARKDOWN_IT)) == (162, 149, 20, 13)
    assert all(vector.strip() for _, vector in VECTORS)


@pytest.mark.parametrize(("name", "vector"), VECTORS, ids=IDS)
def test_vector_as_written(name: str, vector: str) -> None:
    assert_safe_html(render_markdown(vector), where=name)


@pytest.mark.parametrize(("name", "vector"), VECTORS, ids=IDS)
def test_vector_as_a_url(name: str, vector: str) -> None:
    for template in (
        "[link]({})",
        "[link](<{}>)",
        "![image]({})",
        "[ref]\n\n[ref]: {}",
        '<a href="{}">x</a>',
    ):
        source = template.format(vector)
        assert_safe_html(render_markdown(source), where=f"{name} in {template!r}")


def test_a_script_url_is_removed_and_the_link_text_kept() -> None:
    vector = dict(BLEACH)["bleach-6"]
    assert vector == '<a href="javas&#x09;cript:alert(1)">hi</a>'
    assert render_markdown(vector) == '<p><a rel="noopener noreferrer">hi</a></p>\n'


LINK_CASES = [case for case in MARKDOWN_IT if case[1].startswith("[xss link](")]


@pytest.mark.parametrize(("name", "vector"), LINK_CASES, ids=[name for name, _ in LINK_CASES])
def test_markdown_links_with_a_bad_url_keep_their_text(name: str, vector: str) -> None:
    output = render_markdown(vector)
    assert output.count("xss link</a>") == vector.count("[xss link](")


# fmt: off
FRAGMENTS = st.sampled_from(
    [
        "<", ">", "</", "/>", "=", '"', "'", "`", "\\", " ", "\t", "\n", "\x00", "\x01", "\x0b",
        "\x7f", "\x85", "&#", "&#x", ";", "&colon;", "&Tab;", "&#0;", "&#x0A;", "javascript:",
        "JaVaScRiPt:", "java\tscript:", "vbscript:", "data:text/html,", "data:image/svg+xml,",
        "livescript:", "](", "[", "]", "(", ")", "![", "[^1]", "[^1]: ", "<a href=", "<img src=",
        "<iframe src=", "https://www.youtube.com/embed/", "https://evil.example/", "//evil.example",
        "onerror=", "onload=", " onclick=", "style=", "srcdoc=", "xlink:href=", "formaction=",
        "<script>", "</script>", "<svg", "<math", "<style>", "<object data=", "<embed src=",
        "<form action=", "<base href=", "<meta http-equiv=refresh content=", "<link href=",
        "alert(1)", "&lt;", "www.", "http://", "mailto:", "|", "---", "~~", "*", "_", "<!--",
        "-->", "<![CDATA[", "]]>", "<?", "<!DOCTYPE", "```", "    ", "> ", "- ", "1. ",
    ]
)
# fmt: on
MIXED = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=40).map("".join)


def _assert_rendered_safely(text: str) -> None:
    output = render_markdown(text)
    assert_safe_html(output, where=repr(text))
    assert strip_control_chars(output) == output


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_renders_safely(text: str) -> None:
    _assert_rendered_safely(text)


@settings(max_examples=1000, deadline=None)
@given(MIXED)
def test_html_and_markdown_fragments_render_safely(text: str) -> None:
    _assert_rendered_safely(text)
