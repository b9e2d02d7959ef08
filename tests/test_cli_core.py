"""init, new, list, show and edit through the CLI, with their bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from pressctl.record import parse
from tests.conftest import Result, Room

Cli = Callable[..., Result]


# -- init ----------------------------------------------------------------------

def test_init_creates_a_newsroom_that_works(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("init", "desk")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "desk" / "articles").is_dir()
    settings = (tmp_path / "desk" / "pressctl.toml").read_text()
    assert settings.startswith("# pressctl newsroom settings")
    assert ".pressctl/" in (tmp_path / "desk" / ".gitignore").read_text()
    monkeypatch.chdir(tmp_path / "desk")
    assert cli("new", "First story").exit_code == 0
    assert cli("list", "--format", "slugs").stdout == "first-story\n"


def test_init_refuses_an_existing_newsroom(cli: Cli, room: Room) -> None:
    before = (room.root / "pressctl.toml").read_bytes()
    r = cli("init", str(room.root))
    assert r.exit_code == 1
    assert "already exists" in r.stderr
    assert (room.root / "pressctl.toml").read_bytes() == before


def test_init_dry_run_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    r = cli("init", str(tmp_path / "x"), "--dry-run")
    assert r.exit_code == 0
    assert "would create" in r.stdout and "pressctl.toml" in r.stdout
    assert not (tmp_path / "x").exists()


def test_no_newsroom_is_exit_2_with_a_hint(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("list")
    assert r.exit_code == 2
    assert "pressctl init" in r.stderr
    assert "Traceback" not in r.stderr


# -- new -----------------------------------------------------------------------

def test_new_creates_a_draft_and_prints_its_path(cli: Cli, room: Room) -> None:
    r = cli("new", "City council votes the 2027 budget", "-a", "Press Office", "-a", "Jane Doe",
            "-t", "Budget", "-t", "city council", "--category", "news", "--summary", "It passed.")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "articles/city-council-votes-the-2027-budget.md"
    rec = parse(room.read("city-council-votes-the-2027-budget"))
    meta = rec.meta
    assert meta["status"] == "draft"
    assert meta["title"] == "City council votes the 2027 budget"
    assert meta["authors"] == ["Press Office", "Jane Doe"]
    assert meta["tags"] == ["budget", "city-council"]
    assert meta["lang"] == "en"
    assert len(meta["id"]) == 36
    assert isinstance(meta["created"], datetime) and meta["created"].utcoffset() is not None
    assert list(meta)[:5] == ["id", "title", "slug", "status", "created"]


def test_new_body_from_stdin_and_file(cli: Cli, room: Room, tmp_path: Path) -> None:
    assert cli("new", "From stdin", "--body-file", "-", input="Hello *world*\n").exit_code == 0
    assert parse(room.read("from-stdin")).body == "Hello *world*\n"
    body = tmp_path / "body.md"
    body.write_text("Le café.\n", encoding="utf-8")
    assert cli("new", "From file", "--body-file", str(body), "--lang", "fr").exit_code == 0
    rec = parse(room.read("from-file"))
    assert rec.body == "Le café.\n" and rec.meta["lang"] == "fr"


def test_new_refuses_a_taken_slug_and_never_overwrites(cli: Cli, room: Room) -> None:
    path = room.write("budget-news", title="Budget news")
    before = path.read_bytes()
    r = cli("new", "Budget news")
    assert r.exit_code == 1
    assert "taken" in r.stderr and "--slug budget-news-2" in r.stderr
    assert path.read_bytes() == before


def test_new_refuses_a_slug_kept_as_an_alias(cli: Cli, room: Room) -> None:
    room.write("new-name", aliases=["old-name"])
    r = cli("new", "Old name")
    assert r.exit_code == 1
    assert "alias" in r.stderr


def test_title_without_slug_material_needs_slug(cli: Cli, room: Room) -> None:
    r = cli("new", "🎉🎉")
    assert r.exit_code == 2
    assert "--slug" in r.stderr
    assert cli("new", "🎉🎉", "--slug", "party").exit_code == 0
    assert parse(room.read("party")).meta["title"] == "🎉🎉"


@pytest.mark.parametrize("slug", ["../escape", "/etc/passwd", "Upper", "a--b", "x" * 81, "a/b"])
def test_a_slug_that_is_not_a_slug_is_a_usage_error(cli: Cli, room: Room, slug: str) -> None:
    r = cli("new", "Title", "--slug", slug)
    assert r.exit_code == 2
    assert "not a valid slug" in r.stderr
    assert list(room.articles.iterdir()) == []
    assert not (room.root.parent / "escape.md").exists()


def test_long_titles_give_slugs_of_at_most_80_characters(cli: Cli, room: Room) -> None:
    r = cli("new", "word " * 40)
    assert r.exit_code == 0
    assert len(Path(r.stdout.strip()).stem) <= 80


def test_new_dry_run_prints_the_record_and_writes_nothing(cli: Cli, room: Room) -> None:
    r = cli("new", "Dry", "--dry-run")
    assert r.exit_code == 0
    assert "would create articles/dry.md" in r.stdout
    assert 'title = "Dry"' in r.stdout
    assert not room.path("dry").exists()


def test_new_without_title_off_a_terminal_is_a_usage_error(cli: Cli, room: Room) -> None:
    r = cli("new")
    assert r.exit_code == 2
    assert "TITLE" in r.stderr


# -- list ------------------------------------------------------------------------

def test_list_off_a_terminal_is_tab_separated_newest_first(cli: Cli, sample: Room) -> None:
    r = cli("list")
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert all(len(row) == 4 for row in rows)
    dates = [row[2] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert ["at-un-bart-somers-discusses-migration", "published", "2017-04-19",
            "At UN, Bart Somers discusses migration"] in rows


def test_list_puts_the_newest_first_then_orders_by_slug(cli: Cli, room: Room) -> None:
    noon = datetime.fromisoformat("2024-05-01T12:00:00+02:00")
    room.write("b-same-time", status="published", published=noon)
    room.write("a-same-time", status="published", published=noon)
    room.write("c-created-later", created=datetime.fromisoformat("2024-06-01T09:00:00+02:00"))
    room.write("d-older", status="published", published=datetime.fromisoformat("2023-01-01T09:00:00+01:00"))
    room.write_raw("e-undated.md", '+++\ntitle = "Undated"\nstatus = "draft"\n+++\n')
    room.write("f-naive", created=datetime.fromisoformat("2024-05-01T12:00:00"))  # Brussels: as noon
    # ties go by slug, not by file name ("same-b.md" is listed before "same.md")
    room.write("same-b", status="published", published=noon)
    room.write("same", status="published", published=noon)
    for path in room.articles.iterdir():
        os.utime(path, (path.stat().st_mtime - 3600,) * 2)  # old enough to be cached
    expected = "c-created-later\na-same-time\nb-same-time\nf-naive\nsame\nsame-b\nd-older\ne-undated\n"
    for _ in range(2):  # read from the files, then from the cache
        r = cli("list", "--format", "slugs")
        assert (r.exit_code, r.stdout) == (0, expected), r.stderr
    assert cli("list", "--format", "slugs", "--reverse").stdout.splitlines() == expected.split()[::-1]


def test_list_json_has_front_matter_and_path_but_no_body(cli: Cli, sample: Room) -> None:
    r = cli("list", "--format", "json", "--status", "published", "--lang", "en")
    data = json.loads(r.stdout)
    somers = next(a for a in data if a["slug"] == "at-un-bart-somers-discusses-migration")
    assert somers["path"] == "articles/at-un-bart-somers-discusses-migration.md"
    assert somers["published"] == "2017-04-19T10:00:00+02:00"
    assert "body" not in somers and "body_markdown" not in somers
    assert list(somers)[:4] == ["id", "title", "slug", "status"]
    assert {a["status"] for a in data} == {"published"}
    assert {a["lang"] for a in data} == {"en"}


def test_list_csv_columns(cli: Cli, sample: Room) -> None:
    r = cli("list", "--format", "csv", "--tag", "migration")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["slug", "status", "published", "title", "authors", "tags", "category", "lang"]
    assert all("migration" in row["tags"].split(";") for row in rows)


def test_list_filters_sort_limit(cli: Cli, room: Room) -> None:
    room.write("old", status="published", published=datetime.fromisoformat("2020-01-01T10:00:00+01:00"),
               tags=["a"], category="news", authors=["Ann"])
    room.write("mid", status="published", published=datetime.fromisoformat("2023-06-01T10:00:00+02:00"),
               tags=["b"], title="Zebra crossing")
    room.write("new", status="draft", created=datetime.fromisoformat("2026-02-01T10:00:00+01:00"),
               body="A text about bicycles.\n")
    slugs = lambda *args: cli("list", "--format", "slugs", *args).stdout.split()  # noqa: E731
    assert slugs() == ["new", "mid", "old"]
    assert slugs("--reverse") == ["old", "mid", "new"]
    assert slugs("--limit", "2") == ["new", "mid"]
    assert slugs("--sort", "title") == ["new", "old", "mid"]  # New, Old, Zebra crossing
    assert slugs("--sort", "slug") == ["mid", "new", "old"]
    assert slugs("--status", "published") == ["mid", "old"]
    assert slugs("--status", "draft,published") == ["new", "mid", "old"]
    assert slugs("--tag", "a") == ["old"]
    assert slugs("--author", "ann") == ["old"]
    assert slugs("--category", "news") == ["old"]
    assert slugs("--since", "2023-01-01") == ["new", "mid"]
    assert slugs("--until", "2023-06-01") == ["mid", "old"]
    assert slugs("--since", "2021-01-01", "--until", "2024-01-01") == ["mid"]
    assert slugs("--search", "BICYCLES") == ["new"]
    assert slugs("--search", "zebra") == ["mid"]


def test_list_bad_values_are_usage_errors(cli: Cli, room: Room) -> None:
    for args in (["--format", "xml"], ["--status", "publised"], ["--since", "yesterday"],
                 ["--sort", "colour"], ["--limit", "-1"]):
        r = cli("list", *args)
        assert r.exit_code == 2, args
        assert "Traceback" not in r.stderr


def test_list_skips_a_broken_record_with_a_message_and_exits_1(cli: Cli, room: Room) -> None:
    room.write("fine")
    room.write_raw("bad.md", "+++\ntitle = 'x'\nstatus = publised\n+++\n")
    r = cli("list", "--format", "slugs")
    assert r.exit_code == 1
    assert r.stdout == "fine\n"
    assert "articles/bad.md:3:" in r.stderr and "not valid TOML" in r.stderr


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("empty.md", b"", "empty"),
        ("noclose.md", b"+++\ntitle = 'x'\n", "never closed"),
        ("latin1.md", b"+++\ntitle = 'caf\xe9'\n+++\n", "UTF-8"),
        ("nofront.md", b"# Just markdown\n", "first line"),
    ],
)
def test_list_reports_each_kind_of_broken_file(
    cli: Cli, room: Room, name: str, data: bytes, fragment: str
) -> None:
    room.write_raw(name, data)
    r = cli("list")
    assert r.exit_code == 1
    assert f"articles/{name}:1:" in r.stderr or f"articles/{name}:2:" in r.stderr
    assert fragment in r.stderr


def test_bom_and_crlf_records_are_listed(cli: Cli, room: Room) -> None:
    text = "+++\r\ntitle = 'Windows'\r\nslug = 'crlf'\r\nstatus = 'draft'\r\n+++\r\nBody\r\n"
    room.write_raw("crlf.md", text)
    room.write_raw("bom.md", "\ufeff+++\ntitle = 'Bom'\nstatus = 'draft'\n+++\nBody\n")
    r = cli("list", "--format", "slugs")
    assert r.exit_code == 0, r.stderr
    assert sorted(r.stdout.split()) == ["bom", "crlf"]


# -- show ------------------------------------------------------------------------

def test_show_renders_metadata_and_body(cli: Cli, sample: Room) -> None:
    r = cli("show", "at-un-bart-somers-discusses-migration")
    assert r.exit_code == 0, r.stderr
    assert "At UN, Bart Somers discusses migration" in r.stdout
    assert "published" in r.stdout
    assert "International Dialogue on Migration" in r.stdout
    assert "+++" not in r.stdout


def test_show_raw_and_json(cli: Cli, sample: Room) -> None:
    slug = "at-un-bart-somers-discusses-migration"
    raw = cli("show", slug, "--raw").stdout
    assert raw == sample.read(slug)
    data = json.loads(cli("show", slug, "--format", "json").stdout)
    assert data["slug"] == slug
    assert data["body_markdown"] == parse(raw).body
    assert data["path"] == f"articles/{slug}.md"


def test_show_unknown_and_malformed_slugs_are_usage_errors(cli: Cli, sample: Room) -> None:
    assert cli("show", "no-such-article").exit_code == 2
    r = cli("show", "../../etc/passwd")
    assert r.exit_code == 2 and "not a valid slug" in r.stderr


def test_show_broken_record_names_file_and_line(cli: Cli, room: Room) -> None:
    room.write_raw("bad.md", "+++\ntitle = 'x'\n\ntags = [1,\n+++\n")
    r = cli("show", "bad")
    assert r.exit_code == 1
    assert "articles/bad.md:" in r.stderr


# -- edit ------------------------------------------------------------------------

def test_edit_set_converts_by_field_type_and_keeps_the_body(cli: Cli, room: Room) -> None:
    body = "Line one.\n\n<!-- keep me -->\n"
    room.write("story", body=body, custom_key="kept")
    room.write("a")
    room.write("b")
    r = cli("edit", "story", "--set", "category=news", "--set", "tags=Climate, EU budget",
            "--set", "expires=2030-01-01T00:00", "--set", "related=[\"a\", \"b\"]",
            "--add-tag", "local", "--author", "Jane Doe")
    assert r.exit_code == 0, r.stderr
    rec = parse(room.read("story"))
    assert rec.body == body
    assert rec.meta["category"] == "news"
    assert rec.meta["tags"] == ["climate", "eu-budget", "local"]
    assert rec.meta["related"] == ["a", "b"]
    assert rec.meta["expires"].isoformat() == "2030-01-01T00:00:00+01:00"  # newsroom timezone
    assert rec.meta["authors"] == ["Press Office", "Jane Doe"]
    assert rec.meta["custom_key"] == "kept"
    assert "category" in r.stderr


def test_edit_remove_tag_and_unset(cli: Cli, room: Room) -> None:
    room.write("story", tags=["a", "b"], summary="Old")
    assert cli("edit", "story", "--remove-tag", "a", "--set", "summary=").exit_code == 0
    meta = parse(room.read("story")).meta
    assert meta["tags"] == ["b"] and "summary" not in meta


def test_edit_keeps_crlf_line_endings(cli: Cli, room: Room) -> None:
    text = "+++\r\ntitle = 'Windows'\r\nstatus = 'draft'\r\n+++\r\nBody\r\nmore\r\n"
    room.write_raw("win.md", text)
    assert cli("edit", "win", "--set", "category=news").exit_code == 0
    data = room.path("win").read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"+++\r\nBody\r\nmore\r\n")


def test_edit_of_a_published_article_sets_updated(cli: Cli, room: Room) -> None:
    room.write("pub", status="published", published=datetime.fromisoformat("2024-01-01T10:00:00+01:00"))
    assert cli("edit", "pub", "--set", "summary=New lead").exit_code == 0
    assert "updated" in parse(room.read("pub")).meta


@pytest.mark.parametrize("field", ["status", "slug", "id"])
def test_edit_refuses_protected_fields(cli: Cli, room: Room, field: str) -> None:
    path = room.write("story")
    before = path.read_bytes()
    r = cli("edit", "story", "--set", f"{field}=x")
    assert r.exit_code == 2
    assert path.read_bytes() == before


def test_edit_bad_values_are_usage_errors(cli: Cli, room: Room) -> None:
    room.write("story")
    assert cli("edit", "story", "--set", "published=someday").exit_code == 2
    assert cli("edit", "story", "--set", "novalue").exit_code == 2
    assert cli("edit", "story", "--set", "tags=[1, 2]").exit_code == 2
    assert cli("edit", "nope", "--set", "a=b").exit_code == 2


def test_edit_dry_run_prints_the_change_and_writes_nothing(cli: Cli, room: Room) -> None:
    path = room.write("story")
    before = path.read_bytes()
    r = cli("edit", "story", "--set", "category=news", "--dry-run")
    assert r.exit_code == 0
    assert "would change articles/story.md: category" in r.stdout
    assert path.read_bytes() == before


def test_edit_without_changes_and_without_terminal_is_a_usage_error(cli: Cli, room: Room) -> None:
    room.write("story")
    r = cli("edit", "story")
    assert r.exit_code == 2
    assert "--set" in r.stderr
