"""The record codec: parsing, canonical writing, line numbers, bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressctl import record
from pressctl.errors import RecordError

SAMPLE = """\
+++
title = "At UN, Bart Somers discusses migration"
slug = "at-un"
status = "published"
published = 2017-04-19T10:00:00+02:00
tags = ["migration", "un"]
custom = "kept"

[image]
alt = "A panel"
src = "media/x.jpg"
+++
Our President participated.

Second paragraph.
"""


def test_parse_reads_front_matter_body_and_lines() -> None:
    rec = record.parse(SAMPLE, "a.md")
    assert rec.meta["title"] == "At UN, Bart Somers discusses migration"
    assert rec.meta["published"] == datetime(2017, 4, 19, 10, tzinfo=timezone(timedelta(hours=2)))
    assert rec.body == "Our President participated.\n\nSecond paragraph.\n"
    assert rec.line_of("title") == 2
    assert rec.line_of("status") == 4
    assert rec.line_of("image.src") == 11
    assert rec.line_of("image.credit") == 9  # falls back to the table's line
    assert rec.body_line == 13
    assert rec.newline == "\n" and not rec.bom


def test_dump_writes_canonical_order_and_keeps_unknown_keys() -> None:
    rec = record.parse(SAMPLE, "a.md")
    text = record.dump(rec)
    keys = [line.split(" =")[0] for line in text.splitlines()[1:] if " = " in line]
    assert keys == ["title", "slug", "status", "published", "tags", "custom", "src", "alt"]
    assert text.endswith("+++\nOur President participated.\n\nSecond paragraph.\n")
    again = record.parse(text, "a.md")
    assert again.meta == rec.meta and again.body == rec.body


def test_crlf_is_read_and_kept_on_rewrite() -> None:
    crlf = SAMPLE.replace("\n", "\r\n")
    rec = record.parse(crlf, "a.md")
    assert rec.newline == "\r\n"
    assert rec.meta["status"] == "published"
    assert rec.body == "Our President participated.\r\n\r\nSecond paragraph.\r\n"
    out = record.dump(rec)
    assert "\n" not in out.replace("\r\n", "")
    assert record.parse(out, "a.md").meta == rec.meta


def test_bom_is_noted_and_dropped_on_rewrite() -> None:
    rec = record.parse("\ufeff" + SAMPLE, "a.md")
    assert rec.bom
    assert rec.meta["slug"] == "at-un"
    assert not record.dump(rec).startswith("\ufeff")


def test_body_with_delimiter_lines_round_trips() -> None:
    rec = record.Record({"title": "x"}, "before\n+++\nafter\n+++\n")
    assert record.parse(record.dump(rec)).body == "before\n+++\nafter\n+++\n"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "empty"),
        ("   \n\n", 1, "empty"),
        ("title = 'x'\n+++\nbody\n", 1, "first line must be exactly '+++'"),
        ("+++\ntitle = 'x'\nbody without end\n", 1, "never closed"),
        ("+++", 1, "never closed"),  # one line cannot both open and close the front matter
        ("+++\ntitle = 'x'\n+++ \nbody\n", 1, "never closed"),
        ("+++\ntitle = 'x'\n+++\r\r\nbody\n", 1, "never closed"),
        ("+++\ntitle = 'x'\nstatus = draft\n+++\nbody\n", 3, "not valid TOML"),
        ("+++\ntitle = 'x'\n\ntags = [\"a\",\n+++\n", None, "not valid TOML"),
        ("+++ \ntitle = 'x'\n+++\n", 1, "first line"),
    ],
)
def test_bad_records_name_the_file_line(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(RecordError) as info:
        record.parse(text, "articles/bad.md")
    assert fragment in info.value.message
    if line is not None:
        assert info.value.line == line
    assert str(info.value).startswith("articles/bad.md")
    assert info.value.hint


@pytest.mark.parametrize(
    ("text", "meta", "body", "body_line"),
    [
        ("+++\ntitle = 'x'\n+++", {"title": "x"}, "", 4),
        ("+++\r\ntitle = 'x'\r\n\r\na = 1\r\n+++\r\nbody\r\n", {"title": "x", "a": 1}, "body\r\n", 6),
        ("+++\n+++\n+++\n", {}, "+++\n", 3),
        ('+++\na = """\n+++x\n"""\n+++\nb\n', {"a": "+++x\n"}, "b\n", 6),
    ],
)
def test_the_front_matter_ends_at_the_first_line_that_is_the_delimiter(
        text: str, meta: dict[str, object], body: str, body_line: int) -> None:
    rec = record.parse(text, "a.md")
    assert (rec.meta, rec.body, rec.body_line) == (meta, body, body_line)


def test_toml_error_line_is_the_file_line_not_the_front_matter_line() -> None:
    text = "+++\na = 1\nb = 2\nc = = 3\n+++\n"
    with pytest.raises(RecordError) as info:
        record.parse(text, "x.md")
    assert info.value.line == 4


def test_non_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(b"+++\ntitle = 'ok'\nsummary = 'caf\xe9'\n+++\n")
    with pytest.raises(RecordError) as info:
        record.load(path)
    assert info.value.line == 3
    assert "UTF-8" in info.value.message


def test_record_over_5_mb_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as fh:
        fh.write(b"+++\ntitle = 'x'\n+++\n")
        fh.truncate(record.MAX_RECORD_BYTES + 10)
    with pytest.raises(RecordError) as info:
        record.load(path)
    assert "5 MB" in info.value.message



# -- property tests ---------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_keys = st.sampled_from(["title", "summary", "category", "lang", "custom", "note"])
_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)),
                               timezone(timedelta(hours=-5, minutes=-30))]),
).map(lambda d: d.replace(microsecond=0))
_values = st.one_of(_text, st.lists(_text, max_size=4), _datetimes, st.integers(), st.booleans())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    meta=st.dictionaries(_keys, _values, max_size=6),
    title=_text,
    body=_text,
    crlf=st.booleans(),
)
def test_any_record_round_trips(meta: dict[str, object], title: str, body: str, crlf: bool) -> None:
    meta = {**meta, "title": title}
    rec = record.Record(meta, body, newline="\r\n" if crlf else "\n")
    again = record.parse(record.dump(rec), "p.md")
    assert again.meta == meta
    assert again.body == body


@settings(max_examples=300)
@given(data=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: ("+++\n" + t).encode()))
def test_any_bytes_give_a_record_or_a_record_error(data: bytes) -> None:
    try:
        record.parse(record.decode(data, "f.md"), "f.md")
    except RecordError as exc:
        assert exc.message


@pytest.mark.parametrize(("seen", "grows_past_limit"), [(10, False), (200_000, False), (10, True)])
def test_a_record_that_changes_size_while_read_is_read_whole_or_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen: int, grows_past_limit: bool) -> None:
    """The size `stat` gave is a first guess: a record read as it grows or shrinks is read
    to its end, and one that grew past the limit is refused."""
    path = tmp_path / "story.md"
    data = b"+++\ntitle = 'x'\n+++\n" + b"y" * 100_000
    path.write_bytes(data)
    if grows_past_limit:
        with path.open("ab") as fh:
            fh.truncate(record.MAX_RECORD_BYTES + 10)
    real_fstat = os.fstat

    def stale(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((*st[:6], seen, *st[7:]))  # the size as it was a moment ago

    monkeypatch.setattr(os, "fstat", stale)
    if grows_past_limit:
        with pytest.raises(RecordError) as info:
            record.read_bytes(path)
        assert "5 MB" in info.value.message
    else:
        assert record.read_bytes(path) == data
