"""`pressctl validate` through the CLI: formats, --strict, the summary, subsets, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pressctl import reporters
from pressctl.cli.app import app  # noqa: F401  (registers the commands first)
from pressctl.cli.commands.validate import ValidateFormat
from pressctl.problems import Problem, Severity
from tests.conftest import Result, Room

Cli = Callable[..., Result]


def broken(room: Room) -> None:
    """One error (status) and one warning (tags) in x; a clean y."""
    room.write("x", status="publised", tags=["Local Government"])
    room.write("y")


def line_of(room: Room, slug: str, text: str) -> int:
    return room.read(slug).splitlines().index(text) + 1


def test_format_enum_matches_the_reporters() -> None:
    assert [f.value for f in ValidateFormat] == list(reporters.REPORTERS)


def test_sample_newsroom_validates(cli: Cli, sample: Room) -> None:
    r = cli("validate")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert r.stderr == f"no problems in {len(list(sample.articles.glob('*.md')))} articles\n"


def test_text_format_names_file_line_code_and_fix(cli: Cli, room: Room) -> None:
    broken(room)
    r = cli("validate")
    assert r.exit_code == 1
    status_line = line_of(room, "x", 'status = "publised"')
    assert r.stdout.splitlines()[0] == (
        f'articles/x.md:{status_line}: error PC030: status: "publised" is not one of draft, '
        'review, scheduled, published, archived; did you mean "published"?')
    assert "warning PC060: tags:" in r.stdout
    assert r.stderr == "1 error, 1 warning in 1 of 2 articles\n"


def test_text_groups_files_with_a_blank_line(cli: Cli, room: Room) -> None:
    room.write("a", status="bogus")
    room.write("b", status="bogus", related=["nope"])
    lines = cli("validate").stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["articles/a.md", "", "articles/b.md",
                                                      "articles/b.md"]


def test_json_format(cli: Cli, room: Room) -> None:
    broken(room)
    r = cli("validate", "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert [p["code"] for p in data] == ["PC030", "PC060"]
    assert data[0] == {
        "path": "articles/x.md", "line": line_of(room, "x", 'status = "publised"'),
        "field": "status", "severity": "error", "code": "PC030",
        "message": data[0]["message"],
    }
    assert list(data[0]) == ["path", "line", "field", "severity", "code", "message"]


def test_json_of_a_clean_newsroom_is_an_empty_list(cli: Cli, room: Room) -> None:
    room.write("x")
    r = cli("validate", "--format", "json")
    assert (r.exit_code, json.loads(r.stdout)) == (0, [])


def test_github_format(cli: Cli, room: Room) -> None:
    broken(room)
    r = cli("validate", "--format", "github")
    line = line_of(room, "x", 'status = "publised"')
    first, second = r.stdout.splitlines()
    assert first.startswith(f"::error file=articles/x.md,line={line},title=PC030::status: ")
    assert second.startswith("::warning file=articles/x.md,line=")
    assert r.exit_code == 1


def test_github_paths_are_relative_to_the_working_directory(
        cli: Cli, room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    broken(room)
    monkeypatch.chdir(room.root.parent)
    r = cli("--root", str(room.root), "validate", "--format", "github")
    assert r.stdout.startswith(f"::error file={room.root.name}/articles/x.md,line=")


def test_github_escapes_what_would_break_a_command() -> None:
    problem = Problem(Path("a,b:c.md"), 3, "title", Severity.ERROR, "PC012",
                      "50% broken\nsecond line")
    assert reporters.as_github([problem]) == (
        "::error file=a%2Cb%3Ac.md,line=3,title=PC012::title: 50%25 broken%0Asecond line\n")


def test_strict_fails_on_warnings(cli: Cli, room: Room) -> None:
    room.write("x", tags=["Local Government"])
    r = cli("validate")
    assert r.exit_code == 0 and "warning PC060" in r.stdout
    assert r.stderr == "0 errors, 1 warning in 1 of 1 article\n"
    assert cli("validate", "--strict").exit_code == 1


def test_slug_subset(cli: Cli, room: Room) -> None:
    broken(room)
    room.write("z", related=["x"])  # cross-record rules still see x
    r = cli("validate", "y", "z")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "no problems in 2 articles\n")
    r = cli("validate", "x")
    assert r.exit_code == 1 and r.stderr == "1 error, 1 warning in 1 of 1 article\n"


def test_unknown_or_malformed_slug_is_a_usage_error(cli: Cli, room: Room) -> None:
    room.write("x")
    r = cli("validate", "x", "nope")
    assert r.exit_code == 2 and "no article 'nope'" in r.stderr
    assert cli("validate", "Not A Slug").exit_code == 2


def test_broken_settings_are_reported_with_their_line(cli: Cli, room: Room) -> None:
    (room.root / "pressctl.toml").write_text('title = "x"\ntitel = "y"\n')
    room.write("x")
    r = cli("validate")
    assert r.exit_code == 1
    assert r.stdout.startswith("pressctl.toml:2: error PC051: titel: unknown setting")
    assert r.stderr == "1 error, 0 warnings in pressctl.toml and 0 of 1 article\n"


def test_a_folder_full_of_mistakes(cli: Cli, room: Room) -> None:
    """As a new user would: every message names the file and the line."""
    room.write_raw("empty.md", "")
    room.write_raw("no-front.md", "Just text\n")
    room.write_raw("bad-toml.md", '+++\ntitle = "oops\n+++\n')
    room.write("wrong-status", status="publised")
    room.write("no-date", status="published")
    room.write("dangling", related=["ghost"], body="See [it](../ghost/).\n")
    room.write_raw("mismatch.md", room.read("dangling").replace('slug = "dangling"',
                                                                'slug = "other"'))
    r = cli("validate")
    assert r.exit_code == 1
    for line in r.stdout.splitlines():
        if line:
            path, number, rest = line.split(":", 2)
            assert path.startswith("articles/") and number.isdigit(), line
            assert rest.startswith((" error PC", " warning PC")), line
    assert r.stderr.endswith(" in 7 of 7 articles\n")


def test_terminal_view_groups_problems_under_each_file(room: Room) -> None:
    from rich.console import Console

    from pressctl import validate
    from pressctl.cli.output import Output
    from pressctl.store import Newsroom

    broken(room)
    newsroom = Newsroom(room.root)
    found = validate.check(newsroom, newsroom.scan())
    buffer = io.StringIO()
    out = Output(no_color=True, _out=Console(file=buffer, no_color=True, width=200))
    out.report(found)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "articles/x.md"
    assert "error    PC030  status: " in lines[1]
    assert "warning  PC060  tags: " in lines[2]


def test_installed_entry_point(room: Room) -> None:
    broken(room)
    exe = Path(sys.executable).parent / "pressctl"
    for command in ([str(exe)], [sys.executable, "-m", "pressctl"]):
        r = subprocess.run([*command, "validate", "--format", "json"], cwd=room.root,
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ, "NO_COLOR": "1"})
        assert r.returncode == 1, r.stderr
        assert [p["code"] for p in json.loads(r.stdout)] == ["PC030", "PC060"]
        assert r.stderr == "1 error, 1 warning in 1 of 2 articles\n"
        assert "Traceback" not in r.stderr
