"""The page templates' environment: cards made once and reused, dict lookups and escaping, as Jinja2
does them."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from markupsafe import Markup, escape

from pressctl.exporters.pages import CachedCard, Theme, escape_output

CARD = {"slug": "a-story", "title": "Fish & <chips>", "path": "articles/a-story/", "lang": "en",
        "date": "2026-01-10T09:00:00+01:00", "date_text": "10 January 2026",
        "summary": "What \"happened\" 'there'.", "category": "Press release"}
VARIANTS = [
    CARD,
    {**CARD, "date": None, "date_text": ""},
    {**CARD, "category": ""},
    {**CARD, "date": None, "date_text": "", "category": "", "summary": ""},
    {**CARD, "lang": "fr", "title": "Écoles « ouvertes »"},
    {**CARD, "title": "A \ufdd0 placeholder \ufdd1 in the title"},
    {**CARD, "path": "articles/x&y/"},
]


def builtin_card() -> CachedCard:
    env = Theme(None).environment()
    card = env.get_template("macros.html").module.card  # type: ignore[attr-defined]
    assert isinstance(card, CachedCard)
    return card


@pytest.mark.parametrize("item", VARIANTS)
def test_a_reused_card_is_what_the_macro_writes(item: dict[str, Any]) -> None:
    card = builtin_card()
    for _ in range(2):  # made, then reused
        for level in (2, 3, "4"):
            for root in ("./", "../", "../../", "../../../../", "<&>", jinja2.Undefined()):
                for lang in ("en", "fr", "de-AT"):
                    got = card(dict(item), level, root, lang)
                    assert isinstance(got, jinja2.runtime.Markup)
                    assert str(got) == str(card.macro(item, level, root, lang))


def test_cards_called_otherwise_go_to_the_macro() -> None:
    card = builtin_card()
    expected = str(card.macro(CARD, 2, "./", "fr"))
    assert 'lang="en"' in expected
    assert str(card(CARD, 2, root="./", lang="fr")) == expected
    assert str(card(item=CARD, level=2, root="./", lang="fr")) == expected
    assert str(card({**CARD, "tags": ["a", "b"]}, 2, "./", "fr")) == str(
        card.macro({**CARD, "tags": ["a", "b"]}, 2, "./", "fr"))
    assert str(card(CARD, 2, "./")) == str(card.macro(CARD, 2, "./"))


def test_templates_see_dicts_as_jinja2_shows_them() -> None:
    ours = Theme(None).environment()
    plain = jinja2.Environment(autoescape=True)
    source = ("{{ d.title }}|{{ d.missing is defined }}|{{ d.keys() | list }}|{{ d.items is callable }}|"
              "{{ d.get('title') }}|{{ d['title'] }}|{{ d.nested.inner }}|{{ d.nested.nope | default('-') }}|"
              "{{ d.__class__.__name__ }}|{{ n.real }}|{{ s.upper() }}")
    values = {"d": {"title": "<b>", "items": 3, "nested": {"inner": 1}}, "n": 5, "s": "x"}
    assert ours.from_string(source).render(values) == plain.from_string(source).render(values)
    with pytest.raises(jinja2.UndefinedError):
        ours.from_string("{{ d.missing.deeper }}").render(values)


class Html:
    def __html__(self) -> str:
        return "<i>its own</i>"

    def __repr__(self) -> str:
        return "Html()"


class Text(str):
    pass


WRITTEN = ["", "plain", "Fish & <chips>", "\"double\" 'single'", "&amp; already escaped",
           "Écoles « ouvertes » ☀ \ufdd0", Markup("<b>safe</b>"), Markup("&lt;"), Text("<sub>"), Html(),
           0, 7, -3, True, False, None, 2.5, ["<a>", 1], {"k": "<v>"}, jinja2.Undefined()]


@pytest.mark.parametrize("value", WRITTEN, ids=repr)
def test_what_templates_write_is_escaped_as_jinja2_does(value: object) -> None:
    assert escape_output(value) == str(escape(value))
    ours = Theme(None).environment()
    plain = jinja2.Environment(autoescape=True)
    source = "|".join([
        "{{ v }}", "{{ v | e }}", "{{ v ~ v }}",
        "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(v) }}",
        "{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}{{ v }}{% endcall %}",
        "{% set s %}{{ v }}{% endset %}{{ s }}",
        "{% filter upper %}{{ v }}{% endfilter %}",
        "{% autoescape false %}{{ v }}{% endautoescape %}",
        "{% autoescape on %}{{ v }}{% endautoescape %}",
    ])
    for on in (False, True):
        assert ours.from_string(source).render(v=value, on=on) == plain.from_string(source).render(
            v=value, on=on)
    template = ours.from_string(source)
    assert template.root_render_func.__globals__["escape"] is escape_output  # not Jinja2's own
