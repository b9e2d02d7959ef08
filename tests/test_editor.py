"""Editing in $EDITOR: a copy is edited, checked and saved; nothing is ever lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressctl import editor
from pressctl.errors import PressctlError, Refused
from pressctl.record import parse
from pressctl.store import Newsroom
from tests.conftest import Room


def _editor(new_text: str | None = None, *, also: object = None, status: int = 0):  # type: ignore[no-untyped-def]
    def run(copy: Path) -> int:
        if callable(also):
            also()
        if new_text is not None:
            copy.write_text(new_text, encoding="utf-8")
        return status
    return run


def test_saved_edit_is_written(room: Room) -> None:
    path = room.write("story")
    text = path.read_text().replace("Body text.", "A better body.")
    result = editor.edit(Newsroom(room.root), "story", run_editor=_editor(text))
    assert result.changed
    assert path.read_text() == text
    assert not list((room.root / "recovered").glob("*")) if (room.root / "recovered").exists() else True


def test_unchanged_edit_writes_nothing(room: Room) -> None:
    path = room.write("story")
    mtime = path.stat().st_mtime_ns
    result = editor.edit(Newsroom(room.root), "story", run_editor=_editor(None))
    assert not result.changed
    assert path.stat().st_mtime_ns == mtime


def test_invalid_edit_is_kept_in_a_recovery_file(room: Room) -> None:
    path = room.write("story")
    before = path.read_bytes()
    broken = "+++\ntitle = 'unclosed\n+++\nMy precious paragraph.\n"
    with pytest.raises(PressctlError) as info:
        editor.edit(Newsroom(room.root), "story", run_editor=_editor(broken))
    assert path.read_bytes() == before
    kept = list((room.root / "recovered").glob("story-*.md"))
    assert len(kept) == 1 and kept[0].read_text() == broken
    assert str(kept[0].name) in (info.value.hint or "")


def test_conflicting_change_meanwhile_keeps_both(room: Room) -> None:
    path = room.write("story")
    mine = path.read_text().replace("Body text.", "My version.")

    def someone_else() -> None:
        path.write_text(path.read_text().replace("Body text.", "Their version."), encoding="utf-8")

    with pytest.raises(Refused) as info:
        editor.edit(Newsroom(room.root), "story", run_editor=_editor(mine, also=someone_else))
    assert "changed by someone else" in info.value.message
    assert "Their version." in path.read_text()
    kept = next((room.root / "recovered").glob("story-*.md"))
    assert "My version." in kept.read_text()


def test_failing_editor_keeps_the_text(room: Room) -> None:
    path = room.write("story")
    text = path.read_text().replace("Body text.", "Half done.")
    with pytest.raises(Refused):
        editor.edit(Newsroom(room.root), "story", run_editor=_editor(text, status=1))
    assert "Body text." in path.read_text()
    assert "Half done." in next((room.root / "recovered").glob("story-*.md")).read_text()


def test_check_errors_refuse_the_save(room: Room) -> None:
    path = room.write("story")
    text = path.read_text().replace("Body text.", "Changed.")
    with pytest.raises(Refused) as info:
        editor.edit(Newsroom(room.root), "story", run_editor=_editor(text),
                    check=lambda newsroom, article: ["title: too dull"])
    assert "too dull" in info.value.message
    assert "Body text." in path.read_text()


def test_editing_a_published_article_sets_updated(room: Room) -> None:
    from datetime import datetime

    path = room.write("pub", status="published",
                      published=datetime.fromisoformat("2024-01-01T10:00:00+01:00"))
    text = path.read_text().replace("Body text.", "Corrected.")
    editor.edit(Newsroom(room.root), "pub", run_editor=_editor(text))
    rec = parse(path.read_text())
    assert rec.body == "Corrected.\n" and "updated" in rec.meta


def test_recovery_never_follows_a_link_out_of_the_newsroom(room: Room, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (room.root / "recovered").symlink_to(outside)
    path = room.write("story")
    with pytest.raises(PressctlError) as info:
        editor.edit(Newsroom(room.root), "story", run_editor=_editor("+++\nbroken = \n+++\n"))
    assert list(outside.iterdir()) == []
    kept = list((room.root / ".pressctl" / "recovered").glob("story-*.md"))
    assert len(kept) == 1 and kept[0].read_text() == "+++\nbroken = \n+++\n"
    assert "Body text." in path.read_text()
    assert kept[0].name in (info.value.hint or "")


def test_an_edit_the_disk_refuses_is_kept_and_never_overwritten(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk when saving: the edit is kept and the message says where; editing again
    (as one would) never throws that text away, even when even the recovery file failed."""
    import errno

    from pressctl import store

    path = room.write("story")
    before = path.read_bytes()
    edited = path.read_text().replace("Body text.", "My precious paragraph.")
    real_write = store.write_atomic

    def full_disk(target: Path, data: bytes, *, exclusive: bool = False) -> None:
        if target.parent.name in ("articles", "recovered"):
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_write(target, data, exclusive=exclusive)

    monkeypatch.setattr(editor, "write_atomic", full_disk)
    with pytest.raises(Refused) as info:
        editor.edit(Newsroom(room.root), "story", run_editor=_editor(edited))
    assert info.value.message.endswith("story.md: No space left on device")
    assert path.read_bytes() == before
    copy = room.root / ".pressctl" / "edit" / "story.md"
    assert copy.read_text() == edited and "edit/story.md" in (info.value.hint or "")
    monkeypatch.setattr(editor, "write_atomic", real_write)
    editor.edit(Newsroom(room.root), "story", run_editor=_editor(None))  # opened again, closed
    kept = list((room.root / "recovered").glob("story-*.md"))
    assert [k.read_text() for k in kept] == [edited]
