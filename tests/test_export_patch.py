"""Re-exporting after body edits: only the changed pages and feeds are made again, and the
site is byte for byte the one a full build makes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pressctl.exporters import output, patch, site
from pressctl.exporters.output import Folder
from tests.conftest import Result, Room
from tests.export_support import export_html, rewritten, snapshot, tree_bytes

Cli = Callable[..., Result]
IN_FEEDS = "integration-starts-in-the-neighbourhood"  # recent: the feeds carry its body
OLD = "cities-lead-the-way-to-climate-neutrality"


export = export_html


@pytest.fixture
def out(sample: Room, cli: Cli) -> Path:
    folder = sample.root.parent / "site"
    export(cli, folder)
    return folder


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The export folders that got a full build (rather than a patch) while the test ran."""
    seen: list[str] = []
    run = site.Build.run

    def counted(self: site.Build, previous_digest: str | None) -> None:
        seen.append(self.out.name)
        run(self, previous_digest)

    monkeypatch.setattr(site.Build, "run", counted)
    yield seen


def append(room: Room, slug: str, text: str) -> None:
    path = room.path(slug)
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace(room: Room, slug: str, old: str, new: str) -> None:
    path = room.path(slug)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def full_build(cli: Cli, room: Room, name: str) -> dict[str, bytes]:
    """What a build from nothing makes of the newsroom as it is now."""
    shutil.rmtree(room.root / ".pressctl", ignore_errors=True)
    folder = room.root.parent / name
    export(cli, folder)
    return tree_bytes(folder)


def test_a_body_edit_is_patched_and_gives_the_full_build_s_bytes(out: Path, sample: Room, cli: Cli,
                                                                   builds: list[str]) -> None:
    before = snapshot(out)
    append(sample, IN_FEEDS, "\nOne more paragraph, with [a link](https://example.org/more).\n")
    result = export(cli, out)
    assert builds == []
    assert rewritten(before, snapshot(out)) == {
        f"articles/{IN_FEEDS}/index.html", "feed.xml", "feed.json", "en/feed.xml", "en/feed.json"}
    assert "5 files written" in result.stderr
    page = (out / f"articles/{IN_FEEDS}/index.html").read_text(encoding="utf-8")
    assert "One more paragraph" in page
    assert "One more paragraph" in (out / "feed.xml").read_text(encoding="utf-8")
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_an_article_in_no_feed_is_one_page_to_write(sample: Room, cli: Cli, builds: list[str]) -> None:
    settings = sample.root / "pressctl.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("feed_items = 20", "feed_items = 1"),
                        encoding="utf-8")
    out = sample.root.parent / "site"
    export(cli, out)
    append(sample, OLD, "\nOne more paragraph.\n")
    before = snapshot(out)
    result = export(cli, out)
    assert builds == ["site"]  # the first build only
    assert rewritten(before, snapshot(out)) == {f"articles/{OLD}/index.html"}
    assert ": 1 file written, " in result.stderr  # in the singular
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_patches_follow_one_another_and_a_re_export_then_rewrites_nothing(
        out: Path, sample: Room, cli: Cli, builds: list[str]) -> None:
    append(sample, OLD, "\nA first addition.\n")
    export(cli, out)
    append(sample, OLD, "\nA second addition.\n")
    append(sample, IN_FEEDS, "\nAnd a third one elsewhere.\n")
    export(cli, out)
    assert builds == []
    page = (out / f"articles/{OLD}/index.html").read_text(encoding="utf-8")
    assert "A first addition." in page and "A second addition." in page
    before = snapshot(out)
    export(cli, out)
    assert rewritten(before, snapshot(out)) == set()
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_the_word_count_and_reading_time_follow_the_body(out: Path, sample: Room, cli: Cli) -> None:
    append(sample, OLD, "\n" + " ".join(["word"] * 600) + "\n")
    export(cli, out)
    page = (out / f"articles/{OLD}/index.html").read_text(encoding="utf-8")
    reference = full_build(cli, sample, "reference")
    assert page.encode() == reference[f"articles/{OLD}/index.html"]
    assert '"wordCount":' in page


@pytest.mark.parametrize(("what", "edit"), [
    ("a title, shown on other pages", lambda room: replace(room, OLD, 'title = "Cities lead the way',
                                                            'title = "Towns lead the way')),
    ("a tag", lambda room: replace(room, OLD, 'tags = [', 'tags = ["energy", ')),
    ("a link to another article", lambda room: append(room, OLD, f"\nSee [this](../{IN_FEEDS}/).\n")),
    ("a new article", lambda room: room.write("brand-new", status="published",
                                               published=datetime(2026, 1, 1, tzinfo=UTC))),
    ("a removed article", lambda room: room.path(OLD).unlink()),
])
def test_edits_that_show_elsewhere_get_a_full_build(out: Path, sample: Room, cli: Cli, builds: list[str],
                                                     what: str, edit: Callable[[Room], None]) -> None:
    edit(sample)
    export(cli, out)
    assert builds == ["site"], what
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_a_new_first_paragraph_without_a_summary_changes_the_cards(sample: Room, cli: Cli,
                                                                    builds: list[str]) -> None:
    replace(sample, OLD, "summary = ", "# summary = ")
    folder = sample.root.parent / "site"
    export(cli, folder)
    text = sample.path(OLD).read_text(encoding="utf-8")
    head, _, body = text.partition("+++\n")[2].partition("+++\n")
    sample.path(OLD).write_text(f"+++\n{head}+++\nA brand new lead paragraph.\n\n{body}", encoding="utf-8")
    builds.clear()
    export(cli, folder)
    assert builds == ["site"]  # the cards on the lists show the first paragraph
    assert "A brand new lead paragraph." in (folder / "tags/climate/index.html").read_text(encoding="utf-8")
    assert tree_bytes(folder) == full_build(cli, sample, "reference")


