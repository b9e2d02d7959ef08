"""The store: discovery, scanning with the cache, the lock and the atomic write path."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pytest

from pressctl import index
from pressctl.errors import UsageError
from pressctl.store import Newsroom, find_root, write_atomic
from tests.conftest import Room


def test_root_is_found_from_a_subfolder(room: Room) -> None:
    sub = room.articles / "media"
    sub.mkdir()
    assert find_root(start=sub) == room.root.resolve()


def test_root_from_env_and_explicit(room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRESSCTL_ROOT", str(room.root))
    assert find_root() == room.root.resolve()
    assert find_root(room.root) == room.root.resolve()


def test_no_newsroom_is_a_usage_error_with_a_hint(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(UsageError) as info:
        find_root(start=empty)
    assert "pressctl init" in (info.value.hint or "")


def test_scan_skips_broken_records_and_reports_them(room: Room) -> None:
    room.write("good")
    room.write_raw("broken.md", "+++\ntitle = \n+++\n")
    room.write_raw(".leftover.md.123.abcd.tmp", "junk")
    room.write_raw("notes.txt", "not a record")
    scan = Newsroom(room.root).scan()
    assert [a.slug for a in scan.articles] == ["good"]
    assert [(p.path.name, p.line, p.code) for p in scan.problems] == [("broken.md", 2, "PC001")]


def test_cache_serves_unchanged_records_and_notices_changes(room: Room) -> None:
    path = room.write("cached", title="First")
    old = time.time() - 60
    os.utime(path, (old, old))  # older than the racy window, so it gets cached
    newsroom = Newsroom(room.root)
    assert newsroom.scan().articles[0].title == "First"
    assert (room.root / ".pressctl" / index.FILE).exists()
    # served from the cache: the body is read lazily and still right
    again = newsroom.scan().articles[0]
    assert again.record._body is None
    assert again.body == "Body text.\n"
    room.write("cached", title="Second")
    assert newsroom.scan().articles[0].title == "Second"


def test_cache_notices_an_edit_of_the_same_size_by_its_time_or_its_inode(room: Room) -> None:
    path = room.write("cached", title="First")
    old = time.time() - 60
    os.utime(path, (old, old))
    newsroom = Newsroom(room.root)
    assert newsroom.scan().articles[0].title == "First"
    room.write("cached", title="Fixed")  # same size, new time
    os.utime(path, (old - 10, old - 10))
    assert newsroom.scan().articles[0].title == "Fixed"
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("Fixed", "Final")
    replacement = room.write_raw("replacement.txt", text)
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size and time
    os.replace(replacement, path)
    assert path.stat().st_ino != before.st_ino
    assert newsroom.scan().articles[0].title == "Final"


def test_a_record_removed_while_the_scan_looks_is_no_record_and_leaves_the_cache(room: Room) -> None:
    for slug in ("kept", "gone"):
        path = room.write(slug)
        os.utime(path, (time.time() - 60,) * 2)
    newsroom = Newsroom(room.root)
    names = newsroom.record_names()
    assert names == ["gone.md", "kept.md"]
    newsroom.scan()  # both cached
    room.path("gone").unlink()  # after the folder was listed, before the file is stat'ed
    loaded = index.load_all(newsroom, names)
    assert [path.name for path, _ in loaded] == ["kept.md"]
    db = sqlite3.connect(room.root / ".pressctl" / index.FILE)
    assert db.execute("SELECT name FROM records").fetchall() == [("kept.md",)]
    db.close()


def test_corrupt_cache_is_rebuilt_silently(room: Room) -> None:
    room.write("a")
    state = room.root / ".pressctl"
    state.mkdir()
    (state / index.FILE).write_bytes(b"this is not sqlite" * 100)
    assert [a.slug for a in Newsroom(room.root).scan().articles] == ["a"]


def test_read_only_newsroom_still_lists(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    room.write("a")

    def read_only(self: Newsroom) -> Path:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(Newsroom, "ensure_state_dir", read_only)
    assert [a.slug for a in Newsroom(room.root).scan().articles] == ["a"]
    assert not (room.root / ".pressctl").exists()


def test_write_atomic_replaces_and_exclusive_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    with pytest.raises(FileExistsError):
        write_atomic(target, b"three", exclusive=True)
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]  # no temp file left


def test_lock_cleans_leftover_temporary_files(room: Room) -> None:
    leftover = room.write_raw(".a.md.999.dead.tmp", "half a record")
    with Newsroom(room.root).lock():
        pass
    assert not leftover.exists()


def _hold_lock(
    root: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event
) -> None:
    with Newsroom(Path(root)).lock():
        ready.set()
        release.wait(10)


def test_a_second_writer_waits_for_the_lock(room: Room) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(room.root), ready, release))
    holder.start()
    assert ready.wait(10)
    import fcntl

    fd = os.open(room.root / ".pressctl" / "lock", os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    release.set()
    holder.join(10)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the holder is gone
    os.close(fd)


def test_lock_of_a_killed_process_is_released(room: Room) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(room.root), ready, release))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join(10)
    with Newsroom(room.root).lock():
        pass  # does not wait forever


def test_symlinked_record_leaving_the_newsroom_is_ignored(room: Room, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("+++\ntitle = 'secret'\n+++\n", encoding="utf-8")
    (room.articles / "leak.md").symlink_to(outside)
    scan = Newsroom(room.root).scan()
    assert scan.articles == []
    assert scan.problems[0].code == "PC004"


def test_dates_from_zones_with_offset_seconds_are_written_readably(room: Room) -> None:
    """Brussels had +00:17:30 before 1892: a rewrite must still give valid TOML."""
    room.write_raw("old.md", "+++\ntitle = 'Old'\nstatus = 'draft'\ncreated = 1880-01-01T12:00:00\n+++\nx\n")
    newsroom = Newsroom(room.root)  # the room's timezone is Europe/Brussels
    article = newsroom.get("old")
    article.meta["created"] = article.created
    newsroom.save(article)
    assert newsroom.get("old").created.isoformat() == "1880-01-01T12:00:00+00:18"


def test_save_refuses_a_record_that_would_not_read_back(room: Room) -> None:
    from datetime import time as dtime
    from datetime import timedelta, timezone

    from pressctl.errors import RecordError

    path = room.write("story")
    before = path.read_bytes()
    article = Newsroom(room.root).get("story")
    article.meta["at"] = dtime(9, 0, tzinfo=timezone(timedelta(hours=1)))  # TOML has no such value
    with pytest.raises((RecordError, TypeError)):
        Newsroom(room.root).save(article)
    assert path.read_bytes() == before


def test_unfiltered_list_from_the_cache_decodes_no_record(room: Room) -> None:
    """The index keeps each record's list row and sort time; reading a field drops them."""
    from datetime import datetime

    from pressctl import listing, query

    for n, day in enumerate(("2024-01-02", "2024-03-04", "2023-05-06")):
        path = room.write(f"story-{n}", status="published",
                          published=datetime.fromisoformat(f"{day}T10:00:00+01:00"))
        old = time.time() - 60
        os.utime(path, (old, old))
    newsroom = Newsroom(room.root)
    expected = listing.as_json(query.newest_first(newsroom.scan().articles), room.root)
    cached = newsroom.scan().articles
    assert all(a.record.row is not None and a.record.stamp is not None for a in cached)
    shown = listing.as_json(query.newest_first(cached), room.root)
    assert shown == expected
    assert all(a.record.row is not None for a in cached)  # nothing was decoded to get there
    first = cached[0]
    assert first.meta["slug"] == first.slug  # reading a field loads the record …
    assert first.record.row is None and first.record.stamp is None  # … and drops the copies
    first.meta["title"] = "Changed"
    assert '"title": "Changed"' in listing.as_json([first], room.root)


