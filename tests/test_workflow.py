"""The workflow core: status moves, rename and delete, without the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from pressctl import rename as renaming
from pressctl import workflow
from pressctl.errors import Refused, UsageError
from pressctl.record import parse
from pressctl.store import Newsroom
from pressctl.workflow import Kind
from tests.conftest import Room

NOW = datetime.fromisoformat("2026-06-01T12:00:00+02:00")
PAST = datetime.fromisoformat("2026-03-01T09:00:00+01:00")
FUTURE = datetime.fromisoformat("2027-03-01T09:00:00+01:00")


def move(room: Room, slugs: list[str], target: str, **kwargs: Any) -> list[workflow.Outcome]:
    return workflow.move(Newsroom(room.root), slugs, target, now=NOW, **kwargs)


def meta(room: Room, slug: str) -> dict[str, Any]:
    return parse(room.read(slug)).meta


def write_status(room: Room, slug: str, status: str) -> None:
    extra: dict[str, Any] = {"published": PAST} if status in ("published", "archived") else {}
    if status == "scheduled":
        extra["published"] = FUTURE
    room.write(slug, status=status, **extra)


# (from, target) -> the status after, or "refused" / "unchanged"
TABLE = {
    ("draft", "review"): "review",
    ("review", "review"): "unchanged",
    ("scheduled", "review"): "refused",
    ("published", "review"): "refused",
    ("archived", "review"): "refused",
    ("draft", "published"): "published",
    ("review", "published"): "published",
    ("scheduled", "published"): "published",
    ("published", "published"): "unchanged",
    ("archived", "published"): "published",
    ("draft", "draft"): "unchanged",
    ("review", "draft"): "draft",
    ("scheduled", "draft"): "draft",
    ("published", "draft"): "draft",
    ("archived", "draft"): "draft",
    ("draft", "archived"): "archived",
    ("review", "archived"): "archived",
    ("scheduled", "archived"): "archived",
    ("published", "archived"): "archived",
    ("archived", "archived"): "unchanged",
}


@pytest.mark.parametrize(("start", "target"), sorted(TABLE))
def test_moves_follow_the_workflow_table(room: Room, start: str, target: str) -> None:
    write_status(room, "x", start)
    before = room.path("x").read_bytes()
    (outcome,) = move(room, ["x"], target)
    expected = TABLE[(start, target)]
    if expected in ("refused", "unchanged"):
        assert outcome.kind is Kind(expected)
        assert room.path("x").read_bytes() == before
        assert outcome.message
    else:
        assert outcome.kind is Kind.MOVED, outcome
        assert meta(room, "x")["status"] == expected


def test_a_refused_review_says_which_command_would_do_it(room: Room) -> None:
    write_status(room, "x", "published")
    (outcome,) = move(room, ["x"], "review")
    assert "pressctl unpublish x" in outcome.message


def test_moves_into_review_or_published_validate_first(room: Room) -> None:
    room.write("x", authors=None, related=["ghost"])
    before = room.path("x").read_bytes()
    for target in ("review", "published"):
        (outcome,) = move(room, ["x"], target)
        assert outcome.kind is Kind.REFUSED
        assert {p.code for p in outcome.problems} == {"PC033", "PC040"}
        assert room.path("x").read_bytes() == before


def test_taking_down_is_never_blocked(room: Room) -> None:
    room.write("x", status="published", published=PAST, related=["ghost"], authors=None)
    assert move(room, ["x"], "draft")[0].kind is Kind.MOVED
    room.write("y", status="bogus", related=["ghost"])
    assert move(room, ["y"], "archived")[0].kind is Kind.MOVED
    assert meta(room, "y")["status"] == "archived"


def test_publish_sets_published_to_now(room: Room) -> None:
    room.write("x")
    move(room, ["x"], "published")
    m = meta(room, "x")
    assert m["published"] == NOW and "updated" not in m


def test_republication_keeps_the_date_and_sets_updated(room: Room) -> None:
    room.write("x", status="published", published=PAST)
    move(room, ["x"], "draft")
    assert meta(room, "x")["published"] == PAST
    move(room, ["x"], "published")
    m = meta(room, "x")
    assert (m["status"], m["published"], m["updated"]) == ("published", PAST, NOW)


def test_publishing_a_scheduled_article_early_sets_now(room: Room) -> None:
    room.write("x", status="scheduled", published=FUTURE)
    move(room, ["x"], "published")
    m = meta(room, "x")
    assert m["published"] == NOW and "updated" not in m


def test_publish_at_a_future_time_schedules(room: Room) -> None:
    room.write("x")
    (outcome,) = move(room, ["x"], "published", at=FUTURE)
    assert (outcome.kind, outcome.after) == (Kind.MOVED, "scheduled")
    assert (meta(room, "x")["status"], meta(room, "x")["published"]) == ("scheduled", FUTURE)
    (again,) = move(room, ["x"], "published", at=FUTURE)
    assert again.kind is Kind.UNCHANGED
    later = FUTURE + timedelta(days=1)
    assert move(room, ["x"], "published", at=later)[0].kind is Kind.MOVED
    assert meta(room, "x")["published"] == later


def test_publish_at_a_past_time_backdates(room: Room) -> None:
    room.write("x", status="review")
    (outcome,) = move(room, ["x"], "published", at=PAST)
    assert outcome.after == "published"
    assert (meta(room, "x")["status"], meta(room, "x")["published"]) == ("published", PAST)


@pytest.mark.parametrize("status", ["published", "archived"])
def test_publish_at_is_refused_on_published_and_archived(room: Room, status: str) -> None:
    write_status(room, "x", status)
    before = room.path("x").read_bytes()
    (outcome,) = move(room, ["x"], "published", at=FUTURE)
    assert outcome.kind is Kind.REFUSED and "unpublish" in outcome.message
    assert room.path("x").read_bytes() == before


def test_due_publishes_what_is_due_only(room: Room) -> None:
    room.write("due", status="scheduled", published=PAST)
    room.write("later", status="scheduled", published=FUTURE)
    room.write("draft")
    outcomes = workflow.due(Newsroom(room.root), now=NOW)
    assert [(o.slug, o.kind) for o in outcomes] == [("due", Kind.MOVED)]
    m = meta(room, "due")
    assert (m["status"], m["published"]) == ("published", PAST) and "updated" not in m
    assert meta(room, "later")["status"] == "scheduled"
    assert workflow.due(Newsroom(room.root), now=NOW) == []


def test_several_slugs_move_independently(room: Room) -> None:
    room.write("good")
    room.write("bad", authors=None)
    room.write("done", status="review")
    outcomes = move(room, ["good", "bad", "done", "good"], "review")
    assert [(o.slug, o.kind) for o in outcomes] == [
        ("good", Kind.MOVED), ("bad", Kind.REFUSED), ("done", Kind.UNCHANGED)]
    assert meta(room, "good")["status"] == "review"
    assert meta(room, "bad")["status"] == "draft"


def test_an_unknown_slug_changes_nothing(room: Room) -> None:
    room.write("x")
    before = room.path("x").read_bytes()
    with pytest.raises(UsageError, match="nope"):
        move(room, ["x", "nope"], "review")
    with pytest.raises(UsageError):
        move(room, ["x", "Not A Slug"], "review")
    assert room.path("x").read_bytes() == before


def test_a_broken_record_is_refused_not_crashed_on(room: Room) -> None:
    room.write_raw("x.md", "")
    (outcome,) = move(room, ["x"], "archived")
    assert outcome.kind is Kind.REFUSED and outcome.problems[0].code == "PC001"


def test_dry_run_writes_nothing_and_lists_the_changes(room: Room) -> None:
    room.write("x")
    before = room.path("x").read_bytes()
    (outcome,) = move(room, ["x"], "published", dry_run=True)
    assert outcome.kind is Kind.MOVED
    assert outcome.changes == ["status: draft -> published",
                               f"published: (unset) -> {NOW.isoformat()}"]
    assert room.path("x").read_bytes() == before


def test_a_rewrite_fixes_what_the_warnings_point_at(room: Room) -> None:
    room.write("x", id=None, created=datetime(2026, 1, 5, 9), tags=["Local Government", "eu"],
               body="Body\r\nkept as is\r\n")
    body = room.path("x").read_bytes().split(b"+++")[-1]
    move(room, ["x"], "review")
    m = meta(room, "x")
    assert len(m["id"]) == 36
    assert m["created"].isoformat() == "2026-01-05T09:00:00+01:00"
    assert m["tags"] == ["local-government", "eu"]
    assert room.path("x").read_bytes().split(b"+++")[-1] == body


def test_crlf_files_keep_their_line_endings(room: Room) -> None:
    room.write_raw("x.md", "+++\r\ntitle = 'X'\r\nslug = 'x'\r\nstatus = 'draft'\r\nid = 'i'\r\n"
                   "created = 2026-01-01T09:00:00+01:00\r\nauthors = ['A']\r\n+++\r\nBody\r\n")
    move(room, ["x"], "review")
    data = room.path("x").read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_scheduled_articles_are_embargoed_until_their_time(room: Room) -> None:
    room.write("x", status="scheduled", published=FUTURE)
    article = Newsroom(room.root).get("x")
    assert not article.is_live(NOW)
    assert article.is_live(FUTURE + timedelta(seconds=1))


# -- rename ----------------------------------------------------------------------------


def test_rename_moves_the_file_keeps_the_id_and_fixes_references(room: Room) -> None:
    room.write("old", status="published", published=PAST, body="Body\n")
    room.write("fan", related=["old", "other"], body="See [it](../old/).\n")
    room.write("other", translation_of="old")
    ident = meta(room, "old")["id"]
    result = renaming.rename(Newsroom(room.root), "old", "new", now=NOW)
    assert not room.path("old").exists()
    m = meta(room, "new")
    assert (m["id"], m["slug"], m["aliases"], m["updated"]) == (ident, "new", ["old"], NOW)
    assert parse(room.read("new")).body == "Body\n"
    assert meta(room, "fan")["related"] == ["new", "other"]
    assert meta(room, "other")["translation_of"] == "new"
    assert any("articles/fan.md:" in note and "../new/" in note for note in result.notes)


def test_rename_refuses_a_taken_slug_or_alias(room: Room) -> None:
    room.write("old")
    room.write("taken")
    room.write("holder", aliases=["gone"])
    with pytest.raises(Refused, match="taken"):
        renaming.rename(Newsroom(room.root), "old", "taken", now=NOW)
    with pytest.raises(Refused, match="old name of 'holder'"):
        renaming.rename(Newsroom(room.root), "old", "gone", now=NOW)
    with pytest.raises(UsageError):
        renaming.rename(Newsroom(room.root), "nope", "fresh", now=NOW)
    with pytest.raises(UsageError):
        renaming.rename(Newsroom(room.root), "old", "Bad Slug", now=NOW)
    assert room.path("old").exists()


def test_rename_back_to_an_old_name(room: Room) -> None:
    room.write("b", aliases=["a"])
    renaming.rename(Newsroom(room.root), "b", "a", now=NOW)
    assert meta(room, "a")["aliases"] == ["b"]


def test_an_interrupted_rename_is_completed_by_running_it_again(room: Room) -> None:
    room.write("old", body="Body\n")
    room.write("fan", related=["old"])
    # the crash: NEW written (a copy of OLD with the new slug), OLD and the references left
    room.write_raw("new.md", room.read("old").replace('slug = "old"', 'slug = "new"'))
    result = renaming.rename(Newsroom(room.root), "old", "new", now=NOW)
    assert result.resumed
    assert not room.path("old").exists()
    assert meta(room, "new")["aliases"] == ["old"]
    assert meta(room, "fan")["related"] == ["new"]
    again = renaming.rename(Newsroom(room.root), "old", "new", now=NOW)
    assert again.resumed and again.changes == []


def test_rename_dry_run_writes_nothing(room: Room) -> None:
    room.write("old")
    room.write("fan", related=["old"])
    before = {p.name: p.read_bytes() for p in room.articles.iterdir()}
    result = renaming.rename(Newsroom(room.root), "old", "new", dry_run=True, now=NOW)
    assert [(c.path.name, c.action) for c in result.changes] == [
        ("new.md", "create"), ("fan.md", "update"), ("old.md", "remove")]
    assert {p.name: p.read_bytes() for p in room.articles.iterdir()} == before


# -- delete ----------------------------------------------------------------------------


def test_delete_refuses_while_others_refer_to_it(room: Room) -> None:
    room.write("x")
    room.write("fan", related=["x"])
    room.write("trans", translation_of="x")
    room.write("linker", body="[x](x.md)\n")
    with pytest.raises(Refused) as info:
        renaming.delete(Newsroom(room.root), "x", now=NOW)
    for name in ("fan.md", "trans.md", "linker.md"):
        assert f"articles/{name}:" in info.value.message
    assert room.path("x").exists()


def test_delete_force_removes_the_references(room: Room) -> None:
    room.write("x")
    room.write("fan", related=["x", "other"], status="published", published=PAST)
    room.write("other", translation_of="x", related=["x"])
    room.write("linker", body="[x](x.md)\n")
    result = renaming.delete(Newsroom(room.root), "x", force=True, now=NOW)
    assert not room.path("x").exists()
    assert meta(room, "fan")["related"] == ["other"] and meta(room, "fan")["updated"] == NOW
    assert "translation_of" not in meta(room, "other") and "related" not in meta(room, "other")
    assert any("linker.md" in note for note in result.notes)


def test_delete_unknown_slug_is_a_usage_error(room: Room) -> None:
    with pytest.raises(UsageError):
        renaming.delete(Newsroom(room.root), "nope", now=NOW)


def test_delete_a_broken_record(room: Room) -> None:
    room.write_raw("x.md", "")
    renaming.delete(Newsroom(room.root), "x", now=NOW)
    assert not room.path("x").exists()


def test_delete_refuses_a_folder_and_ignores_a_dangling_link(room: Room) -> None:
    (room.articles / "folder.md").mkdir()
    with pytest.raises(Refused, match="not a file"):
        renaming.delete(Newsroom(room.root), "folder", now=NOW)
    assert (room.articles / "folder.md").is_dir()
    (room.articles / "dangling.md").symlink_to(room.root / "nowhere.md")
    with pytest.raises(UsageError):
        renaming.delete(Newsroom(room.root), "dangling", now=NOW)


def test_rename_onto_a_dangling_link_is_refused(room: Room) -> None:
    room.write("old")
    (room.articles / "new.md").symlink_to(room.root / "nowhere.md")
    with pytest.raises(Refused, match="not an article"):
        renaming.rename(Newsroom(room.root), "old", "new", now=NOW)
    assert room.path("old").exists()
