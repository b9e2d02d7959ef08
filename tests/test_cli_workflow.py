"""review, publish, unpublish, archive, rename and delete through the CLI, with bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pressctl.record import parse
from tests.conftest import Result, Room

Cli = Callable[..., Result]

PAST = datetime.fromisoformat("2020-03-01T09:00:00+01:00")
FUTURE = datetime.fromisoformat("2099-03-01T09:00:00+01:00")


def meta(room: Room, slug: str) -> dict[str, Any]:
    return parse(room.read(slug)).meta


def snapshot(room: Room) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(room.articles.iterdir()) if p.is_file()}


# -- the moves ---------------------------------------------------------------------------


def test_review_publish_unpublish_archive(cli: Cli, room: Room) -> None:
    room.write("x")
    for command, status in (("review", "review"), ("publish", "published"),
                            ("unpublish", "draft"), ("archive", "archived"),
                            ("publish", "published")):
        r = cli(command, "x")
        assert r.exit_code == 0, r.stderr
        assert meta(room, "x")["status"] == status
        assert r.stderr.startswith("articles/x.md: ") and f"-> {status}" in r.stderr
        assert r.stdout == ""


def test_a_refused_move_lists_the_problems_and_leaves_the_file(cli: Cli, room: Room) -> None:
    room.write("x", authors=None, related=["ghost"])
    before = room.path("x").read_bytes()
    r = cli("publish", "x")
    assert r.exit_code == 1
    assert "error: articles/x.md: not moved to published: 2 errors to fix first" in r.stderr
    related_line = room.read("x").splitlines().index("related = [") + 1
    assert r.stdout == ""
    assert "authors: none, but a \"published\" article needs at least one" in r.stderr
    assert "related: \"ghost\" is not an article" in r.stderr
    assert f"articles/x.md:{related_line}: related:" in r.stderr
    assert room.path("x").read_bytes() == before


def test_several_slugs_move_what_passes_and_exit_1(cli: Cli, room: Room) -> None:
    room.write("good")
    room.write("bad", authors=None)
    r = cli("review", "good", "bad")
    assert r.exit_code == 1
    assert meta(room, "good")["status"] == "review"
    assert meta(room, "bad")["status"] == "draft"
    assert "moved 1, refused 1, unchanged 0" in r.stderr


def test_an_unknown_slug_is_a_usage_error_and_changes_nothing(cli: Cli, room: Room) -> None:
    room.write("x")
    before = snapshot(room)
    for args in (("publish", "x", "nope"), ("archive", "x", "Bad Slug"), ("review", "nope")):
        r = cli(*args)
        assert r.exit_code == 2, (args, r.stderr)
        assert snapshot(room) == before


def test_publish_at_future_schedules_and_past_backdates(cli: Cli, room: Room) -> None:
    room.write("x")
    room.write("y")
    assert cli("publish", "x", "--at", "2099-03-01T09:00").exit_code == 0
    assert (meta(room, "x")["status"], meta(room, "x")["published"]) == ("scheduled", FUTURE)
    assert cli("publish", "y", "--at", "2020-03-01T09:00:00+01:00").exit_code == 0
    assert (meta(room, "y")["status"], meta(room, "y")["published"]) == ("published", PAST)


def test_publish_at_a_bad_date_is_a_usage_error(cli: Cli, room: Room) -> None:
    room.write("x")
    r = cli("publish", "x", "--at", "next tuesday")
    assert r.exit_code == 2 and "--at" in r.stderr and "ISO 8601" in r.stderr


def test_publish_at_on_a_published_article_is_refused(cli: Cli, room: Room) -> None:
    room.write("x", status="published", published=PAST)
    before = room.path("x").read_bytes()
    r = cli("publish", "x", "--at", "2099-01-01")
    assert r.exit_code == 1 and "unpublish" in r.stderr
    assert room.path("x").read_bytes() == before


def test_a_move_to_the_same_status_is_a_no_op(cli: Cli, room: Room) -> None:
    room.write("x", status="published", published=PAST)
    before = room.path("x").read_bytes()
    r = cli("publish", "x")
    assert r.exit_code == 0 and "is already published; nothing to do" in r.stderr
    assert room.path("x").read_bytes() == before


def test_republication_sets_updated(cli: Cli, room: Room) -> None:
    room.write("x", status="published", published=PAST)
    cli("unpublish", "x")
    assert "updated" not in meta(room, "x")
    cli("publish", "x")
    m = meta(room, "x")
    assert m["published"] == PAST and m["updated"] > PAST


def test_unpublish_and_archive_are_never_blocked(cli: Cli, room: Room) -> None:
    room.write("x", status="published", published=PAST, related=["ghost"], authors=None)
    assert cli("unpublish", "x").exit_code == 0
    assert cli("archive", "x").exit_code == 0
    assert meta(room, "x")["status"] == "archived"


def test_due_publishes_scheduled_articles_whose_time_has_come(cli: Cli, room: Room) -> None:
    room.write("due", status="scheduled", published=PAST)
    room.write("later", status="scheduled", published=FUTURE)
    r = cli("publish", "--due")
    assert r.exit_code == 0 and "articles/due.md: scheduled -> published" in r.stderr
    assert meta(room, "due")["status"] == "published"
    assert meta(room, "later")["status"] == "scheduled"
    r = cli("publish", "--due")
    assert r.exit_code == 0 and "nothing is due" in r.stderr


def test_due_and_slugs_do_not_mix(cli: Cli, room: Room) -> None:
    room.write("x")
    assert cli("publish", "--due", "x").exit_code == 2
    assert cli("publish", "--due", "--at", "2099-01-01").exit_code == 2
    assert cli("publish").exit_code == 2


def test_dry_run_prints_the_change_and_writes_nothing(cli: Cli, room: Room) -> None:
    room.write("x")
    room.write("y", status="published", published=PAST)
    before = snapshot(room)
    r = cli("publish", "x", "--dry-run")
    assert r.exit_code == 0
    assert r.stdout.startswith("would move articles/x.md: draft -> published\n"
                               "  status: draft -> published\n  published: (unset) -> ")
    for command in ("review", "unpublish", "archive"):
        slug = "y" if command == "unpublish" else "x"
        r = cli(command, slug, "--dry-run")
        assert r.exit_code == 0 and r.stdout.startswith(f"would move articles/{slug}.md")
    assert snapshot(room) == before


def test_status_moves_leave_the_body_alone(cli: Cli, room: Room) -> None:
    body = "Line one.\r\n\r\n<!-- keep -->\r\n"
    room.write("x", body=body)
    before = room.path("x").read_bytes()
    assert before.endswith(body.encode())
    cli("review", "x")
    assert room.path("x").read_bytes().endswith(body.encode())


# -- embargo -----------------------------------------------------------------------------


def test_scheduled_articles_stay_out_of_exports_until_their_time(cli: Cli, room: Room) -> None:
    room.write("live", status="published", published=PAST, related=["soon"], tags=["t"])
    room.write("soon", status="scheduled", published=FUTURE, tags=["t"], title="Embargoed summit")
    slugs = [json.loads(line)["slug"] for line in
             cli("export", "--format", "jsonl").stdout.splitlines()]
    assert slugs == ["live"]
    for args in (("--status", "scheduled"), ("--tag", "t"), ("--search", "Soon")):
        out = cli("export", "--format", "jsonl", *args).stdout
        assert "soon" not in [json.loads(line)["slug"] for line in out.splitlines()]
    every = cli("export", "--format", "jsonl", "--all").stdout.splitlines()
    assert sorted(json.loads(line)["slug"] for line in every) == ["live", "soon"]
    # nor into a page, a feed or an "Other news" list
    out = room.root.parent / "site"
    assert cli("export", "--format", "html", "--out", str(out)).exit_code == 0
    pages = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".json")]
    assert pages and not [p for p in pages if "Embargoed summit" in p.read_text()]
    assert "Embargoed summit" in room.read("soon")


# -- edit runs the same engine ---------------------------------------------------------


def test_a_scripted_edit_that_adds_errors_is_refused(cli: Cli, room: Room) -> None:
    room.write("x")
    before = room.path("x").read_bytes()
    r = cli("edit", "x", "--set", "related=ghost", "--set", "lang=English")
    assert r.exit_code == 1
    assert "not changed: the change would add: 2 errors:" in r.stderr
    assert "related: \"ghost\" is not an article" in r.stderr
    assert room.path("x").read_bytes() == before


def test_an_edit_in_the_editor_with_errors_is_kept_for_recovery(room: Room) -> None:
    from pressctl import editor
    from pressctl.cli.commands.edit import _checker
    from pressctl.errors import Refused
    from pressctl.store import Newsroom

    room.write("x")
    before = room.path("x").read_bytes()

    def bad_edit(path: Path) -> int:
        path.write_text(path.read_text().replace('status = "draft"', 'status = "publised"'))
        return 0

    with pytest.raises(Refused) as info:
        editor.edit(Newsroom(room.root), "x", check=_checker(), run_editor=bad_edit)
    assert "PC" not in str(info.value) and 'status: "publised"' in str(info.value)
    assert info.value.hint and "recovered/" in info.value.hint
    assert room.path("x").read_bytes() == before
    assert len(list((room.root / "recovered").iterdir())) == 1


# -- rename and delete -------------------------------------------------------------------


def test_rename_updates_aliases_and_references(cli: Cli, room: Room) -> None:
    room.write("old", status="published", published=PAST)
    room.write("fan", related=["old"], body="See [it](../old/).\n")
    room.write("fr", translation_of="old")
    ident = meta(room, "old")["id"]
    r = cli("rename", "old", "new")
    assert r.exit_code == 0, r.stderr
    assert not room.path("old").exists()
    m = meta(room, "new")
    assert (m["id"], m["slug"], m["aliases"]) == (ident, "new", ["old"])
    assert meta(room, "fan")["related"] == ["new"]
    assert meta(room, "fr")["translation_of"] == "new"
    assert "created articles/new.md" in r.stderr and "removed articles/old.md" in r.stderr
    assert "warning: articles/fan.md:" in r.stderr and "../new/" in r.stderr
    assert cli("validate", "new", "fr").exit_code == 0


def test_rename_run_again_after_an_interruption_completes_it(cli: Cli, room: Room) -> None:
    room.write("old")
    room.write("fan", related=["old"])
    room.write_raw("new.md", room.read("old").replace('slug = "old"', 'slug = "new"'))
    assert cli("validate").exit_code == 1  # the half-done state is reported
    r = cli("rename", "old", "new")
    assert r.exit_code == 0, r.stderr
    assert "completed the rename" in r.stderr
    assert sorted(snapshot(room)) == ["fan.md", "new.md"]
    assert meta(room, "fan")["related"] == ["new"]
    assert cli("validate").exit_code == 0
    r = cli("rename", "old", "new")
    assert r.exit_code == 0 and "nothing left to do" in r.stderr


def test_rename_refusals(cli: Cli, room: Room) -> None:
    room.write("old")
    room.write("taken")
    before = snapshot(room)
    assert cli("rename", "old", "taken").exit_code == 1
    assert cli("rename", "ghost", "fresh").exit_code == 2
    assert cli("rename", "old", "Not_A_Slug").exit_code == 2
    assert cli("rename", "old", "old").exit_code == 2
    assert snapshot(room) == before


def test_rename_dry_run(cli: Cli, room: Room) -> None:
    room.write("old")
    room.write("fan", related=["old"])
    before = snapshot(room)
    r = cli("rename", "old", "new", "--dry-run")
    assert r.exit_code == 0
    assert "would create articles/new.md\n" in r.stdout
    assert "would update articles/fan.md\n  related: [old] -> [new]\n" in r.stdout
    assert "would remove articles/old.md\n" in r.stdout
    assert snapshot(room) == before


def test_delete_refuses_with_the_referrers_listed(cli: Cli, room: Room) -> None:
    room.write("x")
    room.write("fan", related=["x"])
    before = snapshot(room)
    r = cli("delete", "x")
    assert r.exit_code == 1
    line = room.read("fan").splitlines().index("related = [") + 1
    assert f"articles/fan.md:{line} (related)" in r.stderr
    assert "--force" in r.stderr
    assert snapshot(room) == before


def test_delete_force_and_dry_run(cli: Cli, room: Room) -> None:
    room.write("x")
    room.write("fan", related=["x"])
    before = snapshot(room)
    r = cli("delete", "x", "--force", "--dry-run")
    assert r.exit_code == 0 and "would remove articles/x.md" in r.stdout
    assert snapshot(room) == before
    r = cli("delete", "x", "--force")
    assert r.exit_code == 0 and "removed articles/x.md" in r.stderr
    assert not room.path("x").exists() and "related" not in meta(room, "fan")
    assert cli("delete", "x").exit_code == 2


# -- the installed entry point ------------------------------------------------------------


def test_every_new_command_through_the_installed_entry_point(room: Room) -> None:
    exe = str(Path(sys.executable).parent / "pressctl")
    room.write("a")
    room.write("b", related=["a"])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=room.root, capture_output=True, text=True,
                              timeout=60, env={**os.environ, "NO_COLOR": "1"})

    for args, code in ((("review", "a"), 0), (("publish", "a"), 0), (("unpublish", "a"), 0),
                       (("archive", "a"), 0), (("publish", "--due"), 0), (("delete", "a"), 1),
                       (("rename", "a", "c"), 0), (("delete", "b"), 0),
                       (("publish", "nope"), 2), (("validate",), 0)):
        r = run(*args)
        assert r.returncode == code, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "pressctl", "publish", "c", "--dry-run"],
                       cwd=room.root, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("would move articles/c.md: archived ->")


def test_a_full_disk_names_the_record_and_leaves_it_whole(
        cli: Cli, room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    room.write("x")
    before = room.read("x")
    real_open, real_fsync = os.open, os.fsync
    temporary: set[int] = set()

    def open_noting_temporary(path: str, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)
        if str(path).endswith(".tmp"):
            temporary.add(fd)
        return fd

    def full_disk(fd: int) -> None:  # where a full disk shows: the written data will not fit
        if fd in temporary:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "open", open_noting_temporary)
    monkeypatch.setattr(os, "fsync", full_disk)
    r = cli("publish", "x")
    monkeypatch.setattr(os, "open", real_open)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr
    assert "articles/x.md: No space left on device" in r.stderr
    assert room.read("x") == before
    assert sorted(p.name for p in room.articles.iterdir()) == ["x.md"]  # no temporary file left
