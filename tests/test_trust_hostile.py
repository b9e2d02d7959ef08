"""Hostile and broken input: a catalogue of bad records, run through every command.

Each case builds one bad thing in a fresh newsroom (`tmp_path/newsroom`), next to a
valid, published neighbour article, an `outside/` folder holding a secret, and an empty
`sentinel/` folder. Every command the CLI registers (the list grows as commands land)
then runs on it, in-process. Whatever the case and the command:

- no exception escapes (a traceback would fail the test) and the exit code is 0, 1 or 2,
  as the contract says for that kind of input;
- a record that cannot be read is named in the message, with its line when it has one,
  and no command but `delete` changes it;
- nothing outside `tmp_path/newsroom` and `tmp_path/out` is created, changed or
  removed, and the secret never shows up in the output, the newsroom or the export;
- exported pages can run no script.

A SIGALRM watchdog turns a hang (a FIFO read as a record, say) into a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from pressctl.store import Newsroom
from tests.conftest import SETTINGS, Result
from tests.htmlsafety import assert_safe_html
from tests.trust_harness import TRACEBACK, commands, files_under, run, snapshot, write_article

SECRET = "TOP-SECRET-OUTSIDE-THE-NEWSROOM"
HOUR_AGO = 3600
WATCHDOG_SECONDS = 20

# -- the catalogue ----------------------------------------------------------------

HEAD = (  # a valid front matter; its lines are the file's lines 2 to 8
    'id = "0a0a0a0a-0000-4000-8000-000000000001"\n'
    'title = "A perfectly ordinary headline"\n'
    'slug = "bad"\n'
    'status = "draft"\n'
    "created = 2026-01-01T09:00:00+01:00\n"
    'authors = ["Press Office"]\n'
    'lang = "en"\n'
)
BODY = "The council met on Monday.\n\nIt voted the budget.\n"


def record(front: str = HEAD, body: str = BODY) -> str:
    return f"+++\n{front}+++\n{body}"


Build = Callable[[Path, Path, str], None]  # (newsroom root, outside folder, file name)


@dataclass(frozen=True)
class Case:
    """One bad input. FILE is its name in articles/; its slug is the name without `.md`."""

    name: str
    build: Build
    file: str = "bad.md"
    broken: bool = False  # cannot be read: commands that need it refuse (1) naming the file
    line: int | None = None  # the line the message names
    says: str = ""  # a fragment of the message
    # exit codes allowed for some command lines, where the contract says more than the kind
    expect: dict[str, set[int]] = field(default_factory=dict)
    alone: bool = False  # changes the whole newsroom: kept out of the all-at-once newsroom

    @property
    def slug(self) -> str:
        return self.file.removesuffix(".md")


def raw(data: bytes | str) -> Build:
    def build(root: Path, outside: Path, file: str) -> None:
        (root / "articles" / file).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return build


def front(extra: str, body: str = BODY, drop: str = "") -> Build:
    """A valid published record plus EXTRA front matter lines (which may use {outside});
    DROP names a key of HEAD to leave out."""
    def build(root: Path, outside: Path, file: str) -> None:
        head = "".join(line for line in HEAD.splitlines(keepends=True)
                       if not (drop and line.startswith(f"{drop} =")))
        text = record(head.replace('"draft"', '"published"')
                      + "published = 2026-01-02T10:00:00+01:00\n"
                      + extra.replace("{outside}", str(outside)), body.replace("{outside}", str(outside)))
        (root / "articles" / file).write_text(text, encoding="utf-8")
    return build


def sparse(size: int) -> Build:
    def build(root: Path, outside: Path, file: str) -> None:
        with (root / "articles" / file).open("wb") as fh:
            fh.write(record().encode())
            fh.truncate(size)
    return build


def deep_arrays(root: Path, outside: Path, file: str) -> None:
    raw(record(HEAD + "nest = " + "[" * 5000 + "]" * 5000 + "\n"))(root, outside, file)


def deep_inline_tables(root: Path, outside: Path, file: str) -> None:
    raw(record(HEAD + "nest = " + "{ a = " * 3000 + "1" + " }" * 3000 + "\n"))(root, outside, file)


def deep_table_headers(root: Path, outside: Path, file: str) -> None:
    raw(record(HEAD + "[" + ".".join(["t"] * 3000) + "]\nleaf = 1\n"))(root, outside, file)


def folder_named_md(root: Path, outside: Path, file: str) -> None:
    (root / "articles" / file).mkdir()


def fifo(root: Path, outside: Path, file: str) -> None:
    os.mkfifo(root / "articles" / file)


def link_to_outside_record(root: Path, outside: Path, file: str) -> None:
    (root / "articles" / file).symlink_to(outside / "record.md")


def dangling_link(root: Path, outside: Path, file: str) -> None:
    (root / "articles" / file).symlink_to(outside / "no-such-record.md")


def media_link_outside(root: Path, outside: Path, file: str) -> None:
    media = root / "articles" / "media"
    if not media.is_symlink():
        media.symlink_to(outside / "media", target_is_directory=True)
    front('[image]\nsrc = "media/secret.jpg"\nalt = "x"\n', "![a](media/secret.jpg)\n")(root, outside, file)


def state_dir_link(root: Path, outside: Path, file: str) -> None:
    (root / ".pressctl").symlink_to(outside / "state", target_is_directory=True)
    front("")(root, outside, file)


def no_timezone(root: Path, outside: Path, file: str) -> None:
    (root / "pressctl.toml").write_text(
        "\n".join(line for line in SETTINGS.splitlines() if not line.startswith("timezone")) + "\n",
        encoding="utf-8")
    extreme_dates(root, outside, file)


def extreme_dates(root: Path, outside: Path, file: str) -> None:
    raw(record(HEAD.replace("created = 2026-01-01T09:00:00+01:00", "created = 0001-01-01T00:00:00")
               + "published = 0001-01-01T00:00:00+14:00\nupdated = 9999-12-31T23:59:59\n"
               + "expires = 9999-12-31T23:59:59-12:00\n"))(root, outside, file)


def leftovers(root: Path, outside: Path, file: str) -> None:
    front("")(root, outside, file)
    (root / "articles" / f".{file}.4242.deadbeef.tmp").write_bytes(b"+++\ntitle = 'cut in the mid")
    (root / "articles" / ".hidden.md").write_bytes(b"\x00\xff garbage")


SLUG_COMMANDS = ("show", "show-json", "show-raw", "edit", "publish", "unpublish", "archive", "rename",
                 "delete")
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"></title></script>'

CASES = [
    # records that cannot be read
    Case("toml-unquoted-value", raw(record(HEAD.replace('"draft"', "publised"))), broken=True,
         line=5, says="not valid TOML"),
    Case("toml-duplicate-key", raw(record(HEAD + 'title = "Twice"\n')), broken=True, line=9,
         says="not valid TOML"),
    Case("toml-unclosed-array", raw(record(HEAD + 'tags = ["a",\n')), broken=True,
         says="not valid TOML"),
    Case("missing-closing-delimiter", raw(f"+++\n{HEAD}{BODY}"), broken=True, line=1,
         says="never closed"),
    Case("missing-opening-delimiter", raw(f"{HEAD}+++\n{BODY}"), broken=True, line=1,
         says="first line"),
    Case("delimiter-with-trailing-space", raw(f"+++ \n{HEAD}+++\n{BODY}"), broken=True, line=1),
    Case("empty-file", raw(b""), broken=True, line=1, says="empty"),
    Case("whitespace-only", raw(b" \n\t\n\r\n"), broken=True, line=1, says="empty"),
    Case("latin-1-byte", raw(record().encode().replace(b"ordinary", b"ordin\xe4ry")), broken=True,
         line=3, says="UTF-8"),
    Case("utf-16", raw(record().encode("utf-16")), broken=True, line=1, says="UTF-8"),
    Case("binary-garbage", raw(bytes(range(256)) * 8), broken=True, says="UTF-8"),
    Case("nul-byte-in-front-matter", raw(record().replace("ordinary", "ordi\x00nary")), broken=True,
         line=3, says="not valid TOML"),
    Case("body-of-50-mb", sparse(50 * 1024 * 1024), broken=True, says="5 MB"),
    Case("just-over-5-mb", sparse(5 * 1024 * 1024 + 1), broken=True, says="5 MB"),
    Case("deeply-nested-arrays", deep_arrays, broken=True, says="nested"),
    Case("deeply-nested-inline-tables", deep_inline_tables, broken=True, says="nested"),
    Case("deeply-nested-table-headers", deep_table_headers, broken=True, says="nested"),
    Case("folder-named-like-a-record", folder_named_md, broken=True),
    Case("fifo-named-like-a-record", fifo, broken=True),
    Case("link-to-a-record-outside", link_to_outside_record, broken=True, says="outside the newsroom"),
    # readable records, odd but valid
    Case("utf-8-bom", raw("\ufeff" + record())),
    Case("crlf", raw(record().replace("\n", "\r\n"))),
    Case("bom-and-crlf", raw("\ufeff" + record().replace("\n", "\r\n"))),
    Case("crlf-front-lf-body", raw(record().replace("\n", "\r\n").split(BODY.replace("\n", "\r\n"))[0]
                                   + BODY)),
    Case("body-with-delimiter-lines", raw(record(body="+++\nnot front matter\n+++\n" + BODY))),
    Case("nul-bytes-in-body", raw(record(body="Before\x00after.\n\x00\x00\n"))),
    Case("ten-thousand-tags", raw(record(HEAD + "tags = [" + ", ".join(f'"tag-{n}"' for n in range(10_000))
                                         + "]\n")), alone=True),  # 10,000 tag pages: once is enough
    Case("five-thousand-unknown-keys", raw(record(HEAD + "".join(f"k{n} = {n}\n" for n in range(5000))))),
    Case("title-of-100000-characters", raw(record(HEAD.replace("A perfectly ordinary headline",
                                                               "word " * 20_000)))),
    Case("unicode-look-alikes", raw(record(HEAD.replace(
        "A perfectly ordinary headline", "Рresident Ѕomers meets the ΡМ \u200bof Веlgium\u200d")))),
    Case("right-to-left-text", raw(record(HEAD.replace(
        "A perfectly ordinary headline",
        "\u202egnitoV\u202c \u05d4\u05de\u05d5\u05e2\u05e6\u05d4 "
        "\u0627\u0644\u0645\u062c\u0644\u0633 \u2067x\u2069")))),
    Case("control-characters-in-fields", raw(record(HEAD.replace(
        "A perfectly ordinary headline", "Bell\\u0007 escape\\u001b[31mred\\u001b[0m nul\\u0000 del\\u007f")
        + 'summary = "line\\nbreak\\ttab\\rreturn"\n'))),
    Case("html-in-every-field", front(
        f"summary = {json.dumps(XSS)}\ncategory = {json.dumps(XSS)}\nauthors = [{json.dumps(XSS)}]\n"
        f"tags = [{json.dumps(XSS)}]\n[image]\nsrc = \"https://example.org/a.jpg\"\n"
        f"alt = {json.dumps(XSS)}\ncredit = {json.dumps(XSS)}\n",
        body=XSS + "\n\n[x](javascript:alert(3))\n", drop="authors")),
    Case("wrong-types", raw(record(
        'title = 5\nslug = ["bad"]\nstatus = ["draft"]\ncreated = "yesterday"\npublished = 10:00:00\n'
        'authors = [1, 2]\ntags = "news"\nrelated = 3\naliases = [{a = 1}]\nlang = 7\nimage = "pic.jpg"\n'
        'expires = 2026-01-01\nid = 3.5\nsummary = inf\n'))),
    Case("extreme-dates", extreme_dates),
    Case("extreme-dates-without-timezone", no_timezone, alone=True),
    Case("file-name-not-a-slug", front(""), file="Bad Name.md",
         expect={cmd: {2} for cmd in SLUG_COMMANDS}),
    Case("dangling-link", dangling_link,  # no article (2), or a link outside (1); delete may remove it
         expect={**{cmd: {1, 2} for cmd in SLUG_COMMANDS}, "delete": {0, 1, 2}}),
    Case("leftover-temporary-files", leftovers),
    Case("table-shaped-like-the-cache-tag", front('[x]\n"\\u0000t" = "date"\nv = "2020-01-01"\n'
                                                  '[y]\n"\\u0000t" = "bogus"\nv = 1\n')),
    # paths that point out of the newsroom
    Case("slug-and-id-with-dot-dot", raw(record(
        HEAD.replace('slug = "bad"', 'slug = "../../outside/pwned"')
        .replace('id = "0a0a0a0a-0000-4000-8000-000000000001"', 'id = "../../outside/pwned"')))),
    Case("aliases-leaving-the-newsroom", front(
        'aliases = ["../../outside/pwned", "{outside}/absolute", "..", ".", "../..", "a/../../../x"]\n')),
    Case("tags-and-category-leaving-the-newsroom", front(
        'tags = ["../../outside/pwned", "{outside}/absolute", "..", "."]\n'
        'category = "../../outside/pwned"\n')),
    Case("lang-leaving-the-newsroom", raw(record(
        HEAD.replace('"draft"', '"published"').replace('lang = "en"', 'lang = "../../../outside/pwned"')
        + "published = 2026-01-02T10:00:00+01:00\n"))),
    Case("image-src-dot-dot", front('[image]\nsrc = "../../outside/secret.txt"\nalt = "x"\n')),
    Case("image-src-absolute", front('[image]\nsrc = "{outside}/secret.txt"\nalt = "x"\n')),
    Case("image-src-etc-passwd", front('[image]\nsrc = "../../../../../../../../etc/passwd"\nalt = "x"\n')),
    Case("body-links-leaving-the-newsroom", front("", body=(
        "![a]({outside}/secret.txt)\n\n![b](../../outside/secret.txt)\n\n"
        "![c](media/../../../outside/secret.txt)\n\n[d](file:///etc/passwd)\n\n"
        "![e](/etc/passwd)\n\n<img src=\"../../outside/secret.txt\">\n"))),
    Case("media-folder-links-outside", media_link_outside),
    Case("references-leaving-the-newsroom", front(
        'related = ["../../outside/pwned", "/etc/passwd"]\ntranslation_of = "../../outside/pwned"\n')),
    Case("state-folder-links-outside", state_dir_link, alone=True,  # writers refuse, naming it
         expect={cmd: {1} for cmd in ("edit", "publish", "unpublish", "archive", "rename", "delete")}),
]

# -- the commands -----------------------------------------------------------------

COMMAND_LINES: dict[str, Callable[[str, Path], list[str]]] = {
    "list": lambda slug, out: ["list"],
    "list-json": lambda slug, out: ["list", "--format", "json"],
    "show": lambda slug, out: ["show", slug],
    "show-json": lambda slug, out: ["show", slug, "--format", "json"],
    "show-raw": lambda slug, out: ["show", slug, "--raw"],
    "edit": lambda slug, out: ["edit", slug, "--set", "summary=Checked by the trust suite"],
    "validate-json": lambda slug, out: ["validate", "--format", "json"],
    "publish": lambda slug, out: ["publish", slug],
    "unpublish": lambda slug, out: ["unpublish", slug],
    "archive": lambda slug, out: ["archive", slug],
    "rename": lambda slug, out: ["rename", slug, "renamed-by-trust"],
    "delete": lambda slug, out: ["delete", slug, "--force"],
    "export-json": lambda slug, out: ["export", "--format", "json", "--all"],
    "export-html": lambda slug, out: ["export", "--format", "html", "--all", "--out", str(out)],
}
AVAILABLE = commands()
LINES = [name for name, line in COMMAND_LINES.items() if line("x", Path("out"))[0] in AVAILABLE]


def allowed(case: Case, line: str) -> set[int]:
    """The exit codes the contract allows for LINE on CASE."""
    if line in case.expect:
        return case.expect[line]
    if case.broken:
        if line in ("delete", "show-raw"):
            return {0, 1}  # removing or printing a file that cannot be parsed is fine, refusing too
        return {1}
    if line in ("list", "list-json", "show", "show-json", "show-raw", "edit", "archive"):
        return {0}
    return {0, 1}  # validation may find errors or warnings; the workflow may refuse


# -- one case through one command, in-process -----------------------------------------


@contextlib.contextmanager
def watchdog(seconds: int, what: str) -> Iterator[None]:
    """Fail instead of hanging (interrupts a blocking open or read)."""
    def expire(signum: int, frame: object) -> None:
        raise AssertionError(f"{what} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Scene:
    root: Path
    out: Path
    outside: Path
    tmp: Path

    def outside_state(self) -> dict[str, tuple[str, int, str]]:
        """Everything next to the newsroom, and the home folder (root may write to it)."""
        home = snapshot(Path(os.environ["HOME"]))
        return {**snapshot(self.tmp, skip=[self.root, self.out]), **{f"~/{k}": v for k, v in home.items()}}

    def leaks(self) -> list[Path]:
        """Files in the newsroom or the export that hold the secret kept outside."""
        inside = [*files_under(self.root), *files_under(self.out)]
        return [p for p in inside if p.stat().st_size < 10_000_000 and SECRET.encode() in p.read_bytes()]


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    root = tmp_path / "newsroom"
    (root / "articles").mkdir(parents=True)
    (root / "pressctl.toml").write_text(SETTINGS, encoding="utf-8")
    write_article(root, "neighbour", status="published",
                  published=datetime.fromisoformat("2026-01-03T10:00:00+01:00"))
    outside = tmp_path / "outside"
    (outside / "media").mkdir(parents=True)
    (outside / "state").mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "media" / "secret.jpg").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "record.md").write_text(record(body=SECRET + "\n"), encoding="utf-8")
    (tmp_path / "sentinel").mkdir()
    monkeypatch.chdir(root)
    return Scene(root, tmp_path / "out", outside, tmp_path)


def age(root: Path) -> None:
    """Date every record an hour back, so that the index cache keeps them."""
    for entry in os.scandir(root / "articles"):
        with contextlib.suppress(OSError):
            stamp = entry.stat(follow_symlinks=False).st_mtime - HOUR_AGO
            os.utime(entry.path, (stamp, stamp), follow_symlinks=False)


def check_output(stdout: str, stderr: str, args: list[str]) -> None:
    for stream in (stdout, stderr):
        assert TRACEBACK not in stream, f"{args}: traceback ending\n{stream[-1500:]}"
        assert SECRET not in stream, f"{args}: printed what lies outside the newsroom"


def check_exit(code: int, wanted: set[int], args: list[str], stdout: str, stderr: str) -> None:
    assert code in wanted, (f"{args} exited {code}, expected {wanted}\n"
                            f"stdout: {stdout[:2000]}\nstderr: {stderr[:2000]}")


def check_named(case: Case, line: str, stdout: str, stderr: str, file: str) -> None:
    """The message names the file, and its line when it has one."""
    if line == "validate-json":  # path and line are fields of a finding there
        named = [p for p in json.loads(stdout) if p["path"] == f"articles/{file}"]
        assert named, f"validate --format json does not name articles/{file}: {stdout[:2000]}"
        assert case.line is None or named[0]["line"] == case.line, named
        assert case.says in named[0]["message"], named
        return
    said = stderr + (stdout if line.startswith("validate") else "")
    where = f"articles/{file}" + (f":{case.line}" if case.line else "")
    assert where in said, f"{line}: the message does not name {where}:\n{said[:2000]}"
    assert case.says in said, f"{line}: the message does not say {case.says!r}:\n{said[:2000]}"


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_through_every_command(case: Case, line: str, scene: Scene,
                                         cli: Callable[..., Result]) -> None:
    seconds = WATCHDOG_SECONDS * (6 if case.name == "ten-thousand-tags" else 1)  # 10,000 tag pages
    with watchdog(seconds, f"{case.name} / {line}"):
        case.build(scene.root, scene.outside, case.file)
        age(scene.root)
        bad = scene.root / "articles" / case.file
        before_bad = bad.read_bytes() if bad.is_file() and not bad.is_symlink() else None
        before_outside = scene.outside_state()
        Newsroom(scene.root).scan()  # fills the index cache that the command then reads
        args = COMMAND_LINES[line](case.slug, scene.out)
        result = cli(*args)

    check_output(result.stdout, result.stderr, args)
    check_exit(result.exit_code, allowed(case, line), args, result.stdout, result.stderr)
    assert scene.outside_state() == before_outside, f"{args} wrote outside the newsroom"
    assert not scene.leaks(), f"{args} copied what lies outside the newsroom into {scene.leaks()}"

    if case.broken:
        if result.exit_code == 1:
            check_named(case, line, result.stdout, result.stderr, case.file)
        if before_bad is not None and not (line == "delete" and result.exit_code == 0):
            assert bad.read_bytes() == before_bad, f"{args} changed a record it cannot read"
    elif line == "edit" and result.exit_code == 0 and before_bad is not None:
        from pressctl import record as codec

        old, new = codec.parse(before_bad.decode()), codec.load(bad)
        assert new.body == old.body, "edit changed the body"
        assert new.newline == old.newline, "edit changed the line endings"
        assert new.meta["summary"] == "Checked by the trust suite"

    if line == "export-html" and scene.out.is_dir():
        check_site(scene.out)


def check_site(out: Path) -> None:
    """Exported pages run no script, and no file is a copy of /etc/passwd.

    Of the tag pages, the first 100 are read: 10,000 of them say nothing more."""
    pages = sorted(out.rglob("*.html"))
    tags = [p for p in pages if p.relative_to(out).parts[0] == "tags"]
    tagged = set(tags)
    for page in [p for p in pages if p not in tagged] + tags[:100]:
        assert_safe_html(page.read_text(encoding="utf-8"), where=str(page), page=True)
    passwd = Path("/etc/passwd").read_bytes()
    assert not [p for p in files_under(out) if p.stat().st_size == len(passwd)
                and p.read_bytes() == passwd]


# -- every case at once, through the installed entry point ------------------------------

SHARED = [c for c in CASES if not c.alone]


def sink_file(case: Case) -> str:
    return case.file if case.file != "bad.md" else f"{case.name}.md"


def test_every_bad_input_at_once_through_the_installed_command(scene: Scene) -> None:
    """One newsroom holding every case: a broken record never stops the others, each is
    named, in real processes (their own stack depth, their own exit), twice (cold, then
    from the index cache)."""
    for case in SHARED:
        case.build(scene.root, scene.outside, sink_file(case))
    age(scene.root)
    before_outside = scene.outside_state()
    lines = [["list"], ["list", "--format", "json"]]
    if "validate" in AVAILABLE:
        lines += [["validate"], ["validate", "--format", "github"]]
    if "export" in AVAILABLE:
        lines += [["export", "--format", "jsonl", "--all"],
                  ["export", "--format", "html", "--all", "--out", str(scene.out)]]
    for args in lines:
        for _ in range(2):
            result = run(*args, cwd=scene.root, timeout=WATCHDOG_SECONDS * 6)
            check_output(result.stdout, result.stderr, args)
            check_exit(result.returncode, {1}, args, result.stdout, result.stderr)
            said = result.stdout + result.stderr
            missing = [sink_file(c) for c in SHARED if c.broken and f"articles/{sink_file(c)}" not in said]
            assert not missing, f"{args} does not name {missing}"
            assert "neighbour" in result.stdout or args[0] == "validate" or "html" in args
    assert scene.outside_state() == before_outside
    assert not scene.leaks()
    if scene.out.is_dir():
        check_site(scene.out)
        assert (scene.out / "articles" / "neighbour" / "index.html").is_file()


# -- hostile command-line arguments -------------------------------------------------

BAD_SLUGS = ["../neighbour", "../../etc/passwd", "/etc/passwd", "..", ".", "a/../../b",
             "neighbour/", "Neighbour", "neighbοur", "neigh bour", "-neighbour", "x" * 81, "",
             "neighbour.md", "neighbour\x00", "\u202eruobhgien"]


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=[repr(s)[:24] for s in BAD_SLUGS])
def test_malformed_slugs_on_the_command_line_are_usage_errors(slug: str, scene: Scene,
                                                                 cli: Callable[..., Result]) -> None:
    before = snapshot(scene.tmp)
    lines = [["show", slug], ["edit", slug, "--set", "summary=x"], ["new", "A title", "--slug", slug]]
    if "rename" in AVAILABLE:
        lines += [["rename", "neighbour", slug], ["rename", slug, "fresh-name"]]
    for command in ("publish", "review", "unpublish", "archive", "delete", "validate"):
        if command in AVAILABLE:
            lines.append([command, slug])
    for args in lines:
        result = cli(*args)
        check_output(result.stdout, result.stderr, args)
        assert result.exit_code == 2, f"{args}: {result.exit_code}\n{result.stderr}"
        assert "error" in result.stderr.lower()
    after = snapshot(scene.tmp)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert not {k for k in changed if not k.startswith("newsroom/.pressctl")}, changed


HOSTILE_TITLES = ["../../etc/passwd", "/etc/passwd", "..", "CON", "nul\x00byte",
                  "Рresident Ѕomers", "\u202egnitoV", "مجلس المدينة", "🗳️ 🗳️", "a\tb",
                  "<script>alert(1)</script>", "x" * 5000]


@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=[repr(t)[:24] for t in HOSTILE_TITLES])
def test_new_with_a_hostile_title_stays_inside_articles(title: str, scene: Scene,
                                                        cli: Callable[..., Result]) -> None:
    before = snapshot(scene.tmp, skip=[scene.root])
    result = cli("new", title)
    check_output(result.stdout, result.stderr, ["new", title])
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 0:
        created = (scene.root / result.stdout.strip()).resolve()
        assert created.parent == (scene.root / "articles").resolve()
        from pressctl import record as codec

        assert codec.load(created).meta["title"] == title.strip()
    else:
        assert "error:" in result.stderr
    assert snapshot(scene.tmp, skip=[scene.root]) == before


def test_the_catalogue_is_what_the_report_says() -> None:
    """The figures quoted in the issue: keep them true."""
    assert len(CASES) == 51
    assert len({c.name for c in CASES}) == len(CASES)
    assert sum(c.broken for c in CASES) == 20
