"""Property tests (Hypothesis) for the record codec, the index cache and exported links.

tests/test_record.py already round-trips simple records and feeds short byte strings to
the parser; tests/test_xss.py renders any text and mixes of HTML and Markdown
fragments. This file goes further:

- any front matter of every TOML type (nested tables, arrays of tables, every date and
  time kind, inf and nan, any key), any body (with `+++` lines, NULs, CR), LF or CRLF,
  with or without a BOM, round-trips through dump and parse;
- any bytes given as a file (random, or a valid record mutated, truncated or re-encoded)
  give a record or the documented RecordError, with a line inside the file, and the
  index cache gives back exactly what the file says;
- any URL an article body links to, once rewritten for the export, leaves the page safe
  and copies no file from outside the newsroom or from a hidden folder.
"""

from __future__ import annotations

import itertools
import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressctl import record
from pressctl.errors import RecordError
from pressctl.exporters import bodies
from pressctl.store import Newsroom
from tests.conftest import SETTINGS
from tests.htmlsafety import assert_safe_html

# -- strategies ---------------------------------------------------------------------

_chars = st.characters(exclude_categories=("Cs",))  # every code point UTF-8 can carry
_text = st.text(_chars, max_size=30)
_keys = st.one_of(
    st.sampled_from(["id", "title", "slug", "status", "tags", "image", "src", "alt", "related",
                     "aliases", "published", "a.b", "", " ", "+++", "\x00t", "v", "\"'"]),
    _text,
)
_offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
_scalars = st.one_of(
    _text,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_offsets),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(),
    st.times(),
)
# tables shaped like the index cache's date tag, which must not fool it
_tag_shaped = st.fixed_dictionaries({"\x00t": st.sampled_from(["date", "datetime", "time", "bogus"]),
                                     "v": st.one_of(_text, st.sampled_from(["2020-01-01", "10:00:00"]))})
_values = st.recursive(
    _scalars | _tag_shaped,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=10,
)
_meta = st.dictionaries(_keys, _values, max_size=8)
_lines = st.lists(
    st.one_of(st.sampled_from(["+++", "+++\r", "+++ ", " +++", "", "\r", "\x00", "\ufeff", "# title",
                               "[table]", "key = 1", "---"]), _text),
    max_size=8,
)
_bodies = st.tuples(_lines, st.sampled_from(["\n", "\r\n"]), st.booleans()).map(
    lambda t: t[1].join(t[0]) + (t[1] if t[2] else ""))


