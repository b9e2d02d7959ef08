"""Regression tests for product bugs the trust suites found, one per fix."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pressctl import record
from pressctl.errors import RecordError
from tests.conftest import Result, Room

HEAD = '+++\ntitle = "Deep"\nslug = "deep"\nstatus = "draft"\n'


@pytest.mark.parametrize(
    ("nesting", "line"),
    [
        ("nest = " + "[" * 5000 + "]" * 5000, None),  # tomllib itself runs out of stack
        ("nest = " + "{ a = " * 3000 + "1" + " }" * 3000, None),
        ("[" + ".".join(["t"] * 3000) + "]\nleaf = 1", 5),  # parses, then breaks every writer
        ("nest = " + "[" * 40 + "]" * 40, 5),
    ],
    ids=["arrays", "inline-tables", "table-headers", "forty-levels"],
)
def test_deeply_nested_front_matter_is_a_record_error(nesting: str, line: int | None) -> None:
    with pytest.raises(RecordError) as info:
        record.parse(f"{HEAD}{nesting}\n+++\nbody\n", "articles/deep.md")
    assert "nested more than 32 levels" in info.value.message
    assert info.value.line == line


def test_nesting_up_to_the_limit_is_read_and_written() -> None:
    text = f"{HEAD}nest = {'[' * 31}1{']' * 31}\n+++\nbody\n"
    rec = record.parse(text, "a.md")
    assert record.parse(record.dump(rec)).meta == rec.meta


def test_deep_nesting_through_list_and_show(room: Room, cli: Callable[..., Result]) -> None:
    room.write_raw("deep.md", f"{HEAD}[{'.'.join(['t'] * 3000)}]\nleaf = 1\n+++\nbody\n")
    room.write("fine")
    result = cli("list", "--format", "json")
    assert result.exit_code == 1
    assert "articles/deep.md:5: front matter is nested more than 32 levels deep" in result.stderr
    assert '"slug": "fine"' in result.stdout
    assert cli("show", "deep").exit_code == 1


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_fifo_or_folder_named_like_a_record_is_refused_without_blocking(
        kind: str, room: Room, cli: Callable[..., Result]) -> None:
    # before the fix, a FIFO made `list` wait forever for a writer
    path = room.articles / "odd.md"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    room.write("fine")
    with pytest.raises(RecordError) as info:
        record.load(path)
    assert info.value.code == "PC006" and "not a regular file" in info.value.message
    result = cli("list", "--format", "slugs")
    assert result.exit_code == 1 and result.stdout == "fine\n"
    assert "articles/odd.md: not a regular file" in result.stderr
    assert cli("show", "odd").exit_code == 1


def test_dates_at_the_ends_of_the_calendar_without_a_timezone(room: Room,
                                                              cli: Callable[..., Result]) -> None:
    # without `timezone`, naive datetimes of year 1 or 9999 made list, validate and
    # --since crash: the C library cannot place them in the machine's zone
    (room.root / "pressctl.toml").write_text('title = "No zone"\n', encoding="utf-8")
    room.write_raw("old.md", '+++\ntitle = "Old"\nstatus = "published"\n'
                   "created = 0001-01-01T00:00:00\npublished = 0001-01-01\n"
                   "updated = 9999-12-31T23:59:59\n+++\nbody\n")
    for args in (["list", "--sort", "created"], ["list", "--sort", "updated"],
                 ["list", "--since", "0001-01-01"], ["list", "--until", "9999-12-31T23:59"],
                 ["show", "old", "--format", "json"]):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    assert cli("list", "--since", "0001-01-01", "--format", "slugs").stdout == "old\n"


def test_a_record_linked_to_a_file_outside_is_never_read_nor_copied_in(
        room: Room, tmp_path: Path, cli: Callable[..., Result]) -> None:
    # `list` ignored such a link, but `show` printed the outside file and `edit`
    # replaced the link with a copy of it
    outside = tmp_path / "elsewhere.md"
    outside.write_text('+++\ntitle = "Secret"\nstatus = "draft"\n+++\nSECRET BODY\n', encoding="utf-8")
    (room.articles / "linked.md").symlink_to(outside)
    for args in (["show", "linked"], ["show", "linked", "--raw"], ["show", "linked", "--format", "json"],
                 ["edit", "linked", "--set", "summary=x"]):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert "SECRET" not in result.stdout + result.stderr
        assert "articles/linked.md: the file is a link to a place outside the newsroom" in result.stderr
    assert (room.articles / "linked.md").is_symlink()
    assert outside.read_text(encoding="utf-8").endswith("SECRET BODY\n")


def test_a_state_folder_linked_outside_is_not_written_through(
        room: Room, tmp_path: Path, cli: Callable[..., Result]) -> None:
    # the lock, the index cache and its .gitignore were written into the link's target
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (room.root / ".pressctl").symlink_to(elsewhere, target_is_directory=True)
    room.write("story")
    result = cli("list", "--format", "slugs")
    assert (result.exit_code, result.stdout) == (0, "story\n")  # runs, without the cache
    result = cli("edit", "story", "--set", "summary=x")
    assert result.exit_code == 1
    assert ".pressctl: is a link to a place outside the newsroom" in result.stderr
    assert "rm .pressctl" in result.stderr
    assert list(elsewhere.iterdir()) == []
    assert "summary" not in room.read("story")


@pytest.mark.parametrize("table", ['"\\u0000t" = "bogus"\nv = 1', '"\\u0000t" = "date"\nv = "2020-01-01"'],
                         ids=["unknown-tag", "known-tag"])
def test_a_table_shaped_like_the_caches_type_tag_reads_the_same_from_the_cache(
        table: str, room: Room, cli: Callable[..., Result]) -> None:
    # the index cache tags datetimes as {"\x00t": kind, "v": text}; a record holding such a
    # table crashed the next `list` (KeyError) or came back from the cache as a date
    path = room.write_raw("tagged.md", f'+++\ntitle = "Tagged"\nstatus = "draft"\n[x]\n{table}\n+++\nb\n')
    os.utime(path, (path.stat().st_mtime - 3600,) * 2)  # old enough to be cached
    first = cli("list", "--format", "json")
    second = cli("list", "--format", "json")
    assert first.exit_code == second.exit_code == 0, second.stderr
    assert second.stdout == first.stdout
    assert '"x": {"\\u0000t"' in first.stdout


def test_a_planted_cache_entry_that_does_not_decode_is_read_from_the_file(
        room: Room, cli: Callable[..., Result]) -> None:
    import sqlite3

    path = room.write("story")
    os.utime(path, (path.stat().st_mtime - 3600,) * 2)
    assert cli("list").exit_code == 0
    db = sqlite3.connect(room.root / ".pressctl" / "index.sqlite")
    with db:
        db.execute("UPDATE records SET data = ?", (b'["record", {"t": {"\\u0000t": "nope", "v": 1}}]',))
    db.close()
    result = cli("list", "--format", "slugs")
    assert (result.exit_code, result.stdout) == (0, "story\n")


@pytest.mark.parametrize("naive", ["1850-06-01T12:00:00", "0001-01-01T00:00:00"])
def test_a_rewrite_never_writes_an_offset_toml_cannot_read(naive: str, room: Room,
                                                           cli: Callable[..., Result]) -> None:
    # a naive datetime read in Europe/Brussels before 1892 gets local mean time, +00:17:30;
    # a rewrite wrote that offset, which TOML has no syntax for: the record no longer parsed
    room.write_raw("old.md", f'+++\ntitle = "Old"\nstatus = "draft"\ncreated = {naive}\n+++\nbody\n')
    result = cli("edit", "old", "--set", "summary=x")
    assert result.exit_code == 0, result.stderr
    rec = record.load(room.path("old"))
    assert rec.meta["summary"] == "x"
    assert rec.meta["created"].isoformat().startswith(naive.replace(" ", "T"))
    assert rec.meta["created"].utcoffset().total_seconds() % 60 == 0
    assert cli("edit", "old", "--set", f"published={naive}").exit_code == 0
    assert record.load(room.path("old")).meta["published"].utcoffset().total_seconds() % 60 == 0
