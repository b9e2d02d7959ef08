"""`pressctl export --format json|jsonl`: the document pipelines read."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pressctl.cli.app import app  # noqa: F401  (registers the commands first)
from pressctl.cli.commands.export import ExportFormat
from pressctl.exporters import EXPORTERS, ExportOptions
from pressctl.exporters.document import schema
from pressctl.store import Newsroom
from tests.conftest import Result, Room
from tests.export_support import check_golden, validate_article, validate_document

Cli = Callable[..., Result]
NOW = datetime.fromisoformat("2026-11-27T12:00:00+01:00")


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def published(room: Room, slug: str, when: str = "2026-01-10T09:00:00+01:00", **meta: object) -> Path:
    return room.write(slug, status="published", published=dt(when), **meta)


def export_json(cli: Cli, *args: str) -> tuple[dict, Result]:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    validate_document(doc)
    return doc, result


# -- the document ----------------------------------------------------------------------------


def test_the_sample_document_has_the_contract_shape(sample: Room, cli: Cli) -> None:
    doc, _ = export_json(cli)
    assert list(doc) == ["format", "generated", "site", "articles"]
    assert doc["format"] == "pressctl/v1"
    assert doc["site"]["title"] == "Liberal Cities & Regions — Press Office"
    assert doc["site"]["base_url"] == "https://press.example.org/"
    slugs = [a["slug"] for a in doc["articles"]]
    assert "at-un-bart-somers-discusses-migration" in slugs
    assert "affordable-housing-is-a-local-emergency" not in slugs  # a draft
    assert "bart-somers-wins-world-mayor-prize" not in slugs  # archived
    assert "brussels-summit-of-liberal-mayors-2027" not in slugs  # scheduled, not due
    somers = next(a for a in doc["articles"] if a["slug"] == "at-un-bart-somers-discusses-migration")
    assert list(somers)[:3] == ["id", "title", "slug"]
    assert list(somers)[-6:] == ["path", "url", "body_markdown", "body_html", "word_count",
                                 "reading_minutes"]
    assert somers["path"] == "articles/at-un-bart-somers-discusses-migration/"
    assert somers["url"] == "https://press.example.org/articles/at-un-bart-somers-discusses-migration/"
    assert somers["published"] == "2017-04-19T10:00:00+02:00"
    assert somers["image"] == {"src": "media/somers-un.jpg",
                               "alt": "Bart Somers speaking on a panel at the UN", "credit": "IOM"}
    assert somers["body_markdown"].startswith("Our President participated")
    assert "<p>Our President participated" in somers["body_html"]
    assert somers["word_count"] > 250 and somers["reading_minutes"] >= 1


def test_articles_are_newest_first_then_by_slug(room: Room, cli: Cli) -> None:
    published(room, "b-same-day", "2026-03-01T09:00:00+01:00")
    published(room, "a-same-day", "2026-03-01T09:00:00+01:00")
    published(room, "older", "2025-03-01T09:00:00+01:00")
    published(room, "newest", "2026-05-01T09:00:00+02:00")
    doc, _ = export_json(cli)
    assert [a["slug"] for a in doc["articles"]] == ["newest", "a-same-day", "b-same-day", "older"]


def test_generated_is_the_newest_date_of_the_input_not_the_clock(room: Room, cli: Cli) -> None:
    published(room, "one", "2026-01-10T09:00:00+01:00")
    published(room, "two", "2025-06-01T09:00:00+02:00", updated=dt("2026-02-03T08:30:00+01:00"))
    doc, _ = export_json(cli)
    assert doc["generated"] == "2026-02-03T08:30:00+01:00"


def test_an_empty_export_is_valid(room: Room, cli: Cli) -> None:
    room.write("draft-only")
    doc, _ = export_json(cli)
    assert doc["articles"] == [] and doc["generated"] is None


def test_the_same_input_gives_the_same_bytes(sample: Room, cli: Cli) -> None:
    first = cli("export").stdout
    shutil.rmtree(sample.root / ".pressctl")  # no caches: everything parsed and rendered again
    second = cli("export").stdout
    third = cli("export", "--jobs", "2").stdout
    assert first == second == third
    for path in sample.articles.glob("*.md"):
        path.touch()  # newer mtimes, same bytes
    assert cli("export").stdout == first


def test_a_datetime_without_offset_is_written_with_the_newsroom_offset(room: Room, cli: Cli) -> None:
    room.write("naive", status="published", published=datetime(2026, 7, 1, 9, 0))
    doc, _ = export_json(cli)
    assert doc["articles"][0]["published"] == "2026-07-01T09:00:00+02:00"  # Europe/Brussels, summer


def test_unknown_front_matter_keys_are_kept(room: Room, cli: Cli) -> None:
    published(room, "with-extra", press_contact="Marta", embargo_note={"lifted": True})
    doc, _ = export_json(cli)
    article = doc["articles"][0]
    assert article["press_contact"] == "Marta"
    assert article["embargo_note"] == {"lifted": True}


def test_no_url_without_base_url(room: Room, cli: Cli) -> None:
    (room.root / "pressctl.toml").write_text('title = "T"\n', encoding="utf-8")
    published(room, "one")
    doc, _ = export_json(cli)
    assert "url" not in doc["articles"][0] and doc["site"]["base_url"] is None


def test_body_links_to_articles_are_rewritten_for_the_page(room: Room, cli: Cli) -> None:
    published(room, "target", aliases=["old-target"])
    published(room, "linker", body="See [file form](target.md#top), [page form](../target/) "
                                   "and [the old name](../old-target/).\n")
    doc, _ = export_json(cli)
    html = next(a for a in doc["articles"] if a["slug"] == "linker")["body_html"]
    assert 'href="../target/#top"' in html
    assert html.count('href="../target/"') == 2


# -- selection ----------------------------------------------------------------------------


def make_mixed(room: Room) -> None:
    published(room, "live-en", tags=["climate"], lang="en")
    published(room, "live-fr", tags=["climate", "budget"], lang="fr")
    room.write("a-draft", tags=["climate"])
    room.write("in-review", status="review")
    room.write("archived-one", status="archived", published=dt("2024-01-01T09:00:00+01:00"))
    room.write("due", status="scheduled", published=dt("2026-01-01T09:00:00+01:00"))
    room.write("embargoed", status="scheduled", published=dt("2099-01-01T09:00:00+01:00"),
               tags=["climate"])
    published(room, "expired", expires=dt("2020-01-01T00:00:00+01:00"))


def slugs_of(doc: dict) -> list[str]:
    return sorted(a["slug"] for a in doc["articles"])


def test_only_live_articles_by_default(room: Room, cli: Cli) -> None:
    make_mixed(room)
    doc, _ = export_json(cli)
    assert slugs_of(doc) == ["due", "live-en", "live-fr"]


def test_all_includes_every_article(room: Room, cli: Cli) -> None:
    make_mixed(room)
    doc, _ = export_json(cli, "--all")
    assert slugs_of(doc) == ["a-draft", "archived-one", "due", "embargoed", "expired", "in-review",
                             "live-en", "live-fr"]


def test_filters_apply_on_top_of_the_selection(room: Room, cli: Cli) -> None:
    make_mixed(room)
    assert slugs_of(export_json(cli, "--tag", "climate")[0]) == ["live-en", "live-fr"]
    assert slugs_of(export_json(cli, "--lang", "fr")[0]) == ["live-fr"]
    assert slugs_of(export_json(cli, "--all", "--status", "draft")[0]) == ["a-draft"]
    assert slugs_of(export_json(cli, "--search", "live-e")[0]) == ["live-en"]


def test_no_filter_lifts_the_embargo_of_a_scheduled_article(room: Room, cli: Cli) -> None:
    make_mixed(room)
    assert slugs_of(export_json(cli, "--status", "scheduled")[0]) == ["due"]
    assert slugs_of(export_json(cli, "--tag", "climate", "--status", "scheduled")[0]) == []
    assert "embargoed" in slugs_of(export_json(cli, "--all", "--status", "scheduled")[0])


# -- jsonl and files --------------------------------------------------------------------------


def test_jsonl_is_one_article_a_line(sample: Room, cli: Cli) -> None:
    doc, _ = export_json(cli)
    result = cli("export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(doc["articles"])
    for line, article in zip(lines, doc["articles"], strict=True):
        obj = json.loads(line)
        validate_article(obj)
        assert obj == article


def test_out_writes_a_file_and_nothing_on_stdout(sample: Room, cli: Cli) -> None:
    result = cli("export", "--out", "export.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    validate_document(json.loads((sample.root / "export.json").read_text(encoding="utf-8")))
    assert cli("export", "--out", "-").stdout == (sample.root / "export.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_out_file_that_cannot_be_written_is_named_without_a_traceback(
        sample: Room, cli: Cli, fmt: str) -> None:
    (sample.root / "notes").write_text("a file, not a folder")
    result = cli("export", "--format", fmt, "--out", "notes/export.json")
    assert result.exit_code == 1
    assert "notes/export.json: Not a directory" in result.stderr
    assert "Traceback" not in result.stderr
    assert (sample.root / "notes").read_text() == "a file, not a folder"


def test_a_record_that_cannot_be_read_is_named_not_the_output(
        sample: Room, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from pressctl.exporters import document

    def failing_disk(fd: int, size: int) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    real_read_body = document.read_body

    def read_body_from_a_failing_disk(path: Path, entry: Any) -> str:  # once the export is writing
        with monkeypatch.context() as m:
            m.setattr(os, "read", failing_disk)
            return real_read_body(path, entry)

    monkeypatch.setattr(document, "read_body", read_body_from_a_failing_disk)
    result = cli("export", "--out", "export.json", "--jobs", "1")
    assert result.exit_code == 1
    assert re.search(r"articles/[a-z0-9-]+\.md: Input/output error", result.stderr), result.stderr
    assert "export.json" not in result.stderr and not (sample.root / "export.json").exists()


def test_out_never_overwrites_a_record(sample: Room, cli: Cli) -> None:
    before = sample.read("no-more-tragedies-like-cutro")
    result = cli("export", "--out", "articles/no-more-tragedies-like-cutro.md")
    assert result.exit_code == 1
    assert "refusing" in result.stderr
    assert sample.read("no-more-tragedies-like-cutro") == before


def test_schema_is_draft_2020_12_with_an_article_definition(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "--schema")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "article" in printed["$defs"]
    assert printed == schema()


# -- broken records ---------------------------------------------------------------------------


def test_a_broken_record_is_skipped_with_a_warning_and_exit_1(room: Room, cli: Cli) -> None:
    published(room, "good")
    room.write_raw("broken.md", "+++\ntitle = \"unterminated\n+++\nBody\n")
    result = cli("export")
    assert result.exit_code == 1
    assert "articles/broken.md" in result.stderr and "warning" in result.stderr
    doc = json.loads(result.stdout)
    validate_document(doc)
    assert slugs_of(doc) == ["good"]


def test_an_invalid_selected_article_is_skipped_with_exit_1(room: Room, cli: Cli) -> None:
    published(room, "good")
    published(room, "bad-authors", authors="Press Office")  # a string, not a list
    result = cli("export")
    assert result.exit_code == 1
    assert "bad-authors.md" in result.stderr and "authors" in result.stderr
    assert slugs_of(json.loads(result.stdout)) == ["good"]


def test_an_invalid_article_outside_the_selection_does_not_count(room: Room, cli: Cli) -> None:
    published(room, "good")
    room.write("bad-draft", authors="Press Office")  # a draft: not exported anyway
    result = cli("export")
    assert result.exit_code == 0, result.stderr
    assert "bad-draft" not in result.stderr
    result = cli("export", "--all")
    assert result.exit_code == 1 and "bad-draft.md" in result.stderr


# -- the registry, the core and the entry point ---------------------------------------------


def test_the_cli_formats_match_the_registry() -> None:
    assert {f.value for f in ExportFormat} == set(EXPORTERS)


def test_the_sample_document_matches_its_golden_file(sample: Room) -> None:
    """The whole document, byte for byte, at a fixed moment (PRESSCTL_UPDATE_GOLDEN=1 updates it)."""
    stream = io.StringIO()
    result = EXPORTERS["json"](Newsroom(sample.root), ExportOptions(stream=stream, now=NOW, jobs=1))
    assert not result.failed
    validate_document(json.loads(stream.getvalue()))
    check_golden("sample-export.json", stream.getvalue())


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_through_the_installed_entry_point(sample: Room, fmt: str) -> None:
    exe = Path(sys.executable).parent / "pressctl"
    proc = subprocess.run([str(exe), "export", "--format", fmt], cwd=sample.root,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    if fmt == "json":
        validate_document(json.loads(proc.stdout))
    else:
        for line in proc.stdout.splitlines():
            validate_article(json.loads(line))


def test_front_matter_is_the_one_serialiser_of_show_and_list(sample: Room) -> None:
    """The export's fast path gives what serialize.article_dict gives (records with offsets)."""
    from pressctl.exporters.document import front_matter
    from pressctl.serialize import article_dict

    scan = Newsroom(sample.root).scan(bodies=True)
    assert scan.articles
    for article in scan.articles:
        assert front_matter(article) == article_dict(article)


def test_large_newsrooms_share_strings_without_changing_values() -> None:
    from pressctl.exporters.records import compact

    one = {"status": "published", "tags": ["a", "b"], "published": dt("2026-01-10T09:00:00+01:00"),
           "title": "T"}
    two = {"status": "".join(["pub", "lished"]), "tags": ["".join("a")],
           "published": dt("2026-02-10T09:00:00+01:00"), "title": "U"}
    a, b = compact(one), compact(two)
    assert a == one and b == two and list(a) == list(one)
    assert a["status"] is b["status"]
    assert a["published"].tzinfo is b["published"].tzinfo