def test_a_scan_leaves_the_cycle_collector_as_it_found_it(room: Room,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    room.write("a")
    newsroom = Newsroom(room.root)
    assert gc.isenabled()
    newsroom.scan()
    assert gc.isenabled()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(index, "load_all", fail)
    with pytest.raises(OSError):
        newsroom.scan()
    assert gc.isenabled()
    monkeypatch.undo()
    gc.disable()
    try:
        newsroom.scan()
        assert not gc.isenabled()  # paused by someone else: still paused
    finally:
        gc.enable()


def test_a_failed_cache_write_leaves_the_cache_working(tmp_path: Path) -> None:
    """A write that fails halfway is rolled back, and the next one is kept."""
    from pressctl.exporters.bodies import RenderCache

    cache = RenderCache(tmp_path)
    cache.put("first", "d1", "<p>kept</p>")
    cache.put("broken", "d2", {"not": "text"})  # type: ignore[arg-type]  # SQLite cannot store it
    cache.flush()
    assert cache.get("first") is None  # the failed batch is rolled back as a whole
    cache.put("second", "d3", "<p>after</p>")
    cache.flush()
    assert cache.get("second") == "<p>after</p>"
    cache.close()
    assert RenderCache(tmp_path).get("second") == "<p>after</p>"


def test_a_file_system_error_names_the_file_whatever_form_its_name_has(tmp_path: Path) -> None:
    import errno

    from pressctl.store import os_error

    full = os_error(OSError(errno.ENOSPC, "No space left on device",
                            str(tmp_path / "articles" / ".x.md.4242.0a1b2c3d.tmp")))
    assert full.message.endswith("articles/x.md: No space left on device")  # not the temporary
    assert "free some space" in (full.hint or "")
    as_bytes = os_error(OSError(errno.EACCES, "Permission denied", os.fsencode(tmp_path / "y.md")))
    assert as_bytes.message.endswith("y.md: Permission denied")
    assert os_error(OSError(errno.EIO, "Input/output error", 7)).message == "Input/output error"
    assert os_error(OSError(errno.EIO, "Input/output error")).hint is None


@pytest.mark.parametrize("fresh", [False, True], ids=["copied-earlier", "copied-just-now"])
def test_a_copy_of_the_newsroom_with_its_cache_lists_and_validates_without_parsing(
        room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: bool) -> None:
    """A fresh clone in a pipeline with `.pressctl/` restored: `list` and `validate` read
    and compare the records whose bytes the cache parsed, parse only the one edited
    without a change of size, and print what they print without the cache."""
    import shutil
    import types

    from typer.testing import CliRunner

    from pressctl import record
    from pressctl.cli.app import app

    for n in range(30):
        path = room.write(f"story-{n:02d}", title=f"Story {n:02d}", status="published")
        os.utime(path, (time.time() - 3600,) * 2)
    room.write_raw("broken.md", "+++\ntitle = \n+++\n")
    os.utime(room.path("broken"), (time.time() - 3600,) * 2)
    runner = CliRunner()

    def run(root: Path, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--root", str(root), *args], catch_exceptions=False)
        return result.exit_code, result.stdout

    run(room.root, "list", "--format", "json")  # fills the cache
    clone = tmp_path / "clone"
    shutil.copytree(room.root, clone, copy_function=shutil.copy)  # new inodes
    edited = clone / "articles" / "story-07.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Story 07", "Story-07"),
                      encoding="utf-8")  # same size
    copied = 1_900_000_000 * 10**9
    for path in (clone / "articles").glob("*.md"):
        os.utime(path, ns=(copied, copied))

    def at(seconds_after_the_copy: float) -> None:
        now = copied + int(seconds_after_the_copy * 10**9)
        monkeypatch.setattr(index, "time", types.SimpleNamespace(time_ns=lambda: now))

    parsed: list[str] = []
    compared: list[str] = []
    real_parse, real_same = index._parse_with_content, record.same_content
    monkeypatch.setattr(index, "_parse_with_content", lambda p: parsed.append(p.name) or real_parse(p))
    monkeypatch.setattr(record, "same_content", lambda p, c, k: compared.append(p.name) or real_same(p, c, k))
    at(1 if fresh else 600)
    listed = run(clone, "list", "--format", "json")
    assert parsed == ["story-07.md"] and len(compared) == 31  # every copy of the same size
    parsed.clear()
    compared.clear()
    at(600)
    validated = run(clone, "validate", "--format", "json")
    # What was compared or parsed while too fresh to trust is compared or parsed again.
    assert parsed == (["story-07.md"] if fresh else [])
    assert len(compared) == (31 if fresh else 0)
    shutil.rmtree(clone / ".pressctl")
    assert run(clone, "list", "--format", "json") == listed
    assert run(clone, "validate", "--format", "json") == validated
    assert '"Story-07"' in listed[1] and validated[0] == 1 and "broken.md" in validated[1]
