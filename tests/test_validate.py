"""The validation engine: every rule with a failing and a passing newsroom, and bad input."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pressctl import validate
from pressctl.errors import UsageError
from pressctl.links import ArticleLink, FileLink, body_links, classify
from pressctl.problems import Problem, Severity
from pressctl.rules import RULES, rules_table
from pressctl.store import Newsroom
from tests.conftest import REPO, SETTINGS, Room

NOW = datetime.fromisoformat("2026-06-01T12:00:00+02:00")
PAST = datetime.fromisoformat("2026-03-01T09:00:00+01:00")
FUTURE = datetime.fromisoformat("2027-03-01T09:00:00+01:00")


def problems(room: Room, only: set[str] | None = None) -> list[Problem]:
    newsroom = Newsroom(room.root)
    return validate.check(newsroom, newsroom.scan(), only, now=NOW)


def codes(room: Room) -> set[str]:
    return {p.code for p in problems(room)}


def settings(room: Room, extra: str) -> None:
    (room.root / "pressctl.toml").write_text(SETTINGS + extra, encoding="utf-8")


def reslug(room: Room, name: str, slug: str) -> None:
    """Write a valid article at NAME.md whose front matter says slug = SLUG."""
    room.write(name)
    room.path(name).write_text(room.read(name).replace(f'slug = "{name}"', f'slug = "{slug}"'))


def record(meta: str, body: str = "Body.\n") -> str:
    return f"+++\n{meta}+++\n{body}"


VALID = ('id = "11111111-1111-4111-8111-111111111111"\ntitle = "X"\nslug = "x"\n'
         'status = "draft"\ncreated = 2026-01-01T09:00:00+01:00\nauthors = ["Press Office"]\n')

Setup = Callable[[Room], object]

# code -> (a newsroom that breaks the rule, one that keeps it and has no problem at all)
CASES: dict[str, tuple[Setup, Setup]] = {
    "PC001": (lambda r: r.write_raw("x.md", "title = 'no front matter'\n"),
              lambda r: r.write("x")),
    "PC002": (lambda r: r.write_raw("x.md", record(VALID).encode() + b"caf\xe9\n"),
              lambda r: r.write_raw("x.md", record(VALID, "café\n"))),
    "PC003": (lambda r: r.write_raw("x.md", record(VALID, "a" * (5 * 1024 * 1024 + 1))),
              lambda r: r.write_raw("x.md", record(VALID, "a" * 100_000))),
    "PC004": (lambda r: ((r.root.parent / "outside.md").write_text(record(VALID)),
                         (r.articles / "x.md").symlink_to(r.root.parent / "outside.md")),
              lambda r: ((r.articles / "inside.txt").write_text(record(VALID)),
                         (r.articles / "x.md").symlink_to(r.articles / "inside.txt"))),
    "PC005": (lambda r: r.write_raw("x.md", "\ufeff" + record(VALID)),
              lambda r: r.write_raw("x.md", record(VALID))),
    "PC006": (lambda r: (r.articles / "x.md").mkdir(),
              lambda r: r.write("x")),
    "PC010": (lambda r: r.write("x", title=None), lambda r: r.write("x")),
    "PC011": (lambda r: r.write("x", tags="climate"), lambda r: r.write("x", tags=["climate"])),
    "PC012": (lambda r: r.write("x", title="Two\nlines"), lambda r: r.write("x", title="One")),
    "PC013": (lambda r: r.write("x", id=None), lambda r: r.write("x")),
    "PC014": (lambda r: r.write("x", auther="Jane"), lambda r: r.write("x")),
    "PC015": (lambda r: r.write("x", lang="English"), lambda r: r.write("x", lang="pt-BR")),
    "PC016": (lambda r: r.write("x", created=datetime(2026, 1, 1, 9)),
              lambda r: r.write("x", created=PAST)),
    "PC020": (lambda r: reslug(r, "x", "X_Files"), lambda r: reslug(r, "x", "x")),
    "PC021": (lambda r: reslug(r, "x", "y"), lambda r: reslug(r, "x", "x")),
    "PC022": (lambda r: (reslug(r, "x", "y"), r.write("y")),
              lambda r: (r.write("x"), r.write("y"))),
    "PC023": (lambda r: (r.write("x", id="same"), r.write("y", id="same")),
              lambda r: (r.write("x", id="one"), r.write("y", id="two"))),
    "PC024": (lambda r: r.write("x", aliases=["Old Name"]),
              lambda r: r.write("x", aliases=["old-name"])),
    "PC025": (lambda r: (r.write("x", aliases=["y"]), r.write("y")),
              lambda r: (r.write("x", aliases=["old-x"]), r.write("y", aliases=["old-y"]))),
    "PC030": (lambda r: r.write("x", status="publised"), lambda r: r.write("x", status="draft")),
    "PC031": (lambda r: r.write("x", status="published"),
              lambda r: r.write("x", status="published", published=PAST)),
    "PC032": (lambda r: r.write("x", status="published", published=PAST,
                                expires=PAST - timedelta(days=1)),
              lambda r: r.write("x", status="published", published=PAST,
                                expires=PAST + timedelta(days=1))),
    "PC033": (lambda r: r.write("x", status="review", authors=None),
              lambda r: r.write("x", status="review")),
    "PC034": (lambda r: (settings(r, 'required = ["summary"]\n'), r.write("x", status="review")),
              lambda r: (settings(r, 'required = ["summary"]\n'),
                         r.write("x", status="review", summary="Lead."),
                         r.write("y", status="draft"))),
    "PC035": (lambda r: r.write("x", body="\n\n", status="review"),
              lambda r: (r.write("x", body="Text.\n", status="review"),
                         r.write("y", body="", status="draft"))),
    "PC036": (lambda r: r.write("x", status="published", published=FUTURE),
              lambda r: r.write("x", status="scheduled", published=FUTURE)),
    "PC040": (lambda r: r.write("x", related=["nope"]),
              lambda r: (r.write("x", related=["y"]), r.write("y"))),
    "PC041": (lambda r: r.write("x", translation_of="nope"),
              lambda r: (r.write("x", translation_of="y"), r.write("y"))),
    "PC042": (lambda r: r.write("x", body="See [that](../nope/).\n"),
              lambda r: (r.write("x", body="See [that](../y/), [it](y.md#top) and "
                                 "[site](https://example.org/nope/).\n"), r.write("y"))),
    "PC043": (lambda r: r.write("x", body="[PDF](media/report.pdf)\n"),
              lambda r: ((r.articles / "media").mkdir(),
                         (r.articles / "media" / "report.pdf").write_bytes(b"%PDF"),
                         r.write("x", body="[PDF](media/report.pdf)\n"))),
    "PC044": (lambda r: r.write("x", image={"src": "media/nope.jpg", "alt": "A"}),
              lambda r: r.write("x", image={"src": "https://cdn.example.org/a.jpg", "alt": "A"})),
    "PC045": (lambda r: r.write("x", image={"src": "https://cdn.example.org/a.jpg"}),
              lambda r: r.write("x", image={"src": "https://cdn.example.org/a.jpg", "alt": "A"})),
    "PC050": (lambda r: settings(r, "title = \n"), lambda r: settings(r, "")),
    "PC051": (lambda r: settings(r, 'titel = "x"\n'), lambda r: settings(r, "")),
    "PC052": (lambda r: settings(r, 'required = ["sumary"]\n'),
              lambda r: settings(r, 'required = ["summary"]\n')),
    "PC060": (lambda r: r.write("x", tags=["Local Government"]),
              lambda r: r.write("x", tags=["local-government"])),
    "PC061": (lambda r: (settings(r, 'authors = ["Press Office"]\n'),
                         r.write("x", authors=["Jane Doe"])),
              lambda r: (settings(r, 'authors = ["Press Office"]\n'), r.write("x"))),
    "PC062": (lambda r: (settings(r, 'categories = ["news"]\n'), r.write("x", category="nieuws")),
              lambda r: (settings(r, 'categories = ["news"]\n'), r.write("x", category="news"))),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails(room: Room, code: str) -> None:
    CASES[code][0](room)
    found = [p for p in problems(room) if p.code == code]
    assert found, f"{code} not reported: {problems(room)}"
    for p in found:
        assert p.severity is RULES[code].severity
        assert p.path.exists() or p.code == "PC006"
        assert p.line is None or p.line >= 1
        assert p.message and str(p).startswith(str(p.location()))


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes(room: Room, code: str) -> None:
    CASES[code][1](room)
    assert problems(room) == []


def test_every_finding_names_file_and_line(room: Room) -> None:
    """A folder full of mistakes: each record problem has a file line."""
    for code in sorted(set(CASES) - {"PC050", "PC051", "PC052", "PC003", "PC004", "PC006"}):
        sub = room.root.parent / f"room-{code}"
        (sub / "articles").mkdir(parents=True)
        (sub / "pressctl.toml").write_text(SETTINGS)
        CASES[code][0](Room(sub))
        for p in problems(Room(sub)):
            assert p.line is not None, p


def test_the_sample_newsroom_is_clean(sample: Room) -> None:
    assert problems(sample) == []


def test_settings_problem_names_its_line(room: Room) -> None:
    settings(room, 'titel = "x"\n')
    (found,) = problems(room)
    assert (found.code, found.line, found.field) == ("PC051", 5, "titel")


def test_status_problem_is_on_the_status_line_with_a_suggestion(room: Room) -> None:
    path = room.write("x", status="publised")
    (found,) = problems(room)
    line = room.read("x").splitlines().index('status = "publised"') + 1
    assert str(found) == (f"articles/x.md:{line}: status: \"publised\" is not one of draft, "
                          'review, scheduled, published, archived; did you mean "published"?')
    assert found.path == path


def test_parse_errors_say_how_to_fix_them(room: Room) -> None:
    room.write_raw("a.md", "")
    room.write_raw("b.md", 'no front matter\n')
    room.write_raw("c.md", '+++\ntitle = "x\n+++\n')
    found = {p.path.name: p for p in problems(room)}
    assert "the file is empty; a record starts with a line '+++'" in found["a.md"].message
    assert "add a line '+++'" in found["b.md"].message
    assert found["c.md"].line == 2 and "check quotes" in found["c.md"].message


def test_fifty_broken_files_are_all_reported_in_one_run(room: Room) -> None:
    breakers: list[Callable[[int], object]] = [
        lambda i: room.write_raw(f"b{i}.md", ""),
        lambda i: room.write_raw(f"b{i}.md", "+++\ntitle = \n+++\n"),
        lambda i: room.write(f"b{i}", status="bogus"),
        lambda i: room.write(f"b{i}", related=[f"missing-{i}"]),
        lambda i: reslug(room, f"b{i}", f"other-{i}"),
        lambda i: room.write_raw(f"b{i}.md", b"+++\ntitle = '\xff'\n+++\n"),
        lambda i: room.write(f"b{i}", body=f"[x](../gone-{i}/)\n"),
        lambda i: room.write(f"b{i}", status="published"),
    ]
    for i in range(50):
        breakers[i % len(breakers)](i)
    room.write("fine")
    found = problems(room)
    broken = {p.path.name for p in found if p.is_error}
    assert broken == {f"b{i}.md" for i in range(50)}


def _age(room: Room) -> None:
    """Make every record old enough for the index cache, and cache it."""
    old = 1_600_000_000
    for path in room.articles.iterdir():
        os.utime(path, (old, old))
    Newsroom(room.root).scan()


def test_a_file_that_disappears_mid_run_is_reported(room: Room) -> None:
    room.write("x")
    room.write("y")
    _age(room)
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()  # from the cache: bodies are read later
    room.path("y").unlink()
    found = validate.check(newsroom, scan, now=NOW)
    assert [(p.path.name, p.code) for p in found] == [("y.md", "PC006")]
    assert "disappeared" in found[0].message


def test_a_file_that_becomes_unreadable_mid_run_is_reported(room: Room) -> None:
    room.write("x")
    _age(room)
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()
    room.path("x").unlink()
    room.path("x").mkdir()  # reading it now fails (permissions do not stop root)
    found = validate.check(newsroom, scan, now=NOW)
    assert [(p.path.name, p.code) for p in found] == [("x.md", "PC006")]
    assert "not a regular file" in found[0].message


def test_a_file_replaced_by_a_fifo_mid_run_does_not_hang(room: Room) -> None:
    room.write("x")
    _age(room)
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()
    room.path("x").unlink()
    os.mkfifo(room.path("x"))
    found = validate.check(newsroom, scan, now=NOW)
    assert [(p.path.name, p.code) for p in found] == [("x.md", "PC006")]


def test_an_unreadable_file_is_reported(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    room.write("x")
    _age(room)
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()
    real_open = os.open

    def deny(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith("x.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    found = validate.check(newsroom, scan, now=NOW)
    assert [(p.path.name, p.code) for p in found] == [("x.md", "PC006")]
    assert found[0].message.startswith("cannot read: Permission denied")


def test_a_file_changed_since_it_was_cached_is_read_afresh(room: Room) -> None:
    room.write("x", body="Body.\n")
    _age(room)
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()
    room.path("x").write_text(record(VALID.replace('title = "X"\n', 'title = "X"\nlang = "en"\n'),
                                     "[a](../nope/)\n"))
    found = validate.check(newsroom, scan, now=NOW)
    assert [p.code for p in found] == ["PC042"]


def test_cached_records_keep_body_lines_with_crlf_and_bom(room: Room) -> None:
    text = "\ufeff" + record(VALID, "line one\n\n[bad](../nope/)\n").replace("\n", "\r\n")
    room.write_raw("x.md", text)
    _age(room)
    found = problems(room)
    assert [(p.code, p.line) for p in found] == [("PC005", 1), ("PC042", 11)]


def test_only_checks_the_named_records_with_the_whole_newsroom_in_view(room: Room) -> None:
    room.write("x", related=["y"])
    room.write("y", status="bogus")
    room.write_raw("z.md", "")
    assert problems(room, {"x"}) == []
    assert {p.path.name for p in problems(room, {"y", "z"})} == {"y.md", "z.md"}
    with pytest.raises(UsageError, match="no article 'nope'"):
        problems(room, {"x", "nope"})


def test_duplicate_ids_name_the_other_file(room: Room) -> None:
    room.write("x", id="same")
    room.write("y", id="same")
    found = {p.path.name: p.message for p in problems(room)}
    assert "articles/y.md" in found["x.md"] and "articles/x.md" in found["y.md"]


def test_renamed_targets_say_what_to_write(room: Room) -> None:
    room.write("new", aliases=["old"])
    room.write("x", related=["old"], body="[a](../old/)\n")
    messages = [p.message for p in problems(room)]
    assert any('"old" was renamed to "new"; write "new"' in m for m in messages)
    assert any("link to ../new/" in m for m in messages)


def test_image_paths_may_not_leave_the_newsroom(room: Room) -> None:
    (room.root.parent / "secret.jpg").write_bytes(b"x")
    room.write("x", image={"src": "../../secret.jpg", "alt": "A"})
    room.write("y", image={"src": "/etc/passwd", "alt": "A"})
    room.write("z", image={"src": "http://example.org/a.jpg", "alt": "A"})
    found = {p.path.name: p.message for p in problems(room)}
    assert "outside the newsroom" in found["x.md"]
    assert "absolute path" in found["y.md"]
    assert "https" in found["z.md"]


def test_naive_datetimes_say_which_offset_to_write(room: Room) -> None:
    room.write("x", created=datetime(2026, 7, 1, 9))
    (found,) = problems(room)
    assert found.message.endswith("write 2026-07-01T09:00:00+02:00")


def test_required_and_body_rules_wait_for_review(room: Room) -> None:
    settings(room, 'required = ["summary", "category"]\n')
    room.write("x", body="", authors=None)
    assert problems(room) == []


def test_check_article_sees_the_article_as_it_would_be(room: Room) -> None:
    room.write("x")
    room.write("y", related=["x"])
    newsroom = Newsroom(room.root)
    scan = newsroom.scan()
    article = scan.by_slug()["x"]
    article.meta["status"] = "published"
    found = validate.check_article(newsroom, article, scan, now=NOW)
    assert [p.code for p in found] == ["PC031"]


def test_problems_come_in_a_stable_order(room: Room) -> None:
    settings(room, 'titel = "x"\n')
    room.write("b", status="bogus", tags=["A B"])
    room.write("a", related=["nope"])
    found = problems(room)
    assert found == validate.ordered(reversed(found))
    assert found[0].path.name == "pressctl.toml"
    assert [p.path.name for p in found[1:]] == ["a.md", "b.md", "b.md"]


def test_severities_match_the_contract() -> None:
    warnings = {code for code, rule in RULES.items() if rule.severity is Severity.WARNING}
    # the contract's warnings: missing id/created, BOM, no offset, unknown keys, tags,
    # unknown author or category; plus a published article dated in the future
    assert warnings == {"PC005", "PC013", "PC014", "PC016", "PC036", "PC060", "PC061", "PC062"}
    assert {"PC001", "PC002", "PC003", "PC004", "PC050", "PC051"} <= set(RULES)


def test_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- rules:start -->")[1].split("<!-- rules:end -->")[0]
    assert rules_table() in section, "regenerate the table: python -c 'from pressctl.rules " \
        "import rules_table; print(rules_table())'"
    for code in RULES:
        assert re.search(rf"`{code}`", section)


# -- links ---------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("../other-slug/", ArticleLink("other-slug")),
    ("../other-slug", ArticleLink("other-slug")),
    ("../other-slug/#section", ArticleLink("other-slug")),
    ("other-slug.md", ArticleLink("other-slug")),
    ("./other-slug.md#top", ArticleLink("other-slug")),
    ("<other-slug.md>", ArticleLink("other-slug")),
    ("media/report.pdf", FileLink("media/report.pdf")),
    ("media/my%20file.pdf", FileLink("media/my file.pdf")),
    ("../x.md", FileLink("../x.md")),
    ("https://example.org/", None),
    ("mailto:press@example.org", None),
    ("/about/", None),
    ("#top", None),
])
def test_link_forms(raw: str, expected: object) -> None:
    assert classify(raw) == expected


def test_links_in_code_are_not_links() -> None:
    body = ("[a](../one/)\n\n```\n[b](../two/)\n```\n\nSome `[c](../three/)` code.\n\n"
            "~~~md\n[d](../four/)\n~~~\n[e]: ../five/\n![img](media/x.png)\n")
    found = [(link.target, link.line(body)) for link in body_links(body)]
    assert found == [(ArticleLink("one"), 1), (ArticleLink("five"), 12),
                     (FileLink("media/x.png"), 13)]


def test_a_file_not_ending_in_a_newline_still_has_a_body(room: Room) -> None:
    room.write_raw("x.md", record(VALID, "").rstrip("\n"))
    _age(room)
    assert problems(room) == []


def test_a_path_like_link_is_a_file_link() -> None:
    assert classify("../../etc/") == FileLink("../../etc/")