@pytest.mark.parametrize("damage", ["removed", "not a database"])
def test_without_a_usable_state_the_export_builds_and_patches_again(
        out: Path, sample: Room, cli: Cli, builds: list[str], damage: str) -> None:
    state = sample.root / ".pressctl" / patch.FILE
    if damage == "removed":
        state.unlink()
    else:
        state.write_bytes(b"not a database" * 100)
    append(sample, OLD, "\nAn addition.\n")
    export(cli, out)
    assert builds == ["site"]
    append(sample, OLD, "\nAnother addition.\n")
    export(cli, out)
    assert builds == ["site"]  # the build left a state (a damaged file replaced): this one was patched
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_each_export_folder_keeps_its_own_state(out: Path, sample: Room, cli: Cli,
                                                builds: list[str]) -> None:
    other = sample.root.parent / "other"
    export(cli, other)
    append(sample, OLD, "\nAn addition.\n")
    export(cli, other)
    export(cli, out)
    assert builds == ["other"]  # the first export of OTHER; both edits were patches
    assert tree_bytes(out) == tree_bytes(other)


def test_a_page_changed_by_hand_is_restored_by_a_full_build(out: Path, sample: Room, cli: Cli,
                                                            builds: list[str]) -> None:
    page = out / "articles/at-un-bart-somers-discusses-migration/index.html"
    original = page.read_bytes()
    page.write_bytes(b"defaced")
    append(sample, OLD, "\nAn addition.\n")
    export(cli, out)
    assert page.read_bytes() == original
    assert builds == ["site"]


def test_an_edit_through_the_installed_command_is_patched(out: Path, sample: Room) -> None:
    import subprocess
    import sys

    append(sample, IN_FEEDS, "\nOne more paragraph.\n")
    before = snapshot(out)
    done = subprocess.run([shutil.which("pressctl") or sys.executable, "export", "--format", "html",
                           "--out", str(out)], capture_output=True, text=True, cwd=sample.root,
                          env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert done.returncode == 0, done.stderr
    assert f"articles/{IN_FEEDS}/index.html" in rewritten(before, snapshot(out))
    assert "One more paragraph." in (out / f"articles/{IN_FEEDS}/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["write 1", "write 2", "write 5", "manifest", "state"])
def test_a_patch_that_dies_part_way_is_completed_by_the_next_export(
        out: Path, sample: Room, cli: Cli, builds: list[str], monkeypatch: pytest.MonkeyPatch,
        where: str) -> None:
    """A kill before one of the patch's writes (the page, four feeds), before its manifest
    or before its state: the next export sees that the last one did not finish, builds,
    and the site is whole."""
    append(sample, IN_FEEDS, "\nA paragraph the crash interrupts.\n")
    target, _, nth = where.partition(" ")
    calls = 0

    def dying(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == int(nth or 1):
                raise KeyboardInterrupt  # as a kill would stop it: nothing after this runs
            return original(*args, **kwargs)

        return call

    with monkeypatch.context() as m:
        if target == "write":
            m.setattr(Folder, "write", dying(Folder.write))
        elif target == "manifest":
            m.setattr(output, "finish", dying(output.finish))
        else:
            m.setattr(patch.Store, "save", dying(patch.Store.save))
        result = cli("export", "--format", "html", "--out", str(out))
    assert result.exit_code != 0 and builds == []
    export(cli, out)
    assert builds == ["site"]  # the unfinished export is noticed
    assert not list(out.rglob("*.tmp"))
    assert tree_bytes(out) == full_build(cli, sample, "reference")


def test_the_state_of_passing_export_folders_is_not_kept_forever(sample: Room, cli: Cli) -> None:
    import sqlite3

    folders = [sample.root.parent / f"preview-{n}" for n in range(6)]
    for folder in folders:
        export(cli, folder)
    shutil.rmtree(folders[4])  # a preview thrown away
    append(sample, OLD, "\nAn addition.\n")
    export(cli, folders[0])  # its state was forgotten: built again, it is the most recent

    db = sqlite3.connect(sample.root / ".pressctl" / patch.FILE)
    try:
        kept = {Path(out).name for table in ("runs", "records", "contexts")
                for (out,) in db.execute(f"SELECT DISTINCT out FROM {table}")}
    finally:
        db.close()
    assert kept == {"preview-0", "preview-5", "preview-3", "preview-2"}  # newest that still exist
    assert len(kept) == patch.KEEP_FOLDERS