def same(a: Any, b: Any) -> bool:
    """Equality, where nan equals nan and types must match (1 is not True)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


# -- the codec ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meta=_meta, body=_bodies, newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_any_record_of_any_toml_type_round_trips(meta: dict[str, Any], body: str, newline: str,
                                                 bom: bool) -> None:
    text = record.dump(record.Record(meta, body, newline=newline))
    if bom:
        text = record.BOM + text
    again = record.parse(text, "articles/fuzz.md")
    assert same(again.meta, meta)
    assert again.body == body
    assert again.newline == newline and again.bom == bom
    assert record.dump(again) == text.removeprefix(record.BOM)  # a second rewrite changes nothing


# -- any bytes as a file --------------------------------------------------------------


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in edits:
        at = where % (len(out) + 1)
        if kind == 0:
            out[at:at] = bytes([value])  # insert a byte
        elif kind == 1 and out:
            del out[at % len(out)]  # drop one
        elif kind == 2 and out:
            out[at % len(out)] = value  # replace one
        else:
            del out[at:]  # cut the file there
    return bytes(out)


_records = st.builds(lambda m, b, nl: record.dump(record.Record(m, b, newline=nl)),
                     _meta, _bodies, st.sampled_from(["\n", "\r\n"]))
_files = st.one_of(
    st.binary(max_size=600),
    _records.map(lambda t: t.encode("utf-8")),
    st.builds(_mutate, _records.map(lambda t: t.encode("utf-8")),
              st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)),
                       min_size=1, max_size=4)),
    st.builds(lambda t, enc: t.encode(enc, errors="replace"), _records,
              st.sampled_from(["utf-16", "utf-8-sig", "latin-1", "cp1252", "utf-32"])),
)
_stamps = itertools.count(1)


@pytest.fixture
def fuzz_room(tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "articles").mkdir()
    (root / "pressctl.toml").write_text(SETTINGS, encoding="utf-8")
    return Newsroom(root)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=_files)
def test_any_bytes_as_a_file_give_a_record_or_a_record_error(data: bytes, fuzz_room: Newsroom) -> None:
    path = fuzz_room.articles_dir / "fuzz.md"
    path.write_bytes(data)
    old = 1_600_000_000 - next(_stamps)  # old enough to be cached, and never the same twice
    os.utime(path, (old, old))
    try:
        direct: record.Record | RecordError = record.load(path)
    except RecordError as exc:
        direct = exc
        assert exc.message and exc.path == path and exc.code.startswith("PC")
        assert exc.line is None or 1 <= exc.line <= data.count(b"\n") + 1, (exc.line, exc.message)
    # through the index: cold, then from the cache; both say what the file says
    for _ in range(2):
        scan = fuzz_room.scan()
        assert len(scan.articles) + len(scan.problems) == 1
        if isinstance(direct, RecordError):
            (problem,) = scan.problems
            said = f"{direct.message}; {direct.hint}" if direct.hint else direct.message
            assert (problem.message, problem.line) == (said, direct.line)
        else:
            (article,) = scan.articles
            assert same(article.meta, direct.meta)
            assert article.body == direct.body


# -- links in exported bodies -------------------------------------------------------

_url_parts = st.sampled_from([
    "../", "./", "/", "..", "media/", "photo.jpg", "notes.txt", "page.html", "x.svg", ".pressctl/",
    "index.sqlite", "../outside/secret.txt", "secret.jpg", "neighbour", "neighbour.md", "old-name",
    "old-name.md", "#top", "?q=1", "%2e%2e/", "%00", "\x00", "\\", "javascript:", "JaVaScRiPt:",
    "data:text/html,", "vbscript:", "file:///etc/passwd", "https://example.org/", "mailto:a@b",
    "//evil.example/", " ", "\t", "\n", "&#x6a;avascript:", "<", ">", '"', "'", "(", ")", "%20",
])
_urls = st.lists(st.one_of(_url_parts, _text), max_size=8).map("".join)


@pytest.fixture
def link_room(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("links")
    root = base / "newsroom"
    (root / "articles" / "media").mkdir(parents=True)
    (root / ".pressctl").mkdir()
    (root / ".pressctl" / "index.sqlite").write_bytes(b"private")
    (root / "articles" / "media" / "photo.jpg").write_bytes(b"jpeg")
    (root / "articles" / "notes.txt").write_bytes(b"notes")
    (root / "articles" / ".hidden.jpg").write_bytes(b"hidden")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_bytes(b"SECRET")
    (base / "outside" / "secret.jpg").write_bytes(b"SECRET")
    (root / "articles" / "media" / "escape.jpg").symlink_to(base / "outside" / "secret.jpg")
    return root


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(urls=st.lists(_urls, min_size=1, max_size=4), text=_text)
def test_any_link_in_a_body_exports_safely_and_copies_nothing_private(
        urls: list[str], text: str, link_room: Path) -> None:
    resolver = bodies.Resolver(link_room, link_room / "articles", {"old-name": "neighbour"})
    body = "\n\n".join(f"[{text}]({url}) ![{text}]({url}) [r][{n}]\n\n[{n}]: <{url}>\n<a href=\"{url}\">x</a>"
                       for n, url in enumerate(urls))
    rendered = bodies.render(body, resolver)
    assert_safe_html(rendered.html, where=repr(body))
    real_root = link_room.resolve()
    for media in resolver.media.values():
        source = media.source.resolve()
        assert source.is_relative_to(real_root), source
        assert not any(part.startswith(".") for part in source.relative_to(real_root).parts)
        assert media.rel.startswith("static/media/") and ".." not in media.rel.split("/")
        assert source.read_bytes() != b"SECRET"
